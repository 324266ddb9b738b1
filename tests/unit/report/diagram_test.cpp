#include "chokepoint/report/diagram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "chokepoint/load/loader.hpp"
#include "chokepoint/load/scenario_loader.hpp"
#include "render/tricky_dataset.hpp"

namespace chokepoint {
namespace {

const Dataset& example() {
  static const Dataset ds = [] {
    auto r = load_dataset(std::filesystem::path(CHOKEPOINT_SOURCE_DIR) / "data/example");
    if (!r.dataset) throw std::runtime_error("data/example does not load");
    return std::move(*r.dataset);
  }();
  return ds;
}

int re(const char* symbol) { return rare_earth_index(*parse_element(symbol)); }

std::set<std::string> keys(const DiagramModel& m) {
  std::set<std::string> out;
  for (const auto& n : m.nodes) out.insert(n.key);
  return out;
}

const DiagramNode& node(const DiagramModel& m, const std::string& key) {
  auto it = std::find_if(m.nodes.begin(), m.nodes.end(), [&](const DiagramNode& n) { return n.key == key; });
  if (it == m.nodes.end()) throw std::runtime_error("no node " + key);
  return *it;
}

/// The DOT statement that declares a node, from its name to the end of the line.
std::string statement(const std::string& dot, const std::string& name) {
  const std::size_t at = dot.find("    " + name + " [");
  if (at == std::string::npos) return "";
  return dot.substr(at, dot.find('\n', at) - at);
}

TEST(Diagram, FacilityViewShowsEveryActiveFacilityAndLinkWithNamesFromIds) {
  const DiagramModel m = build_diagram_model(example(), {});
  EXPECT_EQ(m.nodes.size(), 13u);
  // The Mountain Pass -> Chinese separation link ended in April 2025: not on the 2026 date.
  EXPECT_EQ(m.edges.size(), 16u);
  EXPECT_EQ(node(m, "cn-metal").name, "f_cn_metal");
  EXPECT_EQ(m.layout, DiagramLayout::dot);
  for (const auto& n : m.nodes) {
    EXPECT_EQ(n.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"),
              std::string::npos);
  }
  // Nodes in stage order, then by name.
  EXPECT_TRUE(std::is_sorted(m.nodes.begin(), m.nodes.end(), [](const DiagramNode& a, const DiagramNode& b) {
    return std::tie(a.stage, a.name) < std::tie(b.stage, b.name);
  }));
}

TEST(Diagram, DotTextIsDeterministic) {
  DiagramRequest r;
  r.element = re("Dy");
  EXPECT_EQ(diagram_dot(build_diagram_model(example(), r)), diagram_dot(build_diagram_model(example(), r)));
  EXPECT_EQ(diagram_dot(build_diagram_model(example(), {})), diagram_dot(build_diagram_model(example(), {})));
}

TEST(Diagram, ChokepointsStandOutWithTheirEvidence) {
  const DiagramModel m = build_diagram_model(example(), {});
  const DiagramNode& metal = node(m, "cn-metal");
  EXPECT_TRUE(metal.must_pass);
  EXPECT_FALSE(node(m, "mp-separation").must_pass);
  const auto has = [&](const std::string& sentence) {
    return std::find(metal.evidence.begin(), metal.evidence.end(), sentence) != metal.evidence.end();
  };
  EXPECT_TRUE(has("every path of Dy to US passes through cn-metal (metal, China)"));
  const std::string dot = diagram_dot(m);
  const std::string s = statement(dot, "f_cn_metal");
  EXPECT_NE(s.find("class=\"facility stage-metal must-pass\""), std::string::npos) << s;
  EXPECT_NE(s.find("color=\"#d62728\", penwidth=4"), std::string::npos) << s;
  EXPECT_NE(s.find("<B>"), std::string::npos) << s;
  EXPECT_NE(s.find("every path of Dy to US passes through cn-metal"), std::string::npos) << s;
  EXPECT_EQ(statement(dot, "f_mp_separation").find("penwidth=4"), std::string::npos);
  // The finding in the legend names China as a must-pass country.
  EXPECT_NE(dot.find("must-pass country China: every path of"), std::string::npos);
}

TEST(Diagram, LegendAndStageClustersArePresent) {
  const std::string dot = diagram_dot(build_diagram_model(example(), {}));
  EXPECT_NE(dot.find("label=<<TABLE"), std::string::npos);
  EXPECT_NE(dot.find("<B>must-pass</B>"), std::string::npos);
  EXPECT_NE(dot.find("CN China"), std::string::npos);
  EXPECT_NE(dot.find("line width: baseline flow"), std::string::npos);
  EXPECT_NE(dot.find("subgraph cluster_0_mine {"), std::string::npos);
  EXPECT_NE(dot.find("subgraph cluster_4_demand {"), std::string::npos);
  EXPECT_NE(dot.find("rankdir=LR"), std::string::npos);
  // Stages are ordered by invisible anchors, never by rank=same across clusters.
  EXPECT_EQ(dot.find("rank=same"), std::string::npos);
  EXPECT_EQ(dot.find("splines=ortho"), std::string::npos);
  EXPECT_EQ(dot.find("concentrate=true"), std::string::npos);
}

TEST(Diagram, ColoursFollowSortedCountriesAndStayTheSameAcrossViews) {
  const DiagramModel all = build_diagram_model(example(), {});
  ASSERT_EQ(all.countries.size(), 5u);
  EXPECT_EQ(all.countries[0].code, "AU");
  EXPECT_EQ(all.countries[0].fill, country_palette()[0]);
  EXPECT_EQ(all.countries[1].code, "CN");
  EXPECT_EQ(node(all, "cn-metal").fill, country_palette()[1]);
  DiagramRequest r;
  r.focus = "us-ev-motors";
  EXPECT_EQ(node(build_diagram_model(example(), r), "cn-metal").fill, country_palette()[1]);
}

TEST(Diagram, FocusShowsOnlyTheUpstreamConeAndItsMinimumCut) {
  DiagramRequest r;
  r.focus = "jp-industrial-motors";
  const DiagramModel m = build_diagram_model(example(), r);
  const auto k = keys(m);
  EXPECT_TRUE(k.count("jp-industrial-motors"));
  EXPECT_TRUE(k.count("cn-magnets"));
  EXPECT_TRUE(k.count("bayan-obo"));
  EXPECT_FALSE(k.count("us-ev-motors"));
  EXPECT_FALSE(k.count("cn-ev-motors"));
  EXPECT_FALSE(k.count("mp-independence"));  // it feeds the US, not Japan
  EXPECT_FALSE(k.count("mp-separation"));
  EXPECT_TRUE(node(m, "jp-industrial-motors").focus);
  EXPECT_TRUE(m.min_cuts);
  EXPECT_TRUE(std::any_of(m.nodes.begin(), m.nodes.end(), [](const DiagramNode& n) { return n.min_cut; }));
  for (const auto& e : m.edges) {
    EXPECT_TRUE(std::any_of(m.nodes.begin(), m.nodes.end(), [&](const DiagramNode& n) { return n.name == e.from; }));
    EXPECT_TRUE(std::any_of(m.nodes.begin(), m.nodes.end(), [&](const DiagramNode& n) { return n.name == e.to; }));
  }
  EXPECT_NE(diagram_dot(m).find("focus jp-industrial-motors: only what feeds it"), std::string::npos);
}

TEST(Diagram, FocusOnACountryJoinsItsSinks) {
  DiagramRequest r;
  r.focus = "G7";
  const auto k = keys(build_diagram_model(example(), r));
  EXPECT_TRUE(k.count("us-ev-motors"));
  EXPECT_TRUE(k.count("jp-industrial-motors"));
  EXPECT_FALSE(k.count("cn-ev-motors"));
}

TEST(Diagram, ElementRestrictsToItsSubgraph) {
  DiagramRequest r;
  r.element = re("Dy");
  const DiagramModel m = build_diagram_model(example(), r);
  const auto k = keys(m);
  EXPECT_TRUE(k.count("cn-separation"));
  EXPECT_TRUE(k.count("lynas-malaysia"));
  EXPECT_FALSE(k.count("mountain-pass"));  // its distribution has no Dy
  EXPECT_FALSE(k.count("mp-separation"));  // separates Nd and Pr only
  EXPECT_EQ(m.flow_unit, "t/yr of Dy");
  EXPECT_NE(diagram_dot(m).find("element Dy: only what can carry it"), std::string::npos);
}

TEST(Diagram, UnknownFocusIsAnError) {
  DiagramRequest r;
  r.focus = "no-such-thing";
  EXPECT_THROW(build_diagram_model(example(), r), DiagramError);
  // The same words as chokepoints' --target, with the closest that would do.
  r.focus = "us-ev-motor";
  try {
    build_diagram_model(example(), r);
    ADD_FAILURE() << "no DiagramError";
  } catch (const DiagramError& e) {
    EXPECT_EQ(std::string(e.what()), "--focus 'us-ev-motor' is neither a facility nor a country or group with demand "
                                     "sinks; did you mean 'us-ev-motors'?");
  }
}

TEST(Diagram, ScenarioMarksBlockedLinksAndShortfalls) {
  ScenarioLoad sc = load_scenario_from_string(R"(scenario: {id: dy-ban, title: Dy ban to the US, as_of: 2026-06-01}
measures:
  - {id: ban, type: ban, issuer: CN, elements: [Dy], destinations: {only: [US]}, effective: 2025-01-01}
)",
                                              "s.yaml", example());
  ASSERT_TRUE(sc.scenario);
  DiagramRequest r;
  r.scenario = &*sc.scenario;
  const DiagramModel m = build_diagram_model(example(), r);
  EXPECT_TRUE(m.scenario);
  std::size_t blocked = 0;
  for (const auto& e : m.edges) {
    if (e.pass && *e.pass == 0) {
      ++blocked;
      EXPECT_EQ(e.label, "blocked");
    }
  }
  EXPECT_GT(blocked, 0u);
  ASSERT_TRUE(node(m, "us-ev-motors").shortfall);
  EXPECT_GT(*node(m, "us-ev-motors").shortfall, 0.0);
  ASSERT_TRUE(node(m, "cn-ev-motors").shortfall);
  EXPECT_EQ(*node(m, "cn-ev-motors").shortfall, 0.0);
  const std::string dot = diagram_dot(m);
  EXPECT_NE(dot.find("class=\"link blocked\""), std::string::npos);
  EXPECT_NE(dot.find("style=dashed"), std::string::npos);
  EXPECT_NE(dot.find("striped"), std::string::npos);
  EXPECT_NE(dot.find("scenario dy-ban"), std::string::npos);
}

TEST(Diagram, CountryViewAggregatesByCountryAndStage) {
  DiagramRequest r;
  r.view = DiagramView::country;
  const DiagramModel m = build_diagram_model(example(), r);
  const auto k = keys(m);
  EXPECT_TRUE(k.count("CN/separation"));
  EXPECT_TRUE(k.count("US/demand"));
  EXPECT_EQ(node(m, "CN/separation").name, "c_CN_separation");
  EXPECT_TRUE(node(m, "CN/metal").must_pass);
  // One edge per pair of (country, stage) nodes; the two Lynas -> cn-metal links are one edge.
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& e : m.edges) EXPECT_TRUE(pairs.insert({e.from, e.to}).second);
  EXPECT_TRUE(pairs.count({"c_MY_separation", "c_CN_metal"}));
}

TEST(Diagram, UserTextIsEscapedInLabelsAndTooltips) {
  auto load = load_dataset_from_string(testing::kTrickyDataset, "tricky.yaml");
  ASSERT_TRUE(load.dataset);
  const std::string dot = diagram_dot(build_diagram_model(*load.dataset, {}));
  // HTML label: XML entities, backslashes doubled so that \N stays literal.
  EXPECT_NE(dot.find(R"(Mine &quot;A&quot; &amp; &lt;Sons&gt; \\N)"), std::string::npos);
  // Tooltip: quotes escaped, backslashes quadrupled, & as an entity.
  EXPECT_NE(dot.find(R"(tooltip="Mine \"A\" &amp; <Sons> \\\\N back\\\\slash Ünïcödé 稀土 \\\\ (mine-a))"),
            std::string::npos);
  // The raw name never reaches the DOT text unescaped.
  EXPECT_EQ(dot.find(testing::kTrickyName), std::string::npos);
  EXPECT_NE(dot.find("CN Chïna &amp; &lt;Co&gt; &quot;q&quot;"), std::string::npos);
}

}  // namespace
}  // namespace chokepoint
