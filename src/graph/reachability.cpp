#include "chokepoint/graph/reachability.hpp"

#include <array>

namespace chokepoint {
namespace {

enum class Direction { forward, backward };

// Breadth-first search; stops early when `stop` (a per-vertex flag array, may be null) is hit.
template <Direction D>
std::vector<std::uint8_t> search(const SupplyGraph& graph, const GraphMask& mask, std::span<const Index> starts,
                                 const std::vector<std::uint8_t>* stop, bool* stopped) {
  std::vector<std::uint8_t> seen(graph.vertex_count(), 0);
  std::vector<Index> queue;
  queue.reserve(graph.vertex_count());
  for (Index s : starts) {
    if (!mask.vertex(s) || seen[s]) continue;
    seen[s] = 1;
    queue.push_back(s);
  }
  constexpr std::size_t kAhead = 8;
  for (std::size_t head = 0; head < queue.size(); ++head) {
    // The queue says which rows come next: fetch one kAhead places ahead, so that the row misses
    // overlap instead of following one another.
    if (head + kAhead < queue.size()) {
      const Index ahead = queue[head + kAhead];
      __builtin_prefetch((D == Direction::forward ? graph.out(ahead) : graph.in(ahead)).data());
    }
    const Index v = queue[head];
    if (stop != nullptr && (*stop)[v]) {
      *stopped = true;
      return seen;
    }
    for (const Adjacent& a : D == Direction::forward ? graph.out(v) : graph.in(v)) {
      const Index w = a.vertex;
      if (seen[w] || !mask.edge(a.edge) || !mask.vertex(w)) continue;
      seen[w] = 1;
      queue.push_back(w);
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

}  // namespace chokepoint
