#include "chokepoint/analysis/diff.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "chokepoint/analysis/dependency.hpp"
#include "chokepoint/analysis/flow.hpp"
#include "chokepoint/analysis/structure.hpp"

namespace chokepoint {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

std::string num(double v) { return fmt::format("{}", v); }
std::string num(const std::optional<double>& v) { return v ? num(*v) : std::string(); }
std::string date(const std::optional<Date>& d) { return d ? d->str() : std::string(); }
std::string code(const Dataset& ds, Index c) { return c == kNone ? std::string() : ds.countries[c].code; }
std::string source_id(const Dataset& ds, Index s) { return s == kNone ? std::string() : ds.sources[s].id; }
std::string symbol(int e) { return std::string(rare_earths()[static_cast<std::size_t>(e)].symbol); }

template <typename Items, typename F>
std::string joined(const Items& items, F name) {
  std::vector<std::string> s;
  for (const auto& x : items) s.push_back(name(x));
  return fmt::format("{}", fmt::join(s, ", "));
}

/// A fact as the diff sees it: its fields in a fixed order, its sources and where it is written.
struct Fact {
  Fields fields;
  std::vector<std::string> sources;
  SourceLocation where;
};

void cite(Fact& f, const std::string& source) {
  if (!source.empty()) f.sources.push_back(source);
}

Fact dataset_fact(const Dataset& ds) {
  Fact f;
  f.fields = {{"name", ds.info.name},
              {"version", ds.info.version},
              {"as_of", date(ds.info.as_of)},
              {"description", ds.info.description},
              {"license", ds.info.license}};
  f.where = ds.info.where;
  return f;
}

Fact source_fact(const Source& s) {
  Fact f;
  f.fields = {{"title", s.title}, {"publisher", s.publisher},     {"year", s.year ? std::to_string(*s.year) : ""},
              {"url", s.url},     {"accessed", date(s.accessed)}, {"note", s.note}};
  f.sources = {s.id};
  f.where = s.where;
  return f;
}

Fact country_fact(const Dataset& ds, const Country& c) {
  Fact f;
  f.fields = {{"name", c.name}, {"wgi", num(c.wgi)}, {"source", source_id(ds, c.source)}};
  cite(f, source_id(ds, c.source));
  f.where = c.where;
  return f;
}

Fact group_fact(const Dataset& ds, const Group& g) {
  Fact f;
  std::vector<std::string> members;
  for (Index c : g.members) members.push_back(ds.countries[c].code);
  std::sort(members.begin(), members.end());
  f.fields = {{"name", g.name}, {"members", fmt::format("{}", fmt::join(members, ", "))}};
  f.where = g.where;
  return f;
}

Fact material_fact(const Material& m) {
  Fact f;
  f.fields = {{"name", m.name},
              {"form", form_name(m.form)},
              {"basis", basis_name(m.basis)},
              {"composition", m.mixed ? "mixed" : "fixed"}};
  for (const Component& c : m.composition)
    f.fields.emplace_back("composition " + std::string(element_symbol(c.element)), num(c.fraction));
  f.where = m.where;
  return f;
}

Fact facility_fact(const Dataset& ds, const Facility& x) {
  Fact f;
  f.fields = {{"name", x.name},
              {"operator", x.operator_name},
              {"country", code(ds, x.country)},
              {"owner_country", code(ds, x.owner_country)},
              {"stage", stage_name(x.stage)},
              {"status", status_name(x.status)},
              {"status_as_of", date(x.status_as_of)},
              {"inputs", joined(x.inputs, [&](Index m) { return ds.materials[m].id; })},
              {"elements", joined(x.elements, [](Element e) { return std::string(element_symbol(e)); })},
              {"recovery", num(x.recovery)},
              {"priority", num(x.priority)},
              {"technology_origin", code(ds, x.technology_origin)},
              {"location", x.location ? fmt::format("{}, {}", x.location->lat, x.location->lon) : std::string()},
              {"sources", joined(x.sources, [&](Index s) { return ds.sources[s].id; })},
              {"notes", x.notes}};
  if (x.has_distribution) {
    for (int e = 0; e < kRareEarthCount; ++e) {
      if (x.distribution[e] != 0) f.fields.emplace_back("distribution " + symbol(e), num(x.distribution[e]));
    }
  }
  for (const Output& o : x.outputs) {
    const std::string m = "output " + ds.materials[o.material].id;
    f.fields.emplace_back(m + " capacity", num(o.capacity));
    f.fields.emplace_back(m + " production", num(o.production));
    f.fields.emplace_back(m + " year", o.provenance.year ? std::to_string(*o.provenance.year) : "");
    f.fields.emplace_back(m + " source", source_id(ds, o.provenance.source));
    cite(f, source_id(ds, o.provenance.source));
  }
  for (const DemandEntry& d : x.demand) {
    const std::string m = "demand " + ds.materials[d.material].id;
    f.fields.emplace_back(m + " quantity", num(d.quantity));
    f.fields.emplace_back(m + " year", d.provenance.year ? std::to_string(*d.provenance.year) : "");
    f.fields.emplace_back(m + " source", source_id(ds, d.provenance.source));
    cite(f, source_id(ds, d.provenance.source));
  }
  for (Index s : x.sources) cite(f, ds.sources[s].id);
  f.where = x.where;
  return f;
}

Fact link_fact(const Dataset& ds, const Link& l) {
  Fact f;
  f.fields = {{"volume", num(l.volume)}, {"share", num(l.share)},  {"status", link_status_name(l.status)},
              {"since", date(l.since)},  {"until", date(l.until)}, {"source", source_id(ds, l.source)},
              {"notes", l.notes}};
  cite(f, source_id(ds, l.source));
  f.where = l.where;
  return f;
}

std::string link_id(const Dataset& ds, const Link& l) {
  return fmt::format("{} -> {} ({})", ds.facilities[l.from].id, ds.facilities[l.to].id, ds.materials[l.material].id);
}

/// The ids of one kind of fact in a dataset, sorted, each with its record's index: facts are built
/// two at a time while two such lists are merged, not all at once (at 10^5 facilities the facts of
/// both datasets, every field a string in a map, took 0.8 GB). An id given twice keeps its last
/// record, and the same supplier, customer and material twice are told apart by their order
/// (" #2", " #3", ...).
std::vector<std::pair<std::string, Index>> ids_of(const Dataset& ds, FactKind kind) {
  std::vector<std::pair<std::string, Index>> ids;
  const auto all = [&](const auto& items, auto id) {
    ids.reserve(items.size());
    for (Index i = 0; i < items.size(); ++i) ids.emplace_back(id(items[i]), i);
  };
  switch (kind) {
    case FactKind::dataset: ids.emplace_back("dataset", 0); break;
    case FactKind::source: all(ds.sources, [](const Source& x) { return x.id; }); break;
    case FactKind::country: all(ds.countries, [](const Country& x) { return x.code; }); break;
    case FactKind::group: all(ds.groups, [](const Group& x) { return x.id; }); break;
    case FactKind::material: all(ds.materials, [](const Material& x) { return x.id; }); break;
    case FactKind::facility: all(ds.facilities, [](const Facility& x) { return x.id; }); break;
    case FactKind::link: all(ds.links, [&](const Link& x) { return link_id(ds, x); }); break;
  }
  const auto by_id = [](const auto& x, const auto& y) { return x.first < y.first; };
  std::stable_sort(ids.begin(), ids.end(), by_id);   // equal ids stay in record order
  if (kind == FactKind::link) {
    bool renamed = false;
    for (std::size_t first = 0; first < ids.size();) {
      std::size_t end = first + 1;
      while (end < ids.size() && ids[end].first == ids[first].first) ++end;
      for (std::size_t k = first + 1; k < end; ++k) {
        ids[k].first += fmt::format(" #{}", k - first + 1);
        renamed = true;
      }
      first = end;
    }
    if (renamed) std::stable_sort(ids.begin(), ids.end(), by_id);
    return ids;
  }
  // Repeated ids (only in a dataset that failed to load): the last record keeps the id.
  std::vector<std::pair<std::string, Index>> unique;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i + 1 < ids.size() && ids[i + 1].first == ids[i].first) continue;
    unique.push_back(std::move(ids[i]));
  }
  return unique;
}

Fact fact_of(const Dataset& ds, FactKind kind, Index i) {
  switch (kind) {
    case FactKind::dataset: return dataset_fact(ds);
    case FactKind::source: return source_fact(ds.sources[i]);
    case FactKind::country: return country_fact(ds, ds.countries[i]);
    case FactKind::group: return group_fact(ds, ds.groups[i]);
    case FactKind::material: return material_fact(ds.materials[i]);
    case FactKind::facility: return facility_fact(ds, ds.facilities[i]);
    case FactKind::link: break;
  }
  return link_fact(ds, ds.links[i]);
}

std::vector<FieldChange> field_changes(const Fields& a, const Fields& b) {
  std::map<std::string, std::string> old_values(a.begin(), a.end());
  std::set<std::string> done;
  std::vector<FieldChange> out;
  for (const auto& [field, value] : b) {
    done.insert(field);
    auto it = old_values.find(field);
    const std::string before = it == old_values.end() ? std::string() : it->second;
    if (before != value) out.push_back({field, before, value});
  }
  for (const auto& [field, value] : a) {
    if (!done.count(field) && !value.empty()) out.push_back({field, value, ""});
  }
  return out;
}

std::vector<FactChange> fact_changes(const Dataset& a, const Dataset& b) {
  std::vector<FactChange> out;
  for (FactKind kind : {FactKind::dataset, FactKind::source, FactKind::country, FactKind::group, FactKind::material,
                        FactKind::facility, FactKind::link}) {
    const auto before = ids_of(a, kind);
    const auto after = ids_of(b, kind);
    for (std::size_t i = 0, j = 0; i < before.size() || j < after.size();) {
      if (j == after.size() || (i < before.size() && before[i].first < after[j].first)) {
        Fact fact = fact_of(a, kind, before[i].second);
        out.push_back({kind, FactChangeType::removed, before[i].first, {}, std::move(fact.sources), fact.where});
        ++i;
      } else if (i == before.size() || after[j].first < before[i].first) {
        Fact fact = fact_of(b, kind, after[j].second);
        out.push_back({kind, FactChangeType::added, after[j].first, {}, std::move(fact.sources), fact.where});
        ++j;
      } else {
        Fact fact = fact_of(b, kind, after[j].second);
        std::vector<FieldChange> fields = field_changes(fact_of(a, kind, before[i].second).fields, fact.fields);
        if (!fields.empty()) {
          out.push_back({kind, FactChangeType::modified, after[j].first, std::move(fields), std::move(fact.sources),
                         fact.where});
        }
        ++i;
        ++j;
      }
    }
  }
  for (auto& c : out) {
    std::sort(c.sources.begin(), c.sources.end());
    c.sources.erase(std::unique(c.sources.begin(), c.sources.end()), c.sources.end());
  }
  std::stable_sort(out.begin(), out.end(), [](const FactChange& x, const FactChange& y) {
    return std::tie(x.kind, x.change, x.id) < std::tie(y.kind, y.change, y.id);
  });
  return out;
}

// ---- concentration ---------------------------------------------------------------------------

struct StageRow {
  double hhi = 0;
  std::string band, top;
  std::map<std::string, double> shares;
};

FlowResult baseline(const Dataset& ds) {
  FlowOptions fo;
  fo.as_of = ds.info.as_of;
  return run_flow(build_flow_plan(ds, fo));
}

// Production shares from the baseline flow, as `concentration` reports them by default.
std::map<std::pair<Stage, int>, StageRow> stage_rows(const Dataset& ds, const FlowResult& base) {
  ConcentrationOptions options;
  options.baseline = &base;
  std::map<std::pair<Stage, int>, StageRow> out;
  for (const ConcentrationRow& r : analyze_concentration(ds, options).rows) {
    if (r.basis != ShareBasis::production || r.material != kNone || r.total <= 0) continue;
    StageRow row;
    row.hhi = r.hhi;
    row.band = concentration_band_name(r.band);
    if (!r.shares.empty()) row.top = code(ds, r.shares.front().country);
    for (const auto& s : r.shares) row.shares[code(ds, s.country)] = s.share;
    out[{r.stage, r.element}] = std::move(row);
  }
  return out;
}

std::vector<ConcentrationChange> concentration_changes(const Dataset& a, const FlowResult& base_a, const Dataset& b,
                                                       const FlowResult& base_b, const DiffOptions& o) {
  const auto before = stage_rows(a, base_a), after = stage_rows(b, base_b);
  std::set<std::pair<Stage, int>> keys;
  for (const auto& [k, r] : before) keys.insert(k);
  for (const auto& [k, r] : after) keys.insert(k);
  std::vector<ConcentrationChange> out;
  for (const auto& key : keys) {
    const auto x = before.find(key), y = after.find(key);
    ConcentrationChange c;
    c.stage = key.first;
    c.element = key.second;
    if (x != before.end()) {
      c.old_hhi = x->second.hhi;
      c.old_band = x->second.band;
      c.old_top = x->second.top;
    }
    if (y != after.end()) {
      c.new_hhi = y->second.hhi;
      c.new_band = y->second.band;
      c.new_top = y->second.top;
    }
    std::set<std::string> countries;
    if (x != before.end()) {
      for (const auto& [cc, s] : x->second.shares) countries.insert(cc);
    }
    if (y != after.end()) {
      for (const auto& [cc, s] : y->second.shares) countries.insert(cc);
    }
    for (const auto& cc : countries) {
      const double s0 = x != before.end() && x->second.shares.count(cc) ? x->second.shares.at(cc) : 0.0;
      const double s1 = y != after.end() && y->second.shares.count(cc) ? y->second.shares.at(cc) : 0.0;
      if (std::fabs(s1 - s0) >= o.share_tolerance) c.moves.push_back({cc, s0, s1});
    }
    std::stable_sort(c.moves.begin(), c.moves.end(), [](const ShareMove& p, const ShareMove& q) {
      return std::fabs(p.new_share - p.old_share) > std::fabs(q.new_share - q.old_share);
    });
    const bool hhi_moved = !c.old_hhi || !c.new_hhi || std::fabs(*c.new_hhi - *c.old_hhi) >= o.hhi_tolerance;
    if (hhi_moved || !c.moves.empty()) out.push_back(std::move(c));
  }
  std::stable_sort(out.begin(), out.end(), [](const ConcentrationChange& p, const ConcentrationChange& q) {
    // All rare earths (-1) after the single elements.
    return std::make_tuple(p.stage, p.element < 0, p.element) < std::make_tuple(q.stage, q.element < 0, q.element);
  });
  return out;
}

// ---- structure and dependency per consumer country -------------------------------------------

struct ConsumerFindings {
  std::map<std::pair<std::string, int>, std::map<std::string, std::string>>
      facilities;  // (consumer, e) -> id -> evidence
  std::map<std::pair<std::string, int>, std::map<std::string, std::string>> countries;  // -> code -> evidence
  std::map<std::pair<std::string, int>, bool> reachable;
  // (consumer, element, stage, country) -> share, flagged, critical
  std::map<std::tuple<std::string, int, Stage, std::string>, std::tuple<double, bool, bool>> dependencies;
};

std::set<std::string> consumer_countries(const Dataset& ds) {
  std::set<std::string> out;
  for (const Facility& f : ds.facilities) {
    if (f.stage == Stage::demand && f.country != kNone) out.insert(ds.countries[f.country].code);
  }
  return out;
}

ConsumerFindings consumer_findings(const Dataset& ds, const FlowResult& base, const DiffOptions& o) {
  ConsumerFindings out;
  ViewOptions view;
  view.as_of = ds.info.as_of;
  std::vector<std::string> consumers;
  std::vector<StructureTarget> targets;
  std::vector<DependencyOptions> options;
  for (const std::string& consumer : consumer_countries(ds)) {
    auto target = resolve_target(ds, consumer);
    if (!target) continue;
    consumers.push_back(consumer);
    targets.push_back(std::move(*target));
    DependencyOptions dopt;
    dopt.threshold = o.threshold;
    dopt.critical = o.critical;
    dopt.home = home_countries(ds, consumer);
    options.push_back(std::move(dopt));
  }
  // What each consumer must pass, one element's structure at a time (at 10^5 facilities the
  // seventeen together, with a max-flow per consumer and element that nothing here reads, took a
  // gigabyte).
  {
    const SupplyGraph graph = SupplyGraph::build(ds);
    const Carriage carriage = compute_carriage(ds, view);
    for (int e = 0; e < kRareEarthCount; ++e) {
      const ElementStructure element = prepare_element(ds, graph, carriage, e);
      for (std::size_t i = 0; i < consumers.size(); ++i) {
        const MustPass r = must_pass(ds, graph, element, targets[i]);
        const std::pair<std::string, int> key{consumers[i], e};
        out.reachable[key] = r.reachable;
        for (const auto& m : r.facilities) out.facilities[key][ds.facilities[m.facility].id] = m.evidence;
        for (const auto& m : r.countries) {
          out.countries[key][ds.countries[m.country].code] = m.evidence;
          options[i].must_pass[static_cast<std::size_t>(e)].push_back(m.country);
        }
      }
    }
  }
  std::vector<std::vector<Index>> sinks;
  for (const std::string& consumer : consumers) sinks.push_back(resolve_consumers(ds, consumer));
  const std::vector<DependencyReport> reports = single_country_dependencies(base, sinks, options);
  for (std::size_t i = 0; i < consumers.size(); ++i) {
    for (const ElementDependency& ed : reports[i].elements) {
      for (const StageDependency& sd : ed.stages) {
        for (const CountryDependency& cd : sd.countries) {
          out.dependencies[{consumers[i], ed.element, sd.stage, code(ds, cd.country)}] = {cd.share, cd.flagged,
                                                                                          cd.critical};
        }
      }
    }
  }
  return out;
}

void set_changes(const std::map<std::pair<std::string, int>, std::map<std::string, std::string>>& before,
                 const std::map<std::pair<std::string, int>, std::map<std::string, std::string>>& after,
                 MustPassChange::Kind kind, std::vector<MustPassChange>& out) {
  std::set<std::pair<std::string, int>> keys;
  for (const auto& [k, v] : before) keys.insert(k);
  for (const auto& [k, v] : after) keys.insert(k);
  static const std::map<std::string, std::string> kEmpty;
  for (const auto& key : keys) {
    const auto& x = before.count(key) ? before.at(key) : kEmpty;
    const auto& y = after.count(key) ? after.at(key) : kEmpty;
    for (const auto& [id, evidence] : y) {
      if (!x.count(id)) out.push_back({kind, key.first, key.second, id, true, evidence});
    }
    for (const auto& [id, evidence] : x) {
      if (!y.count(id)) out.push_back({kind, key.first, key.second, id, false, evidence});
    }
  }
}

std::vector<MustPassChange> must_pass_changes(const ConsumerFindings& a, const ConsumerFindings& b) {
  std::vector<MustPassChange> out;
  set_changes(a.facilities, b.facilities, MustPassChange::Kind::facility, out);
  set_changes(a.countries, b.countries, MustPassChange::Kind::country, out);
  std::set<std::pair<std::string, int>> keys;
  for (const auto& [k, v] : a.reachable) keys.insert(k);
  for (const auto& [k, v] : b.reachable) keys.insert(k);
  for (const auto& key : keys) {
    const bool x = a.reachable.count(key) && a.reachable.at(key);
    const bool y = b.reachable.count(key) && b.reachable.at(key);
    if (x == y) continue;
    out.push_back({MustPassChange::Kind::reachability, key.first, key.second, "", y,
                   fmt::format("{} {} reach {}", symbol(key.second), y ? "now" : "no longer", key.first)});
  }
  std::stable_sort(out.begin(), out.end(), [](const MustPassChange& p, const MustPassChange& q) {
    return std::tie(p.consumer, p.element, p.kind, p.id) < std::tie(q.consumer, q.element, q.kind, q.id);
  });
  return out;
}

std::vector<DependencyChange> dependency_changes(const ConsumerFindings& a, const ConsumerFindings& b) {
  std::set<std::tuple<std::string, int, Stage, std::string>> keys;
  for (const auto& [k, v] : a.dependencies) keys.insert(k);
  for (const auto& [k, v] : b.dependencies) keys.insert(k);
  std::vector<DependencyChange> out;
  for (const auto& key : keys) {
    const auto x = a.dependencies.find(key), y = b.dependencies.find(key);
    DependencyChange c;
    std::tie(c.consumer, c.element, c.stage, c.country) = key;
    if (x != a.dependencies.end()) std::tie(c.old_share, c.old_flagged, c.old_critical) = x->second;
    if (y != b.dependencies.end()) std::tie(c.new_share, c.new_flagged, c.new_critical) = y->second;
    if (c.old_flagged != c.new_flagged || c.old_critical != c.new_critical) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

const char* fact_kind_name(FactKind k) {
  switch (k) {
    case FactKind::dataset: return "dataset";
    case FactKind::source: return "source";
    case FactKind::country: return "country";
    case FactKind::group: return "group";
    case FactKind::material: return "material";
    case FactKind::facility: return "facility";
    case FactKind::link: return "link";
  }
  return "";
}

const char* fact_change_name(FactChangeType c) {
  switch (c) {
    case FactChangeType::added: return "added";
    case FactChangeType::removed: return "removed";
    case FactChangeType::modified: return "modified";
  }
  return "";
}

DatasetDiff diff_datasets(const Dataset& old_dataset, const Dataset& new_dataset, const DiffOptions& options) {
  DatasetDiff d;
  d.old_label = old_dataset.label();
  d.new_label = new_dataset.label();
  d.facts = fact_changes(old_dataset, new_dataset);
  const FlowResult base_old = baseline(old_dataset), base_new = baseline(new_dataset);
  d.concentration = concentration_changes(old_dataset, base_old, new_dataset, base_new, options);
  const ConsumerFindings before = consumer_findings(old_dataset, base_old, options);
  const ConsumerFindings after = consumer_findings(new_dataset, base_new, options);
  d.must_pass = must_pass_changes(before, after);
  d.dependencies = dependency_changes(before, after);
  return d;
}

const std::vector<std::string>& diff_conditions() {
  static const std::vector<std::string> conditions = {"validation", "new-critical-dependency", "new-dependency",
                                                      "new-must-pass-country", "new-must-pass-facility"};
  return conditions;
}

std::vector<std::size_t> count_conditions(const DatasetDiff& diff, std::size_t new_errors) {
  std::vector<std::size_t> n(diff_conditions().size(), 0);
  n[0] = new_errors;
  for (const auto& c : diff.dependencies) {
    if (c.new_critical && !c.old_critical) ++n[1];
    if (c.new_flagged && !c.old_flagged) ++n[2];
  }
  for (const auto& c : diff.must_pass) {
    if (c.added && c.kind == MustPassChange::Kind::country) ++n[3];
    if (c.added && c.kind == MustPassChange::Kind::facility) ++n[4];
  }
  return n;
}

}  // namespace chokepoint
