// csv::Table::cell_at rebuilds a cell from its offset alone (the loader keeps 4 bytes a link
// reference instead of a Cell): it must agree with the parser on every cell of every table.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "csv_table.hpp"

namespace chokepoint::csv {
namespace {

std::string random_table(std::uint64_t& state) {
  const auto next = [&](std::uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  const std::vector<std::string> values = {"",       "a",          "plain-id",     "\xc3\xa9t\xc3\xa9", "\xe2\x82\xac" "5",
                                           "x y",    "\"q\"",      "\"a,b\"",      "\"two\nlines\"",   "\"say \"\"hi\"\"\"",
                                           "\"\"",   "\"\xc3\xa9\nz\"", "12.5"};
  std::string text = next(2) == 0 ? "\xEF\xBB\xBF" : "";
  const std::size_t columns = 1 + next(5), rows = next(6);
  for (std::size_t r = 0; r <= rows; ++r) {
    for (std::size_t c = 0; c < columns; ++c) {
      if (c) text += ',';
      if (r == 0) {
        text += 'h';   // (two appends, not "h" + ...: GCC 12 warns falsely about that at -O3)
        text += std::to_string(c);
      } else {
        text += values[next(values.size())];
      }
    }
    text += next(3) == 0 ? "\r\n" : "\n";
    if (next(5) == 0) text += "\n";   // a blank line
  }
  if (next(4) == 0) {   // no line break at the end
    text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
  }
  return text;
}

TEST(CsvTable, CellAtAgreesWithTheParserOnEveryCell) {
  std::uint64_t state = 99;
  std::size_t checked = 0, views = 0, copies = 0;
  for (int round = 0; round < 300; ++round) {
    const std::string text = random_table(state);
    Diagnostics diagnostics;
    const auto table = parse_table(text, "t.csv", diagnostics);
    ASSERT_TRUE(diagnostics.empty()) << text;
    std::vector<Cell> cells = table->header;
    cells.insert(cells.end(), table->cells.begin(), table->cells.end());
    for (const Cell& c : cells) {
      const Cell again = table->cell_at(c.offset);
      EXPECT_EQ(again.offset, c.offset);
      EXPECT_EQ(again.raw_bytes, c.raw_bytes) << text;
      EXPECT_EQ(again.line, c.line) << text;
      EXPECT_EQ(again.column, c.column) << text;
      if (table->in_text(c)) {
        EXPECT_EQ(again.text.data(), c.text.data()) << text;
        EXPECT_EQ(again.text, c.text);
        EXPECT_EQ(table->text_at(*table->in_text(c), static_cast<std::uint32_t>(c.text.size())).data(), c.text.data());
        ++views;
      } else {
        EXPECT_TRUE(again.text.empty());   // an unescaped copy is not rebuilt
        ++copies;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 2000u);
  EXPECT_GT(copies, 20u);
  EXPECT_GT(views, 1000u);
}

}  // namespace
}  // namespace chokepoint::csv
