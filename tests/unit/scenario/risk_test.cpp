#include <filesystem>

#include <gtest/gtest.h>

#include "chokepoint/analysis/flow.hpp"
#include "chokepoint/load/loader.hpp"
#include "chokepoint/scenario/risk.hpp"

namespace chokepoint {
namespace {

namespace fs = std::filesystem;

Dataset example_with_risk() {
  auto r = load_dataset(fs::path(CHOKEPOINT_SOURCE_DIR) / "data/example");
  if (!r.dataset)
    throw std::runtime_error("example dataset does not load");
  Dataset ds = std::move(*r.dataset);
  ds.facilities[ds.find_facility("mountain-pass")].disruption = {0.3, 1.0};
  ds.facilities[ds.find_facility("lynas-malaysia")].disruption = {0.2, 0.5};
  ds.countries[ds.find_country("CN")].disruption = {0.1, 0.4};
  return ds;
}

RiskOptions options(std::uint64_t samples) {
  RiskOptions o;
  o.samples = samples;
  o.seed = 42;
  o.structure_every = 3;
  return o;
}

void expect_same(const RiskSamples &a, const RiskSamples &b) {
  EXPECT_EQ(a.first, b.first);
  EXPECT_EQ(a.end, b.end);
  ASSERT_EQ(a.rows.size(), b.rows.size());
  for (std::size_t r = 0; r < a.rows.size(); ++r) {
    EXPECT_EQ(a.rows[r].consumer, b.rows[r].consumer);
    EXPECT_EQ(a.rows[r].element, b.rows[r].element);
    EXPECT_EQ(a.rows[r].shortfall, b.rows[r].shortfall)
        << a.rows[r].consumer << " " << a.rows[r].element;
  }
  EXPECT_EQ(a.structure_analyses, b.structure_analyses);
  ASSERT_EQ(a.facilities.size(), b.facilities.size());
  for (const auto &[id, c] : a.facilities) {
    ASSERT_TRUE(b.facilities.count(id)) << id;
    EXPECT_EQ(c.must_pass, b.facilities.at(id).must_pass) << id;
    EXPECT_EQ(c.min_cut, b.facilities.at(id).min_cut) << id;
  }
  ASSERT_EQ(a.countries.size(), b.countries.size());
  for (const auto &[id, c] : a.countries)
    EXPECT_EQ(c.must_pass, b.countries.at(id).must_pass) << id;
}

TEST(Risk, ThreadCountDoesNotChangeTheResult) {
  const Dataset ds = example_with_risk();
  RiskOptions o = options(40);
  const RiskSamples one = run_risk(ds, o);
  o.threads = 3;
  const RiskSamples three = run_risk(ds, o);
  expect_same(one, three);
  ASSERT_FALSE(one.rows.empty());
  EXPECT_GT(one.structure_analyses, 0u);
}

TEST(Risk, FourShardsMergedEqualOneRun) {
  const Dataset ds = example_with_risk();
  RiskOptions o = options(37);
  const RiskSamples whole = run_risk(ds, o);
  std::vector<RiskSamples> shards;
  for (std::uint64_t k = 3; k < 4; --k) { // out of order on purpose
    o.first = o.samples * k / 4;
    o.end = o.samples * (k + 1) / 4;
    shards.push_back(run_risk(ds, o));
  }
  const RiskSamples merged = merge_risk(shards);
  expect_same(whole, merged);
  const RiskSummary a = summarize_risk(whole), b = summarize_risk(merged);
  ASSERT_EQ(a.rows.size(), b.rows.size());
  for (std::size_t r = 0; r < a.rows.size(); ++r) {
    EXPECT_EQ(a.rows[r].expected, b.rows[r].expected);
    EXPECT_EQ(a.rows[r].p99, b.rows[r].p99);
  }
  shards.pop_back();
  EXPECT_THROW(merge_risk(shards), std::invalid_argument);
}

TEST(Risk, CertainTotalOutageAlwaysGivesItsShortfall) {
  auto r = load_dataset(fs::path(CHOKEPOINT_SOURCE_DIR) / "data/example");
  ASSERT_TRUE(r.dataset);
  Dataset ds = std::move(*r.dataset);
  const Index mp = ds.find_facility("lynas-malaysia");
  ds.facilities[mp].disruption = {1.0, 1.0};
  RiskOptions o = options(5);
  o.structure_every = 0;
  const RiskSamples s = run_risk(ds, o);

  FlowOptions fo;
  fo.as_of = ds.info.as_of;
  const FlowPlan plan = build_flow_plan(ds, fo);
  const FlowResult base = run_flow(plan);
  Disruption d;
  d.capacity_factor.assign(ds.facilities.size(), 1.0);
  d.capacity_factor[mp] = 0.0;
  const FlowResult out = run_flow(plan, d);
  bool any = false;
  for (const RiskRow &row : s.rows) {
    double expected = 0;
    for (std::size_t i = 0; i < base.demand().size(); ++i) {
      if (ds.countries[ds.facilities[base.demand()[i].facility].country].code !=
          row.consumer)
        continue;
      expected += base.demand()[i].delivered[row.element] -
                  out.demand()[i].delivered[row.element];
    }
    expected = std::max(0.0, expected);
    any |= expected > 0;
    for (double x : row.shortfall)
      EXPECT_NEAR(x, expected, 1e-9 * std::max(1.0, row.demand))
          << row.consumer;
  }
  EXPECT_TRUE(any);
}

// A disruption can happen only with a probability and a severity above 0 (risk warns otherwise).
TEST(Risk, AnyDisruptionNeedsAProbabilityAndASeverity) {
  Dataset ds = example_with_risk();
  EXPECT_TRUE(any_disruption(ds));
  for (auto &f : ds.facilities) f.disruption.severity = 0;
  EXPECT_TRUE(any_disruption(ds));   // China's still can
  ds.countries[ds.find_country("CN")].disruption.probability = 0;
  EXPECT_FALSE(any_disruption(ds));
  ds.facilities[ds.find_facility("mountain-pass")].disruption.severity = 0.5;
  EXPECT_TRUE(any_disruption(ds));
  auto r = load_dataset(fs::path(CHOKEPOINT_SOURCE_DIR) / "data/example");
  ASSERT_TRUE(r.dataset);
  EXPECT_FALSE(any_disruption(*r.dataset));   // no disruption given at all
}

TEST(Risk, ZeroProbabilityGivesNoShortfall) {
  Dataset ds = example_with_risk();
  for (auto &f : ds.facilities)
    f.disruption.probability = 0;
  for (auto &c : ds.countries)
    c.disruption.probability = 0;
  RiskOptions o = options(10);
  const RiskSummary s = summarize_risk(run_risk(ds, o));
  ASSERT_FALSE(s.rows.empty());
  for (const auto &row : s.rows) {
    EXPECT_EQ(row.expected, 0.0);
    EXPECT_EQ(row.p99, 0.0);
    EXPECT_EQ(row.probability, 0.0);
  }
}

TEST(Risk, NearestRankPercentiles) {
  const std::vector<double> v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(nearest_rank(v, 50), 5);
  EXPECT_EQ(nearest_rank(v, 95), 10);
  EXPECT_EQ(nearest_rank(v, 10), 1);
  EXPECT_EQ(nearest_rank({}, 50), 0);
}

} // namespace
} // namespace chokepoint
