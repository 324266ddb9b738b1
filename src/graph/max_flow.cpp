#include "chokepoint/graph/max_flow.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <exception>
#include <thread>

#include "chokepoint/graph/reachability.hpp"

namespace chokepoint {

Index FlowNetwork::add_arc(Index from, Index to, std::int64_t capacity) {
  assert(from < node_count_ && to < node_count_ && capacity >= 0 && capacity <= kUnbounded);
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

// The residual graph in CSR rows; a loop carries nothing and gets no slots.
void FlowNetwork::finalize() {
  const std::size_t arcs = arc_capacity_.size();
  first_.assign(static_cast<std::size_t>(node_count_) + 1, 0);
  for (std::size_t a = 0; a < arcs; ++a) {
    if (arc_from_[a] == arc_to_[a]) continue;
    ++first_[arc_from_[a] + 1];
    ++first_[arc_to_[a] + 1];
  }
  for (Index v = 0; v < node_count_; ++v) first_[v + 1] += first_[v];
  residual_.resize(first_[node_count_]);
  reverse_open_.resize(first_[node_count_]);
  arc_slot_.assign(arcs, kNone);
  std::vector<Index> fill(first_.begin(), first_.end() - 1);
  for (std::size_t a = 0; a < arcs; ++a) {
    if (arc_from_[a] == arc_to_[a]) continue;
    const Index forward = fill[arc_from_[a]]++;
    const Index backward = fill[arc_to_[a]]++;
    residual_[forward] = {arc_to_[a], backward, arc_capacity_[a]};
    residual_[backward] = {arc_from_[a], forward, 0};
    reverse_open_[forward] = 0;
    reverse_open_[backward] = arc_capacity_[a] > 0 ? 1 : 0;
    arc_slot_[a] = forward;
  }
}

bool FlowNetwork::unbounded_path(Index source, Index sink) const {
  std::vector<std::uint8_t> seen(node_count_, 0);
  std::vector<Index> queue{source};
  seen[source] = 1;
  for (std::size_t i = 0; i < queue.size(); ++i) {
    const Index v = queue[i];
    if (v == sink) return true;
    for (Index a = first_[v]; a < first_[v + 1]; ++a) {
      const Residual& r = residual_[a];
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
class FlowNetwork::Ibfs {
 public:
  // `excess`: per node, flow to be sent on (> 0) or received (< 0) besides the source's and the
  // sink's; such nodes are roots of S or T as long as it lasts.
  Ibfs(FlowNetwork& network, Index source, Index sink, std::vector<std::int64_t> excess)
      : first_(network.first_),
        residual_(network.residual_),
        reverse_open_(network.reverse_open_),
        source_(source),
        sink_(sink),
        label_(network.node_count_, 0),
        tree_(network.node_count_),
        excess_(std::move(excess)) {
    excess_[source] = kUnbounded;
    excess_[sink] = -kUnbounded;
    for (Index v = 0; v < network.node_count_; ++v) {
      if (excess_[v] > 0) {
        label_[v] = 1;
        s_next_.push_back(v);
      } else if (excess_[v] < 0) {
        label_[v] = -1;
        t_next_.push_back(v);
      }
    }
  }

  // Augments until no residual path joins the roots of S and T; returns what is left at the nodes
  // with excess (> 0) or demand (< 0), the source's and the sink's excluded.
  std::vector<std::int64_t> run() {
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
    return std::move(excess_);
  }

 private:
  struct Node {
    Index parent = kNone;  // kNone for the roots and for orphans
    Index arc = kNone;     // the slot between parent and node in the direction of flow to the sink
    Index current = 0;     // where the search for a parent resumes
    Index child = kNone;   // the first child; siblings are doubly linked
    Index next = kNone, previous = kNone;
  };

  // Whether slot a (at u, towards v) has residual capacity in the direction a tree grows: u -> v
  // for S, v -> u for T.
  template <bool kS>
  [[nodiscard]] bool open(Index a) const {
    return kS ? residual_[a].capacity > 0 : reverse_open_[a] != 0;
  }
  template <bool kS>
  [[nodiscard]] bool in_tree(Index v) const {
    return kS ? label_[v] > 0 : label_[v] < 0;
  }
  static Index level(std::int32_t label) { return static_cast<Index>(label < 0 ? -label : label); }

  void push(Index a, std::int64_t delta) {
    Residual& r = residual_[a];
    r.capacity -= delta;
    residual_[r.mate].capacity += delta;
    reverse_open_[a] = 1;
    if (r.capacity == 0) reverse_open_[r.mate] = 0;
  }

  // v's parent becomes the head of slot a at v.
  template <bool kS>
  void attach(Index v, Index a) {
    Node& node = tree_[v];
    const Index p = residual_[a].head;
    Node& parent = tree_[p];
    node.parent = p;
    node.arc = kS ? residual_[a].mate : a;
    node.current = a;
    node.previous = kNone;
    node.next = parent.child;
    if (parent.child != kNone) tree_[parent.child].previous = v;
    parent.child = v;
  }
  void orphan(Index v) {
    Node& node = tree_[v];
    if (node.previous == kNone) {
      tree_[node.parent].child = node.next;
    } else {
      tree_[node.previous].next = node.next;
    }
    if (node.next != kNone) tree_[node.next].previous = node.previous;
    node.parent = kNone;
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
          attach<kS>(y, residual_[a].mate);
          tree_[y].current = first_[y];  // no slot of y has been looked at yet
          next.push_back(y);
        } else if (in_tree<!kS>(y)) {
          if (kS) {
            augment(x, a);
          } else {
            augment(y, residual_[a].mate);
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
    for (std::size_t i = s_side; i < path_.size(); ++i) {
      const Index v = path_[i];
      push(tree_[v].arc, delta);
      if (residual_[tree_[v].arc].capacity == 0) orphan(v);
    }
    if (t_root != sink_ && (excess_[t_root] += delta) == 0) add_orphan(t_root);
    adopt<false>();
    for (std::size_t i = 0; i < s_side; ++i) {
      const Index v = path_[i];
      push(tree_[v].arc, delta);
      if (residual_[tree_[v].arc].capacity == 0) orphan(v);
    }
    if (s_root != source_ && (excess_[s_root] -= delta) == 0) add_orphan(s_root);
    adopt<true>();
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
        const std::int32_t up = kS ? label_[x] - 1 : label_[x] + 1;
        const Index end = first_[x + 1];
        Index a = l > 1 ? tree_[x].current : end;  // a former root has no level above it
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
        for (Index c = tree_[x].child; c != kNone;) {
          const Index following = tree_[c].next;
          tree_[c].parent = kNone;
          add_orphan(c);
          c = following;
        }
        tree_[x].child = kNone;
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

  const std::vector<Index>& first_;
  std::vector<Residual>& residual_;
  std::vector<std::uint8_t>& reverse_open_;
  const Index source_, sink_;
  std::vector<std::int32_t> label_;  // level in S (> 0) or minus level in T (< 0); 0 outside both
  std::vector<Node> tree_;
  std::vector<std::int64_t> excess_;  // kUnbounded at the source, -kUnbounded at the sink
  std::vector<Index> active_, s_next_, t_next_, path_;
  std::vector<std::vector<Index>> orphans_;  // by level
  Index lowest_orphan_ = kNone;
  std::int32_t top_s_ = 1, top_t_ = 1;
};

std::int64_t FlowNetwork::max_flow(Index source, Index sink) {
  assert(source < node_count_ && sink < node_count_ && node_count_ < (Index{1} << 31));
  finalize();
  source_ = source;
  sink_ = sink;
  return solve(std::vector<std::int64_t>(node_count_, 0));
}

std::int64_t FlowNetwork::max_flow_without(std::span<const Index> arcs) {
  assert(source_ != kNone);
  std::vector<std::int64_t> excess(node_count_, 0);
  for (Index arc : arcs) {
    const Index forward = arc_slot_[arc];
    if (forward == kNone) continue;
    const std::int64_t flow = flow_on(arc);
    excess[arc_from_[arc]] += flow;
    excess[arc_to_[arc]] -= flow;
    arc_capacity_[arc] = 0;
    residual_[forward].capacity = residual_[residual_[forward].mate].capacity = 0;
    reverse_open_[forward] = reverse_open_[residual_[forward].mate] = 0;
  }
  return solve(std::move(excess));
}

// Augments from the flow there is, in which some nodes may hold excess (they received more than
// they sent on) or demand (the reverse), as after max_flow_without(). At the end no residual path
// leads from the source or an excess to the sink or a demand. Returning the excess left to the
// source and the demand left to the sink along the flow's own paths would make it a flow again,
// and a maximum one: those paths stay on either side of the set the source and the excess reach,
// which is then a minimum cut. Only the value is wanted: the sink's inflow less the demand left.
std::int64_t FlowNetwork::solve(std::vector<std::int64_t> excess) {
  if (source_ == sink_ || unbounded_path(source_, sink_)) return kUnbounded;
  const std::vector<std::int64_t> left = Ibfs(*this, source_, sink_, std::move(excess)).run();
  std::int64_t flow = 0;  // into the sink (the search never sends any out of it), saturated at kUnbounded
  for (Index a = 0; a < arc_capacity_.size(); ++a) {
    if (arc_to_[a] != sink_) continue;
    const std::int64_t f = flow_on(a);
    flow = f < kUnbounded - flow ? flow + f : kUnbounded;
  }
  if (flow == kUnbounded) return flow;
  for (std::int64_t e : left) flow += std::min<std::int64_t>(e, 0);
  return flow;
}

std::int64_t FlowNetwork::flow_on(Index arc) const {
  return arc_slot_[arc] == kNone ? 0 : arc_capacity_[arc] - residual_[arc_slot_[arc]].capacity;
}

std::vector<std::uint8_t> FlowNetwork::source_side() const {
  std::vector<std::uint8_t> side(node_count_, 0);
  if (source_ == kNone) return side;
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
  for (Index v = 0; v < n; ++v) {
    switch (role[v]) {
      case Role::outside: break;
      case Role::sink: s.in_node[v] = s.out_node[v] = kSink; break;
      case Role::plain: s.in_node[v] = s.out_node[v] = v == source ? kSource : nodes++; break;
      case Role::split: {
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
  const std::int64_t whole_flow = whole.network.max_flow(kSource, kSink);
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
      FlowNetwork network = whole.network;
      flows[i] = network.max_flow_without(arcs);
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
