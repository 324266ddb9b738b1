#include "chokepoint/graph/betweenness.hpp"

#include "chokepoint/core/random.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>

namespace chokepoint {
namespace {

// The sources in increasing order: all switched-on vertices, or a seeded sample of them.
std::vector<Index> choose_sources(const SupplyGraph& graph, const GraphMask& mask, const BetweennessOptions& options) {
  std::vector<Index> on;
  for (Index v = 0; v < graph.vertex_count(); ++v) {
    if (mask.vertex(v)) on.push_back(v);
  }
  if (options.sample_sources == 0 || options.sample_sources >= on.size()) return on;
  std::uint64_t state = options.seed;
  for (Index i = 0; i < options.sample_sources; ++i) {
    const auto j = i + static_cast<Index>(splitmix64(state) % (on.size() - i));
    std::swap(on[i], on[j]);
  }
  on.resize(options.sample_sources);
  std::sort(on.begin(), on.end());
  return on;
}

// Per-source state, reset only where the last search reached.
class Brandes {
 public:
  Brandes(const SupplyGraph& graph, const GraphMask& mask, std::span<const double> length)
      : graph_(graph), mask_(mask), length_(length), distance_(graph.vertex_count(), kUnreached),
        sigma_(graph.vertex_count(), 0.0), delta_(graph.vertex_count(), 0.0), score_(graph.vertex_count(), 0.0),
        settled_(graph.vertex_count(), 0) {
    order_.reserve(graph.vertex_count());
  }

  void add_source(Index s) {
    if (length_.empty()) {
      breadth_first(s);
    } else {
      dijkstra(s);
    }
    accumulate(s);
    for (Index v : order_) {
      distance_[v] = kUnreached;
      sigma_[v] = delta_[v] = 0.0;
    }
    order_.clear();
  }

  std::vector<double> take_scores() { return std::move(score_); }

 private:
  static constexpr double kUnreached = std::numeric_limits<double>::infinity();

  [[nodiscard]] double edge_length(Index e) const { return length_.empty() ? 1.0 : length_[e]; }
  [[nodiscard]] bool usable(Index e, Index w) const {
    return mask_.edge(e) && mask_.vertex(w) && edge_length(e) < kUnreached;
  }

  void breadth_first(Index s) {
    distance_[s] = 0;
    sigma_[s] = 1;
    order_.push_back(s);
    for (std::size_t head = 0; head < order_.size(); ++head) {
      const Index v = order_[head];
      for (const Adjacent& a : graph_.out(v)) {
        const Index w = a.vertex;
        if (!usable(a.edge, w)) continue;
        if (distance_[w] == kUnreached) {
          distance_[w] = distance_[v] + 1;
          order_.push_back(w);
        }
        if (distance_[w] == distance_[v] + 1) sigma_[w] += sigma_[v];
      }
    }
  }

  void dijkstra(Index s) {
    using Item = std::pair<double, Index>;
    std::priority_queue<Item, std::vector<Item>, std::greater<>> heap;
    distance_[s] = 0;
    sigma_[s] = 1;
    heap.emplace(0.0, s);
    while (!heap.empty()) {
      const auto [d, v] = heap.top();
      heap.pop();
      if (settled_[v] || d > distance_[v]) continue;
      settled_[v] = 1;
      order_.push_back(v);
      for (const Adjacent& a : graph_.out(v)) {
        const Index w = a.vertex;
        if (!usable(a.edge, w) || settled_[w]) continue;
        const double candidate = d + length_[a.edge];
        if (candidate < distance_[w]) {
          distance_[w] = candidate;
          sigma_[w] = sigma_[v];
          heap.emplace(candidate, w);
        } else if (candidate == distance_[w]) {
          sigma_[w] += sigma_[v];
        }
      }
    }
    // Lengths are positive, so every vertex reached was settled and is in order_.
    for (Index v : order_) settled_[v] = 0;
  }

  // Dependencies in reverse order of distance: delta(u) += sigma(u)/sigma(w) (1 + delta(w)).
  void accumulate(Index s) {
    for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
      const Index w = *it;
      for (const Adjacent& a : graph_.in(w)) {
        const Index u = a.vertex;
        if (distance_[u] == kUnreached || !mask_.edge(a.edge) || !(edge_length(a.edge) < kUnreached)) continue;
        if (distance_[u] + edge_length(a.edge) != distance_[w]) continue;
        delta_[u] += sigma_[u] / sigma_[w] * (1.0 + delta_[w]);
      }
      if (w != s) score_[w] += delta_[w];
    }
  }

  const SupplyGraph& graph_;
  const GraphMask& mask_;
  std::span<const double> length_;
  std::vector<double> distance_, sigma_, delta_, score_;
  std::vector<Index> order_;
  std::vector<std::uint8_t> settled_;
};

}  // namespace

std::vector<double> betweenness(const SupplyGraph& graph, const GraphMask& mask, const BetweennessOptions& options) {
  const std::vector<Index> sources = choose_sources(graph, mask, options);
  Brandes brandes(graph, mask, options.length);
  for (Index s : sources) brandes.add_source(s);
  std::vector<double> score = brandes.take_scores();
  Index on = 0;
  for (Index v = 0; v < graph.vertex_count(); ++v) on += mask.vertex(v) ? 1 : 0;
  if (!sources.empty() && sources.size() < on) {
    const double scale = static_cast<double>(on) / static_cast<double>(sources.size());
    for (double& x : score) x *= scale;
  }
  return score;
}

}  // namespace chokepoint

