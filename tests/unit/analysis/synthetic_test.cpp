#include "chokepoint/analysis/synthetic.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "chokepoint/analysis/flow.hpp"

namespace chokepoint {
namespace {

TEST(Synthetic, SameSeedGivesTheSameDataset) {
  const Dataset a = generate_chain(2000, 7);
  const Dataset b = generate_chain(2000, 7);
  ASSERT_EQ(a.facilities.size(), b.facilities.size());
  ASSERT_EQ(a.links.size(), b.links.size());
  for (std::size_t i = 0; i < a.facilities.size(); ++i) {
    const Facility& x = a.facilities[i];
    const Facility& y = b.facilities[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.country, y.country);
    EXPECT_EQ(x.stage, y.stage);
    ASSERT_EQ(x.outputs.size(), y.outputs.size());
    for (std::size_t o = 0; o < x.outputs.size(); ++o) EXPECT_EQ(x.outputs[o].capacity, y.outputs[o].capacity);
    ASSERT_EQ(x.demand.size(), y.demand.size());
    for (std::size_t d = 0; d < x.demand.size(); ++d) EXPECT_EQ(x.demand[d].quantity, y.demand[d].quantity);
  }
  for (std::size_t l = 0; l < a.links.size(); ++l) {
    EXPECT_EQ(a.links[l].from, b.links[l].from);
    EXPECT_EQ(a.links[l].to, b.links[l].to);
    EXPECT_EQ(a.links[l].material, b.links[l].material);
    EXPECT_EQ(a.links[l].volume, b.links[l].volume);
  }
  const Dataset c = generate_chain(2000, 8);
  bool differs = c.links.size() != a.links.size();
  for (std::size_t l = 0; !differs && l < a.links.size(); ++l) differs = a.links[l].from != c.links[l].from;
  EXPECT_TRUE(differs) << "another seed should give another chain";
}

TEST(Synthetic, LayerCountsAndSuppliers) {
  const std::size_t n = 2000;
  const Dataset ds = generate_chain(n, 1);
  ASSERT_EQ(ds.facilities.size(), n);
  std::vector<std::size_t> per_stage(kStageCount, 0);
  for (const Facility& f : ds.facilities) ++per_stage[static_cast<std::size_t>(f.stage)];
  EXPECT_EQ(per_stage[static_cast<std::size_t>(Stage::mine)], 600u);
  EXPECT_EQ(per_stage[static_cast<std::size_t>(Stage::separation)], 200u);
  EXPECT_EQ(per_stage[static_cast<std::size_t>(Stage::metal)], 300u);
  EXPECT_EQ(per_stage[static_cast<std::size_t>(Stage::magnet)], 400u);
  EXPECT_EQ(per_stage[static_cast<std::size_t>(Stage::demand)], 500u);

  std::size_t non_mines = 0, single = 0;
  for (Index f = 0; f < ds.facilities.size(); ++f) {
    const auto& in = ds.in_links(f);
    if (ds.facilities[f].stage == Stage::mine) {
      EXPECT_TRUE(in.empty());
      continue;
    }
    ++non_mines;
    EXPECT_GE(in.size(), 1u) << ds.facilities[f].id;
    EXPECT_LE(in.size(), 6u) << ds.facilities[f].id;
    if (in.size() == 1) ++single;
    for (Index l : in) {
      const Link& link = ds.links[l];
      EXPECT_TRUE(ds.produces(link.from, link.material));
      EXPECT_TRUE(ds.accepts(f, link.material));
      ASSERT_TRUE(link.volume.has_value());
      EXPECT_GE(*link.volume, 1.0);
    }
  }
  const double share = static_cast<double>(single) / static_cast<double>(non_mines);
  EXPECT_GT(share, 0.02);
  EXPECT_LT(share, 0.09);
}

TEST(Synthetic, TopCountryDominatesTheMidstream) {
  const Dataset ds = generate_chain(5000, 3);
  std::size_t sep = 0, sep_top = 0, mines = 0, mines_top = 0;
  for (const Facility& f : ds.facilities) {
    if (f.stage == Stage::separation) {
      ++sep;
      sep_top += f.country == 0;
    } else if (f.stage == Stage::mine) {
      ++mines;
      mines_top += f.country == 0;
    }
  }
  EXPECT_NEAR(static_cast<double>(sep_top) / static_cast<double>(sep), 0.88, 0.05);
  EXPECT_NEAR(static_cast<double>(mines_top) / static_cast<double>(mines), 0.55, 0.05);
  EXPECT_EQ(ds.countries.size(), 40u);
}

TEST(Synthetic, BaselineFlowConserves) {
  const Dataset ds = generate_chain(2000, 11);
  const FlowPlan plan = build_flow_plan(ds);
  const FlowResult base = run_flow(plan);
  EXPECT_TRUE(base.converged());
  EXPECT_TRUE(check_conservation(base).empty());
  double delivered = 0;
  for (const DemandFlow& d : base.demand()) delivered += d.delivered_tonnes;
  EXPECT_GT(delivered, 0.0);
}

TEST(Synthetic, RejectsTooFewFacilities) { EXPECT_THROW(generate_chain(4, 1), std::invalid_argument); }

// Every size `generate --facilities` accepts makes a chain with every layer (5 used to leave the
// demand layer empty and fail as an internal error).
TEST(Synthetic, EverySmallSizeHasEveryLayer) {
  for (std::size_t n = 5; n <= 60; ++n) {
    Dataset ds;
    ASSERT_NO_THROW(ds = generate_chain(n, n)) << n;
    ASSERT_EQ(ds.facilities.size(), n);
    std::vector<std::size_t> per_stage(kStageCount, 0);
    for (const Facility& f : ds.facilities) ++per_stage[static_cast<std::size_t>(f.stage)];
    for (const Stage s : {Stage::mine, Stage::separation, Stage::metal, Stage::magnet, Stage::demand}) {
      EXPECT_GE(per_stage[static_cast<std::size_t>(s)], 1u) << n << " " << stage_name(s);
    }
  }
}

}  // namespace
}  // namespace chokepoint
