#include "chokepoint/graph/betweenness.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "chokepoint/graph/boost_reference.hpp"
#include "graph/graph_testing.hpp"

namespace chokepoint {
namespace {

void expect_near_all(const std::vector<double>& a, const std::vector<double>& b, const char* what, int round) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_NEAR(a[i], b[i], 1e-9 * (1.0 + std::abs(b[i]))) << what << " round " << round << " vertex " << i;
  }
}

TEST(Betweenness, DirectedPathAndDiamond) {
  // 0 -> 1 -> 2 -> 3: vertex 1 lies on 0-2, 0-3; vertex 2 on 0-3, 1-3.
  const SupplyGraph path = SupplyGraph::from_arcs(4, std::vector<Arc>{{0, 1}, {1, 2}, {2, 3}});
  EXPECT_EQ(betweenness(path, {}), (std::vector<double>{0, 2, 2, 0}));
  // Diamond 0 -> {1, 2} -> 3: each middle vertex carries half of the one pair 0-3.
  const SupplyGraph diamond = SupplyGraph::from_arcs(4, std::vector<Arc>{{0, 1}, {0, 2}, {1, 3}, {2, 3}});
  EXPECT_EQ(betweenness(diamond, {}), (std::vector<double>{0, 0.5, 0.5, 0}));
  // With lengths the short side takes the whole pair.
  const std::vector<double> length{1, 2, 1, 2};
  BetweennessOptions weighted;
  weighted.length = length;
  EXPECT_EQ(betweenness(diamond, {}, weighted), (std::vector<double>{0, 1, 0, 0}));
}

TEST(Betweenness, LayeredGraphDoesNotOverflowPathCounts) {
  // 40 tiers of 4: 4^40 shortest paths from the first tier to the last; a size_t count would overflow.
  const Index width = 4, tiers = 40;
  std::vector<Arc> arcs;
  for (Index t = 0; t + 1 < tiers; ++t) {
    for (Index a = 0; a < width; ++a) {
      for (Index b = 0; b < width; ++b) arcs.push_back({t * width + a, (t + 1) * width + b});
    }
  }
  const auto score = betweenness(SupplyGraph::from_arcs(width * tiers, arcs), {});
  for (double x : score) ASSERT_TRUE(std::isfinite(x));
  // A middle vertex of tier t: (t * width) sources before times ((tiers - 1 - t) * width) targets after, / width.
  const Index t = 20;
  EXPECT_NEAR(score[t * width], static_cast<double>(t * width * (tiers - 1 - t) * width) / width, 1e-6);
}

// Betweenness by listing every simple path (edge sequences) and keeping the shortest per pair.
std::vector<double> naive_betweenness(const SupplyGraph& g, const GraphMask& m, const std::vector<double>& length) {
  const Index n = g.vertex_count();
  std::vector<double> score(n, 0.0);
  for (Index s = 0; s < n; ++s) {
    if (!m.vertex(s)) continue;
    std::vector<std::vector<std::vector<Index>>> paths(n);  // per target: vertex lists
    std::vector<double> best(n, std::numeric_limits<double>::infinity());
    std::vector<Index> stack{s};
    std::vector<std::uint8_t> on_path(n, 0);
    on_path[s] = 1;
    const auto walk = [&](auto&& self, Index v, double d) -> void {
      for (Index e = 0; e < g.edge_count(); ++e) {
        const Index w = g.target(e);
        if (g.source(e) != v || !edge_usable(g, m, e) || on_path[w]) continue;
        const double dw = d + (length.empty() ? 1.0 : length[e]);
        stack.push_back(w);
        if (dw < best[w]) {
          best[w] = dw;
          paths[w].clear();
        }
        if (dw == best[w]) paths[w].push_back(stack);
        on_path[w] = 1;
        self(self, w, dw);
        on_path[w] = 0;
        stack.pop_back();
      }
    };
    walk(walk, s, 0.0);
    for (Index t = 0; t < n; ++t) {
      if (t == s || paths[t].empty()) continue;
      for (const auto& p : paths[t]) {
        for (std::size_t i = 1; i + 1 < p.size(); ++i) score[p[i]] += 1.0 / static_cast<double>(paths[t].size());
      }
    }
  }
  return score;
}

TEST(Betweenness, MatchesNaiveCountAndBoostOnRandomGraphs) {
  testing::Rng rng(123);
  for (int round = 0; round < 300; ++round) {
    const Index n = 1 + rng.below(7);
    const auto arcs = testing::random_arcs(rng, n, rng.below(2 * n + 1));
    const SupplyGraph g = SupplyGraph::from_arcs(n, arcs);
    const GraphMask m = testing::random_mask(rng, g, 0.1, 0.1);
    std::vector<double> length(g.edge_count());
    for (double& x : length) x = 1.0 + rng.below(3);
    const auto unweighted = betweenness(g, m);
    expect_near_all(unweighted, naive_betweenness(g, m, {}), "unweighted naive", round);
    expect_near_all(unweighted, boost_betweenness(g, m, {}), "unweighted boost", round);
    BetweennessOptions options;
    options.length = length;
    const auto weighted = betweenness(g, m, options);
    expect_near_all(weighted, naive_betweenness(g, m, length), "weighted naive", round);
    expect_near_all(weighted, boost_betweenness(g, m, length), "weighted boost", round);
  }
}

TEST(Betweenness, SamplingIsDeterministicAndScaled) {
  testing::Rng rng(8);
  const Index n = 300;
  const SupplyGraph g = SupplyGraph::from_arcs(n, testing::random_arcs(rng, n, 3 * n));
  BetweennessOptions all;
  all.sample_sources = n;
  EXPECT_EQ(betweenness(g, {}, all), betweenness(g, {}));
  BetweennessOptions sample;
  sample.sample_sources = 100;
  sample.seed = 42;
  const auto a = betweenness(g, {}, sample);
  EXPECT_EQ(a, betweenness(g, {}, sample));
  const auto exact = betweenness(g, {});
  double sum_a = 0, sum_exact = 0;
  for (Index v = 0; v < n; ++v) {
    sum_a += a[v];
    sum_exact += exact[v];
  }
  EXPECT_NEAR(sum_a / sum_exact, 1.0, 0.25);  // an unbiased estimate of the total
}

}  // namespace
}  // namespace chokepoint
