#include "chokepoint/graph/reachability.hpp"

#include <array>
#include <cstdint>
#include <memory>

#include "level_sort.hpp"

namespace chokepoint {
namespace {

enum class Direction { forward, backward };

// Breadth-first search; stops early when `stop` (a per-vertex flag array, may be null) is hit. Each
// level is sorted by vertex before it is read (level_sort.hpp): at 10^6 facilities the search from
// the root over the dumped G_Dy went from 0.029-0.032 to 0.021-0.026 s.
template <Direction D>
std::vector<std::uint8_t> search(const SupplyGraph& graph, const GraphMask& mask, std::span<const Index> starts,
                                 const std::vector<std::uint8_t>* stop, bool* stopped) {
  const Index n = graph.vertex_count();
  std::vector<std::uint8_t> seen(n, 0);
  // Each vertex enters the queue once; the room after a level is the scratch space of its sort.
  const auto queue = std::make_unique_for_overwrite<Index[]>(n);
  std::vector<Index> spare;   // when that room is short
  Index tail = 0;
  for (Index s : starts) {
    if (!mask.vertex(s) || seen[s]) continue;
    seen[s] = 1;
    queue[tail++] = s;
  }
  const auto row = [&](Index v) { return D == Direction::forward ? graph.out(v) : graph.in(v); };
  constexpr Index kAhead = 8;
  for (Index head = 0, level_end = 0; head < tail; ++head) {
    if (head == level_end) {   // [head, tail) is the next level
      const Index count = tail - head;
      if (count >= level_sort::kSmallest) {
        Index* room = queue.get() + tail;
        if (n - tail < count) {
          spare.resize(count);
          room = spare.data();
        }
        level_sort::sort<1>({queue.get() + head}, {room}, count, n);
      }
      level_end = tail;
    }
    // The queue says which rows come next: fetch one kAhead places ahead, so that the row misses
    // overlap instead of following one another.
    if (head + kAhead < tail) __builtin_prefetch(row(queue[head + kAhead]).data());
    const Index v = queue[head];
    if (stop != nullptr && (*stop)[v]) {
      *stopped = true;
      return seen;
    }
    for (const Adjacent& a : row(v)) {
      const Index w = a.vertex;
      if (seen[w] || !mask.edge(a.edge) || !mask.vertex(w)) continue;
      seen[w] = 1;
      queue[tail++] = w;
    }
  }
  return seen;
}

}  // namespace

std::vector<std::uint8_t> reachable_from(const SupplyGraph& graph, const GraphMask& mask,
                                         std::span<const Index> sources) {
  return search<Direction::forward>(graph, mask, sources, nullptr, nullptr);
}

std::vector<std::uint8_t> reaching(const SupplyGraph& graph, const GraphMask& mask, std::span<const Index> targets) {
  return search<Direction::backward>(graph, mask, targets, nullptr, nullptr);
}

bool reaches(const SupplyGraph& graph, const GraphMask& mask, Index source, std::span<const Index> targets) {
  std::vector<std::uint8_t> is_target(graph.vertex_count(), 0);
  for (Index t : targets) is_target[t] = 1;
  bool stopped = false;
  const std::array<Index, 1> sources{source};
  search<Direction::forward>(graph, mask, sources, &is_target, &stopped);
  return stopped;
}

std::vector<std::uint8_t> cut_off_by_each(const SupplyGraph& graph, const GraphMask& mask, Index source,
                                          std::span<const Index> targets,
                                          std::span<const std::vector<Index>> groups) {
  const Index n = graph.vertex_count();
  std::vector<std::uint8_t> cut(groups.size(), 0);
  if (groups.empty()) return cut;
  std::vector<std::uint8_t> is_target(n, 0);
  for (Index t : targets) is_target[t] = 1;
  // Search from the side with fewer ways out: from the source along out-edges, or from the targets
  // along in-edges back to it. The root of a large chain has hundreds of thousands of mines, and a
  // search that pushes them all first costs that much for every group.
  const bool backward = targets.size() < graph.out(source).size();
  std::vector<Index> starts;
  if (backward) {
    for (Index t : targets) {
      if (mask.vertex(t)) starts.push_back(t);
    }
  } else if (mask.vertex(source)) {
    starts.push_back(source);
  }
  const auto goal = [&](Index v) { return backward ? v == source : is_target[v] != 0; };
  // Per vertex, the last search that saw it or that switched it off (group g's is g + 1; the
  // first search, with nothing switched off, is groups.size() + 1): nothing is cleared between
  // searches. `parent` is kept by the first search only, to trace the path it finds.
  std::vector<std::uint32_t> seen(n, 0), off(n, 0);
  std::vector<Index> stack, parent(n, kNone);
  // One search with stamp `stamp`; returns the goal it reached (kNone: none).
  const auto search = [&](std::uint32_t stamp, bool trace) -> Index {
    stack.clear();
    for (Index v : starts) {
      if (seen[v] == stamp) continue;
      if (goal(v)) return v;
      seen[v] = stamp;
      stack.push_back(v);
    }
    // Marked when pushed; the last pushed is searched first, so the search runs down one path
    // until it ends before it tries the next.
    while (!stack.empty()) {
      const Index v = stack.back();
      stack.pop_back();
      for (const Adjacent& a : backward ? graph.in(v) : graph.out(v)) {
        const Index w = a.vertex;
        if (seen[w] == stamp || off[w] == stamp || !mask.edge(a.edge) || !mask.vertex(w)) continue;
        if (trace) parent[w] = v;
        if (goal(w)) return w;
        seen[w] = stamp;
        stack.push_back(w);
      }
    }
    return kNone;
  };
  // A group can cut only if it holds a vertex of every path, so of the first path found with
  // nothing switched off: the other groups need no search (of 40 countries upstream of a consumer,
  // a path meets a few). No path at all: every group cuts.
  const Index reached = search(static_cast<std::uint32_t>(groups.size() + 1), true);
  if (reached == kNone) {
    std::fill(cut.begin(), cut.end(), 1);
    return cut;
  }
  std::vector<std::uint8_t> on_path(n, 0);
  for (Index v = reached; v != kNone; v = parent[v]) on_path[v] = 1;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const auto stamp = static_cast<std::uint32_t>(g + 1);
    bool meets = false;
    for (Index v : groups[g]) {
      if (v == source || is_target[v] != 0) continue;
      off[v] = stamp;
      meets = meets || on_path[v] != 0;
    }
    cut[g] = meets && search(stamp, false) == kNone ? 1 : 0;
  }
  return cut;
}

}  // namespace chokepoint
