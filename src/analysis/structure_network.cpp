#include <algorithm>
#include <limits>
#include <tuple>

#include <fmt/format.h>

#include "chokepoint/analysis/structure.hpp"
#include "chokepoint/graph/betweenness.hpp"
#include "chokepoint/graph/connectivity.hpp"
#include "structure_text.hpp"

namespace chokepoint {
namespace {

namespace text = structure_text;

std::string scope(int element) {
  return element < 0 ? std::string("the facility graph") : fmt::format("the {} facility graph", text::symbol(element));
}

// Shortest paths by length 1/volume: heavy links are close. Links without a volume get the median
// volume of those that have one (1 if none does); a zero volume is no connection at all.
std::vector<double> volume_lengths(const Dataset& d, const SupplyGraph& graph, const GraphMask& mask) {
  std::vector<double> given;
  for (Index l = 0; l < graph.link_count(); ++l) {
    if (edge_usable(graph, mask, l) && d.links[l].volume && *d.links[l].volume > 0) given.push_back(*d.links[l].volume);
  }
  double fallback = 1.0;
  if (!given.empty()) {
    std::nth_element(given.begin(), given.begin() + static_cast<std::ptrdiff_t>(given.size() / 2), given.end());
    fallback = given[given.size() / 2];
  }
  std::vector<double> length(graph.edge_count(), 1.0 / fallback);
  for (Index l = 0; l < graph.link_count(); ++l) {
    const auto& volume = d.links[l].volume;
    if (!volume) continue;
    length[l] = *volume > 0 ? 1.0 / *volume : std::numeric_limits<double>::infinity();
  }
  return length;
}

std::vector<RankedFacility> ranking(const Dataset& d, const SupplyGraph& graph, const std::vector<double>& score,
                                    std::size_t top) {
  std::vector<RankedFacility> ranked;
  for (Index f = 0; f < graph.facility_count(); ++f) {
    if (score[f] > 0) ranked.push_back({f, score[f]});
  }
  std::sort(ranked.begin(), ranked.end(), [&](const RankedFacility& a, const RankedFacility& b) {
    if (a.score != b.score) return a.score > b.score;
    return d.facilities[a.facility].id < d.facilities[b.facility].id;
  });
  if (top > 0 && ranked.size() > top) ranked.resize(top);
  return ranked;
}

void connectivity(const Dataset& d, const SupplyGraph& graph, const GraphMask& facilities, NetworkStructure& r) {
  const Biconnectivity b = articulation_points_and_bridges(graph, facilities);
  r.articulation_points = b.articulation_points;
  std::sort(r.articulation_points.begin(), r.articulation_points.end(),
            [&](Index a, Index c) { return d.facilities[a].id < d.facilities[c].id; });
  for (Index f : r.articulation_points) {
    r.articulation_evidence.push_back(
        fmt::format("losing {} splits {}: some facilities are linked only through it", text::facility(d, f),
                    scope(r.element)));
  }
  const auto key = [&](Index l) {
    const Link& link = d.links[l];
    return std::tie(d.facilities[link.from].id, d.facilities[link.to].id, d.materials[link.material].id);
  };
  std::vector<Index> bridges = b.bridges;
  std::sort(bridges.begin(), bridges.end(),
            [&](Index a, Index c) { return std::tuple(key(a), a) < std::tuple(key(c), c); });
  for (Index l : bridges) {
    const Link& link = d.links[l];
    r.bridges.push_back({l, fmt::format("the link {} -> {} ({}) is the only connection between two parts of {}",
                                        d.facilities[link.from].id, d.facilities[link.to].id,
                                        d.materials[link.material].id, scope(r.element))});
  }
}

}  // namespace

NetworkStructure analyze_network(const Dataset& dataset, const SupplyGraph& graph, const GraphMask& mask, int element,
                                 const StructureOptions& options) {
  NetworkStructure r;
  r.element = element;
  GraphMask facilities = mask;  // the facility graph: the root takes no part
  if (facilities.vertex_on.empty()) facilities.vertex_on.assign(graph.vertex_count(), 1);
  if (graph.root() != kNone) facilities.vertex_on[graph.root()] = 0;
  connectivity(dataset, graph, facilities, r);
  BetweennessOptions b;
  b.sample_sources = options.betweenness_samples;
  b.seed = options.seed;
  r.betweenness = ranking(dataset, graph, betweenness(graph, facilities, b), options.top);
  const std::vector<double> length = volume_lengths(dataset, graph, facilities);
  b.length = length;
  r.weighted_betweenness = ranking(dataset, graph, betweenness(graph, facilities, b), options.top);
  return r;
}

}  // namespace chokepoint
