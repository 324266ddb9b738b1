#pragma once
// Helpers for graph tests: a portable seeded generator, random graphs and masks, brute-force searches.

#include <cstdint>
#include <vector>

#include "chokepoint/graph/graph.hpp"

namespace chokepoint::testing {

/// splitmix64: the same numbers on every platform (std distributions are not portable).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  Index below(Index n) { return static_cast<Index>(next() % n); }
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

 private:
  std::uint64_t state_;
};

inline std::vector<Arc> random_arcs(Rng& rng, Index vertices, Index arcs) {
  std::vector<Arc> out;
  for (Index i = 0; i < arcs; ++i) out.push_back({rng.below(vertices), rng.below(vertices)});
  return out;
}

inline GraphMask random_mask(Rng& rng, const SupplyGraph& g, double vertex_off, double edge_off) {
  GraphMask m;
  m.vertex_on.assign(g.vertex_count(), 1);
  m.edge_on.assign(g.edge_count(), 1);
  for (auto& v : m.vertex_on) v = rng.chance(vertex_off) ? 0 : 1;
  for (auto& e : m.edge_on) e = rng.chance(edge_off) ? 0 : 1;
  return m;
}

/// Depth-first reachability from s over usable edges, never entering `removed`.
inline std::vector<std::uint8_t> brute_reach(const SupplyGraph& g, const GraphMask& m, Index s,
                                             const std::vector<std::uint8_t>& removed = {}) {
  std::vector<std::uint8_t> seen(g.vertex_count(), 0);
  const auto gone = [&](Index v) { return !removed.empty() && removed[v]; };
  if (!m.vertex(s) || gone(s)) return seen;
  std::vector<Index> stack{s};
  seen[s] = 1;
  while (!stack.empty()) {
    const Index v = stack.back();
    stack.pop_back();
    for (Index e = 0; e < g.edge_count(); ++e) {
      if (g.source(e) != v || !edge_usable(g, m, e)) continue;
      const Index w = g.target(e);
      if (seen[w] || gone(w)) continue;
      seen[w] = 1;
      stack.push_back(w);
    }
  }
  return seen;
}

}  // namespace chokepoint::testing
