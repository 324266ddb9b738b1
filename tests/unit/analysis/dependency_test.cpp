#include "chokepoint/analysis/dependency.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace chokepoint {
namespace {

int re(const char* symbol) { return rare_earth_index(*parse_element(symbol)); }

/// Two mines (CN 600 t REO, AU 400 t REO; Nd and Dy), separators in CN and MY, metal in CN and a
/// magnet maker in JP, and demand sinks in the US and DE. The AU mine ships half to each
/// separator, so the Nd reaching the sinks was mined 60% in CN and separated 80% in CN.
class DependencyTest : public ::testing::Test {
 protected:
  DependencyTest() {
    for (const char* code : {"CN", "AU", "MY", "JP", "US", "DE", "FR"}) {
      Country c;
      c.code = code;
      d_.countries.push_back(c);
    }
    Group eu;
    eu.id = "EU";
    eu.members = {country("DE"), country("FR")};
    d_.groups.push_back(eu);
    conc_ = material("conc", Form::concentrate, Basis::reo, {});
    oxide_ = material("oxide", Form::oxide, Basis::reo, {{"Nd", 0.9}, {"Dy", 0.1}});
    metal_ = material("metal", Form::metal, Basis::product, {{"Nd", 0.9}, {"Dy", 0.1}});
    magnet_ = material("magnet", Form::magnet, Basis::product, {{"Nd", 0.3}, {"Dy", 0.03}});
    const Index cn_mine = facility("mine-cn", Stage::mine, "CN", conc_, 600);
    const Index au_mine = facility("mine-au", Stage::mine, "AU", conc_, 400);
    for (Index m : {cn_mine, au_mine}) {
      d_.facilities[m].has_distribution = true;
      d_.facilities[m].distribution[static_cast<std::size_t>(re("Nd"))] = 90;
      d_.facilities[m].distribution[static_cast<std::size_t>(re("Dy"))] = 10;
    }
    const Index cn_sep = facility("sep-cn", Stage::separation, "CN", oxide_, 5000);
    const Index my_sep = facility("sep-my", Stage::separation, "MY", oxide_, 5000);
    const Index met = facility("metal-cn", Stage::metal, "CN", metal_, 5000);
    const Index mag = facility("magnet-jp", Stage::magnet, "JP", magnet_, 100000);
    us_ = facility("motors-us", Stage::demand, "US", kNone, 0);
    de_ = facility("motors-de", Stage::demand, "DE", kNone, 0);
    fr_ = facility("wind-fr", Stage::demand, "FR", kNone, 0);
    for (Index sink : {us_, de_, fr_}) {
      DemandEntry entry;
      entry.material = magnet_;
      entry.quantity = 1000;
      d_.facilities[sink].demand.push_back(entry);
    }
    link(cn_mine, cn_sep, conc_, {}, {});
    link(au_mine, cn_sep, conc_, {}, 0.5);
    link(au_mine, my_sep, conc_, {}, 0.5);
    link(cn_sep, met, oxide_, {}, {});
    link(my_sep, met, oxide_, {}, {});
    link(met, mag, metal_, {}, {});
    link(mag, us_, magnet_, {}, 0.5);
    link(mag, de_, magnet_, {}, 0.25);
    link(mag, fr_, magnet_, {}, 0.25);
    d_.build_indexes();
  }

  Index country(const char* code) const { return index_of(code); }

  Index index_of(const char* code) const {
    for (Index i = 0; i < d_.countries.size(); ++i) {
      if (d_.countries[i].code == code) return i;
    }
    return kNone;
  }

  Index material(const char* id, Form form, Basis basis, const std::vector<std::pair<const char*, double>>& comp) {
    Material m;
    m.id = id;
    m.form = form;
    m.basis = basis;
    m.mixed = comp.empty();
    for (const auto& [symbol, fraction] : comp) m.composition.push_back({*parse_element(symbol), fraction});
    d_.materials.push_back(m);
    return static_cast<Index>(d_.materials.size() - 1);
  }

  Index facility(const char* id, Stage stage, const char* code, Index material, double amount) {
    Facility f;
    f.id = id;
    f.stage = stage;
    f.country = index_of(code);
    if (material != kNone) {
      Output o;
      o.material = material;
      if (stage == Stage::mine) o.production = amount;
      else o.capacity = amount;
      f.outputs.push_back(o);
    }
    d_.facilities.push_back(f);
    return static_cast<Index>(d_.facilities.size() - 1);
  }

  void link(Index from, Index to, Index material, std::optional<double> volume, std::optional<double> share) {
    Link l;
    l.from = from;
    l.to = to;
    l.material = material;
    l.volume = volume;
    l.share = share;
    d_.links.push_back(l);
  }

  static const StageDependency* stage(const ElementDependency& e, Stage s) {
    for (const auto& row : e.stages) {
      if (row.stage == s) return &row;
    }
    return nullptr;
  }

  Dataset d_;
  Index conc_ = 0, oxide_ = 0, metal_ = 0, magnet_ = 0, us_ = 0, de_ = 0, fr_ = 0;
};

TEST_F(DependencyTest, ResolvesFacilitiesCountriesAndGroups) {
  EXPECT_EQ(resolve_consumers(d_, "motors-us"), std::vector<Index>{us_});
  EXPECT_EQ(resolve_consumers(d_, "US"), std::vector<Index>{us_});
  EXPECT_EQ(resolve_consumers(d_, "EU"), (std::vector<Index>{de_, fr_}));
  EXPECT_TRUE(resolve_consumers(d_, "XX").empty());
}

TEST_F(DependencyTest, SharesByStageAndCountryMatchTheHandTrace) {
  const FlowPlan plan = build_flow_plan(d_);
  const FlowResult baseline = run_flow(plan);
  const DependencyReport report = single_country_dependency(baseline, resolve_consumers(d_, "US"));
  ASSERT_EQ(report.elements.size(), 2u);  // Nd and Dy, by RE index
  EXPECT_EQ(report.elements[0].element, re("Nd"));
  EXPECT_EQ(report.elements[1].element, re("Dy"));
  const ElementDependency& nd = report.elements[0];
  EXPECT_GT(nd.received, 0);
  ASSERT_EQ(nd.stages.size(), 4u);  // mine, separation, metal, magnet
  const StageDependency* mine = stage(nd, Stage::mine);
  ASSERT_NE(mine, nullptr);
  ASSERT_EQ(mine->countries.size(), 2u);
  EXPECT_EQ(mine->countries[0].country, country("CN"));  // share descending
  EXPECT_NEAR(mine->countries[0].share, 0.6, 1e-12);
  EXPECT_FALSE(mine->countries[0].flagged);
  EXPECT_NEAR(mine->countries[1].share, 0.4, 1e-12);
  const StageDependency* sep = stage(nd, Stage::separation);
  ASSERT_NE(sep, nullptr);
  EXPECT_NEAR(sep->reached, 1.0, 1e-12);
  EXPECT_NEAR(sep->countries[0].share, 0.8, 1e-12);
  EXPECT_NEAR(sep->countries[0].tonnes, 0.8 * nd.received, 1e-9);
  EXPECT_TRUE(sep->countries[0].flagged);
  EXPECT_FALSE(sep->countries[0].critical);
  EXPECT_NEAR(sep->countries[1].share, 0.2, 1e-12);
  EXPECT_FALSE(sep->countries[1].flagged);
  const StageDependency* metal = stage(nd, Stage::metal);
  ASSERT_NE(metal, nullptr);
  EXPECT_TRUE(metal->countries[0].critical);
  EXPECT_EQ(stage(nd, Stage::magnet)->countries[0].country, country("JP"));
}

TEST_F(DependencyTest, MustPassCountriesMakeAFlaggedShareCritical) {
  const FlowResult baseline = run_flow(build_flow_plan(d_));
  DependencyOptions options;
  options.elements = {re("Dy")};
  options.must_pass[static_cast<std::size_t>(re("Dy"))] = {country("CN")};
  const DependencyReport report = single_country_dependency(baseline, {us_}, options);
  ASSERT_EQ(report.elements.size(), 1u);
  const ElementDependency& dy = report.elements[0];
  EXPECT_EQ(dy.must_pass, std::vector<Index>{country("CN")});
  const CountryDependency& cn_sep = stage(dy, Stage::separation)->countries[0];
  EXPECT_TRUE(cn_sep.must_pass);
  EXPECT_TRUE(cn_sep.critical);  // 0.8 is below 0.95 but CN is must-pass
  EXPECT_FALSE(stage(dy, Stage::mine)->countries[0].critical);  // 0.6 is not even flagged

}

TEST_F(DependencyTest, HomeCountriesOfFacilitiesCountriesAndGroups) {
  EXPECT_EQ(home_countries(d_, "motors-us"), std::vector<Index>{country("US")});
  EXPECT_EQ(home_countries(d_, "US"), std::vector<Index>{country("US")});
  EXPECT_EQ(home_countries(d_, "EU"), (std::vector<Index>{country("DE"), country("FR")}));
  EXPECT_TRUE(home_countries(d_, "XX").empty());
}

// A share through the consumer's own country is no dependency on a third country: marked
// domestic, never flagged, not even when the country is must-pass; the other countries as before.
TEST_F(DependencyTest, DomesticSharesAreMarkedAndNotFlagged) {
  const FlowResult baseline = run_flow(build_flow_plan(d_));
  DependencyOptions options;
  options.elements = {re("Dy")};
  options.must_pass[static_cast<std::size_t>(re("Dy"))] = {country("CN")};
  options.home = {country("CN")};   // as if the consumer were Chinese
  const DependencyReport report = single_country_dependency(baseline, {us_}, options);
  const ElementDependency& dy = report.elements[0];
  const CountryDependency& cn_metal = stage(dy, Stage::metal)->countries[0];
  EXPECT_EQ(cn_metal.country, country("CN"));
  EXPECT_NEAR(cn_metal.share, 1.0, 1e-12);
  EXPECT_TRUE(cn_metal.domestic);
  EXPECT_TRUE(cn_metal.must_pass);
  EXPECT_FALSE(cn_metal.flagged);
  EXPECT_FALSE(cn_metal.critical);
  const CountryDependency& jp_magnet = stage(dy, Stage::magnet)->countries[0];
  EXPECT_FALSE(jp_magnet.domestic);
  EXPECT_TRUE(jp_magnet.critical);
  EXPECT_TRUE(flagged_dependencies(d_, report).size() == 1u);   // JP's magnets alone
}

TEST_F(DependencyTest, FlaggedListPutsCriticalFirst) {
  const FlowResult baseline = run_flow(build_flow_plan(d_));
  DependencyOptions options;
  options.elements = {re("Nd")};
  options.threshold = 0.5;
  const auto flagged = flagged_dependencies(d_, single_country_dependency(baseline, {us_}, options));
  ASSERT_EQ(flagged.size(), 4u);
  EXPECT_EQ(flagged[0].stage, Stage::metal);  // 1.0 and 1.0: by stage
  EXPECT_TRUE(flagged[0].critical);
  EXPECT_EQ(flagged[1].stage, Stage::magnet);
  EXPECT_EQ(flagged[1].country, country("JP"));
  EXPECT_EQ(flagged[2].stage, Stage::separation);
  EXPECT_FALSE(flagged[2].critical);
  EXPECT_EQ(flagged[3].stage, Stage::mine);
  EXPECT_NEAR(flagged[3].share, 0.6, 1e-12);
}

TEST_F(DependencyTest, GroupsWeighByWhatEachConsumerReceives) {
  const FlowResult baseline = run_flow(build_flow_plan(d_));
  const DependencyReport eu = single_country_dependency(baseline, resolve_consumers(d_, "EU"));
  ASSERT_FALSE(eu.elements.empty());
  const ElementDependency& nd = eu.elements[0];
  const double each = baseline.received(de_)[static_cast<std::size_t>(re("Nd"))];
  EXPECT_NEAR(nd.received, 2 * each, 1e-9);
  EXPECT_NEAR(stage(nd, Stage::separation)->countries[0].share, 0.8, 1e-12);
  EXPECT_EQ(eu.consumers, (std::vector<Index>{de_, fr_}));
}

TEST_F(DependencyTest, ThresholdIsInclusive) {
  const FlowResult baseline = run_flow(build_flow_plan(d_));
  DependencyOptions options;
  options.threshold = 0.6;
  const DependencyReport report = single_country_dependency(baseline, {us_}, options);
  EXPECT_TRUE(stage(report.elements[0], Stage::mine)->countries[0].flagged);
}

TEST_F(DependencyTest, AConsumerThatReceivesNothingHasNoStages) {
  Facility idle;
  idle.id = "idle-us";
  idle.stage = Stage::demand;
  idle.country = country("US");
  d_.facilities.push_back(idle);
  d_.build_indexes();
  const FlowResult baseline = run_flow(build_flow_plan(d_));
  DependencyOptions options;
  options.elements = {re("Nd")};
  const DependencyReport report = single_country_dependency(baseline, {d_.find_facility("idle-us")}, options);
  ASSERT_EQ(report.elements.size(), 1u);
  EXPECT_EQ(report.elements[0].received, 0);
  EXPECT_TRUE(report.elements[0].stages.empty());
  EXPECT_TRUE(single_country_dependency(baseline, {}).elements.empty());
}

}  // namespace
}  // namespace chokepoint
