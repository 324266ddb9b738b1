// csv::Table::cell_at rebuilds a cell from its offset alone (the loader keeps 4 bytes a link
// reference instead of a Cell): it must agree with the parser on every cell of every table.

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "csv_table.hpp"
#include "testing/scratch_dir.hpp"

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

// A table read from a file gives its text back as it is read (release_text_before); whatever
// reads the text later (a diagnostic's caret line, a cell rebuilt from its offset, an id at an
// offset) gets it as it was, read again from the file, and a file changed since is refused.
TEST(CsvTable, ReleasedTextIsReadAgainFromTheUnchangedFile) {
  std::uint64_t state = 5;
  std::string text = "\xEF\xBB\xBFh0,h1,h2\n";
  while (text.size() < 600'000) {   // many pages, several batches of rows
    std::string body = random_table(state);
    if (body.starts_with("\xEF\xBB\xBF")) body.erase(0, 3);
    const std::size_t header_end = body.find('\n');
    if (header_end == std::string::npos || !body.starts_with("h0,h1,h2") || body.starts_with("h0,h1,h2,")) {
      continue;   // only bodies with three columns
    }
    body.erase(0, header_end + 1);
    if (!body.empty() && body.back() != '\n') body += '\n';
    text += body;
  }
  test_support::ScratchDir dir("csv-release");
  const auto path = dir.path() / "t.csv";
  std::ofstream(path, std::ios::binary) << text;

  // What the parser saw of every cell, and how much was given back after each batch.
  struct Seen {
    Cell cell;
    std::string text;
    bool view;
  };
  std::vector<Seen> seen;
  std::size_t most_released = 0, batches = 0;
  Diagnostics diagnostics;
  const auto table = read_table(path, LoadLimits{}, diagnostics, [&](Table& t) {
    for (const Cell& c : t.cells) seen.push_back({c, std::string(c.text), t.in_text(c).has_value()});
    t.release_text_before(t.cells.back().offset);
    most_released = std::max(most_released, t.released_bytes());
    ++batches;
  });
  ASSERT_TRUE(diagnostics.empty());
  ASSERT_TRUE(table->ok);
  EXPECT_GT(batches, 3u);
  EXPECT_GT(most_released, text.size() / 2);
  EXPECT_LT(table->released_bytes(), text.size());
  ASSERT_GT(table->released_bytes(), 0u);

  // A line's text, as the file has it.
  std::vector<std::string> lines{""};
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      if (!lines.back().empty() && lines.back().back() == '\r') lines.back().pop_back();
      lines.emplace_back();
    } else {
      lines.back() += text[i];
    }
  }
  std::size_t views = 0;
  for (const Seen& s : seen) {
    const Cell again = table->cell_at(s.cell.offset);
    EXPECT_EQ(table->released_bytes(), 0u);   // read again at the first look
    EXPECT_EQ(again.line, s.cell.line);
    EXPECT_EQ(again.column, s.cell.column);
    EXPECT_EQ(again.raw_bytes, s.cell.raw_bytes);
    if (s.view) {
      EXPECT_EQ(again.text, s.text);
      EXPECT_EQ(table->text_at(*table->in_text(again), static_cast<std::uint32_t>(s.text.size())), s.text);
      ++views;
    }
    EXPECT_EQ(table->line_text(s.cell.line), lines[static_cast<std::size_t>(s.cell.line - 1)]);
  }
  EXPECT_GT(views, 10'000u);

  // Given back again, then the file changes: reading the text again is refused, not made up.
  table->release_text_before(std::numeric_limits<std::uint32_t>::max());
  EXPECT_GT(table->released_bytes(), 0u);
  const std::string last_line = table->line_text(static_cast<int>(lines.size()) - 1);   // past the release
  EXPECT_GT(table->released_bytes(), 0u);
  std::ofstream(path, std::ios::binary | std::ios::app) << "x,y,z\n";
  EXPECT_THROW((void)table->line_text(1), TextChanged);
  EXPECT_THROW((void)table->cell_at(seen.front().cell.offset), TextChanged);
}

TEST(CsvTable, ATableParsedFromAStringKeepsItsText) {
  std::string text = "a,b\n";
  for (int i = 0; i < 20'000; ++i) {
    text += 'x';   // appends, not "x" + ...: GCC 12 warns falsely about that at -O3
    text += std::to_string(i);
    text += ",y\n";
  }
  Diagnostics diagnostics;
  const auto table = parse_table(text, "t.csv", diagnostics, [&](Table& t) { t.release_text_before(t.cells.back().offset); });
  EXPECT_EQ(table->released_bytes(), 0u);
  EXPECT_EQ(table->line_text(2), "x0,y");
}

}  // namespace
}  // namespace chokepoint::csv
