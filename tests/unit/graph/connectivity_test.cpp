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

// Boost 1.74's biconnected_components puts the second edge 0-1 into the block of the pendant edge
// 2-3; boost_bridges, the oracle below, merges parallel edges first.
TEST(Connectivity, AParallelEdgeIsNoBridgeForUsOrTheOracle) {
  const std::vector<Arc> arcs{{0, 1}, {1, 2}, {2, 0}, {1, 0}, {2, 3}};
  const SupplyGraph g = SupplyGraph::from_arcs(4, arcs);
  const Biconnectivity b = articulation_points_and_bridges(g, {});
  EXPECT_EQ(b.articulation_points, std::vector<Index>{2});
  EXPECT_EQ(b.bridges, std::vector<Index>{4});
  EXPECT_EQ(boost_bridges(g, {}), std::vector<Index>{4});
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

// Articulation points and bridges under a random mask against Boost, and on graphs of up to 100
// vertices against brute force too (removing each vertex and each edge in turn).
void check_against_boost_and_brute_force(const std::vector<Arc>& arcs, testing::Rng& rng, Index n, int round) {
  const SupplyGraph g = SupplyGraph::from_arcs(n, arcs);
  const GraphMask m = testing::random_mask(rng, g, 0.1, 0.1);
  const Biconnectivity b = articulation_points_and_bridges(g, m);
  ASSERT_EQ(b.articulation_points, boost_articulation_points(g, m)) << "round " << round;
  ASSERT_EQ(b.bridges, boost_bridges(g, m)) << "round " << round;
  if (n > 100) return;   // removing each vertex and edge in turn is quadratic
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

// Random arcs: small graphs of every density, and larger sparse ones (about one to one and a third
// arcs per vertex), where most vertices are decided from their children and some need the blocks.
void check_against_boost_and_brute_force(testing::Rng& rng, Index n, Index arcs_count, int round) {
  check_against_boost_and_brute_force(testing::random_arcs(rng, n, arcs_count), rng, n, round);
}

TEST(Connectivity, MatchesBoostAndBruteForceOnRandomGraphs) {
  testing::Rng rng(31);
  for (int round = 0; round < 400; ++round) {
    const Index n = 1 + rng.below(14);
    check_against_boost_and_brute_force(rng, n, rng.below(2 * n), round);
    if (HasFatalFailure()) return;
  }
}

// Sparse random graphs of n_min .. n_min + spread - 1 vertices.
void check_sparse_graphs(std::uint64_t seed, int rounds, Index n_min, Index spread) {
  testing::Rng rng(seed);
  for (int round = 0; round < rounds; ++round) {
    const Index n = n_min + rng.below(spread);
    check_against_boost_and_brute_force(rng, n, n - 1 + rng.below(n / 3 + 1), round);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(Connectivity, MatchesBoostAndBruteForceOnSparseGraphs) { check_sparse_graphs(37, 300, 10, 50); }

// Graphs whose breadth-first levels are long enough to be sorted by vertex (256 and more), so
// that a vertex's children are spread over its level.
TEST(Connectivity, MatchesBoostAndBruteForceWithSortedLevels) { check_sparse_graphs(41, 6, 1500, 1500); }

// Two random blobs with no vertex of degree one (a cycle with chords each) that share vertex 0:
// no tree can be rooted at a leaf, so the root's children are decided by the blocks, over sorted
// levels.
TEST(Connectivity, BlobsSharingAVertexNeedTheBlocksOverSortedLevels) {
  testing::Rng rng(43);
  for (int round = 0; round < 4; ++round) {
    const Index half = 700 + rng.below(300);
    const Index n = 2 * half - 1;
    std::vector<Arc> arcs;
    for (Index blob = 0; blob < 2; ++blob) {
      // blob 0: 0 .. half-1; blob 1: 0 and half .. n-1.
      std::vector<Index> members{0};
      for (Index i = 1; i < half; ++i) members.push_back(blob == 0 ? i : half - 1 + i);
      for (Index i = 0; i < half; ++i) arcs.push_back({members[i], members[(i + 1) % half]});
      for (Index i = 0; i < half / 2; ++i) arcs.push_back({members[rng.below(half)], members[rng.below(half)]});
    }
    const Biconnectivity b = articulation_points_and_bridges(SupplyGraph::from_arcs(n, arcs), {});
    EXPECT_EQ(b.articulation_points, std::vector<Index>{0}) << "round " << round;
    EXPECT_TRUE(b.bridges.empty()) << "round " << round;
    check_against_boost_and_brute_force(arcs, rng, n, round);
    if (HasFatalFailure()) return;
  }
}

// A star seen from one of its leaves: the second level holds every other leaf, more than the
// search's arrays have room after it, so it is sorted in a buffer of its own.
TEST(Connectivity, AStarOfThousandsOfLeaves) {
  const Index leaves = 3000;
  std::vector<Arc> arcs;
  for (Index v = 1; v <= leaves; ++v) arcs.push_back({0, v});
  const Biconnectivity b = articulation_points_and_bridges(SupplyGraph::from_arcs(leaves + 1, arcs), {});
  EXPECT_EQ(b.articulation_points, std::vector<Index>{0});
  std::vector<Index> all(leaves);
  for (Index e = 0; e < leaves; ++e) all[e] = e;
  EXPECT_EQ(b.bridges, all);
  // With some leaves joined in pairs (those edges and their ends are no bridges).
  testing::Rng rng(47);
  for (Index i = 0; i < 200; ++i) arcs.push_back({1 + rng.below(leaves), 1 + rng.below(leaves)});
  check_against_boost_and_brute_force(arcs, rng, leaves + 1, 0);
}

}  // namespace
}  // namespace chokepoint
