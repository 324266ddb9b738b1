#include "chokepoint/scenario/market.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "chokepoint/load/loader.hpp"
#include "chokepoint/load/scenario_loader.hpp"
#include "chokepoint/scenario/measures.hpp"
#include "chokepoint/scenario/runner.hpp"

#include "testing/dataset_builder.hpp"

namespace chokepoint {
namespace {

using test_support::Composition;
using test_support::DatasetBuilder;
using test_support::factor;
using test_support::re;


// Rows: a market result's vector of DemandFlow or a contracts run's DemandRows.
template <class Rows>
double weighted_delivery(const Dataset& d, const Rows& rows) {
  double total = 0;
  for (const DemandFlow& row : rows) total += d.facilities[row.facility].priority * row.delivered_tonnes;
  return total;
}

const DemandFlow& row_of(const MarketResult& r, Index facility) {
  const auto it =
      std::find_if(r.demand.begin(), r.demand.end(), [&](const DemandFlow& d) { return d.facility == facility; });
  EXPECT_NE(it, r.demand.end());
  return *it;
}

Measure dy_measure(const Dataset& d, MeasureType type) {
  Measure m;
  m.id = "test-measure";
  m.type = type;
  m.issuer = d.find_country("CN");
  m.elements = {re("Dy")};
  m.forms = {Form::oxide};
  return m;
}

// mine (CN) -> separator (CN) -> Nd and Dy oxide -> metal (JP) -> magnet (JP) -> demand (US);
// the separator also sells Dy oxide to a Dy-oxide user.
struct Chain {
  DatasetBuilder b;
  Index conc, nd_oxide, dy_oxide, nd_metal, dy_metal, magnet;
  Index mine, separator, metal, magnet_plant, sink, dy_user;

  Chain() {
    conc = b.material("conc", Form::concentrate, Basis::reo, {});
    nd_oxide = b.material("nd-oxide", Form::oxide, Basis::reo, {{"Nd", 1.0}});
    dy_oxide = b.material("dy-oxide", Form::oxide, Basis::reo, {{"Dy", 1.0}});
    nd_metal = b.material("nd-metal", Form::metal, Basis::product, {{"Nd", 1.0}});
    dy_metal = b.material("dy-metal", Form::metal, Basis::product, {{"Dy", 1.0}});
    magnet = b.material("ndfeb", Form::magnet, Basis::product, {{"Nd", 0.3}, {"Dy", 0.05}, {"Fe", 0.65}});
    mine = b.facility("mine", Stage::mine, "CN");
    b.distribution(mine, {{"La", 30}, {"Nd", 50}, {"Dy", 20}});
    b.output(mine, conc, 5000, 1000);
    separator = b.facility("separator", Stage::separation, "CN");
    b.at(separator).recovery = 0.9;
    b.output(separator, nd_oxide, 5000);
    b.output(separator, dy_oxide, 5000);
    metal = b.facility("metal", Stage::metal, "JP");
    b.output(metal, nd_metal, 10000);
    b.output(metal, dy_metal, 10000);
    magnet_plant = b.facility("magnet", Stage::magnet, "JP");
    b.output(magnet_plant, magnet, 100000);
    sink = b.facility("ev-motors", Stage::demand, "US");
    b.demand(sink, magnet, 2000);
    dy_user = b.facility("lamps", Stage::demand, "DE");
    b.demand(dy_user, dy_oxide, 40);
    b.link(mine, separator, conc);
    b.link(separator, metal, nd_oxide);
    b.link(separator, metal, dy_oxide, /*volume=*/100);
    b.link(separator, dy_user, dy_oxide);
    b.link(metal, magnet_plant, nd_metal);
    b.link(metal, magnet_plant, dy_metal);
    b.link(magnet_plant, sink, magnet);
  }
};

void expect_at_least(const std::vector<DemandFlow>& market, const DemandRows& contracts) {
  ASSERT_EQ(market.size(), contracts.size());
  for (std::size_t i = 0; i < market.size(); ++i) {
    EXPECT_EQ(market[i].facility, contracts[i].facility);
    EXPECT_EQ(market[i].entry, contracts[i].entry);
    EXPECT_GE(market[i].delivered_tonnes, contracts[i].delivered_tonnes - 1e-6) << "demand row " << i;
  }
}

TEST(Market, BaselineDeliversAtLeastContracts) {
  Chain c;
  const Dataset d = c.b.build();
  const FlowResult baseline = run_flow(build_flow_plan(d));
  const MarketResult m = solve_market(baseline, {});
  ASSERT_EQ(m.status, MarketResult::Status::optimal) << m.message;
  expect_at_least(m.demand, baseline.demand());
  // The separator makes 450 t Nd2O3 and 180 t Dy2O3: Nd limits the magnets to 450 x 0.8574 / 0.3
  // tonnes, which need a third of the Dy; the lamps take 40 t of the rest.
  const double magnets = 0.9 * 500 * factor("Nd") / 0.3;
  EXPECT_NEAR(row_of(m, c.sink).delivered_tonnes, magnets, 1e-6);
  EXPECT_NEAR(row_of(m, c.dy_user).delivered_tonnes, 40, 1e-6);
  EXPECT_NEAR(m.objective, magnets + 40, 1e-6);
  EXPECT_EQ(m.link_tonnes.size(), d.links.size());
}

TEST(Market, ShippedExampleDeliversAtLeastContracts) {
  auto load = load_dataset(std::filesystem::path(CHOKEPOINT_SOURCE_DIR) / "data/example");
  ASSERT_TRUE(load.dataset);
  const FlowResult baseline = run_flow(build_flow_plan(*load.dataset));
  const MarketResult m = solve_market(baseline, {});
  ASSERT_EQ(m.status, MarketResult::Status::optimal) << m.message;
  expect_at_least(m.demand, baseline.demand());
}

// Two separators make Dy oxide; a ban keeps Chinese Dy (oxide and concentrate) from leaving China,
// so the US buyer must take it from Malaysia over a link the dataset does not have.
struct TwoSuppliers {
  DatasetBuilder b;
  Index conc, dy_oxide, mine_cn, mine_au, sep_cn, sep_my, us, jp;

  TwoSuppliers() {
    conc = b.material("conc", Form::concentrate, Basis::reo, {});
    dy_oxide = b.material("dy-oxide", Form::oxide, Basis::reo, {{"Dy", 1.0}});
    mine_cn = b.facility("mine-cn", Stage::mine, "CN");
    b.distribution(mine_cn, {{"La", 90}, {"Dy", 10}});
    b.output(mine_cn, conc, {}, 1000);
    mine_au = b.facility("mine-au", Stage::mine, "AU");
    b.distribution(mine_au, {{"La", 90}, {"Dy", 10}});
    b.output(mine_au, conc, {}, 600);
    sep_cn = b.facility("sep-cn", Stage::separation, "CN");
    b.output(sep_cn, dy_oxide, 1000);
    sep_my = b.facility("sep-my", Stage::separation, "MY");
    b.output(sep_my, dy_oxide, 1000);
    us = b.facility("us", Stage::demand, "US");
    b.at(us).priority = 2;
    b.demand(us, dy_oxide, 50);
    jp = b.facility("jp", Stage::demand, "JP");
    b.demand(jp, dy_oxide, 30);
    b.link(mine_cn, sep_cn, conc);
    b.link(mine_au, sep_my, conc);
    b.link(sep_cn, us, dy_oxide);
    b.link(sep_my, jp, dy_oxide);
  }
};

TEST(Market, BanIsReroutedOverANewLink) {
  TwoSuppliers t;
  const Dataset d = t.b.build();
  const FlowResult baseline = run_flow(build_flow_plan(d));
  ASSERT_NEAR(baseline.demand()[0].delivered_tonnes, 50, 1e-9);
  Measure ban = dy_measure(d, MeasureType::ban);
  ban.forms = {Form::concentrate, Form::oxide};
  MarketInputs inputs;
  inputs.measures = {&ban};
  const MarketResult m = solve_market(baseline, inputs);
  ASSERT_EQ(m.status, MarketResult::Status::optimal) << m.message;
  // Malaysia has 600 t x 10% = 60 t Dy2O3: the US (priority 2) takes its 50 t, Japan the other 10.
  EXPECT_NEAR(row_of(m, t.us).delivered_tonnes, 50, 1e-6);
  EXPECT_NEAR(row_of(m, t.jp).delivered_tonnes, 10, 1e-6);
  EXPECT_NEAR(m.objective, 2 * 50 + 10, 1e-6);
  EXPECT_NEAR(m.link_tonnes[2], 0, 1e-9);   // the banned link
  EXPECT_NEAR(m.link_tonnes[3], 10, 1e-6);  // Malaysia's existing customer
  ASSERT_EQ(m.new_arcs.size(), 1u);
  EXPECT_EQ(m.new_arcs[0].from, t.sep_my);
  EXPECT_EQ(m.new_arcs[0].to, t.us);
  EXPECT_EQ(m.new_arcs[0].material, t.dy_oxide);
  EXPECT_NEAR(m.new_arcs[0].tonnes, 50, 1e-6);
}

TEST(Market, BanOnOneDestinationLeavesNewTradeElsewhere) {
  TwoSuppliers t;
  const Dataset d = t.b.build();
  const FlowResult baseline = run_flow(build_flow_plan(d));
  Measure ban = dy_measure(d, MeasureType::ban);
  ban.forms = {Form::concentrate, Form::oxide};
  ban.destinations.mode = Destinations::Mode::only;
  ban.destinations.countries = {d.find_country("US")};
  MarketInputs inputs;
  inputs.measures = {&ban};
  const MarketResult m = solve_market(baseline, inputs);
  ASSERT_EQ(m.status, MarketResult::Status::optimal) << m.message;
  // The US takes 50 t from Malaysia, which has 10 t left for Japan; China sells Japan the other 20.
  EXPECT_NEAR(row_of(m, t.us).delivered_tonnes, 50, 1e-6);
  EXPECT_NEAR(row_of(m, t.jp).delivered_tonnes, 30, 1e-6);
  EXPECT_NEAR(m.link_tonnes[3], 10, 1e-6);
  ASSERT_EQ(m.new_arcs.size(), 2u);
  EXPECT_EQ(m.new_arcs[0].from, t.sep_cn);
  EXPECT_EQ(m.new_arcs[0].to, t.jp);
  EXPECT_NEAR(m.new_arcs[0].tonnes, 20, 1e-6);
  EXPECT_EQ(m.new_arcs[1].from, t.sep_my);
  EXPECT_EQ(m.new_arcs[1].to, t.us);
  EXPECT_NEAR(m.new_arcs[1].tonnes, 50, 1e-6);
}

TEST(Market, WithoutNewLinksTheBanIsNotRerouted) {
  TwoSuppliers t;
  const Dataset d = t.b.build();
  const FlowResult baseline = run_flow(build_flow_plan(d));
  const Measure ban = dy_measure(d, MeasureType::ban);
  MarketInputs inputs;
  inputs.measures = {&ban};
  inputs.allow_new_links = false;
  const MarketResult m = solve_market(baseline, inputs);
  ASSERT_EQ(m.status, MarketResult::Status::optimal) << m.message;
  EXPECT_NEAR(row_of(m, t.us).delivered_tonnes, 0, 1e-9);
  EXPECT_NEAR(row_of(m, t.jp).delivered_tonnes, 30, 1e-6);
  EXPECT_TRUE(m.new_arcs.empty());
}

TEST(Market, ExistingLinksArePreferredOnTies) {
  TwoSuppliers t;
  const Dataset d = t.b.build();
  const MarketResult m = solve_market(run_flow(build_flow_plan(d)), {});
  ASSERT_EQ(m.status, MarketResult::Status::optimal) << m.message;
  EXPECT_NEAR(m.link_tonnes[2], 50, 1e-6);
  EXPECT_NEAR(m.link_tonnes[3], 30, 1e-6);
  EXPECT_TRUE(m.new_arcs.empty());
}

TEST(Market, EndedLinkIsNotReplacedByANewOne) {
  TwoSuppliers t;
  const Dataset d = t.b.build();
  MarketInputs inputs;
  inputs.link_enabled = {1, 1, 0, 1};  // an event ended sep-cn -> us
  const MarketResult m = solve_market(run_flow(build_flow_plan(d)), inputs);
  ASSERT_EQ(m.status, MarketResult::Status::optimal) << m.message;
  EXPECT_NEAR(m.link_tonnes[2], 0, 1e-9);
  for (const auto& arc : m.new_arcs) EXPECT_FALSE(arc.from == t.sep_cn && arc.to == t.us);
  // The US is served from Malaysia instead.
  EXPECT_NEAR(row_of(m, t.us).delivered_tonnes, 50, 1e-6);
}

TEST(Market, CoProductsComeWithTheElement) {
  DatasetBuilder b;
  const Index conc = b.material("conc", Form::concentrate, Basis::reo, {});
  const Index dy_oxide = b.material("dy-oxide", Form::oxide, Basis::reo, {{"Dy", 1.0}});
  const Index mine = b.facility("mine", Stage::mine, "AU");
  b.distribution(mine, {{"La", 90}, {"Dy", 10}});
  b.output(mine, conc, {}, 1000);
  const Index sep = b.facility("sep", Stage::separation, "AU");
  b.output(sep, dy_oxide, 100000);
  const Index sink = b.facility("sink", Stage::demand, "US");
  b.demand(sink, dy_oxide, 500);
  b.link(mine, sep, conc);
  b.link(sep, sink, dy_oxide);
  {
    const Dataset d = b.build();
    const MarketResult m = solve_market(run_flow(build_flow_plan(d)), {});
    ASSERT_EQ(m.status, MarketResult::Status::optimal) << m.message;
    // 1000 t REO at 10% Dy2O3: 100 t, however much is demanded.
    EXPECT_NEAR(m.demand[0].delivered_tonnes, 100, 1e-6);
    EXPECT_NEAR(m.demand[0].delivered[static_cast<std::size_t>(re("Dy"))], 100 * factor("Dy"), 1e-6);
  }
  // A separator that can take 500 t REO of feed takes the La with the Dy: 50 t Dy2O3, not 100.
  b.at(sep).outputs[0].capacity = 500;
  const Dataset d = b.build();
  const MarketResult m = solve_market(run_flow(build_flow_plan(d)), {});
  ASSERT_EQ(m.status, MarketResult::Status::optimal) << m.message;
  EXPECT_NEAR(m.demand[0].delivered_tonnes, 50, 1e-6);
}

TEST(Market, MixedOutputsCarryWhatWasNotSeparated) {
  // mine (La 50, Nd 25, Dy 25) -> an Nd separator whose mixed output carries La and Dy -> a Dy separator.
  DatasetBuilder b;
  const Index conc = b.material("conc", Form::concentrate, Basis::reo, {});
  const Index seg = b.material("seg", Form::mixed_compound, Basis::reo, {});
  const Index nd_oxide = b.material("nd-oxide", Form::oxide, Basis::reo, {{"Nd", 1.0}});
  const Index dy_oxide = b.material("dy-oxide", Form::oxide, Basis::reo, {{"Dy", 1.0}});
  const Index mine = b.facility("mine", Stage::mine, "AU");
  b.distribution(mine, {{"La", 50}, {"Nd", 25}, {"Dy", 25}});
  b.output(mine, conc, {}, 1000);
  const Index first = b.facility("nd-separator", Stage::separation, "AU");
  b.output(first, nd_oxide, 10000);
  b.output(first, seg, 10000);
  b.at(first).recovery = 0.8;
  const Index second = b.facility("dy-separator", Stage::separation, "MY");
  b.output(second, dy_oxide, 10000);
  const Index sink = b.facility("sink", Stage::demand, "US");
  b.demand(sink, dy_oxide, 1000);
  b.link(mine, first, conc);
  b.link(first, second, seg);
  b.link(second, sink, dy_oxide);
  const Dataset d = b.build();
  const FlowResult baseline = run_flow(build_flow_plan(d));
  MarketInputs inputs;
  inputs.allow_new_links = false;
  MarketResult m = solve_market(baseline, inputs);
  ASSERT_EQ(m.status, MarketResult::Status::optimal) << m.message;
  // 250 t Dy2O3 mined, 80% recovered at the first separator.
  EXPECT_NEAR(m.demand[0].delivered_tonnes, 200, 1e-6);
  EXPECT_NEAR(m.demand[0].delivered_tonnes, baseline.demand()[0].delivered_tonnes, 1e-6);
  // The mixed output carries the La with the Dy: 0.8 x (500 + 250) t REO.
  EXPECT_NEAR(m.link_tonnes[1], 600, 1e-6);
  // With new links the Dy separator takes the concentrate straight from the mine: no loss.
  m = solve_market(baseline, {});
  ASSERT_EQ(m.status, MarketResult::Status::optimal) << m.message;
  EXPECT_NEAR(m.demand[0].delivered_tonnes, 250, 1e-6);
  ASSERT_EQ(m.new_arcs.size(), 1u);
  EXPECT_EQ(m.new_arcs[0].from, mine);
  EXPECT_EQ(m.new_arcs[0].to, second);
  EXPECT_NEAR(m.new_arcs[0].tonnes, 1000, 1e-6);
}

TEST(Market, RecipeIsLimitedByTheScarcestElement) {
  DatasetBuilder b;
  const Index nd_metal = b.material("nd-metal", Form::metal, Basis::product, {{"Nd", 1.0}});
  const Index dy_metal = b.material("dy-metal", Form::metal, Basis::product, {{"Dy", 1.0}});
  const Index magnet = b.material("ndfeb", Form::magnet, Basis::product, {{"Nd", 0.3}, {"Dy", 0.03}, {"Fe", 0.67}});
  const Index nd = b.facility("nd-source", Stage::mine, "AU");
  b.output(nd, nd_metal, {}, 30);
  const Index dy = b.facility("dy-source", Stage::mine, "AU");
  b.output(dy, dy_metal, {}, 0.5);
  const Index plant = b.facility("magnets", Stage::magnet, "JP");
  b.output(plant, magnet, 1000);
  const Index sink = b.facility("sink", Stage::demand, "US");
  b.demand(sink, magnet, 1000);
  b.link(nd, plant, nd_metal);
  b.link(dy, plant, dy_metal);
  b.link(plant, sink, magnet);
  const Dataset d = b.build();
  const FlowResult baseline = run_flow(build_flow_plan(d));
  const MarketResult m = solve_market(baseline, {});
  ASSERT_EQ(m.status, MarketResult::Status::optimal) << m.message;
  // min(30 / 0.3, 0.5 / 0.03) = 16.67 t of magnet: Dy is the scarce element.
  EXPECT_NEAR(m.demand[0].delivered_tonnes, 0.5 / 0.03, 1e-6);
  EXPECT_NEAR(m.demand[0].delivered_tonnes, baseline.demand()[0].delivered_tonnes, 1e-6);
}

// CN separator -> US buyer of 100 t Dy2O3; no one else makes Dy oxide.
struct OneSupplier {
  DatasetBuilder b;
  Index sep, us;
  OneSupplier() {
    const Index conc = b.material("conc", Form::concentrate, Basis::reo, {});
    const Index dy_oxide = b.material("dy-oxide", Form::oxide, Basis::reo, {{"Dy", 1.0}});
    const Index mine = b.facility("mine", Stage::mine, "CN");
    b.distribution(mine, {{"Dy", 100}});
    b.output(mine, conc, {}, 100);
    sep = b.facility("sep", Stage::separation, "CN");
    b.output(sep, dy_oxide, 1000);
    us = b.facility("us", Stage::demand, "US");
    b.demand(us, dy_oxide, 100);
    const Index kr = b.facility("kr", Stage::demand, "KR");
    b.demand(kr, dy_oxide, 100);
    b.link(mine, sep, conc);
    b.link(sep, us, dy_oxide);
  }
};

TEST(Market, LicenseCapsCoveredFlowAtTheApprovedShare) {
  OneSupplier o;
  const Dataset d = o.b.build();
  const FlowResult baseline = run_flow(build_flow_plan(d));
  ASSERT_NEAR(baseline.demand()[0].delivered_tonnes, 100, 1e-9);
  Measure license = dy_measure(d, MeasureType::license);
  license.approval_rate = 0.25;
  MarketInputs inputs;
  inputs.measures = {&license};
  const MarketResult m = solve_market(baseline, inputs);
  ASSERT_EQ(m.status, MarketResult::Status::optimal) << m.message;
  // 25% of the 100 t that the covered links carried in the baseline, shared by both buyers.
  EXPECT_NEAR(m.demand[0].delivered_tonnes + m.demand[1].delivered_tonnes, 25, 1e-6);
  EXPECT_NEAR(m.objective, 25, 1e-6);
}

TEST(Market, QuotaCapsCoveredFlow) {
  OneSupplier o;
  const Dataset d = o.b.build();
  Measure quota = dy_measure(d, MeasureType::quota);
  quota.quota = 40;
  MarketInputs inputs;
  inputs.measures = {&quota};
  const MarketResult m = solve_market(run_flow(build_flow_plan(d)), inputs);
  ASSERT_EQ(m.status, MarketResult::Status::optimal) << m.message;
  EXPECT_NEAR(m.objective, 40, 1e-6);
}

TEST(Market, OutageAndDemandFactorsApply) {
  OneSupplier o;
  const Dataset d = o.b.build();
  MarketInputs inputs;
  inputs.capacity_factor.assign(d.facilities.size(), 1.0);
  inputs.capacity_factor[0] = 0.3;  // the mine
  inputs.demand_factor.assign(d.facilities.size(), 1.0);
  inputs.demand_factor[o.us] = 0.1;
  const MarketResult m = solve_market(run_flow(build_flow_plan(d)), inputs);
  ASSERT_EQ(m.status, MarketResult::Status::optimal) << m.message;
  EXPECT_NEAR(m.demand[0].demand_tonnes, 10, 1e-9);
  EXPECT_NEAR(m.demand[0].delivered_tonnes, 10, 1e-6);
  EXPECT_NEAR(m.demand[1].delivered_tonnes, 20, 1e-6);
}

TEST(Market, CapacityEventsReplaceCapacity) {
  OneSupplier o;
  const Dataset d = o.b.build();
  MarketInputs inputs;
  inputs.capacity_override.assign(d.facilities.size(), std::nan(""));
  inputs.capacity_override[o.sep] = 30;
  const MarketResult m = solve_market(run_flow(build_flow_plan(d)), inputs);
  ASSERT_EQ(m.status, MarketResult::Status::optimal) << m.message;
  EXPECT_NEAR(m.objective, 30, 1e-6);
  inputs.capacity_changes = {{o.sep, kNone, 70}};
  EXPECT_NEAR(solve_market(run_flow(build_flow_plan(d)), inputs).objective, 70, 1e-6);
}

TEST(Market, SaysWhenNewLinksAreLeftOut) {
  TwoSuppliers t;
  const Dataset d = t.b.build();
  const FlowResult baseline = run_flow(build_flow_plan(d));
  Measure ban = dy_measure(d, MeasureType::ban);
  ban.forms = {Form::concentrate, Form::oxide};
  MarketInputs inputs;
  inputs.measures = {&ban};
  inputs.max_columns = 1;
  MarketResult m = solve_market(baseline, inputs);
  ASSERT_EQ(m.status, MarketResult::Status::optimal) << m.message;
  EXPECT_NE(m.message.find("new links left out"), std::string::npos) << m.message;
  EXPECT_TRUE(m.new_arcs.empty());
  EXPECT_NEAR(row_of(m, t.us).delivered_tonnes, 0, 1e-9);
  inputs.max_columns = 1'000'000;
  inputs.max_new_links = 0;
  m = solve_market(baseline, inputs);
  ASSERT_EQ(m.status, MarketResult::Status::optimal) << m.message;
  EXPECT_NE(m.message.find("new links not considered for conc, dy-oxide"), std::string::npos) << m.message;
  EXPECT_TRUE(m.new_arcs.empty());
}

TEST(Market, ZeroTimeLimitIsReportedNotIgnored) {
  TwoSuppliers t;
  const Dataset d = t.b.build();
  const MarketResult m = solve_market(run_flow(build_flow_plan(d)), {}, /*time_limit_seconds=*/0);
  EXPECT_EQ(m.status, MarketResult::Status::limit);
  EXPECT_NE(m.message.find("time limit"), std::string::npos) << m.message;
  for (const DemandFlow& row : m.demand) EXPECT_EQ(row.delivered_tonnes, 0);
}

TEST(Market, RunnerReportsBothBoundsInOrder) {
  auto load = load_dataset(std::filesystem::path(CHOKEPOINT_SOURCE_DIR) / "data/example");
  ASSERT_TRUE(load.dataset);
  const Dataset& d = *load.dataset;
  const std::string text = R"(scenario: {id: mixed, title: Everything at once, as_of: 2025-06-01}
measures:
  - {id: dy-license, type: license, issuer: CN, elements: [Dy, Tb], forms: [oxide, metal, magnet],
     approval_rate: 0.25, effective: 2025-04-04}
events:
  - {type: outage, facility: lynas-malaysia, factor: 0.5}
  - {type: capacity, facility: mp-independence, output: ndfeb-sintered, capacity: 2000}
  - {type: link, from: mountain-pass, to: mp-separation, material: bastnaesite-concentrate, status: ended}
)";
  auto scenario = load_scenario_from_string(text, "s.yaml", d);
  ASSERT_TRUE(scenario.scenario);
  const ScenarioImpact impact = run_scenario(d, *scenario.scenario, ScenarioOptions{});
  ASSERT_TRUE(impact.market_ok) << impact.market_status;
  double contracts = 0, market = 0;
  for (const SinkImpact& s : impact.sinks) {
    ASSERT_TRUE(s.contracts_tonnes && s.market_tonnes);
    const double priority = d.facilities[s.facility].priority;
    contracts += priority * *s.contracts_tonnes;
    market += priority * *s.market_tonnes;
    EXPECT_LE(*s.market_tonnes, s.demand_tonnes + 1e-6);
  }
  EXPECT_GE(market, contracts - 1e-6 * std::max(1.0, contracts));
}

// ---- property test: random layered datasets ---------------------------------------------------

/// A random supply chain: mines -> processing -> separation -> metal -> magnet -> demand, with
/// mixed and fixed materials, partial capabilities, recovery, recycling loops and random links.
struct RandomChain {
  Dataset dataset;
  std::vector<Index> by_stage[kStageCount];
};

RandomChain random_chain(std::mt19937& rng, int scale = 1) {
  DatasetBuilder b;
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  auto coin = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  const char* countries[] = {"CN", "US", "AU", "MY", "JP"};
  auto country = [&] { return std::string(countries[pick(5)]); };

  const Index conc_a = b.material("conc-a", Form::concentrate, Basis::reo, {});
  const Index conc_b = b.material("conc-b", Form::concentrate, Basis::reo, {});
  const Index mixed = b.material("mixed", Form::mixed_compound, Basis::reo, {});
  const Index seg = b.material("seg", Form::mixed_compound, Basis::reo, {});
  const Index la_oxide = b.material("la-oxide", Form::oxide, Basis::reo, {{"La", 1.0}});
  const Index ndpr_oxide = b.material("ndpr-oxide", Form::oxide, Basis::reo, {{"Nd", 0.75}, {"Pr", 0.25}});
  const Index dy_oxide = b.material("dy-oxide", Form::oxide, Basis::reo, {{"Dy", 1.0}});
  const Index ndpr_metal = b.material("ndpr-metal", Form::metal, Basis::product, {{"Nd", 0.75}, {"Pr", 0.25}});
  const Index dy_metal = b.material("dy-metal", Form::metal, Basis::product, {{"Dy", 1.0}});
  const Index magnet =
      coin(0.5)
          ? b.material("magnet", Form::magnet, Basis::product, {{"Nd", 0.22}, {"Pr", 0.07}, {"Dy", 0.02}, {"Fe", 0.69}})
          : b.material("magnet", Form::magnet, Basis::product, {{"Nd", 0.23}, {"Pr", 0.08}, {"Fe", 0.69}});
  const Index scrap = b.material("scrap", Form::scrap, Basis::product, {{"Nd", 0.2}, {"Pr", 0.06}, {"Dy", 0.02}});

  RandomChain chain;
  auto add = [&](const std::string& id, Stage s) {
    const Index f = b.facility(id, s, country());
    chain.by_stage[static_cast<int>(s)].push_back(f);
    if (coin(0.1)) b.at(f).status = Status::planned;
    return f;
  };
  const int mines = scale * (2 + static_cast<int>(pick(3)));
  for (int i = 0; i < mines; ++i) {
    const Index f = add("mine-" + std::to_string(i), Stage::mine);
    b.distribution(f, {{"La", uniform(10, 40)},
                       {"Ce", uniform(10, 40)},
                       {"Nd", uniform(5, 20)},
                       {"Pr", uniform(1, 6)},
                       {"Dy", coin(0.8) ? uniform(0.05, 4) : 0.0}});
    b.output(f, coin(0.5) ? conc_a : conc_b, uniform(500, 3000), uniform(200, 2000));
  }
  const int processors = scale * static_cast<int>(pick(3));
  for (int i = 0; i < processors; ++i) {
    const Index f = add("proc-" + std::to_string(i), Stage::processing);
    if (coin(0.4)) b.output(f, la_oxide, uniform(100, 800));
    b.output(f, mixed, coin(0.2) ? std::optional<double>{} : std::optional<double>{uniform(300, 3000)});
    b.at(f).recovery = uniform(0.8, 1.0);
  }
  const int separators = scale * (1 + static_cast<int>(pick(3)));
  for (int i = 0; i < separators; ++i) {
    const Index f = add("sep-" + std::to_string(i), Stage::separation);
    if (coin(0.7)) b.output(f, ndpr_oxide, uniform(50, 800));
    if (coin(0.6)) b.output(f, dy_oxide, uniform(1, 40));
    if (coin(0.3)) b.output(f, la_oxide, uniform(50, 500));
    if (coin(0.5)) b.output(f, seg, uniform(50, 500));
    if (b.at(f).outputs.empty()) b.output(f, ndpr_oxide, uniform(50, 800));
    if (coin(0.3)) b.elements(f, {"Nd", "Pr"});
    b.at(f).recovery = uniform(0.85, 1.0);
  }
  const int metals = scale * (1 + static_cast<int>(pick(2)));
  for (int i = 0; i < metals; ++i) {
    const Index f = add("metal-" + std::to_string(i), Stage::metal);
    b.output(f, ndpr_metal, uniform(50, 600));
    if (coin(0.6)) b.output(f, dy_metal, uniform(1, 30));
    b.at(f).recovery = uniform(0.9, 1.0);
  }
  const int magnets = scale * (1 + static_cast<int>(pick(2)));
  for (int i = 0; i < magnets; ++i) {
    const Index f = add("magnet-" + std::to_string(i), Stage::magnet);
    b.output(f, magnet, uniform(100, 2000));
    b.at(f).recovery = uniform(0.9, 1.0);
  }
  const bool recycling = coin(0.3);
  if (recycling) {
    const Index f = add("recycler", Stage::recycling);
    b.output(f, scrap, uniform(10, 200));
  }
  const int sinks = scale * (2 + static_cast<int>(pick(2)));
  for (int i = 0; i < sinks; ++i) {
    const Index f = b.facility("sink-" + std::to_string(i), Stage::demand, country());
    chain.by_stage[static_cast<int>(Stage::demand)].push_back(f);
    b.at(f).priority = coin(0.3) ? 2.0 : 1.0;
    b.demand(f, magnet, uniform(100, 3000));
    if (coin(0.4)) b.demand(f, dy_oxide, uniform(1, 30));
    if (coin(0.4)) b.demand(f, ndpr_oxide, uniform(10, 300));
    if (coin(0.3)) b.demand(f, mixed, uniform(10, 300));
    if (coin(0.3)) b.demand(f, seg, uniform(10, 100));
    if (coin(0.2)) b.demand(f, magnet, uniform(10, 300));  // a second entry of the same material
  }

  // Links: each supplier's outputs go to one to three customers that accept them.
  Dataset draft = b.build();
  auto link_some = [&](Index from, Index material, const std::vector<Index>& customers) {
    std::vector<Index> ok;
    for (Index c : customers) {
      if (c != from && draft.accepts(c, material)) ok.push_back(c);
    }
    if (ok.empty()) return;
    std::shuffle(ok.begin(), ok.end(), rng);
    const std::size_t n = std::min<std::size_t>(ok.size(), 1 + pick(3));
    for (std::size_t i = 0; i < n; ++i) {
      const double r = uniform(0, 1);
      if (r < 0.2)
        b.link(from, ok[i], material, uniform(10, 500));
      else if (r < 0.4)
        b.link(from, ok[i], material, {}, uniform(0.1, 0.6));
      else
        b.link(from, ok[i], material);
    }
  };
  std::vector<Index> all;
  for (Index f = 0; f < draft.facilities.size(); ++f) all.push_back(f);
  const auto& st = chain.by_stage;
  auto next = [&](std::initializer_list<Stage> stages) {
    std::vector<Index> v;
    for (Stage s : stages) v.insert(v.end(), st[static_cast<int>(s)].begin(), st[static_cast<int>(s)].end());
    return v;
  };
  for (Index f : all) {
    for (const Output& o : draft.facilities[f].outputs) {
      switch (draft.facilities[f].stage) {
        case Stage::mine: link_some(f, o.material, next({Stage::processing, Stage::separation})); break;
        case Stage::processing: link_some(f, o.material, next({Stage::separation, Stage::metal, Stage::demand})); break;
        case Stage::separation:
          link_some(f, o.material, next({Stage::separation, Stage::metal, Stage::magnet, Stage::demand}));
          break;
        case Stage::metal: link_some(f, o.material, next({Stage::magnet, Stage::demand})); break;
        case Stage::magnet: link_some(f, o.material, next({Stage::demand, Stage::recycling})); break;
        case Stage::recycling: link_some(f, o.material, next({Stage::separation})); break;
        default: break;
      }
    }
  }
  chain.dataset = b.build();
  return chain;
}

TEST(Market, NeverDeliversLessThanContractsOnRandomChains) {
  std::mt19937 rng(20250601);
  int checked = 0;
  for (int trial = 0; trial < 150; ++trial) {
    const RandomChain chain = random_chain(rng);
    const Dataset& d = chain.dataset;
    const FlowPlan plan = build_flow_plan(d);
    const FlowResult baseline = run_flow(plan);
    const std::size_t n = d.facilities.size();

    Disruption disruption;
    MarketInputs inputs;
    disruption.capacity_factor.assign(n, 1.0);
    disruption.demand_factor.assign(n, 1.0);
    for (std::size_t f = 0; f < n; ++f) {
      const double r = std::uniform_real_distribution<double>(0, 1)(rng);
      if (r < 0.15)
        disruption.capacity_factor[f] = 0.0;
      else if (r < 0.35)
        disruption.capacity_factor[f] = std::uniform_real_distribution<double>(0.2, 0.9)(rng);
      if (std::bernoulli_distribution(0.1)(rng)) disruption.demand_factor[f] = 1.5;
    }
    disruption.pass_factor.assign(d.links.size(), 1.0);
    inputs.link_enabled.assign(d.links.size(), 0);
    for (Index l = 0; l < d.links.size(); ++l) {
      inputs.link_enabled[l] = plan.in_plan(l) ? 1 : 0;
      if (std::bernoulli_distribution(0.1)(rng)) {
        disruption.pass_factor[l] = 0.0;
        inputs.link_enabled[l] = 0;
      }
    }
    disruption.redirect = trial % 3 == 0;
    // Half the trials carry a Chinese ban or license on Dy, applied to the contracts bound link by
    // link as the scenario runner does.
    Measure measure;
    if (trial % 2 == 1 && d.find_country("CN") != kNone) {
      measure = dy_measure(d, trial % 4 == 1 ? MeasureType::ban : MeasureType::license);
      measure.forms = {Form::concentrate, Form::mixed_compound, Form::oxide, Form::metal, Form::magnet};
      measure.approval_rate = 0.3;
      for (Index l = 0; l < d.links.size(); ++l) {
        const Link& link = d.links[l];
        const ReVector content = shipment_content(d, baseline, link.from, link.material);
        if (plan.in_plan(l) && measure_covers(d, measure, link.from, link.to, link.material, content)) {
          disruption.pass_factor[l] *= measure.approval_rate * (measure.type == MeasureType::license ? 1 : 0);
        }
      }
      inputs.measures = {&measure};
    }
    inputs.capacity_factor = disruption.capacity_factor;
    inputs.demand_factor = disruption.demand_factor;
    inputs.allow_new_links = trial % 4 != 0;

    const FlowResult contracts = run_flow(plan, disruption);
    const MarketResult market = solve_market(baseline, inputs);
    ASSERT_EQ(market.status, MarketResult::Status::optimal) << "trial " << trial << ": " << market.message;
    const double c = weighted_delivery(d, contracts.demand());
    const double m = weighted_delivery(d, market.demand);
    EXPECT_GE(m, c - 1e-6 * std::max(1.0, c)) << "trial " << trial << ": market " << m << " contracts " << c;
    EXPECT_NEAR(m, market.objective, 1e-6 * std::max(1.0, m)) << "trial " << trial;
    // And never more of an element than the mines put out.
    ReVector mined{}, delivered{};
    for (Index f = 0; f < n; ++f) {
      if (d.facilities[f].stage != Stage::mine || !plan.participates(f)) continue;
      for (int e = 0; e < kRareEarthCount; ++e) mined[e] += baseline.produced(f)[e] * inputs.capacity_factor[f];
    }
    for (const DemandFlow& row : market.demand) {
      for (int e = 0; e < kRareEarthCount; ++e) delivered[e] += row.delivered[e];
      EXPECT_LE(row.delivered_tonnes, row.demand_tonnes + 1e-6) << "trial " << trial;
    }
    for (int e = 0; e < kRareEarthCount; ++e) EXPECT_LE(delivered[e], mined[e] + 1e-6) << "trial " << trial;
    // Without a disruption the market meets at least every baseline demand row.
    if (trial % 5 == 0) {
      const MarketResult free = solve_market(baseline, {});
      ASSERT_EQ(free.status, MarketResult::Status::optimal) << free.message;
      const double b = weighted_delivery(d, baseline.demand());
      EXPECT_GE(weighted_delivery(d, free.demand), b - 1e-6 * std::max(1.0, b)) << "trial " << trial;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 150);
}

// ---- the shipped rare-earth dataset --------------------------------------------------------------

TEST(Market, ShippedRareEarthDataset) {
  auto load = load_dataset(std::filesystem::path(CHOKEPOINT_SOURCE_DIR) / "data/rare-earths");
  if (!load.dataset) GTEST_SKIP() << "data/rare-earths does not load yet";
  const Dataset& d = *load.dataset;
  const FlowResult baseline = run_flow(build_flow_plan(d));
  const MarketResult m = solve_market(baseline, {});
  ASSERT_EQ(m.status, MarketResult::Status::optimal) << m.message;
  expect_at_least(m.demand, baseline.demand());
  std::printf("[ market ] rare-earths: %zu facilities, %s, %.3f s\n", d.facilities.size(), m.message.c_str(),
              m.seconds);
}

}  // namespace
}  // namespace chokepoint
