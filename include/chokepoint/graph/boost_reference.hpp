#pragma once
/// The same algorithms run through Boost.Graph 1.74, as test oracles and benchmark baselines.
/// Each call copies the masked graph into a Boost graph first; plain types in and out.

#include <cstdint>
#include <span>
#include <vector>

#include "chokepoint/graph/graph.hpp"

namespace chokepoint {

/// An arc with an integer capacity, for flow cross-checks.
struct CapacityArc {
  Index from = kNone;
  Index to = kNone;
  std::int64_t capacity = 0;
};

/// Boost's lengauer_tarjan_dominator_tree over a bidirectional CSR graph, full overload with
/// unreachable vertices' dfnum set to max (the 3-argument overload is wrong with unreachable predecessors).
std::vector<Index> boost_immediate_dominators(const SupplyGraph& graph, const GraphMask& mask, Index entry);
/// Boost's articulation_points on an undirected adjacency_list copy, sorted.
std::vector<Index> boost_articulation_points(const SupplyGraph& graph, const GraphMask& mask);
/// The bridges by Boost's biconnected_components (edges alone in their block, on a copy with parallel
/// edges merged, which Boost 1.74 gets wrong), sorted edge ids.
std::vector<Index> boost_bridges(const SupplyGraph& graph, const GraphMask& mask);
/// Boost's push_relabel_max_flow on the arcs.
std::int64_t boost_max_flow(Index node_count, std::span<const CapacityArc> arcs, Index source, Index sink);
/// Boost's brandes_betweenness_centrality with a double path-count map; `length` empty: unweighted.
std::vector<double> boost_betweenness(const SupplyGraph& graph, const GraphMask& mask, std::span<const double> length);

}  // namespace chokepoint
