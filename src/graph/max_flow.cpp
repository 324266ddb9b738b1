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

void FlowNetwork::finalize() {
  const std::size_t arcs = arc_capacity_.size();
  first_.assign(static_cast<std::size_t>(node_count_) + 1, 0);
  for (std::size_t a = 0; a < arcs; ++a) {
    ++first_[arc_from_[a] + 1];
    ++first_[arc_to_[a] + 1];
  }
  for (Index v = 0; v < node_count_; ++v) first_[v + 1] += first_[v];
  residual_.resize(2 * arcs);
  arc_slot_.resize(arcs);
  std::vector<Index> fill(first_.begin(), first_.end() - 1);
  for (std::size_t a = 0; a < arcs; ++a) {
    const Index forward = fill[arc_from_[a]]++;
    const Index backward = fill[arc_to_[a]]++;
    residual_[forward] = {arc_to_[a], backward, arc_capacity_[a]};
    residual_[backward] = {arc_from_[a], forward, 0};
    arc_slot_[a] = forward;
  }
  level_.assign(node_count_, -1);
  next_arc_.assign(node_count_, 0);
  queue_.reserve(node_count_);
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

// Breadth-first levels over arcs with residual capacity; nodes beyond the sink's level stay unlabelled.
bool FlowNetwork::build_levels(Index source, Index sink) {
  std::fill(level_.begin(), level_.end(), -1);
  queue_.clear();
  queue_.push_back(source);
  level_[source] = 0;
  for (std::size_t i = 0; i < queue_.size(); ++i) {
    const Index v = queue_[i];
    if (level_[sink] >= 0 && level_[v] >= level_[sink]) break;
    for (Index a = first_[v]; a < first_[v + 1]; ++a) {
      const Residual& r = residual_[a];
      if (r.capacity == 0 || level_[r.head] >= 0) continue;
      level_[r.head] = level_[v] + 1;
      queue_.push_back(r.head);
    }
  }
  return level_[sink] >= 0;
}

// One blocking flow along level-increasing arcs, by iterative depth-first search with current-arc pointers.
std::int64_t FlowNetwork::blocking_flow(Index source, Index sink) {
  std::copy(first_.begin(), first_.end() - 1, next_arc_.begin());
  std::int64_t total = 0;
  path_.clear();
  Index v = source;
  for (;;) {
    if (v == sink) {
      std::int64_t bottleneck = kUnbounded;
      for (Index a : path_) bottleneck = std::min(bottleneck, residual_[a].capacity);
      std::size_t retreat = path_.size();
      for (std::size_t i = 0; i < path_.size(); ++i) {
        Residual& r = residual_[path_[i]];
        r.capacity -= bottleneck;
        residual_[r.mate].capacity += bottleneck;
        if (r.capacity == 0 && retreat == path_.size()) retreat = i;
      }
      total += bottleneck;
      path_.resize(retreat);
      v = path_.empty() ? source : residual_[path_.back()].head;
      continue;
    }
    Index& a = next_arc_[v];
    const Index end = first_[v + 1];
    const std::int32_t next_level = level_[v] + 1;
    while (a < end && (residual_[a].capacity == 0 || level_[residual_[a].head] != next_level)) ++a;
    if (a < end) {
      path_.push_back(a);
      v = residual_[a].head;
      continue;
    }
    level_[v] = -1;  // dead end for the rest of this phase
    if (v == source) break;
    const Index back = path_.back();
    path_.pop_back();
    v = residual_[residual_[back].mate].head;
    ++next_arc_[v];
  }
  return total;
}

std::int64_t FlowNetwork::max_flow(Index source, Index sink) {
  assert(source < node_count_ && sink < node_count_);
  finalize();
  source_ = source;
  if (source == sink || unbounded_path(source, sink)) return kUnbounded;
  std::int64_t flow = 0;
  while (build_levels(source, sink)) flow += blocking_flow(source, sink);
  return flow;
}

std::int64_t FlowNetwork::flow_on(Index arc) const { return arc_capacity_[arc] - residual_[arc_slot_[arc]].capacity; }

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
// in-node -> out-node with capacity[v]; sinks become the super-sink itself, and a vertex fed by
// the source alone has the source as its in-node, which keeps the network small.
struct SplitNetwork {
  FlowNetwork network;
  std::vector<Index> in_node, out_node;  // per graph vertex; kNone outside the network
  std::vector<Index> split;              // vertices with an in -> out arc
};

enum class Role : std::uint8_t { outside, plain, split, fed, sink };

std::vector<Role> roles(const SupplyGraph& graph, const GraphMask& mask, Index source, std::span<const Index> sinks,
                        std::span<const std::int64_t> capacity, const std::vector<std::uint8_t>& relevant) {
  std::vector<Role> role(graph.vertex_count(), Role::outside);
  for (Index v = 0; v < graph.vertex_count(); ++v) {
    if (relevant[v]) role[v] = capacity[v] < kUnbounded ? Role::split : Role::plain;
  }
  for (Index t : sinks) role[t] = relevant[t] ? Role::sink : Role::outside;
  role[source] = Role::plain;
  for (Index v = 0; v < graph.vertex_count(); ++v) {
    if (role[v] != Role::split) continue;
    bool from_source = false, from_elsewhere = false;
    for (const Adjacent& a : graph.in(v)) {
      if (!relevant[a.vertex] || !mask.edge(a.edge)) continue;
      (a.vertex == source ? from_source : from_elsewhere) = true;
    }
    if (from_source && !from_elsewhere) role[v] = Role::fed;
  }
  return role;
}

SplitNetwork split_network(const SupplyGraph& graph, const GraphMask& mask, Index source,
                           std::span<const Index> sinks, std::span<const std::int64_t> capacity,
                           const std::vector<std::uint8_t>& relevant) {
  const std::vector<Role> role = roles(graph, mask, source, sinks, capacity, relevant);
  SplitNetwork s;
  s.in_node.assign(graph.vertex_count(), kNone);
  s.out_node.assign(graph.vertex_count(), kNone);
  Index nodes = 2;
  for (Index v = 0; v < graph.vertex_count(); ++v) {
    switch (role[v]) {
      case Role::outside: break;
      case Role::sink: s.in_node[v] = s.out_node[v] = kSink; break;
      case Role::plain: s.in_node[v] = s.out_node[v] = v == source ? kSource : nodes++; break;
      case Role::fed: s.in_node[v] = kSource; s.out_node[v] = nodes++; break;
      case Role::split: s.in_node[v] = nodes++; s.out_node[v] = nodes++; break;
    }
    if (role[v] == Role::fed || role[v] == Role::split) s.split.push_back(v);
  }
  s.network = FlowNetwork(nodes);
  for (Index v : s.split) s.network.add_arc(s.in_node[v], s.out_node[v], capacity[v]);
  for (Index u = 0; u < graph.vertex_count(); ++u) {
    if (role[u] == Role::outside || role[u] == Role::sink) continue;
    for (const Adjacent& a : graph.out(u)) {
      const Index w = a.vertex;
      // Arcs into a fed vertex come from the source and are its split arc already.
      if (w == u || role[w] == Role::outside || role[w] == Role::fed || w == source || !mask.edge(a.edge)) continue;
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

VertexCut min_vertex_cut(const SupplyGraph& graph, const GraphMask& mask, Index source, std::span<const Index> sinks,
                         std::span<const std::int64_t> capacity) {
  assert(capacity.size() >= graph.vertex_count());
  VertexCut result;
  const std::vector<std::uint8_t> relevant = between(graph, mask, source, sinks);
  if (!relevant[source] || !joined(sinks, relevant)) return result;
  if (std::find(sinks.begin(), sinks.end(), source) != sinks.end()) {
    result.max_flow = kUnbounded;
    return result;
  }
  SplitNetwork s = split_network(graph, mask, source, sinks, capacity, relevant);
  result.max_flow = s.network.max_flow(kSource, kSink);
  if (result.max_flow >= kUnbounded) return result;
  const std::vector<std::uint8_t> side = s.network.source_side();
  for (Index v : s.split) {
    if (side[s.in_node[v]] && !side[s.out_node[v]]) result.cut.push_back(v);
  }
  return result;
}

std::vector<std::int64_t> max_flow_without_each(const SupplyGraph& graph, const GraphMask& mask, Index source,
                                                std::span<const Index> sinks, std::span<const std::int64_t> capacity,
                                                const std::vector<std::vector<Index>>& removals, unsigned threads) {
  assert(capacity.size() >= graph.vertex_count());
  std::vector<std::int64_t> flows(removals.size(), 0);
  const std::vector<std::uint8_t> relevant = between(graph, mask, source, sinks);
  if (!relevant[source] || !joined(sinks, relevant)) return flows;
  std::vector<std::uint8_t> is_sink(graph.vertex_count(), 0);
  for (Index t : sinks) is_sink[t] = 1;
  if (is_sink[source]) {
    std::fill(flows.begin(), flows.end(), kUnbounded);
    return flows;
  }
  // Groups are independent: each worker takes the next one and solves it on its own copy of the
  // network, so the values do not depend on the number of threads.
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    std::vector<std::uint8_t> here = relevant;
    for (std::size_t i = next++; i < removals.size(); i = next++) {
      std::vector<Index> removed;
      for (Index v : removals[i]) {
        if (v == source || !here[v] || is_sink[v]) continue;
        here[v] = 0;
        removed.push_back(v);
      }
      // Vertices left without a path through the removed ones only carry no flow: no new search needed.
      SplitNetwork s = split_network(graph, mask, source, sinks, capacity, here);
      flows[i] = s.network.max_flow(kSource, kSink);
      for (Index v : removed) here[v] = 1;
    }
  };
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, removals.size()));
  if (threads <= 1) {
    work();
    return flows;
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
  return flows;
}

}  // namespace chokepoint
