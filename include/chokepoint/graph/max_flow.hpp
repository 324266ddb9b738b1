#pragma once
/// Maximum flow and minimum cut: incremental breadth-first search (Goldberg, Hed, Kaplan, Tarjan &
/// Werneck 2011) over flat arrays, and vertex capacities by node splitting (Ford & Fulkerson 1956).

#include <cstdint>
#include <span>
#include <vector>

#include "chokepoint/graph/graph.hpp"

namespace chokepoint {

/// The capacity of an uncapacitated arc or vertex; a flow this large means "unbounded".
inline constexpr std::int64_t kUnbounded = std::int64_t{1} << 62;

/// A flow network with integer capacities, solved by augmenting along shortest paths kept in two
/// incrementally updated search trees (IBFS), from a greedy first flow.
class FlowNetwork {
 private:
  // One direction of an arc in the residual graph; the other direction is at mate(). The top bit
  // of `mate_open` tells whether the slot at mate() has capacity: the searches ask that of every
  // slot they scan, and a flag kept here is read with the slot instead of from the mate's row.
  struct Residual {
    static constexpr Index kOpen = Index{1} << 31;
    Index head;
    Index mate_open;
    std::int64_t capacity;

    [[nodiscard]] Index mate() const { return mate_open & ~kOpen; }
    [[nodiscard]] bool back_open() const { return (mate_open & kOpen) != 0; }
    void set_back_open(bool open) { mate_open = open ? mate_open | kOpen : mate_open & ~kOpen; }
  };
  // Sends delta (>= 0) more along slot a, and keeps both slots' flags right. Taking flow back
  // from slot a is a push on its mate.
  static void push(std::vector<Residual>& residual, Index a, std::int64_t delta) {
    Residual& r = residual[a];
    Residual& back = residual[r.mate()];
    r.capacity -= delta;
    back.capacity += delta;
    r.set_back_open(true);
    if (r.capacity == 0) back.set_back_open(false);
  }
  // A change max_flow_without_here puts back: a slot's capacity and its mate's before it.
  struct Undo {
    Index slot;
    std::int64_t capacity, mate_capacity;
  };
  // A node's place in a search tree (its children are found from their `parent` and `arc`).
  struct TreeNode {
    Index parent = kNone;  // kNone for the roots and for orphans
    Index arc = kNone;     // the slot between parent and node in the direction of flow to the sink
    Index current = 0;     // where the search for a parent resumes
  };

 public:
  /// The buffers of max_flow_without, kept from one call to the next (one per thread).
  class Workspace {
   public:
    /// How far a repair relabels the source's tree before it gives that tree up and grows it
    /// again from the source: orphans taken up, as a multiple of the tree's size. 0 regrows at
    /// once, infinity never; the value found is the same either way.
    double regrowth = 1.0;

   private:
    friend class FlowNetwork;
    std::vector<Residual> residual;
    std::vector<std::int32_t> label;
    std::vector<TreeNode> tree;
    std::vector<std::int64_t> excess;
    std::vector<Undo> undo;   // max_flow_without_here's changes
  };

  explicit FlowNetwork(Index node_count = 0) : node_count_(node_count) {}

  /// Adds a node and returns its id.
  Index add_node() { return node_count_++; }
  /// Adds an arc with capacity in 0..kUnbounded and returns its id. Arcs are added before the
  /// first max_flow(), which builds the residual graph from them and frees the list (an arc's ends
  /// and capacity are then read from its two slots: 16 bytes an arc less, 36 MiB at 1e6).
  Index add_arc(Index from, Index to, std::int64_t capacity);
  /// Reserves room for `arcs` arcs.
  void reserve(std::size_t arcs);

  /// Whether max_flow() keeps its search trees for max_flow_without.
  enum class Repairs : std::uint8_t { prepare, none };

  /// The maximum flow value from source to sink; kUnbounded when unbounded arcs alone join them
  /// (or when the flow reaches kUnbounded). With Repairs::none it skips the two breadth-first
  /// searches that repairs start from, and max_flow_without may not be called.
  std::int64_t max_flow(Index source, Index sink, Repairs repairs = Repairs::prepare);
  /// After max_flow(): the maximum flow once `arcs` are removed (capacity 0), found by repairing
  /// the flow there is rather than solving again, unless the arcs carry more than half of it
  /// (then what is left is solved from nothing, which is cheaper). The work is done in
  /// `workspace`: this network keeps its flow, and threads with a workspace each may repair at
  /// the same time.
  std::int64_t max_flow_without(std::span<const Index> arcs, Workspace& workspace) const;
  /// The same with a workspace of its own.
  std::int64_t max_flow_without(std::span<const Index> arcs) const;
  /// The same, worked on this network's own residual graph and put back as it was afterwards
  /// instead of on a copy in the workspace: the workspace holds no residual graph (72 MiB for the
  /// whole-graph network at 1e6 facilities) but a list of the changes to put back, and once the
  /// removed arcs carry enough to solve afresh, the network keeps each arc's flow (16 MiB there).
  /// Not while another thread uses the network.
  std::int64_t max_flow_without_here(std::span<const Index> arcs, Workspace& workspace);
  /// Flow on arc `arc` after max_flow().
  [[nodiscard]] std::int64_t flow_on(Index arc) const;
  /// After max_flow(): 1 for the nodes the source reaches in the residual graph, the source side of
  /// the minimum cut nearest the source (the same for every maximum flow).
  [[nodiscard]] std::vector<std::uint8_t> source_side() const;

  [[nodiscard]] Index node_count() const { return node_count_; }
  [[nodiscard]] Index arc_count() const {
    return static_cast<Index>(finalized_ ? arc_slot_.size() : arc_capacity_.size());
  }

 private:
  class Ibfs;

  void finalize();
  static bool unbounded_path(const std::vector<Index>& first, const std::vector<Residual>& residual, Index source,
                             Index sink);
  void greedy_flow(std::vector<Residual>& residual) const;
  // Writes into `to` the residual graph of `from` with no flow: an arc's capacity is the sum of its
  // two slots' (a push moves capacity from one to the other). `to` may be `from`.
  void clear_flow(const std::vector<Residual>& from, std::vector<Residual>& to) const;
  void build_base_trees();
  // Whether max_flow_without solves what is left from nothing rather than repairing the flow.
  [[nodiscard]] bool solve_afresh(std::span<const Index> arcs) const;
  // max_flow_without's work on `residual`: the network's residual graph with its flow (a repair)
  // or without (afresh), in a copy or the network's own; with `undo`, each change to `residual`
  // is noted there first.
  std::int64_t solve_without(std::span<const Index> arcs, bool afresh, std::vector<Residual>& residual,
                             Workspace& w, std::vector<Undo>* undo) const;
  std::int64_t inflow_to_sink(const std::vector<Residual>& residual) const;

  Index node_count_ = 0;
  bool finalized_ = false;
  std::vector<Index> arc_from_, arc_to_;     // the arcs added, until the residual graph is built
  std::vector<std::int64_t> arc_capacity_;
  std::vector<Index> first_;  // CSR rows of residual_
  std::vector<Residual> residual_;
  std::vector<Index> arc_slot_;             // arc id -> its forward slot; kNone for a loop
  Index source_ = kNone, sink_ = kNone;
  std::int64_t value_ = 0;  // of the last max_flow()
  // After a finite max_flow(): the breadth-first trees of the nodes the source reaches in the
  // residual graph (label: 1 + distance from the source) and of those that reach the sink (label:
  // -1 - distance to the sink); 0 elsewhere. Repairs start from them.
  std::vector<std::int32_t> base_label_;
  std::vector<TreeNode> base_tree_;
  std::int32_t source_depth_ = 0, sink_depth_ = 0;  // the largest level of each
  std::size_t source_tree_size_ = 0;                // the nodes of the source's tree
  std::vector<std::int64_t> solved_flow_;  // per arc, the last max_flow()'s; kept by max_flow_without_here afresh
};

/// A maximum flow with vertex capacities and one of its minimum vertex cuts.
struct VertexCut {
  std::int64_t max_flow = 0;  ///< kUnbounded when a path of unbounded vertices joins source and sinks
  std::vector<Index> cut;     ///< a minimum-capacity vertex cut (the one nearest the source), sorted
};

/// Max-flow from `source` to the set `sinks` (joined in a super-sink) where vertex v passes at
/// most capacity[v] and edges are uncapacitated; the source and the sinks are never cut. Works only
/// on the vertices between source and sinks (the sinks' upstream cone), so small targets are cheap.
VertexCut min_vertex_cut(const SupplyGraph& graph, const GraphMask& mask, Index source, std::span<const Index> sinks,
                         std::span<const std::int64_t> capacity);

/// The max-flow of min_vertex_cut with each group of vertices removed in turn (the source and the
/// sinks stay): one value per group. The cone search and one maximum flow of the whole network
/// are shared by all groups; each group repairs a copy of that flow without its vertices
/// (FlowNetwork::max_flow_without). The groups are solved on `threads` threads (0: one per core),
/// and the values do not depend on the thread count.
std::vector<std::int64_t> max_flow_without_each(const SupplyGraph& graph, const GraphMask& mask, Index source,
                                                std::span<const Index> sinks, std::span<const std::int64_t> capacity,
                                                const std::vector<std::vector<Index>>& removals, unsigned threads = 0);

/// Both of the above from one solve of the whole network: the cut of min_vertex_cut and the
/// values of max_flow_without_each.
struct CutAndRetained {
  VertexCut cut;
  std::vector<std::int64_t> without;  ///< one value per group
};
CutAndRetained min_vertex_cut_and_without_each(const SupplyGraph& graph, const GraphMask& mask, Index source,
                                              std::span<const Index> sinks, std::span<const std::int64_t> capacity,
                                              const std::vector<std::vector<Index>>& removals, unsigned threads = 0);

}  // namespace chokepoint
