#include "chokepoint/analysis/structure.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <future>
#include <limits>
#include <thread>

#include <fmt/format.h>

#include "chokepoint/core/text.hpp"
#include "chokepoint/graph/dominators.hpp"
#include "chokepoint/graph/max_flow.hpp"
#include "chokepoint/graph/reachability.hpp"
#include "structure_text.hpp"

namespace chokepoint {
namespace {

namespace text = structure_text;
constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Capacities in whole units of `resolution` tonnes, so that the max-flow and its cut are exact.
std::vector<std::int64_t> capacity_units(const std::vector<double>& capacity, double resolution) {
  std::vector<std::int64_t> units(capacity.size());
  const double limit = static_cast<double>(kUnbounded) * resolution;
  for (std::size_t v = 0; v < capacity.size(); ++v) {
    const double c = capacity[v];
    units[v] = c >= limit ? kUnbounded : static_cast<std::int64_t>(std::llround(std::max(0.0, c) / resolution));
  }
  return units;
}

double to_tonnes(std::int64_t units, double resolution) {
  return units >= kUnbounded ? kInfinity : static_cast<double>(units) * resolution;
}

bool contains(const std::vector<Index>& sorted, Index v) { return std::binary_search(sorted.begin(), sorted.end(), v); }

// The facilities between R and the target: on some R -> target path in G_e.
struct Upstream {
  GraphMask mask;                                // G_e restricted to those facilities
  std::vector<Index> countries;                  // their countries (target facilities excluded), by index
  std::vector<std::vector<Index>> by_country;    // parallel: their facilities
};

Upstream upstream_of(const Dataset& d, const SupplyGraph& graph, const GraphMask& view,
                     const std::vector<Index>& targets) {
  const GraphMask cone = restrict_to(view, reaching(graph, view, targets));
  const std::array<Index, 1> root{graph.root()};
  Upstream up;
  up.mask = restrict_to(view, reachable_from(graph, cone, root));
  std::vector<std::vector<Index>> facilities(d.countries.size());
  for (Index f = 0; f < graph.facility_count(); ++f) {
    if (!up.mask.vertex_on[f] || contains(targets, f) || d.facilities[f].country == kNone) continue;
    facilities[d.facilities[f].country].push_back(f);
  }
  for (Index c = 0; c < facilities.size(); ++c) {
    if (facilities[c].empty()) continue;
    up.countries.push_back(c);
    up.by_country.push_back(std::move(facilities[c]));
  }
  return up;
}

std::vector<MustPassFacility> must_pass_facilities(const Dataset& d, const SupplyGraph& graph,
                                                   const ElementStructure& element, const StructureTarget& target,
                                                   const std::string& path_phrase) {
  std::vector<MustPassFacility> result;
  for (Index v : common_dominators(element.idom, graph.root(), target.facilities)) {
    if (v == graph.root() || contains(target.facilities, v)) continue;
    result.push_back({v, fmt::format("{} passes through {}", path_phrase, text::facility(d, v))});
  }
  return result;
}

void describe_cut(const Dataset& d, const std::string& element, const StructureTarget& target, TargetStructure& r) {
  if (!r.reachable && !r.demanded_in.empty()) {
    std::vector<std::string> ids;
    for (Index m : r.demanded_in) ids.push_back(d.materials[m].id);
    r.min_cut_evidence = fmt::format("{} demands {} (in {}) and no path of {} reaches it: none of it can arrive",
                                     target.label, element, fmt::join(ids, ", "), element);
    return;
  }
  if (!r.reachable) {
    r.min_cut_evidence = fmt::format("no path of {} reaches {}", element, target.label);
    return;
  }
  if (r.max_flow == kInfinity) {
    r.min_cut_evidence = fmt::format(
        "no finite cut: some path of {} to {} passes only facilities without a capacity figure", element, target.label);
    return;
  }
  std::vector<std::string> ids;
  for (Index f : r.min_cut) ids.push_back(d.facilities[f].id);
  r.min_cut_evidence = fmt::format("losing {} {} ({}) cuts every path of {} to {}; together they pass {} t/yr of {}, "
                                   "the max-flow",
                                   ids.size(), ids.size() == 1 ? "facility" : "facilities", fmt::join(ids, ", "),
                                   element, target.label, text::tonnes(r.min_cut_capacity), element);
}

std::optional<double> retained_share(std::int64_t base, std::int64_t without, bool cut_off) {
  if (cut_off) return 0.0;
  if (base == 0) return std::nullopt;
  if (base >= kUnbounded) return without >= kUnbounded ? std::optional<double>(1.0) : std::nullopt;
  return static_cast<double>(without) / static_cast<double>(base);
}

std::string loss_evidence(const Dataset& d, const std::string& element, const StructureTarget& target,
                          const CountryLoss& loss) {
  const std::string name = text::country(d, loss.country);
  if (loss.must_pass) {
    return fmt::format("every path of {} to {} passes through a facility in {}; without {} 0% of max-flow remains",
                       element, target.label, name, name);
  }
  if (!loss.retained) {
    return fmt::format("without {} the max-flow of {} to {} is {} t/yr", name, element, target.label,
                       std::isinf(loss.max_flow) ? std::string("unbounded") : text::tonnes(loss.max_flow));
  }
  return fmt::format("without {} {} of the {} max-flow to {} remains", name, text::percent(*loss.retained), element,
                     target.label);
}

void sort_losses(const Dataset& d, std::vector<CountryLoss>& losses) {
  std::sort(losses.begin(), losses.end(), [&](const CountryLoss& a, const CountryLoss& b) {
    const double ra = a.retained.value_or(kInfinity), rb = b.retained.value_or(kInfinity);
    if (ra != rb) return ra < rb;
    return d.countries[a.country].code < d.countries[b.country].code;
  });
}

// Must-pass countries and the max-flow without each upstream country.
// Must-pass countries and the max-flow without each of `countries` (each with its facilities in
// `by_country`). `flows`: the max-flow without each (empty without retained shares). `mask`:
// where to search for paths (the target's upstream cone, or G_e itself: the same answers).
void country_findings(const Dataset& d, const SupplyGraph& graph, const StructureTarget& target,
                      const std::vector<Index>& countries, const std::vector<std::vector<Index>>& by_country,
                      const GraphMask& mask, const std::vector<std::int64_t>& flows, std::int64_t base,
                      const std::string& element, const StructureOptions& options, TargetStructure& r) {
  // A positive max-flow without a country (whose facilities never include a target) runs on a
  // path that avoids it, so only a zero flow needs the reachability search.
  std::vector<std::vector<Index>> some;   // when only some are searched
  if (options.retained_shares) {
    for (std::size_t i = 0; i < countries.size(); ++i) {
      if (flows[i] == 0) some.push_back(by_country[i]);
    }
  }
  const std::vector<std::uint8_t> cut_off = cut_off_by_each(graph, mask, graph.root(), target.facilities,
                                                            options.retained_shares ? some : by_country);
  for (std::size_t i = 0, k = 0; i < countries.size(); ++i) {
    CountryLoss loss;
    loss.country = countries[i];
    if (!options.retained_shares || flows[i] == 0) loss.must_pass = cut_off[k++] != 0;
    const std::int64_t flow = loss.must_pass || flows.empty() ? 0 : flows[i];
    loss.max_flow = to_tonnes(flow, options.tonne_resolution);
    loss.retained = retained_share(base, flow, loss.must_pass);
    loss.evidence = loss_evidence(d, element, target, loss);
    if (loss.must_pass) r.must_pass_countries.push_back({loss.country, loss.evidence});
    if (loss.must_pass || options.retained_shares) r.country_losses.push_back(std::move(loss));
  }
  std::sort(r.must_pass_countries.begin(), r.must_pass_countries.end(),
            [&](const MustPassCountry& a, const MustPassCountry& b) {
              return d.countries[a.country].code < d.countries[b.country].code;
            });
  sort_losses(d, r.country_losses);
}

}  // namespace

std::optional<StructureTarget> resolve_target(const Dataset& dataset, std::string_view spec) {
  if (const Index f = dataset.find_facility(spec); f != kNone) return StructureTarget{std::string(spec), {f}};
  const std::vector<Index> countries = dataset.resolve_countries(spec);
  StructureTarget target{std::string(spec), {}};
  for (Index f = 0; f < dataset.facilities.size(); ++f) {
    const Facility& facility = dataset.facilities[f];
    if (facility.stage == Stage::demand && contains(countries, facility.country)) target.facilities.push_back(f);
  }
  if (target.facilities.empty()) return std::nullopt;
  return target;
}

std::string unknown_target_message(const Dataset& dataset, std::string_view spec) {
  const std::optional<std::string> near = closest_target(dataset, spec);
  return fmt::format("'{}' is neither a facility nor a country or group with demand sinks{}", spec,
                     near ? fmt::format("; did you mean '{}'?", *near) : std::string());
}

std::optional<std::string> closest_target(const Dataset& dataset, std::string_view spec) {
  std::vector<std::string> names;
  names.reserve(dataset.facilities.size() + dataset.countries.size() + dataset.groups.size());
  std::vector<std::uint8_t> has_demand(dataset.countries.size(), 0);
  for (const Facility& f : dataset.facilities) {
    names.push_back(f.id);
    if (f.stage == Stage::demand && f.country != kNone) has_demand[f.country] = 1;
  }
  for (Index c = 0; c < dataset.countries.size(); ++c) {
    if (has_demand[c]) names.push_back(dataset.countries[c].code);
  }
  for (const Group& g : dataset.groups) {
    if (std::any_of(g.members.begin(), g.members.end(), [&](Index c) { return has_demand[c] != 0; })) names.push_back(g.id);
  }
  return closest_match(spec, names);
}

std::vector<StructureTarget> demand_targets(const Dataset& dataset) {
  std::vector<StructureTarget> targets;
  for (Index f = 0; f < dataset.facilities.size(); ++f) {
    if (dataset.facilities[f].stage == Stage::demand) targets.push_back({dataset.facilities[f].id, {f}});
  }
  std::sort(targets.begin(), targets.end(),
            [](const StructureTarget& a, const StructureTarget& b) { return a.label < b.label; });
  return targets;
}

ElementStructure prepare_element(const Dataset& dataset, const SupplyGraph& graph, const Carriage& carriage,
                                 int element) {
  ElementStructure s;
  s.view = element_view(dataset, graph, carriage, element);
  s.idom = immediate_dominators(graph, s.view.mask, graph.root());
  std::vector<std::vector<Index>> facilities(dataset.countries.size());
  for (Index f = 0; f < graph.facility_count(); ++f) {
    const Index c = dataset.facilities[f].country;
    if (c != kNone && s.view.mask.vertex(f)) facilities[c].push_back(f);
  }
  for (Index c = 0; c < facilities.size(); ++c) {
    if (facilities[c].empty()) continue;
    s.countries.push_back(c);
    s.by_country.push_back(std::move(facilities[c]));
  }
  return s;
}

TargetStructure analyze_target(const Dataset& dataset, const SupplyGraph& graph, const ElementStructure& element,
                               const StructureTarget& target, const StructureOptions& options) {
  const Dataset& d = dataset;
  TargetStructure r;
  r.target = target.label;
  r.facilities = target.facilities;
  r.element = element.view.element;
  const std::string symbol = text::symbol(r.element);
  r.reachable = std::any_of(target.facilities.begin(), target.facilities.end(),
                            [&](Index f) { return element.idom[f] != kNone; });
  for (Index f : target.facilities) {
    for (const DemandEntry& demand : d.facilities[f].demand) {
      const Material& m = d.materials[demand.material];
      if (!m.mixed && m.carries(r.element) && demand.quantity > 0) r.demanded_in.push_back(demand.material);
    }
  }
  std::sort(r.demanded_in.begin(), r.demanded_in.end(),
            [&](Index a, Index b) { return d.materials[a].id < d.materials[b].id; });
  r.demanded_in.erase(std::unique(r.demanded_in.begin(), r.demanded_in.end()), r.demanded_in.end());
  if (!r.reachable) {
    describe_cut(d, symbol, target, r);
    return r;
  }
  const std::string path_phrase = fmt::format("every path of {} to {}", symbol, target.label);
  r.must_pass_facilities = must_pass_facilities(d, graph, element, target, path_phrase);
  const Upstream up = upstream_of(d, graph, element.view.mask, target.facilities);
  const std::vector<std::int64_t> units = capacity_units(element.view.capacity, options.tonne_resolution);
  // One solve of the whole network gives the cut and, warm-started from it, the flow without each country.
  const std::vector<std::vector<Index>> no_groups;
  const CutAndRetained solved = min_vertex_cut_and_without_each(
      graph, up.mask, graph.root(), target.facilities, units, options.retained_shares ? up.by_country : no_groups,
      options.threads);
  const VertexCut& base = solved.cut;
  r.max_flow = to_tonnes(base.max_flow, options.tonne_resolution);
  if (base.max_flow < kUnbounded) {
    r.min_cut = base.cut;
    std::sort(r.min_cut.begin(), r.min_cut.end(),
              [&](Index a, Index b) { return d.facilities[a].id < d.facilities[b].id; });
    std::int64_t total = 0;
    for (Index f : r.min_cut) total += units[f];
    r.min_cut_capacity = to_tonnes(total, options.tonne_resolution);
  } else {
    r.min_cut_capacity = kInfinity;
  }
  describe_cut(d, symbol, target, r);
  country_findings(d, graph, target, up.countries, up.by_country, up.mask, solved.without, base.max_flow, symbol,
                   options, r);
  return r;
}

MustPass must_pass(const Dataset& dataset, const SupplyGraph& graph, const ElementStructure& element,
                   const StructureTarget& target) {
  MustPass found;
  found.reachable = std::any_of(target.facilities.begin(), target.facilities.end(),
                                [&](Index f) { return element.idom[f] != kNone; });
  if (!found.reachable) return found;   // as analyze_target: nothing to cut
  const std::string symbol = text::symbol(element.view.element);
  found.facilities = must_pass_facilities(dataset, graph, element, target,
                                          fmt::format("every path of {} to {}", symbol, target.label));
  // Whether a country's loss cuts R off from the target is the same in G_e as in the target's
  // upstream cone, so G_e serves without the cone's two searches; a country with no facility
  // upstream cuts nothing and is found so quickly. The target's own facilities, in its country's
  // group, stay on in the search (cut_off_by_each), so a country of target facilities alone
  // cuts nothing, as in analyze_target where they are left out of the groups.
  StructureOptions options;
  options.retained_shares = false;
  TargetStructure r;
  country_findings(dataset, graph, target, element.countries, element.by_country, element.view.mask, {}, 0, symbol,
                   options, r);
  found.countries = std::move(r.must_pass_countries);
  return found;
}

StructureReport analyze_structure(const Dataset& dataset, const SupplyGraph& graph,
                                  const std::vector<StructureTarget>& targets, const std::vector<int>& elements,
                                  const StructureOptions& options) {
  StructureReport report;
  report.dataset = dataset.label();
  report.method = fmt::format(
      "G_e per element with a root R joined to the mines of e; must-pass facilities: dominators from R "
      "(Cooper-Harvey-Kennedy in topological order when G_e is acyclic, else Lengauer-Tarjan semi-NCA); "
      "must-pass countries: reachability without each country; minimum cut and "
      "max-flow: incremental breadth-first search (IBFS) with node splitting, capacities in units of {} t; "
      "articulation points and bridges: Tarjan-Vishkin over a breadth-first tree; betweenness: Brandes, {}",
      options.tonne_resolution,
      options.betweenness_samples == 0 ? std::string("exact")
                                       : fmt::format("{} sampled sources, seed {}", options.betweenness_samples,
                                                     options.seed));
  const Carriage carriage = compute_carriage(dataset, options.view);
  // The network analyses (articulation points, bridges, betweenness) do not depend on the targets:
  // with more than one thread each runs beside the targets' max-flows, whose whole-network solve
  // is serial. Same results in the same order either way; one thread runs them in line.
  const unsigned threads = options.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : options.threads;
  const auto policy = threads > 1 ? std::launch::async : std::launch::deferred;
  const auto network = [&](GraphMask mask, int e) {
    return std::async(policy, [&dataset, &graph, &options, mask = std::move(mask), e] {
      return analyze_network(dataset, graph, mask, e, options);
    });
  };
  std::future<NetworkStructure> overall = network(overall_view(graph, carriage), -1);
  std::vector<std::vector<TargetStructure>> per_target(targets.size());
  std::vector<NetworkStructure> per_element;
  for (int e : elements) {
    const ElementStructure element = prepare_element(dataset, graph, carriage, e);
    std::future<NetworkStructure> net = network(element.view.mask, e);
    for (std::size_t t = 0; t < targets.size(); ++t) {
      per_target[t].push_back(analyze_target(dataset, graph, element, targets[t], options));
    }
    per_element.push_back(net.get());
  }
  report.networks.push_back(overall.get());
  for (auto& n : per_element) report.networks.push_back(std::move(n));
  for (auto& rows : per_target) {
    for (auto& row : rows) report.targets.push_back(std::move(row));
  }
  return report;
}

}  // namespace chokepoint
