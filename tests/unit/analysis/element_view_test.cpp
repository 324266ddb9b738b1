#include "chokepoint/analysis/element_view.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

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

ReMask mask_of(std::initializer_list<const char*> symbols) {
  ReMask m = 0;
  for (const char* s : symbols) m |= ReMask{1} << re(s);
  return m;
}

// mine (La, Nd, Dy) -> cracker -> separator (separates Nd; La and Dy leave mixed) -> {metal, heavy-plant}.
struct Chain {
  Dataset d;
  Index cn{}, mine{}, cracker{}, separator{}, metal{}, heavy{}, sink{};
  Index concentrate{}, carbonate{}, nd_oxide{}, leftovers{}, ndfeb{};
  Index l_mine{}, l_crack{}, l_oxide{}, l_left{}, l_magnet{};

  Chain() {
    cn = add_country(d, "CN", -0.5, "China");
    concentrate = add_material(d, "concentrate", Form::concentrate, Basis::reo, {});
    carbonate = add_material(d, "carbonate", Form::mixed_compound, Basis::reo, {});
    nd_oxide = add_material(d, "nd-oxide", Form::oxide, Basis::reo, {{"Nd", 1.0}});
    leftovers = add_material(d, "leftovers", Form::mixed_compound, Basis::reo, {});
    ndfeb = add_material(d, "ndfeb", Form::magnet, Basis::product, {{"Nd", 0.3}, {"Dy", 0.03}, {"Fe", 0.66}});
    mine = add_facility(d, "mine", Stage::mine, cn);
    set_distribution(d, mine, {{"La", 70}, {"Nd", 25}, {"Dy", 5}});
    add_output(d, mine, concentrate, 1000);
    cracker = add_facility(d, "cracker", Stage::processing, cn);
    add_output(d, cracker, carbonate, 800);
    separator = add_facility(d, "separator", Stage::separation, cn);
    add_output(d, separator, nd_oxide, 200);
    add_output(d, separator, leftovers, {}, 500);  // production only
    metal = add_facility(d, "metal", Stage::metal, cn);
    heavy = add_facility(d, "heavy-plant", Stage::separation, cn);
    sink = add_facility(d, "sink", Stage::demand, cn);
    add_output(d, metal, ndfeb, 100);
    l_mine = add_link(d, mine, cracker, concentrate);
    l_crack = add_link(d, cracker, separator, carbonate);
    l_oxide = add_link(d, separator, metal, nd_oxide);
    l_left = add_link(d, separator, heavy, leftovers);
    l_magnet = add_link(d, metal, sink, ndfeb);
    d.build_indexes();
  }
};

TEST(Carriage, MixedStreamsFollowTheMineAndLoseWhatIsSeparated) {
  const Chain c;
  const Carriage carriage = compute_carriage(c.d);
  EXPECT_EQ(carriage.stream[c.mine], mask_of({"La", "Nd", "Dy"}));
  EXPECT_EQ(carriage.stream[c.cracker], mask_of({"La", "Nd", "Dy"}));
  EXPECT_EQ(carriage.stream[c.separator], mask_of({"La", "Dy"}));
  EXPECT_EQ(carriage.link[c.l_mine], mask_of({"La", "Nd", "Dy"}));
  EXPECT_EQ(carriage.link[c.l_crack], mask_of({"La", "Nd", "Dy"}));
  EXPECT_EQ(carriage.link[c.l_oxide], mask_of({"Nd"}));
  EXPECT_EQ(carriage.link[c.l_left], mask_of({"La", "Dy"}));
  EXPECT_EQ(carriage.link[c.l_magnet], mask_of({"Nd", "Dy"}));  // fixed composition: what the material can carry
  EXPECT_EQ(carriage.emits[c.separator], mask_of({"La", "Nd", "Dy"}));
}

TEST(Carriage, ExplicitCapabilityLimitsWhatIsTakenOut) {
  Chain c;
  c.d.facilities[c.separator].elements = {testing::element("Dy")};  // lists Nd oxide but can only separate Dy
  c.d.facilities[c.separator].elements_given = true;
  const Carriage carriage = compute_carriage(c.d);
  EXPECT_EQ(carriage.stream[c.separator], mask_of({"La", "Nd", "Dy"}));
}

TEST(Carriage, CyclesReachAFixedPoint) {
  // A recycler feeds scrap (mixed) back into the cracker; the magnet plant feeds the recycler.
  Chain c;
  const Index scrap = add_material(c.d, "scrap", Form::scrap, Basis::reo, {});
  const Index recycler = add_facility(c.d, "recycler", Stage::recycling, c.cn);
  const Index ho_oxide = add_material(c.d, "ho-oxide", Form::oxide, Basis::reo, {{"Ho", 1.0}});
  const Index ho_source = add_facility(c.d, "ho-source", Stage::separation, c.cn);
  add_link(c.d, c.metal, recycler, c.ndfeb);
  add_link(c.d, ho_source, recycler, ho_oxide);
  const Index back = add_link(c.d, recycler, c.cracker, scrap);
  c.d.build_indexes();
  const Carriage carriage = compute_carriage(c.d);
  EXPECT_EQ(carriage.stream[recycler], mask_of({"Nd", "Dy", "Ho"}));
  EXPECT_EQ(carriage.link[back], mask_of({"Nd", "Dy", "Ho"}));
  EXPECT_EQ(carriage.stream[c.cracker], mask_of({"La", "Nd", "Dy", "Ho"}));
  EXPECT_EQ(carriage.stream[c.separator], mask_of({"La", "Dy", "Ho"}));
  EXPECT_GT(carriage.passes, 0);
}

TEST(Carriage, InactiveFacilitiesAndLinksCarryNothing) {
  Chain c;
  c.d.facilities[c.cracker].status = Status::planned;
  c.d.links[c.l_left].since = Date{2030, 1, 1};
  const Carriage carriage = compute_carriage(c.d, ViewOptions{Date{2025, 6, 1}, {}, {}});
  EXPECT_FALSE(carriage.facility_active[c.cracker]);
  EXPECT_EQ(carriage.link[c.l_mine], 0u);
  EXPECT_EQ(carriage.stream[c.separator], 0u);
  EXPECT_EQ(carriage.link[c.l_left], 0u);
  EXPECT_EQ(carriage.link[c.l_oxide], mask_of({"Nd"}));  // fixed composition still can carry Nd
  // A scenario switches the cracker back on and the late link off by override.
  ViewOptions over;
  over.facility_active.assign(c.d.facilities.size(), 1);
  over.link_active.assign(c.d.links.size(), 1);
  over.link_active[c.l_crack] = 0;
  const Carriage o = compute_carriage(c.d, over);
  EXPECT_EQ(o.stream[c.cracker], mask_of({"La", "Nd", "Dy"}));
  EXPECT_EQ(o.stream[c.separator], 0u);
}

TEST(ElementCapacity, FollowsTheOutputBasis) {
  const Chain c;
  const Carriage carriage = compute_carriage(c.d);
  const double dy = rare_earths()[static_cast<std::size_t>(re("Dy"))].oxide_factor;
  const double nd = rare_earths()[static_cast<std::size_t>(re("Nd"))].oxide_factor;
  // Mine: 1000 t REO x 5% x Dy2O3 factor.
  EXPECT_DOUBLE_EQ(element_capacity(c.d, carriage, c.mine, re("Dy")), 1000 * 0.05 * dy);
  // Cracker: a mixed output of a non-mine, as an upper bound: 800 x factor.
  EXPECT_DOUBLE_EQ(element_capacity(c.d, carriage, c.cracker, re("Dy")), 800 * dy);
  // Separator: Nd oxide 200 t REO -> Nd; leftovers (production 500) carry La and Dy only.
  EXPECT_DOUBLE_EQ(element_capacity(c.d, carriage, c.separator, re("Nd")), 200 * nd);
  EXPECT_DOUBLE_EQ(element_capacity(c.d, carriage, c.separator, re("Dy")), 500 * dy);
  // Magnet metal plant: 100 t of product with 3% Dy by mass.
  EXPECT_DOUBLE_EQ(element_capacity(c.d, carriage, c.metal, re("Dy")), 3.0);
  EXPECT_TRUE(std::isinf(element_capacity(c.d, carriage, c.sink, re("Dy"))));
  EXPECT_TRUE(std::isinf(element_capacity(c.d, carriage, c.heavy, re("Dy"))));  // no figures
  EXPECT_EQ(element_capacity(c.d, carriage, c.mine, re("Tb")), 0.0);
}

TEST(ContainedTonnes, MixedOutputsOfNonMinesHaveNoFixedMix) {
  const Chain c;
  const double dy = rare_earths()[static_cast<std::size_t>(re("Dy"))].oxide_factor;
  EXPECT_DOUBLE_EQ(*contained_tonnes(c.d, c.mine, c.d.facilities[c.mine].outputs[0], 10, re("Dy")), 10 * 0.05 * dy);
  EXPECT_FALSE(contained_tonnes(c.d, c.cracker, c.d.facilities[c.cracker].outputs[0], 10, re("Dy")).has_value());
  EXPECT_DOUBLE_EQ(*contained_tonnes(c.d, c.metal, c.d.facilities[c.metal].outputs[0], 10, re("Nd")), 3.0);
}

TEST(ElementView, MaskHoldsTheFacilitiesAndLinksOfTheElement) {
  const Chain c;
  const SupplyGraph g = SupplyGraph::build(c.d);
  const Carriage carriage = compute_carriage(c.d);
  const ElementView dy = element_view(c.d, g, carriage, re("Dy"));
  EXPECT_EQ(dy.element, re("Dy"));
  // Dy: mine, cracker, separator, heavy plant; metal and sink through the ndfeb link (it can carry Dy).
  EXPECT_EQ(dy.mask.vertex_on, (std::vector<std::uint8_t>{1, 1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(dy.mask.edge_on, (std::vector<std::uint8_t>{1, 1, 0, 1, 1, 1}));  // 5 links + R -> mine
  const ElementView la = element_view(c.d, g, carriage, re("La"));
  EXPECT_EQ(la.mask.vertex_on, (std::vector<std::uint8_t>{1, 1, 1, 0, 1, 0, 1}));
  EXPECT_EQ(la.mask.edge_on, (std::vector<std::uint8_t>{1, 1, 0, 1, 0, 1}));
  const ElementView tb = element_view(c.d, g, carriage, re("Tb"));
  EXPECT_EQ(tb.mask.edge_on, (std::vector<std::uint8_t>(6, 0)));  // no mine of Tb: the root has no edge
  EXPECT_DOUBLE_EQ(dy.capacity[c.metal], 3.0);
  EXPECT_TRUE(std::isinf(dy.capacity[g.root()]));
}

TEST(ElementView, OverallViewIsEveryActiveLinkWithoutTheRoot) {
  Chain c;
  c.d.facilities[c.heavy].status = Status::closed;
  const SupplyGraph g = SupplyGraph::build(c.d);
  const GraphMask all = overall_view(g, compute_carriage(c.d));
  EXPECT_EQ(all.vertex_on, (std::vector<std::uint8_t>{1, 1, 1, 1, 0, 1, 0}));
  EXPECT_EQ(all.edge_on, (std::vector<std::uint8_t>{1, 1, 1, 0, 1, 0}));
}

}  // namespace
}  // namespace chokepoint
