#include "chokepoint/load/scenario_loader.hpp"

#include <algorithm>
#include <map>
#include <fstream>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "chokepoint/core/text.hpp"
#include "chokepoint/load/yaml_reader.hpp"

namespace chokepoint {
namespace {

namespace fs = std::filesystem;
using yaml::Reader;

constexpr int kMaxIncludeDepth = 16;

const std::vector<std::string> kSections = {"scenario", "sources", "measures", "events", "$schema"};
const std::vector<std::string> kMeasureTypes = {"ban", "license", "quota", "tax"};
const std::vector<std::string> kEventTypes = {"outage", "country_outage", "capacity", "commission", "demand", "link"};

bool is_null(const yaml::Node& v) { return yaml::classify(v) == yaml::ScalarKind::null; }

/// The keys each event type takes besides `type`, `sources` and `notes`.
std::vector<std::string> event_keys(EventType t) {
  std::vector<std::string> keys = {"type", "sources", "notes"};
  const auto add = [&](std::initializer_list<const char*> more) { keys.insert(keys.end(), more.begin(), more.end()); };
  switch (t) {
    case EventType::outage: add({"facility", "factor", "from", "until"}); break;
    case EventType::country_outage: add({"country", "factor", "from", "until"}); break;
    case EventType::capacity: add({"facility", "output", "capacity", "from", "until"}); break;
    case EventType::commission: add({"facility", "from", "until"}); break;
    case EventType::demand: add({"facility", "factor", "from", "until"}); break;
    case EventType::link: add({"from", "to", "material", "status", "since", "until"}); break;
  }
  return keys;
}

class ScenarioBuilder {
 public:
  ScenarioBuilder(const Dataset& ds, const LoadOptions& options, Diagnostics& diags)
      : ds_(ds), options_(options), diags_(diags) {}

  /// Reads one file (after its includes); `depth` guards against include cycles.
  void read(yaml::Document doc, const fs::path& base_dir, int depth) {
    docs_.push_back(std::make_unique<yaml::Document>(std::move(doc)));
    yaml::Document& d = *docs_.back();
    scenario_.files.push_back(d.path);
    if (!d.ok) return;
    Reader r(d, diags_, options_.limits);
    bool has_scenario = false;
    std::vector<Measure> measures;
    std::vector<Event> events;
    r.each_key(d.root, "a scenario file", kSections, [&](const std::string& key, const yaml::Node& k, const yaml::Node& v) {
      if (key == "scenario") {
        has_scenario = true;
        read_header(r, v, base_dir, depth);
      } else if (key == "sources") {
        if (!r.is_list(v, k, "section 'sources'")) return;
        for (const auto& n : v) read_source(r, n);
      } else if (key == "measures") {
        if (!r.is_list(v, k, "section 'measures'")) return;
        for (const auto& n : v) {
          if (auto m = read_measure(r, n)) measures.push_back(std::move(*m));
        }
      } else if (key == "events") {
        if (!r.is_list(v, k, "section 'events'")) return;
        for (const auto& n : v) {
          if (auto e = read_event(r, n)) events.push_back(std::move(*e));
        }
      }
    }, "E200");
    if (!has_scenario) r.error("E400", d.root, "a scenario file needs a 'scenario' section (id, title)");
    // Later files override measures with the same id; within one file ids are unique.
    std::set<std::string> seen;
    for (auto& m : measures) {
      if (!seen.insert(m.id).second) {
        diags_.error("E207", m.where, fmt::format("duplicate measure id '{}'", m.id)).source_line =
            r.line_text(m.where.line);
        continue;
      }
      auto it = std::find_if(scenario_.measures.begin(), scenario_.measures.end(),
                             [&](const Measure& x) { return x.id == m.id; });
      if (it != scenario_.measures.end()) *it = std::move(m);
      else scenario_.measures.push_back(std::move(m));
    }
    for (auto& e : events) scenario_.events.push_back(std::move(e));
  }

  std::optional<Scenario> finish() {
    check_source_refs();
    check_stacked_demand();
    if (diags_.has_errors()) return std::nullopt;
    return std::move(scenario_);
  }

 private:
  // A facility's largest demand entry, t/yr in its material's basis (0 without demand).
  [[nodiscard]] double largest_demand(Index facility) const {
    double largest = 0;
    for (const DemandEntry& d : ds_.facilities[facility].demand) largest = std::max(largest, d.quantity);
    return largest;
  }

  // Demand events on one sink multiply (whether or not their dates overlap, to be safe): together
  // they too must leave its largest demand an amount a dataset may hold. One event alone is
  // checked where it is read.
  void check_stacked_demand() {
    std::map<Index, std::pair<int, double>> product;   // sink -> (events, product of factors)
    for (const Event& e : scenario_.events) {
      if (e.type != EventType::demand || e.facility == kNone) continue;
      const double largest = largest_demand(e.facility);
      if (largest * e.factor > options_.limits.max_amount) continue;   // reported on its own
      auto& [count, factor] = product.try_emplace(e.facility, 0, 1.0).first->second;
      ++count;
      factor *= e.factor;
      if (count >= 2 && largest * factor > options_.limits.max_amount) {
        diags_.error("E301", e.where,
                     fmt::format("{} demand events on '{}' multiply its demand by {:g}, taking {:g} to {:g} tonnes a "
                                 "year, above the largest amount a dataset may hold ({:g})",
                                 count, ds_.facilities[e.facility].id, factor, largest, largest * factor,
                                 options_.limits.max_amount));
        factor = 1.0;   // one error per excess, not one per event after it
        count = 0;
      }
    }
  }

  void read_header(Reader& r, const yaml::Node& v, const fs::path& base_dir, int depth) {
    std::vector<std::pair<std::string, yaml::Node>> includes;
    const bool top = depth == 0;
    if (!r.each_key(v, "section 'scenario'", {"id", "title", "description", "as_of", "include", "sources", "dataset"},
                    [&](const std::string& k, const yaml::Node& kn, const yaml::Node& val) {
                      if (k == "id") {
                        if (auto id = r.id(val, kn, "scenario id"); id && top) scenario_.id = *id;
                      } else if (k == "title") {
                        if (auto s = r.string(val, kn, "title"); s && top) scenario_.title = *s;
                      } else if (k == "description") {
                        if (auto s = r.string(val, kn, "description"); s && top) scenario_.description = *s;
                      } else if (k == "as_of") {
                        if (is_null(val)) return;
                        if (auto dt = r.date(val, kn, "as_of"); dt && (top || !scenario_.as_of)) scenario_.as_of = dt;
                      } else if (k == "dataset") {
                        r.string(val, kn, "dataset");  // a path used by `validate`; see scenario_dataset_path
                      } else if (k == "include") {
                        includes = r.string_list(val, kn, "include");
                      } else if (k == "sources") {
                        for (auto& [s, node] : r.string_list(val, kn, "sources")) {
                          source_refs_.push_back(s);
                          refs_where_.push_back(r.at(node));
                          refs_line_.push_back(r.line_text(r.at(node).line));
                          if (top) scenario_.sources.push_back(s);
                        }
                      }
                    })) {
      return;
    }
    r.require_keys(v, "section 'scenario'", {"id", "title"});
    for (const auto& [file, node] : includes) include(r, node, base_dir / file, depth);
  }

  void include(Reader& r, const yaml::Node& node, const fs::path& path, int depth) {
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(path, ec);
    if (depth + 1 > kMaxIncludeDepth || active_.count(canonical.string())) {
      r.error("E402", node, fmt::format("include cycle: '{}' is already being read", path.generic_string()));
      return;
    }
    if (!fs::is_regular_file(path, ec)) {
      r.error("E001", node, fmt::format("included file '{}' does not exist", path.generic_string()));
      return;
    }
    active_.insert(canonical.string());
    read(yaml::read_file(path, options_.limits, diags_), path.parent_path(), depth + 1);
    active_.erase(canonical.string());
  }

  void read_source(Reader& r, const yaml::Node& n) {
    Source s;
    s.where = r.at(n);
    if (!r.each_key(n, "a source", {"id", "title", "publisher", "year", "url", "accessed", "note"},
                    [&](const std::string& k, const yaml::Node& kn, const yaml::Node& v) {
                      if (k == "id") s.id = r.id(v, kn, "source id").value_or("");
                      else if (k == "title") s.title = r.string(v, kn, "title").value_or("");
                      else if (k == "publisher") s.publisher = r.string(v, kn, "publisher").value_or("");
                      else if (k == "year") {
                        if (auto y = r.integer(v, kn, "year")) {
                          if (*y < 1 || *y > 9999) r.error("E301", v, fmt::format("year {} is outside 1..9999", *y));
                          else s.year = static_cast<int>(*y);
                        }
                      }
                      else if (k == "url") s.url = r.string(v, kn, "url").value_or("");
                      else if (k == "accessed") s.accessed = r.date(v, kn, "accessed");
                      else if (k == "note") s.note = r.string(v, kn, "note").value_or("");
                    })) {
      return;
    }
    r.require_keys(n, "a source", {"id", "title"});
    if (s.id.empty()) return;
    const bool clash = std::any_of(scenario_.own_sources.begin(), scenario_.own_sources.end(),
                                   [&](const Source& x) { return x.id == s.id; });
    if (!clash) scenario_.own_sources.push_back(std::move(s));
  }

  std::vector<std::string> source_list(Reader& r, const yaml::Node& v, const yaml::Node& kn) {
    std::vector<std::string> out;
    for (auto& [s, node] : r.string_list(v, kn, "sources")) {
      refs_where_.push_back(r.at(node));
      refs_line_.push_back(r.line_text(r.at(node).line));
      source_refs_.push_back(s);
      out.push_back(s);
    }
    return out;
  }

  Index country(Reader& r, const yaml::Node& v, const yaml::Node& kn, std::string_view what) {
    auto s = r.string(v, kn, what);
    if (!s) return kNone;
    Index c = ds_.find_country(*s);
    if (c == kNone) unknown(r, v, "E210", "country", *s, country_codes());
    return c;
  }

  Index facility(Reader& r, const yaml::Node& v, const yaml::Node& kn, std::string_view what) {
    auto s = r.string(v, kn, what);
    if (!s) return kNone;
    Index f = ds_.find_facility(*s);
    if (f == kNone) {
      std::vector<std::string> ids;
      for (const auto& x : ds_.facilities) ids.push_back(x.id);
      unknown(r, v, "E211", "facility", *s, ids);
    }
    return f;
  }

  Index material(Reader& r, const yaml::Node& v, const yaml::Node& kn) {
    auto s = r.string(v, kn, "material");
    if (!s) return kNone;
    Index m = ds_.find_material(*s);
    if (m == kNone) {
      std::vector<std::string> ids;
      for (const auto& x : ds_.materials) ids.push_back(x.id);
      unknown(r, v, "E203", "material", *s, ids);
    }
    return m;
  }

  std::vector<std::string> country_codes() const {
    std::vector<std::string> codes;
    for (const auto& c : ds_.countries) codes.push_back(c.code);
    for (const auto& g : ds_.groups) codes.push_back(g.id);
    return codes;
  }

  void unknown(Reader& r, const yaml::Node& v, const char* code, std::string_view what, const std::string& id,
               const std::vector<std::string>& candidates) {
    auto& d = r.error(code, v, fmt::format("unknown {} '{}' in dataset '{}'", what, id, ds_.info.name));
    if (auto note = did_you_mean(id, candidates); !note.empty()) d.notes.push_back(note);
  }

  std::optional<double> fraction(Reader& r, const yaml::Node& v, const yaml::Node& kn, std::string_view what) {
    auto x = r.number(v, kn, what);
    if (x && (*x < 0 || *x > 1)) {
      r.error("E301", v, fmt::format("{} {} is outside 0..1", what, *x));
      return std::nullopt;
    }
    return x;
  }

  void read_destinations(Reader& r, const yaml::Node& v, const yaml::Node& kn, Destinations& dest) {
    if (!v.IsMap()) {
      r.error("E204", is_null(v) ? kn : v, "destinations must be {only: [...]} or {except: [...]}");
      return;
    }
    int modes = 0;
    r.each_key(v, "destinations", {"only", "except"}, [&](const std::string& k, const yaml::Node& mk, const yaml::Node& list) {
      ++modes;
      dest.mode = k == "only" ? Destinations::Mode::only : Destinations::Mode::except;
      for (auto& [code, node] : r.string_list(list, mk, k)) {
        auto members = ds_.resolve_countries(code);
        if (members.empty()) unknown(r, node, "E210", "country or group", code, country_codes());
        dest.countries.insert(dest.countries.end(), members.begin(), members.end());
      }
    });
    if (modes > 1) r.error("E403", v, "destinations take 'only' or 'except', not both");
    std::sort(dest.countries.begin(), dest.countries.end());
    dest.countries.erase(std::unique(dest.countries.begin(), dest.countries.end()), dest.countries.end());
  }

  std::optional<Measure> read_measure(Reader& r, const yaml::Node& n) {
    Measure m;
    m.where = r.at(n);
    bool ok_type = false;
    yaml::Node type_node, until_node, approval_key, quota_key, rate_key;
    bool has_effective = false;
    const bool fine = r.each_key(
        n, "a measure",
        {"id", "title", "type", "issuer", "elements", "forms", "min_content", "destinations", "approval_rate", "quota",
         "rate", "effective", "suspended", "until", "sources", "notes"},
        [&](const std::string& k, const yaml::Node& kn, const yaml::Node& v) {
          if (k == "id") m.id = r.id(v, kn, "measure id").value_or("");
          else if (k == "title") m.title = r.string(v, kn, "title").value_or("");
          else if (k == "type") {
            type_node.reset(v);
            if (auto s = r.string(v, kn, "measure type")) {
              auto it = std::find(kMeasureTypes.begin(), kMeasureTypes.end(), *s);
              if (it == kMeasureTypes.end()) enum_error(r, v, "measure type", *s, kMeasureTypes);
              else { m.type = static_cast<MeasureType>(it - kMeasureTypes.begin()); ok_type = true; }
            }
          } else if (k == "issuer") m.issuer = country(r, v, kn, "issuer");
          else if (k == "elements") {
            for (auto& [sym, node] : r.string_list(v, kn, "elements")) {
              auto e = parse_element(sym);
              if (!e || !is_rare_earth(*e)) {
                auto& d = r.error("E213", node, fmt::format("'{}' is not a rare-earth element symbol", sym));
                std::vector<std::string> symbols;
                for (const auto& re : rare_earths()) symbols.emplace_back(re.symbol);
                if (auto note = did_you_mean(sym, symbols); !note.empty()) d.notes.push_back(note);
              } else {
                m.elements.push_back(rare_earth_index(*e));
              }
            }
          } else if (k == "forms") {
            for (auto& [f, node] : r.string_list(v, kn, "forms")) {
              if (auto form = parse_form(f)) m.forms.push_back(*form);
              else enum_error(r, node, "form", f, form_names());
            }
          } else if (k == "min_content") m.min_content = fraction(r, v, kn, "min_content").value_or(0);
          else if (k == "destinations") read_destinations(r, v, kn, m.destinations);
          else if (k == "approval_rate") { approval_key.reset(kn); m.approval_rate = fraction(r, v, kn, "approval_rate").value_or(0); }
          else if (k == "quota") {
            quota_key.reset(kn);
            if (is_null(v)) return;
            m.quota = r.amount(v, kn, "quota");
          } else if (k == "rate") {
            rate_key.reset(kn);
            if (is_null(v)) return;
            auto x = r.number(v, kn, "rate");
            if (x && *x < 0) r.error("E300", v, fmt::format("rate is negative ({})", *x));
            else m.rate = x;
          } else if (k == "effective") {
            has_effective = true;
            if (auto d = r.date(v, kn, "effective")) m.effective = *d;
          } else if (k == "until") {
            if (is_null(v)) return;
            until_node.reset(v);
            m.until = r.date(v, kn, "until");
          } else if (k == "suspended") {
            if (!r.is_list(v, kn, "suspended")) return;
            for (const auto& p : v) {
              Period period;
              bool has_from = false;
              r.each_key(p, "a suspension period", {"from", "until"}, [&](const std::string& pk, const yaml::Node& pkn, const yaml::Node& pv) {
                if (pk == "from") { if (auto d = r.date(pv, pkn, "from")) { period.from = *d; has_from = true; } }
                else if (!is_null(pv)) period.until = r.date(pv, pkn, "until");
              });
              r.require_keys(p, "a suspension period", {"from"});
              if (has_from && period.until && !(period.from < *period.until)) {
                r.error("E315", p, fmt::format("suspension ends {} before it starts {}", period.until->str(), period.from.str()));
              }
              if (has_from) m.suspended.push_back(period);
            }
          } else if (k == "sources") m.sources = source_list(r, v, kn);
          else if (k == "notes") m.notes = r.string(v, kn, "notes").value_or("");
        });
    if (!fine) return std::nullopt;
    r.require_keys(n, "a measure", {"id", "type", "issuer", "elements", "effective"});
    if (has_effective && m.until && !(m.effective < *m.until)) {
      r.error("E315", until_node, fmt::format("until {} is not after effective {}", m.until->str(), m.effective.str()));
    }
    if (ok_type) check_measure_fields(r, m, n, approval_key, quota_key, rate_key);
    std::sort(m.elements.begin(), m.elements.end());
    m.elements.erase(std::unique(m.elements.begin(), m.elements.end()), m.elements.end());
    return m;
  }

  void check_measure_fields(Reader& r, const Measure& m, const yaml::Node& n, const yaml::Node& approval_key,
                            const yaml::Node& quota_key, const yaml::Node& rate_key) {
    const bool has_approval = approval_key.IsDefined() && approval_key.IsScalar();
    const bool has_quota = quota_key.IsDefined() && quota_key.IsScalar();
    const bool has_rate = rate_key.IsDefined() && rate_key.IsScalar();
    const char* type = measure_type_name(m.type);
    if (m.type == MeasureType::license && !has_approval) {
      r.error("E202", n, "a license measure needs 'approval_rate' (the share of baseline volume still approved)");
    }
    if (m.type == MeasureType::quota && !m.quota) r.error("E202", n, "a quota measure needs 'quota' (t/yr)");
    if (m.type != MeasureType::license && has_approval) {
      r.error("E403", approval_key, fmt::format("'approval_rate' applies to license measures, not {}", type));
    }
    if (m.type != MeasureType::quota && has_quota && m.quota) {
      r.error("E403", quota_key, fmt::format("'quota' applies to quota measures, not {}", type));
    }
    if (m.type != MeasureType::tax && has_rate) {
      r.error("E403", rate_key, fmt::format("'rate' applies to tax measures, not {}", type));
    }
  }

  void enum_error(Reader& r, const yaml::Node& v, std::string_view what, const std::string& s,
                  const std::vector<std::string>& names) {
    auto& d = r.error("E205", v, fmt::format("unknown {} '{}'", what, s));
    if (auto note = did_you_mean(s, names); !note.empty()) d.notes.push_back(note);
    else d.notes.push_back(fmt::format("one of: {}", fmt::join(names, ", ")));
  }

  std::optional<Event> read_event(Reader& r, const yaml::Node& n) {
    Event e;
    e.where = r.at(n);
    if (!n.IsMap()) {
      r.error("E204", n, "an event must be a mapping");
      return std::nullopt;
    }
    yaml::Node type_value;
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (it->first.IsScalar() && it->first.Scalar() == "type") type_value.reset(it->second);
    }
    if (!type_value.IsDefined() || !type_value.IsScalar()) {
      r.error("E202", n, "an event is missing required key 'type'");
      return std::nullopt;
    }
    auto type = r.string(type_value, type_value, "event type");
    if (!type) return std::nullopt;
    auto it = std::find(kEventTypes.begin(), kEventTypes.end(), *type);
    if (it == kEventTypes.end()) {
      enum_error(r, type_value, "event type", *type, kEventTypes);
      return std::nullopt;
    }
    e.type = static_cast<EventType>(it - kEventTypes.begin());
    Index link_from = kNone, link_to = kNone, link_material = kNone;
    yaml::Node until_node, factor_node;
    bool has_factor = false, has_capacity = false, has_status = false;
    const auto what = fmt::format("{} {} event", e.type == EventType::outage ? "an" : "a", *type);
    const bool fine = r.each_key(n, what, event_keys(e.type), [&](const std::string& k, const yaml::Node& kn, const yaml::Node& v) {
      const bool link = e.type == EventType::link;
      if (k == "type") return;
      if (k == "facility") e.facility = facility(r, v, kn, "facility");
      else if (k == "country") e.country = country(r, v, kn, "country");
      else if (k == "factor") {
        has_factor = true;
        factor_node.reset(v);
        auto x = r.number(v, kn, "factor");
        if (x && *x < 0) r.error("E300", v, fmt::format("factor is negative ({})", *x));
        else if (x && e.type != EventType::demand && *x > 1) r.error("E301", v, fmt::format("an outage factor is a share of capacity left, 0..1; got {}", *x));
        else if (x) e.factor = *x;
      } else if (k == "output") e.output = material(r, v, kn);
      else if (k == "capacity") {
        has_capacity = true;
        if (auto x = r.amount(v, kn, "capacity")) e.capacity = *x;
      } else if (k == "from" && link) link_from = facility(r, v, kn, "from");
      else if (k == "to") link_to = facility(r, v, kn, "to");
      else if (k == "material") link_material = material(r, v, kn);
      else if (k == "status") {
        has_status = true;
        if (auto s = r.string(v, kn, "link status")) {
          if (auto st = parse_link_status(*s)) e.status = *st;
          else enum_error(r, v, "link status", *s, link_status_names());
        }
      } else if (k == "from" || k == "since") {
        if (!is_null(v)) e.from = r.date(v, kn, k);
      } else if (k == "until") {
        if (!is_null(v)) { until_node.reset(v); e.until = r.date(v, kn, "until"); }
      } else if (k == "sources") e.sources = source_list(r, v, kn);
      else if (k == "notes") e.notes = r.string(v, kn, "notes").value_or("");
    });
    if (!fine) return std::nullopt;
    switch (e.type) {
      case EventType::outage: r.require_keys(n, what, {"facility"}); break;
      case EventType::country_outage: r.require_keys(n, what, {"country"}); break;
      case EventType::capacity: r.require_keys(n, what, {"facility", "capacity"}); break;
      case EventType::commission: r.require_keys(n, what, {"facility"}); break;
      case EventType::demand: r.require_keys(n, what, {"facility", "factor"}); break;
      case EventType::link: r.require_keys(n, what, {"from", "to", "status"}); break;
    }
    (void)has_factor;
    (void)has_capacity;
    (void)has_status;
    if (e.from && e.until && !(*e.from < *e.until)) {
      r.error("E315", until_node, fmt::format("until {} is not after {}", e.until->str(), e.from->str()));
    }
    if (e.type == EventType::demand && e.facility != kNone) {
      // What the factor makes of the sink's largest demand stays an amount a dataset may hold.
      const double largest = largest_demand(e.facility);
      if (largest * e.factor > options_.limits.max_amount) {
        r.error("E301", factor_node,
                fmt::format("demand factor {:g} takes '{}' from {:g} to {:g} tonnes a year, above the largest amount a "
                            "dataset may hold ({:g})",
                            e.factor, ds_.facilities[e.facility].id, largest, largest * e.factor,
                            options_.limits.max_amount));
      }
    }
    if (e.type == EventType::capacity && e.facility != kNone && e.output != kNone && !ds_.produces(e.facility, e.output)) {
      r.error("E304", n, fmt::format("'{}' does not list '{}' among its outputs", ds_.facilities[e.facility].id,
                                     ds_.materials[e.output].id));
    }
    if (e.type == EventType::link && link_from != kNone && link_to != kNone) e.link = find_link(r, n, link_from, link_to, link_material);
    return e;
  }

  Index find_link(Reader& r, const yaml::Node& n, Index from, Index to, Index material_ix) {
    std::vector<Index> matches;
    for (Index l : ds_.out_links(from)) {
      const Link& link = ds_.links[l];
      if (link.to == to && (material_ix == kNone || link.material == material_ix)) matches.push_back(l);
    }
    if (matches.size() == 1) return matches[0];
    if (matches.empty()) {
      r.error("E401", n, fmt::format("the dataset has no link from '{}' to '{}'{}", ds_.facilities[from].id,
                                     ds_.facilities[to].id,
                                     material_ix == kNone ? "" : fmt::format(" for '{}'", ds_.materials[material_ix].id)));
    } else {
      r.error("E401", n, fmt::format("several links from '{}' to '{}'; name the 'material'", ds_.facilities[from].id,
                                     ds_.facilities[to].id));
    }
    return kNone;
  }

  void check_source_refs() {
    for (std::size_t i = 0; i < source_refs_.size(); ++i) {
      const std::string& id = source_refs_[i];
      const bool own = std::any_of(scenario_.own_sources.begin(), scenario_.own_sources.end(),
                                   [&](const Source& s) { return s.id == id; });
      if (own || ds_.find_source(id) != kNone) continue;
      std::vector<std::string> ids;
      for (const auto& s : scenario_.own_sources) ids.push_back(s.id);
      for (const auto& s : ds_.sources) ids.push_back(s.id);
      auto& d = diags_.error("E212", refs_where_[i], fmt::format("unknown source '{}'", id));
      d.source_line = refs_line_[i];
      if (auto note = did_you_mean(id, ids); !note.empty()) d.notes.push_back(note);
    }
  }

  const Dataset& ds_;
  const LoadOptions& options_;
  Diagnostics& diags_;
  Scenario scenario_;
  std::vector<std::unique_ptr<yaml::Document>> docs_;
  std::set<std::string> active_;
  std::vector<std::string> source_refs_;
  std::vector<SourceLocation> refs_where_;
  std::vector<std::string> refs_line_;
};

ScenarioLoad run(yaml::Document doc, const fs::path& path, const Dataset& dataset, const fs::path& base_dir,
                 const LoadOptions& options, Diagnostics diags) {
  ScenarioLoad result;
  result.diagnostics = std::move(diags);
  try {
    ScenarioBuilder builder(dataset, options, result.diagnostics);
    (void)path;
    builder.read(std::move(doc), base_dir, 0);
    result.scenario = builder.finish();
  } catch (const std::bad_alloc&) {
    result.scenario.reset();
    result.diagnostics.error("E006", {path.generic_string(), 0, 0, 1}, "out of memory while loading the scenario");
  }
  return result;
}

}  // namespace

ScenarioLoad load_scenario(const fs::path& path, const Dataset& dataset, const LoadOptions& options) {
  Diagnostics diags(options.max_per_code);
  auto doc = yaml::read_file(path, options.limits, diags);
  return run(std::move(doc), path, dataset, path.parent_path(), options, std::move(diags));
}

ScenarioLoad load_scenario_from_string(std::string_view text, const std::string& name, const Dataset& dataset,
                                       const fs::path& base_dir, const LoadOptions& options) {
  Diagnostics diags(options.max_per_code);
  auto doc = yaml::parse_text(std::string(text), name, options.limits, diags);
  return run(std::move(doc), name, dataset, base_dir, options, std::move(diags));
}

std::optional<ScenarioDatasetRef> scenario_dataset_path(const fs::path& path) {
  Diagnostics ignored;
  auto doc = yaml::read_file(path, LoadLimits{}, ignored);
  if (!doc.ok) return std::nullopt;
  const yaml::Reader r(doc, ignored, LoadLimits{});
  for (auto it = doc.root.begin(); it != doc.root.end(); ++it) {
    if (!it->first.IsScalar() || it->first.Scalar() != "scenario" || !it->second.IsMap()) continue;
    for (auto kv = it->second.begin(); kv != it->second.end(); ++kv) {
      if (kv->first.IsScalar() && kv->first.Scalar() == "dataset" && yaml::classify(kv->second) == yaml::ScalarKind::string) {
        ScenarioDatasetRef ref{path.parent_path() / kv->second.Scalar(), r.at(kv->second), {}};
        ref.source_line = r.line_text(ref.where.line);
        return ref;
      }
    }
  }
  return std::nullopt;
}

bool looks_like_scenario(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  for (int i = 0; i < 200 && std::getline(in, line); ++i) {
    if (line.rfind("scenario:", 0) == 0) return true;
  }
  return false;
}

}  // namespace chokepoint
