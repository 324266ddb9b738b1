#pragma once
/// Articulation points and bridges of the undirected graph under the usable edges
/// (Hopcroft & Tarjan 1973, "Efficient algorithms for graph manipulation", CACM 16(6)).

#include <vector>

#include "chokepoint/graph/graph.hpp"

namespace chokepoint {

/// Cut vertices and cut edges of the undirected view of a masked graph.
struct Biconnectivity {
  std::vector<Index> articulation_points;  ///< vertices whose loss splits their component, sorted
  std::vector<Index> bridges;              ///< edge ids whose loss splits their component, sorted
};

/// Articulation points and bridges, edge directions ignored. Parallel edges and two-way links are
/// never bridges; self-loops are ignored. Iterative depth-first search: safe on 10^6-vertex paths.
Biconnectivity articulation_points_and_bridges(const SupplyGraph& graph, const GraphMask& mask);

}  // namespace chokepoint
