#include "chokepoint/graph/dominators.hpp"

#include <algorithm>
#include <unordered_map>

namespace chokepoint {
namespace {

// Vertices reachable from the entry, numbered in depth-first preorder, with their tree parents.
struct Preorder {
  std::vector<Index> number;     // per vertex; kNone when unreachable
  std::vector<Index> vertex_of;  // per preorder number
  std::vector<Index> parent;     // per preorder number, as a preorder number
};

Preorder depth_first_preorder(const SupplyGraph& graph, const GraphMask& mask, Index entry) {
  Preorder p;
  p.number.assign(graph.vertex_count(), kNone);
  if (!mask.vertex(entry)) return p;
  std::vector<std::pair<Index, Index>> stack;  // vertex, next position in its out-row
  p.number[entry] = 0;
  p.vertex_of.push_back(entry);
  p.parent.push_back(kNone);
  stack.emplace_back(entry, 0);
  while (!stack.empty()) {
    auto& [v, pos] = stack.back();
    const auto row = graph.out(v);
    while (pos < row.size()) {
      const Index w = row[pos].vertex;
      if (p.number[w] == kNone && mask.edge(row[pos].edge) && mask.vertex(w)) break;
      ++pos;
    }
    if (pos == row.size()) {
      stack.pop_back();
      continue;
    }
    const Index w = row[pos++].vertex;
    for (const Adjacent& a : graph.out(w)) __builtin_prefetch(&p.number[a.vertex]);  // overlap the misses
    p.number[w] = static_cast<Index>(p.vertex_of.size());
    p.parent.push_back(p.number[v]);
    p.vertex_of.push_back(w);
    stack.emplace_back(w, 0);
  }
  return p;
}

// The usable predecessors of every reachable vertex, as preorder numbers, in preorder rows. Built in
// vertex order so that the scattered loads are independent of each other (memory-level parallelism).
struct PreorderPredecessors {
  std::vector<Index> offset, items;
};

PreorderPredecessors preorder_predecessors(const SupplyGraph& graph, const GraphMask& mask, const Preorder& p) {
  const auto count = static_cast<Index>(p.vertex_of.size());
  PreorderPredecessors pp;
  pp.offset.assign(static_cast<std::size_t>(count) + 1, 0);
  for (Index v = 0; v < graph.vertex_count(); ++v) {
    if (p.number[v] == kNone) continue;
    Index degree = 0;
    for (const Adjacent& a : graph.in(v)) degree += p.number[a.vertex] != kNone && mask.edge(a.edge) ? 1 : 0;
    pp.offset[p.number[v] + 1] = degree;
  }
  for (Index w = 0; w < count; ++w) pp.offset[w + 1] += pp.offset[w];
  pp.items.resize(pp.offset[count]);
  for (Index v = 0; v < graph.vertex_count(); ++v) {
    if (p.number[v] == kNone) continue;
    Index slot = pp.offset[p.number[v]];
    for (const Adjacent& a : graph.in(v)) {
      const Index u = p.number[a.vertex];
      if (u != kNone && mask.edge(a.edge)) pp.items[slot++] = u;
    }
  }
  return pp;
}

// Semidominators by Lengauer-Tarjan's eval/link with path compression ("simple" version), iterative.
class SemiDominators {
 public:
  explicit SemiDominators(Index count)
      : semi_(count), label_(count), ancestor_(count, kNone) {
    for (Index i = 0; i < count; ++i) semi_[i] = label_[i] = i;
  }
  [[nodiscard]] Index semi(Index w) const { return semi_[w]; }
  void set_semi(Index w, Index s) { semi_[w] = s; }
  void link(Index w, Index parent) { ancestor_[w] = parent; }

  // The smallest semidominator on the linked path above a processed vertex v.
  Index eval_semi(Index v) {
    if (ancestor_[v] == kNone) return semi_[v];
    compress(v);
    return semi_[label_[v]];
  }

 private:
  void compress(Index v) {
    path_.clear();
    for (Index x = v; ancestor_[ancestor_[x]] != kNone; x = ancestor_[x]) path_.push_back(x);
    for (auto it = path_.rbegin(); it != path_.rend(); ++it) {
      const Index x = *it;
      const Index a = ancestor_[x];
      if (semi_[label_[a]] < semi_[label_[x]]) label_[x] = label_[a];
      ancestor_[x] = ancestor_[a];
    }
  }

  std::vector<Index> semi_, label_, ancestor_, path_;
};

// Any graph: semi-NCA over a depth-first preorder.
std::vector<Index> semi_nca_dominators(const SupplyGraph& graph, const GraphMask& mask, Index entry) {
  const Preorder p = depth_first_preorder(graph, mask, entry);
  const auto count = static_cast<Index>(p.vertex_of.size());
  SemiDominators sd(count);
  const PreorderPredecessors pred = preorder_predecessors(graph, mask, p);
  for (Index w = count; w-- > 1;) {
    Index s = sd.semi(w);
    for (Index i = pred.offset[w]; i < pred.offset[w + 1]; ++i) {
      const Index u = pred.items[i];
      s = std::min(s, u <= w ? u : sd.eval_semi(u));
    }
    sd.set_semi(w, s);
    sd.link(w, p.parent[w]);
  }
  // Semi-NCA: idom(w) is the nearest common ancestor of parent(w) and semi(w) in the dominator tree.
  std::vector<Index> idom_pre(count, 0);
  for (Index w = 1; w < count; ++w) {
    Index x = p.parent[w];
    while (x > sd.semi(w)) x = idom_pre[x];
    idom_pre[w] = x;
  }
  std::vector<Index> idom(graph.vertex_count(), kNone);
  for (Index w = 1; w < count; ++w) idom[p.vertex_of[w]] = p.vertex_of[idom_pre[w]];
  return idom;
}

// Whether the edge `a` at v counts: switched on, to a vertex switched on, and not a self-loop
// (which never changes dominators).
bool usable(const GraphMask& mask, const Adjacent& a, Index v) {
  return a.vertex != v && mask.edge(a.edge) && mask.vertex(a.vertex);
}

// The nearest common ancestor of ranks u and d in the dominator tree found so far (idom_rank, by
// rank): an ancestor comes earlier in a topological order, so the walk up compares ranks.
Index meet(Index u, Index d, const std::vector<Index>& idom_rank) {
  while (u != d) {
    while (u > d) u = idom_rank[u];
    while (d > u) d = idom_rank[d];
  }
  return d;
}

// In a topological order every predecessor of v comes before v, so when v's turn comes the
// dominator tree of everything before it is final and idom(v) is the nearest common ancestor of
// v's reachable predecessors (Cooper, Harvey & Kennedy 2001, "A simple, fast dominance
// algorithm", which converges in one pass in this order). Returns idom(v) as a rank; kNone when no
// predecessor is reachable. `rank_of` gives a predecessor's rank.
template <class RankOf>
Index idom_rank_of(const SupplyGraph& graph, const GraphMask& mask, Index v, RankOf rank_of, Index entry_rank,
                   const std::vector<Index>& idom_rank) {
  Index d = kNone;
  for (const Adjacent& a : graph.in(v)) {
    if (!usable(mask, a, v)) continue;
    const Index u = rank_of(a.vertex);
    if (u != entry_rank && idom_rank[u] == kNone) continue;  // not reachable from the entry
    d = d == kNone ? u : meet(u, d, idom_rank);
  }
  return d;
}

// Acyclic graphs (every synthetic chain and most real ones: material moves downstream), without a
// depth-first search. Why: the search behind semi-NCA is one chain of dependent cache misses, about
// 110 ms of the 150 ms at 10^6 vertices, while Kahn's topological sort reads rows in queue order,
// whose loads are independent and overlap. Returns false, leaving `idom` unspecified, when the
// usable graph has a cycle (self-loops aside, which never change dominators).
bool acyclic_dominators(const SupplyGraph& graph, const GraphMask& mask, Index entry, std::vector<Index>& idom) {
  const Index n = graph.vertex_count();
  std::vector<Index> waiting(n, 0);  // per vertex: usable in-edges from vertices not yet taken
  std::vector<Index> order;          // the queue; a vertex's position in it is its rank
  order.reserve(n);
  Index on = 0;
  for (Index v = 0; v < n; ++v) {
    if (!mask.vertex(v)) continue;
    ++on;
    Index degree = 0;
    for (const Adjacent& a : graph.in(v)) degree += usable(mask, a, v) ? 1 : 0;
    waiting[v] = degree;
    if (degree == 0) order.push_back(v);
  }
  std::vector<Index>& rank = waiting;  // a vertex's count is spent (0) once it is queued; reuse it
  std::vector<Index> idom_rank;        // per rank: the immediate dominator's rank; kNone if unreachable
  idom_rank.reserve(n);
  Index entry_rank = kNone;
  const auto rank_of = [&](Index u) { return rank[u]; };
  for (Index head = 0; head < order.size(); ++head) {
    const Index v = order[head];
    if (head + 4 < order.size()) {  // overlap the next rows' misses with this one
      __builtin_prefetch(graph.in(order[head + 4]).data());
      __builtin_prefetch(graph.out(order[head + 4]).data());
    }
    Index d = kNone;
    if (v == entry) {
      entry_rank = head;
    } else if (entry_rank != kNone) {
      d = idom_rank_of(graph, mask, v, rank_of, entry_rank, idom_rank);
    }
    idom_rank.push_back(d);
    for (const Adjacent& a : graph.out(v)) {
      if (usable(mask, a, v) && --waiting[a.vertex] == 0) order.push_back(a.vertex);
    }
    rank[v] = head;
  }
  if (order.size() != on) return false;
  idom.assign(n, kNone);
  for (Index r = 0; r < order.size(); ++r) {
    if (idom_rank[r] != kNone) idom[order[r]] = order[idom_rank[r]];
  }
  return true;
}

// The same in the graph's own topological order (SupplyGraph::topological_order), which holds
// for every view of an acyclic graph: no sort per view. The vertices before the entry cannot be
// reached from it. When the order is the vertices' own, the rows are read in memory order.
std::vector<Index> dominators_in_graph_order(const SupplyGraph& graph, const GraphMask& mask, Index entry) {
  const Index n = graph.vertex_count();
  const std::vector<Index>& order = graph.topological_order();
  const std::vector<Index>& rank = graph.topological_rank();
  const auto rank_of = [&](Index u) { return rank[u]; };
  std::vector<Index> idom(n, kNone);
  if (!mask.vertex(entry)) return idom;
  std::vector<Index> idom_rank(n, kNone);  // per rank: the immediate dominator's rank
  const Index entry_rank = rank[entry];
  for (Index r = entry_rank + 1; r < n; ++r) {
    if (r + 4 < n) __builtin_prefetch(graph.in(order[r + 4]).data());  // for an order of Kahn's
    const Index v = order[r];
    if (!mask.vertex(v)) continue;
    idom_rank[r] = idom_rank_of(graph, mask, v, rank_of, entry_rank, idom_rank);
    if (idom_rank[r] != kNone) idom[v] = order[idom_rank[r]];
  }
  return idom;
}

}  // namespace

std::vector<Index> immediate_dominators(const SupplyGraph& graph, const GraphMask& mask, Index entry) {
  if (!graph.topological_order().empty()) return dominators_in_graph_order(graph, mask, entry);
  std::vector<Index> idom;  // a view may be acyclic where the graph is not
  if (acyclic_dominators(graph, mask, entry, idom)) return idom;
  return semi_nca_dominators(graph, mask, entry);
}

std::vector<Index> common_dominators(const std::vector<Index>& idom, Index entry, std::span<const Index> targets) {
  const auto reachable = [&](Index t) { return t == entry || idom[t] != kNone; };
  const auto first = std::find_if(targets.begin(), targets.end(), reachable);
  if (first == targets.end()) return {};
  std::vector<Index> chain;  // from the first target up to the entry
  for (Index x = *first;; x = idom[x]) {
    chain.push_back(x);
    if (x == entry) break;
  }
  std::unordered_map<Index, std::size_t> position;
  for (std::size_t i = 0; i < chain.size(); ++i) position.emplace(chain[i], i);
  std::size_t lowest = 0;
  for (auto it = first + 1; it != targets.end(); ++it) {
    if (!reachable(*it)) continue;
    Index x = *it;
    while (position.find(x) == position.end()) x = idom[x];
    lowest = std::max(lowest, position[x]);
  }
  return {chain.rbegin(), chain.rend() - static_cast<std::ptrdiff_t>(lowest)};
}

}  // namespace chokepoint
