#include "chokepoint/graph/connectivity.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "chokepoint/graph/boost_reference.hpp"
#include "graph/graph_testing.hpp"

namespace chokepoint {
namespace {

// Two triangles 0-1-2 and 3-4-5 joined by the edge 2 -> 3, with a pendant 6 on 5.
TEST(Connectivity, TrianglesJoinedByABridge) {
  const SupplyGraph g = SupplyGraph::from_arcs(
      7, std::vector<Arc>{{0, 1}, {1, 2}, {2, 0}, {2, 3}, {3, 4}, {4, 5}, {5, 3}, {5, 6}});
  const Biconnectivity b = articulation_points_and_bridges(g, {});
  EXPECT_EQ(b.articulation_points, (std::vector<Index>{2, 3, 5}));
  EXPECT_EQ(b.bridges, (std::vector<Index>{3, 7}));
  EXPECT_EQ(boost_articulation_points(g, {}), b.articulation_points);
}

TEST(Connectivity, ParallelAndTwoWayLinksAreNotBridges) {
  const SupplyGraph g = SupplyGraph::from_arcs(4, std::vector<Arc>{{0, 1}, {0, 1}, {1, 2}, {2, 1}, {2, 3}, {3, 3}});
  const Biconnectivity b = articulation_points_and_bridges(g, {});
  EXPECT_EQ(b.bridges, (std::vector<Index>{4}));
  EXPECT_EQ(b.articulation_points, (std::vector<Index>{1, 2}));
}

TEST(Connectivity, MaskedRootIsLeftOut) {
  // A star from vertex 3 (think of the root R) over a path 0 - 1 - 2.
  const SupplyGraph g = SupplyGraph::from_arcs(4, std::vector<Arc>{{0, 1}, {1, 2}, {3, 0}, {3, 2}});
  EXPECT_TRUE(articulation_points_and_bridges(g, {}).articulation_points.empty());
  GraphMask no_root;
  no_root.vertex_on = {1, 1, 1, 0};
  const Biconnectivity b = articulation_points_and_bridges(g, no_root);
  EXPECT_EQ(b.articulation_points, (std::vector<Index>{1}));
  EXPECT_EQ(b.bridges, (std::vector<Index>{0, 1}));
}

TEST(Connectivity, LongPathNeedsNoRecursion) {
  const Index n = 300000;
  std::vector<Arc> arcs;
  for (Index v = 0; v + 1 < n; ++v) arcs.push_back({v, v + 1});
  const Biconnectivity b = articulation_points_and_bridges(SupplyGraph::from_arcs(n, arcs), {});
  EXPECT_EQ(b.articulation_points.size(), n - 2);
  EXPECT_EQ(b.bridges.size(), n - 1);
}

// Known answers for the cases the breadth-first method (src/graph/connectivity.cpp) cannot decide
// from a vertex's children alone, so that it needs the blocks.

// A triangle 1-2-3 with a pendant 0: rooted at the leaf 0, vertex 1's children 2 and 3 reach only
// each other.
TEST(Connectivity, ChildrenThatReachOnlyEachOtherNeedTheBlocks) {
  const SupplyGraph g = SupplyGraph::from_arcs(4, std::vector<Arc>{{0, 1}, {1, 2}, {1, 3}, {2, 3}});
  const Biconnectivity b = articulation_points_and_bridges(g, {});
  EXPECT_EQ(b.articulation_points, (std::vector<Index>{1}));
  EXPECT_EQ(b.bridges, (std::vector<Index>{0}));
}

// Two triangles sharing vertex 2 (a bow tie): no vertex has a single edge, so the root has several
// children and none of them is closed.
TEST(Connectivity, ABowTieWithoutLeavesNeedsTheBlocks) {
  const SupplyGraph g =
      SupplyGraph::from_arcs(5, std::vector<Arc>{{0, 1}, {1, 2}, {2, 0}, {2, 3}, {3, 4}, {4, 2}});
  const Biconnectivity b = articulation_points_and_bridges(g, {});
  EXPECT_EQ(b.articulation_points, (std::vector<Index>{2}));
  EXPECT_TRUE(b.bridges.empty());
}

// A vertex whose only edge is switched off is not a leaf to root a tree at.
TEST(Connectivity, AnEdgeSwitchedOffDoesNotCountTowardsALeaf) {
  // Path 0 - 1 - 2 - 3 closed into a cycle by 3 - 0, plus 4 - 0 switched off.
  const SupplyGraph g = SupplyGraph::from_arcs(5, std::vector<Arc>{{0, 1}, {1, 2}, {2, 3}, {3, 0}, {4, 0}});
  GraphMask m;
  m.edge_on = {1, 1, 1, 1, 0};
  const Biconnectivity b = articulation_points_and_bridges(g, m);
  EXPECT_TRUE(b.articulation_points.empty());
  EXPECT_TRUE(b.bridges.empty());
}

TEST(Connectivity, EmptyAndSwitchedOffGraphsHaveNoCuts) {
  const Biconnectivity none = articulation_points_and_bridges(SupplyGraph::from_arcs(0, std::vector<Arc>{}), {});
  EXPECT_TRUE(none.articulation_points.empty());
  EXPECT_TRUE(none.bridges.empty());
  const SupplyGraph g = SupplyGraph::from_arcs(3, std::vector<Arc>{{0, 1}, {1, 2}});
  GraphMask off;
  off.vertex_on = {0, 0, 0};
  const Biconnectivity b = articulation_points_and_bridges(g, off);
  EXPECT_TRUE(b.articulation_points.empty());
  EXPECT_TRUE(b.bridges.empty());
}

TEST(Connectivity, LongCycleHasNoCuts) {
  const Index n = 300000;
  std::vector<Arc> arcs;
  for (Index v = 0; v < n; ++v) arcs.push_back({v, (v + 1) % n});
  const Biconnectivity b = articulation_points_and_bridges(SupplyGraph::from_arcs(n, arcs), {});
  EXPECT_TRUE(b.articulation_points.empty());
  EXPECT_TRUE(b.bridges.empty());
}

// Number of connected components of the undirected view among switched-on, non-removed vertices.
int components(const SupplyGraph& g, const GraphMask& m, Index removed_vertex, Index removed_edge) {
  std::vector<Index> parent(g.vertex_count());
  for (Index v = 0; v < g.vertex_count(); ++v) parent[v] = v;
  const auto find = [&](Index v) {
    while (parent[v] != v) v = parent[v] = parent[parent[v]];
    return v;
  };
  for (Index e = 0; e < g.edge_count(); ++e) {
    if (e == removed_edge || !edge_usable(g, m, e)) continue;
    if (g.source(e) == removed_vertex || g.target(e) == removed_vertex) continue;
    parent[find(g.source(e))] = find(g.target(e));
  }
  int count = 0;
  for (Index v = 0; v < g.vertex_count(); ++v) count += m.vertex(v) && v != removed_vertex && find(v) == v ? 1 : 0;
  return count;
}

// Small graphs of every density, and larger sparse ones (random arcs, about one to one and a third
// per vertex), where most vertices are decided from their children and some need the blocks.
void check_against_boost_and_brute_force(testing::Rng& rng, Index n, Index arcs_count, int round) {
  const auto arcs = testing::random_arcs(rng, n, arcs_count);
  const SupplyGraph g = SupplyGraph::from_arcs(n, arcs);
  const GraphMask m = testing::random_mask(rng, g, 0.1, 0.1);
  const Biconnectivity b = articulation_points_and_bridges(g, m);
  ASSERT_EQ(b.articulation_points, boost_articulation_points(g, m)) << "round " << round;
  const int base = components(g, m, kNone, kNone);
  std::vector<Index> points, bridges;
  for (Index v = 0; v < n; ++v) {
    // Removing an isolated vertex lowers the count by one; an articulation point raises it.
    if (m.vertex(v) && components(g, m, v, kNone) > base) points.push_back(v);
  }
  for (Index e = 0; e < g.edge_count(); ++e) {
    if (edge_usable(g, m, e) && components(g, m, kNone, e) > base) bridges.push_back(e);
  }
  ASSERT_EQ(b.articulation_points, points) << "round " << round;
  ASSERT_EQ(b.bridges, bridges) << "round " << round;
}

TEST(Connectivity, MatchesBoostAndBruteForceOnRandomGraphs) {
  testing::Rng rng(31);
  for (int round = 0; round < 400; ++round) {
    const Index n = 1 + rng.below(14);
    check_against_boost_and_brute_force(rng, n, rng.below(2 * n), round);
    if (HasFatalFailure()) return;
  }
}

TEST(Connectivity, MatchesBoostAndBruteForceOnSparseGraphs) {
  testing::Rng rng(37);
  for (int round = 0; round < 300; ++round) {
    const Index n = 10 + rng.below(50);
    check_against_boost_and_brute_force(rng, n, n - 1 + rng.below(n / 3 + 1), round);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace chokepoint
