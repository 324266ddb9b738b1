#include "chokepoint/graph/max_flow.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "chokepoint/graph/boost_reference.hpp"
#include "graph/graph_testing.hpp"

namespace chokepoint {
namespace {

// CLRS (3rd ed.), figure 26.1: the Lucky Puck network; maximum flow 23.
TEST(FlowNetwork, ClrsFigure26_1) {
  enum : Index { s, v1, v2, v3, v4, t };
  const std::vector<CapacityArc> arcs{{s, v1, 16}, {s, v2, 13}, {v2, v1, 4}, {v1, v3, 12}, {v3, v2, 9},
                                      {v2, v4, 14}, {v4, v3, 7}, {v3, t, 20}, {v4, t, 4}};
  FlowNetwork net(6);
  for (const auto& a : arcs) net.add_arc(a.from, a.to, a.capacity);
  EXPECT_EQ(net.max_flow(s, t), 23);
  EXPECT_EQ(boost_max_flow(6, arcs, s, t), 23);
  // The cut nearest the source: {s, v1, v2, v4} | {v3, t}, arcs v1v3 + v4v3 + v4t = 12 + 7 + 4.
  EXPECT_EQ(net.source_side(), (std::vector<std::uint8_t>{1, 1, 1, 0, 1, 0}));
  EXPECT_EQ(net.flow_on(3), 12);
  EXPECT_EQ(net.flow_on(6), 7);
  EXPECT_EQ(net.flow_on(8), 4);
}

TEST(FlowNetwork, ConservesFlowAndRespectsCapacities) {
  testing::Rng rng(5);
  for (int round = 0; round < 300; ++round) {
    const Index n = 2 + rng.below(10);
    std::vector<CapacityArc> arcs;
    for (Index i = 0, m = rng.below(4 * n); i < m; ++i) {
      arcs.push_back({rng.below(n), rng.below(n), static_cast<std::int64_t>(rng.below(20))});
    }
    FlowNetwork net(n);
    for (const auto& a : arcs) net.add_arc(a.from, a.to, a.capacity);
    const Index s = 0, t = n - 1;
    const std::int64_t value = net.max_flow(s, t);
    ASSERT_EQ(value, boost_max_flow(n, arcs, s, t)) << "round " << round;
    std::vector<std::int64_t> balance(n, 0);
    for (Index a = 0; a < arcs.size(); ++a) {
      const std::int64_t f = net.flow_on(a);
      ASSERT_GE(f, 0);
      ASSERT_LE(f, arcs[a].capacity);
      balance[arcs[a].from] -= f;
      balance[arcs[a].to] += f;
    }
    for (Index v = 1; v + 1 < n; ++v) ASSERT_EQ(balance[v], 0);
    ASSERT_EQ(balance[t], value);
    // Max-flow min-cut: the residual source side's crossing capacity equals the flow.
    const auto side = net.source_side();
    std::int64_t cut = 0;
    for (const auto& a : arcs) cut += side[a.from] && !side[a.to] ? a.capacity : 0;
    ASSERT_EQ(cut, value);
  }
}

TEST(FlowNetwork, UnboundedPathIsReported) {
  FlowNetwork net(3);
  net.add_arc(0, 1, kUnbounded);
  net.add_arc(1, 2, kUnbounded);
  net.add_arc(0, 2, 5);
  EXPECT_EQ(net.max_flow(0, 2), kUnbounded);
}

// Diamond 0 -> {1, 2} -> 3 -> 4 plus 0 -> 5 -> 4: node capacities pick the cut {3, 5} or {1, 2, 5}.
TEST(MinVertexCut, NodeSplittingFindsTheCheapestFacilities) {
  const SupplyGraph g =
      SupplyGraph::from_arcs(6, std::vector<Arc>{{0, 1}, {0, 2}, {1, 3}, {2, 3}, {3, 4}, {0, 5}, {5, 4}});
  const std::array<Index, 1> sink{4};
  std::vector<std::int64_t> cap{kUnbounded, 4, 3, 10, kUnbounded, 2};
  VertexCut r = min_vertex_cut(g, {}, 0, sink, cap);
  EXPECT_EQ(r.max_flow, 9);
  EXPECT_EQ(r.cut, (std::vector<Index>{1, 2, 5}));
  cap[3] = 6;
  r = min_vertex_cut(g, {}, 0, sink, cap);
  EXPECT_EQ(r.max_flow, 8);
  EXPECT_EQ(r.cut, (std::vector<Index>{3, 5}));
  GraphMask no_five;
  no_five.vertex_on = {1, 1, 1, 1, 1, 0};
  r = min_vertex_cut(g, no_five, 0, sink, cap);
  EXPECT_EQ(r.max_flow, 6);
  EXPECT_EQ(r.cut, (std::vector<Index>{3}));
}

TEST(MinVertexCut, SinksAreNeverCutAndSeveralSinksShareOneSuperSink) {
  // 0 -> 1 -> 2, 0 -> 3: sinks 2 and 3 with finite capacities of their own.
  const SupplyGraph g = SupplyGraph::from_arcs(4, std::vector<Arc>{{0, 1}, {1, 2}, {0, 3}});
  const std::vector<std::int64_t> cap{kUnbounded, 5, 1, 1};
  const std::array<Index, 2> sinks{2, 3};
  const VertexCut r = min_vertex_cut(g, {}, 0, sinks, cap);
  EXPECT_EQ(r.max_flow, kUnbounded);  // 0 -> 3 passes no capacitated facility
  const std::array<Index, 1> two{2};
  const VertexCut r2 = min_vertex_cut(g, {}, 0, two, cap);
  EXPECT_EQ(r2.max_flow, 5);
  EXPECT_EQ(r2.cut, (std::vector<Index>{1}));
  const std::array<Index, 1> unreachable{0};
  EXPECT_EQ(min_vertex_cut(g, {}, 3, unreachable, cap).max_flow, 0);
}

// Every vertex set (not source or sink) whose removal disconnects: the cheapest one's capacity.
std::int64_t brute_min_vertex_cut(const SupplyGraph& g, const GraphMask& m, Index s, Index t,
                                  const std::vector<std::int64_t>& cap) {
  const Index n = g.vertex_count();
  std::int64_t best = kUnbounded;
  for (std::uint32_t subset = 0; subset < (1u << n); ++subset) {
    if (subset & ((1u << s) | (1u << t))) continue;
    std::vector<std::uint8_t> removed(n, 0);
    std::int64_t total = 0;
    for (Index v = 0; v < n; ++v) {
      if (!(subset & (1u << v))) continue;
      removed[v] = 1;
      total = cap[v] >= kUnbounded - total ? kUnbounded : total + cap[v];
    }
    if (total < best && !testing::brute_reach(g, m, s, removed)[t]) best = total;
  }
  return best;
}

TEST(MinVertexCut, MatchesSubsetEnumerationOnRandomGraphs) {
  testing::Rng rng(11);
  int finite = 0;
  for (int round = 0; round < 600; ++round) {
    const Index n = 2 + rng.below(9);
    const Index s = 0, t = n - 1;
    auto arcs = testing::random_arcs(rng, n, n + rng.below(2 * n));
    for (Arc& a : arcs) {
      if (a.from > a.to && rng.chance(0.8)) std::swap(a.from, a.to);  // mostly downstream, like a supply chain
    }
    std::erase_if(arcs, [&](const Arc& a) { return a.from == s && a.to == t && rng.chance(0.8); });
    const SupplyGraph g = SupplyGraph::from_arcs(n, arcs);
    const GraphMask m = testing::random_mask(rng, g, 0.05, 0.1);
    std::vector<std::int64_t> cap(n);
    for (auto& c : cap) c = rng.chance(0.1) ? kUnbounded : static_cast<std::int64_t>(rng.below(10));
    const std::array<Index, 1> sink{t};
    const VertexCut r = min_vertex_cut(g, m, s, sink, cap);
    if (!testing::brute_reach(g, m, s)[t]) {
      ASSERT_EQ(r.max_flow, 0);
      ASSERT_TRUE(r.cut.empty());
      continue;
    }
    ASSERT_EQ(r.max_flow, brute_min_vertex_cut(g, m, s, t, cap)) << "round " << round;
    if (r.max_flow == kUnbounded) continue;
    ++finite;
    std::vector<std::uint8_t> removed(n, 0);
    std::int64_t total = 0;
    for (Index v : r.cut) {
      removed[v] = 1;
      total += cap[v];
    }
    ASSERT_EQ(total, r.max_flow);
    ASSERT_FALSE(testing::brute_reach(g, m, s, removed)[t]);
    ASSERT_TRUE(std::is_sorted(r.cut.begin(), r.cut.end()));
  }
  EXPECT_GT(finite, 150);  // enough rounds with a finite cut to mean something
}

TEST(MaxFlowWithoutEach, MatchesOneMaxFlowPerRemovalOnRandomGraphs) {
  testing::Rng rng(19);
  for (int round = 0; round < 600; ++round) {
    const Index n = 2 + rng.below(12);
    auto arcs = testing::random_arcs(rng, n, n + rng.below(2 * n));
    for (Arc& a : arcs) {
      if (a.from > a.to && rng.chance(0.8)) std::swap(a.from, a.to);
    }
    const SupplyGraph g = SupplyGraph::from_arcs(n, arcs);
    const GraphMask m = testing::random_mask(rng, g, 0.05, 0.1);
    std::vector<std::int64_t> cap(n);
    for (auto& c : cap) c = rng.chance(0.1) ? kUnbounded : static_cast<std::int64_t>(rng.below(10));
    std::vector<Index> sinks{n - 1};
    if (rng.chance(0.3)) sinks.push_back(rng.below(n));
    std::vector<std::vector<Index>> removals(3);
    for (auto& group : removals) {
      for (Index v = 0; v < n; ++v) {
        if (rng.chance(0.3)) group.push_back(v);
      }
    }
    const auto flows = max_flow_without_each(g, m, 0, sinks, cap, removals, 1 + round % 3);
    for (std::size_t i = 0; i < removals.size(); ++i) {
      GraphMask without = m;
      if (without.vertex_on.empty()) without.vertex_on.assign(n, 1);
      for (Index v : removals[i]) {
        if (v != 0 && std::find(sinks.begin(), sinks.end(), v) == sinks.end()) without.vertex_on[v] = 0;
      }
      ASSERT_EQ(flows[i], min_vertex_cut(g, without, 0, sinks, cap).max_flow) << "round " << round << " group " << i;
    }
  }
}

// Layered acyclic chains, like supply chains (root, mines, refiners, makers, sinks), with groups
// of vertices removed as countries are, against one max-flow per group.
TEST(MaxFlowWithoutEach, LayeredChainsMatchOneMaxFlowPerGroup) {
  testing::Rng rng(23);
  for (int round = 0; round < 200; ++round) {
    const Index layers = 3 + rng.below(3), width = 2 + rng.below(6);
    const Index n = 1 + layers * width;   // vertex 0 is the root
    std::vector<Arc> arcs;
    for (Index v = 1; v <= width; ++v) arcs.push_back({0, v});
    for (Index l = 0; l + 1 < layers; ++l) {
      for (Index a = 1 + l * width; a <= (l + 1) * width; ++a) {
        for (Index b = 1 + (l + 1) * width; b <= (l + 2) * width; ++b) {
          if (rng.chance(0.4)) arcs.push_back({a, b});
        }
      }
    }
    const SupplyGraph g = SupplyGraph::from_arcs(n, arcs);
    const GraphMask m;
    std::vector<std::int64_t> cap(n);
    for (auto& c : cap) c = 1 + static_cast<std::int64_t>(rng.below(20));
    cap[0] = kUnbounded;
    std::vector<Index> sinks;
    for (Index v = 1 + (layers - 1) * width; v < n; ++v) sinks.push_back(v);
    std::vector<std::vector<Index>> removals(4);
    for (auto& group : removals) {
      for (Index v = 1; v < n; ++v) {
        if (rng.chance(0.2)) group.push_back(v);
      }
    }
    const auto flows = max_flow_without_each(g, m, 0, sinks, cap, removals);
    for (std::size_t i = 0; i < removals.size(); ++i) {
      GraphMask without = m;
      without.vertex_on.assign(n, 1);
      for (Index v : removals[i]) {
        if (std::find(sinks.begin(), sinks.end(), v) == sinks.end()) without.vertex_on[v] = 0;
      }
      ASSERT_EQ(flows[i], min_vertex_cut(g, without, 0, sinks, cap).max_flow) << "round " << round << " group " << i;
    }
  }
}

}  // namespace
}  // namespace chokepoint
