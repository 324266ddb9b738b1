#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "chokepoint/load/scenario_loader.hpp"
#include "chokepoint/scenario/measures.hpp"
#include "chokepoint/scenario/runner.hpp"
#include "testing/scratch_dir.hpp"

namespace chokepoint {
namespace {

namespace fs = std::filesystem;

const Dataset& example() {
  static const Dataset ds = [] {
    auto r = load_dataset(fs::path(CHOKEPOINT_SOURCE_DIR) / "data/example");
    if (!r.dataset) throw std::runtime_error("example dataset does not load");
    return std::move(*r.dataset);
  }();
  return ds;
}

Scenario scenario(const std::string& text) {
  auto r = load_scenario_from_string(text, "s.yaml", example());
  if (!r.scenario) {
    std::string all;
    for (const auto& d : r.diagnostics.items()) all += format_diagnostic_text(d, false);
    throw std::runtime_error(all);
  }
  return *r.scenario;
}

const std::string kApril = R"(scenario: {id: april, title: April 2025 seven elements, as_of: 2025-06-01}
measures:
  - id: mofcom-18
    type: license
    issuer: CN
    elements: [Sm, Gd, Tb, Dy, Lu, Sc, Y]
    forms: [oxide, metal, alloy, mixed-compound, magnet]
    min_content: 0.001
    approval_rate: 0.25
    effective: 2025-04-04
  - id: mofcom-57
    type: ban
    issuer: CN
    elements: [Ho, Er, Tm, Eu, Yb]
    forms: [oxide, metal, alloy, mixed-compound, magnet]
    effective: 2025-11-08
    suspended: [{from: 2025-11-07, until: 2026-11-10}]
)";

ScenarioOptions contracts_only() {
  ScenarioOptions o;
  o.market = false;
  return o;
}


TEST(Scenario, EmptyScenarioReproducesTheBaselineExactly) {
  const auto impact = run_scenario(example(), scenario("scenario: {id: empty, title: Nothing happens}\n"), contracts_only());
  ASSERT_FALSE(impact.sinks.empty());
  for (const auto& s : impact.sinks) {
    ASSERT_TRUE(s.contracts_tonnes);
    EXPECT_EQ(*s.contracts_tonnes, s.baseline_tonnes);   // exactly, not approximately
    EXPECT_EQ(s.contracts(), s.baseline());
  }
  EXPECT_TRUE(impact.covered_links.empty());
  EXPECT_TRUE(impact.feed_losses.empty());
}

TEST(Scenario, AprilMeasureLeavesLinksWithoutControlledElementsAlone) {
  const Dataset& ds = example();
  const auto impact = run_scenario(ds, scenario(kApril), contracts_only());
  ASSERT_FALSE(impact.covered_links.empty());
  for (const auto& c : impact.covered_links) {
    const Link& l = ds.links[c.link];
    const Material& m = ds.materials[l.material];
    // Every covered link carries one of the seven; NdPr oxide and metal are never covered.
    EXPECT_NE(m.id, "ndpr-oxide");
    EXPECT_NE(m.id, "ndpr-metal");
    EXPECT_EQ(ds.countries[ds.facilities[l.from].country].code, "CN");
    EXPECT_NE(ds.countries[ds.facilities[l.to].country].code, "CN");
    EXPECT_DOUBLE_EQ(c.pass, 0.25);
  }
  // China's own consumers are not affected by China's export measure.
  for (const auto& s : impact.sinks) {
    if (ds.countries[ds.facilities[s.facility].country].code == "CN") {
      EXPECT_DOUBLE_EQ(*s.contracts_tonnes, s.baseline_tonnes);
    }
  }
}

TEST(Scenario, SuspensionDecidesWhatIsInForce) {
  ScenarioOptions o = contracts_only();
  o.as_of = Date{2026, 1, 15};   // inside the No. 70 suspension
  auto impact = run_scenario(example(), scenario(kApril), o);
  EXPECT_EQ(impact.measures_in_force, std::vector<std::string>{"mofcom-18"});
  EXPECT_EQ(impact.measures_not_in_force, std::vector<std::string>{"mofcom-57"});
  o.as_of = Date{2026, 12, 1};   // after it
  impact = run_scenario(example(), scenario(kApril), o);
  EXPECT_EQ(impact.measures_in_force, (std::vector<std::string>{"mofcom-18", "mofcom-57"}));
  o.as_of = Date{2025, 1, 1};    // before either
  impact = run_scenario(example(), scenario(kApril), o);
  EXPECT_TRUE(impact.measures_in_force.empty());
  EXPECT_TRUE(impact.covered_links.empty());
}

TEST(Scenario, MeasureOnAnElementNobodyShipsChangesNothing) {
  const auto impact = run_scenario(example(), scenario(R"(scenario: {id: lu, title: Lu only, as_of: 2025-06-01}
measures:
  - {id: lu-ban, type: ban, issuer: CN, elements: [Lu], effective: 2025-01-01}
)"), contracts_only());
  EXPECT_TRUE(impact.covered_links.empty());
  for (const auto& s : impact.sinks) EXPECT_EQ(*s.contracts_tonnes, s.baseline_tonnes);
}

TEST(Scenario, DestinationExceptionExemptsExactlyThatDestination) {
  const Dataset& ds = example();
  const auto impact = run_scenario(ds, scenario(R"(scenario: {id: ex, title: Ban except Japan, as_of: 2025-06-01}
measures:
  - {id: dy-ban, type: ban, issuer: CN, elements: [Dy], destinations: {except: [JP]}, effective: 2025-01-01}
)"), contracts_only());
  bool us_hit = false;
  for (const auto& c : impact.covered_links) {
    const std::string to = ds.countries[ds.facilities[ds.links[c.link].to].country].code;
    EXPECT_NE(to, "JP");
    us_hit |= to == "US";
  }
  EXPECT_TRUE(us_hit);
  for (const auto& s : impact.sinks) {
    const std::string c = ds.countries[ds.facilities[s.facility].country].code;
    if (c == "JP") {
      EXPECT_EQ(*s.contracts_tonnes, s.baseline_tonnes);
    }
    if (c == "US") {
      EXPECT_LT(*s.contracts_tonnes, s.baseline_tonnes);
    }
  }
}

TEST(Scenario, OutageEventsScaleCapacity) {
  const Dataset& ds = example();
  const auto impact = run_scenario(ds, scenario(R"(scenario: {id: o, title: Lynas down, as_of: 2025-06-01}
events:
  - {type: outage, facility: lynas-malaysia, factor: 0.0, from: 2025-05-01, until: 2025-08-01}
)"), contracts_only());
  ASSERT_EQ(impact.events_active.size(), 1u);
  bool lynas_customer_lost = false;
  for (const auto& f : impact.feed_losses) lynas_customer_lost |= ds.facilities[f.facility].id == "cn-metal";
  EXPECT_TRUE(lynas_customer_lost);
  // Outside the outage window nothing happens.
  ScenarioOptions o = contracts_only();
  o.as_of = Date{2025, 9, 1};
  EXPECT_TRUE(run_scenario(ds, scenario(R"(scenario: {id: o, title: Lynas down}
events:
  - {type: outage, facility: lynas-malaysia, factor: 0.0, from: 2025-05-01, until: 2025-08-01}
)"), o).feed_losses.empty());
}

TEST(ScenarioLoader, ReportsUnknownIdsWithPositions) {
  auto r = load_scenario_from_string(R"(scenario: {id: bad, title: Bad}
measures:
  - {id: m, type: licence, issuer: CX, elements: [Dy, Nd2], effective: 2025-13-01}
events:
  - {type: outage, facility: lynas-malaysa, factor: 0}
  - {type: link, from: mountain-pass, to: cn-metal, status: ended}
)", "bad.yaml", example());
  ASSERT_FALSE(r.scenario);
  std::vector<std::string> codes;
  for (const auto& d : r.diagnostics.items()) codes.push_back(d.code);
  for (const char* want : {"E205", "E210", "E213", "E208", "E211", "E401"}) {
    EXPECT_NE(std::find(codes.begin(), codes.end(), want), codes.end()) << want;
  }
  for (const auto& d : r.diagnostics.items()) {
    EXPECT_GT(d.where.line, 0) << d.code;
    EXPECT_GT(d.where.column, 0) << d.code;
  }
}

TEST(ScenarioLoader, AnUnknownKeyNamesTheEventTypeWithItsArticle) {
  auto r = load_scenario_from_string(R"(scenario: {id: keys, title: Keys}
events:
  - {type: outage, facility: lynas-malaysia, factor: 0, duration: 3}
  - {type: capacity, facility: lynas-malaysia, capacity: 1, duration: 3}
)", "keys.yaml", example());
  ASSERT_FALSE(r.scenario);
  std::vector<std::string> messages;
  for (const auto& d : r.diagnostics.items()) {
    if (d.code == "E201") messages.push_back(d.message);
  }
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_NE(messages[0].find("in an outage event"), std::string::npos) << messages[0];
  EXPECT_NE(messages[1].find("in a capacity event"), std::string::npos) << messages[1];
}

TEST(ScenarioLoader, AmountsAboveTheLargestAreRejected) {
  auto r = load_scenario_from_string(R"(scenario: {id: big, title: Big}
measures:
  - {id: q, type: quota, issuer: CN, elements: [Dy], quota: 3e12}
events:
  - {type: capacity, facility: lynas-malaysia, capacity: 1e300}
  - {type: capacity, facility: lynas-malaysia, capacity: -1}
  - {type: demand, facility: us-ev-motors, factor: 4e8}
  - {type: demand, facility: us-ev-motors, factor: 3e8}
  - {type: demand, facility: cn-ev-motors, factor: 5000}
  - {type: demand, facility: cn-ev-motors, factor: 5000, from: 2026-01-01}
)", "big.yaml", example());
  ASSERT_FALSE(r.scenario);
  std::vector<std::string> found;
  for (const auto& d : r.diagnostics.items()) {
    if (d.code == "E301" || d.code == "E300") found.push_back(d.code + " " + d.message);
  }
  EXPECT_EQ(found, (std::vector<std::string>{
                       "E301 quota 3e+12 is above 1e+12 tonnes a year, the largest amount a dataset may hold",
                       "E301 capacity 1e+300 is above 1e+12 tonnes a year, the largest amount a dataset may hold",
                       "E300 capacity is negative (-1)",
                       "E301 demand factor 4e+08 takes 'us-ev-motors' from 3000 to 1.2e+12 tonnes a year, above the "
                       "largest amount a dataset may hold (1e+12)",
                       "E301 2 demand events on 'cn-ev-motors' multiply its demand by 2.5e+07, taking 60000 to 1.5e+12 "
                       "tonnes a year, above the largest amount a dataset may hold (1e+12)"}));
}

TEST(ScenarioLoader, IncludesStackAndLaterFilesOverride) {
  const test_support::ScratchDir scratch("include");
  const fs::path& dir = scratch.path();
  {
    std::ofstream(dir / "base.yaml") << "scenario: {id: base, title: Base}\nmeasures:\n"
                                        "  - {id: m, type: ban, issuer: CN, elements: [Dy], effective: 2025-01-01}\n";
    std::ofstream(dir / "loop.yaml") << "scenario: {id: loop, title: Loop, include: [loop.yaml]}\n";
  }
  auto r = load_scenario_from_string("scenario: {id: top, title: Top, include: [base.yaml]}\nmeasures:\n"
                                     "  - {id: m, type: license, approval_rate: 0.5, issuer: CN, elements: [Dy], effective: 2025-01-01}\n",
                                     "top.yaml", example(), dir);
  ASSERT_TRUE(r.scenario);
  ASSERT_EQ(r.scenario->measures.size(), 1u);
  EXPECT_EQ(r.scenario->measures[0].type, MeasureType::license);
  EXPECT_EQ(r.scenario->id, "top");
  auto loop = load_scenario(dir / "loop.yaml", example());
  EXPECT_FALSE(loop.scenario);
  ASSERT_FALSE(loop.diagnostics.empty());
  EXPECT_EQ(loop.diagnostics.items()[0].code, "E402");
}

}  // namespace
}  // namespace chokepoint
