#pragma once
/// Articulation points and bridges of the undirected graph under the usable edges, by Tarjan and
/// Vishkin's criteria over a breadth-first spanning forest ("An efficient parallel biconnectivity
/// algorithm", SIAM J. Comput. 14(4), 1985); why not a depth-first search: connectivity.cpp.

#include <vector>

#include "chokepoint/graph/graph.hpp"

namespace chokepoint {

/// Cut vertices and cut edges of the undirected view of a masked graph.
struct Biconnectivity {
  std::vector<Index> articulation_points;  ///< vertices whose loss splits their component, sorted
  std::vector<Index> bridges;              ///< edge ids whose loss splits their component, sorted
};

/// Articulation points and bridges, edge directions ignored. Parallel edges and two-way links are
/// never bridges; self-loops are ignored. No recursion: safe on 10^6-vertex paths.
Biconnectivity articulation_points_and_bridges(const SupplyGraph& graph, const GraphMask& mask);

}  // namespace chokepoint
