#include "chokepoint/analysis/flow.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "chokepoint/analysis/dependency.hpp"
#include "flow_plan_data.hpp"
#include "row_store.hpp"
#include "testing/dataset_builder.hpp"

namespace chokepoint {
namespace {

using test_support::Composition;
using test_support::DatasetBuilder;
using test_support::factor;
using test_support::re;
double at(const ReVector& v, const std::string& symbol) { return v[static_cast<std::size_t>(re(symbol))]; }

/// The materials of the small Nd chains below: concentrate (t REO), Nd oxide, Nd metal.
struct NdMaterials {
  Index conc, oxide, metal;
};
NdMaterials nd_materials(DatasetBuilder& b) {
  const Index conc = b.material("conc", Form::concentrate, Basis::reo, {});
  const Index oxide = b.material("nd-oxide", Form::oxide, Basis::reo, {{"Nd", 1.0}});
  return {conc, oxide, b.material("nd-metal", Form::metal, Basis::product, {{"Nd", 1.0}})};
}

/// A mine of pure Nd producing `tonnes` of concentrate (t REO), without a capacity.
Index nd_mine(DatasetBuilder& b, const std::string& id, const std::string& country, Index conc, double tonnes) {
  const Index mine = b.facility(id, Stage::mine, country);
  b.distribution(mine, {{"Nd", 100}});
  b.output(mine, conc, {}, tonnes);
  return mine;
}


void expect_conserved(const FlowResult& result) {
  const auto violations = check_conservation(result);
  for (const auto& v : violations) {
    ADD_FAILURE() << "facility " << result.plan().dataset().facilities[v.facility].id << " element "
                  << rare_earths()[static_cast<std::size_t>(v.element)].symbol << " " << v.what << ": in " << v.inflow
                  << " out " << v.outflow;
  }
}

// mine (CN) -> separator (MY) -> metal (CN) -> magnet (JP) -> demand (US), Nd and Dy.
struct Chain {
  DatasetBuilder b;
  Index conc, nd_oxide, dy_oxide, nd_metal, dy_metal, magnet;
  Index mine, separator, metal, magnet_plant, sink;

  Chain() {
    conc = b.material("conc", Form::concentrate, Basis::reo, {});
    nd_oxide = b.material("nd-oxide", Form::oxide, Basis::reo, {{"Nd", 1.0}});
    dy_oxide = b.material("dy-oxide", Form::oxide, Basis::reo, {{"Dy", 1.0}});
    nd_metal = b.material("nd-metal", Form::metal, Basis::product, {{"Nd", 1.0}});
    dy_metal = b.material("dy-metal", Form::metal, Basis::product, {{"Dy", 1.0}});
    magnet = b.material("ndfeb", Form::magnet, Basis::product, {{"Nd", 0.3}, {"Dy", 0.05}, {"Fe", 0.65}});
    mine = b.facility("mine", Stage::mine, "CN");
    b.distribution(mine, {{"Nd", 60}, {"Dy", 40}});
    b.output(mine, conc, 5000, 1000);
    separator = b.facility("separator", Stage::separation, "MY");
    b.at(separator).recovery = 0.9;
    b.output(separator, nd_oxide, 5000);
    b.output(separator, dy_oxide, 5000);
    metal = b.facility("metal", Stage::metal, "CN");
    b.output(metal, nd_metal, 10000);
    b.output(metal, dy_metal, 10000);
    magnet_plant = b.facility("magnet", Stage::magnet, "JP");
    b.output(magnet_plant, magnet, 100000);
    sink = b.facility("ev-motors", Stage::demand, "US");
    b.demand(sink, magnet, 2000);
    b.link(mine, separator, conc);
    b.link(separator, metal, nd_oxide);
    b.link(separator, metal, dy_oxide);
    b.link(metal, magnet_plant, nd_metal);
    b.link(metal, magnet_plant, dy_metal);
    b.link(magnet_plant, sink, magnet);
  }
};

TEST(Flow, ChainMovesExactTonnes) {
  Chain c;
  const Dataset d = c.b.build();
  const FlowPlan plan = build_flow_plan(d);
  const FlowResult r = run_flow(plan);
  const double nd = 1000 * 0.60 * factor("Nd");
  const double dy = 1000 * 0.40 * factor("Dy");
  EXPECT_NEAR(at(r.produced(c.mine), "Nd"), nd, 1e-9);
  EXPECT_NEAR(at(r.produced(c.mine), "Dy"), dy, 1e-9);
  EXPECT_NEAR(at(r.output(c.separator, 0), "Nd"), 0.9 * nd, 1e-9);
  EXPECT_NEAR(at(r.lost(c.separator), "Dy"), 0.1 * dy, 1e-9);
  EXPECT_NEAR(r.output_tonnes(c.separator, 0), 0.9 * 600, 1e-9);  // t of Nd2O3
  EXPECT_NEAR(r.output_tonnes(c.metal, 1), 0.9 * dy, 1e-9);
  const double magnets = 0.9 * nd / 0.3;  // Nd is the scarce element
  EXPECT_NEAR(r.output_tonnes(c.magnet_plant, 0), magnets, 1e-9);
  EXPECT_NEAR(at(r.stranded(c.magnet_plant), "Dy"), 0.9 * dy - magnets * 0.05, 1e-9);
  ASSERT_EQ(r.demand().size(), 1u);
  const DemandFlow& row = r.demand()[0];
  EXPECT_NEAR(row.delivered_tonnes, magnets, 1e-9);
  EXPECT_NEAR(row.shortfall_tonnes, 2000 - magnets, 1e-9);
  EXPECT_NEAR(at(row.demand, "Dy"), 2000 * 0.05, 1e-9);
  EXPECT_NEAR(at(row.delivered, "Nd"), 0.9 * nd, 1e-9);
  EXPECT_NEAR(at(row.shortfall(), "Nd"), 2000 * 0.3 - 0.9 * nd, 1e-9);
  EXPECT_TRUE(r.converged());
  EXPECT_EQ(r.iterations(), 1);
  EXPECT_EQ(plan.cyclic_component_count(), 0u);
  expect_conserved(r);
  // Rule 6's customer weights serve the baseline only: a finished plan no longer holds them (eight
  // bytes a link, 23 MiB at 10^6 facilities).
  EXPECT_EQ(plan.data().customer_capacity.capacity(), 0u);
}

TEST(Flow, DemandCapsDeliveryAndCountsExcess) {
  Chain c;
  c.b.at(c.sink).demand[0].quantity = 1000;
  const Dataset d = c.b.build();
  const FlowResult r = run_flow(build_flow_plan(d));
  const double magnets = 0.9 * 1000 * 0.6 * factor("Nd") / 0.3;
  EXPECT_NEAR(r.demand()[0].delivered_tonnes, 1000, 1e-9);
  EXPECT_NEAR(r.demand()[0].shortfall_tonnes, 0, 1e-12);
  EXPECT_NEAR(at(r.facility(c.sink).excess, "Nd"), (magnets - 1000) * 0.3, 1e-9);
  expect_conserved(r);
}

TEST(Flow, SeparatorWithoutDyCapabilityStrandsDy) {
  Chain c;
  c.b.elements(c.separator, {"Nd"});
  const Dataset d = c.b.build();
  const FlowResult r = run_flow(build_flow_plan(d));
  const double dy = 1000 * 0.40 * factor("Dy");
  EXPECT_NEAR(at(r.stranded(c.separator), "Dy"), dy, 1e-9);
  EXPECT_NEAR(at(r.lost(c.separator), "Dy"), 0, 1e-12);
  EXPECT_EQ(at(r.output(c.separator, 1), "Dy"), 0);
  // Without Dy the magnet recipe makes nothing: every Nd is stranded at the magnet plant.
  EXPECT_EQ(r.output_tonnes(c.magnet_plant, 0), 0);
  EXPECT_NEAR(at(r.stranded(c.magnet_plant), "Nd"), 0.9 * 1000 * 0.6 * factor("Nd"), 1e-9);
  expect_conserved(r);
}

TEST(Flow, SeparatorSendsWhatItCannotSeparateToItsMixedOutput) {
  Chain c;
  c.b.elements(c.separator, {"Nd"});
  const Index heavy = c.b.material("heavy-carbonate", Form::mixed_compound, Basis::reo, {});
  c.b.output(c.separator, heavy, 1000);
  const Dataset d = c.b.build();
  const FlowResult r = run_flow(build_flow_plan(d));
  const double dy = 1000 * 0.40 * factor("Dy");
  EXPECT_NEAR(at(r.output(c.separator, 2), "Dy"), 0.9 * dy, 1e-9);
  EXPECT_NEAR(at(r.output(c.separator, 2), "Nd"), 0, 1e-12);
  EXPECT_NEAR(at(r.stranded(c.separator), "Dy"), 0, 1e-12);
  EXPECT_NEAR(at(r.facility(c.separator).unsold, "Dy"), 0.9 * dy, 1e-9);  // no link takes it
  expect_conserved(r);
}

TEST(Flow, SeparatorCapacityBoundsFeedInReo) {
  Chain c;
  c.b.at(c.separator).outputs[0].capacity = 200;
  c.b.at(c.separator).outputs[1].capacity = 50;  // 250 t REO of feed out of 1000
  const Dataset d = c.b.build();
  const FlowResult r = run_flow(build_flow_plan(d));
  const double nd = 1000 * 0.6 * factor("Nd");
  EXPECT_NEAR(at(r.stranded(c.separator), "Nd"), 0.75 * nd, 1e-9);
  EXPECT_NEAR(at(r.output(c.separator, 0), "Nd"), 0.25 * 0.9 * nd, 1e-9);
  expect_conserved(r);
}

TEST(Flow, LeontiefRecipeIsLimitedByTheScarcestElement) {
  DatasetBuilder b;
  const Index nd = b.material("nd-metal", Form::metal, Basis::product, {{"Nd", 1.0}});
  const Index dy = b.material("dy-metal", Form::metal, Basis::product, {{"Dy", 1.0}});
  const Index magnet = b.material("ndfeb", Form::magnet, Basis::product, {{"Nd", 0.3}, {"Dy", 0.05}, {"Fe", 0.65}});
  const Index nd_mine = b.facility("nd-source", Stage::mine, "CN");
  b.output(nd_mine, nd, {}, 300);
  const Index dy_mine = b.facility("dy-source", Stage::mine, "CN");
  b.output(dy_mine, dy, {}, 10);
  const Index plant = b.facility("magnet", Stage::magnet, "JP");
  b.output(plant, magnet, 1000);
  b.link(nd_mine, plant, nd);
  b.link(dy_mine, plant, dy);
  Dataset d = b.build();
  FlowResult r = run_flow(build_flow_plan(d));
  EXPECT_NEAR(r.output_tonnes(plant, 0), 200, 1e-9);  // 10 t Dy / 0.05
  EXPECT_NEAR(at(r.stranded(plant), "Nd"), 300 - 60, 1e-9);
  EXPECT_NEAR(at(r.stranded(plant), "Dy"), 0, 1e-12);
  EXPECT_NEAR(at(r.facility(plant).unsold, "Nd"), 60, 1e-9);
  expect_conserved(r);

  d.facilities[plant].outputs[0].capacity = 100;
  r = run_flow(build_flow_plan(d));
  EXPECT_NEAR(r.output_tonnes(plant, 0), 100, 1e-9);  // capacity binds
  EXPECT_NEAR(at(r.stranded(plant), "Dy"), 5, 1e-9);
  expect_conserved(r);
}

TEST(Flow, RecipeOutputsShareFeedInProportionToCapacity) {
  DatasetBuilder b;
  const Index nd = b.material("nd-metal", Form::metal, Basis::product, {{"Nd", 1.0}});
  const Index a = b.material("grade-a", Form::magnet, Basis::product, {{"Nd", 0.3}});
  const Index c = b.material("grade-b", Form::magnet, Basis::product, {{"Nd", 0.2}});
  const Index source = b.facility("source", Stage::mine, "CN");
  b.output(source, nd, {}, 100);
  const Index plant = b.facility("magnet", Stage::magnet, "JP");
  b.at(plant).recovery = 0.5;
  b.output(plant, a, 1000);
  b.output(plant, c, 3000);
  b.link(source, plant, nd);
  const Dataset d = b.build();
  const FlowResult r = run_flow(build_flow_plan(d));
  // 25 t Nd to grade A, 75 t to grade B; half is lost to recovery.
  EXPECT_NEAR(r.output_tonnes(plant, 0), 0.5 * 25 / 0.3, 1e-9);
  EXPECT_NEAR(r.output_tonnes(plant, 1), 0.5 * 75 / 0.2, 1e-9);
  EXPECT_NEAR(at(r.lost(plant), "Nd"), 50, 1e-9);
  expect_conserved(r);
}

struct SplitCase {
  DatasetBuilder b;
  Index conc, mine;
  std::vector<Index> customers;
  SplitCase(std::initializer_list<double> capacities) {
    conc = b.material("conc", Form::concentrate, Basis::reo, {});
    mine = b.facility("mine", Stage::mine, "AU");
    b.distribution(mine, {{"La", 50}, {"Nd", 50}});
    b.output(mine, conc, {}, 1000);
    for (double cap : capacities) {
      const Index f = b.facility("plant-" + std::to_string(customers.size()), Stage::processing, "CN");
      const Index mixed = b.material("mix-" + std::to_string(customers.size()), Form::mixed_compound, Basis::reo, {});
      b.output(f, mixed, cap);
      customers.push_back(f);
    }
  }
};

TEST(Flow, SplitsByVolumeThenShareThenCapacity) {
  SplitCase s({5000, 5000, 100, 300});
  const Index by_volume = s.b.link(s.mine, s.customers[0], s.conc, 200.0);
  const Index by_share = s.b.link(s.mine, s.customers[1], s.conc, std::nullopt, 0.3);
  const Index small = s.b.link(s.mine, s.customers[2], s.conc);
  const Index large = s.b.link(s.mine, s.customers[3], s.conc);
  const Dataset d = s.b.build();
  const FlowPlan plan = build_flow_plan(d);
  const FlowResult r = run_flow(plan);
  EXPECT_NEAR(r.link(by_volume).carried_tonnes, 200, 1e-9);
  EXPECT_NEAR(r.link(by_share).carried_tonnes, 300, 1e-9);
  EXPECT_NEAR(r.link(small).carried_tonnes, 125, 1e-9);  // the remaining 500 by capacity 100:300
  EXPECT_NEAR(r.link(large).carried_tonnes, 375, 1e-9);
  EXPECT_NEAR(plan.proportion(large), 0.375, 1e-12);
  EXPECT_NEAR(at(r.facility(s.mine).unsold, "Nd"), 0, 1e-9);
  expect_conserved(r);
}

TEST(Flow, OutputNoLinkTakesIsUnsold) {
  SplitCase s({5000, 5000});
  s.b.link(s.mine, s.customers[0], s.conc, 200.0);
  s.b.link(s.mine, s.customers[1], s.conc, std::nullopt, 0.3);
  const Dataset d = s.b.build();
  const FlowResult r = run_flow(build_flow_plan(d));
  EXPECT_NEAR(at(r.facility(s.mine).unsold, "Nd"), 0.5 * 500 * factor("Nd"), 1e-9);
  EXPECT_NEAR(at(r.facility(s.mine).shipped, "La"), 0.5 * 500 * factor("La"), 1e-9);
  expect_conserved(r);
}

TEST(Flow, FixedPartsAboveOutputAreScaledDown) {
  SplitCase s({5000, 5000, 5000});
  const Index a = s.b.link(s.mine, s.customers[0], s.conc, 800.0);
  const Index c = s.b.link(s.mine, s.customers[1], s.conc, std::nullopt, 0.5);
  const Index rest = s.b.link(s.mine, s.customers[2], s.conc);
  const Dataset d = s.b.build();
  const FlowResult r = run_flow(build_flow_plan(d));
  EXPECT_NEAR(r.link(a).carried_tonnes, 800 * 1000 / 1300.0, 1e-9);
  EXPECT_NEAR(r.link(c).carried_tonnes, 500 * 1000 / 1300.0, 1e-9);
  EXPECT_NEAR(r.link(rest).carried_tonnes, 0, 1e-12);
  expect_conserved(r);
}

TEST(Flow, CustomersWithoutCapacitySplitTheRestEqually) {
  DatasetBuilder b;
  const Index conc = b.material("conc", Form::concentrate, Basis::reo, {});
  const Index mine = b.facility("mine", Stage::mine, "AU");
  b.distribution(mine, {{"Ce", 100}});
  b.output(mine, conc, {}, 900);
  std::vector<Index> links;
  for (int i = 0; i < 3; ++i) {
    const Index sink = b.facility("stock-" + std::to_string(i), Stage::demand, "US");
    links.push_back(b.link(mine, sink, conc));
  }
  const Dataset d = b.build();
  const FlowResult r = run_flow(build_flow_plan(d));
  for (Index l : links) EXPECT_NEAR(r.link(l).carried_tonnes, 300, 1e-9);  // demand 0 everywhere: equal
  expect_conserved(r);
}

/// separator -> metal -> magnet -> demand (90%) and -> recycler (10%) -> back to the separator.
TEST(Flow, RecyclingCycleConvergesToItsFixedPoint) {
  DatasetBuilder b;
  const auto [conc, oxide, metal] = nd_materials(b);
  const Index magnet = b.material("magnet", Form::magnet, Basis::product, {{"Nd", 0.3}, {"Fe", 0.7}});
  const Index recycled = b.material("recycled-oxide", Form::mixed_compound, Basis::reo, {});
  const Index mine = nd_mine(b, "mine", "AU", conc, 1000);
  const Index sep = b.facility("separator", Stage::separation, "MY");
  b.output(sep, oxide, 10000);
  const Index met = b.facility("metal", Stage::metal, "CN");
  b.output(met, metal, 10000);
  const Index mag = b.facility("magnet", Stage::magnet, "JP");
  b.output(mag, magnet, 100000);
  const Index rec = b.facility("recycler", Stage::recycling, "JP");
  b.at(rec).recovery = 0.9;
  b.output(rec, recycled, 10000);
  const Index sink = b.facility("motors", Stage::demand, "US");
  b.demand(sink, magnet, 1e6);
  b.link(mine, sep, conc);
  b.link(sep, met, oxide);
  b.link(met, mag, metal);
  b.link(mag, sink, magnet, std::nullopt, 0.9);
  b.link(mag, rec, magnet, std::nullopt, 0.1);
  b.link(rec, sep, recycled);
  const Dataset d = b.build();
  const FlowPlan plan = build_flow_plan(d);
  const FlowResult r = run_flow(plan);
  EXPECT_EQ(plan.cyclic_component_count(), 1u);
  EXPECT_TRUE(r.converged());
  EXPECT_GT(r.iterations(), 2);
  const double a = 1000 * factor("Nd");
  const double loop = a / (1 - 0.1 * 0.9);  // Nd through the separator at the fixed point
  EXPECT_NEAR(at(r.received(sep), "Nd"), loop, 1e-6);
  EXPECT_NEAR(at(r.received(sink), "Nd"), 0.9 * loop, 1e-6);
  EXPECT_NEAR(at(r.lost(rec), "Nd"), 0.01 * loop, 1e-6);
  expect_conserved(r);

  FlowOptions capped;
  capped.max_iterations = 2;
  const FlowResult early = run_flow(build_flow_plan(d, capped));
  EXPECT_FALSE(early.converged());
  EXPECT_EQ(early.iterations(), 2);
}

TEST(Flow, NonParticipatingFacilitiesAndInactiveLinksCarryNothing) {
  Chain c;
  c.b.at(c.metal).status = Status::planned;
  const Dataset d = c.b.build();
  const FlowPlan plan = build_flow_plan(d);
  const FlowResult r = run_flow(plan);
  EXPECT_FALSE(plan.participates(c.metal));
  EXPECT_NEAR(at(r.received(c.metal), "Nd"), 0, 1e-12);
  EXPECT_NEAR(at(r.facility(c.separator).unsold, "Nd"), 0.9 * 1000 * 0.6 * factor("Nd"), 1e-9);
  expect_conserved(r);

  Chain dated;
  dated.b.link_at(0).since = Date{2030, 1, 1};
  const Dataset d2 = dated.b.build();
  FlowOptions options;
  options.as_of = Date{2026, 6, 1};
  const FlowPlan plan2 = build_flow_plan(d2, options);
  EXPECT_FALSE(plan2.in_plan(0));
  EXPECT_NEAR(at(run_flow(plan2).received(dated.separator), "Nd"), 0, 1e-12);
}

TEST(Flow, ContractsKeepBaselineProportions) {
  SplitCase s({5000, 5000, 100, 300});
  s.b.link(s.mine, s.customers[0], s.conc, 200.0);
  s.b.link(s.mine, s.customers[1], s.conc, std::nullopt, 0.3);
  s.b.link(s.mine, s.customers[2], s.conc);
  s.b.link(s.mine, s.customers[3], s.conc);
  const Dataset d = s.b.build();
  const FlowPlan plan = build_flow_plan(d);
  Disruption half;
  half.capacity_factor.assign(d.facilities.size(), 1.0);
  half.capacity_factor[s.mine] = 0.5;
  const FlowResult r = run_flow(plan, half);
  // Contracts: the volume link keeps its baseline proportion (20%), not its 200 t.
  EXPECT_NEAR(r.link(0).carried_tonnes, 100, 1e-9);
  EXPECT_NEAR(r.link(3).carried_tonnes, 187.5, 1e-9);
  expect_conserved(r);
}

struct RedirectCase {
  DatasetBuilder b;
  Index oxide, nd_metal, mine, sep, m1, m2, blocked_link, open_link;
  RedirectCase() {
    const NdMaterials m = nd_materials(b);
    oxide = m.oxide;
    nd_metal = m.metal;
    mine = nd_mine(b, "mine", "CN", m.conc, 1000);
    sep = b.facility("separator", Stage::separation, "CN");
    b.output(sep, oxide, 5000);
    m1 = b.facility("metal-jp", Stage::metal, "JP");
    b.output(m1, nd_metal, 5000);
    m2 = b.facility("metal-vn", Stage::metal, "VN");
    b.output(m2, nd_metal, 700);
    b.link(mine, sep, m.conc);
    blocked_link = b.link(sep, m1, oxide, 600.0);
    open_link = b.link(sep, m2, oxide, 400.0);
  }
};

TEST(Flow, PassFactorZeroBlocksALink) {
  RedirectCase c;
  const Dataset d = c.b.build();
  const FlowPlan plan = build_flow_plan(d);
  Disruption ban;
  ban.pass_factor.assign(d.links.size(), 1.0);
  ban.pass_factor[c.blocked_link] = 0.0;
  const FlowResult r = run_flow(plan, ban);
  EXPECT_NEAR(r.link(c.blocked_link).carried_tonnes, 0, 1e-12);
  EXPECT_NEAR(r.link(c.blocked_link).blocked_tonnes, 600, 1e-9);
  EXPECT_NEAR(at(r.facility(c.sep).blocked, "Nd"), 600 * factor("Nd"), 1e-9);
  EXPECT_NEAR(at(r.received(c.m1), "Nd"), 0, 1e-12);
  EXPECT_NEAR(r.link(c.open_link).carried_tonnes, 400, 1e-9);
  expect_conserved(r);

  ban.pass_factor[c.blocked_link] = 0.25;  // a licence approving a quarter
  const FlowResult licensed = run_flow(plan, ban);
  EXPECT_NEAR(licensed.link(c.blocked_link).carried_tonnes, 150, 1e-9);
  EXPECT_NEAR(licensed.link(c.blocked_link).blocked_tonnes, 450, 1e-9);
  expect_conserved(licensed);
}

TEST(Flow, RedirectOffersBlockedFlowUpToSpareCapacity) {
  RedirectCase c;
  const Dataset d = c.b.build();
  const FlowPlan plan = build_flow_plan(d);
  Disruption ban;
  ban.pass_factor.assign(d.links.size(), 1.0);
  ban.pass_factor[c.blocked_link] = 0.0;
  ban.redirect = true;
  const FlowResult r = run_flow(plan, ban);
  // metal-vn takes Nd up to its 700 t of Nd metal; the rest of the 600 t of oxide stays blocked.
  EXPECT_NEAR(at(r.received(c.m2), "Nd"), 700, 1e-9);
  EXPECT_NEAR(at(r.facility(c.sep).blocked, "Nd"), 1000 * factor("Nd") - 700, 1e-9);
  EXPECT_NEAR(r.output_tonnes(c.m2, 0), 700, 1e-9);
  expect_conserved(r);

  Disruption roomy = ban;
  roomy.capacity_factor.assign(d.facilities.size(), 1.0);
  roomy.capacity_factor[c.m2] = 10.0;
  const FlowResult all = run_flow(plan, roomy);
  EXPECT_NEAR(at(all.received(c.m2), "Nd"), 1000 * factor("Nd"), 1e-9);
  EXPECT_NEAR(at(all.facility(c.sep).blocked, "Nd"), 0, 1e-9);
  expect_conserved(all);
}

/// Two metal plants that trade metal with each other (one component of the processing order), both
/// at capacity and both supplying a third whose capacity is nearly taken. When each loses a
/// customer and redirect offers the blocked metal to the third, what the other member of the cycle
/// already sends it counts against its spare capacity, whichever of the two the run processes first.
TEST(Flow, RedirectCountsWhatTheSuppliersCycleAlreadyDelivers) {
  DatasetBuilder b;
  const auto [conc, oxide, metal] = nd_materials(b);
  const Index mine = nd_mine(b, "mine", "CN", conc, 4000);
  const Index sep = b.facility("separator", Stage::separation, "CN");
  b.output(sep, oxide, 10000);
  // Each gets 1500 t of oxide (1286 t of Nd) and 50 t of metal from the other: more than the
  // 1300 t it can make, so neither has room for redirected metal and its output stays 1300 t.
  const Index a = b.facility("metal-a", Stage::metal, "CN");
  b.output(a, metal, 1300);
  const Index c = b.facility("metal-b", Stage::metal, "CN");
  b.output(c, metal, 1300);
  const Index taker = b.facility("alloy-jp", Stage::alloy, "JP");
  b.output(taker, metal, 500);  // takes up to 500 t of Nd
  const Index lost_a = b.facility("alloy-a", Stage::alloy, "US");
  b.output(lost_a, metal, 10000);
  const Index lost_c = b.facility("alloy-b", Stage::alloy, "US");
  b.output(lost_c, metal, 10000);
  b.link(mine, sep, conc);
  b.link(sep, a, oxide, 1500.0);
  b.link(sep, c, oxide, 1500.0);
  b.link(a, c, metal, 50.0);  // the cycle
  b.link(c, a, metal, 50.0);
  b.link(a, taker, metal, 200.0);
  b.link(c, taker, metal, 200.0);
  const Index blocked_a = b.link(a, lost_a, metal, 600.0);
  const Index blocked_c = b.link(c, lost_c, metal, 600.0);
  const Dataset d = b.build();
  const FlowPlan plan = build_flow_plan(d);
  EXPECT_EQ(plan.cyclic_component_count(), 1u);
  const FlowResult base = run_flow(plan);
  EXPECT_NEAR(at(base.received(taker), "Nd"), 400, 1e-9);

  Disruption ban;
  ban.pass_factor.assign(d.links.size(), 1.0);
  ban.pass_factor[blocked_a] = 0.0;
  ban.pass_factor[blocked_c] = 0.0;
  ban.redirect = true;
  const FlowResult r = run_flow(plan, ban);
  EXPECT_TRUE(r.converged());
  EXPECT_NEAR(r.output_tonnes(a, 0), 1300, 1e-9);
  EXPECT_NEAR(r.output_tonnes(c, 0), 1300, 1e-9);
  // Redirect fills the taker to its capacity and no further: the plant processed first, counting
  // only what came from before it in the order, would take 300 t and the other none (700 t).
  EXPECT_NEAR(at(r.received(taker), "Nd"), 500, 1e-6);
  expect_conserved(r);
}

TEST(Flow, ParticipationIsAnInputOfTheRun) {
  RedirectCase c;
  const Dataset d = c.b.build();
  const FlowPlan plan = build_flow_plan(d);
  Disruption closed;
  closed.participates.assign(d.facilities.size(), 1);
  closed.participates[c.m1] = 0;
  const FlowResult r = run_flow(plan, closed);
  EXPECT_NEAR(r.link(c.blocked_link).blocked_tonnes, 600, 1e-9);
  EXPECT_NEAR(at(r.received(c.m1), "Nd"), 0, 1e-12);
  expect_conserved(r);
}

TEST(Flow, CommissionedMineShipsByTheRuleAtItsCapacity) {
  SplitCase s({100, 300});
  s.b.at(s.mine).status = Status::planned;
  Output capacity_only;
  capacity_only.material = s.conc;
  capacity_only.capacity = 800.0;
  s.b.at(s.mine).outputs[0] = capacity_only;
  const Index small = s.b.link(s.mine, s.customers[0], s.conc);
  const Index large = s.b.link(s.mine, s.customers[1], s.conc);
  const Dataset d = s.b.build();
  const FlowPlan plan = build_flow_plan(d);
  EXPECT_EQ(run_flow(plan).link(large).carried_tonnes, 0);
  Disruption commission;
  commission.participates.assign(d.facilities.size(), 1);
  const FlowResult r = run_flow(plan, commission);
  EXPECT_NEAR(r.link(small).carried_tonnes, 200, 1e-9);
  EXPECT_NEAR(r.link(large).carried_tonnes, 600, 1e-9);
  expect_conserved(r);
}

// SparseRows keeps a row's entries other than +0 only, and reads back exactly what was set:
// rewritten with fewer or with new elements, to zero, with a -0 entry, and after a reset.
TEST(SparseRows, ReadsBackExactlyWhatWasSet) {
  flow_detail::SparseRows rows;
  rows.reset(4);
  const ReVector zero{};
  ReVector a{};
  a[1] = 2.5;
  a[7] = -1.0;
  rows.set(2, zero);  // an all-zero first write takes no row
  EXPECT_EQ(rows[2], zero);
  rows.set(2, a);
  EXPECT_EQ(rows[2], a);
  ReVector fewer{};
  fewer[7] = 3.0;
  rows.set(2, fewer);
  EXPECT_EQ(rows[2], fewer);
  ReVector more = a;
  more[0] = 1e-300;
  more[16] = 4.0;
  rows.set(2, more);
  EXPECT_EQ(rows[2], more);
  rows.set(2, zero);
  EXPECT_EQ(rows[2], zero);
  ReVector negative_zero{};
  negative_zero[3] = 1.0;
  negative_zero[4] = -0.0;
  rows.set(1, negative_zero);
  EXPECT_TRUE(std::signbit(rows[1][4]));
  EXPECT_EQ(rows[1][3], 1.0);
  EXPECT_EQ(rows[0], zero);
  EXPECT_EQ(rows[3], zero);
  rows.reset(4);
  EXPECT_EQ(rows[1], zero);
  EXPECT_EQ(rows[2], zero);
}

TEST(Flow, DemandRowsAreComputedOnReadFromTheRunTheyBelongTo) {
  Chain c;
  // Two entries of one material share one demand group by quantity, 3:1.
  auto& entries = c.b.at(c.sink).demand;
  entries.push_back(entries[0]);
  entries[0].quantity = 1500;
  entries[1].quantity = 500;
  const Dataset d = c.b.build();
  const FlowPlan plan = build_flow_plan(d);
  FlowResult r = run_flow(plan);
  const DemandRows rows = r.demand();
  ASSERT_EQ(rows.size(), 2u);
  std::size_t i = 0;
  for (const DemandFlow& row : rows) {
    const DemandFlow again = rows[i];
    EXPECT_EQ(row.facility, c.sink);
    EXPECT_EQ(rows.facility(i), c.sink);
    EXPECT_EQ(row.entry, i);
    EXPECT_EQ(row.delivered_tonnes, again.delivered_tonnes);
    for (int e = 0; e < kRareEarthCount; ++e) {
      EXPECT_EQ(rows.delivered(i, e), row.delivered[static_cast<std::size_t>(e)]) << "row " << i << " element " << e;
    }
    ++i;
  }
  EXPECT_EQ(i, 2u);
  EXPECT_NEAR(rows[0].demand_tonnes, 1500, 1e-9);
  EXPECT_GT(rows[1].delivered_tonnes, 0);
  EXPECT_NEAR(rows[0].delivered_tonnes, 3 * rows[1].delivered_tonnes, 1e-9);
  EXPECT_NEAR(r.sink_demand(c.sink).delivered_tonnes, rows[0].delivered_tonnes + rows[1].delivered_tonnes, 1e-9);
  // A result run again in place reads the new run's demand factors, as a fresh one does.
  Disruption less;
  less.demand_factor.assign(d.facilities.size(), 1.0);
  less.demand_factor[c.sink] = 0.1;
  run_flow(plan, less, r);
  const FlowResult fresh = run_flow(plan, less);
  EXPECT_NEAR(r.demand()[1].demand_tonnes, 50, 1e-9);
  EXPECT_EQ(r.demand()[0].delivered_tonnes, fresh.demand()[0].delivered_tonnes);
  EXPECT_EQ(r.demand()[1].shortfall_tonnes, fresh.demand()[1].shortfall_tonnes);
  run_flow(plan, Disruption{}, r);
  EXPECT_NEAR(r.demand()[1].demand_tonnes, 500, 1e-9);
  expect_conserved(r);
}

TEST(Flow, DemandFactorScalesDemand) {
  Chain c;
  const Dataset d = c.b.build();
  const FlowPlan plan = build_flow_plan(d);
  Disruption more;
  more.demand_factor.assign(d.facilities.size(), 1.0);
  more.demand_factor[c.sink] = 0.25;
  const FlowResult r = run_flow(plan, more);
  EXPECT_NEAR(r.demand()[0].demand_tonnes, 500, 1e-9);
  EXPECT_NEAR(r.demand()[0].delivered_tonnes, 500, 1e-9);
  EXPECT_NEAR(r.sink_demand(c.sink).delivered_tonnes, 500, 1e-9);
  EXPECT_NEAR(at(r.sink_demand(c.sink).delivered, "Nd"), 150, 1e-9);
  EXPECT_EQ(r.sink_demand(c.mine).demand_tonnes, 0);
  expect_conserved(r);
}

TEST(Flow, ReusedResultGivesTheSameAnswer) {
  Chain c;
  const Dataset d = c.b.build();
  const FlowPlan plan = build_flow_plan(d);
  FlowResult reused;
  Disruption cut;
  cut.capacity_factor.assign(d.facilities.size(), 0.3);
  run_flow(plan, cut, reused);
  run_flow(plan, Disruption{}, reused);
  const FlowResult fresh = run_flow(plan);
  for (Index f = 0; f < d.facilities.size(); ++f) {
    EXPECT_EQ(reused.received(f), fresh.received(f));
    EXPECT_EQ(reused.stranded(f), fresh.stranded(f));
  }
}

/// Layered random datasets: mines, separators, metal plants, magnet plants, demand, with random
/// capabilities, mixed outputs, recoveries, split kinds, idle facilities and a recycling loop.
Dataset random_dataset(std::uint32_t seed) {
  std::mt19937 rng(seed);
  const auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  const auto chance = [&](double p) { return uniform(0, 1) < p; };
  const auto count = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const char* symbols[] = {"La", "Ce", "Pr", "Nd", "Dy", "Tb"};
  DatasetBuilder b;
  const Index conc = b.material("conc", Form::concentrate, Basis::reo, {});
  const Index mixed = b.material("mixed", Form::mixed_compound, Basis::reo, {});
  const Index scrap = b.material("scrap", Form::scrap, Basis::product, {});
  std::vector<Index> oxides, metals;
  for (const char* s : symbols) {
    oxides.push_back(b.material(std::string(s) + "-oxide", Form::oxide, Basis::reo, {{s, 1.0}}));
    metals.push_back(b.material(std::string(s) + "-metal", Form::metal, Basis::product, {{s, 1.0}}));
  }
  const Index magnet_a = b.material("magnet-a", Form::magnet, Basis::product, {{"Nd", 0.25}, {"Pr", 0.06}, {"Dy", 0.03}});
  const Index magnet_b = b.material("magnet-b", Form::magnet, Basis::product, {{"Nd", 0.3}, {"Tb", 0.01}});
  const char* countries[] = {"CN", "MY", "US", "AU", "JP"};
  const auto country = [&] { return countries[count(0, 4)]; };
  int id = 0;
  const auto make = [&](Stage stage) {
    const Index f = b.facility("f" + std::to_string(id++), stage, country());
    if (chance(0.08)) b.at(f).status = Status::idle;
    if (chance(0.3)) b.at(f).recovery = uniform(0.5, 1.0);
    return f;
  };
  const auto capacity = [&]() -> std::optional<double> {
    if (chance(0.15)) return std::nullopt;
    return uniform(50, 3000);
  };
  const auto connect = [&](Index from, Index to, Index material) {
    const double k = uniform(0, 1);
    if (k < 0.3) b.link(from, to, material, uniform(0, 800));
    else if (k < 0.6) b.link(from, to, material, std::nullopt, uniform(0, 0.7));
    else b.link(from, to, material);
  };
  std::vector<Index> mines, seps, mets, mags, sinks;
  for (int i = count(1, 3); i > 0; --i) {
    const Index f = make(Stage::mine);
    Composition dist;
    for (const char* s : symbols) dist.push_back({s, uniform(0, 30)});
    b.distribution(f, dist);
    b.output(f, conc, uniform(100, 3000), chance(0.8) ? std::optional<double>(uniform(50, 2000)) : std::nullopt);
    mines.push_back(f);
  }
  for (int i = count(1, 3); i > 0; --i) {
    const Index f = make(Stage::separation);
    for (std::size_t k = 0; k < oxides.size(); ++k) {
      if (chance(0.6)) b.output(f, oxides[k], capacity());
    }
    if (chance(0.4)) b.output(f, mixed, capacity());
    if (chance(0.3)) b.elements(f, {"Nd", "Pr", "La"});
    seps.push_back(f);
  }
  for (int i = count(1, 3); i > 0; --i) {
    const Index f = make(Stage::metal);
    for (std::size_t k = 0; k < metals.size(); ++k) {
      if (chance(0.6)) b.output(f, metals[k], capacity());
    }
    mets.push_back(f);
  }
  for (int i = count(1, 3); i > 0; --i) {
    const Index f = make(Stage::magnet);
    b.output(f, magnet_a, capacity());
    if (chance(0.5)) b.output(f, magnet_b, capacity());
    if (chance(0.3)) b.output(f, scrap, capacity());
    mags.push_back(f);
  }
  for (int i = count(1, 3); i > 0; --i) {
    const Index f = make(Stage::demand);
    b.demand(f, magnet_a, uniform(0, 2000));
    if (chance(0.5)) b.demand(f, magnet_b, uniform(0, 500));
    sinks.push_back(f);
  }
  const auto outputs_of = [&](Index f) {
    std::vector<Index> ms;
    for (const Output& o : b.at(f).outputs) ms.push_back(o.material);
    return ms;
  };
  const auto wire = [&](const std::vector<Index>& from, const std::vector<Index>& to) {
    for (Index s : from) {
      for (Index m : outputs_of(s)) {
        for (Index t : to) {
          if (chance(0.7)) connect(s, t, m);
        }
      }
    }
  };
  wire(mines, seps);
  wire(seps, mets);
  wire(mets, mags);
  wire(mags, sinks);
  if (chance(0.5)) {  // recycling loop: magnets and scrap back to a separator through a recycler
    const Index rec = make(Stage::recycling);
    b.output(rec, mixed, capacity());
    for (Index m : mags) {
      for (Index mat : outputs_of(m)) connect(m, rec, mat);
    }
    connect(rec, seps[0], mixed);
  }
  return b.build();
}

Disruption random_disruption(const Dataset& d, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  Disruption x;
  x.redirect = u(rng) < 0.5;
  for (std::size_t i = 0; i < d.facilities.size(); ++i) {
    x.capacity_factor.push_back(u(rng) < 0.3 ? u(rng) * 1.5 : 1.0);
    x.demand_factor.push_back(u(rng) < 0.2 ? u(rng) * 2 : 1.0);
  }
  for (std::size_t i = 0; i < d.links.size(); ++i) x.pass_factor.push_back(u(rng) < 0.3 ? u(rng) * (u(rng) < 0.5) : 1.0);
  if (u(rng) < 0.3) {
    for (const Facility& f : d.facilities) x.participates.push_back(u(rng) < 0.1 ? !is_producing(f.status) : is_producing(f.status));
  }
  return x;
}

TEST(Flow, RandomLayeredDatasetsConserveEveryElement) {
  int cyclic = 0;
  for (std::uint32_t seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Dataset d = random_dataset(seed);
    const FlowPlan plan = build_flow_plan(d);
    cyclic += plan.cyclic_component_count() > 0 ? 1 : 0;
    const FlowResult base = run_flow(plan);
    EXPECT_TRUE(base.converged());
    expect_conserved(base);
    const FlowResult hit = run_flow(plan, random_disruption(d, seed * 7919));
    expect_conserved(hit);
    Disruption blocked;
    blocked.pass_factor = random_disruption(d, seed).pass_factor;
    expect_conserved(run_flow(plan, blocked));
  }
  EXPECT_GT(cyclic, 50);  // the loop really is exercised
}

TEST(OriginTrace, SharesFollowProportionalMixing) {
  DatasetBuilder b;
  const auto [conc, oxide, metal] = nd_materials(b);
  const Index cn_mine = nd_mine(b, "mine-cn", "CN", conc, 600);
  const Index au_mine = nd_mine(b, "mine-au", "AU", conc, 400);
  const Index cn_sep = b.facility("sep-cn", Stage::separation, "CN");
  b.output(cn_sep, oxide, 5000);
  const Index my_sep = b.facility("sep-my", Stage::separation, "MY");
  b.output(my_sep, oxide, 5000);
  const Index met = b.facility("metal-cn", Stage::metal, "CN");
  b.output(met, metal, 5000);
  const Index sink = b.facility("motors-us", Stage::demand, "US");
  b.demand(sink, metal, 10000);
  b.link(cn_mine, cn_sep, conc);
  b.link(au_mine, cn_sep, conc, std::nullopt, 0.5);
  b.link(au_mine, my_sep, conc, std::nullopt, 0.5);
  b.link(cn_sep, met, oxide);
  b.link(my_sep, met, oxide);
  b.link(met, sink, metal);
  const Dataset d = b.build();
  const FlowResult r = run_flow(build_flow_plan(d));
  const OriginTrace trace = trace_origins(r, TraceRequest{{sink}, {re("Nd")}, /*facilities=*/true});
  const int nd = re("Nd");
  const auto share = [&](Index f, Stage stage, const char* code) {
    for (const auto& s : trace.countries(f, nd)) {
      if (s.stage == stage && s.country == d.find_country(code)) return s.share;
    }
    return 0.0;
  };
  // The CN separator gets 600 t REO from China and 200 from Australia; the MY one 200 from Australia.
  EXPECT_NEAR(share(cn_sep, Stage::mine, "CN"), 0.75, 1e-12);
  EXPECT_NEAR(share(sink, Stage::mine, "CN"), 0.6, 1e-12);
  EXPECT_NEAR(share(sink, Stage::mine, "AU"), 0.4, 1e-12);
  EXPECT_NEAR(share(sink, Stage::separation, "CN"), 0.8, 1e-12);
  EXPECT_NEAR(share(sink, Stage::separation, "MY"), 0.2, 1e-12);
  EXPECT_NEAR(share(sink, Stage::metal, "CN"), 1.0, 1e-12);
  const auto reached = trace.stages(sink, nd);
  EXPECT_NEAR(reached[static_cast<std::size_t>(Stage::separation)], 1.0, 1e-12);
  EXPECT_EQ(reached[static_cast<std::size_t>(Stage::magnet)], 0.0);
  const auto upstream = trace.facilities(sink, nd);
  ASSERT_EQ(upstream.size(), 5u);
  EXPECT_EQ(upstream[1].facility, au_mine);
  EXPECT_NEAR(upstream[1].share, 0.4, 1e-12);
  EXPECT_EQ(upstream[3].facility, my_sep);
  EXPECT_NEAR(upstream[3].share, 0.2, 1e-12);
  EXPECT_TRUE(trace.countries(sink, re("Dy")).empty());
  EXPECT_TRUE(trace.countries(cn_mine, nd).empty());
  EXPECT_TRUE(trace.traced(au_mine));
}

TEST(OriginTrace, CyclesCountAPassOnceAndStayWithinOne) {
  for (std::uint32_t seed = 1; seed <= 60; ++seed) {
    const Dataset d = random_dataset(seed);
    const FlowResult r = run_flow(build_flow_plan(d));
    const OriginTrace trace = trace_origins(r, TraceRequest{{}, {}, /*facilities=*/true});
    for (Index f = 0; f < d.facilities.size(); ++f) {
      for (int e = 0; e < kRareEarthCount; ++e) {
        const bool gets = r.received(f)[static_cast<std::size_t>(e)] > 1e-9;
        const auto reached = trace.stages(f, e);
        if (gets) {
          EXPECT_NEAR(reached[static_cast<std::size_t>(Stage::mine)], 1.0, 1e-6) << "seed " << seed;
        }
        for (const auto& s : trace.facilities(f, e)) EXPECT_LE(s.share, 1.0);
      }
    }
  }
}

// A request that drops the upstream rows keeps the targets' rows exactly as a full trace has them
// (they are traced over the same cone), in any order of targets, and keeps nothing else.
TEST(OriginTrace, TargetsAloneKeepTheRowsOfAFullTrace) {
  int compared = 0;
  for (std::uint32_t seed = 1; seed <= 150; ++seed) {
    const Dataset d = random_dataset(seed);
    const FlowResult r = run_flow(build_flow_plan(d));
    std::vector<Index> targets;
    for (Index f = 0; f < d.facilities.size(); ++f) {
      if (d.facilities[f].stage == Stage::demand && f % 3 != 1) targets.push_back(f);
    }
    if (targets.empty()) continue;
    std::reverse(targets.begin(), targets.end());   // no order is assumed
    std::vector<int> elements;   // every element, named (the request's empty list means the same)
    for (int e = 0; e < kRareEarthCount; ++e) elements.push_back(e);
    const OriginTrace full = trace_origins(r, TraceRequest{targets, {}, /*facilities=*/true});
    const OriginTrace kept = trace_origins(r, TraceRequest{targets, elements, /*facilities=*/true, /*upstream=*/false});
    for (Index f = 0; f < d.facilities.size(); ++f) {
      const bool target = std::find(targets.begin(), targets.end(), f) != targets.end();
      ASSERT_EQ(kept.traced(f), target && full.traced(f)) << "seed " << seed << " facility " << f;
      for (const int e : elements) {
        if (!kept.traced(f)) {
          ASSERT_TRUE(kept.countries(f, e).empty());
          continue;
        }
        const auto a = full.countries(f, e), b = kept.countries(f, e);
        ASSERT_EQ(a.size(), b.size()) << "seed " << seed;
        for (std::size_t i = 0; i < a.size(); ++i) {
          ASSERT_EQ(a[i].stage, b[i].stage);
          ASSERT_EQ(a[i].country, b[i].country);
          ASSERT_EQ(a[i].share, b[i].share);   // the same sums in the same order
        }
        ASSERT_EQ(full.stages(f, e), kept.stages(f, e));
        const auto x = full.facilities(f, e), y = kept.facilities(f, e);
        ASSERT_EQ(x.size(), y.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
          ASSERT_EQ(x[i].facility, y[i].facility);
          ASSERT_EQ(x[i].share, y[i].share);
        }
        compared += a.empty() ? 0 : 1;
      }
    }
  }
  EXPECT_GT(compared, 100);
}

// Brute force for the trace on acyclic chains: the share of f's received element that passed
// through a (stage, country) is the chance that a walk upstream from f, taking each in-link with
// the share of f's receipt it brought, meets a facility of that stage and country (once or more).
// Every walk is enumerated. Per key stage x (countries + 1) + country (the last: no country), then
// per stage; nothing when a walk meets a cycle.
struct WalkShares {
  std::vector<double> meets;
  std::array<double, kStageCount> stages{};
};
std::optional<WalkShares> walk_upstream(const Dataset& d, const FlowResult& r, Index f, int e) {
  const std::size_t base = d.countries.size() + 1;
  const auto key = [&](Index g) {
    const Facility& x = d.facilities[g];
    return static_cast<std::size_t>(x.stage) * base + (x.country == kNone ? d.countries.size() : x.country);
  };
  WalkShares out;
  out.meets.assign(kStageCount * base, 0.0);
  bool cyclic = false;
  std::vector<Index> path{f};
  const std::function<void(Index, double, std::vector<std::size_t>)> walk = [&](Index at, double chance,
                                                                                std::vector<std::size_t> met) {
    const double in = r.received(at)[static_cast<std::size_t>(e)];
    bool went = false;
    for (Index l = 0; l < d.links.size() && !cyclic; ++l) {
      const double carried = in > 0 && d.links[l].to == at ? r.carried(l, e) : 0.0;
      if (carried <= 0) continue;
      const Index from = d.links[l].from;
      if (std::find(path.begin(), path.end(), from) != path.end()) {
        cyclic = true;
        return;
      }
      went = true;
      std::vector<std::size_t> next = met;
      next.push_back(key(from));
      path.push_back(from);
      walk(from, chance * carried / in, std::move(next));
      path.pop_back();
    }
    if (went || at == f) return;
    std::sort(met.begin(), met.end());
    met.erase(std::unique(met.begin(), met.end()), met.end());
    std::array<bool, kStageCount> seen{};
    for (const std::size_t k : met) {
      out.meets[k] += chance;
      seen[k / base] = true;
    }
    for (std::size_t s = 0; s < kStageCount; ++s) out.stages[s] += seen[s] ? chance : 0.0;
  };
  walk(f, 1.0, {});
  if (cyclic) return std::nullopt;
  return out;
}

// The trace of f and e against the walks; false when a walk meets a cycle.
bool expect_trace_is_walk(const Dataset& d, const FlowResult& r, const OriginTrace& trace, Index f, int e) {
  const std::optional<WalkShares> walks = walk_upstream(d, r, f, e);
  if (!walks) return false;
  const std::size_t base = d.countries.size() + 1;
  std::vector<double> traced(walks->meets.size(), 0.0);
  for (const StageCountryShare& s : trace.countries(f, e)) {
    traced[static_cast<std::size_t>(s.stage) * base + (s.country == kNone ? d.countries.size() : s.country)] = s.share;
  }
  for (std::size_t k = 0; k < traced.size(); ++k) {
    EXPECT_NEAR(traced[k], walks->meets[k], 1e-9) << d.facilities[f].id << " key " << k;
  }
  const auto reached = trace.stages(f, e);
  for (std::size_t s = 0; s < kStageCount; ++s) EXPECT_NEAR(reached[s], walks->stages[s], 1e-9) << d.facilities[f].id;
  return true;
}

TEST(OriginTrace, SharesAreTheChanceThatAWalkUpstreamMeetsTheCountry) {
  int checked = 0;
  for (std::uint32_t seed = 1; seed <= 120; ++seed) {
    const Dataset d = random_dataset(seed);
    const FlowResult r = run_flow(build_flow_plan(d));
    const OriginTrace trace = trace_origins(r);
    for (Index f = 0; f < d.facilities.size(); ++f) {
      for (int e = 0; e < kRareEarthCount; ++e) {
        if (r.received(f)[static_cast<std::size_t>(e)] <= 1e-9) continue;
        if (!expect_trace_is_walk(d, r, trace, f, e)) break;
        ++checked;
      }
      if (::testing::Test::HasFailure()) FAIL() << "seed " << seed;
    }
  }
  EXPECT_GT(checked, 500);
}

// A walk that passes two separators in China counts China's separation once: the sink's share is
// that of the oxide that came through the second one, not more.
TEST(OriginTrace, TwoPassesThroughOneStageAndCountryCountOnce) {
  DatasetBuilder b;
  const Index conc = b.material("conc", Form::concentrate, Basis::reo, {});
  const Index mixed = b.material("mixed", Form::mixed_compound, Basis::reo, {});
  const Index oxide = b.material("nd-oxide", Form::oxide, Basis::reo, {{"Nd", 1.0}});
  const Index mine = nd_mine(b, "mine-au", "AU", conc, 900);
  const Index first = b.facility("sep-cn-1", Stage::separation, "CN");
  b.output(first, mixed, 5000);
  const Index second = b.facility("sep-cn-2", Stage::separation, "CN");
  b.output(second, oxide, 5000);
  const Index other = b.facility("sep-my", Stage::separation, "MY");
  b.output(other, oxide, 5000);
  const Index sink = b.facility("magnets-jp", Stage::demand, "JP");
  b.demand(sink, oxide, 10000);
  b.link(mine, first, conc, 300.0);
  b.link(mine, second, conc, 300.0);
  b.link(mine, other, conc, 300.0);
  const Index inner = b.link(first, second, mixed);
  const Index via_second = b.link(second, sink, oxide);
  const Index via_other = b.link(other, sink, oxide);
  const Dataset d = b.build();
  const FlowResult r = run_flow(build_flow_plan(d));
  const int nd = re("Nd");
  const double received = r.received(sink)[static_cast<std::size_t>(nd)];
  ASSERT_GT(r.carried(inner, nd), 0);
  ASSERT_NEAR(r.carried(via_second, nd) + r.carried(via_other, nd), received, 1e-9);
  const OriginTrace trace = trace_origins(r);
  double cn = -1;
  for (const auto& s : trace.countries(sink, nd)) {
    if (s.stage == Stage::separation && s.country == d.find_country("CN")) cn = s.share;
  }
  // What came through the second separator; the first's part of it is not counted again.
  EXPECT_NEAR(cn, r.carried(via_second, nd) / received, 1e-12);
  EXPECT_LT(cn, 0.75);
  EXPECT_NEAR(trace.stages(sink, nd)[static_cast<std::size_t>(Stage::separation)], 1.0, 1e-12);
  EXPECT_TRUE(expect_trace_is_walk(d, r, trace, sink, nd));
  EXPECT_TRUE(expect_trace_is_walk(d, r, trace, second, nd));
}

// visit_origins hands over, once per target and element, the rows trace_origins keeps for the
// targets, to the bit.
TEST(OriginTrace, VisitHandsOverTheRowsATraceKeeps) {
  int compared = 0;
  for (std::uint32_t seed = 1; seed <= 150; ++seed) {
    const Dataset d = random_dataset(seed);
    const FlowResult r = run_flow(build_flow_plan(d));
    std::vector<Index> targets;
    for (Index f = 0; f < d.facilities.size(); ++f) {
      if (f % 3 != 2) targets.push_back(f);   // upstream facilities too: rows read and handed over
    }
    const std::vector<int> elements = {re("Tb"), re("Nd"), re("Dy")};
    const OriginTrace kept = trace_origins(r, TraceRequest{targets, elements, false, false});
    std::vector<int> visits(d.facilities.size() * kRareEarthCount, 0);
    std::vector<int> order;   // elements in the order their rows came
    visit_origins(r, targets, elements, [&](const OriginRow& row) {
      ASSERT_TRUE(kept.traced(row.facility));
      if (order.empty() || order.back() != row.element) order.push_back(row.element);
      ++visits[row.facility * kRareEarthCount + static_cast<std::size_t>(row.element)];
      ASSERT_EQ(row.received, r.received(row.facility)[static_cast<std::size_t>(row.element)]);
      const auto want = kept.countries(row.facility, row.element);
      ASSERT_EQ(row.countries.size(), want.size()) << "seed " << seed;
      for (std::size_t i = 0; i < want.size(); ++i) {
        ASSERT_EQ(row.countries[i].stage, want[i].stage);
        ASSERT_EQ(row.countries[i].country, want[i].country);
        ASSERT_EQ(row.countries[i].share, want[i].share);
      }
      ASSERT_EQ(row.stages, kept.stages(row.facility, row.element));
      compared += want.empty() ? 0 : 1;
    });
    EXPECT_EQ(order, elements);
    for (Index f = 0; f < d.facilities.size(); ++f) {
      for (const int e : elements) {
        EXPECT_EQ(visits[f * kRareEarthCount + static_cast<std::size_t>(e)], kept.traced(f) ? 1 : 0) << "seed " << seed;
      }
    }
  }
  EXPECT_GT(compared, 800);
}

// The store the tracer keeps rows in, against a vector per row: blocks of a few entries, rows
// longer than a block, rewrites in place and moved, and blocks reused after clear().
TEST(RowStore, KeepsEveryRowAsAVectorPerRowWould) {
  std::mt19937 rng(11);
  for (int round = 0; round < 40; ++round) {
    flow_detail::RowStore store(1 + rng() % 8);
    for (int element = 0; element < 3; ++element) {
      store.clear();
      std::vector<flow_detail::RowStore::Ref> refs(20);
      std::vector<std::vector<Index>> keys(20);
      std::vector<std::vector<double>> shares(20);
      for (int put = 0; put < 200; ++put) {
        const std::size_t row = rng() % refs.size();
        const std::size_t n = rng() % 4 == 0 ? rng() % 20 : rng() % 5;   // some longer than a block
        keys[row].resize(n);
        shares[row].resize(n);
        for (std::size_t i = 0; i < n; ++i) {
          keys[row][i] = static_cast<Index>(rng());
          shares[row][i] = static_cast<double>(rng()) / 7.0;
        }
        const flow_detail::RowStore::Ref before = refs[row];
        store.put(refs[row], keys[row], shares[row]);
        if (n <= before.size) {   // in place
          ASSERT_EQ(refs[row].block, before.block);
          ASSERT_EQ(refs[row].offset, before.offset);
        }
        for (std::size_t k = 0; k < refs.size(); ++k) {
          const auto got_keys = store.keys(refs[k]);
          const auto got_shares = store.shares(refs[k]);
          ASSERT_EQ(std::vector<Index>(got_keys.begin(), got_keys.end()), keys[k]) << "round " << round;
          ASSERT_EQ(std::vector<double>(got_shares.begin(), got_shares.end()), shares[k]);
        }
      }
    }
  }
}

// A consumer's dependency is its facilities' traced rows weighted by what each received.
TEST(Dependencies, SharesAreTheTracedRowsWeightedByWhatEachConsumerReceives) {
  int rows = 0;
  for (std::uint32_t seed = 1; seed <= 150; ++seed) {
    const Dataset d = random_dataset(seed);
    const FlowResult r = run_flow(build_flow_plan(d));
    for (const Country& c : d.countries) {
      const std::vector<Index> consumer = resolve_consumers(d, c.code);
      if (consumer.empty()) continue;
      const DependencyReport report = single_country_dependency(r, consumer);
      const OriginTrace trace = trace_origins(r, TraceRequest{consumer, {}, false, false});
      for (const ElementDependency& element : report.elements) {
        double received = 0;
        std::map<std::pair<Stage, Index>, double> shares;
        std::array<double, kStageCount> reached{};
        for (const Index f : consumer) {
          const double x = r.received(f)[static_cast<std::size_t>(element.element)];
          received += x;
          for (const auto& s : trace.countries(f, element.element)) shares[{s.stage, s.country}] += x * s.share;
          const auto stages = trace.stages(f, element.element);
          for (std::size_t s = 0; s < kStageCount; ++s) reached[s] += x * stages[s];
        }
        ASSERT_NEAR(element.received, received, 1e-9 * received);
        std::size_t listed = 0;
        for (const StageDependency& stage : element.stages) {
          EXPECT_NEAR(stage.reached, reached[static_cast<std::size_t>(stage.stage)] / received, 1e-12);
          for (const CountryDependency& country : stage.countries) {
            const double by_hand = shares[{stage.stage, country.country}] / received;
            EXPECT_NEAR(country.share, by_hand, 1e-12) << "seed " << seed;
            EXPECT_EQ(country.flagged, country.share >= 0.65 - 1e-9);
            ++listed;
            ++rows;
          }
        }
        std::size_t positive = 0;
        for (const auto& [k, v] : shares) positive += v > 0 ? 1 : 0;
        EXPECT_EQ(listed, positive) << "seed " << seed;
      }
    }
  }
  EXPECT_GT(rows, 1000);
}

// Several consumers from one trace of all their facilities: the same reports, to the bit, as one
// call per consumer, whatever elements, thresholds and must-pass countries each asks for.
TEST(Dependencies, SeveralConsumersAtOnceMatchOneAtATime) {
  int rows = 0;
  for (std::uint32_t seed = 1; seed <= 150; ++seed) {
    const Dataset d = random_dataset(seed);
    const FlowResult r = run_flow(build_flow_plan(d));
    std::vector<std::vector<Index>> consumers;
    std::vector<DependencyOptions> options;
    for (const Country& c : d.countries) {
      consumers.push_back(resolve_consumers(d, c.code));
      DependencyOptions o;
      o.threshold = 0.3 + 0.1 * static_cast<double>(consumers.size() % 5);
      if (consumers.size() % 3 == 0) o.elements = {re("Dy"), re("Nd")};
      if (consumers.size() % 4 == 0) o.must_pass[static_cast<std::size_t>(re("Nd"))] = {0};
      options.push_back(o);
    }
    consumers.push_back({});   // no facility: an empty report
    options.emplace_back();
    // All in one trace; in batches of a few facilities (a consumer larger than that alone).
    const std::vector<DependencyReport> all = single_country_dependencies(r, consumers, options);
    const std::vector<DependencyReport> batched = single_country_dependencies(r, consumers, options, 1 + seed % 7);
    ASSERT_EQ(all.size(), consumers.size());
    ASSERT_EQ(batched.size(), consumers.size());
    for (std::size_t i = 0; i < 2 * consumers.size(); ++i) {
      const DependencyReport one = single_country_dependency(r, consumers[i / 2], options[i / 2]);
      const DependencyReport& got = i % 2 == 0 ? all[i / 2] : batched[i / 2];
      ASSERT_EQ(got.consumers, one.consumers);
      ASSERT_EQ(got.threshold, one.threshold);
      ASSERT_EQ(got.elements.size(), one.elements.size()) << "seed " << seed << " consumer " << i / 2;
      for (std::size_t k = 0; k < one.elements.size(); ++k) {
        const ElementDependency &a = got.elements[k], &b = one.elements[k];
        ASSERT_EQ(a.element, b.element);
        ASSERT_EQ(a.received, b.received);
        ASSERT_EQ(a.must_pass, b.must_pass);
        ASSERT_EQ(a.stages.size(), b.stages.size());
        for (std::size_t s = 0; s < b.stages.size(); ++s) {
          ASSERT_EQ(a.stages[s].stage, b.stages[s].stage);
          ASSERT_EQ(a.stages[s].reached, b.stages[s].reached);
          ASSERT_EQ(a.stages[s].countries.size(), b.stages[s].countries.size());
          for (std::size_t c = 0; c < b.stages[s].countries.size(); ++c) {
            const CountryDependency &x = a.stages[s].countries[c], &y = b.stages[s].countries[c];
            ASSERT_EQ(x.country, y.country);
            ASSERT_EQ(x.share, y.share);
            ASSERT_EQ(x.flagged, y.flagged);
            ASSERT_EQ(x.critical, y.critical);
            ++rows;
          }
        }
      }
    }
  }
  EXPECT_GT(rows, 1200);
  EXPECT_THROW(single_country_dependencies(run_flow(build_flow_plan(random_dataset(1))), {{}}, {}),
               std::invalid_argument);
}

/// About 300 facilities, for the 1000-runs budget of the scenario runner.
Dataset medium_dataset() {
  DatasetBuilder b;
  std::mt19937 rng(42);
  const auto u = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  const Index conc = b.material("conc", Form::concentrate, Basis::reo, {});
  const Index oxide = b.material("ndpr-oxide", Form::oxide, Basis::reo, {{"Nd", 0.75}, {"Pr", 0.25}});
  const Index dy = b.material("dy-oxide", Form::oxide, Basis::reo, {{"Dy", 1.0}});
  const Index metal = b.material("ndpr-metal", Form::metal, Basis::product, {{"Nd", 0.75}, {"Pr", 0.25}});
  const Index dym = b.material("dy-metal", Form::metal, Basis::product, {{"Dy", 1.0}});
  const Index magnet = b.material("ndfeb", Form::magnet, Basis::product, {{"Nd", 0.23}, {"Pr", 0.07}, {"Dy", 0.03}});
  std::vector<std::vector<Index>> layers(5);
  const Stage stages[] = {Stage::mine, Stage::separation, Stage::metal, Stage::magnet, Stage::demand};
  const int sizes[] = {90, 30, 45, 60, 75};
  for (int layer = 0; layer < 5; ++layer) {
    for (int i = 0; i < sizes[layer]; ++i) {
      const Index f = b.facility("f" + std::to_string(layer) + "-" + std::to_string(i), stages[layer], i % 3 ? "CN" : "US");
      switch (stages[layer]) {
        case Stage::mine:
          b.distribution(f, {{"La", 30}, {"Ce", 40}, {"Nd", 20}, {"Pr", 6}, {"Dy", 4}});
          b.output(f, conc, u(500, 5000), u(100, 4000));
          break;
        case Stage::separation:
          b.output(f, oxide, u(1000, 8000));
          b.output(f, dy, u(100, 800));
          break;
        case Stage::metal:
          b.output(f, metal, u(500, 3000));
          b.output(f, dym, u(50, 300));
          break;
        case Stage::magnet: b.output(f, magnet, u(1000, 8000)); break;
        default: b.demand(f, magnet, u(100, 3000));
      }
      layers[static_cast<std::size_t>(layer)].push_back(f);
    }
  }
  for (int layer = 1; layer < 5; ++layer) {
    for (Index to : layers[static_cast<std::size_t>(layer)]) {
      for (int k = 0; k < 4; ++k) {
        const auto& from = layers[static_cast<std::size_t>(layer - 1)];
        const Index s = from[static_cast<std::size_t>(u(0, static_cast<double>(from.size()) - 0.01))];
        for (const Output& o : b.at(s).outputs) b.link(s, to, o.material, u(0, 1) < 0.4 ? std::optional<double>(u(10, 500)) : std::nullopt);
      }
    }
  }
  return b.build();
}

TEST(FlowSpeed, ThousandContractRunsOnThreeHundredFacilities) {
  const Dataset d = medium_dataset();
  const FlowPlan plan = build_flow_plan(d);
  Disruption x;
  x.pass_factor.assign(d.links.size(), 1.0);
  FlowResult result;
  const auto start = std::chrono::steady_clock::now();
  for (int run = 0; run < 1000; ++run) {
    x.pass_factor[static_cast<std::size_t>(run) % d.links.size()] = 0.0;
    run_flow(plan, x, result);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("1000 runs on %zu facilities, %zu links: %.3f s\n", d.facilities.size(), d.links.size(), seconds);
  expect_conserved(result);
}

}  // namespace
}  // namespace chokepoint

namespace chokepoint {
namespace {

/// The synthetic chain of shared/reference/performance.md at n facilities: mines 30%, separators
/// 10%, metal 15%, magnets 20%, demand 25%; each non-mine draws 3-6 suppliers from the layer above.
Dataset synthetic_chain(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const auto u = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  DatasetBuilder b;
  for (int c = 0; c < 40; ++c) b.country(std::string{static_cast<char>('A' + c / 26), static_cast<char>('A' + c % 26)});
  const Index conc = b.material("conc", Form::concentrate, Basis::reo, {});
  const Index oxide = b.material("ndpr-oxide", Form::oxide, Basis::reo, {{"Nd", 0.75}, {"Pr", 0.25}});
  const Index dy = b.material("dy-oxide", Form::oxide, Basis::reo, {{"Dy", 1.0}});
  const Index metal = b.material("ndpr-metal", Form::metal, Basis::product, {{"Nd", 0.75}, {"Pr", 0.25}});
  const Index dym = b.material("dy-metal", Form::metal, Basis::product, {{"Dy", 1.0}});
  const Index magnet = b.material("ndfeb", Form::magnet, Basis::product, {{"Nd", 0.23}, {"Pr", 0.07}, {"Dy", 0.03}});
  const Stage stages[] = {Stage::mine, Stage::separation, Stage::metal, Stage::magnet, Stage::demand};
  const double shares[] = {0.30, 0.10, 0.15, 0.20, 0.25};
  std::vector<std::vector<Index>> layers(5);
  for (std::size_t layer = 0; layer < 5; ++layer) {
    const auto count = static_cast<std::size_t>(static_cast<double>(n) * shares[layer]);
    for (std::size_t i = 0; i < count; ++i) {
      const Index f = b.facility("f" + std::to_string(layer) + "-" + std::to_string(i), stages[layer],
                                 i % 3 ? "AA" : "AB");
      switch (stages[layer]) {
        case Stage::mine:
          b.distribution(f, {{"La", 30}, {"Ce", 40}, {"Nd", 20}, {"Pr", 6}, {"Dy", 4}});
          b.output(f, conc, u(500, 5000), u(100, 4000));
          break;
        case Stage::separation:
          b.output(f, oxide, u(1000, 8000));
          b.output(f, dy, u(100, 800));
          break;
        case Stage::metal:
          b.output(f, metal, u(500, 3000));
          b.output(f, dym, u(50, 300));
          break;
        case Stage::magnet: b.output(f, magnet, u(1000, 8000)); break;
        default: b.demand(f, magnet, u(100, 3000));
      }
      layers[layer].push_back(f);
    }
  }
  for (std::size_t layer = 1; layer < 5; ++layer) {
    const auto& from = layers[layer - 1];
    for (Index to : layers[layer]) {
      const int suppliers = layer == 1 ? std::uniform_int_distribution<int>(3, 6)(rng) : 3;
      for (int k = 0; k < suppliers; ++k) {
        const Index s = from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
        for (const Output& o : b.at(s).outputs) {
          b.link(s, to, o.material, u(0, 1) < 0.5 ? std::optional<double>(u(10, 500)) : std::nullopt);
        }
      }
    }
  }
  return b.build();
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Run by hand: analysis_test --gtest_also_run_disabled_tests --gtest_filter='*Million*'
TEST(FlowSpeed, DISABLED_OneRunOnAMillionFacilities) {
  auto start = std::chrono::steady_clock::now();
  const Dataset d = synthetic_chain(1000000, 7);
  std::printf("dataset: %zu facilities, %zu links, %.2f s\n", d.facilities.size(), d.links.size(), seconds_since(start));
  start = std::chrono::steady_clock::now();
  const FlowPlan plan = build_flow_plan(d);
  std::printf("plan (with the baseline run): %.3f s\n", seconds_since(start));
  FlowResult result;
  Disruption x;
  x.pass_factor.assign(d.links.size(), 1.0);
  for (std::size_t l = 0; l < d.links.size(); l += 10) x.pass_factor[l] = 0.5;
  for (int run = 0; run < 3; ++run) {
    start = std::chrono::steady_clock::now();
    run_flow(plan, x, result);
    std::printf("contracts run %d: %.3f s\n", run, seconds_since(start));
  }
  start = std::chrono::steady_clock::now();
  const auto violations = check_conservation(result);
  std::printf("conservation check: %.3f s, %zu violations\n", seconds_since(start), violations.size());
  EXPECT_TRUE(violations.empty());
}

}  // namespace
}  // namespace chokepoint
