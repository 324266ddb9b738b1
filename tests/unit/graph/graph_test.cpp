#include "chokepoint/graph/graph.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "chokepoint/graph/reachability.hpp"
#include "graph/graph_testing.hpp"

namespace chokepoint {
namespace {

std::vector<Index> vertices(std::span<const Adjacent> row) {
  std::vector<Index> out;
  for (const Adjacent& a : row) out.push_back(a.vertex);
  return out;
}

std::vector<Index> edges(std::span<const Adjacent> row) {
  std::vector<Index> out;
  for (const Adjacent& a : row) out.push_back(a.edge);
  return out;
}

Dataset three_stage_dataset() {
  Dataset d;
  const auto facility = [&](const char* id, Stage stage) {
    Facility f;
    f.id = id;
    f.stage = stage;
    d.facilities.push_back(f);
  };
  facility("mine-a", Stage::mine);        // 0
  facility("sep-b", Stage::separation);   // 1
  facility("mine-c", Stage::mine);        // 2
  facility("magnet-d", Stage::magnet);    // 3
  const auto link = [&](Index from, Index to) {
    Link l;
    l.from = from;
    l.to = to;
    d.links.push_back(l);
  };
  link(0, 1);
  link(2, 1);
  link(1, 3);
  link(0, 1);  // a second material on the same pair
  d.build_indexes();
  return d;
}

TEST(SupplyGraph, BuildsRootLinksAndBothDirections) {
  const Dataset d = three_stage_dataset();
  const SupplyGraph g = SupplyGraph::build(d);
  EXPECT_EQ(g.facility_count(), 4u);
  EXPECT_EQ(g.vertex_count(), 5u);
  EXPECT_EQ(g.root(), 4u);
  EXPECT_EQ(g.link_count(), 4u);
  ASSERT_EQ(g.edge_count(), 6u);  // 4 links + R->mine-a, R->mine-c
  EXPECT_EQ(vertices(g.out(g.root())), (std::vector<Index>{0, 2}));
  EXPECT_EQ(edges(g.out(0)), (std::vector<Index>{0, 3}));
  EXPECT_EQ(edges(g.in(1)), (std::vector<Index>{0, 1, 3}));
  EXPECT_EQ(vertices(g.in(1)), (std::vector<Index>{0, 2, 0}));
  EXPECT_EQ(vertices(g.in(0)), (std::vector<Index>{4}));
  // both(v): out(v) then in(v), for every vertex.
  EXPECT_EQ(edges(g.both(0)), (std::vector<Index>{0, 3, 4}));
  EXPECT_EQ(vertices(g.both(1)), (std::vector<Index>{3, 0, 2, 0}));
  for (Index v = 0; v < g.vertex_count(); ++v) {
    std::vector<Index> joined = edges(g.out(v));
    for (Index e : edges(g.in(v))) joined.push_back(e);
    EXPECT_EQ(edges(g.both(v)), joined) << "vertex " << v;
  }
  EXPECT_EQ(g.link_of(2), 2u);
  EXPECT_EQ(g.link_of(4), kNone);
  EXPECT_EQ(g.source(4), g.root());
}

TEST(SupplyGraph, SourceStagesChooseTheRootEdges) {
  const Dataset d = three_stage_dataset();
  const SupplyGraph g = SupplyGraph::build(d, GraphOptions{{Stage::mine, Stage::separation}});
  EXPECT_EQ(vertices(g.out(g.root())), (std::vector<Index>{0, 1, 2}));
}

// The vertices' own order with the root first when it is topological, Kahn's when not, none when
// the graph has a cycle; self-loops never count.
TEST(SupplyGraph, TopologicalOrder) {
  const SupplyGraph listed = SupplyGraph::build(three_stage_dataset());  // mine-a, sep-b, mine-c: not in order
  const std::vector<Index> kahn{4, 0, 2, 1, 3};                            // R first: the only source
  EXPECT_EQ(listed.topological_order(), kahn);
  EXPECT_EQ(listed.topological_rank(), (std::vector<Index>{1, 3, 2, 4, 0}));

  const SupplyGraph own = SupplyGraph::from_arcs(4, std::vector<Arc>{{0, 2}, {1, 2}, {2, 2}, {2, 3}, {0, 3}});
  EXPECT_EQ(own.topological_order(), (std::vector<Index>{0, 1, 2, 3}));
  EXPECT_EQ(own.topological_rank(), (std::vector<Index>{0, 1, 2, 3}));

  const SupplyGraph cyclic = SupplyGraph::from_arcs(3, std::vector<Arc>{{0, 1}, {1, 2}, {2, 1}});
  EXPECT_TRUE(cyclic.topological_order().empty());
  EXPECT_TRUE(cyclic.topological_rank().empty());
  EXPECT_EQ(cyclic.topological_order().capacity(), 0U);  // the failed attempt holds no memory
}

// On random graphs: a permutation exactly when acyclic, with every edge going forward.
TEST(SupplyGraph, TopologicalOrderMatchesBruteForceOnRandomGraphs) {
  testing::Rng rng(3);
  int acyclic = 0;
  for (int round = 0; round < 300; ++round) {
    const Index n = 1 + rng.below(10);
    const auto arcs = testing::random_arcs(rng, n, rng.below(2 * n));
    const SupplyGraph g = SupplyGraph::from_arcs(n, arcs);
    // Brute force: acyclic when no vertex reaches itself by a path of one or more non-loop edges.
    bool cycle = false;
    for (Index v = 0; v < n && !cycle; ++v) {
      std::vector<std::uint8_t> seen(n, 0);
      std::vector<Index> stack;
      for (const Adjacent& a : g.out(v)) {
        if (a.vertex != v) stack.push_back(a.vertex);
      }
      while (!stack.empty() && !cycle) {
        const Index x = stack.back();
        stack.pop_back();
        if (x == v) cycle = true;
        if (seen[x]) continue;
        seen[x] = 1;
        for (const Adjacent& a : g.out(x)) {
          if (a.vertex != x) stack.push_back(a.vertex);
        }
      }
    }
    const auto& order = g.topological_order();
    ASSERT_EQ(order.empty(), cycle) << "round " << round;
    if (cycle) continue;
    ++acyclic;
    ASSERT_EQ(order.size(), n);
    for (Index r = 0; r < n; ++r) ASSERT_EQ(g.topological_rank()[order[r]], r);
    for (const Arc& a : arcs) {
      if (a.from == a.to) continue;
      ASSERT_LT(g.topological_rank()[a.from], g.topological_rank()[a.to]) << "round " << round;
    }
  }
  EXPECT_GT(acyclic, 50);
}

TEST(SupplyGraph, EmptyDatasetHasOnlyTheRoot) {
  Dataset d;
  d.build_indexes();
  const SupplyGraph g = SupplyGraph::build(d);
  EXPECT_EQ(g.vertex_count(), 1u);
  EXPECT_EQ(g.edge_count(), 0u);
  EXPECT_TRUE(g.out(g.root()).empty());
}

TEST(Reachability, MasksSwitchOffVerticesAndEdges) {
  const Dataset d = three_stage_dataset();
  const SupplyGraph g = SupplyGraph::build(d);
  const std::array<Index, 1> root{g.root()};
  const std::array<Index, 1> magnet{3};
  EXPECT_EQ(reachable_from(g, {}, root), (std::vector<std::uint8_t>{1, 1, 1, 1, 1}));
  GraphMask no_separator;
  no_separator.vertex_on = {1, 0, 1, 1, 1};
  EXPECT_EQ(reachable_from(g, no_separator, root), (std::vector<std::uint8_t>{1, 0, 1, 0, 1}));
  EXPECT_FALSE(reaches(g, no_separator, g.root(), magnet));
  GraphMask no_link;
  no_link.edge_on = {1, 1, 0, 1, 1, 1};
  EXPECT_FALSE(reaches(g, no_link, g.root(), magnet));
  EXPECT_TRUE(reaches(g, {}, g.root(), magnet));
  EXPECT_EQ(reaching(g, {}, magnet), (std::vector<std::uint8_t>{1, 1, 1, 1, 1}));
  EXPECT_EQ(reaching(g, no_link, magnet), (std::vector<std::uint8_t>{0, 0, 0, 1, 0}));
}

TEST(Reachability, RestrictToIntersectsVertexMasks) {
  GraphMask m;
  m.vertex_on = {1, 0, 1};
  const GraphMask r = restrict_to(m, {1, 1, 0});
  EXPECT_EQ(r.vertex_on, (std::vector<std::uint8_t>{1, 0, 0}));
  EXPECT_EQ(restrict_to(GraphMask{}, {0, 1}).vertex_on, (std::vector<std::uint8_t>{0, 1}));
}

TEST(Reachability, MatchesBruteForceOnRandomGraphs) {
  testing::Rng rng(7);
  for (int round = 0; round < 300; ++round) {
    const Index n = 1 + rng.below(12);
    const auto arcs = testing::random_arcs(rng, n, rng.below(30));
    const SupplyGraph g = SupplyGraph::from_arcs(n, arcs);
    const GraphMask m = testing::random_mask(rng, g, 0.15, 0.2);
    const Index s = rng.below(n);
    const std::array<Index, 1> sources{s};
    ASSERT_EQ(reachable_from(g, m, sources), testing::brute_reach(g, m, s)) << "round " << round;
    const Index t = rng.below(n);
    const std::array<Index, 1> targets{t};
    const auto cone = reaching(g, m, targets);
    for (Index v = 0; v < n; ++v) ASSERT_EQ(cone[v] != 0, testing::brute_reach(g, m, v)[t] != 0);
  }
}

// Reachability by a plain depth-first search over arc lists, independent of the graph's rows.
std::vector<std::uint8_t> simple_reach(Index n, const std::vector<Arc>& arcs, const GraphMask& m,
                                       const std::vector<Index>& starts, bool forward) {
  std::vector<std::vector<Index>> next(n);
  for (Index e = 0; e < arcs.size(); ++e) {
    const Index u = arcs[e].from, w = arcs[e].to;
    if (!m.edge(e) || !m.vertex(u) || !m.vertex(w)) continue;
    next[forward ? u : w].push_back(forward ? w : u);
  }
  std::vector<std::uint8_t> seen(n, 0);
  std::vector<Index> stack;
  for (Index s : starts) {
    if (m.vertex(s) && !seen[s]) {
      seen[s] = 1;
      stack.push_back(s);
    }
  }
  while (!stack.empty()) {
    const Index v = stack.back();
    stack.pop_back();
    for (Index w : next[v]) {
      if (!seen[w]) {
        seen[w] = 1;
        stack.push_back(w);
      }
    }
  }
  return seen;
}

// Each group's verdict is what a search with the group switched off says, on random graphs with
// random masks; groups may overlap, hold the source or a target (which stay on) or be empty.
TEST(Reachability, CutOffByEachMatchesOneSearchPerGroup) {
  testing::Rng rng(23);
  int cut = 0, kept = 0, backward = 0, forward = 0;   // searches from the targets or from the source
  for (int round = 0; round < 600; ++round) {
    const Index n = 1 + rng.below(14);
    const auto arcs = testing::random_arcs(rng, n, rng.below(35));
    const SupplyGraph g = SupplyGraph::from_arcs(n, arcs);
    const GraphMask m = rng.chance(0.3) ? GraphMask{} : testing::random_mask(rng, g, 0.1, 0.15);
    const Index s = rng.below(n);
    std::vector<Index> targets;
    for (Index i = 0, k = 1 + rng.below(3); i < k; ++i) targets.push_back(rng.below(n));
    std::vector<std::vector<Index>> groups(rng.below(6));
    for (auto& group : groups) {
      for (Index i = 0, k = rng.below(5); i < k; ++i) group.push_back(rng.below(n));
    }
    const std::vector<std::uint8_t> got = cut_off_by_each(g, m, s, targets, groups);
    (targets.size() < g.out(s).size() ? backward : forward) += groups.empty() ? 0 : 1;
    ASSERT_EQ(got.size(), groups.size());
    for (std::size_t k = 0; k < groups.size(); ++k) {
      GraphMask without = m;
      if (without.vertex_on.empty()) without.vertex_on.assign(n, 1);
      for (Index v : groups[k]) {
        if (v != s && std::find(targets.begin(), targets.end(), v) == targets.end()) without.vertex_on[v] = 0;
      }
      const auto reached = simple_reach(n, arcs, without, {s}, true);
      const bool any = std::any_of(targets.begin(), targets.end(), [&](Index t) { return reached[t] != 0; });
      ASSERT_EQ(got[k] != 0, !any) << "round " << round << " group " << k;
      ASSERT_EQ(got[k] != 0, !reaches(g, without, s, targets)) << "round " << round << " group " << k;
      (any ? kept : cut) += 1;
    }
  }
  EXPECT_GT(cut, 100);
  EXPECT_GT(kept, 100);
  EXPECT_GT(backward, 50);
  EXPECT_GT(forward, 50);
}

// Graphs and start sets large enough for the search to sort its levels by vertex (256 and more),
// in the queue's room or, when that is short, in a buffer of its own.
TEST(Reachability, MatchesADepthFirstSearchWithSortedLevels) {
  testing::Rng rng(11);
  for (int round = 0; round < 8; ++round) {
    const Index n = 2000 + rng.below(2000);
    const auto arcs = testing::random_arcs(rng, n, 2 * n + rng.below(2 * n));
    const SupplyGraph g = SupplyGraph::from_arcs(n, arcs);
    const GraphMask m = round % 2 == 0 ? GraphMask{} : testing::random_mask(rng, g, 0.05, 0.1);
    std::vector<Index> starts;
    const Index count = round < 4 ? 1 : 300 + rng.below(300);
    for (Index i = 0; i < count; ++i) starts.push_back(rng.below(n));
    ASSERT_EQ(reachable_from(g, m, starts), simple_reach(n, arcs, m, starts, true)) << "round " << round;
    ASSERT_EQ(reaching(g, m, starts), simple_reach(n, arcs, m, starts, false)) << "round " << round;
    const Index target = rng.below(n);
    EXPECT_EQ(reaches(g, m, starts[0], {&target, 1}), simple_reach(n, arcs, m, {starts[0]}, true)[target] != 0)
        << "round " << round;
  }
  // A star from its centre: every leaf is in the second level, with no room after it.
  std::vector<Arc> star;
  for (Index v = 1; v <= 3000; ++v) star.push_back({0, 3001 - v});
  const SupplyGraph g = SupplyGraph::from_arcs(3001, star);
  const std::array<Index, 1> centre{0};
  EXPECT_EQ(reachable_from(g, {}, centre), std::vector<std::uint8_t>(3001, 1));
  const std::array<Index, 1> leaf{1500};
  EXPECT_EQ(reaches(g, {}, 0, leaf), true);
}

}  // namespace
}  // namespace chokepoint
