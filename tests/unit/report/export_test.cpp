#include "chokepoint/report/export.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "chokepoint/load/loader.hpp"
#include "render/tricky_dataset.hpp"
#include "render/xml_check.hpp"

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

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ExportGraphml, IsWellFormedDirectedAndTyped) {
  const std::string xml = export_graphml(example());
  const auto check = testing::check_xml(xml);
  ASSERT_TRUE(check.ok) << check.error;
  EXPECT_EQ(check.root, "graphml");
  EXPECT_NE(xml.find("edgedefault=\"directed\""), std::string::npos);
  EXPECT_EQ(count(xml, "<node id="), example().facilities.size());
  EXPECT_EQ(count(xml, "<edge id="), example().links.size());
  EXPECT_NE(xml.find(R"(<key id="n0" for="node" attr.name="label" attr.type="string"/>)"), std::string::npos);
  EXPECT_NE(xml.find(R"(attr.name="weight" attr.type="double")"), std::string::npos);
  EXPECT_NE(xml.find(R"(attr.name="capacity:ndpr-oxide" attr.type="double")"), std::string::npos);
  EXPECT_NE(xml.find(R"(attr.name="in_baseline" attr.type="boolean")"), std::string::npos);
  EXPECT_NE(xml.find(R"(<node id="lynas-malaysia">)"), std::string::npos);
  EXPECT_NE(xml.find(R"(source="mount-weld" target="lynas-malaysia")"), std::string::npos);
  EXPECT_EQ(xml, export_graphml(example()));
}

TEST(ExportGraphml, EscapesEveryString) {
  auto load = load_dataset_from_string(testing::kTrickyDataset, "tricky.yaml");
  ASSERT_TRUE(load.dataset);
  const std::string xml = export_graphml(*load.dataset);
  const auto check = testing::check_xml(xml);
  ASSERT_TRUE(check.ok) << check.error;
  EXPECT_NE(xml.find(R"(Mine &quot;A&quot; &amp; &lt;Sons&gt; \N back\slash Ünïcödé 稀土 \)"), std::string::npos);
  EXPECT_NE(xml.find("tricky &amp; &lt;co&gt;"), std::string::npos);
}

TEST(ExportJson, CarriesTheSchemaEveryFactAndTheBaseline) {
  const auto j = export_json(example());
  EXPECT_EQ(j["schema"], "chokepoint.export/1");
  EXPECT_EQ(j["dataset"]["name"], "example");
  EXPECT_EQ(j["facilities"].size(), example().facilities.size());
  EXPECT_EQ(j["links"].size(), example().links.size());
  const auto& lynas = j["facilities"][static_cast<std::size_t>(example().find_facility("lynas-malaysia"))];
  EXPECT_EQ(lynas["country"], "MY");
  EXPECT_EQ(lynas["owner_country"], "AU");
  EXPECT_EQ(lynas["outputs"][0]["capacity"], 10500);
  // The ended Mountain Pass -> China link carries nothing on the dataset's date.
  for (const auto& l : j["links"]) {
    if (l["from"] == "mountain-pass" && l["to"] == "cn-separation") {
      EXPECT_EQ(l["baseline"]["flow_t"], 0);
    }
    if (l["from"] == "mount-weld") {
      EXPECT_GT(l["baseline"]["flow_re_t"].get<double>(), 0);
    }
  }
}

// The JSON is written a member and an item at a time; it must be what nlohmann's dump(2) writes
// for the whole document: checked by parsing it and dumping it again, on datasets with empty
// arrays, user text that needs escaping and invalid UTF-8.
TEST(ExportJson, PiecesMakeTheDocumentADumpOfTheWholeWouldMake) {
  const auto pieces = [](const Dataset& ds, std::size_t* count) {
    std::string text;
    write_json(ds, {}, [&](std::string_view piece) {
      text += piece;
      ++*count;
    });
    return text;
  };
  auto tricky = load_dataset_from_string(testing::kTrickyDataset, "tricky.yaml");
  ASSERT_TRUE(tricky.dataset);
  Dataset bare = example();   // no links, no groups: empty arrays
  bare.links.clear();
  bare.build_indexes();
  Dataset odd = example();    // invalid UTF-8 is replaced, as dump's error handler does
  odd.facilities[0].notes = std::string("bad \xC3( byte");
  for (const Dataset* ds : std::vector<const Dataset*>{&example(), &*tricky.dataset, &bare, &odd}) {
    std::size_t count = 0;
    const std::string text = pieces(*ds, &count);
    EXPECT_EQ(count, 1u);   // small: one piece
    const auto whole = nlohmann::ordered_json::parse(text);
    EXPECT_EQ(text, whole.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
  }
  std::size_t ignored = 0;
  EXPECT_NE(pieces(bare, &ignored).find("\"links\": []"), std::string::npos);
  EXPECT_NE(pieces(odd, &ignored).find("bad \xEF\xBF\xBD( byte"), std::string::npos);
}

TEST(ExportDot, QuotesIdsAndKeepsAttributes) {
  const std::string dot = export_dot(example());
  EXPECT_EQ(dot.rfind("digraph \"example 1.0\" {", 0), 0u);
  EXPECT_NE(dot.find("\"lynas-malaysia\" [\"label\"=\"Lynas Advanced Materials Plant\""), std::string::npos);
  EXPECT_NE(dot.find("\"mount-weld\" -> \"lynas-malaysia\" [id=\"l4\", \"material\"=\"monazite-concentrate\""),
            std::string::npos);
  EXPECT_EQ(count(dot, " -> "), example().links.size());
}

}  // namespace
}  // namespace chokepoint
