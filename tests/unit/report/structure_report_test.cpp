#include "chokepoint/report/structure_report.hpp"

#include <gtest/gtest.h>

#include <string>

#include "chokepoint/report/document.hpp"
#include "testing/dataset_builder.hpp"

namespace chokepoint {
namespace {

using test_support::DatasetBuilder;

CountryLoss loss(Index country, double retained, bool must_pass = false) {
  CountryLoss l;
  l.country = country;
  l.retained = retained;
  l.max_flow = 100 * retained;
  l.must_pass = must_pass;
  l.evidence = "loss " + std::to_string(country) + " " + std::to_string(retained);
  return l;
}

TargetStructure target(const std::string& label, std::vector<CountryLoss> losses) {
  TargetStructure t;
  t.target = label;
  t.element = 6;  // any element: the sentences come from the losses
  t.reachable = true;
  t.max_flow = 100;
  t.min_cut_capacity = 100;
  t.country_losses = std::move(losses);
  return t;
}

// Demand that nothing can supply (a demanded element no path brings) is the first finding, and
// JSON names the materials it is demanded in; an element neither demanded nor reachable is neither.
TEST(ChokepointsDocument, DemandThatNothingCanSupplyComesFirst) {
  DatasetBuilder b;
  const Index a = b.country("AA");
  const Index tb_magnet = b.material("ndfeb-tb", Form::magnet, Basis::product, {{"Tb", 0.02}, {"Fe", 0.98}});
  const Dataset ds = b.build();
  StructureReport rep;
  rep.targets.push_back(target("T1", {loss(a, 0.30)}));
  TargetStructure cut_off;
  cut_off.target = "T1";
  cut_off.element = 7;
  cut_off.demanded_in = {tb_magnet};
  cut_off.min_cut_evidence = "T1 demands Tb (in ndfeb-tb) and no path of Tb reaches it: none of it can arrive";
  rep.targets.push_back(cut_off);
  TargetStructure unrelated;
  unrelated.target = "T1";
  unrelated.element = 1;
  unrelated.min_cut_evidence = "no path of La reaches T1";
  rep.targets.push_back(unrelated);
  const std::string text = render_text(chokepoints_document(ds, rep, 10));
  const std::size_t findings = text.find("Findings");
  ASSERT_NE(findings, std::string::npos);
  EXPECT_EQ(text.find("  - " + cut_off.min_cut_evidence, findings), text.find("  - ", findings));
  EXPECT_EQ(text.find("no path of La"), std::string::npos);
  const auto json = chokepoints_json(ds, rep);
  EXPECT_EQ(json.at("targets")[1].at("demanded_in"), nlohmann::ordered_json::array({"ndfeb-tb"}));
  EXPECT_TRUE(json.at("targets")[2].at("demanded_in").empty());
}

// Countries that are not must-pass but leave a target less than half of its max-flow are findings,
// fewest retained first across targets; the rest (half or more left, or must-pass, which has its
// own finding, or no baseline) are not.
TEST(ChokepointsDocument, SevereCountryLossesAreFindingsFewestRetainedFirst) {
  DatasetBuilder b;
  const Index a = b.country("AA"), c = b.country("CC"), d = b.country("DD");
  const Dataset ds = b.build();
  StructureReport rep;
  rep.targets.push_back(target("T1", {loss(a, 0.30), loss(c, 0.5), loss(d, 0.9)}));
  CountryLoss none;
  none.country = d;
  none.evidence = "no baseline";
  rep.targets.push_back(target("T2", {loss(c, 0.0, true), loss(a, 0.10), loss(d, 0.49), none}));
  const std::string text = render_text(chokepoints_document(ds, rep, 10));
  const auto at = [&](const std::string& s) { return text.find(s); };
  EXPECT_NE(at("Losing one country leaves less than half of a target's max-flow:"), std::string::npos) << text;
  const std::string first = "loss " + std::to_string(a) + " 0.100000";
  const std::string second = "loss " + std::to_string(a) + " 0.300000";
  const std::string third = "loss " + std::to_string(d) + " 0.490000";
  ASSERT_NE(at(first), std::string::npos) << text;
  ASSERT_NE(at(second), std::string::npos) << text;
  ASSERT_NE(at(third), std::string::npos) << text;
  EXPECT_LT(at(first), at(second));
  EXPECT_LT(at(second), at(third));
  EXPECT_EQ(at("loss " + std::to_string(c) + " 0.500000"), std::string::npos) << text;   // half left
  EXPECT_EQ(at("loss " + std::to_string(d) + " 0.900000"), std::string::npos) << text;
  EXPECT_EQ(at("loss " + std::to_string(c) + " 0.000000"), std::string::npos) << text;   // must-pass
  EXPECT_EQ(at("no baseline"), std::string::npos) << text;

  // --top caps them and says how many there are.
  const std::string capped = render_text(chokepoints_document(ds, rep, 2));
  EXPECT_NE(capped.find("in 3 cases; the 2 most severe (--top 0: all):"), std::string::npos) << capped;
  EXPECT_NE(capped.find(second), std::string::npos);
  EXPECT_EQ(capped.find(third), std::string::npos);
  EXPECT_NE(render_text(chokepoints_document(ds, rep, 0)).find(third), std::string::npos);
}

TEST(ChokepointsDocument, NoSevereLossNoParagraph) {
  DatasetBuilder b;
  const Index a = b.country("AA");
  const Dataset ds = b.build();
  StructureReport rep;
  rep.targets.push_back(target("T1", {loss(a, 0.75)}));
  const std::string text = render_text(chokepoints_document(ds, rep, 10));
  EXPECT_NE(text.find("No country or facility lies on every supply path of any target."), std::string::npos);
  EXPECT_EQ(text.find("Losing one country"), std::string::npos) << text;
}

}  // namespace
}  // namespace chokepoint
