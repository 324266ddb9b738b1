#include "chokepoint/analysis/concentration.hpp"

#include <gtest/gtest.h>

#include <map>

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

double factor(const char* symbol) { return rare_earths()[static_cast<std::size_t>(re(symbol))].oxide_factor; }

const ConcentrationRow& find_row(const ConcentrationReport& r, ShareBasis basis, Stage stage, int element,
                                 Index material = kNone) {
  for (const auto& row : r.rows) {
    if (row.basis == basis && row.stage == stage && row.element == element && row.material == material) return row;
  }
  throw std::runtime_error("no such row");
}

bool has_row(const ConcentrationReport& r, ShareBasis basis, Stage stage, int element, Index material = kNone) {
  return std::any_of(r.rows.begin(), r.rows.end(), [&](const ConcentrationRow& row) {
    return row.basis == basis && row.stage == stage && row.element == element && row.material == material;
  });
}

// Mines in China (60), Australia (25) and the US (15) by production, one Dy-bearing distribution.
struct Mines {
  Dataset d;
  Index cn{}, au{}, us{}, concentrate{}, carbonate{}, ndfeb{};
  Index mine_cn{}, mine_au{}, mine_us{}, cracker{}, magnet{};

  Mines() {
    cn = add_country(d, "CN", -0.5, "China");
    au = add_country(d, "AU", 1.5, "Australia");
    us = add_country(d, "US", std::nullopt, "United States");
    concentrate = add_material(d, "concentrate", Form::concentrate, Basis::reo, {});
    carbonate = add_material(d, "carbonate", Form::mixed_compound, Basis::reo, {});
    ndfeb = add_material(d, "ndfeb", Form::magnet, Basis::product, {{"Nd", 0.3}, {"Dy", 0.03}, {"Fe", 0.67}});
    mine_cn = add_facility(d, "mine-cn", Stage::mine, cn);
    mine_au = add_facility(d, "mine-au", Stage::mine, au);
    mine_us = add_facility(d, "mine-us", Stage::mine, us);
    for (Index f : {mine_cn, mine_au, mine_us}) set_distribution(d, f, {{"La", 70}, {"Nd", 25}, {"Dy", 5}});
    add_output(d, mine_cn, concentrate, 100, 60);
    add_output(d, mine_au, concentrate, 100, 25);
    add_output(d, mine_us, concentrate, 50, 15);
    cracker = add_facility(d, "cracker", Stage::processing, cn);
    add_output(d, cracker, carbonate, 80, 70);
    magnet = add_facility(d, "magnet-jp", Stage::magnet, kNone);
    add_output(d, magnet, ndfeb, 20, 10);
    d.build_indexes();
  }
};

TEST(Concentration, HhiCrAndWgiOfMineProduction) {
  const Mines m;
  const ConcentrationReport r = analyze_concentration(m.d);
  const ConcentrationRow& all = find_row(r, ShareBasis::production, Stage::mine, -1);
  EXPECT_DOUBLE_EQ(all.total, 100);
  ASSERT_EQ(all.shares.size(), 3u);
  EXPECT_EQ(all.shares[0].country, m.cn);
  EXPECT_DOUBLE_EQ(all.shares[0].share, 60);
  EXPECT_DOUBLE_EQ(all.shares[2].share, 15);
  EXPECT_DOUBLE_EQ(all.hhi, 3600 + 625 + 225);
  EXPECT_DOUBLE_EQ(all.cr1, 60);
  EXPECT_DOUBLE_EQ(all.cr3, 100);
  EXPECT_DOUBLE_EQ(all.equivalent_suppliers, 10000.0 / 4450);
  EXPECT_EQ(all.band, ConcentrationBand::high);
  // WGI scaled (2.5 - wgi) x 2: China 6, Australia 2; the US has no wgi.
  ASSERT_TRUE(all.hhi_wgi.has_value());
  EXPECT_DOUBLE_EQ(*all.hhi_wgi, 3600 * 6.0 + 625 * 2.0);
  EXPECT_DOUBLE_EQ(all.wgi_coverage, 85);
  EXPECT_EQ(all.evidence, "China holds 60% of rare-earth mine production; HHI 4450 (highly concentrated)");
  // Element rows: the same shares in t of Dy: 5% of REO x the Dy2O3 factor.
  const ConcentrationRow& dy = find_row(r, ShareBasis::production, Stage::mine, re("Dy"));
  EXPECT_DOUBLE_EQ(dy.total, 100 * 0.05 * factor("Dy"));
  EXPECT_DOUBLE_EQ(dy.hhi, all.hhi);
  // Capacity shares: 100, 100, 50.
  const ConcentrationRow& cap = find_row(r, ShareBasis::capacity, Stage::mine, -1);
  EXPECT_DOUBLE_EQ(cap.hhi, 40.0 * 40 + 40.0 * 40 + 20.0 * 20);
  EXPECT_EQ(cap.band, ConcentrationBand::high);
  EXPECT_EQ(cap.shares[0].country, m.au);  // a tie at 40% goes by country code
}

TEST(Concentration, MixedOutputsOfNonMinesStayOutOfElementRows) {
  const Mines m;
  const ConcentrationReport r = analyze_concentration(m.d);
  EXPECT_FALSE(has_row(r, ShareBasis::production, Stage::processing, re("Dy")));
  EXPECT_DOUBLE_EQ(find_row(r, ShareBasis::production, Stage::processing, -1).total, 70);
  EXPECT_DOUBLE_EQ(find_row(r, ShareBasis::production, Stage::processing, -1, m.carbonate).total, 70);
}

TEST(Concentration, ProductBasisCountsMassFractionsAndUnknownCountries) {
  const Mines m;
  const ConcentrationReport r = analyze_concentration(m.d);
  const ConcentrationRow& dy = find_row(r, ShareBasis::production, Stage::magnet, re("Dy"));
  EXPECT_DOUBLE_EQ(dy.unattributed, 10 * 0.03);  // the magnet plant has no country
  EXPECT_EQ(dy.total, 0);
  EXPECT_TRUE(dy.shares.empty());
  // REO equivalent of a product: element tonnes / oxide factor.
  const ConcentrationRow& all = find_row(r, ShareBasis::production, Stage::magnet, -1);
  EXPECT_DOUBLE_EQ(all.unattributed, 10 * (0.3 / factor("Nd") + 0.03 / factor("Dy")));
}

TEST(Concentration, OwnerCountryAndInactiveFacilities) {
  Mines m;
  m.d.facilities[m.mine_au].owner_country = m.cn;
  m.d.facilities[m.mine_us].status = Status::idle;
  ConcentrationOptions by_owner;
  by_owner.key = CountryKey::owner;
  const ConcentrationReport r = analyze_concentration(m.d, by_owner);
  const ConcentrationRow& all = find_row(r, ShareBasis::production, Stage::mine, -1);
  ASSERT_EQ(all.shares.size(), 1u);
  EXPECT_EQ(all.shares[0].country, m.cn);
  EXPECT_DOUBLE_EQ(all.total, 85);
  EXPECT_DOUBLE_EQ(all.hhi, 10000);
  EXPECT_DOUBLE_EQ(all.equivalent_suppliers, 1);
  EXPECT_EQ(all.key, CountryKey::owner);
  ConcentrationOptions everything;
  everything.facility_active.assign(m.d.facilities.size(), 1);
  EXPECT_DOUBLE_EQ(find_row(analyze_concentration(m.d, everything), ShareBasis::production, Stage::mine, -1).total,
                   100);
}

TEST(Concentration, BandsFollowTheMergerGuidelines) {
  EXPECT_EQ(concentration_band(1499.9), ConcentrationBand::unconcentrated);
  EXPECT_EQ(concentration_band(1500), ConcentrationBand::moderate);
  EXPECT_EQ(concentration_band(2500), ConcentrationBand::moderate);
  EXPECT_EQ(concentration_band(2500.1), ConcentrationBand::high);
}

TEST(Concentration, BottleneckIsTheStageWithTheHighestHhi) {
  Mines m;
  const Index oxide = add_material(m.d, "dy-oxide", Form::oxide, Basis::reo, {{"Dy", 1.0}});
  const Index sep = add_facility(m.d, "sep-cn", Stage::separation, m.cn);
  add_output(m.d, sep, oxide, 10, 4);
  m.d.build_indexes();
  const ConcentrationReport r = analyze_concentration(m.d);
  const auto it = std::find_if(r.bottlenecks.begin(), r.bottlenecks.end(), [&](const Bottleneck& b) {
    return b.basis == ShareBasis::production && b.element == re("Dy");
  });
  ASSERT_NE(it, r.bottlenecks.end());
  EXPECT_EQ(it->stage, Stage::separation);
  EXPECT_DOUBLE_EQ(it->hhi, 10000);
  EXPECT_EQ(it->evidence, "separation is the most concentrated stage of Dy production: HHI 10000 (highly "
                          "concentrated), China 100%");
  // La has no separation row, so its bottleneck is mining.
  const auto la = std::find_if(r.bottlenecks.begin(), r.bottlenecks.end(), [&](const Bottleneck& b) {
    return b.basis == ShareBasis::production && b.element == re("La");
  });
  ASSERT_NE(la, r.bottlenecks.end());
  EXPECT_EQ(la->stage, Stage::mine);
}

// Shares recomputed by hand for random datasets: every element row's HHI, CR1 and CR3.
TEST(Concentration, MatchesAHandComputationOnRandomDatasets) {
  testing::Rng rng(4);
  for (int round = 0; round < 200; ++round) {
    Dataset d;
    const Index countries = 1 + rng.below(6);
    for (Index c = 0; c < countries; ++c) {
      add_country(d, "C" + std::to_string(c), rng.chance(0.7) ? std::optional<double>(rng.below(50) / 10.0 - 2.5)
                                                              : std::nullopt);
    }
    const Index ore = add_material(d, "ore", Form::concentrate, Basis::reo, {});
    const Index oxide = add_material(d, "oxide", Form::oxide, Basis::reo, {{"Dy", 0.4}, {"Tb", 0.6}});
    const Index n = 1 + rng.below(12);
    for (Index i = 0; i < n; ++i) {
      const bool mine = rng.chance(0.5);
      const Index f = add_facility(d, "f" + std::to_string(i), mine ? Stage::mine : Stage::separation,
                                   rng.below(countries), rng.chance(0.2) ? Status::closed : Status::operating);
      if (mine) set_distribution(d, f, {{"Dy", static_cast<double>(rng.below(10))}, {"Tb", 5}, {"La", 80}});
      add_output(d, f, mine ? ore : oxide, 1 + rng.below(100), 1 + rng.below(100));
    }
    d.build_indexes();
    const ConcentrationReport r = analyze_concentration(d);
    for (const Stage stage : {Stage::mine, Stage::separation}) {
      std::map<Index, double> tonnes;
      double total = 0;
      for (const Facility& f : d.facilities) {
        if (f.stage != stage || f.status == Status::closed) continue;
        const double t = *f.outputs[0].production;
        const double dy_share = f.distribution[static_cast<std::size_t>(re("Dy"))] / 100;
        const double dy = stage == Stage::mine ? t * dy_share * factor("Dy") : t * 0.4 * factor("Dy");
        if (dy <= 0) continue;
        tonnes[f.country] += dy;
        total += dy;
      }
      if (total == 0) {
        ASSERT_FALSE(has_row(r, ShareBasis::production, stage, re("Dy"))) << "round " << round;
        continue;
      }
      const ConcentrationRow& row = find_row(r, ShareBasis::production, stage, re("Dy"));
      std::vector<double> shares;
      double hhi = 0, hhi_wgi = 0;
      for (const auto& [c, t] : tonnes) {
        shares.push_back(100 * t / total);
        hhi += shares.back() * shares.back();
        if (d.countries[c].wgi) hhi_wgi += shares.back() * shares.back() * (2.5 - *d.countries[c].wgi) * 2;
      }
      std::sort(shares.rbegin(), shares.rend());
      ASSERT_NEAR(row.total, total, 1e-9 * total);
      ASSERT_NEAR(row.hhi, hhi, 1e-9 * hhi) << "round " << round;
      ASSERT_NEAR(row.cr1, shares[0], 1e-9);
      double cr3 = 0;
      for (std::size_t i = 0; i < shares.size() && i < 3; ++i) cr3 += shares[i];
      ASSERT_NEAR(row.cr3, cr3, 1e-9);
      ASSERT_NEAR(row.hhi_wgi.value_or(0), hhi_wgi, 1e-6);
      double sum = 0;
      for (const auto& s : row.shares) sum += s.share;
      ASSERT_NEAR(sum, 100, 1e-9);
    }
  }
}

}  // namespace
}  // namespace chokepoint
