#pragma once
/// Articulation points and bridges of the undirected graph under the usable edges, by Tarjan and
/// Vishkin's criteria over a breadth-first spanning forest ("An efficient parallel biconnectivity
/// algorithm", SIAM J. Comput. 14(4), 1985); why not a depth-first search: connectivity.cpp.

#include <vector>

#include "chokepoint/graph/graph.hpp"

namespace chokepoint {

/// What a bridge's loss leaves: the switched-on vertices still joined to the edge's source and
/// to its target (each side counts its own end; together they make the bridge's component).
struct BridgeSides {
  Index source = 0;
  Index target = 0;

  bool operator==(const BridgeSides&) const = default;
};

/// What an articulation point's loss leaves of its component: the other `total` vertices fall
/// into `pieces` (two or more) connected pieces, the largest of `largest` vertices.
struct ArticulationSplit {
  Index pieces = 0;
  Index largest = 0;
  Index total = 0;

  bool operator==(const ArticulationSplit&) const = default;
};

/// Cut vertices and cut edges of the undirected view of a masked graph.
struct Biconnectivity {
  std::vector<Index> articulation_points;  ///< vertices whose loss splits their component, sorted
  std::vector<Index> bridges;              ///< edge ids whose loss splits their component, sorted
  std::vector<BridgeSides> bridge_sides;               ///< parallel to bridges, with `sizes`
  std::vector<ArticulationSplit> articulation_splits;  ///< parallel to articulation_points, with `sizes`
};

struct BiconnectivityOptions {
  /// Also what losing each cut vertex and bridge leaves (articulation_splits, bridge_sides). The
  /// bridges' sides cost a few milliseconds at 10^6 vertices; a cut vertex's pieces come from its
  /// children, but where a child's subtree reaches only into its siblings' a search is needed,
  /// which can cover most of the graph (connectivity.cpp).
  bool sizes = false;
};

/// Articulation points and bridges, edge directions ignored. Parallel edges and two-way links are
/// never bridges; self-loops are ignored. No recursion: safe on 10^6-vertex paths.
Biconnectivity articulation_points_and_bridges(const SupplyGraph& graph, const GraphMask& mask,
                                              const BiconnectivityOptions& options = {});

/// Who losing a cut vertex separates: the vertices outside the largest piece left of its
/// component, and those of the largest piece (where several are the largest, the one with the
/// lowest vertex stays), each ascending.
struct CutOff {
  std::vector<Index> cut_off;  ///< empty when more than the limit
  std::vector<Index> stays;    ///< empty when more than the limit
};

/// Who losing cut vertex v separates (`split` as articulation_points_and_bridges gave it), each
/// side listed when it has at most `limit` vertices; nothing when more than `limit` are cut off.
/// Bounded searches from v's neighbours, each stopping past `limit` vertices.
CutOff cut_off_by(const SupplyGraph& graph, const GraphMask& mask, Index v, const ArticulationSplit& split,
                  Index limit);

/// The vertices still joined to `end` (an end of `edge`) once `edge` is lost, ascending; empty
/// when more than `limit`. For a bridge, whose sides articulation_points_and_bridges counts.
std::vector<Index> bridge_side(const SupplyGraph& graph, const GraphMask& mask, Index edge, Index end, Index limit);

}  // namespace chokepoint
