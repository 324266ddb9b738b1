#include "chokepoint/graph/dominators.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "chokepoint/graph/boost_reference.hpp"
#include "graph/graph_testing.hpp"

namespace chokepoint {
namespace {

SupplyGraph graph_of(Index n, std::vector<Arc> arcs) { return SupplyGraph::from_arcs(n, arcs); }

// Lengauer & Tarjan (1979), figure 1: vertices R, A..L as 0..12 with the idom table of the paper.
TEST(Dominators, LengauerTarjanPaperExample) {
  enum : Index { R, A, B, C, D, E, F, G, H, I, J, K, L };
  const SupplyGraph g = graph_of(13, {{R, A}, {R, B}, {R, C}, {A, D}, {B, A}, {B, D}, {B, E}, {C, F}, {C, G},
                                      {D, L}, {E, H}, {F, I}, {G, I}, {G, J}, {H, E}, {H, K}, {I, K}, {J, I},
                                      {K, I}, {K, R}, {L, H}});
  const std::vector<Index> expected{kNone, R, R, R, R, R, C, C, R, R, G, R, D};
  EXPECT_EQ(immediate_dominators(g, {}, R), expected);
  EXPECT_EQ(boost_immediate_dominators(g, {}, R), expected);
}

// Appel, "Modern Compiler Implementation", figure 19.8 (also in Boost's dominator tests).
TEST(Dominators, AppelFigure19_8) {
  const SupplyGraph g = graph_of(13, {{0, 1}, {0, 2}, {1, 3}, {1, 6}, {2, 4}, {2, 7}, {3, 5}, {3, 6}, {4, 7},
                                      {4, 2}, {5, 8}, {5, 10}, {6, 9}, {7, 12}, {8, 11}, {9, 8}, {10, 11},
                                      {11, 1}, {11, 12}});
  EXPECT_EQ(immediate_dominators(g, {}, 0), (std::vector<Index>{kNone, 0, 0, 1, 2, 3, 1, 2, 1, 6, 5, 1, 0}));
}

// libraries.md: Boost's 3-argument overload answers "none" here; the right answer is 1.
TEST(Dominators, UnreachablePredecessorDoesNotBreakTheTree) {
  const SupplyGraph g = graph_of(6, {{0, 1}, {1, 2}, {1, 3}, {2, 4}, {3, 4}, {5, 4}});
  const std::vector<Index> expected{kNone, 0, 1, 1, 1, kNone};
  EXPECT_EQ(immediate_dominators(g, {}, 0), expected);
  EXPECT_EQ(boost_immediate_dominators(g, {}, 0), expected);
}

TEST(Dominators, MasksRemoveVerticesAndEdges) {
  // 0 -> 1 -> 3, 0 -> 2 -> 3: no dominator but 0; without 2, vertex 1 dominates 3.
  const SupplyGraph g = graph_of(4, {{0, 1}, {0, 2}, {1, 3}, {2, 3}});
  EXPECT_EQ(immediate_dominators(g, {}, 0)[3], 0u);
  GraphMask no_two;
  no_two.vertex_on = {1, 1, 0, 1};
  EXPECT_EQ(immediate_dominators(g, no_two, 0), (std::vector<Index>{kNone, 0, kNone, 1}));
  GraphMask no_edge;
  no_edge.edge_on = {1, 1, 1, 0};
  EXPECT_EQ(immediate_dominators(g, no_edge, 0)[3], 1u);
  GraphMask entry_off;
  entry_off.vertex_on = {0, 1, 1, 1};
  EXPECT_EQ(immediate_dominators(g, entry_off, 0), (std::vector<Index>(4, kNone)));
}

TEST(Dominators, LongPathNeedsNoRecursion) {
  const Index n = 300000;
  std::vector<Arc> arcs;
  for (Index v = 0; v + 1 < n; ++v) arcs.push_back({v, v + 1});
  arcs.push_back({n - 1, 0});
  const auto idom = immediate_dominators(SupplyGraph::from_arcs(n, arcs), {}, 0);
  EXPECT_EQ(idom[n - 1], n - 2);
  EXPECT_EQ(idom[1], 0u);
}

TEST(Dominators, CommonDominatorsOfSeveralTargets) {
  // 0 -> 1 -> 2 -> {3, 4}; 1 -> 5; 6 unreachable.
  const SupplyGraph g = graph_of(7, {{0, 1}, {1, 2}, {2, 3}, {2, 4}, {1, 5}});
  const auto idom = immediate_dominators(g, {}, 0);
  const std::array<Index, 2> leaves{3, 4};
  EXPECT_EQ(common_dominators(idom, 0, leaves), (std::vector<Index>{0, 1, 2}));
  const std::array<Index, 3> spread{3, 5, 6};
  EXPECT_EQ(common_dominators(idom, 0, spread), (std::vector<Index>{0, 1}));
  const std::array<Index, 2> nested{2, 4};
  EXPECT_EQ(common_dominators(idom, 0, nested), (std::vector<Index>{0, 1, 2}));
  const std::array<Index, 1> unreachable{6};
  EXPECT_TRUE(common_dominators(idom, 0, unreachable).empty());
  const std::array<Index, 1> entry{0};
  EXPECT_EQ(common_dominators(idom, 0, entry), (std::vector<Index>{0}));
}

// v dominates t (t reachable) iff v is the entry, t itself, or removing v cuts t off.
std::vector<Index> brute_dominators(const SupplyGraph& g, const GraphMask& m, Index entry, Index t) {
  std::vector<Index> result;
  for (Index v = 0; v < g.vertex_count(); ++v) {
    if (v == entry || v == t) {
      result.push_back(v);
      continue;
    }
    std::vector<std::uint8_t> removed(g.vertex_count(), 0);
    removed[v] = 1;
    if (!testing::brute_reach(g, m, entry, removed)[t]) result.push_back(v);
  }
  return result;
}

std::vector<Index> chain_of(const std::vector<Index>& idom, Index entry, Index t) {
  std::vector<Index> chain{t};
  for (Index x = t; x != entry; x = idom[x]) chain.push_back(idom[x]);
  std::sort(chain.begin(), chain.end());
  return chain;
}

// The immediate dominators from `entry` against Boost's and against brute force (the vertices on
// every path); counts the reachable vertices whose immediate dominator is not the entry.
void check_dominators(const SupplyGraph& g, const GraphMask& m, Index entry, int round, int& nontrivial) {
  const Index n = g.vertex_count();
  const auto idom = immediate_dominators(g, m, entry);
  ASSERT_EQ(idom, boost_immediate_dominators(g, m, entry)) << "round " << round;
  const auto reach = testing::brute_reach(g, m, entry);
  for (Index t = 0; t < n; ++t) {
    if (!reach[t] || t == entry) {
      ASSERT_EQ(idom[t], kNone);
      continue;
    }
    ASSERT_EQ(chain_of(idom, entry, t), brute_dominators(g, m, entry, t)) << "round " << round << " t " << t;
    nontrivial += idom[t] != entry ? 1 : 0;
  }
}

TEST(Dominators, MatchBoostAndBruteForceOnRandomGraphs) {
  testing::Rng rng(2024);
  int nontrivial = 0;
  for (int round = 0; round < 400; ++round) {
    const Index n = 2 + rng.below(14);
    const auto arcs = testing::random_arcs(rng, n, rng.below(3 * n));
    const SupplyGraph g = SupplyGraph::from_arcs(n, arcs);
    const GraphMask m = testing::random_mask(rng, g, 0.1, 0.15);
    const Index entry = rng.below(n);
    check_dominators(g, m, entry, round, nontrivial);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(nontrivial, 200);
}

TEST(Dominators, MatchBoostOnLargerRandomGraphs) {
  testing::Rng rng(99);
  for (int round = 0; round < 20; ++round) {
    const Index n = 200 + rng.below(2000);
    const auto arcs = testing::random_arcs(rng, n, n + rng.below(2 * n));
    const SupplyGraph g = SupplyGraph::from_arcs(n, arcs);
    const GraphMask m = testing::random_mask(rng, g, 0.02, 0.05);
    ASSERT_EQ(immediate_dominators(g, m, 0), boost_immediate_dominators(g, m, 0)) << "round " << round;
  }
}

// Acyclic graphs take the topological-order path (no depth-first search). Arcs follow a random
// vertex order, so vertex numbers are not a topological order; self-loops and parallel arcs are
// kept (they leave the graph acyclic for dominators), and the entry may have predecessors.
std::vector<Arc> random_acyclic_arcs(testing::Rng& rng, Index n, Index arcs) {
  std::vector<Index> position(n);
  for (Index v = 0; v < n; ++v) position[v] = v;
  for (Index v = n; v-- > 1;) std::swap(position[v], position[rng.below(v + 1)]);
  std::vector<Arc> out = testing::random_arcs(rng, n, arcs);
  for (Arc& a : out) {
    if (position[a.from] > position[a.to]) std::swap(a.from, a.to);
  }
  return out;
}

TEST(Dominators, MatchBoostAndBruteForceOnRandomAcyclicGraphs) {
  testing::Rng rng(77);
  int nontrivial = 0;
  for (int round = 0; round < 400; ++round) {
    const Index n = 2 + rng.below(14);
    const SupplyGraph g = SupplyGraph::from_arcs(n, random_acyclic_arcs(rng, n, rng.below(3 * n)));
    const GraphMask m = testing::random_mask(rng, g, 0.1, 0.15);
    const Index entry = rng.below(n);
    check_dominators(g, m, entry, round, nontrivial);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(nontrivial, 50);
}

// Graphs whose vertex order is topological once the entry is moved first take the path that does
// not sort: arcs go from lower to higher numbers, except the entry's, which may go anywhere (as the
// root, the last vertex of a SupplyGraph, does); arcs into the entry are dropped. One round in
// four adds an arc into the entry, which sends the search down the sorting path instead.
TEST(Dominators, MatchBoostAndBruteForceWhenVerticesAreInTopologicalOrder) {
  testing::Rng rng(91);
  int nontrivial = 0;
  for (int round = 0; round < 400; ++round) {
    const Index n = 2 + rng.below(14);
    const Index entry = round % 2 == 0 ? n - 1 : rng.below(n);
    std::vector<Arc> arcs;
    for (Arc a : testing::random_arcs(rng, n, rng.below(3 * n))) {
      if (a.to == entry) std::swap(a.from, a.to);
      if (a.from != entry && a.from > a.to) std::swap(a.from, a.to);
      if (a.to != entry || a.from == entry) arcs.push_back(a);
    }
    if (round % 4 == 3) arcs.push_back({rng.below(n), entry});
    const SupplyGraph g = SupplyGraph::from_arcs(n, arcs);
    const GraphMask m = testing::random_mask(rng, g, 0.1, 0.15);
    check_dominators(g, m, entry, round, nontrivial);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(nontrivial, 50);
}

TEST(Dominators, MatchBoostOnLargerAcyclicGraphsAndWithOneCycleAdded) {
  testing::Rng rng(5);
  for (int round = 0; round < 20; ++round) {
    const Index n = 200 + rng.below(2000);
    std::vector<Arc> arcs = random_acyclic_arcs(rng, n, n + rng.below(2 * n));
    const SupplyGraph dag = SupplyGraph::from_arcs(n, arcs);
    const GraphMask m = testing::random_mask(rng, dag, 0.02, 0.05);
    ASSERT_EQ(immediate_dominators(dag, m, 0), boost_immediate_dominators(dag, m, 0)) << "round " << round;
    // One arc against the order makes a cycle (or a self-loop): the general path must agree too.
    const Arc back{arcs[0].to, arcs[0].from};
    arcs.push_back(back);
    const SupplyGraph cyclic = SupplyGraph::from_arcs(n, arcs);
    ASSERT_EQ(immediate_dominators(cyclic, {}, 0), boost_immediate_dominators(cyclic, {}, 0)) << "round " << round;
  }
}

// A cycle the entry cannot reach still sends the search down the general path; same answer.
TEST(Dominators, CycleOutsideTheReachablePart) {
  // 0 -> 1 -> 3, 0 -> 2 -> 3; 4 <-> 5 -> 3 is unreachable from 0.
  const SupplyGraph g = graph_of(6, {{0, 1}, {0, 2}, {1, 3}, {2, 3}, {4, 5}, {5, 4}, {5, 3}});
  const std::vector<Index> expected{kNone, 0, 0, 0, kNone, kNone};
  EXPECT_EQ(immediate_dominators(g, {}, 0), expected);
  GraphMask cut;  // without the arc 5 -> 4 the graph is acyclic
  cut.edge_on = {1, 1, 1, 1, 1, 0, 1};
  EXPECT_EQ(immediate_dominators(g, cut, 0), expected);
}

}  // namespace
}  // namespace chokepoint
