#include "chokepoint/graph/max_flow.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <exception>
#include <limits>
#include <stdexcept>
#include <thread>

#include "chokepoint/graph/reachability.hpp"

namespace chokepoint {

Index FlowNetwork::add_arc(Index from, Index to, std::int64_t capacity) {
  assert(from < node_count_ && to < node_count_ && capacity >= 0 && capacity <= kUnbounded);
  if (finalized_) throw std::logic_error("FlowNetwork: arcs are added before the first max_flow()");
  arc_from_.push_back(from);
  arc_to_.push_back(to);
  arc_capacity_.push_back(capacity);
  return static_cast<Index>(arc_capacity_.size() - 1);
}

void FlowNetwork::reserve(std::size_t arcs) {
  arc_from_.reserve(arcs);
  arc_to_.reserve(arcs);
  arc_capacity_.reserve(arcs);
}

// The residual graph in CSR rows; a loop carries nothing and gets no slots. Built once, when the
// arc list is freed; a later max_flow() starts again from no flow.
void FlowNetwork::finalize() {
  if (finalized_) {
    clear_flow(residual_, residual_);
    return;
  }
  const std::size_t arcs = arc_capacity_.size();
  first_.assign(static_cast<std::size_t>(node_count_) + 1, 0);
  for (std::size_t a = 0; a < arcs; ++a) {
    if (arc_from_[a] == arc_to_[a]) continue;
    ++first_[arc_from_[a] + 1];
    ++first_[arc_to_[a] + 1];
  }
  for (Index v = 0; v < node_count_; ++v) first_[v + 1] += first_[v];
  if (first_[node_count_] >= Residual::kOpen) throw std::length_error("FlowNetwork: too many arcs for 31-bit slots");
  residual_.resize(first_[node_count_]);
  arc_slot_.assign(arcs, kNone);
  std::vector<Index> fill(first_.begin(), first_.end() - 1);
  for (std::size_t a = 0; a < arcs; ++a) {
    if (arc_from_[a] == arc_to_[a]) continue;
    const Index forward = fill[arc_from_[a]]++;
    const Index backward = fill[arc_to_[a]]++;
    residual_[forward] = {arc_to_[a], backward, arc_capacity_[a]};
    residual_[backward] = {arc_from_[a], forward | (arc_capacity_[a] > 0 ? Residual::kOpen : 0), 0};
    arc_slot_[a] = forward;
  }
  finalized_ = true;
  std::vector<Index>().swap(arc_from_);  // not clear(), which keeps the buffers
  std::vector<Index>().swap(arc_to_);
  std::vector<std::int64_t>().swap(arc_capacity_);
}

bool FlowNetwork::unbounded_path(const std::vector<Index>& first, const std::vector<Residual>& residual,
                                 Index source, Index sink) {
  std::vector<std::uint8_t> seen(first.size() - 1, 0);
  std::vector<Index> queue{source};
  seen[source] = 1;
  for (std::size_t i = 0; i < queue.size(); ++i) {
    const Index v = queue[i];
    if (v == sink) return true;
    for (Index a = first[v]; a < first[v + 1]; ++a) {
      const Residual& r = residual[a];
      if (r.capacity < kUnbounded || seen[r.head]) continue;
      seen[r.head] = 1;
      queue.push_back(r.head);
    }
  }
  return false;
}

// Incremental breadth-first search (IBFS: Goldberg, Hed, Kaplan, Tarjan & Werneck, "Maximum flows
// by incremental breadth-first search", ESA 2011). Two trees of shortest residual paths grow one
// level at a time, S from the source and T into the sink; an arc from S to T closes an augmenting
// path. Arcs saturated by an augmentation leave orphans, which find a new parent at the same level
// or are relabelled (moved one or more levels down their tree, their children orphaned in turn)
// or leave the tree. Unlike Dinic's algorithm no phase searches the whole graph again: only the
// frontier is scanned, and labels change only around saturated arcs. Every residual arc out of an
// S node below S's top level ends in S (into a T node below T's top, starts in T), so when either
// tree stops growing no residual path joins them and the flow is maximum.
//
// The search works on arrays it is given (the network's own, or a workspace's), so that a repair
// can start from a copy of a finished search instead of from nothing (start_from_base_trees).
class FlowNetwork::Ibfs {
 public:
  // `label`, `tree` and `excess` have one entry per node. `excess`: per node, flow to be sent on
  // (> 0) or received (< 0) besides the source's and the sink's; such nodes are roots of S or T as
  // long as it lasts.
  Ibfs(const std::vector<Index>& first, std::vector<Residual>& residual, std::vector<std::int32_t>& label,
       std::vector<TreeNode>& tree, std::vector<std::int64_t>& excess, Index source, Index sink,
       std::vector<Undo>* undo = nullptr)
      : undo_(undo),
        first_(first),
        residual_(residual),
        label_(label),
        tree_(tree),
        excess_(excess),
        source_(source),
        sink_(sink) {}

  // A search from nothing: `label` all 0 and `tree` all default; the roots are the source, the
  // sink and the nodes with excess.
  void start_fresh() {
    excess_[source_] = kUnbounded;
    excess_[sink_] = -kUnbounded;
    for (Index v = 0; v < static_cast<Index>(label_.size()); ++v) {
      if (excess_[v] > 0) {
        label_[v] = 1;
        s_next_.push_back(v);
      } else if (excess_[v] < 0) {
        label_[v] = -1;
        t_next_.push_back(v);
      }
    }
  }

  // A repair after arcs lost their capacity (and their flow, now excess at their tails and
  // demand at their heads). `label` and `tree` hold the two complete breadth-first trees of the
  // solved network: S, the nodes the source reaches in the residual graph (labels 1..s_depth), and
  // T, the nodes that reach the sink (labels -1..-t_depth). Every node of both was scanned, so no
  // residual arc leaves S or enters T. `removed` are the slots of the removed arcs (both
  // directions, now without capacity); `demand` the heads of those that carried flow.
  //
  // Both trees are kept. Their tree arcs among `removed` orphan their children. A node with excess
  // in S becomes a root where it is (labels need not start at 1, only rise by one along tree arcs);
  // in T it sends the excess along its tree path; outside both it is a root at a new top level of
  // S. A node with demand likewise, the other way round. The invariants of the search then hold, so
  // it goes on from there: when the removal is absorbed near the removed arcs, neither tree has
  // anything new to scan and the search stops, instead of growing over the whole network again.
  //
  // Except when S relabels too much: demand in S is served from S's roots, and each push that uses
  // up a root's arc orphans what hangs below it, to be relabelled one level up, again at the next
  // such push. On the synthetic chain at 1e6 facilities, a country's demand made S's orphans
  // number 4 to 17 times S's size. Once they number `s_budget`, S is given up and grows
  // again from the source and the excesses, as in a search from nothing, with the demand left as
  // roots of T. At 1e6 facilities one growth of S costs about three times as much as taking up
  // that many orphans: a repair just past the limit pays for both, one far past it saves most.
  void start_from_base_trees(std::int32_t s_depth, std::int32_t t_depth, std::span<const Index> removed,
                             std::span<const Index> demand, std::size_t s_budget) {
    top_s_ = s_depth + 1;  // the (empty) frontiers
    top_t_ = t_depth + 1;
    excess_[source_] = kUnbounded;
    excess_[sink_] = -kUnbounded;
    s_orphans_ = 0;
    bool regrow = false;
    // S: a node hangs from its parent by the parent's slot; the tail of a slot is its mate's head.
    for (Index a : removed) {
      const Index child = residual_[a].head, parent = residual_[residual_[a].mate()].head;
      if (label_[child] > 0 && tree_[child].parent == parent && tree_[child].arc == a) {
        if (excess_[child] > 0) {
          detach(child);
        } else {
          orphan(child);
        }
      }
    }
    for (Index a : removed) {
      const Index v = residual_[residual_[a].mate()].head;
      if (label_[v] > 0 && excess_[v] > 0 && !is_root(v)) detach(v);
    }
    adopt<true>();
    regrow = s_orphans_ >= s_budget;
    // T: a node hangs from its parent by its own slot.
    for (Index a : removed) {
      const Index child = residual_[residual_[a].mate()].head, parent = residual_[a].head;
      if (label_[child] < 0 && tree_[child].parent == parent && tree_[child].arc == a) {
        if (excess_[child] < 0) {
          detach(child);
        } else {
          orphan(child);
        }
      }
    }
    for (Index v : demand) {
      if (label_[v] < 0 && excess_[v] < 0 && !is_root(v)) detach(v);
    }
    adopt<false>();
    for (Index v : demand) {
      if (v == sink_ || regrow) continue;
      serve_fully<true>(v);
      regrow = s_orphans_ >= s_budget;
    }
    if (regrow) clear_source_tree();
    for (Index v : demand) {
      if (v != sink_ && excess_[v] < 0 && label_[v] == 0) {
        label_[v] = -top_t_;
        tree_[v].current = first_[v];
        t_next_.push_back(v);
      }
    }
    // Nodes with excess: the tails of removed slots (loops have none).
    for (Index a : removed) {
      const Index v = residual_[residual_[a].mate()].head;
      if (v == source_ || v == sink_) continue;
      serve_fully<false>(v);
      if (excess_[v] > 0 && label_[v] == 0) {
        label_[v] = top_s_;
        tree_[v].current = first_[v];
        s_next_.push_back(v);
      }
    }
  }

  // S becomes the source alone, a root at level 1 to grow from (the excesses join it as roots
  // later); T's nodes keep their places, as no tree arc joins the two.
  void clear_source_tree() {
    for (Index v = 0; v < static_cast<Index>(label_.size()); ++v) {
      if (label_[v] > 0) {
        label_[v] = 0;
        tree_[v] = TreeNode{};
      }
    }
    s_next_.clear();
    top_s_ = 1;
    label_[source_] = 1;
    tree_[source_].current = first_[source_];
    s_next_.push_back(source_);
  }

  // Augments until no residual path joins the roots of S and T.
  void run() {
    // Balanced growth: the trees take turns.
    bool forward = true;
    for (;;) {
      if (forward) {
        active_.swap(s_next_);
        s_next_.clear();
        ++top_s_;
        grow<true>();
      } else {
        active_.swap(t_next_);
        t_next_.clear();
        ++top_t_;
        grow<false>();
      }
      if (s_next_.empty() || t_next_.empty()) break;
      forward = !forward;
    }
    excess_[source_] = excess_[sink_] = 0;
  }

  // What the augmentations added to the flow into the sink.
  [[nodiscard]] std::int64_t into_sink() const { return into_sink_; }

 private:
  // Whether slot a (at u, towards v) has residual capacity in the direction a tree grows: u -> v
  // for S, v -> u for T.
  template <bool kS>
  [[nodiscard]] bool open(Index a) const {
    return kS ? residual_[a].capacity > 0 : residual_[a].back_open();
  }
  template <bool kS>
  [[nodiscard]] bool in_tree(Index v) const {
    return kS ? label_[v] > 0 : label_[v] < 0;
  }
  static Index level(std::int32_t label) { return static_cast<Index>(label < 0 ? -label : label); }
  [[nodiscard]] bool is_root(Index v) const { return label_[v] != 0 && tree_[v].parent == kNone; }

  void push(Index a, std::int64_t delta) {
    if (undo_ != nullptr) undo_->push_back({a, residual_[a].capacity, residual_[residual_[a].mate()].capacity});
    FlowNetwork::push(residual_, a, delta);
  }

  // v's parent becomes the head of slot a at v.
  template <bool kS>
  void attach(Index v, Index a) {
    TreeNode& node = tree_[v];
    node.parent = residual_[a].head;
    node.arc = kS ? residual_[a].mate() : a;
    node.current = a;
  }
  // Takes v (and its subtree) from its parent; v becomes a root.
  void detach(Index v) {
    TreeNode& node = tree_[v];
    node.parent = kNone;
    node.current = first_[v];  // a former root looks for a parent from its first slot
  }
  // Orphans x's children. The trees keep no list of a node's children (which every attach and
  // detach would update, at a parent and a sibling elsewhere in memory): a child of x is a
  // neighbour that hangs from x by the slot between them, found when x is relabelled.
  template <bool kS>
  void orphan_children(Index x) {
    for (Index a = first_[x]; a < first_[x + 1]; ++a) {
      const Index y = residual_[a].head;
      if (tree_[y].parent == x && in_tree<kS>(y) && tree_[y].arc == (kS ? a : residual_[a].mate())) {
        tree_[y].parent = kNone;
        add_orphan(y);
      }
    }
  }
  void orphan(Index v) {
    detach(v);
    add_orphan(v);
  }
  void add_orphan(Index v) {
    const Index l = level(label_[v]);
    if (orphans_.size() <= l) orphans_.resize(l + 1);
    orphans_[l].push_back(v);
    lowest_orphan_ = std::min(lowest_orphan_, l);
  }

  // Scans the nodes one level below the tree's new top, adding their free neighbours at the top.
  template <bool kS>
  void grow() {
    const std::int32_t scanned = kS ? top_s_ - 1 : -(top_t_ - 1);
    const std::int32_t added = kS ? top_s_ : -top_t_;
    std::vector<Index>& next = kS ? s_next_ : t_next_;
    for (std::size_t i = 0; i < active_.size(); ++i) {
      const Index x = active_[i];
      if (label_[x] != scanned) continue;
      for (Index a = first_[x]; a < first_[x + 1];) {
        if (!open<kS>(a)) {
          ++a;
          continue;
        }
        const Index y = residual_[a].head;
        if (label_[y] == 0) {
          label_[y] = added;
          attach<kS>(y, residual_[a].mate());
          tree_[y].current = first_[y];  // no slot of y has been looked at yet
          next.push_back(y);
        } else if (in_tree<!kS>(y)) {
          if (kS) {
            augment(x, a);
          } else {
            augment(y, residual_[a].mate());
          }
          if (label_[x] != scanned) break;
          if (open<kS>(a)) continue;  // the same arc can carry more
        }
        ++a;
      }
    }
  }

  // Augments along S's path to u, the arc from u in slot `bridge`, and T's path from its head.
  void augment(Index u, Index bridge) {
    std::int64_t delta = residual_[bridge].capacity;
    path_.clear();
    Index s_root = u;
    for (; tree_[s_root].parent != kNone; s_root = tree_[s_root].parent) {
      delta = std::min(delta, residual_[tree_[s_root].arc].capacity);
      path_.push_back(s_root);
    }
    const std::size_t s_side = path_.size();
    Index t_root = residual_[bridge].head;
    for (; tree_[t_root].parent != kNone; t_root = tree_[t_root].parent) {
      delta = std::min(delta, residual_[tree_[t_root].arc].capacity);
      path_.push_back(t_root);
    }
    delta = std::min({delta, excess_[s_root], -excess_[t_root]});
    push(bridge, delta);
    push_path(s_side, path_.size(), delta);
    give_to_t_root(t_root, delta);
    adopt<false>();
    push_path(0, s_side, delta);
    take_from_s_root(s_root, delta);
    adopt<true>();
  }

  // Pushes delta along path_[from..to), each node by its tree arc, orphaning the nodes whose arc it
  // saturates.
  void push_path(std::size_t from, std::size_t to, std::int64_t delta) {
    for (std::size_t i = from; i < to; ++i) {
      const Index v = path_[i];
      push(tree_[v].arc, delta);
      if (residual_[tree_[v].arc].capacity == 0) orphan(v);
    }
  }
  // A root of S (the source or a node with excess) sends delta; one left without excess is an orphan.
  void take_from_s_root(Index s_root, std::int64_t delta) {
    if (s_root != source_ && (excess_[s_root] -= delta) == 0) add_orphan(s_root);
  }
  // A root of T (the sink or a node with demand) receives delta; one left without demand is an orphan.
  void give_to_t_root(Index t_root, std::int64_t delta) {
    if (t_root == sink_) {
      into_sink_ += delta;
    } else if ((excess_[t_root] += delta) == 0) {
      add_orphan(t_root);
    }
  }

  // One push for v: from a root of S along S's path to v (v in S, with demand), or from v along
  // T's path to a root of T (v in T, with excess); the half of an augmentation in that tree. False,
  // with nothing pushed, when the path ends at an orphan (none is left after an adoption).
  template <bool kS>
  bool serve(Index v) {
    std::int64_t delta = kS ? -excess_[v] : excess_[v];
    path_.clear();
    Index root = v;
    for (; tree_[root].parent != kNone; root = tree_[root].parent) {
      delta = std::min(delta, residual_[tree_[root].arc].capacity);
      path_.push_back(root);
    }
    // Roots of S have excess and roots of T demand, so v is not one of them.
    if (root == v || (kS ? excess_[root] <= 0 : excess_[root] >= 0)) return false;
    delta = std::min(delta, kS ? excess_[root] : -excess_[root]);
    excess_[v] += kS ? delta : -delta;
    push_path(0, path_.size(), delta);
    if (kS) {
      take_from_s_root(root, delta);
    } else {
      give_to_t_root(root, delta);
    }
    return true;
  }

  // Serves v (with demand in S, or with excess in T) as far as its tree paths go.
  template <bool kS>
  void serve_fully(Index v) {
    while (in_tree<kS>(v) && (kS ? excess_[v] < 0 : excess_[v] > 0) && serve<kS>(v)) adopt<kS>();
  }

  // Orphans, lowest level first, find a parent one level up, or are relabelled, or leave the tree.
  template <bool kS>
  void adopt() {
    const Index top = static_cast<Index>(kS ? top_s_ : top_t_);
    std::vector<Index>& next = kS ? s_next_ : t_next_;
    for (Index l = lowest_orphan_; l < orphans_.size(); ++l) {
      while (!orphans_[l].empty()) {
        const Index x = orphans_[l].back();
        orphans_[l].pop_back();
        if (kS) ++s_orphans_;
        const std::int32_t up = kS ? label_[x] - 1 : label_[x] + 1;
        const Index end = first_[x + 1];
        Index a = l > 1 ? tree_[x].current : end;  // a node at level 1 has no level above it
        while (a < end && !(label_[residual_[a].head] == up && open<!kS>(a))) ++a;
        if (a < end) {
          attach<kS>(x, a);
          continue;
        }
        if (l == top) {  // no children yet, and the next growth adds x again if it can
          label_[x] = 0;
          continue;
        }
        // The lowest level below the top from which a residual arc reaches x.
        Index best = top, slot = kNone;
        for (a = first_[x]; a < end; ++a) {
          const Index y = residual_[a].head;
          if (!in_tree<kS>(y) || level(label_[y]) >= best || !open<!kS>(a)) continue;
          best = level(label_[y]);
          slot = a;
        }
        if (slot != kNone && best + 1 == l) {
          attach<kS>(x, slot);
          continue;
        }
        orphan_children<kS>(x);
        if (slot == kNone) {
          label_[x] = 0;
          continue;
        }
        label_[x] = kS ? static_cast<std::int32_t>(best + 1) : -static_cast<std::int32_t>(best + 1);
        attach<kS>(x, slot);
        if (best + 1 == top) next.push_back(x);
      }
    }
    lowest_orphan_ = kNone;
  }

  std::vector<Undo>* undo_;   // where each push first notes the two slots it changes; null: not noted
  const std::vector<Index>& first_;
  std::vector<Residual>& residual_;
  std::vector<std::int32_t>& label_;  // level in S (> 0) or minus level in T (< 0); 0 outside both
  std::vector<TreeNode>& tree_;
  std::vector<std::int64_t>& excess_;  // kUnbounded at the source, -kUnbounded at the sink
  const Index source_, sink_;
  std::vector<Index> active_, s_next_, t_next_, path_;
  std::vector<std::vector<Index>> orphans_;  // by level
  Index lowest_orphan_ = kNone;
  std::int32_t top_s_ = 1, top_t_ = 1;
  std::int64_t into_sink_ = 0;
  std::size_t s_orphans_ = 0;  // orphans of S taken up by adopt() since the start
};

namespace {

std::int64_t saturating_add(std::int64_t a, std::int64_t b) { return b < kUnbounded - a ? a + b : kUnbounded; }

}  // namespace

std::int64_t FlowNetwork::max_flow(Index source, Index sink, Repairs repairs) {
  assert(source < node_count_ && sink < node_count_ && node_count_ < (Index{1} << 31));
  finalize();
  source_ = source;
  sink_ = sink;
  base_label_.clear();
  base_tree_.clear();
  solved_flow_.clear();
  source_depth_ = sink_depth_ = 0;
  if (source_ == sink_ || unbounded_path(first_, residual_, source_, sink_)) return value_ = kUnbounded;
  greedy_flow(residual_);
  std::vector<std::int32_t> label(node_count_, 0);
  std::vector<TreeNode> tree(node_count_);
  std::vector<std::int64_t> excess(node_count_, 0);
  Ibfs search(first_, residual_, label, tree, excess, source_, sink_);
  search.start_fresh();
  search.run();
  value_ = inflow_to_sink(residual_);
  if (value_ < kUnbounded && repairs == Repairs::prepare) build_base_trees();
  return value_;
}

// The flow into the sink (the search never sends any out of it), saturated at kUnbounded. An
// arc's flow is the residual capacity of its backward slot.
std::int64_t FlowNetwork::inflow_to_sink(const std::vector<Residual>& residual) const {
  std::int64_t flow = 0;
  for (const Index forward : arc_slot_) {
    if (forward == kNone || residual[forward].head != sink_) continue;
    flow = saturating_add(flow, residual[residual[forward].mate()].capacity);
  }
  return flow;
}

// A quick first flow for the search to finish, in passes over the nodes in topological order
// (of the arcs with capacity; on a graph with cycles, of the arcs that go forward in the order
// found): the network here is a layered DAG, and these passes run through memory in order, where
// the search jumps around it. 1. supply: an upper bound on what each node can receive. 2. claims,
// sink side first: each node claims room at its customers for at most its supply; a customer's
// room is what it has claimed further on less what others claimed from it, so whatever a node has
// claimed it can pass on whole. 3. the claims become flow, and a node that received less than it
// claimed gives back the difference on its outgoing arcs, which its customers (later in the
// order) see before their turn. On the synthetic chain this finds about three quarters of the
// maximum flow, and the search that follows does about half the work it would from nothing.
void FlowNetwork::greedy_flow(std::vector<Residual>& residual) const {
  const Index n = node_count_;
  // The order: the source, the others by index, the sink, if that is topological (it is for
  // split networks, whose ids follow the layers); else Kahn's, nodes on or behind a cycle last.
  std::vector<Index> order;
  order.reserve(n);
  order.push_back(source_);
  for (Index v = 0; v < n; ++v) {
    if (v != source_ && v != sink_) order.push_back(v);
  }
  order.push_back(sink_);
  std::vector<Index> position(n);
  for (Index i = 0; i < n; ++i) position[order[i]] = i;
  // Before any flow, the slots with capacity are the forward slots of arcs.
  const auto usable = [&](Index u, const Residual& r) { return r.capacity > 0 && r.head != source_ && u != sink_; };
  bool topological = true;
  for (Index u = 0; u < n && topological; ++u) {
    for (Index a = first_[u]; a < first_[u + 1]; ++a) {
      if (usable(u, residual[a]) && position[residual[a].head] <= position[u]) {
        topological = false;
        break;
      }
    }
  }
  if (!topological) {
    std::vector<Index> indegree(n, 0);
    for (Index u = 0; u < n; ++u) {
      for (Index a = first_[u]; a < first_[u + 1]; ++a) {
        if (usable(u, residual[a])) ++indegree[residual[a].head];
      }
    }
    order.clear();
    std::vector<std::uint8_t> placed(n, 0);
    for (Index v = 0; v < n; ++v) {
      if (indegree[v] == 0) {
        order.push_back(v);
        placed[v] = 1;
      }
    }
    for (std::size_t i = 0; i < order.size(); ++i) {
      const Index u = order[i];
      for (Index a = first_[u]; a < first_[u + 1]; ++a) {
        if (usable(u, residual[a]) && --indegree[residual[a].head] == 0) {
          order.push_back(residual[a].head);
          placed[residual[a].head] = 1;
        }
      }
    }
    for (Index v = 0; v < n; ++v) {
      if (!placed[v]) order.push_back(v);
    }
    for (Index i = 0; i < n; ++i) position[order[i]] = i;
  }
  const auto forward = [&](Index u, const Residual& r) { return usable(u, r) && position[r.head] > position[u]; };

  // 1. supply[v]: at most what v can receive along forward arcs.
  std::vector<std::int64_t> bound(n, 0);
  std::vector<std::int64_t>& supply = bound;
  supply[source_] = kUnbounded;
  for (const Index u : order) {
    if (supply[u] == 0) continue;
    for (Index a = first_[u]; a < first_[u + 1]; ++a) {
      const Residual& r = residual[a];
      if (forward(u, r)) supply[r.head] = saturating_add(supply[r.head], std::min(r.capacity, supply[u]));
    }
  }
  // 2. claimed[v] (in bound, replacing the supply once v's turn is over): what v has claimed;
  // received[v]: what others claimed from v. Claims are written as flow at once.
  std::vector<std::int64_t>& claimed = bound;
  std::vector<std::int64_t> received(n, 0);
  claimed[sink_] = kUnbounded;
  for (Index i = n; i-- > 0;) {
    const Index u = order[i];
    if (u == sink_) continue;
    std::int64_t need = supply[u], got = 0;
    for (Index a = first_[u]; a < first_[u + 1] && need > 0; ++a) {
      Residual& r = residual[a];
      if (!forward(u, r)) continue;
      const std::int64_t room = r.head == sink_ ? kUnbounded : claimed[r.head] - received[r.head];
      const std::int64_t c = std::min({r.capacity, room, need});
      if (c <= 0) continue;
      push(residual, a, c);
      if (r.head != sink_) received[r.head] += c;
      need -= c;
      got += c;
    }
    claimed[u] = got;
  }
  // 3. A node that received less than it claimed sends less on, on the arcs it claimed on: the
  // forward slots towards later nodes (a slot there may also be the backward slot of an arc
  // against the order, which carries nothing).
  std::vector<std::uint8_t> is_forward(residual.size(), 0);
  for (Index slot : arc_slot_) {
    if (slot != kNone) is_forward[slot] = 1;
  }
  for (const Index u : order) {
    if (u == source_ || u == sink_) continue;
    std::int64_t surplus = claimed[u] - received[u];
    for (Index a = first_[u]; a < first_[u + 1] && surplus > 0; ++a) {
      Residual& r = residual[a];
      if (!r.back_open() || !is_forward[a] || position[r.head] < position[u]) continue;
      const std::int64_t d = std::min(surplus, residual[r.mate()].capacity);
      push(residual, r.mate(), d);  // less on slot a: more on its mate
      if (r.head != sink_) received[r.head] -= d;
      surplus -= d;
    }
    assert(surplus == 0);
  }
}

// The breadth-first trees of the residual graph after a finite max_flow(): S from the source
// (labels 1, 2, ...; a node's arc is its parent's slot) and T into the sink (labels -1, -2, ...; a
// node's arc is its own slot). A maximum flow leaves no residual path from S to T, so they are
// disjoint.
void FlowNetwork::build_base_trees() {
  base_label_.assign(node_count_, 0);
  base_tree_.assign(node_count_, TreeNode{});
  const auto grow = [&](Index root, bool from_source) {
    const std::int32_t step = from_source ? 1 : -1;
    std::vector<Index> queue{root};
    base_label_[root] = step;
    base_tree_[root].current = first_[root];
    for (std::size_t i = 0; i < queue.size(); ++i) {
      // The queue says which rows come next: start loading them (the row 8 ahead, and where the
      // row 16 ahead starts), as breadth-first searches over the graph do.
      if (i + 16 < queue.size()) __builtin_prefetch(&first_[queue[i + 16]]);
      if (i + 8 < queue.size()) {
        const Index z = queue[i + 8];
        __builtin_prefetch(&residual_[first_[z]]);
        __builtin_prefetch(&base_tree_[z]);
      }
      const Index x = queue[i];
      for (Index a = first_[x]; a < first_[x + 1]; ++a) {
        const Index y = residual_[a].head;
        const bool open = from_source ? residual_[a].capacity > 0 : residual_[a].back_open();
        if (!open || base_label_[y] != 0) continue;
        base_label_[y] = base_label_[x] + step;
        TreeNode& node = base_tree_[y];
        node.parent = x;
        node.arc = from_source ? a : residual_[a].mate();
        node.current = first_[y];  // other parents may come before this slot's mate
        queue.push_back(y);
      }
    }
    return base_label_[queue.back()] * step;
  };
  source_depth_ = grow(source_, true);
  sink_depth_ = grow(sink_, false);
  source_tree_size_ = static_cast<std::size_t>(std::count_if(base_label_.begin(), base_label_.end(),
                                                             [](std::int32_t l) { return l > 0; }));
}

std::int64_t FlowNetwork::max_flow_without(std::span<const Index> arcs) const {
  Workspace workspace;
  return max_flow_without(arcs, workspace);
}

void FlowNetwork::clear_flow(const std::vector<Residual>& from, std::vector<Residual>& to) const {
  to.resize(from.size());
  for (const Index forward : arc_slot_) {
    if (forward == kNone) continue;
    const Index backward = from[forward].mate();
    const Index head = from[forward].head, tail = from[backward].head;
    const std::int64_t capacity = from[forward].capacity + from[backward].capacity;
    to[forward] = {head, backward, capacity};
    to[backward] = {tail, forward | (capacity > 0 ? Residual::kOpen : 0), 0};
  }
}

// When the removed arcs carry most of the flow (a country that holds most of the chain), a repair
// unwinds nearly all of the solve; solving what is left from nothing, with the greedy first flow,
// is then the cheaper way (one repair of 0.6-0.8 s becomes a solve of about 0.2 s at 1e6
// facilities). Either way gives the maximum flow.
bool FlowNetwork::solve_afresh(std::span<const Index> arcs) const {
  std::int64_t carried = 0;
  for (Index arc : arcs) {
    if (arc_slot_[arc] == kNone) continue;
    carried = saturating_add(carried, residual_[residual_[arc_slot_[arc]].mate()].capacity);  // its flow
  }
  return value_ < kUnbounded && carried > value_ / 2;
}

std::int64_t FlowNetwork::max_flow_without(std::span<const Index> arcs, Workspace& w) const {
  assert(source_ != kNone);
  if (source_ == sink_) return kUnbounded;
  const bool afresh = solve_afresh(arcs);
  // Copies into buffers that keep their size: no allocation (nor page faults) after the first.
  if (afresh) {
    clear_flow(residual_, w.residual);
  } else {
    w.residual.assign(residual_.begin(), residual_.end());
  }
  return solve_without(arcs, afresh, w.residual, w, nullptr);
}

// The same on this network's own residual graph, put back afterwards: no copy of it (72 MiB for
// the whole-graph network at 1e6 facilities). A repair notes the two slots of each change it makes
// (the removed arcs, then every push: a few hundred thousand at 1e6) and puts them back in reverse
// order. Solving afresh changes every slot; pushes move capacity between an arc's two slots, so
// their sum stays, and with the removed arcs' capacities and the solve's flow on each arc (kept
// from the first such call after a max_flow() on) every slot is written back as it was.
std::int64_t FlowNetwork::max_flow_without_here(std::span<const Index> arcs, Workspace& w) {
  assert(source_ != kNone);
  if (source_ == sink_) return kUnbounded;
  const bool afresh = solve_afresh(arcs);
  std::vector<std::pair<Index, std::int64_t>> capacity;   // afresh: of each removed arc, in order
  if (afresh) {
    if (solved_flow_.empty()) {
      solved_flow_.resize(arc_slot_.size());
      for (Index a = 0; a < arc_slot_.size(); ++a) solved_flow_[a] = flow_on(a);
    }
    for (Index arc : arcs) {
      const Index forward = arc_slot_[arc];
      if (forward != kNone) capacity.emplace_back(arc, residual_[forward].capacity + residual_[residual_[forward].mate()].capacity);
    }
  }
  w.undo.clear();
  // Put back on the way out, however it is left (the solve allocates, and may throw).
  struct PutBack {
    FlowNetwork& net;
    bool afresh;
    const std::vector<std::pair<Index, std::int64_t>>& capacity;
    const std::vector<Undo>& undo;
    ~PutBack() {
      std::vector<Residual>& residual = net.residual_;
      for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
        Residual& r = residual[it->slot];
        Residual& mate = residual[r.mate()];
        r.capacity = it->capacity;
        mate.capacity = it->mate_capacity;
        r.set_back_open(mate.capacity > 0);
        mate.set_back_open(r.capacity > 0);
      }
      if (afresh) {
        for (auto it = capacity.rbegin(); it != capacity.rend(); ++it) {   // an arc listed twice: its first
          const Index forward = net.arc_slot_[it->first];
          residual[forward].capacity = it->second;
          residual[residual[forward].mate()].capacity = 0;
        }
        for (Index a = 0; a < net.arc_slot_.size(); ++a) {
          const Index forward = net.arc_slot_[a];
          if (forward == kNone) continue;
          Residual& f = residual[forward];
          Residual& b = residual[f.mate()];
          const std::int64_t total = f.capacity + b.capacity, flow = net.solved_flow_[a];
          f.capacity = total - flow;
          b.capacity = flow;
          f.set_back_open(flow > 0);
          b.set_back_open(total - flow > 0);
        }
      }
#ifndef NDEBUG
      for (const Residual& r : residual) assert(r.back_open() == (residual[r.mate()].capacity > 0));
#endif
    }
  } put_back{*this, afresh, capacity, w.undo};
  if (afresh) clear_flow(residual_, residual_);
  return solve_without(arcs, afresh, residual_, w, afresh ? nullptr : &w.undo);
}

std::int64_t FlowNetwork::solve_without(std::span<const Index> arcs, bool afresh, std::vector<Residual>& residual,
                                        Workspace& w, std::vector<Undo>* undo) const {
  w.excess.assign(node_count_, 0);
  std::vector<Index> removed;  // both slots of each removed arc
  std::vector<Index> demand;
  std::int64_t lost_into_sink = 0;
  for (Index arc : arcs) {
    const Index forward = arc_slot_[arc];
    if (forward == kNone) continue;
    const Index backward = residual[forward].mate();
    const Index from = residual[backward].head, to = residual[forward].head;
    const std::int64_t flow = residual[backward].capacity;  // 0 when listed twice, or afresh
    w.excess[from] += flow;
    w.excess[to] -= flow;
    if (to == sink_) lost_into_sink += flow;
    if (flow > 0 && to != sink_) demand.push_back(to);
    if (undo != nullptr) undo->push_back({forward, residual[forward].capacity, residual[backward].capacity});
    residual[forward].capacity = residual[backward].capacity = 0;
    residual[forward].set_back_open(false);
    residual[backward].set_back_open(false);
    removed.push_back(forward);
    removed.push_back(backward);
  }
  if (afresh || value_ >= kUnbounded) {
    // Solve what is left from nothing: afresh (above), or with no flow to start from (the
    // network was unbounded).
    if (afresh) {
      greedy_flow(residual);
    } else if (unbounded_path(first_, residual, source_, sink_)) {
      return kUnbounded;
    }
    w.label.assign(node_count_, 0);
    w.tree.assign(node_count_, TreeNode{});
    Ibfs search(first_, residual, w.label, w.tree, w.excess, source_, sink_, undo);
    search.start_fresh();
    search.run();
    return inflow_to_sink(residual);
  }
  assert(!base_label_.empty());  // max_flow() with Repairs::prepare
  w.label.assign(base_label_.begin(), base_label_.end());
  w.tree.assign(base_tree_.begin(), base_tree_.end());
  std::sort(demand.begin(), demand.end());
  demand.erase(std::unique(demand.begin(), demand.end()), demand.end());
  Ibfs search(first_, residual, w.label, w.tree, w.excess, source_, sink_, undo);
  const double budget = w.regrowth * static_cast<double>(source_tree_size_);
  search.start_from_base_trees(source_depth_, sink_depth_, removed, demand,
                               budget < 1e18 ? static_cast<std::size_t>(budget) : std::numeric_limits<std::size_t>::max());
  search.run();
  // The flow into the sink less the demand no flow reached: what a maximum flow delivers once the
  // excess left goes back to the source (see the note below).
  std::int64_t flow = value_ - lost_into_sink + search.into_sink();
  for (Index v : demand) flow += std::min<std::int64_t>(w.excess[v], 0);
  return flow;
}

// Why the repair's value is the maximum flow: at the end no residual path leads from the source
// or an excess to the sink or a demand. Returning the excess left to the source and the demand
// left to the sink along the flow's own paths would make it a flow again, and a maximum one: those
// paths stay on either side of the set the source and the excess reach, which is then a minimum
// cut. Only the value is wanted: the sink's inflow less the demand left.

std::int64_t FlowNetwork::flow_on(Index arc) const {
  return arc_slot_[arc] == kNone ? 0 : residual_[residual_[arc_slot_[arc]].mate()].capacity;
}

std::vector<std::uint8_t> FlowNetwork::source_side() const {
  std::vector<std::uint8_t> side(node_count_, 0);
  if (source_ == kNone) return side;
  if (!base_label_.empty()) {  // the trees of the last max_flow()
    for (Index v = 0; v < node_count_; ++v) side[v] = base_label_[v] > 0 ? 1 : 0;
    return side;
  }
  std::vector<Index> queue{source_};
  side[source_] = 1;
  for (std::size_t i = 0; i < queue.size(); ++i) {
    const Index v = queue[i];
    for (Index a = first_[v]; a < first_[v + 1]; ++a) {
      const Residual& r = residual_[a];
      if (r.capacity == 0 || side[r.head]) continue;
      side[r.head] = 1;
      queue.push_back(r.head);
    }
  }
  return side;
}

namespace {

constexpr Index kSource = 0;
constexpr Index kSink = 1;

// The split network over the vertices that lie on some source -> sink path. Vertex v becomes
// in-node -> out-node with capacity[v] (arc v's place in `split`; `removable` vertices are split
// even when uncapacitated); sinks become the super-sink itself. A vertex fed by the
// source alone has the source as its in-node, and one that feeds sinks alone has the sink as its
// out-node: the node it replaces would join the source (sink) by uncapacitated arcs, so every
// minimum cut has it on the source (sink) side anyway, and the network shrinks.
struct SplitNetwork {
  FlowNetwork network;
  std::vector<Index> in_node, out_node;  // per graph vertex; kNone outside the network
  std::vector<Index> split;              // vertices with an in -> out arc
};

enum class Role : std::uint8_t { outside, plain, split, sink };

SplitNetwork split_network(const SupplyGraph& graph, const GraphMask& mask, Index source, std::span<const Index> sinks,
                           std::span<const std::int64_t> capacity, const std::vector<std::uint8_t>& relevant,
                           const std::vector<std::uint8_t>& removable = {}) {
  const Index n = graph.vertex_count();
  std::vector<Role> role(n, Role::outside);
  for (Index v = 0; v < n; ++v) {
    if (relevant[v]) {
      role[v] = capacity[v] < kUnbounded || (!removable.empty() && removable[v]) ? Role::split : Role::plain;
    }
  }
  for (Index t : sinks) role[t] = relevant[t] ? Role::sink : Role::outside;
  role[source] = Role::plain;
  // The arcs of the network: usable edges between vertices in it, except those into the source.
  const auto joins = [&](Index u, const Adjacent& a) {
    return a.vertex != u && role[a.vertex] != Role::outside && a.vertex != source && mask.edge(a.edge);
  };
  SplitNetwork s;
  s.in_node.assign(n, kNone);
  s.out_node.assign(n, kNone);
  Index nodes = 2;
  std::size_t arcs = 0;  // at most: the out-edges of the vertices that have an out-node
  for (Index v = 0; v < n; ++v) {
    switch (role[v]) {
      case Role::outside: break;
      case Role::sink: s.in_node[v] = s.out_node[v] = kSink; break;
      case Role::plain:
        s.in_node[v] = s.out_node[v] = v == source ? kSource : nodes++;
        arcs += graph.out(v).size();
        break;
      case Role::split: {
        arcs += graph.out(v).size();
        bool from_source = false, from_elsewhere = false, to_sink = false, to_elsewhere = false;
        for (const Adjacent& a : graph.in(v)) {
          if (role[a.vertex] != Role::outside && a.vertex != v && mask.edge(a.edge)) {
            (a.vertex == source ? from_source : from_elsewhere) = true;
          }
        }
        for (const Adjacent& a : graph.out(v)) {
          if (joins(v, a)) (role[a.vertex] == Role::sink ? to_sink : to_elsewhere) = true;
        }
        s.in_node[v] = from_source && !from_elsewhere ? kSource : nodes++;
        s.out_node[v] = to_sink && !to_elsewhere ? kSink : nodes++;
        s.split.push_back(v);
        break;
      }
    }
  }
  s.network = FlowNetwork(nodes);
  s.network.reserve(s.split.size() + arcs);
  for (Index v : s.split) s.network.add_arc(s.in_node[v], s.out_node[v], capacity[v]);
  for (Index u = 0; u < n; ++u) {
    if (role[u] == Role::outside || role[u] == Role::sink || s.out_node[u] == kSink) continue;
    bool to_sink = false;  // one uncapacitated arc to the sink is as good as several
    for (const Adjacent& a : graph.out(u)) {
      const Index w = a.vertex;
      // Arcs into a vertex fed by the source alone are its split arc already.
      if (!joins(u, a) || (role[w] == Role::split && s.in_node[w] == kSource)) continue;
      if (s.in_node[w] == kSink) {
        if (to_sink) continue;
        to_sink = true;
      }
      s.network.add_arc(s.out_node[u], s.in_node[w], kUnbounded);
    }
  }
  return s;
}

}  // namespace

namespace {

// The vertices on some source -> sink path (the sinks' upstream cone, reachable from the source).
std::vector<std::uint8_t> between(const SupplyGraph& graph, const GraphMask& mask, Index source,
                                  std::span<const Index> sinks) {
  const std::array<Index, 1> sources{source};
  const GraphMask cone = restrict_to(mask, reaching(graph, mask, sinks));
  return reachable_from(graph, cone, sources);
}

bool joined(std::span<const Index> sinks, const std::vector<std::uint8_t>& relevant) {
  return std::any_of(sinks.begin(), sinks.end(), [&](Index t) { return relevant[t] != 0; });
}

}  // namespace

CutAndRetained min_vertex_cut_and_without_each(const SupplyGraph& graph, const GraphMask& mask, Index source,
                                              std::span<const Index> sinks, std::span<const std::int64_t> capacity,
                                              const std::vector<std::vector<Index>>& removals, unsigned threads) {
  assert(capacity.size() >= graph.vertex_count());
  CutAndRetained result;
  std::vector<std::int64_t>& flows = result.without;
  flows.assign(removals.size(), 0);
  const std::vector<std::uint8_t> relevant = between(graph, mask, source, sinks);
  if (!relevant[source] || !joined(sinks, relevant)) return result;
  std::vector<std::uint8_t> is_sink(graph.vertex_count(), 0);
  for (Index t : sinks) is_sink[t] = 1;
  if (is_sink[source]) {
    result.cut.max_flow = kUnbounded;
    std::fill(flows.begin(), flows.end(), kUnbounded);
    return result;
  }
  // One network with every vertex of some group split, solved once; each group then starts from
  // a copy of its flow with the group's arcs removed. Groups are independent: each worker takes
  // the next one, so the values do not depend on the number of threads.
  std::vector<std::uint8_t> removable(graph.vertex_count(), 0);
  for (const auto& group : removals) {
    for (Index v : group) removable[v] = v != source && relevant[v] && !is_sink[v];
  }
  SplitNetwork whole = split_network(graph, mask, source, sinks, capacity, relevant, removable);
  const std::int64_t whole_flow = whole.network.max_flow(
      kSource, kSink, removals.empty() ? FlowNetwork::Repairs::none : FlowNetwork::Repairs::prepare);
  result.cut.max_flow = whole_flow;
  if (whole_flow < kUnbounded) {
    // The cut nearest the source. A vertex split only because it is in a group has an unbounded
    // arc, which a finite flow never saturates, so the cut is min_vertex_cut's.
    const std::vector<std::uint8_t> side = whole.network.source_side();
    for (Index v : whole.split) {
      if (side[whole.in_node[v]] && !side[whole.out_node[v]]) result.cut.cut.push_back(v);
    }
  }
  if (removals.empty()) return result;
  std::vector<Index> arc_of(graph.vertex_count(), kNone);
  for (Index i = 0; i < whole.split.size(); ++i) arc_of[whole.split[i]] = i;
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    FlowNetwork::Workspace workspace;  // reused by this thread's groups
    for (std::size_t i = next++; i < removals.size(); i = next++) {
      std::vector<Index> arcs;
      for (Index v : removals[i]) {
        if (removable[v]) arcs.push_back(arc_of[v]);
      }
      // Removing arcs that carry nothing leaves a maximum flow maximum (a finite one: an unbounded
      // value comes with no flow at all).
      const bool idle = whole_flow < kUnbounded && std::all_of(arcs.begin(), arcs.end(), [&](Index a) {
        return whole.network.flow_on(a) == 0;
      });
      if (idle) {
        flows[i] = whole_flow;
        continue;
      }
      // One thread works on the network itself (no copy of its residual graph); several each on
      // a copy of their own.
      flows[i] = threads <= 1 ? whole.network.max_flow_without_here(arcs, workspace)
                              : whole.network.max_flow_without(arcs, workspace);
    }
  };
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, removals.size()));
  if (threads <= 1) {
    work();
    return result;
  }
  std::vector<std::exception_ptr> failures(threads);
  std::vector<std::thread> pool;
  for (unsigned k = 0; k < threads; ++k) {
    pool.emplace_back([&, k] {
      try {
        work();
      } catch (...) {
        failures[k] = std::current_exception();
        next = removals.size();   // the others stop after their current group
      }
    });
  }
  for (auto& t : pool) t.join();
  for (const auto& f : failures) {
    if (f) std::rethrow_exception(f);
  }
  return result;
}

VertexCut min_vertex_cut(const SupplyGraph& graph, const GraphMask& mask, Index source, std::span<const Index> sinks,
                         std::span<const std::int64_t> capacity) {
  return min_vertex_cut_and_without_each(graph, mask, source, sinks, capacity, {}, 1).cut;
}

std::vector<std::int64_t> max_flow_without_each(const SupplyGraph& graph, const GraphMask& mask, Index source,
                                                std::span<const Index> sinks, std::span<const std::int64_t> capacity,
                                                const std::vector<std::vector<Index>>& removals, unsigned threads) {
  return min_vertex_cut_and_without_each(graph, mask, source, sinks, capacity, removals, threads).without;
}

}  // namespace chokepoint
