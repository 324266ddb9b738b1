#include "chokepoint/analysis/structure.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "graph/graph_testing.hpp"
#include "graph/test_dataset.hpp"

namespace chokepoint {
namespace {

using testing::add_country;
using testing::add_facility;
using testing::add_link;
using testing::add_material;
using testing::add_output;
using testing::re;
using testing::set_distribution;

// Two mines (China, Australia), two separators (China, Malaysia), two magnet plants (Japan, China)
// and US demand. Dy can only come through the Chinese mine and separator; Nd also via Australia.
struct Magnets {
  Dataset d;
  Index cn{}, au{}, my{}, us{}, jp{};
  Index mine_cn{}, mine_au{}, sep_cn{}, sep_my{}, magnet_jp{}, magnet_cn{}, sink_us{};

  Magnets() {
    cn = add_country(d, "CN", -0.5, "China");
    au = add_country(d, "AU", 1.5, "Australia");
    my = add_country(d, "MY", 0.3, "Malaysia");
    us = add_country(d, "US", 1.2, "United States");
    jp = add_country(d, "JP", 1.4, "Japan");
    const Index concentrate = add_material(d, "concentrate", Form::concentrate, Basis::reo, {});
    const Index dy_oxide = add_material(d, "dy-oxide", Form::oxide, Basis::reo, {{"Dy", 1.0}});
    const Index ndpr = add_material(d, "ndpr-oxide", Form::oxide, Basis::reo, {{"Nd", 0.75}, {"Pr", 0.25}});
    const Index magnet = add_material(d, "ndfeb", Form::magnet, Basis::product,
                                      {{"Nd", 0.29}, {"Dy", 0.03}, {"Fe", 0.67}, {"B", 0.01}});
    mine_cn = add_facility(d, "mine-cn", Stage::mine, cn);
    set_distribution(d, mine_cn, {{"La", 78}, {"Nd", 20}, {"Dy", 2}});
    add_output(d, mine_cn, concentrate, 10000);
    mine_au = add_facility(d, "mine-au", Stage::mine, au);
    set_distribution(d, mine_au, {{"La", 79.5}, {"Nd", 20}, {"Dy", 0.5}});
    add_output(d, mine_au, concentrate, 5000);
    sep_cn = add_facility(d, "sep-cn", Stage::separation, cn);
    add_output(d, sep_cn, dy_oxide, 300);
    add_output(d, sep_cn, ndpr, 3000);
    sep_my = add_facility(d, "sep-my", Stage::separation, my);
    add_output(d, sep_my, ndpr, 1000);
    magnet_jp = add_facility(d, "magnet-jp", Stage::magnet, jp);
    add_output(d, magnet_jp, magnet, 1000);
    magnet_cn = add_facility(d, "magnet-cn", Stage::magnet, cn);
    add_output(d, magnet_cn, magnet, 2000);
    sink_us = add_facility(d, "sink-us", Stage::demand, us);
    add_link(d, mine_cn, sep_cn, concentrate);
    add_link(d, mine_au, sep_my, concentrate);
    add_link(d, sep_cn, magnet_jp, dy_oxide);
    add_link(d, sep_cn, magnet_jp, ndpr);
    add_link(d, sep_my, magnet_jp, ndpr);
    add_link(d, sep_cn, magnet_cn, dy_oxide);
    add_link(d, magnet_jp, sink_us, magnet, 800);
    add_link(d, magnet_cn, sink_us, magnet, 100);
    d.build_indexes();
  }
};

TargetStructure analyze(const Dataset& d, const std::string& target, const std::string& element,
                        const StructureOptions& options = {}) {
  const SupplyGraph g = SupplyGraph::build(d);
  const ElementStructure e = prepare_element(d, g, compute_carriage(d, options.view), re(element));
  return analyze_target(d, g, e, resolve_target(d, target).value(), options);
}

std::vector<Index> facilities_of(const std::vector<MustPassFacility>& v) {
  std::vector<Index> out;
  for (const auto& x : v) out.push_back(x.facility);
  return out;
}

std::vector<Index> countries_of(const std::vector<MustPassCountry>& v) {
  std::vector<Index> out;
  for (const auto& x : v) out.push_back(x.country);
  return out;
}

TEST(Structure, DysprosiumPassesThroughChina) {
  const Magnets m;
  const TargetStructure r = analyze(m.d, "sink-us", "Dy");
  EXPECT_TRUE(r.reachable);
  EXPECT_EQ(facilities_of(r.must_pass_facilities), (std::vector<Index>{m.mine_cn, m.sep_cn}));
  EXPECT_EQ(r.must_pass_facilities[1].evidence,
            "every path of Dy to sink-us passes through sep-cn (separation, China)");
  EXPECT_EQ(countries_of(r.must_pass_countries), (std::vector<Index>{m.cn}));
  EXPECT_EQ(r.must_pass_countries[0].evidence,
            "every path of Dy to sink-us passes through a facility in China; without China 0% of max-flow remains");
  // Magnets cap Dy at 30 + 60 t: below the mine (174 t) and the separator (261 t).
  EXPECT_NEAR(r.max_flow, 90.0, 1e-9);
  EXPECT_EQ(r.min_cut, (std::vector<Index>{m.magnet_cn, m.magnet_jp}));
  EXPECT_NEAR(r.min_cut_capacity, 90.0, 1e-9);
  EXPECT_EQ(r.min_cut_evidence,
            "losing 2 facilities (magnet-cn, magnet-jp) cuts every path of Dy to sink-us; together they pass 90.0 t/yr "
            "of Dy, the max-flow");
  ASSERT_EQ(r.country_losses.size(), 2u);
  EXPECT_EQ(r.country_losses[0].country, m.cn);
  EXPECT_EQ(r.country_losses[0].retained, 0.0);
  EXPECT_TRUE(r.country_losses[0].must_pass);
  EXPECT_EQ(r.country_losses[1].country, m.jp);
  EXPECT_NEAR(*r.country_losses[1].retained, 60.0 / 90.0, 1e-12);
  EXPECT_EQ(r.country_losses[1].evidence, "without Japan 67% of the Dy max-flow to sink-us remains");
}

TEST(Structure, NeodymiumHasAnAustralianRoute) {
  const Magnets m;
  const TargetStructure r = analyze(m.d, "sink-us", "Nd");
  EXPECT_EQ(facilities_of(r.must_pass_facilities), (std::vector<Index>{m.magnet_jp}));
  EXPECT_EQ(countries_of(r.must_pass_countries), (std::vector<Index>{m.jp}));
  EXPECT_NEAR(r.max_flow, 290.0, 1e-9);  // 1000 t of magnets x 29% Nd
  EXPECT_EQ(r.min_cut, (std::vector<Index>{m.magnet_jp}));
  std::vector<std::pair<Index, double>> losses;
  for (const auto& l : r.country_losses) losses.emplace_back(l.country, l.retained.value());
  EXPECT_EQ(losses, (std::vector<std::pair<Index, double>>{{m.jp, 0.0}, {m.au, 1.0}, {m.cn, 1.0}, {m.my, 1.0}}));
}

TEST(Structure, CapacityOfTheAustralianRouteShowsInRetainedShare) {
  Magnets m;
  m.d.facilities[m.sep_my].outputs[0].capacity = 200;  // 200 x 0.75 x 0.8574 = 128.61 t Nd
  const TargetStructure r = analyze(m.d, "sink-us", "Nd");
  for (const auto& l : r.country_losses) {
    if (l.country == m.cn) {
      EXPECT_NEAR(*l.retained, 128.61 / 290.0, 1e-9);
    }
  }
}

TEST(Structure, ConsumersOfAGroupShareOneSuperSink) {
  Magnets m;
  const Index sink_jp = add_facility(m.d, "sink-jp", Stage::demand, m.jp);
  add_link(m.d, m.magnet_jp, sink_jp, m.d.find_material("ndfeb"));
  Group g7;
  g7.id = "G7";
  g7.members = {m.us, m.jp};
  m.d.groups.push_back(g7);
  m.d.build_indexes();
  const auto target = resolve_target(m.d, "G7");
  ASSERT_TRUE(target.has_value());
  EXPECT_EQ(target->facilities, (std::vector<Index>{m.sink_us, sink_jp}));
  const TargetStructure r = analyze(m.d, "G7", "Dy");
  EXPECT_EQ(r.target, "G7");
  EXPECT_EQ(facilities_of(r.must_pass_facilities), (std::vector<Index>{m.mine_cn, m.sep_cn}));
  EXPECT_NEAR(r.max_flow, 90.0, 1e-9);
  EXPECT_FALSE(resolve_target(m.d, "AU").has_value());  // no demand sink there
  EXPECT_FALSE(resolve_target(m.d, "nowhere").has_value());
  EXPECT_EQ(resolve_target(m.d, "magnet-cn")->facilities, (std::vector<Index>{m.magnet_cn}));
}

TEST(Structure, UnreachableAndUnboundedTargetsAreReported) {
  Magnets m;
  const TargetStructure tb = analyze(m.d, "sink-us", "Tb");
  EXPECT_FALSE(tb.reachable);
  EXPECT_EQ(tb.min_cut_evidence, "no path of Tb reaches sink-us");
  for (Index f : {m.magnet_jp, m.magnet_cn, m.sep_cn, m.mine_cn}) m.d.facilities[f].outputs[0].capacity.reset();
  m.d.facilities[m.sep_cn].outputs[1].capacity.reset();
  const TargetStructure dy = analyze(m.d, "sink-us", "Dy");
  EXPECT_TRUE(std::isinf(dy.max_flow));
  EXPECT_TRUE(dy.min_cut.empty());
  EXPECT_EQ(dy.country_losses.size(), 2u);
}

// Demand for an element that no path brings is the first finding: nothing to cut, none arrives.
TEST(Structure, DemandThatNothingCanSupplyIsAFinding) {
  Magnets m;
  const Index tb_magnet = add_material(m.d, "ndfeb-tb", Form::magnet, Basis::product,
                                       {{"Nd", 0.29}, {"Tb", 0.02}, {"Fe", 0.68}, {"B", 0.01}});
  const Index plain = m.d.facilities[m.magnet_jp].outputs[0].material;
  const Index mixed = add_material(m.d, "mixed-salt", Form::concentrate, Basis::reo, {});
  m.d.facilities[m.sink_us].demand.push_back(DemandEntry{tb_magnet, {}, 50});
  m.d.facilities[m.sink_us].demand.push_back(DemandEntry{plain, {}, 900});
  m.d.facilities[m.sink_us].demand.push_back(DemandEntry{mixed, {}, 10});   // carries no element it names
  m.d.build_indexes();
  const TargetStructure tb = analyze(m.d, "sink-us", "Tb");
  EXPECT_FALSE(tb.reachable);
  EXPECT_EQ(tb.demanded_in, std::vector<Index>{tb_magnet});
  EXPECT_EQ(tb.min_cut_evidence, "sink-us demands Tb (in ndfeb-tb) and no path of Tb reaches it: none of it can arrive");
  const TargetStructure nd = analyze(m.d, "sink-us", "Nd");
  EXPECT_TRUE(nd.reachable);
  EXPECT_EQ(nd.demanded_in, (std::vector<Index>{plain, tb_magnet}));   // by id: ndfeb, ndfeb-tb
  const TargetStructure la = analyze(m.d, "sink-us", "La");   // mined, not demanded, not reachable
  EXPECT_FALSE(la.reachable);
  EXPECT_TRUE(la.demanded_in.empty());
  EXPECT_EQ(la.min_cut_evidence, "no path of La reaches sink-us");

}

TEST(Structure, AsOfDateSwitchesLinksOff) {
  Magnets m;
  m.d.links[6].until = Date{2024, 1, 1};  // magnet-jp -> sink-us ended
  StructureOptions options;
  options.view.as_of = Date{2025, 1, 1};
  const TargetStructure r = analyze(m.d, "sink-us", "Dy", options);
  EXPECT_EQ(facilities_of(r.must_pass_facilities), (std::vector<Index>{m.mine_cn, m.sep_cn, m.magnet_cn}));
  EXPECT_NEAR(r.max_flow, 60.0, 1e-9);
}

// A separator whose every neighbour has no other link: no piece is larger than another, so none
// is named as the one that stays.
// A spec that names nothing: the closest facility id, or country with demand sinks.
TEST(Targets, ClosestTargetSuggestsWhatResolveWouldTake) {
  const Magnets m;
  EXPECT_EQ(closest_target(m.d, "mine-ch"), "mine-cn");
  EXPECT_EQ(closest_target(m.d, "us"), "US");
  EXPECT_EQ(closest_target(m.d, "au"), std::nullopt);   // Australia has no demand sink
  EXPECT_EQ(closest_target(m.d, "nothing-like-it"), std::nullopt);
}

TEST(Network, AStarSaysItsNeighboursLoseEveryLinkToEachOther) {
  Dataset d;
  const Index cn = add_country(d, "CN", -0.5, "China");
  const Index concentrate = add_material(d, "concentrate", Form::concentrate, Basis::reo, {});
  const Index ndpr = add_material(d, "ndpr-oxide", Form::oxide, Basis::reo, {{"Nd", 0.75}, {"Pr", 0.25}});
  const Index sep = add_facility(d, "sep", Stage::separation, cn);
  add_output(d, sep, ndpr, 3000);
  for (const char* id : {"mine-a", "mine-b", "mine-c"}) {
    const Index mine = add_facility(d, id, Stage::mine, cn);
    set_distribution(d, mine, {{"La", 80}, {"Nd", 20}});
    add_output(d, mine, concentrate, 1000);
    add_link(d, mine, sep, concentrate);
  }
  const Index sink = add_facility(d, "sink", Stage::demand, cn);
  add_link(d, sep, sink, ndpr);
  d.build_indexes();
  const SupplyGraph g = SupplyGraph::build(d);
  const NetworkStructure overall = analyze_network(d, g, overall_view(g, compute_carriage(d)), -1);
  ASSERT_EQ(overall.articulation_points, (std::vector<Index>{sep}));
  EXPECT_EQ(overall.articulation_splits[0], (ArticulationSplit{4, 1, 4}));
  EXPECT_EQ(overall.articulation_evidence[0],
            "losing sep (separation, China) splits the facility graph there: the 4 other facilities of its part, "
            "mine-a (mine, China), mine-b (mine, China), mine-c (mine, China) and sink (demand, China), lose every "
            "link to each other");
  // The same with three mines alone (the sink switched off).
  GraphMask no_sink = overall_view(g, compute_carriage(d));
  if (no_sink.vertex_on.empty()) no_sink.vertex_on.assign(g.vertex_count(), 1);
  no_sink.vertex_on[sink] = 0;
  const NetworkStructure mines = analyze_network(d, g, no_sink, -1);
  ASSERT_EQ(mines.articulation_points, (std::vector<Index>{sep}));
  EXPECT_EQ(mines.articulation_evidence[0],
            "losing sep (separation, China) splits the facility graph there: the 3 other facilities of its part, "
            "mine-a (mine, China), mine-b (mine, China) and mine-c (mine, China), lose every link to each other");
  // Each link is a bridge with one facility on its smaller side, named.
  ASSERT_EQ(overall.bridges.size(), 4u);
  for (const BridgeLink& b : overall.bridges) EXPECT_EQ(b.cut_off.size(), 1u);
}

TEST(Network, ArticulationPointsBridgesAndBetweenness) {
  const Magnets m;
  const SupplyGraph g = SupplyGraph::build(m.d);
  const Carriage carriage = compute_carriage(m.d);
  const NetworkStructure overall = analyze_network(m.d, g, overall_view(g, carriage), -1);
  // Undirected: mine-cn - sep-cn - {magnet-jp, magnet-cn} - sink-us, mine-au - sep-my - magnet-jp.
  std::set<Index> points(overall.articulation_points.begin(), overall.articulation_points.end());
  EXPECT_EQ(points, (std::set<Index>{m.sep_cn, m.sep_my, m.magnet_jp}));
  EXPECT_EQ(overall.articulation_points.front(), m.magnet_jp);  // sorted by id
  std::vector<Index> bridges;
  for (const auto& b : overall.bridges) bridges.push_back(b.link);
  // The most cut off first: sep-my->magnet-jp leaves sep-my and mine-au apart; then mine-au->sep-my
  // and mine-cn->sep-cn, one facility each, by id.
  EXPECT_EQ(bridges, (std::vector<Index>{4, 1, 0}));
  EXPECT_EQ(overall.bridges[0].from_side, 2u);
  EXPECT_EQ(overall.bridges[0].to_side, 5u);
  EXPECT_EQ(overall.bridges[0].evidence,
            "the link sep-my -> magnet-jp (ndpr-oxide) is the only connection in the facility graph between the 2 "
            "facilities on sep-my's side (mine-au and sep-my) and the 5 on magnet-jp's side");
  // The smaller side, by id, when three or fewer.
  EXPECT_EQ(overall.bridges[0].cut_off, (std::vector<Index>{m.mine_au, m.sep_my}));
  EXPECT_EQ(overall.bridges[1].cut_off, (std::vector<Index>{m.mine_au}));
  EXPECT_EQ(overall.bridges[1].evidence,
            "the link mine-au -> sep-my (concentrate) is the only link of mine-au (mine, Australia) in the facility "
            "graph; losing it cuts mine-au off from the 6 facilities on the other side");
  // Without magnet-jp: {sep-my, mine-au} and {mine-cn, sep-cn, magnet-cn, sink-us}.
  ASSERT_EQ(overall.articulation_splits.size(), 3u);
  EXPECT_EQ(overall.articulation_splits[0], (ArticulationSplit{2, 4, 6}));
  // Three or fewer cut off are named, by id.
  ASSERT_EQ(overall.articulation_cut_off.size(), 3u);
  EXPECT_EQ(overall.articulation_cut_off[0], (std::vector<Index>{m.mine_au, m.sep_my}));
  EXPECT_EQ(overall.articulation_evidence[0],
            "losing magnet-jp (magnet, Japan) splits the facility graph there: mine-au (mine, Australia) and sep-my "
            "(separation, Malaysia) lose every link to the remaining 4 facilities");
  // Directed, parallel links count as separate paths: magnet-jp carries 2/3 of mine-cn's and
  // sep-cn's paths to sink-us and all of the Australian ones (10/3); sep-cn carries 3.
  ASSERT_GE(overall.betweenness.size(), 2u);
  EXPECT_EQ(overall.betweenness[0].facility, m.magnet_jp);
  EXPECT_NEAR(overall.betweenness[0].score, 10.0 / 3.0, 1e-12);
  EXPECT_EQ(overall.betweenness[1].facility, m.sep_cn);
  EXPECT_NEAR(overall.betweenness[1].score, 3.0, 1e-12);
  // Weighted by 1/volume: sink-us is reached over the 800 t link from magnet-jp, so sep-cn's paths
  // to sink-us all run through magnet-jp, which therefore outranks magnet-cn.
  double jp = 0, cn = 0;
  for (const auto& x : overall.weighted_betweenness) {
    if (x.facility == m.magnet_jp) jp = x.score;
    if (x.facility == m.magnet_cn) cn = x.score;
  }
  EXPECT_GT(jp, cn);
  // An articulation point keeps its score when the betweenness list is cut to the top one.
  StructureOptions top_one;
  top_one.top = 1;
  const NetworkStructure cut = analyze_network(m.d, g, overall_view(g, carriage), -1, top_one);
  ASSERT_EQ(cut.betweenness.size(), 1u);
  ASSERT_EQ(cut.articulation_points.size(), 3u);
  ASSERT_EQ(cut.articulation_betweenness.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {
    if (cut.articulation_points[k] == m.sep_cn) {
      EXPECT_NEAR(cut.articulation_betweenness[k], 3.0, 1e-12);
    } else if (cut.articulation_points[k] == m.magnet_jp) {
      EXPECT_NEAR(cut.articulation_betweenness[k], 10.0 / 3.0, 1e-12);
    }
  }
}

TEST(Structure, ReportCoversTargetsElementsAndNetworks) {
  const Magnets m;
  const SupplyGraph g = SupplyGraph::build(m.d);
  const StructureReport report =
      analyze_structure(m.d, g, demand_targets(m.d), {re("Nd"), re("Dy")}, StructureOptions{});
  ASSERT_EQ(report.targets.size(), 2u);
  EXPECT_EQ(report.targets[0].element, re("Nd"));
  EXPECT_EQ(report.targets[1].element, re("Dy"));
  ASSERT_EQ(report.networks.size(), 3u);
  EXPECT_EQ(report.networks[0].element, -1);
  EXPECT_FALSE(report.method.empty());
}

// ---- Property tests against brute force on random small datasets --------------------------------

struct RandomChain {
  Dataset d;
  std::vector<Index> sinks;
};

RandomChain random_chain(testing::Rng& rng) {
  RandomChain c;
  Dataset& d = c.d;
  const Index countries = 1 + rng.below(4);
  for (Index i = 0; i < countries; ++i) add_country(d, std::string(1, static_cast<char>('A' + i)) + "X");
  const Index concentrate = add_material(d, "concentrate", Form::concentrate, Basis::reo, {});
  const Index oxide = add_material(d, "oxide", Form::oxide, Basis::reo, {{"Dy", 0.5}, {"Nd", 0.5}});
  const Index nd_oxide = add_material(d, "nd-oxide", Form::oxide, Basis::reo, {{"Nd", 1.0}});
  const Index magnet = add_material(d, "magnet", Form::magnet, Basis::product, {{"Dy", 0.05}, {"Nd", 0.3}});
  const std::array<Stage, 4> stages{Stage::mine, Stage::separation, Stage::magnet, Stage::demand};
  const std::array<Index, 4> products{concentrate, oxide, magnet, kNone};
  std::array<std::vector<Index>, 4> layer;
  const Index n = 4 + rng.below(7);
  for (Index i = 0; i < n; ++i) {
    const Index s = i < 4 ? i : rng.below(4);
    const Index f = add_facility(d, "f" + std::to_string(i), stages[s], rng.below(countries),
                                 rng.chance(0.1) ? Status::planned : Status::operating);
    layer[s].push_back(f);
    if (stages[s] == Stage::mine) set_distribution(d, f, {{"La", 60}, {"Nd", 30}, {"Dy", rng.chance(0.8) ? 10 : 0}});
    if (products[s] != kNone) {
      const Index material = s == 1 && rng.chance(0.3) ? nd_oxide : products[s];
      add_output(d, f, material, rng.chance(0.1) ? std::nullopt : std::optional<double>(1 + rng.below(50)));
    }
    if (stages[s] == Stage::demand) c.sinks.push_back(f);
  }
  const Index links = n + rng.below(2 * n);
  for (Index i = 0; i < links; ++i) {
    const Index s = rng.below(3);
    const Index to_stage = rng.chance(0.85) ? s + 1 : rng.below(4);  // mostly downstream, sometimes not
    const Index from = layer[s][rng.below(static_cast<Index>(layer[s].size()))];
    const Index to = layer[to_stage][rng.below(static_cast<Index>(layer[to_stage].size()))];
    if (from == to) continue;
    add_link(d, from, to, d.facilities[from].outputs.empty() ? magnet : d.facilities[from].outputs[0].material);
  }
  d.build_indexes();
  return c;
}

std::vector<std::uint8_t> without(const std::vector<Index>& gone, Index size) {
  std::vector<std::uint8_t> removed(size, 0);
  for (Index v : gone) removed[v] = 1;
  return removed;
}

bool any_reached(const SupplyGraph& g, const GraphMask& m, const std::vector<Index>& targets,
                 const std::vector<std::uint8_t>& removed) {
  const auto seen = testing::brute_reach(g, m, g.root(), removed);
  return std::any_of(targets.begin(), targets.end(), [&](Index t) { return seen[t] != 0; });
}

std::int64_t units_of(double tonnes) {
  return std::isinf(tonnes) ? -1 : static_cast<std::int64_t>(std::llround(tonnes / 1e-3));
}

// The cheapest set of non-target facilities whose loss cuts R from every target; -1: none is finite.
std::int64_t brute_cut(const SupplyGraph& g, const ElementView& view, const std::vector<Index>& targets,
                       const std::vector<Index>& gone) {
  const Index n = g.facility_count();
  std::int64_t best = -1;
  for (std::uint32_t subset = 0; subset < (1u << n); ++subset) {
    std::vector<Index> cut = gone;
    std::int64_t total = 0;
    bool finite = true;
    for (Index f = 0; f < n && finite; ++f) {
      if (!(subset & (1u << f))) continue;
      if (std::binary_search(targets.begin(), targets.end(), f)) finite = false;
      const std::int64_t u = units_of(view.capacity[f]);
      if (u < 0) finite = false;
      total += u;
      cut.push_back(f);
    }
    if (!finite || (best >= 0 && total >= best)) continue;
    if (!any_reached(g, view.mask, targets, without(cut, g.vertex_count()))) best = total;
  }
  return best;
}

TEST(Structure, MatchesBruteForceOnRandomDatasets) {
  testing::Rng rng(77);
  int checked = 0;
  for (int round = 0; round < 300; ++round) {
    const RandomChain c = random_chain(rng);
    const SupplyGraph g = SupplyGraph::build(c.d);
    const Carriage carriage = compute_carriage(c.d);
    const int element = rng.chance(0.5) ? re("Dy") : re("Nd");
    const ElementStructure e = prepare_element(c.d, g, carriage, element);
    StructureTarget target{"t", {c.sinks[rng.below(static_cast<Index>(c.sinks.size()))]}};
    if (rng.chance(0.3)) target.facilities = c.sinks;  // the super-sink of every sink
    const TargetStructure r = analyze_target(c.d, g, e, target, {});
    const bool reachable = any_reached(g, e.view.mask, target.facilities, {});
    ASSERT_EQ(r.reachable, reachable) << "round " << round;
    StructureOptions no_shares;   // every country searched for, none solved for
    no_shares.retained_shares = false;
    const TargetStructure unsolved = analyze_target(c.d, g, e, target, no_shares);
    const MustPass passes = must_pass(c.d, g, e, target);
    const std::vector<MustPassCountry>& only = passes.countries;
    ASSERT_EQ(passes.reachable, reachable) << "round " << round;
    if (!reachable) {
      ASSERT_TRUE(only.empty()) << "round " << round;
      ASSERT_TRUE(passes.facilities.empty()) << "round " << round;
      continue;
    }
    ASSERT_EQ(passes.facilities.size(), r.must_pass_facilities.size()) << "round " << round;
    for (std::size_t i = 0; i < passes.facilities.size(); ++i) {
      ASSERT_EQ(passes.facilities[i].facility, r.must_pass_facilities[i].facility);
      ASSERT_EQ(passes.facilities[i].evidence, r.must_pass_facilities[i].evidence);
    }
    ++checked;
    std::vector<Index> must_pass, must_pass_countries;
    for (Index f = 0; f < g.facility_count(); ++f) {
      if (std::binary_search(target.facilities.begin(), target.facilities.end(), f)) continue;
      if (!any_reached(g, e.view.mask, target.facilities, without({f}, g.vertex_count()))) must_pass.push_back(f);
    }
    std::vector<Index> mine = facilities_of(r.must_pass_facilities);
    std::sort(mine.begin(), mine.end());
    ASSERT_EQ(mine, must_pass) << "round " << round;
    for (Index country = 0; country < c.d.countries.size(); ++country) {
      std::vector<Index> gone;
      for (Index f = 0; f < g.facility_count(); ++f) {
        const bool is_target = std::binary_search(target.facilities.begin(), target.facilities.end(), f);
        if (c.d.facilities[f].country == country && !is_target) gone.push_back(f);
      }
      const bool cut_off = !any_reached(g, e.view.mask, target.facilities, without(gone, g.vertex_count()));
      if (cut_off) must_pass_countries.push_back(country);
      const std::int64_t base = brute_cut(g, e.view, target.facilities, {});
      ASSERT_EQ(units_of(r.max_flow), base) << "round " << round;
      const auto loss = std::find_if(r.country_losses.begin(), r.country_losses.end(),
                                     [&](const CountryLoss& l) { return l.country == country; });
      if (loss == r.country_losses.end()) {  // no facility of the country upstream
        ASSERT_FALSE(cut_off);
        continue;
      }
      ASSERT_EQ(loss->must_pass, cut_off);
      if (cut_off) {
        ASSERT_EQ(loss->retained, 0.0);
        continue;
      }
      ASSERT_EQ(units_of(loss->max_flow), brute_cut(g, e.view, target.facilities, gone)) << "round " << round;
      if (base > 0) {
        ASSERT_NEAR(*loss->retained, static_cast<double>(units_of(loss->max_flow)) / static_cast<double>(base), 1e-12);
      }
    }
    ASSERT_EQ(countries_of(r.must_pass_countries), must_pass_countries) << "round " << round;
    ASSERT_EQ(countries_of(unsolved.must_pass_countries), must_pass_countries) << "round " << round;
    ASSERT_EQ(countries_of(only), must_pass_countries) << "round " << round;
    for (std::size_t i = 0; i < only.size(); ++i) ASSERT_EQ(only[i].evidence, r.must_pass_countries[i].evidence);
    if (std::isinf(r.max_flow)) continue;
    std::int64_t total = 0;
    for (Index f : r.min_cut) total += units_of(e.view.capacity[f]);
    ASSERT_EQ(total, units_of(r.max_flow));
    ASSERT_FALSE(any_reached(g, e.view.mask, target.facilities, without(r.min_cut, g.vertex_count())));
  }
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace chokepoint
