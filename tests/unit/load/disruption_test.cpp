#include <gtest/gtest.h>

#include "chokepoint/load/loader.hpp"

namespace chokepoint {
namespace {

std::string dataset(const std::string &country_extra,
                    const std::string &facility_extra) {
  return R"(dataset: {name: t, version: "1", as_of: 2026-01-01}
countries:
  - {code: CN, name: China)" +
         country_extra + R"(}
materials:
  - {id: conc, name: C, form: concentrate, basis: REO, composition: mixed}
facilities:
  - id: mine
    name: Mine
    country: CN
    stage: mine
    outputs: [{material: conc, production: 10}]
    distribution: {Nd: 100}
)" + facility_extra;
}

std::vector<std::string> codes(const DatasetLoad &r) {
  std::vector<std::string> out;
  for (const auto &d : r.diagnostics.items())
    out.push_back(d.code);
  return out;
}

TEST(Disruption, ReadsFacilityAndCountryRisks) {
  auto r = load_dataset_from_string(
      dataset(", disruption: {probability: 0.1, severity: 0.4}",
              "    disruption: {probability: 0.25, severity: 1}\n"),
      "t.yaml");
  ASSERT_TRUE(r.dataset) << (r.diagnostics.empty()
                                 ? ""
                                 : r.diagnostics.items()[0].message);
  const Facility &f = r.dataset->facilities[0];
  EXPECT_TRUE(f.disruption.given());
  EXPECT_EQ(f.disruption.probability, 0.25);
  EXPECT_EQ(f.disruption.severity, 1.0);
  const Country &c = r.dataset->countries[0];
  EXPECT_TRUE(c.disruption.given());
  EXPECT_EQ(c.disruption.probability, 0.1);
  EXPECT_EQ(c.disruption.severity, 0.4);
}

TEST(Disruption, AbsentMeansNoRisk) {
  auto r = load_dataset_from_string(dataset("", ""), "t.yaml");
  ASSERT_TRUE(r.dataset);
  EXPECT_FALSE(r.dataset->facilities[0].disruption.given());
  EXPECT_EQ(r.dataset->facilities[0].disruption.probability, 0.0);
}

TEST(Disruption, OutOfRangeIsE301AndUnknownKeyE201) {
  auto r = load_dataset_from_string(
      dataset(
          ", disruption: {probability: 1.5, severity: 0.4}",
          "    disruption: {probability: 0.5, severity: -1, duration: 3}\n"),
      "t.yaml");
  EXPECT_FALSE(r.dataset);
  EXPECT_EQ(codes(r), (std::vector<std::string>{"E301", "E301", "E201"}));
}

TEST(Disruption, BothKeysAreRequired) {
  auto r = load_dataset_from_string(
      dataset("", "    disruption: {probability: 0.5}\n"), "t.yaml");
  EXPECT_FALSE(r.dataset);
  ASSERT_EQ(codes(r).size(), 1u);
}

} // namespace
} // namespace chokepoint
