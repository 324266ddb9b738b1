#include "chokepoint/graph/max_flow.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <limits>
#include <stdexcept>
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

// A valid flow of `value` from s to t in `net`: every arc within its capacity, every other node
// balanced, and `value` into t.
::testing::AssertionResult is_flow(const FlowNetwork& net, Index n, const std::vector<CapacityArc>& arcs, Index s,
                                   Index t, std::int64_t value) {
  std::vector<std::int64_t> balance(n, 0);
  for (Index a = 0; a < arcs.size(); ++a) {
    const std::int64_t f = net.flow_on(a);
    if (f < 0 || f > arcs[a].capacity) return ::testing::AssertionFailure() << "arc " << a << " carries " << f;
    balance[arcs[a].from] -= f;
    balance[arcs[a].to] += f;
  }
  for (Index v = 0; v < n; ++v) {
    if (v != s && v != t && balance[v] != 0) return ::testing::AssertionFailure() << "node " << v << " is not balanced";
  }
  if (balance[t] != value) return ::testing::AssertionFailure() << "the sink receives " << balance[t] << ", not " << value;
  return ::testing::AssertionSuccess();
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
    ASSERT_TRUE(is_flow(net, n, arcs, s, t, value)) << "round " << round;
    // Max-flow min-cut: the residual source side's crossing capacity equals the flow.
    const auto side = net.source_side();
    std::int64_t cut = 0;
    for (const auto& a : arcs) cut += side[a.from] && !side[a.to] ? a.capacity : 0;
    ASSERT_EQ(cut, value);
    // Solved again between two other nodes, the network starts from no flow: the arc list is gone
    // by now, and each arc's capacity comes back from its two residual slots.
    const Index s2 = rng.below(n), t2 = rng.below(n);
    if (s2 == t2) continue;
    const std::int64_t again = net.max_flow(s2, t2);
    ASSERT_EQ(again, boost_max_flow(n, arcs, s2, t2)) << "round " << round;
    ASSERT_TRUE(is_flow(net, n, arcs, s2, t2, again)) << "round " << round;
    ASSERT_EQ(net.arc_count(), arcs.size());
  }
}

TEST(FlowNetwork, ArcsAreAddedBeforeTheFirstSolve) {
  FlowNetwork net(2);
  net.add_arc(0, 1, 5);
  EXPECT_EQ(net.max_flow(0, 1), 5);
  EXPECT_THROW(net.add_arc(1, 0, 5), std::logic_error);
  EXPECT_EQ(net.max_flow(0, 1), 5);
}

// Edmonds-Karp (shortest augmenting paths found one at a time by breadth-first search), as a
// reference: the flow value, saturated at kUnbounded, and the nodes the source reaches in the
// final residual graph (the source side of the minimum cut nearest the source).
struct ReferenceFlow {
  std::int64_t value = 0;
  std::vector<std::uint8_t> source_side;
};

ReferenceFlow edmonds_karp(Index n, const std::vector<CapacityArc>& arcs, Index s, Index t) {
  struct Edge {
    Index to;
    std::int64_t residual;
  };
  std::vector<Edge> edges;  // edge 2i is arc i, edge 2i + 1 its reverse
  std::vector<std::vector<Index>> out(n);
  for (const CapacityArc& a : arcs) {
    out[a.from].push_back(static_cast<Index>(edges.size()));
    edges.push_back({a.to, a.capacity});
    out[a.to].push_back(static_cast<Index>(edges.size()));
    edges.push_back({a.from, 0});
  }
  ReferenceFlow r;
  for (;;) {
    std::vector<Index> via(n, kNone);  // the edge a node was reached by
    std::vector<std::uint8_t> seen(n, 0);
    std::vector<Index> queue{s};
    seen[s] = 1;
    for (std::size_t i = 0; i < queue.size(); ++i) {
      for (Index e : out[queue[i]]) {
        if (edges[e].residual == 0 || seen[edges[e].to]) continue;
        seen[edges[e].to] = 1;
        via[edges[e].to] = e;
        queue.push_back(edges[e].to);
      }
    }
    if (!seen[t]) {
      r.source_side = seen;
      return r;
    }
    std::int64_t bottleneck = kUnbounded;
    for (Index v = t; v != s; v = edges[via[v] ^ 1].to) bottleneck = std::min(bottleneck, edges[via[v]].residual);
    for (Index v = t; v != s; v = edges[via[v] ^ 1].to) {
      edges[via[v]].residual -= bottleneck;
      edges[via[v] ^ 1].residual += bottleneck;
    }
    if (bottleneck >= kUnbounded - r.value) {
      r.value = kUnbounded;
      return r;
    }
    r.value += bottleneck;
  }
}

// Small random networks with zero, finite and unbounded capacities, parallel arcs, loops, cycles
// and arcs into the source or out of the sink: the value, a valid flow, and the same cut.
TEST(FlowNetwork, MatchesEdmondsKarpOnRandomNetworks) {
  testing::Rng rng(29);
  int finite = 0;
  for (int round = 0; round < 2000; ++round) {
    const Index n = 2 + rng.below(9);
    std::vector<CapacityArc> arcs;
    for (Index i = 0, m = rng.below(5 * n); i < m; ++i) {
      const Index from = rng.below(n), to = rng.below(n);
      const std::int64_t capacity = rng.chance(0.15)  ? kUnbounded
                                    : rng.chance(0.1) ? 0
                                                      : static_cast<std::int64_t>(1 + rng.below(30));
      arcs.push_back({from, to, capacity});
      if (rng.chance(0.1)) arcs.push_back({from, to, capacity});  // parallel
    }
    const Index s = rng.below(n), t = (s + 1 + rng.below(n - 1)) % n;
    FlowNetwork net(n);
    for (const auto& a : arcs) net.add_arc(a.from, a.to, a.capacity);
    const std::int64_t value = net.max_flow(s, t);
    const ReferenceFlow expected = edmonds_karp(n, arcs, s, t);
    ASSERT_EQ(value, expected.value) << "round " << round;
    if (value == kUnbounded) continue;
    ++finite;
    ASSERT_EQ(net.source_side(), expected.source_side) << "round " << round;
    ASSERT_TRUE(is_flow(net, n, arcs, s, t, value)) << "round " << round;
  }
  EXPECT_GT(finite, 1000);
}

// Larger layered networks, where augmenting paths zigzag and the search trees are rebuilt often.
TEST(FlowNetwork, MatchesEdmondsKarpOnLayeredNetworks) {
  testing::Rng rng(31);
  for (int round = 0; round < 100; ++round) {
    const Index layers = 2 + rng.below(5), width = 2 + rng.below(12);
    const Index n = 2 + layers * width, s = 0, t = 1;
    std::vector<CapacityArc> arcs;
    const auto node = [&](Index layer, Index i) { return 2 + layer * width + i; };
    const auto capacity = [&](double unbounded) {
      return rng.chance(unbounded) ? kUnbounded : static_cast<std::int64_t>(rng.below(50));
    };
    for (Index i = 0; i < width; ++i) {
      arcs.push_back({s, node(0, i), capacity(0)});
      arcs.push_back({node(layers - 1, i), t, capacity(0.5)});
    }
    for (Index l = 0; l + 1 < layers; ++l) {
      for (Index i = 0; i < width; ++i) {
        for (Index j = 0; j < width; ++j) {
          if (rng.chance(0.3)) arcs.push_back({node(l, i), node(l + 1, j), capacity(0.5)});
          if (rng.chance(0.05)) arcs.push_back({node(l + 1, j), node(l, i), capacity(0)});
        }
      }
    }
    FlowNetwork net(n);
    for (const auto& a : arcs) net.add_arc(a.from, a.to, a.capacity);
    FlowNetwork plain = net;
    const ReferenceFlow expected = edmonds_karp(n, arcs, s, t);
    ASSERT_EQ(net.max_flow(s, t), expected.value) << "round " << round;
    ASSERT_EQ(net.source_side(), expected.source_side) << "round " << round;
    // Without the trees for repairs: the same value, and the cut from a search of its own.
    ASSERT_EQ(plain.max_flow(s, t, FlowNetwork::Repairs::none), expected.value) << "round " << round;
    ASSERT_EQ(plain.source_side(), expected.source_side) << "round " << round;
  }
}

// How far repairs relabel the source's tree before growing it again (Workspace::regrowth):
// never, at once, a little, the default.
constexpr std::array<double, 4> kRegrowths{std::numeric_limits<double>::infinity(), 0.0, 0.05, 1.0};

// Removing arcs after a maximum flow and repairing it gives the maximum flow of what is left.
TEST(FlowNetwork, MaxFlowWithoutMatchesEdmondsKarpOnWhatIsLeft) {
  testing::Rng rng(41);
  for (int round = 0; round < 1000; ++round) {
    const Index n = 2 + rng.below(9);
    std::vector<CapacityArc> arcs;
    for (Index i = 0, m = rng.below(5 * n); i < m; ++i) {
      const std::int64_t capacity = rng.chance(0.15)  ? kUnbounded
                                    : rng.chance(0.1) ? 0
                                                      : static_cast<std::int64_t>(1 + rng.below(30));
      arcs.push_back({rng.below(n), rng.below(n), capacity});
    }
    const Index s = rng.below(n), t = (s + 1 + rng.below(n - 1)) % n;
    FlowNetwork whole(n);
    for (const auto& a : arcs) whole.add_arc(a.from, a.to, a.capacity);
    ASSERT_EQ(whole.max_flow(s, t), edmonds_karp(n, arcs, s, t).value) << "round " << round;
    for (int trial = 0; trial < 3; ++trial) {
      std::vector<Index> removed;
      std::vector<CapacityArc> left = arcs;
      for (Index a = 0; a < arcs.size(); ++a) {
        if (!rng.chance(0.3)) continue;
        removed.push_back(a);
        left[a].capacity = 0;
      }
      FlowNetwork net = whole;
      const std::int64_t expected = edmonds_karp(n, left, s, t).value;
      ASSERT_EQ(net.max_flow_without(removed), expected) << "round " << round;
      // Worked on the network itself, which is put back as it was; the source's tree kept, given
      // up at once, or after some relabelling.
      for (const double regrowth : kRegrowths) {
        FlowNetwork::Workspace workspace;
        workspace.regrowth = regrowth;
        ASSERT_EQ(whole.max_flow_without_here(removed, workspace), expected) << "round " << round << " " << regrowth;
        for (Index a = 0; a < arcs.size(); ++a) ASSERT_EQ(whole.flow_on(a), net.flow_on(a)) << "round " << round;
        ASSERT_EQ(FlowNetwork(whole).max_flow_without(removed, workspace), expected) << "round " << round;
      }
    }
  }
}

// The greedy first flow on DAGs whose node ids are not in topological order (so it sorts them
// itself), with layers of very different capacities and some capacities near kUnbounded (its
// sums saturate): the value, the cut and a valid flow, as Edmonds-Karp.
TEST(FlowNetwork, GreedyFirstFlowOnShuffledDags) {
  testing::Rng rng(43);
  for (int round = 0; round < 300; ++round) {
    const Index n = 2 + rng.below(30);
    std::vector<Index> id(n);  // topological rank -> node id, shuffled
    for (Index i = 0; i < n; ++i) id[i] = i;
    for (Index i = n; i-- > 1;) std::swap(id[i], id[rng.below(i + 1)]);
    const Index s = id[0], t = id[n - 1];
    std::vector<CapacityArc> arcs;
    for (Index i = 0, m = rng.below(4 * n); i < m; ++i) {
      Index a = rng.below(n), b = rng.below(n);
      if (a == b) continue;
      if (a > b) std::swap(a, b);
      const std::int64_t capacity = rng.chance(0.1)    ? kUnbounded
                                    : rng.chance(0.05) ? kUnbounded / 3
                                                       : static_cast<std::int64_t>(rng.below(a == 0 ? 200 : 40));
      arcs.push_back({id[a], id[b], capacity});
    }
    FlowNetwork net(n);
    for (const auto& a : arcs) net.add_arc(a.from, a.to, a.capacity);
    const ReferenceFlow expected = edmonds_karp(n, arcs, s, t);
    const std::int64_t value = net.max_flow(s, t);
    ASSERT_EQ(value, expected.value) << "round " << round;
    if (value == kUnbounded) continue;
    ASSERT_EQ(net.source_side(), expected.source_side) << "round " << round;
    ASSERT_TRUE(is_flow(net, n, arcs, s, t, value)) << "round " << round;
  }
}

// Many repairs through one workspace, on layered networks (where the repair starts from the
// trees of the source and of the sink, and the removed arcs leave orphans, excess and demand in
// both): each gives the maximum flow of what is left, and the network keeps its own flow.
TEST(FlowNetwork, RepairsThroughOneWorkspaceMatchEdmondsKarp) {
  testing::Rng rng(47);
  FlowNetwork::Workspace workspace;
  for (int round = 0; round < 100; ++round) {
    const Index layers = 2 + rng.below(5), width = 2 + rng.below(10);
    const Index n = 2 + layers * width, s = 0, t = 1;
    const auto node = [&](Index layer, Index i) { return 2 + layer * width + i; };
    std::vector<CapacityArc> arcs;
    for (Index i = 0; i < width; ++i) {
      arcs.push_back({s, node(0, i), static_cast<std::int64_t>(rng.below(60))});
      arcs.push_back({node(layers - 1, i), t, rng.chance(0.5) ? kUnbounded : static_cast<std::int64_t>(rng.below(60))});
    }
    for (Index l = 0; l + 1 < layers; ++l) {
      for (Index i = 0; i < width; ++i) {
        for (Index j = 0; j < width; ++j) {
          if (rng.chance(0.3)) arcs.push_back({node(l, i), node(l + 1, j), static_cast<std::int64_t>(rng.below(40))});
          if (rng.chance(0.05)) arcs.push_back({node(l + 1, j), node(l, i), static_cast<std::int64_t>(rng.below(20))});
        }
      }
    }
    FlowNetwork net(n);
    for (const auto& a : arcs) net.add_arc(a.from, a.to, a.capacity);
    const std::int64_t value = net.max_flow(s, t);
    ASSERT_EQ(value, edmonds_karp(n, arcs, s, t).value) << "round " << round;
    std::vector<std::int64_t> flow(arcs.size());
    for (Index a = 0; a < arcs.size(); ++a) flow[a] = net.flow_on(a);
    for (int trial = 0; trial < 7; ++trial) {
      std::vector<Index> removed;
      std::vector<CapacityArc> left = arcs;
      // Small and medium removals are repaired; one that carries most of the flow (the last two
      // trials, usually) is solved again from nothing.
      const double share = trial == 0 ? 0.02 : trial < 5 ? 0.2 : 0.7;
      for (Index a = 0; a < arcs.size(); ++a) {
        if (!rng.chance(share)) continue;
        removed.push_back(a);
        if (rng.chance(0.1)) removed.push_back(a);  // listed twice
        left[a].capacity = 0;
      }
      const std::int64_t expected = edmonds_karp(n, left, s, t).value;
      // The source's tree kept, given up at once, or after some relabelling.
      for (const double regrowth : kRegrowths) {
        workspace.regrowth = regrowth;
        ASSERT_EQ(net.max_flow_without(removed, workspace), expected) << "round " << round << " trial " << trial;
        // On the network itself (the one-thread path of max_flow_without_each), put back after:
        // the next trials, on a copy and here, start from the solve's flow again.
        ASSERT_EQ(net.max_flow_without_here(removed, workspace), expected) << "round " << round << " trial " << trial;
        for (Index a = 0; a < arcs.size(); ++a) ASSERT_EQ(net.flow_on(a), flow[a]) << "round " << round << " trial " << trial;
      }
    }
    for (Index a = 0; a < arcs.size(); ++a) ASSERT_EQ(net.flow_on(a), flow[a]);
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

// Random arcs, each turned downstream (lower to higher vertex) with probability `downstream`, as
// in a supply chain, with the rest left to make cycles.
std::vector<Arc> downstream_arcs(testing::Rng& rng, Index n, Index count, double downstream) {
  auto arcs = testing::random_arcs(rng, n, count);
  for (Arc& a : arcs) {
    if (a.from > a.to && rng.chance(downstream)) std::swap(a.from, a.to);
  }
  return arcs;
}

TEST(MinVertexCut, MatchesSubsetEnumerationOnRandomGraphs) {
  testing::Rng rng(11);
  int finite = 0;
  for (int round = 0; round < 600; ++round) {
    const Index n = 2 + rng.below(9);
    const Index s = 0, t = n - 1;
    auto arcs = downstream_arcs(rng, n, n + rng.below(2 * n), 0.8);
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

// The textbook reduction as a reference for min_vertex_cut: every vertex on some source -> sink
// path split in two, Edmonds-Karp, and the split vertices cut nearest the source.
VertexCut reference_vertex_cut(const SupplyGraph& g, const GraphMask& m, Index s, const std::vector<Index>& sinks,
                               const std::vector<std::int64_t>& cap) {
  const Index n = g.vertex_count();
  std::vector<std::uint8_t> is_sink(n, 0), relevant(n, 0);
  for (Index t : sinks) is_sink[t] = 1;
  const auto from_source = testing::brute_reach(g, m, s);
  for (Index v = 0; v < n; ++v) {
    if (!from_source[v]) continue;
    const auto ahead = testing::brute_reach(g, m, v);
    for (Index t : sinks) relevant[v] = relevant[v] || ahead[t];
  }
  VertexCut r;
  if (is_sink[s]) {
    r.max_flow = relevant[s] ? kUnbounded : 0;
    return r;
  }
  const Index super_sink = 2 * n;  // vertex v: in-node 2v, out-node 2v + 1
  std::vector<CapacityArc> arcs;
  for (Index v = 0; v < n; ++v) {
    if (!relevant[v]) continue;
    if (is_sink[v]) {
      arcs.push_back({2 * v, super_sink, kUnbounded});
    } else {
      arcs.push_back({2 * v, 2 * v + 1, v == s ? kUnbounded : cap[v]});
    }
  }
  for (Index e = 0; e < g.edge_count(); ++e) {
    if (edge_usable(g, m, e) && relevant[g.source(e)] && relevant[g.target(e)]) {
      arcs.push_back({2 * g.source(e) + 1, 2 * g.target(e), kUnbounded});
    }
  }
  const ReferenceFlow flow = edmonds_karp(2 * n + 1, arcs, 2 * s, super_sink);
  r.max_flow = flow.value;
  if (r.max_flow == kUnbounded) return r;
  for (Index v = 0; v < n; ++v) {
    if (relevant[v] && v != s && !is_sink[v] && flow.source_side[2 * v] && !flow.source_side[2 * v + 1]) {
      r.cut.push_back(v);
    }
  }
  return r;
}

// Random graphs with zero, finite and unbounded vertex capacities, masks, several sinks, cycles,
// edges into the source and out of sinks: the same value and exactly the same cut.
TEST(MinVertexCut, MatchesNodeSplittingEdmondsKarpOnRandomGraphs) {
  testing::Rng rng(37);
  int finite = 0;
  for (int round = 0; round < 3000; ++round) {
    const Index n = 2 + rng.below(12);
    auto arcs = downstream_arcs(rng, n, n + rng.below(3 * n), 0.7);
    const Index s = rng.chance(0.8) ? 0 : rng.below(n);
    std::vector<Index> sinks{n - 1};
    if (rng.chance(0.4)) sinks.push_back(rng.below(n));
    if (rng.chance(0.2)) sinks.push_back(rng.below(n));
    if (std::find(sinks.begin(), sinks.end(), s) != sinks.end()) continue;
    std::erase_if(arcs, [&](const Arc& a) {
      return a.from == s && std::find(sinks.begin(), sinks.end(), a.to) != sinks.end() && rng.chance(0.8);
    });
    const SupplyGraph g = SupplyGraph::from_arcs(n, arcs);
    const GraphMask m = testing::random_mask(rng, g, 0.05, 0.1);
    std::vector<std::int64_t> cap(n);
    for (auto& c : cap) {
      c = rng.chance(0.05) ? kUnbounded : rng.chance(0.1) ? 0 : static_cast<std::int64_t>(1 + rng.below(9));
    }
    const VertexCut r = min_vertex_cut(g, m, s, sinks, cap);
    const VertexCut expected = reference_vertex_cut(g, m, s, sinks, cap);
    ASSERT_EQ(r.max_flow, expected.max_flow) << "round " << round;
    ASSERT_EQ(r.cut, expected.cut) << "round " << round;
    if (r.max_flow > 0 && r.max_flow < kUnbounded) ++finite;
  }
  EXPECT_GT(finite, 800);
}

TEST(MaxFlowWithoutEach, MatchesOneMaxFlowPerRemovalOnRandomGraphs) {
  testing::Rng rng(19);
  for (int round = 0; round < 600; ++round) {
    const Index n = 2 + rng.below(12);
    auto arcs = downstream_arcs(rng, n, n + rng.below(2 * n), 0.8);
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
