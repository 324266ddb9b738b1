#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "chokepoint/analysis/element_view.hpp"
#include "chokepoint/analysis/flow.hpp"
#include "chokepoint/analysis/structure.hpp"
#include "chokepoint/graph/reachability.hpp"
#include "chokepoint/report/diagram.hpp"
#include "chokepoint/report/dot.hpp"
#include "chokepoint/scenario/runner.hpp"
#include "report_text.hpp"

namespace chokepoint {
namespace {

namespace text = report_text;

constexpr double kMinHeight = 0.45;   // inches
constexpr double kHeightRange = 0.9;  // inches added for the stage's largest node
constexpr double kMaxPenwidth = 10;
constexpr std::size_t kMaxEvidence = 12;
constexpr std::size_t kMaxFindings = 10;

std::string symbol(int e) { return std::string(rare_earths()[static_cast<std::size_t>(e)].symbol); }

double sum(const ReVector& v) {
  double t = 0;
  for (double x : v) t += x;
  return t;
}

double pick(const ReVector& v, const std::optional<int>& element) {
  return element ? v[static_cast<std::size_t>(*element)] : sum(v);
}

std::string country_code(const Dataset& ds, Index c) { return c == kNone ? std::string("??") : ds.countries[c].code; }

std::string country_name(const Dataset& ds, Index c) {
  if (c == kNone) return "unknown country";
  return ds.countries[c].name.empty() ? ds.countries[c].code : ds.countries[c].name;
}

// Everything the builder shares while it works.
struct Context {
  Context(const Dataset& dataset, const DiagramRequest& r, Date d) : ds(dataset), request(r), date(d) {}
  const Dataset& ds;
  const DiagramRequest& request;
  Date date;
  SupplyGraph graph;
  Carriage carriage;
  GraphMask mask;  // the view (overall or G_e), restricted to the focus
  std::optional<StructureTarget> focus;
  std::vector<std::uint8_t> shown;  // per facility
  std::vector<Index> links;         // shown links
  std::optional<FlowResult> base;
  std::vector<double> link_flow;      // per link, baseline
  std::vector<double> facility_flow;  // per facility: received (mines: produced; sinks: delivered)
  // Structural findings.
  std::map<Index, std::set<std::string>> facility_evidence;
  std::set<Index> must_pass, min_cut;
  std::map<Index, std::pair<std::set<int>, std::set<std::string>>> must_pass_countries;  // elements, targets
  std::map<Index, std::pair<std::set<int>, std::set<std::string>>> must_pass_facilities;
  std::map<Index, std::set<std::string>> country_evidence;
  std::map<std::pair<std::string, std::vector<Index>>, std::set<int>> min_cuts;  // (target, cut) -> elements
  // Scenario overlay.
  std::optional<ScenarioImpact> impact;
  std::map<Index, const CoveredLink*> covered;
  std::vector<double> shortfall;  // per facility, 0..1
};

Date diagram_date(const Dataset& ds, const DiagramRequest& r) {
  if (r.as_of) return *r.as_of;
  if (r.scenario && r.scenario->as_of) return *r.scenario->as_of;
  if (ds.info.as_of) return *ds.info.as_of;
  throw DiagramError("no date: give --as-of, or as_of in the dataset or the scenario");
}

void select(Context& c) {
  const Dataset& ds = c.ds;
  ViewOptions view;
  view.as_of = c.date;
  c.graph = SupplyGraph::build(ds);
  c.carriage = compute_carriage(ds, view);
  c.mask = c.request.element ? element_view(ds, c.graph, c.carriage, *c.request.element).mask
                             : overall_view(c.graph, c.carriage);
  if (!c.request.focus.empty()) {
    c.focus = resolve_target(ds, c.request.focus);
    if (!c.focus) {
      throw DiagramError("--focus " + unknown_target_message(ds, c.request.focus));
    }
    const bool any =
        std::any_of(c.focus->facilities.begin(), c.focus->facilities.end(), [&](Index f) { return c.mask.vertex(f); });
    if (!any) {
      throw DiagramError(fmt::format("--focus '{}' takes no part in this view on {}{}", c.request.focus, c.date.str(),
                                     c.request.element ? " for " + symbol(*c.request.element) : std::string()));
    }
    c.mask = restrict_to(c.mask, reaching(c.graph, c.mask, c.focus->facilities));
  }
  c.shown.assign(ds.facilities.size(), 0);
  for (Index f = 0; f < ds.facilities.size(); ++f) c.shown[f] = c.mask.vertex(f) ? 1 : 0;
  for (Index l = 0; l < ds.links.size(); ++l) {
    if (edge_usable(c.graph, c.mask, l)) c.links.push_back(l);
  }
  if (std::none_of(c.shown.begin(), c.shown.end(), [](std::uint8_t s) { return s != 0; })) {
    throw DiagramError(fmt::format("nothing to draw: no facility takes part in this view on {}{}", c.date.str(),
                                   c.request.element ? " for " + symbol(*c.request.element) : std::string()));
  }
}

void baseline_flows(Context& c) {
  FlowOptions options;
  options.as_of = c.date;
  const FlowPlan plan = build_flow_plan(c.ds, options);
  c.base = run_flow(plan);
  c.link_flow.assign(c.ds.links.size(), 0.0);
  for (Index l : c.links) c.link_flow[l] = pick(c.base->link(l).carried, c.request.element);
  c.facility_flow.assign(c.ds.facilities.size(), 0.0);
  for (Index f = 0; f < c.ds.facilities.size(); ++f) {
    if (!c.shown[f]) continue;
    const Stage s = c.ds.facilities[f].stage;
    const FacilityFlow flow = c.base->facility(f);
    c.facility_flow[f] = pick(s == Stage::mine     ? flow.produced
                              : s == Stage::demand ? flow.delivered
                                                   : flow.received,
                              c.request.element);
  }
}

// The targets the chokepoints are computed for: the focus, else each consumer country shown.
std::vector<StructureTarget> targets(const Context& c) {
  if (c.focus) return {*c.focus};
  std::set<std::string> codes;
  for (Index f = 0; f < c.ds.facilities.size(); ++f) {
    const Facility& x = c.ds.facilities[f];
    if (c.shown[f] && x.stage == Stage::demand && x.country != kNone) codes.insert(c.ds.countries[x.country].code);
  }
  std::vector<StructureTarget> out;
  for (const auto& code : codes) {
    if (auto t = resolve_target(c.ds, code)) {
      std::erase_if(t->facilities, [&](Index f) { return !c.shown[f]; });
      if (!t->facilities.empty()) out.push_back(std::move(*t));
    }
  }
  return out;
}

// The rare earths each target takes, a bit each: those its demand materials carry, or its
// incoming links when mixed.
std::vector<ReMask> demanded_elements(const Context& c, const std::vector<StructureTarget>& targets) {
  std::vector<ReMask> out;
  for (const StructureTarget& target : targets) {
    if (c.request.element) {
      out.push_back(ReMask{1} << *c.request.element);
      continue;
    }
    ReMask bits = 0;
    for (Index f : target.facilities) {
      bool fixed = !c.ds.facilities[f].demand.empty();
      for (const DemandEntry& d : c.ds.facilities[f].demand) {
        const Material& m = c.ds.materials[d.material];
        fixed = fixed && !m.mixed;
        for (int e = 0; e < kRareEarthCount; ++e) {
          if (m.carries(e)) bits |= ReMask{1} << e;
        }
      }
      if (!fixed) {
        for (Index l : c.ds.in_links(f)) bits |= c.carriage.link[l];
      }
    }
    out.push_back(bits);
  }
  return out;
}

void structure(Context& c) {
  StructureOptions options;
  options.view.as_of = c.date;
  options.retained_shares = false;
  const std::vector<StructureTarget> all = targets(c);
  const std::vector<ReMask> wanted = demanded_elements(c, all);
  const auto record = [&](const StructureTarget& target, int e, const std::vector<MustPassFacility>& facilities,
                          const std::vector<MustPassCountry>& countries) {
    for (const auto& m : facilities) {
      c.must_pass.insert(m.facility);
      c.facility_evidence[m.facility].insert(m.evidence);
      auto& [elements, labels] = c.must_pass_facilities[m.facility];
      elements.insert(e);
      labels.insert(target.label);
    }
    for (const auto& m : countries) {
      c.country_evidence[m.country].insert(m.evidence);
      auto& [elements, labels] = c.must_pass_countries[m.country];
      elements.insert(e);
      labels.insert(target.label);
    }
  };
  // One element's structure at a time (seventeen at once took 0.3 GB at 10^6 facilities); what is
  // recorded goes into ordered sets and maps, so the order of the work does not show.
  for (int e = 0; e < kRareEarthCount; ++e) {
    std::optional<ElementStructure> element;   // prepared when a target first asks for it
    for (std::size_t t = 0; t < all.size(); ++t) {
      if ((wanted[t] >> e & 1) == 0) continue;
      if (!element) element = prepare_element(c.ds, c.graph, c.carriage, e);
      const StructureTarget& target = all[t];
      if (!c.focus) {
        // Minimum cuts only for one target (over every consumer and element their union is most
        // mines): without a focus, the must-pass lists alone, without a max-flow.
        const MustPass r = must_pass(c.ds, c.graph, *element, target);
        if (r.reachable) record(target, e, r.facilities, r.countries);
        continue;
      }
      const TargetStructure r = analyze_target(c.ds, c.graph, *element, target, options);
      if (!r.reachable) continue;
      record(target, e, r.must_pass_facilities, r.must_pass_countries);
      if (std::isfinite(r.max_flow) && !r.min_cut.empty()) {
        c.min_cuts[{target.label, r.min_cut}].insert(e);
        for (Index f : r.min_cut) {
          c.min_cut.insert(f);
          c.facility_evidence[f].insert("minimum cut: " + r.min_cut_evidence);
        }
      }
    }
  }
}

void overlay(Context& c) {
  c.shortfall.assign(c.ds.facilities.size(), 0.0);
  if (!c.request.scenario) return;
  ScenarioOptions options;
  options.as_of = c.date;
  options.contracts = true;
  options.market = false;
  c.impact = run_scenario(c.ds, *c.request.scenario, options);
  for (const CoveredLink& l : c.impact->covered_links) c.covered[l.link] = &l;
  for (const FeedLoss& loss : c.impact->feed_losses) {
    if (loss.baseline > 0) c.shortfall[loss.facility] = std::clamp(1.0 - loss.scenario / loss.baseline, 0.0, 1.0);
  }
  std::map<Index, std::pair<double, double>> sinks;  // baseline, contracts
  for (const SinkImpact& s : c.impact->sinks) {
    auto& [b, k] = sinks[s.facility];
    b += pick(s.baseline(), c.request.element);
    k += pick(s.contracts(), c.request.element);
  }
  for (const auto& [f, bk] : sinks) {
    if (bk.first > 0) c.shortfall[f] = std::max(c.shortfall[f], std::clamp(1.0 - bk.second / bk.first, 0.0, 1.0));
  }
  for (const Event& e : c.request.scenario->events) {
    if (!e.active_on(c.date)) continue;
    for (Index f = 0; f < c.ds.facilities.size(); ++f) {
      const bool hit = (e.type == EventType::outage && e.facility == f) ||
                       (e.type == EventType::country_outage && c.ds.facilities[f].country == e.country);
      if (hit) c.shortfall[f] = std::max(c.shortfall[f], std::clamp(1.0 - e.factor, 0.0, 1.0));
    }
  }
}

// ---- facility view ---------------------------------------------------------------------------

double facility_capacity(const Context& c, Index f) {
  const Facility& x = c.ds.facilities[f];
  if (x.stage == Stage::demand) {
    double t = 0;
    for (const DemandEntry& d : x.demand) {
      t += c.request.element ? d.quantity * c.ds.materials[d.material].element_content()[*c.request.element]
                             : d.quantity;
    }
    return t;
  }
  if (c.request.element) {
    const double cap = element_capacity(c.ds, c.carriage, f, *c.request.element);
    return std::isfinite(cap) ? cap : 0.0;
  }
  double t = 0;
  for (const Output& o : x.outputs) t += o.capacity.value_or(o.production.value_or(0.0));
  return t;
}

std::string facility_tooltip(const Context& c, Index f) {
  const Facility& x = c.ds.facilities[f];
  std::vector<std::string> lines;
  lines.push_back(fmt::format("{} ({})", x.name.empty() ? x.id : x.name, x.id));
  std::string where = fmt::format("{}, {}", stage_name(x.stage), country_name(c.ds, x.country));
  if (x.owner_country != kNone && x.owner_country != x.country)
    where += ", owned from " + country_name(c.ds, x.owner_country);
  lines.push_back(fmt::format("{}; {}", where, status_name(x.status)));
  if (!x.operator_name.empty()) lines.push_back("operator: " + x.operator_name.str());
  for (const Output& o : x.outputs) {
    std::vector<std::string> parts;
    if (o.capacity) parts.push_back(fmt::format("capacity {} t/yr", text::grouped(*o.capacity)));
    if (o.production) {
      parts.push_back(fmt::format("production {} t{}", text::grouped(*o.production),
                                  o.provenance.year ? fmt::format(" ({})", *o.provenance.year) : std::string()));
    }
    if (!parts.empty()) lines.push_back(fmt::format("{}: {}", c.ds.materials[o.material].id, fmt::join(parts, ", ")));
  }
  for (const DemandEntry& d : x.demand) {
    lines.push_back(fmt::format("demand {}: {} t/yr", c.ds.materials[d.material].id, text::grouped(d.quantity)));
  }
  const std::string what = c.request.element ? symbol(*c.request.element) : "contained rare earths";
  const char* verb = x.stage == Stage::mine ? "produces" : x.stage == Stage::demand ? "receives" : "receives";
  lines.push_back(fmt::format("baseline: {} {} t/yr of {}", verb, text::grouped(c.facility_flow[f]), what));
  if (c.impact && c.shortfall[f] > 0) {
    lines.push_back(fmt::format("scenario {}: loses {} of its {}", c.impact->scenario_id, text::percent(c.shortfall[f]),
                                x.stage == Stage::demand ? "deliveries"
                                : x.stage == Stage::mine ? "output"
                                                         : "feed"));
  }
  return fmt::format("{}", fmt::join(lines, "\n"));
}

std::string link_tooltip(const Context& c, Index l) {
  const Link& k = c.ds.links[l];
  std::vector<std::string> lines;
  lines.push_back(
      fmt::format("{} -> {}: {}", c.ds.facilities[k.from].id, c.ds.facilities[k.to].id, c.ds.materials[k.material].id));
  const LinkFlow flow = c.base->link(l);
  lines.push_back(fmt::format("baseline: {} t/yr of {} ({} t/yr of {})", text::grouped(flow.carried_tonnes),
                              c.ds.materials[k.material].id, text::grouped(c.link_flow[l]),
                              c.request.element ? symbol(*c.request.element) : "contained rare earths"));
  if (k.volume) lines.push_back(fmt::format("contracted volume: {} t/yr", text::grouped(*k.volume)));
  if (k.share) lines.push_back(fmt::format("share of the supplier's output: {}", text::percent(*k.share)));
  if (k.source != kNone) lines.push_back("source: " + c.ds.sources[k.source].id);
  if (auto it = c.covered.find(l); it != c.covered.end()) {
    lines.push_back(fmt::format("scenario {}: {} ({})", c.impact->scenario_id, text::pass_label(it->second->pass),
                                fmt::join(c.impact->measures_of(*it->second), ", ")));
  }
  return fmt::format("{}", fmt::join(lines, "\n"));
}

std::vector<std::string> evidence_list(const std::set<std::string>& sentences) {
  std::vector<std::string> out(sentences.begin(), sentences.end());
  if (out.size() > kMaxEvidence) {
    const std::size_t more = out.size() - kMaxEvidence;
    out.resize(kMaxEvidence);
    out.push_back(fmt::format("... and {} more", more));
  }
  return out;
}

// Node names from ids: [A-Za-z0-9_], made unique in id order.
std::map<Index, std::string> facility_names(const Dataset& ds, const std::vector<std::uint8_t>& shown) {
  std::vector<Index> order;
  for (Index f = 0; f < ds.facilities.size(); ++f) {
    if (shown[f]) order.push_back(f);
  }
  std::sort(order.begin(), order.end(), [&](Index a, Index b) { return ds.facilities[a].id < ds.facilities[b].id; });
  std::map<Index, std::string> names;
  std::set<std::string> used;
  for (Index f : order) {
    std::string name = "f_" + dot_identifier(ds.facilities[f].id);
    for (int k = 2; used.count(name); ++k) name = fmt::format("f_{}_{}", dot_identifier(ds.facilities[f].id), k);
    used.insert(name);
    names[f] = name;
  }
  return names;
}

// Country fills: every country with a facility in the dataset, in code order, takes the next
// palette colour, so a country keeps its colour in every view, element and focus of a dataset.
std::map<std::string, std::string> dataset_palette(const Dataset& ds) {
  std::set<std::string> codes;
  for (const Facility& f : ds.facilities) {
    if (f.country != kNone) codes.insert(ds.countries[f.country].code);
  }
  std::map<std::string, std::string> fills;
  std::size_t i = 0;
  for (const auto& code : codes) fills[code] = country_palette()[i++ % country_palette().size()];
  fills["??"] = "#eeeeee";
  return fills;
}

void scale_heights(std::vector<DiagramNode>& nodes) {
  std::map<Stage, double> largest;
  for (const auto& n : nodes) largest[n.stage] = std::max(largest[n.stage], n.capacity);
  for (auto& n : nodes) {
    const double top = largest[n.stage];
    // Demand sinks are many and stack in one column: a smaller range keeps that column short.
    const double range = n.stage == Stage::demand ? kHeightRange / 2 : kHeightRange;
    n.height = top > 0 && n.capacity > 0 ? kMinHeight + range * std::sqrt(n.capacity / top) : kMinHeight;
  }
}

void scale_edges(DiagramModel& model) {
  model.max_flow = 0;
  for (const auto& e : model.edges) model.max_flow = std::max(model.max_flow, e.flow);
  for (auto& e : model.edges) {
    e.penwidth =
        model.max_flow > 0 && e.flow > 0 ? 1.0 + (kMaxPenwidth - 1.0) * std::sqrt(e.flow / model.max_flow) : 0.7;
  }
}

void facility_view(const Context& c, DiagramModel& model) {
  const Dataset& ds = c.ds;
  const auto names = facility_names(ds, c.shown);
  std::set<std::string> codes;
  for (const auto& [f, name] : names) codes.insert(country_code(ds, ds.facilities[f].country));
  const auto fills = dataset_palette(ds);
  for (const auto& [f, name] : names) {
    const Facility& x = ds.facilities[f];
    DiagramNode n;
    n.name = name;
    n.key = x.id;
    n.stage = x.stage;
    n.title = text::wrap(x.name.empty() ? x.id : x.name);
    n.capacity = facility_capacity(c, f);
    n.detail = country_code(ds, x.country);
    if (n.capacity > 0) {
      n.detail += " · " + text::short_tonnes(n.capacity) +
                  (c.request.element ? " " + symbol(*c.request.element) : std::string()) + "/yr";
    }
    n.fill = fills.at(country_code(ds, x.country));
    n.must_pass = c.must_pass.count(f) > 0;
    n.min_cut = c.min_cut.count(f) > 0;
    n.producing = is_producing(x.status);
    n.focus = c.focus && std::binary_search(c.focus->facilities.begin(), c.focus->facilities.end(), f);
    if (c.impact) n.shortfall = c.shortfall[f];
    std::set<std::string> evidence;
    if (auto it = c.facility_evidence.find(f); it != c.facility_evidence.end()) evidence = it->second;
    if (auto it = c.country_evidence.find(x.country); it != c.country_evidence.end()) {
      evidence.insert(it->second.begin(), it->second.end());
    }
    n.evidence = evidence_list(evidence);
    n.tooltip = facility_tooltip(c, f);
    model.nodes.push_back(std::move(n));
  }
  for (Index l : c.links) {
    const Link& k = ds.links[l];
    DiagramEdge e;
    e.from = names.at(k.from);
    e.to = names.at(k.to);
    e.id = fmt::format("link_{}", l);
    e.flow = c.link_flow[l];
    e.constraint = ds.facilities[k.to].stage > ds.facilities[k.from].stage;
    e.tooltip = link_tooltip(c, l);
    if (auto it = c.covered.find(l); it != c.covered.end() && it->second->pass < 1.0) {
      e.pass = it->second->pass;
      e.label = text::pass_label(it->second->pass);
    }
    model.edges.push_back(std::move(e));
  }
  for (const auto& code : codes) {
    const Index ci = ds.find_country(code);
    model.countries.push_back({code, ci == kNone ? std::string("unknown") : country_name(ds, ci), fills.at(code)});
  }
}

// ---- country view ----------------------------------------------------------------------------

struct CountryStage {
  Index country = kNone;
  Stage stage = Stage::mine;
  auto operator<=>(const CountryStage&) const = default;
};

std::string country_stage_name(const Dataset& ds, const CountryStage& k) {
  return fmt::format("c_{}_{}", k.country == kNone ? std::string("none") : dot_identifier(ds.countries[k.country].code),
                     stage_name(k.stage));
}

// Must-pass (country, stage) nodes: removing all of the node's facilities cuts a target off.
void country_stage_findings(const Context& c, const std::map<CountryStage, std::vector<Index>>& groups,
                            std::map<CountryStage, std::set<std::string>>& evidence, std::set<CountryStage>& must) {
  // One search per (country, stage) node, all in one call per target and element (cut_off_by_each),
  // after an empty group that asks whether the target is reached at all. The target's own
  // facilities stay on.
  std::vector<CountryStage> keys;
  std::vector<std::vector<Index>> members{{}};
  for (const auto& [key, facilities] : groups) {
    keys.push_back(key);
    members.push_back(facilities);
  }
  // One element's view at a time (each is a byte per facility and per link); what is recorded
  // goes into sets, so the order of the work does not show.
  const std::vector<StructureTarget> all = targets(c);
  const std::vector<ReMask> wanted = demanded_elements(c, all);
  for (int e = 0; e < kRareEarthCount; ++e) {
    std::optional<GraphMask> view;
    for (std::size_t t = 0; t < all.size(); ++t) {
      if ((wanted[t] >> e & 1) == 0) continue;
      if (!view) view = element_view(c.ds, c.graph, c.carriage, e).mask;
      const StructureTarget& target = all[t];
      const std::vector<std::uint8_t> cut = cut_off_by_each(c.graph, *view, c.graph.root(), target.facilities, members);
      if (cut[0] != 0) continue;   // not reached at all
      for (std::size_t k = 0; k < keys.size(); ++k) {
        if (cut[k + 1] == 0) continue;
        const CountryStage& key = keys[k];
        must.insert(key);
        evidence[key].insert(fmt::format("every path of {} to {} passes through {} {}", symbol(e), target.label,
                                         stage_name(key.stage), country_name(c.ds, key.country)));
      }
    }
  }
}

void country_view(const Context& c, DiagramModel& model) {
  const Dataset& ds = c.ds;
  std::map<CountryStage, std::vector<Index>> groups;
  for (Index f = 0; f < ds.facilities.size(); ++f) {
    if (c.shown[f]) groups[{ds.facilities[f].country, ds.facilities[f].stage}].push_back(f);
  }
  std::set<std::string> codes;
  for (const auto& [key, members] : groups) codes.insert(country_code(ds, key.country));
  const auto fills = dataset_palette(ds);
  std::map<CountryStage, std::set<std::string>> evidence;
  std::set<CountryStage> must;
  country_stage_findings(c, groups, evidence, must);

  for (const auto& [key, members] : groups) {
    DiagramNode n;
    n.name = country_stage_name(ds, key);
    n.key = country_code(ds, key.country) + "/" + stage_name(key.stage);
    n.stage = key.stage;
    n.title = text::wrap(country_name(ds, key.country));
    double throughput = 0, lost = 0;
    std::set<std::string> sentences = evidence[key];
    std::vector<std::string> ids;
    for (Index f : members) {
      n.capacity += facility_capacity(c, f);
      n.min_cut = n.min_cut || c.min_cut.count(f) > 0;
      n.must_pass = n.must_pass || c.must_pass.count(f) > 0;
      n.producing = n.producing && is_producing(ds.facilities[f].status);
      n.focus = n.focus || (c.focus && std::binary_search(c.focus->facilities.begin(), c.focus->facilities.end(), f));
      throughput += c.facility_flow[f];
      lost += c.facility_flow[f] * c.shortfall[f];
      ids.push_back(ds.facilities[f].id);
      if (auto it = c.facility_evidence.find(f); it != c.facility_evidence.end()) {
        sentences.insert(it->second.begin(), it->second.end());
      }
    }
    if (auto it = c.country_evidence.find(key.country); it != c.country_evidence.end()) {
      sentences.insert(it->second.begin(), it->second.end());
    }
    n.must_pass = n.must_pass || must.count(key) > 0;
    n.detail = fmt::format("{} {}", members.size(), members.size() == 1 ? "facility" : "facilities");
    if (n.capacity > 0) {
      n.detail += " · " + text::short_tonnes(n.capacity) +
                  (c.request.element ? " " + symbol(*c.request.element) : std::string()) + "/yr";
    }
    n.fill = fills.at(country_code(ds, key.country));
    if (c.impact) n.shortfall = throughput > 0 ? lost / throughput : 0.0;
    n.evidence = evidence_list(sentences);
    std::vector<std::string> lines = {
        fmt::format("{}, {}: {} {}", country_name(ds, key.country), stage_name(key.stage), members.size(),
                    members.size() == 1 ? "facility" : "facilities"),
        text::list(ids, 12),
        fmt::format("baseline throughput: {} t/yr of {}", text::grouped(throughput),
                    c.request.element ? symbol(*c.request.element) : std::string("contained rare earths"))};
    if (n.shortfall && *n.shortfall > 0) lines.push_back("scenario: loses " + text::percent(*n.shortfall));
    n.tooltip = fmt::format("{}", fmt::join(lines, "\n"));
    model.nodes.push_back(std::move(n));
  }

  struct Aggregate {
    double flow = 0, passed = 0;
    bool covered = false;
    double min_pass = 1;
    std::size_t links = 0;
    std::set<std::string> materials;
  };
  std::map<std::pair<CountryStage, CountryStage>, Aggregate> flows;
  for (Index l : c.links) {
    const Link& k = ds.links[l];
    const CountryStage from{ds.facilities[k.from].country, ds.facilities[k.from].stage};
    const CountryStage to{ds.facilities[k.to].country, ds.facilities[k.to].stage};
    if (from == to) continue;
    Aggregate& a = flows[{from, to}];
    a.flow += c.link_flow[l];
    a.links += 1;
    a.materials.insert(ds.materials[k.material].id);
    double pass = 1;
    if (auto it = c.covered.find(l); it != c.covered.end()) {
      pass = it->second->pass;
      a.covered = a.covered || pass < 1.0;
      a.min_pass = std::min(a.min_pass, pass);
    }
    a.passed += c.link_flow[l] * pass;
  }
  for (const auto& [ends, a] : flows) {
    DiagramEdge e;
    e.from = country_stage_name(ds, ends.first);
    e.to = country_stage_name(ds, ends.second);
    e.id = "flow_" + e.from + "__" + e.to;
    e.flow = a.flow;
    e.constraint = ends.second.stage > ends.first.stage;
    if (a.covered) {
      e.pass = a.flow > 0 ? a.passed / a.flow : a.min_pass;
      e.label = text::pass_label(*e.pass);
    }
    std::vector<std::string> lines = {
        fmt::format("{} {} -> {} {}", country_name(ds, ends.first.country), stage_name(ends.first.stage),
                    country_name(ds, ends.second.country), stage_name(ends.second.stage)),
        fmt::format("{} {}: {}", a.links, a.links == 1 ? "link" : "links",
                    text::list({a.materials.begin(), a.materials.end()}, 8)),
        fmt::format("baseline: {} t/yr of {}", text::grouped(a.flow),
                    c.request.element ? symbol(*c.request.element) : std::string("contained rare earths"))};
    if (e.pass) lines.push_back(fmt::format("scenario: {}", text::pass_label(*e.pass)));
    e.tooltip = fmt::format("{}", fmt::join(lines, "\n"));
    model.edges.push_back(std::move(e));
  }
  for (const auto& code : codes) {
    const Index ci = ds.find_country(code);
    model.countries.push_back({code, ci == kNone ? std::string("unknown") : country_name(ds, ci), fills.at(code)});
  }
}

// ---- findings and titles ---------------------------------------------------------------------

std::string elements_phrase(const std::set<int>& elements) {
  std::vector<std::string> s;
  for (int e : elements) s.push_back(symbol(e));
  return text::list(s, 8);
}

void findings(const Context& c, DiagramModel& model) {
  std::vector<std::string> out;
  for (const auto& [country, what] : c.must_pass_countries) {
    out.push_back(fmt::format("must-pass country {}: every path of {} to {}", country_name(c.ds, country),
                              elements_phrase(what.first), text::list({what.second.begin(), what.second.end()}, 8)));
  }
  std::vector<std::pair<std::string, std::string>> facilities;
  for (const auto& [f, what] : c.must_pass_facilities) {
    facilities.emplace_back(c.ds.facilities[f].id,
                            fmt::format("must-pass facility {} ({}): {} to {}", c.ds.facilities[f].id,
                                        country_code(c.ds, c.ds.facilities[f].country), elements_phrase(what.first),
                                        text::list({what.second.begin(), what.second.end()}, 8)));
  }
  std::sort(facilities.begin(), facilities.end());
  for (auto& [id, line] : facilities) out.push_back(std::move(line));
  if (out.empty()) out.push_back("no must-pass facility or country for these targets");
  // One line per distinct cut: the same plants often cut several elements off.
  for (const auto& [key, elements] : c.min_cuts) {
    std::vector<std::string> ids;
    for (Index f : key.second) ids.push_back(c.ds.facilities[f].id);
    out.push_back(fmt::format("minimum cut of {} to {}: {} {} ({})", elements_phrase(elements), key.first, ids.size(),
                              ids.size() == 1 ? "facility" : "facilities", text::list(ids, 6)));
  }
  if (out.size() > kMaxFindings) {
    const std::size_t more = out.size() - kMaxFindings;
    out.resize(kMaxFindings);
    out.push_back(fmt::format("... and {} more (see the tooltips in the SVG)", more));
  }
  model.findings = std::move(out);
}

void titles(const Context& c, DiagramModel& model) {
  model.title = fmt::format("{}: {} view, {}", c.ds.label(), diagram_view_name(model.view), c.date.str());
  if (c.request.element) {
    model.subtitle.push_back(fmt::format("element {}: only what can carry it (G_{})", symbol(*c.request.element),
                                         symbol(*c.request.element)));
  }
  if (c.focus) model.subtitle.push_back(fmt::format("focus {}: only what feeds it", c.focus->label));
  if (c.impact) {
    model.subtitle.push_back(fmt::format("scenario {}{} (contracts bound, no rerouting)", c.impact->scenario_id,
                                         c.impact->title.empty() ? std::string() : ": " + c.impact->title));
  }
  model.flow_unit = c.request.element ? "t/yr of " + symbol(*c.request.element) : "t/yr of contained rare earths";
}

}  // namespace

const char* diagram_view_name(DiagramView v) { return v == DiagramView::facility ? "facility" : "country"; }
const char* diagram_layout_name(DiagramLayout l) { return l == DiagramLayout::dot ? "dot" : "sfdp"; }

const std::vector<std::string>& country_palette() {
  // Light qualitative colours (ColorBrewer Set3, then Set2 and Paired), neighbours far apart in
  // hue, reds left out: red belongs to chokepoints and scenario losses.
  static const std::vector<std::string> palette = {
      "#8dd3c7", "#ffffb3", "#bebada", "#fdb462", "#b3de69", "#fccde5", "#80b1d3", "#d9d9d9", "#bc80bd", "#ccebc5",
      "#ffed6f", "#e5c494", "#a6cee3", "#66c2a5", "#e78ac3", "#a6d854", "#ffd92f", "#8da0cb", "#c2a5cf", "#f4cae4"};
  return palette;
}

DiagramModel build_diagram_model(const Dataset& dataset, const DiagramRequest& request) {
  Context c(dataset, request, diagram_date(dataset, request));
  select(c);
  baseline_flows(c);
  structure(c);
  overlay(c);
  DiagramModel model;
  model.view = request.view;
  model.scenario = c.impact.has_value();
  model.min_cuts = c.focus.has_value();
  if (request.view == DiagramView::facility) {
    facility_view(c, model);
  } else {
    country_view(c, model);
  }
  std::sort(model.nodes.begin(), model.nodes.end(), [](const DiagramNode& a, const DiagramNode& b) {
    return std::tie(a.stage, a.name) < std::tie(b.stage, b.name);
  });
  std::sort(model.edges.begin(), model.edges.end(), [](const DiagramEdge& a, const DiagramEdge& b) {
    return std::tie(a.from, a.to, a.id) < std::tie(b.from, b.to, b.id);
  });
  scale_heights(model.nodes);
  scale_edges(model);
  model.layout = model.nodes.size() > request.dot_limit ? DiagramLayout::sfdp : DiagramLayout::dot;
  findings(c, model);
  titles(c, model);
  return model;
}

}  // namespace chokepoint
