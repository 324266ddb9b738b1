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

// "losing f splits the facility graph there: n facilities lose every link to the remaining m
// facilities": the pieces other than the largest against the largest; either side is named when
// it is few ("a (mine, China) and b (mine, China) lose every link to the remaining facility, c
// (separation, China)").
std::string articulation_evidence(const Dataset& d, Index f, const ArticulationSplit& split, const CutOff& named,
                                  const std::string& scope) {
  const auto list = [&](const std::vector<Index>& facilities) {
    std::string names;
    for (std::size_t k = 0; k < facilities.size(); ++k) {
      if (k > 0) names += k + 1 == facilities.size() ? " and " : ", ";
      names += text::facility(d, facilities[k]);
    }
    return names;
  };
  if (split.largest == 1 && split.pieces > 2) {   // no piece to name as the one that stays
    std::vector<Index> all = named.cut_off;
    if (!all.empty() && !named.stays.empty()) {
      all.insert(all.end(), named.stays.begin(), named.stays.end());
      std::sort(all.begin(), all.end(), [&](Index x, Index y) { return d.facilities[x].id < d.facilities[y].id; });
    }
    return fmt::format("losing {} splits {} there: the {} other facilities of its part{} lose every link to each other",
                       text::facility(d, f), scope, split.total,
                       all.size() == split.total ? fmt::format(", {},", list(all)) : std::string());
  }
  const Index cut_off = split.total - split.largest;
  const std::string who =
      named.cut_off.empty() ? fmt::format("{} {}", cut_off, cut_off == 1 ? "facility" : "facilities") : list(named.cut_off);
  const std::string rest =
      named.stays.empty() ? fmt::format("the remaining {} {}", split.largest, split.largest == 1 ? "facility" : "facilities")
      : split.largest == 1 ? fmt::format("the remaining facility, {}", list(named.stays))
                           : fmt::format("the remaining {} facilities, {}", split.largest, list(named.stays));
  return fmt::format("losing {} splits {} there: {} {} every link to {}{}", text::facility(d, f), scope, who,
                     cut_off == 1 ? "loses" : "lose", rest,
                     split.pieces > 2 ? fmt::format(" ({} pieces in all)", split.pieces) : std::string());
}

// "the link a -> b (m) is the only connection between ..." with the two sides' facility counts; a
// side of one facility is named.
std::string bridge_evidence(const Dataset& d, const BridgeLink& x, const std::string& scope) {
  const Link& link = d.links[x.link];
  const std::string& from = d.facilities[link.from].id;
  const std::string& to = d.facilities[link.to].id;
  const std::string head = fmt::format("the link {} -> {} ({})", from, to, d.materials[link.material].id);
  const auto facilities = [](Index n) { return fmt::format("{} {}", n, n == 1 ? "facility" : "facilities"); };
  if (x.from_side == 1 && x.to_side == 1) {
    return fmt::format("{} is the only link of either facility in {}", head, scope);
  }
  if (x.from_side == 1 || x.to_side == 1) {
    const bool lone_from = x.from_side == 1;
    const Index lone = lone_from ? link.from : link.to;
    return fmt::format("{} is the only link of {} in {}; losing it cuts {} off from the {} on the other side", head,
                       text::facility(d, lone), scope, d.facilities[lone].id,
                       facilities(lone_from ? x.to_side : x.from_side));
  }
  // The smaller side named, when it is few: "the 3 facilities on a's side (a, b and c)".
  std::string names;
  for (std::size_t k = 0; k < x.cut_off.size(); ++k) {
    names += k == 0 ? " (" : k + 1 == x.cut_off.size() ? " and " : ", ";
    names += d.facilities[x.cut_off[k]].id;
  }
  if (!names.empty()) names += ")";
  const bool from_named = x.from_side <= x.to_side;
  return fmt::format("{} is the only connection in {} between the {} on {}'s side{} and the {} on {}'s side{}", head,
                     scope, facilities(x.from_side), from, from_named ? names : "", x.to_side, to,
                     from_named ? "" : names);
}

void connectivity(const Dataset& d, const SupplyGraph& graph, const GraphMask& facilities, NetworkStructure& r) {
  const Biconnectivity b = articulation_points_and_bridges(graph, facilities, {.sizes = true});
  const auto by_id = [&](Index x, Index y) { return d.facilities[x].id < d.facilities[y].id; };
  std::vector<std::size_t> order(b.articulation_points.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return d.facilities[b.articulation_points[x]].id < d.facilities[b.articulation_points[y]].id;
  });
  for (const std::size_t k : order) {
    const Index f = b.articulation_points[k];
    const ArticulationSplit& split = b.articulation_splits[k];
    r.articulation_points.push_back(f);
    r.articulation_splits.push_back(split);
    CutOff named = cut_off_by(graph, facilities, f, split, kNamedCutOff);
    std::sort(named.cut_off.begin(), named.cut_off.end(), by_id);
    std::sort(named.stays.begin(), named.stays.end(), by_id);
    r.articulation_evidence.push_back(articulation_evidence(d, f, split, named, scope(r.element)));
    r.articulation_cut_off.push_back(std::move(named.cut_off));
  }
  // Bridges ranked by what their loss cuts off: the facilities on the smaller side.
  for (std::size_t k = 0; k < b.bridges.size(); ++k) {
    const Index e = b.bridges[k];
    const BridgeSides& sides = b.bridge_sides[k];
    BridgeLink& x = r.bridges.emplace_back(BridgeLink{e, sides.source, sides.target, {}, {}});
    const Index smaller = sides.source <= sides.target ? graph.source(e) : graph.target(e);
    if (std::min(sides.source, sides.target) <= kNamedCutOff) {
      x.cut_off = bridge_side(graph, facilities, e, smaller, kNamedCutOff);
      std::sort(x.cut_off.begin(), x.cut_off.end(), by_id);
    }
  }
  const auto rank = [&](const BridgeLink& x) {
    const Link& link = d.links[x.link];
    return std::tuple<std::int64_t, const std::string&, const std::string&, const std::string&, Index>(
        -static_cast<std::int64_t>(std::min(x.from_side, x.to_side)), d.facilities[link.from].id,
        d.facilities[link.to].id, d.materials[link.material].id, x.link);
  };
  std::sort(r.bridges.begin(), r.bridges.end(), [&](const BridgeLink& x, const BridgeLink& y) { return rank(x) < rank(y); });
  for (BridgeLink& x : r.bridges) x.evidence = bridge_evidence(d, x, scope(r.element));
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
  const std::vector<double> score = betweenness(graph, facilities, b);
  r.betweenness = ranking(dataset, graph, score, options.top);
  for (const Index f : r.articulation_points) r.articulation_betweenness.push_back(score[f]);
  const std::vector<double> length = volume_lengths(dataset, graph, facilities);
  b.length = length;
  r.weighted_betweenness = ranking(dataset, graph, betweenness(graph, facilities, b), options.top);
  return r;
}

}  // namespace chokepoint
