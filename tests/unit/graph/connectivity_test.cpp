#include "chokepoint/graph/connectivity.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

#include "chokepoint/graph/boost_reference.hpp"
#include "graph/graph_testing.hpp"

namespace chokepoint {
namespace {

const BiconnectivityOptions kSizes{.sizes = true};

// Two triangles 0-1-2 and 3-4-5 joined by the edge 2 -> 3, with a pendant 6 on 5.
TEST(Connectivity, TrianglesJoinedByABridge) {
  const SupplyGraph g = SupplyGraph::from_arcs(
      7, std::vector<Arc>{{0, 1}, {1, 2}, {2, 0}, {2, 3}, {3, 4}, {4, 5}, {5, 3}, {5, 6}});
  const Biconnectivity b = articulation_points_and_bridges(g, {}, kSizes);
  EXPECT_EQ(b.articulation_points, (std::vector<Index>{2, 3, 5}));
  EXPECT_EQ(b.bridges, (std::vector<Index>{3, 7}));
  // 2 -> 3 leaves the triangle 0-1-2 on its source's side and 3, 4, 5 and 6 on its target's.
  EXPECT_EQ(b.bridge_sides, (std::vector<BridgeSides>{{3, 4}, {6, 1}}));
  // Without 2: {0, 1} and {3, 4, 5, 6}; without 3: {0, 1, 2} and {4, 5, 6}; without 5: 0-4 and {6}.
  EXPECT_EQ(b.articulation_splits, (std::vector<ArticulationSplit>{{2, 4, 6}, {2, 3, 6}, {2, 5, 6}}));
  EXPECT_EQ(boost_articulation_points(g, {}), b.articulation_points);
  // Who each loss cuts off from the largest piece left: 0 and 1; 4, 5 and 6 (two pieces of three,
  // the one with vertex 0 stays); the pendant 6.
  EXPECT_EQ(cut_off_by(g, {}, 2, b.articulation_splits[0], 3).cut_off, (std::vector<Index>{0, 1}));
  EXPECT_TRUE(cut_off_by(g, {}, 2, b.articulation_splits[0], 3).stays.empty());   // four stay
  EXPECT_EQ(cut_off_by(g, {}, 2, b.articulation_splits[0], 4).stays, (std::vector<Index>{3, 4, 5, 6}));
  EXPECT_EQ(cut_off_by(g, {}, 3, b.articulation_splits[1], 3).cut_off, (std::vector<Index>{4, 5, 6}));
  EXPECT_EQ(cut_off_by(g, {}, 3, b.articulation_splits[1], 3).stays, (std::vector<Index>{0, 1, 2}));
  EXPECT_EQ(cut_off_by(g, {}, 5, b.articulation_splits[2], 3).cut_off, (std::vector<Index>{6}));
  EXPECT_TRUE(cut_off_by(g, {}, 3, b.articulation_splits[1], 2).cut_off.empty());   // more than the limit
}

// A path 0 - 1 - 2: losing 1 leaves two pieces of one vertex; the one with the lower vertex stays.
TEST(Connectivity, OfTwoLargestPiecesTheLowerVertexStays) {
  const SupplyGraph g = SupplyGraph::from_arcs(3, std::vector<Arc>{{2, 1}, {1, 0}});
  const Biconnectivity b = articulation_points_and_bridges(g, {}, kSizes);
  ASSERT_EQ(b.articulation_points, (std::vector<Index>{1}));
  EXPECT_EQ(cut_off_by(g, {}, 1, b.articulation_splits[0], 3).cut_off, (std::vector<Index>{2}));
  EXPECT_EQ(cut_off_by(g, {}, 1, b.articulation_splits[0], 3).stays, (std::vector<Index>{0}));
}

TEST(Connectivity, ParallelAndTwoWayLinksAreNotBridges) {
  const SupplyGraph g = SupplyGraph::from_arcs(4, std::vector<Arc>{{0, 1}, {0, 1}, {1, 2}, {2, 1}, {2, 3}, {3, 3}});
  const Biconnectivity b = articulation_points_and_bridges(g, {}, kSizes);
  EXPECT_EQ(b.bridges, (std::vector<Index>{4}));
  EXPECT_EQ(b.articulation_points, (std::vector<Index>{1, 2}));
}

TEST(Connectivity, MaskedRootIsLeftOut) {
  // A star from vertex 3 (think of the root R) over a path 0 - 1 - 2.
  const SupplyGraph g = SupplyGraph::from_arcs(4, std::vector<Arc>{{0, 1}, {1, 2}, {3, 0}, {3, 2}});
  EXPECT_TRUE(articulation_points_and_bridges(g, {}, kSizes).articulation_points.empty());
  GraphMask no_root;
  no_root.vertex_on = {1, 1, 1, 0};
  const Biconnectivity b = articulation_points_and_bridges(g, no_root, kSizes);
  EXPECT_EQ(b.articulation_points, (std::vector<Index>{1}));
  EXPECT_EQ(b.bridges, (std::vector<Index>{0, 1}));
  EXPECT_EQ(b.bridge_sides, (std::vector<BridgeSides>{{1, 2}, {2, 1}}));   // the root is not counted
}

TEST(Connectivity, LongPathNeedsNoRecursion) {
  const Index n = 300000;
  std::vector<Arc> arcs;
  for (Index v = 0; v + 1 < n; ++v) arcs.push_back({v, v + 1});
  const Biconnectivity b = articulation_points_and_bridges(SupplyGraph::from_arcs(n, arcs), {}, kSizes);
  EXPECT_EQ(b.articulation_points.size(), n - 2);
  ASSERT_EQ(b.bridges.size(), n - 1);
  for (Index e = 0; e + 1 < n; e += 997) {   // edge e leaves 0..e on one side
    EXPECT_EQ(b.bridge_sides[e], (BridgeSides{e + 1, n - e - 1})) << e;
  }
}

// Known answers for the cases the breadth-first method (src/graph/connectivity.cpp) cannot decide
// from a vertex's children alone, so that it needs the blocks.

// A triangle 1-2-3 with a pendant 0: rooted at the leaf 0, vertex 1's children 2 and 3 reach only
// each other.
TEST(Connectivity, ChildrenThatReachOnlyEachOtherNeedTheBlocks) {
  const SupplyGraph g = SupplyGraph::from_arcs(4, std::vector<Arc>{{0, 1}, {1, 2}, {1, 3}, {2, 3}});
  const Biconnectivity b = articulation_points_and_bridges(g, {}, kSizes);
  EXPECT_EQ(b.articulation_points, (std::vector<Index>{1}));
  EXPECT_EQ(b.bridges, (std::vector<Index>{0}));
}

// Two triangles sharing vertex 2 (a bow tie): no vertex has a single edge, so the root has several
// children and none of them is closed.
TEST(Connectivity, ABowTieWithoutLeavesNeedsTheBlocks) {
  const SupplyGraph g =
      SupplyGraph::from_arcs(5, std::vector<Arc>{{0, 1}, {1, 2}, {2, 0}, {2, 3}, {3, 4}, {4, 2}});
  const Biconnectivity b = articulation_points_and_bridges(g, {}, kSizes);
  EXPECT_EQ(b.articulation_points, (std::vector<Index>{2}));
  EXPECT_TRUE(b.bridges.empty());
}

// A vertex whose only edge is switched off is not a leaf to root a tree at.
TEST(Connectivity, AnEdgeSwitchedOffDoesNotCountTowardsALeaf) {
  // Path 0 - 1 - 2 - 3 closed into a cycle by 3 - 0, plus 4 - 0 switched off.
  const SupplyGraph g = SupplyGraph::from_arcs(5, std::vector<Arc>{{0, 1}, {1, 2}, {2, 3}, {3, 0}, {4, 0}});
  GraphMask m;
  m.edge_on = {1, 1, 1, 1, 0};
  const Biconnectivity b = articulation_points_and_bridges(g, m, kSizes);
  EXPECT_TRUE(b.articulation_points.empty());
  EXPECT_TRUE(b.bridges.empty());
}

TEST(Connectivity, EmptyAndSwitchedOffGraphsHaveNoCuts) {
  const Biconnectivity none = articulation_points_and_bridges(SupplyGraph::from_arcs(0, std::vector<Arc>{}), {}, kSizes);
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
  const Biconnectivity b = articulation_points_and_bridges(SupplyGraph::from_arcs(n, arcs), {}, kSizes);
  EXPECT_TRUE(b.articulation_points.empty());
  EXPECT_TRUE(b.bridges.empty());
}

// Boost 1.74's biconnected_components puts the second edge 0-1 into the block of the pendant edge
// 2-3; boost_bridges, the oracle below, merges parallel edges first.
TEST(Connectivity, AParallelEdgeIsNoBridgeForUsOrTheOracle) {
  const std::vector<Arc> arcs{{0, 1}, {1, 2}, {2, 0}, {1, 0}, {2, 3}};
  const SupplyGraph g = SupplyGraph::from_arcs(4, arcs);
  const Biconnectivity b = articulation_points_and_bridges(g, {}, kSizes);
  EXPECT_EQ(b.articulation_points, std::vector<Index>{2});
  EXPECT_EQ(b.bridges, std::vector<Index>{4});
  EXPECT_EQ(boost_bridges(g, {}), std::vector<Index>{4});
}

// Per vertex, a name for its connected component in the undirected view without one vertex and
// one edge (kNone: none removed); switched-off vertices are left alone.
std::vector<Index> component_roots(const SupplyGraph& g, const GraphMask& m, Index removed_vertex, Index removed_edge) {
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
  for (Index v = 0; v < g.vertex_count(); ++v) parent[v] = find(v);
  return parent;
}

// Number of connected components of the undirected view among switched-on, non-removed vertices.
int components(const SupplyGraph& g, const GraphMask& m, Index removed_vertex, Index removed_edge) {
  const std::vector<Index> root = component_roots(g, m, removed_vertex, removed_edge);
  int count = 0;
  for (Index v = 0; v < g.vertex_count(); ++v) count += m.vertex(v) && v != removed_vertex && root[v] == v ? 1 : 0;
  return count;
}

// The switched-on vertices joined to the source and to the target of edge e once it is removed.
BridgeSides sides_without(const SupplyGraph& g, const GraphMask& m, Index removed_edge) {
  const std::vector<Index> root = component_roots(g, m, kNone, removed_edge);
  BridgeSides sides;
  for (Index v = 0; v < g.vertex_count(); ++v) {
    if (!m.vertex(v)) continue;
    sides.source += root[v] == root[g.source(removed_edge)] ? 1 : 0;
    sides.target += root[v] == root[g.target(removed_edge)] ? 1 : 0;
  }
  return sides;
}

// Each bridge's sides against a search without it: one union-find per bridge, so on graphs with
// more than 100 bridges every (count / 100)-th of them.
void check_bridge_sides(const SupplyGraph& g, const GraphMask& m, const Biconnectivity& b, int round) {
  ASSERT_EQ(b.bridge_sides.size(), b.bridges.size()) << "round " << round;
  for (std::size_t k = 0; k < b.bridges.size(); k += std::max<std::size_t>(1, b.bridges.size() / 100)) {
    const Index e = b.bridges[k];
    ASSERT_EQ(b.bridge_sides[k], sides_without(g, m, e)) << "round " << round << " bridge " << e;
    // bridge_side lists each side's vertices up to a limit of 1, 3 and every vertex.
    const std::vector<Index> root = component_roots(g, m, kNone, e);
    for (const Index end : {g.source(e), g.target(e)}) {
      std::vector<Index> side;
      for (Index v = 0; v < g.vertex_count(); ++v) {
        if (m.vertex(v) && root[v] == root[end]) side.push_back(v);
      }
      for (const Index limit : {Index{1}, Index{3}, g.vertex_count()}) {
        ASSERT_EQ(bridge_side(g, m, e, end, limit), side.size() <= limit ? side : std::vector<Index>{})
            << "round " << round << " bridge " << e << " end " << end << " limit " << limit;
      }
    }
  }
}

// What removing vertex v leaves of its component: the pieces among the other vertices.
ArticulationSplit split_without(const SupplyGraph& g, const GraphMask& m, Index removed) {
  const std::vector<Index> before = component_roots(g, m, kNone, kNone), after = component_roots(g, m, removed, kNone);
  std::map<Index, Index> pieces;   // root after -> vertices
  ArticulationSplit split;
  for (Index v = 0; v < g.vertex_count(); ++v) {
    if (v == removed || !m.vertex(v) || before[v] != before[removed]) continue;
    ++pieces[after[v]];
    ++split.total;
  }
  split.pieces = static_cast<Index>(pieces.size());
  for (const auto& [root, size] : pieces) split.largest = std::max(split.largest, size);
  return split;
}

// Who removing vertex v separates: the vertices of its component outside the largest piece left,
// and the largest piece's (of several largest, the one with the lowest vertex stays), ascending.
CutOff cut_off_without(const SupplyGraph& g, const GraphMask& m, Index removed) {
  const std::vector<Index> before = component_roots(g, m, kNone, kNone), after = component_roots(g, m, removed, kNone);
  std::map<Index, std::vector<Index>> pieces;   // root after -> vertices, ascending
  for (Index v = 0; v < g.vertex_count(); ++v) {
    if (v != removed && m.vertex(v) && before[v] == before[removed]) pieces[after[v]].push_back(v);
  }
  const std::vector<Index>* stays = nullptr;
  for (const auto& [root, piece] : pieces) {
    if (!stays || piece.size() > stays->size() || (piece.size() == stays->size() && piece[0] < (*stays)[0])) stays = &piece;
  }
  CutOff split;
  for (const auto& [root, piece] : pieces) {
    if (&piece != stays) split.cut_off.insert(split.cut_off.end(), piece.begin(), piece.end());
  }
  std::sort(split.cut_off.begin(), split.cut_off.end());
  if (stays) split.stays = *stays;
  return split;
}

// Each articulation point's split, and who it separates, against a search without it (every
// (count / 100)-th, as above); cut_off_by lists them up to a limit of 1, 3 and every vertex.
void check_articulation_splits(const SupplyGraph& g, const GraphMask& m, const Biconnectivity& b, int round) {
  ASSERT_EQ(b.articulation_splits.size(), b.articulation_points.size()) << "round " << round;
  const std::size_t step = std::max<std::size_t>(1, b.articulation_points.size() / 100);
  for (std::size_t k = 0; k < b.articulation_points.size(); k += step) {
    const Index v = b.articulation_points[k];
    ASSERT_EQ(b.articulation_splits[k], split_without(g, m, v)) << "round " << round << " vertex " << v;
    const CutOff expected = cut_off_without(g, m, v);
    for (const Index limit : {Index{1}, Index{3}, g.vertex_count()}) {
      const CutOff found = cut_off_by(g, m, v, b.articulation_splits[k], limit);
      const bool listed = expected.cut_off.size() <= limit;
      ASSERT_EQ(found.cut_off, listed ? expected.cut_off : std::vector<Index>{})
          << "round " << round << " vertex " << v << " limit " << limit;
      ASSERT_EQ(found.stays, listed && expected.stays.size() <= limit ? expected.stays : std::vector<Index>{})
          << "round " << round << " vertex " << v << " limit " << limit;
    }
  }
}

// Articulation points and bridges under a random mask against Boost, and on graphs of up to 100
// vertices against brute force too (removing each vertex and each edge in turn).
void check_against_boost_and_brute_force(const std::vector<Arc>& arcs, testing::Rng& rng, Index n, int round) {
  const SupplyGraph g = SupplyGraph::from_arcs(n, arcs);
  const GraphMask m = testing::random_mask(rng, g, 0.1, 0.1);
  const Biconnectivity b = articulation_points_and_bridges(g, m, kSizes);
  ASSERT_EQ(b.articulation_points, boost_articulation_points(g, m)) << "round " << round;
  const Biconnectivity plain = articulation_points_and_bridges(g, m);   // the same sets, without sizes
  ASSERT_EQ(plain.articulation_points, b.articulation_points) << "round " << round;
  ASSERT_EQ(plain.bridges, b.bridges) << "round " << round;
  ASSERT_TRUE(plain.articulation_splits.empty() && plain.bridge_sides.empty()) << "round " << round;
  ASSERT_EQ(b.bridges, boost_bridges(g, m)) << "round " << round;
  check_bridge_sides(g, m, b, round);
  check_articulation_splits(g, m, b, round);
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
    const Biconnectivity b = articulation_points_and_bridges(SupplyGraph::from_arcs(n, arcs), {}, kSizes);
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
  const Biconnectivity b = articulation_points_and_bridges(SupplyGraph::from_arcs(leaves + 1, arcs), {}, kSizes);
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
