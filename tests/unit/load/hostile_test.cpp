// Hostile inputs: each gives a clear diagnostic with its code, never a crash or a hang.
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>

#include <gtest/gtest.h>

#include "chokepoint/load/loader.hpp"
#include "testing/scratch_dir.hpp"

namespace chokepoint {
namespace {

namespace fs = std::filesystem;

const std::string kHead = "dataset: {name: h, version: \"1\", as_of: 2026-01-01}\n";

std::vector<std::string> codes_of(const DatasetLoad& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.items()) out.push_back(d.code);
  return out;
}

bool has(const DatasetLoad& r, const std::string& code) {
  auto c = codes_of(r);
  return std::find(c.begin(), c.end(), code) != c.end();
}

DatasetLoad text(const std::string& s) { return load_dataset_from_string(s, "hostile.yaml"); }

TEST(Hostile, BinaryFile) {
  std::string bytes;
  for (int i = 0; i < 4096; ++i) bytes += static_cast<char>((i * 7919) % 256);
  auto r = text(bytes);
  EXPECT_FALSE(r.dataset);
  EXPECT_TRUE(has(r, "E108"));
}

TEST(Hostile, InvalidUtf8) { EXPECT_TRUE(has(text(kHead + "sources: [{id: s, title: \"caf\xe9\"}]\n"), "E108")); }

TEST(Hostile, NumbersTooLargeNanAndInf) {
  for (const std::string& v : {std::string("1e400"), std::string("-1e400"), std::string(".nan"), std::string(".inf"), std::string("-.Inf"), "1" + std::string(400, '0')}) {
    auto r = text(kHead + "countries: [{code: CN, name: China, wgi: " + v + "}]\n");
    EXPECT_EQ(codes_of(r), std::vector<std::string>{"E204"}) << v;
  }
}

TEST(Hostile, TenThousandDeepNesting) {
  EXPECT_TRUE(has(text(kHead + "sources: " + std::string(10000, '[') + std::string(10000, ']') + "\n"), "E103"));
  std::string maps = kHead + "sources:";
  for (int i = 0; i < 10000; ++i) maps += " {a:";
  EXPECT_FALSE(text(maps).dataset);
}

TEST(Hostile, AliasBombIsRejectedBeforeExpansion) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int k = 0; k < 9; ++k) bomb += std::string(k ? ", *" : "*") + static_cast<char>(c - 1);
    bomb += "]\n";
  }
  auto r = text(bomb);
  EXPECT_TRUE(has(r, "E102"));
  EXPECT_TRUE(has(text("a: &a [*a]\n"), "E102"));
}

TEST(Hostile, DuplicateKeys) { EXPECT_TRUE(has(text(kHead + "sources: []\nsources: []\n"), "E101")); }

TEST(Hostile, CrlfAndBomLoadCleanly) {
  std::string s = "\xEF\xBB\xBF" "dataset: {name: h, version: \"1\", as_of: 2026-01-01}\r\nsources:\r\n  - {id: s, title: T}\r\n";
  auto r = text(s);
  EXPECT_TRUE(r.dataset);
  EXPECT_TRUE(r.diagnostics.empty());
}

TEST(Hostile, EmptyAndCommentOnly) {
  EXPECT_EQ(codes_of(text("")), std::vector<std::string>{"E107"});
  EXPECT_EQ(codes_of(text("# nothing\n# here\n")), std::vector<std::string>{"E107"});
  EXPECT_EQ(codes_of(text("   \n\n")), std::vector<std::string>{"E107"});
}

class HostileFiles : public ::testing::Test {
 protected:
  test_support::ScratchDir scratch_{"hostile"};
  const fs::path& dir_ = scratch_.path();
};

TEST_F(HostileFiles, DirectoryNamedLikeAFileAndDanglingSymlink) {
  fs::create_directories(dir_ / "data.yaml");
  fs::create_symlink(dir_ / "missing.yaml", dir_ / "link.yaml");
  std::ofstream(dir_ / "dataset.yaml") << kHead;
  auto r = load_dataset(dir_);
  // The directory called data.yaml is walked into (it is empty); the dangling link is reported.
  EXPECT_TRUE(has(r, "E001")) << codes_of(r).size();
  EXPECT_EQ(load_dataset(dir_ / "link.yaml").diagnostics.items().at(0).code, "E001");
}

TEST_F(HostileFiles, ThousandsOfSmallFiles) {
  std::ofstream(dir_ / "dataset.yaml") << kHead;
  for (int i = 0; i < 3000; ++i) {
    std::ofstream(dir_ / ("s" + std::to_string(i) + ".yaml")) << "sources: [{id: s" << i << ", title: T}]\n";
  }
  auto r = load_dataset(dir_);
  ASSERT_TRUE(r.dataset);
  EXPECT_EQ(r.dataset->sources.size(), 3000u);
}

TEST(Hostile, IdsThatDifferOnlyInCaseOrNormalisation) {
  // Ids are lower-case ASCII kebab: "Lynas" and a precomposed or decomposed "é" are refused.
  EXPECT_TRUE(has(text(kHead + "sources: [{id: Src, title: T}]\n"), "E206"));
  EXPECT_TRUE(has(text(kHead + "sources: [{id: \"caf\xc3\xa9\", title: T}]\n"), "E206"));
  EXPECT_TRUE(has(text(kHead + "sources: [{id: \"cafe\xcc\x81\", title: T}]\n"), "E206"));
  // Group ids may be upper case, so two that differ only in case are duplicates.
  auto r = text(kHead + "countries: [{code: CN, name: China}]\ngroups:\n  - {id: EU, name: A, members: [CN]}\n"
                        "  - {id: eu, name: B, members: [CN]}\n");
  EXPECT_TRUE(has(r, "E207"));
}

}  // namespace
}  // namespace chokepoint

namespace chokepoint {
namespace {

std::string read_whole(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// One seeded edit of the kind a hurried maintainer makes, or a broken copy: a line dropped,
// doubled or moved, a number or a value replaced by something odd, a key renamed, stray bytes,
// an indentation slip, the file cut short.
std::string mutate(const std::string& text, std::mt19937& rng) {
  std::vector<std::string> lines;
  for (std::size_t at = 0; at <= text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  static const std::vector<std::string> odd = {"-1", "0", "1e400", ".nan", "-.inf", "abc", "~", "[]", "{}", "true",
                                               "2.5e18", "1e-320", "2024-13-45", "''", "4294967296", "[1, 2]"};
  static const std::vector<std::string> keys = {"id", "country", "stage", "material", "capacity", "production",
                                                "from", "to", "share", "volume", "status", "source", "year"};
  static const std::vector<std::string> junk = {"\t", std::string(1, '\0'), "\xff", "&a ", "*a", "- ", ": ", "{",
                                                "[", "'", "\"", "---\n", "? ", "|\n", "#", "\r", "\xef\xbb\xbf"};
  std::string& line = lines[pick(lines.size())];
  switch (rng() % 9) {
    case 0: lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(pick(lines.size()))); break;
    case 1: lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(pick(lines.size())), line); break;
    case 2: std::swap(line, lines[pick(lines.size())]); break;
    case 3: {   // a number, or the value after a key, replaced
      const std::size_t colon = line.find(": ");
      if (colon != std::string::npos) line = line.substr(0, colon + 2) + odd[pick(odd.size())];
      break;
    }
    case 4: {   // a key renamed
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) break;
      std::size_t start = colon;
      while (start > 0 && (std::isalnum(static_cast<unsigned char>(line[start - 1])) || line[start - 1] == '_')) --start;
      if (start < colon) line.replace(start, colon - start, keys[pick(keys.size())]);
      break;
    }
    case 5: line.insert(pick(line.size() + 1), junk[pick(junk.size())]); break;
    case 6: line = rng() % 2 ? "  " + line : line.substr(std::min<std::size_t>(line.size(), 2)); break;
    case 7: {
      std::string whole;
      for (const auto& l : lines) whole += l + "\n";
      return whole.substr(0, pick(whole.size() + 1));
    }
    default: line += ", " + keys[pick(keys.size())] + ": " + odd[pick(odd.size())]; break;
  }
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) out += lines[i] + (i + 1 < lines.size() ? "\n" : "");
  return out;
}

// Hundreds of seeded edits of the example dataset (one file): the loader never throws, an edit it
// rejects has an error, every diagnostic names the file, a code and a place inside it, and the
// same text gives the same diagnostics.
TEST(Hostile, SeededEditsOfTheExampleGetPlacedDiagnosticsNeverACrash) {
  const std::filesystem::path example = std::filesystem::path(CHOKEPOINT_SOURCE_DIR) / "data/example";
  const std::string original = read_whole(example / "dataset.yaml") + "\n" + read_whole(example / "chain.yaml");
  ASSERT_TRUE(load_dataset_from_string(original, "example.yaml").dataset);
  std::mt19937 rng(20261208);
  const std::regex code("[EW][0-9]{3}");
  int rejected = 0;
  for (int round = 0; round < 300; ++round) {
    std::string text = original;
    for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0; --edits) text = mutate(text, rng);
    const auto lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
    DatasetLoad r;
    ASSERT_NO_THROW(r = load_dataset_from_string(text, "example.yaml")) << text;
    if (!r.dataset) {
      ++rejected;
      EXPECT_TRUE(r.diagnostics.has_errors()) << text;
    }
    for (const Diagnostic& d : r.diagnostics.items()) {
      EXPECT_EQ(d.where.file.str(), "example.yaml") << round;
      EXPECT_TRUE(std::regex_match(d.code, code)) << round << " " << d.code;
      EXPECT_FALSE(d.message.empty()) << round;
      EXPECT_GE(d.where.line, 0) << round;
      EXPECT_LE(d.where.line, lines + 1) << round << " " << d.code << " " << d.message;
      EXPECT_GE(d.where.column, 0) << round;
    }
    const DatasetLoad again = load_dataset_from_string(text, "example.yaml");
    ASSERT_EQ(again.diagnostics.items().size(), r.diagnostics.items().size()) << round;
    for (std::size_t i = 0; i < r.diagnostics.items().size(); ++i) {
      EXPECT_EQ(again.diagnostics.items()[i].message, r.diagnostics.items()[i].message) << round;
      EXPECT_EQ(again.diagnostics.items()[i].where.line, r.diagnostics.items()[i].where.line) << round;
    }
  }
  // The edits do break things: most are rejected, some (a moved comment, a doubled note) are not.
  EXPECT_GT(rejected, 150);
  EXPECT_LT(rejected, 300);
}

}  // namespace
}  // namespace chokepoint

namespace chokepoint {
namespace {

// yaml-cpp reports an unclosed bracket where it stopped looking, often lines later; the note names
// the bracket itself, past comments, quoted scalars and the apostrophes of plain ones.
TEST(Hostile, AnUnclosedBracketIsNamedWhereItOpens) {
  const auto note_of = [](const std::string& text) {
    const DatasetLoad r = load_dataset_from_string(text, "b.yaml");
    for (const auto& d : r.diagnostics.items()) {
      if (d.code == "E100") return d.notes.empty() ? std::string("(none)") : d.notes.front();
    }
    return std::string("(no E100)");
  };
  EXPECT_EQ(note_of("sources:\n  - {id: a, title: 'x [y', year: 2020}\n  - {id: b, title: [c, d\n"
                    "countries: []\n"),
            "the '[' on line 3, column 20 is not closed:   - {id: b, title: [c, d");
  EXPECT_EQ(note_of("# a comment with [ and {\nsources:\n  - id: o\n    title: O'Brien's [notes]\n"
                    "    tags: {a: \"]}\", b: [1, 2]\nother: 1\n"),
            "the '{' on line 5, column 11 is not closed:     tags: {a: \"]}\", b: [1, 2]");
  EXPECT_EQ(note_of("sources: [{id: a, title: A}, {id: b, title: B}\n\ncountries: []\n"),
            "the '[' on line 1, column 10 is not closed: sources: [{id: a, title: A}, {id: b, title: B}");
  EXPECT_EQ(note_of("a: [é, {b: c}\nd: 1\n"), "the '[' on line 1, column 4 is not closed: a: [é, {b: c}");
}

}  // namespace
}  // namespace chokepoint

namespace chokepoint {
namespace {

// yaml-cpp names the grammar rule that failed; the notes name the slip that usually causes it.
TEST(Hostile, SyntaxErrorsSayTheirLikelyCause) {
  const std::string head = "dataset: {name: t, version: \"1\", as_of: 2026-01-01}\nsources:\n";
  const auto notes_of = [&](const std::string& body) {
    const DatasetLoad r = load_dataset_from_string(head + body, "s.yaml");
    for (const auto& d : r.diagnostics.items()) {
      if (d.code == "E100") return d.notes;
    }
    return std::vector<std::string>{"(no E100)"};
  };
  using Notes = std::vector<std::string>;
  EXPECT_EQ(notes_of("  - id: a\n    title: Foo: Bar\n"),
            Notes{"a ': ' inside a value starts a mapping: put the value in quotes, e.g. \"Foo: Bar\""});
  EXPECT_EQ(notes_of("  - id: a\n\ttitle: Foo\n"),
            Notes{"YAML indents with spaces only: replace the tab at the start of this line with spaces"});
  EXPECT_EQ(notes_of("  - id: a\n     title: Foo\n"),
            Notes{"this line's key is in column 6 and the key above it in column 5: YAML nests by indentation, so "
                  "the keys of one mapping line up"});
  EXPECT_EQ(notes_of("  - id: a\n\n    # a comment\n  title: Foo\n"),
            Notes{"this line's key is in column 3 and the key above it in column 5: YAML nests by indentation, so "
                  "the keys of one mapping line up"});
  EXPECT_EQ(notes_of("  - {id: a, title: Foo}\n - {id: b, title: Bar}\n"),
            Notes{"this list item's '-' is in column 2 and the one above it in column 3: YAML nests by indentation, "
                  "so the items of one list line up"});
  EXPECT_EQ(notes_of("  - id: a\n    title: O'Brien's: mine\n"),   // a plain apostrophe says nothing
            Notes{"a ': ' inside a value starts a mapping: put the value in quotes, e.g. \"O'Brien's: mine\""});
  EXPECT_EQ(notes_of("  [\n  - id: a\n    title: A\n"),
            Notes{"a '- ' list item cannot stand inside the '[' opened on line 3, column 3:   ["});
  EXPECT_EQ(notes_of("  - {id: a, title: 'it's'}\n"),
            (Notes{"inside single quotes an apostrophe is written twice ('it''s'), or quote with \" instead",
                   "the '{' on line 3, column 5 is not closed:   - {id: a, title: 'it's'}"}));
}

}  // namespace
}  // namespace chokepoint
