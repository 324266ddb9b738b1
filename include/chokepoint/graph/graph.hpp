#pragma once
/// The supply graph: facilities plus one virtual root R, links as edges, in compressed sparse row
/// form (out and in), built once from a Dataset. Per-element views and what-if removals are masks
/// over it, so they never rebuild it. Plain types only: no Boost type leaves src/graph.

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "chokepoint/model/dataset.hpp"

namespace chokepoint {

/// A directed edge by its end vertices, for building graphs that do not come from a Dataset.
struct Arc {
  Index from = kNone;
  Index to = kNone;
};

/// One end of an edge as seen from a vertex's row: the vertex at the other end and the edge id.
struct Adjacent {
  Index vertex = kNone;
  Index edge = kNone;
};

/// Which facilities the root R is joined to.
struct GraphOptions {
  std::vector<Stage> source_stages{Stage::mine};  ///< R gets an edge to every facility at these stages
};

/// Which vertices and edges take part in a run; an empty vector switches everything on.
struct GraphMask {
  std::vector<std::uint8_t> vertex_on;  ///< per vertex
  std::vector<std::uint8_t> edge_on;    ///< per edge id

  /// Is vertex v switched on?
  [[nodiscard]] bool vertex(Index v) const { return vertex_on.empty() || vertex_on[v] != 0; }
  /// Is edge e itself switched on (its end vertices are checked separately)?
  [[nodiscard]] bool edge(Index e) const { return edge_on.empty() || edge_on[e] != 0; }
};

/// Immutable CSR graph over facility indices 0..F-1 and the root R = F; edge ids 0..L-1 are the
/// dataset's link indices, ids L.. are the root's edges.
class SupplyGraph {
 public:
  SupplyGraph() = default;

  /// Builds the graph of a dataset: one edge per link (whatever its status), R -> sources.
  static SupplyGraph build(const Dataset& dataset, const GraphOptions& options = {});
  /// Builds a plain graph without a root: edge (and link) id i is arcs[i]; for tests and benchmarks.
  static SupplyGraph from_arcs(Index vertex_count, std::span<const Arc> arcs);

  /// Vertices, the root included.
  [[nodiscard]] Index vertex_count() const { return vertex_count_; }
  /// Edges, the root's edges included.
  [[nodiscard]] Index edge_count() const { return static_cast<Index>(edge_source_.size()); }
  /// Facility vertices 0..facility_count()-1 (all vertices for a plain graph).
  [[nodiscard]] Index facility_count() const { return facility_count_; }
  /// Edges 0..link_count()-1 are links; the rest leave the root.
  [[nodiscard]] Index link_count() const { return link_count_; }
  /// The virtual root R, or kNone for a plain graph.
  [[nodiscard]] Index root() const { return root_; }

  /// Tail of edge e.
  [[nodiscard]] Index source(Index e) const { return edge_source_[e]; }
  /// Head of edge e.
  [[nodiscard]] Index target(Index e) const { return edge_target_[e]; }
  /// The dataset link behind edge e, or kNone for a root edge.
  [[nodiscard]] Index link_of(Index e) const { return e < link_count_ ? e : kNone; }

  /// The edges leaving v (head, edge id), in edge-id order.
  [[nodiscard]] std::span<const Adjacent> out(Index v) const { return row(2 * std::size_t{v}); }
  /// The edges entering v (tail, edge id), in edge-id order.
  [[nodiscard]] std::span<const Adjacent> in(Index v) const { return row(2 * std::size_t{v} + 1); }
  /// Every edge at v, out(v) then in(v), in one span (they are stored together).
  [[nodiscard]] std::span<const Adjacent> both(Index v) const {
    return {rows_.data() + offset_[2 * std::size_t{v}], rows_.data() + offset_[2 * std::size_t{v} + 2]};
  }
  /// A hint that v's rows will be read soon: asks the cache for where they are.
  void prefetch_row_bounds(Index v) const { __builtin_prefetch(&offset_[2 * std::size_t{v}]); }

  /// A topological order of every vertex over every edge (self-loops aside), or empty when the
  /// graph has a cycle. It is the vertices' own order, with the root moved first, when that is one
  /// (a dataset listed upstream first, as `generate` writes it), else Kahn's. Every view of an
  /// acyclic graph is acyclic in the same order.
  [[nodiscard]] const std::vector<Index>& topological_order() const { return order_; }
  /// Each vertex's place in topological_order() (empty with it).
  [[nodiscard]] const std::vector<Index>& topological_rank() const { return rank_; }

 private:
  [[nodiscard]] std::span<const Adjacent> row(std::size_t r) const {
    return {rows_.data() + offset_[r], rows_.data() + offset_[r + 1]};
  }
  void index_edges();
  void order_vertices();

  Index vertex_count_ = 0;
  Index facility_count_ = 0;
  Index link_count_ = 0;
  Index root_ = kNone;
  std::vector<Index> edge_source_, edge_target_;
  // Row r = 2v is out(v), r = 2v + 1 is in(v): rows_[offset_[r] .. offset_[r + 1]). A vertex's
  // two rows sit together, so a search over both directions (articulation points) fetches one
  // range and one pair of bounds per vertex instead of two of each: 0.098 -> 0.085 s for the
  // articulation points of the dumped 10^6-facility graph. Scans of one direction in vertex order
  // step over the other's rows (a breadth-first search over G_Dy: 0.024 -> 0.029 s).
  std::vector<Index> offset_;
  std::vector<Adjacent> rows_;
  std::vector<Index> order_, rank_;
};

/// True when edge e and both its ends are switched on.
inline bool edge_usable(const SupplyGraph& graph, const GraphMask& mask, Index e) {
  return mask.edge(e) && mask.vertex(graph.source(e)) && mask.vertex(graph.target(e));
}

/// The mask with every vertex outside `keep` (1 = keep, one byte per vertex) switched off.
GraphMask restrict_to(const GraphMask& mask, const std::vector<std::uint8_t>& keep);

}  // namespace chokepoint
