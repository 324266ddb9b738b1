#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "common.hpp"
#include "testing/scratch_dir.hpp"

namespace chokepoint {
namespace {

using Json = nlohmann::ordered_json;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// emit_report writes JSON a piece at a time; the bytes must be those of dump(2) with invalid
// UTF-8 replaced, whatever the nesting and however the pieces fall.
std::string emitted(const Json& tree, const std::filesystem::path& file) {
  ReportOptions options;
  options.format = "json";
  options.output = file.string();
  emit_report([]() -> Document { throw std::logic_error("the document is not built for JSON"); },
              [&] { return tree; }, options);
  return slurp(file);
}

TEST(ReportOutput, JsonIsWhatDumpWouldWrite) {
  test_support::ScratchDir scratch{"json"};
  const auto file = scratch.path() / "report.json";
  Json tree = {{"schema", "x/1"},
               {"empty_object", Json::object()},
               {"empty_array", Json::array()},
               {"nested", {{"a", {1, 2, {{"b", Json::array()}, {"c", nullptr}}}}, {"d", 1.5}, {"e", false}}},
               {"text", "quote \" backslash \\ tab \t line\n unicode \u00e9 \u65e5"},
               {"bad \xff key", "bad \xfe value"}};
  Json items = Json::array();
  for (int i = 0; i < 20000; ++i) items.push_back({{"id", "item-" + std::to_string(i)}, {"value", i * 0.25}});
  tree["items"] = items;   // well over one 64 KiB piece
  const std::string expected = tree.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
  EXPECT_EQ(emitted(tree, file), expected);
  for (const Json& small : {Json::object(), Json::array(), Json(nullptr), Json("s"), Json(Json::array({Json::object()}))}) {
    EXPECT_EQ(emitted(small, file), small.dump(2) + "\n") << small.dump();
  }
}

}  // namespace
}  // namespace chokepoint
