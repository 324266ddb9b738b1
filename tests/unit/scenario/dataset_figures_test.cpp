// The bundled rare-earth dataset against the published figures it was built from
// (docs/dataset.md, "Checks against published figures"), through the concentration analysis on
// the baseline flow, so that a careless edit of data/rare-earths fails CI.

#include <filesystem>

#include <gtest/gtest.h>

#include "chokepoint/analysis/concentration.hpp"
#include "chokepoint/load/loader.hpp"

namespace chokepoint {
namespace {

class RareEarthFigures : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto r = load_dataset(std::filesystem::path(CHOKEPOINT_SOURCE_DIR) / "data/rare-earths",
                          LoadOptions{.strict = true, .limits = {}});
    ASSERT_TRUE(r.dataset) << "data/rare-earths does not load";
    ASSERT_EQ(r.diagnostics.warning_count(), 0u) << "validate --strict must be clean";
    dataset_ = new Dataset(std::move(*r.dataset));
    FlowOptions fo;
    fo.as_of = dataset_->info.as_of;
    plan_ = new FlowPlan(build_flow_plan(*dataset_, fo));
    baseline_ = new FlowResult(run_flow(*plan_));
    ConcentrationOptions co;
    co.baseline = baseline_;
    report_ = new ConcentrationReport(analyze_concentration(*dataset_, co));
  }

  /// The production row of a stage for an element symbol, or all rare earths ("").
  static const ConcentrationRow& row(Stage stage, std::string_view element) {
    const int re = element.empty() ? -1 : rare_earth_index(*parse_element(element));
    for (const auto& r : report_->rows) {
      if (r.basis == ShareBasis::production && r.stage == stage && r.element == re && r.material == kNone) return r;
    }
    throw std::runtime_error("no such row");
  }

  static double share_of(const ConcentrationRow& r, std::string_view code) {
    for (const auto& s : r.shares) {
      if (dataset_->countries[s.country].code == code) return s.share / 100.0;
    }
    return 0;
  }

  static double tonnes_of(const ConcentrationRow& r, std::string_view code) {
    for (const auto& s : r.shares) {
      if (dataset_->countries[s.country].code == code) return s.tonnes;
    }
    return 0;
  }

  static inline Dataset* dataset_ = nullptr;
  static inline FlowPlan* plan_ = nullptr;
  static inline FlowResult* baseline_ = nullptr;
  static inline ConcentrationReport* report_ = nullptr;
};

TEST_F(RareEarthFigures, BaselineConservesEveryElement) {
  EXPECT_TRUE(check_conservation(*baseline_).empty());
  EXPECT_TRUE(baseline_->converged());
}

TEST_F(RareEarthFigures, WorldMineProduction2025) {
  // USGS MCS 2026: 390,000 t REO (rounded); +-2%.
  EXPECT_NEAR(row(Stage::mine, "").total, 390000, 0.02 * 390000);
}

TEST_F(RareEarthFigures, ChinaMineProduction2025) {
  // USGS MCS 2026: 270,000 t REO; +-1%; China's share 69.2% +- 1 point.
  EXPECT_NEAR(tonnes_of(row(Stage::mine, ""), "CN"), 270000, 0.01 * 270000);
  EXPECT_NEAR(share_of(row(Stage::mine, ""), "CN"), 0.692, 0.01);
}

TEST_F(RareEarthFigures, ChinaShareOfSeparation) {
  // IEA: 91% (2024-25), 92% (2023); +-5 points.
  EXPECT_NEAR(share_of(row(Stage::separation, ""), "CN"), 0.91, 0.05);
}

TEST_F(RareEarthFigures, ChinaShareOfMagnetOutput) {
  // US DOE via Fastmarkets: about 90% (2023); IEA 94% (2024-25); +-5 points.
  EXPECT_NEAR(share_of(row(Stage::magnet, ""), "CN"), 0.90, 0.05);
}

TEST_F(RareEarthFigures, HeavyRareEarthSeparationOutsideChina) {
  // Lynas is the only commercial separator of heavy rare earths outside China (2025): at most 5%.
  for (const char* e : {"Dy", "Tb"}) EXPECT_GE(share_of(row(Stage::separation, e), "CN"), 0.95) << e;
}

}  // namespace
}  // namespace chokepoint
