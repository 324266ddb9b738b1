#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "chokepoint/core/compact.hpp"
#include "chokepoint/core/date.hpp"
#include "chokepoint/core/diagnostic.hpp"
#include "chokepoint/core/elements.hpp"
#include "chokepoint/core/text.hpp"

namespace chokepoint {
namespace {

TEST(Text, EditDistanceTextbookCases) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("flaw", "lawn"), 2u);
  EXPECT_EQ(edit_distance("same", "same"), 0u);
}

TEST(Text, DidYouMeanPicksTheClosestWithinReach) {
  const std::vector<std::string> ids = {"ndpr-oxide", "dy-oxide", "tb-oxide"};
  EXPECT_EQ(did_you_mean("ndpr-oxde", ids), "did you mean 'ndpr-oxide'?");
  EXPECT_EQ(did_you_mean("something-else", ids), "");
  EXPECT_EQ(closest_match("DY-OXIDE", ids).value_or(""), "dy-oxide");
}

TEST(Text, KebabIds) {
  EXPECT_TRUE(is_kebab_id("lynas-malaysia"));
  EXPECT_TRUE(is_kebab_id("mp-10x"));
  EXPECT_FALSE(is_kebab_id("Lynas"));
  EXPECT_FALSE(is_kebab_id("a--b"));
  EXPECT_FALSE(is_kebab_id("-a"));
  EXPECT_FALSE(is_kebab_id("a_b"));
  EXPECT_FALSE(is_kebab_id(""));
}

TEST(Text, Utf8ErrorsAreFoundAtEveryOffsetOfLongAsciiRuns) {
  for (std::size_t at = 0; at < 40; ++at) {
    std::string text(50, 'a');
    EXPECT_TRUE(is_valid_utf8(text));
    text.replace(at, 3, "\xe2\x82\xac");   // a euro sign: valid anywhere
    EXPECT_TRUE(is_valid_utf8(text)) << at;
    text[at + 1] = 'a';                     // now a lead byte without its continuation
    std::size_t bad = 999;
    EXPECT_FALSE(is_valid_utf8(text, &bad)) << at;
    EXPECT_EQ(bad, at);
  }
}

TEST(Text, Utf8Validation) {
  std::size_t bad = 99;
  EXPECT_TRUE(is_valid_utf8("plain \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("caf\xe9!", &bad));
  EXPECT_EQ(bad, 3u);
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // truncated
}

TEST(Text, SplitLinesDropsCarriageReturns) {
  auto lines = split_lines("a\r\nb\nc");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "a");
  EXPECT_EQ(lines[2], "c");
}

TEST(Date, ParsesOnlyCalendarDates) {
  EXPECT_TRUE(parse_iso_date("2024-02-29"));
  EXPECT_FALSE(parse_iso_date("2025-02-29"));
  EXPECT_FALSE(parse_iso_date("2025-13-01"));
  EXPECT_FALSE(parse_iso_date("2025-1-01"));
  EXPECT_FALSE(parse_iso_date("25-01-01"));
  EXPECT_FALSE(parse_iso_date("2025-01-01T00:00"));
  EXPECT_EQ(parse_iso_date("2025-04-04")->str(), "2025-04-04");
}

TEST(Date, DaysRoundTripAndOrder) {
  EXPECT_EQ((Date{1970, 1, 1}.days()), 0);
  EXPECT_EQ((Date{2000, 3, 1}.days()), 11017);
  for (long d = -1000; d < 30000; d += 37) EXPECT_EQ(Date::from_days(d).days(), d);
  EXPECT_LT((Date{2025, 4, 4}), (Date{2025, 11, 10}));
  EXPECT_EQ(add_months(Date{2025, 1, 31}, 1).str(), "2025-02-28");
  EXPECT_EQ(add_months(Date{2025, 11, 15}, 3).str(), "2026-02-15");
}

TEST(Date, FourBytesHoldEveryDayOfFourDigitYears) {
  static_assert(sizeof(Date) == 4 && sizeof(std::optional<Date>) == 6);
  for (long day = Date{1, 1, 1}.days(); day <= Date{9999, 12, 31}.days(); day += 997) {
    const Date d = Date::from_days(day);
    EXPECT_EQ(d.days(), day);
    EXPECT_EQ(parse_iso_date(d.str()), d);
  }
  EXPECT_EQ(add_months(Date{9999, 1, 31}, 1).str(), "9999-02-28");
  EXPECT_EQ(add_months(Date{2024, 3, 31}, -1).str(), "2024-02-29");
}

TEST(Compact, OptionalDoubleReadsLikeStdOptional) {
  static_assert(sizeof(OptionalDouble) == 8);
  OptionalDouble x;
  EXPECT_FALSE(x.has_value());
  EXPECT_FALSE(x);
  EXPECT_TRUE(x == std::nullopt);
  EXPECT_EQ(x.value_or(7.5), 7.5);
  EXPECT_THROW((void)x.value(), std::bad_optional_access);
  EXPECT_EQ(std::optional<double>(x), std::nullopt);
  x = 0.0;   // zero and negative zero are values, not "absent"
  EXPECT_TRUE(x.has_value());
  EXPECT_EQ(*x, 0.0);
  x = -0.0;
  EXPECT_TRUE(x.has_value());
  x = -1e300;
  EXPECT_EQ(x.value(), -1e300);
  EXPECT_EQ(std::optional<double>(x), std::optional<double>(-1e300));
  EXPECT_TRUE(x == OptionalDouble(-1e300));
  EXPECT_FALSE(x == OptionalDouble());
  x = std::optional<double>();
  EXPECT_FALSE(x.has_value());
  x = std::optional<double>(2.5);
  EXPECT_EQ(x.value_or(0), 2.5);
  x.reset();
  EXPECT_TRUE(x == OptionalDouble());
  x = std::numeric_limits<double>::quiet_NaN();   // documented: NaN empties it
  EXPECT_FALSE(x.has_value());
}

TEST(Compact, RareStringAllocatesOnlyWhenNotEmpty) {
  static_assert(sizeof(RareString) == 8);
  RareString s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.str(), "");
  EXPECT_EQ(s.size(), 0u);
  s = std::string("long enough to leave the small-string buffer of std::string");
  EXPECT_FALSE(s.empty());
  RareString copy = s;
  EXPECT_EQ(copy, s);
  EXPECT_NE(copy.c_str(), s.c_str());   // a deep copy
  RareString moved = std::move(copy);
  EXPECT_EQ(moved.view(), s.view());
  s = "";
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(s == "");
  EXPECT_TRUE(moved == "long enough to leave the small-string buffer of std::string");
  const std::string& ref = moved;
  EXPECT_EQ(ref.size(), moved.size());
  moved = moved;   // self-assignment keeps the text
  EXPECT_EQ(moved.size(), ref.size());
}

TEST(Compact, RareVectorAllocatesOnlyWhenNotEmpty) {
  static_assert(sizeof(RareVector<int>) == 8);
  RareVector<int> v;
  EXPECT_TRUE(v.empty());
  EXPECT_EQ(v.size(), 0u);
  EXPECT_EQ(v.data(), nullptr);          // no allocation
  EXPECT_EQ(v.begin(), v.end());
  EXPECT_TRUE(v.vec().empty());
  int sum = 0;
  for (int x : v) sum += x;
  EXPECT_EQ(sum, 0);
  v.push_back(3);
  v.emplace_back(1);
  v.push_back(2);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v.front(), 3);
  EXPECT_EQ(v.back(), 2);
  std::sort(v.begin(), v.end());         // pointers serve as random-access iterators
  EXPECT_EQ(v.vec(), (std::vector<int>{1, 2, 3}));
  RareVector<int> copy = v;
  EXPECT_EQ(copy, v);
  EXPECT_NE(copy.data(), v.data());      // a deep copy
  copy[0] = 9;
  EXPECT_EQ(v[0], 1);
  EXPECT_FALSE(copy == v);
  const std::vector<int>& as_vector = copy;
  EXPECT_EQ(as_vector, (std::vector<int>{9, 2, 3}));
  copy.clear();
  EXPECT_EQ(copy.data(), nullptr);           // clearing frees
  v = {};
  EXPECT_EQ(v.data(), nullptr);          // an empty assignment frees
  v = std::vector<int>{};
  EXPECT_EQ(v.data(), nullptr);
  v = {4, 5};
  RareVector<int> moved = std::move(v);
  EXPECT_EQ(moved.vec(), (std::vector<int>{4, 5}));
  moved = moved;                          // self-assignment keeps the entries
  EXPECT_EQ(moved.size(), 2u);
  moved.clear();
  EXPECT_TRUE(moved.empty());
  EXPECT_EQ(moved, RareVector<int>{});
}

TEST(Date, OptionalYearReadsLikeStdOptionalInTwoBytes) {
  static_assert(sizeof(OptionalYear) == 2);
  OptionalYear y;
  EXPECT_FALSE(y.has_value());
  EXPECT_EQ(y, std::nullopt);
  EXPECT_EQ(static_cast<std::optional<int>>(y), std::nullopt);
  for (const int year : {1, 1999, 2025, 9999}) {
    y = std::optional<int>(year);
    ASSERT_TRUE(y);
    EXPECT_EQ(*y, year);
    EXPECT_EQ(static_cast<std::optional<int>>(y), std::optional<int>(year));
  }
  y = std::optional<int>();
  EXPECT_FALSE(y);
}

TEST(Date, OptionalDateReadsLikeStdOptionalInFourBytes) {
  static_assert(sizeof(OptionalDate) == 4);
  OptionalDate d;
  EXPECT_FALSE(d.has_value());
  EXPECT_FALSE(static_cast<bool>(d));
  EXPECT_TRUE(d == std::nullopt);
  EXPECT_EQ(static_cast<std::optional<Date>>(d), std::nullopt);
  EXPECT_THROW((void)d.value(), std::bad_optional_access);
  // Every day parse_iso_date accepts is a value, including the first and the last.
  for (const char* text : {"0001-01-01", "1970-01-01", "2025-04-04", "9999-12-31"}) {
    const std::optional<Date> parsed = parse_iso_date(text);
    ASSERT_TRUE(parsed) << text;
    d = parsed;
    ASSERT_TRUE(d.has_value()) << text;
    EXPECT_EQ(d->str(), text);
    EXPECT_EQ(*d, *parsed);
    EXPECT_EQ(static_cast<std::optional<Date>>(d), parsed);
  }
  EXPECT_FALSE(d == OptionalDate(Date{9999, 12, 30}));
  d = std::optional<Date>{};
  EXPECT_FALSE(d.has_value());
  d = Date{2025, 10, 9};
  d.reset();
  EXPECT_EQ(d, OptionalDate());
}

TEST(Diagnostic, FileNamesInternedOnSeveralThreadsReadBack) {
  static_assert(sizeof(FileName) == 4);
  // Four threads intern names of their own and names all of them share, while reading back
  // what they interned (the loaders read tables on several threads).
  constexpr int kThreads = 4, kNames = 3000;
  std::vector<std::vector<FileName>> own(kThreads), shared(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kNames; ++i) {
        own[static_cast<std::size_t>(t)].emplace_back(fmt::format("own/{}/{}.csv", t, i));
        shared[static_cast<std::size_t>(t)].emplace_back(fmt::format("shared/{}.csv", i));
        if (own[static_cast<std::size_t>(t)].back().str() != fmt::format("own/{}/{}.csv", t, i)) std::abort();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kNames; ++i) {
      const auto ti = static_cast<std::size_t>(t), ii = static_cast<std::size_t>(i);
      ASSERT_EQ(own[ti][ii].str(), fmt::format("own/{}/{}.csv", t, i));
      ASSERT_EQ(shared[ti][ii].str(), fmt::format("shared/{}.csv", i));
      ASSERT_EQ(shared[ti][ii], shared[0][ii]);
    }
  }
  EXPECT_TRUE(FileName().empty());
  EXPECT_TRUE(FileName("").empty());
  EXPECT_EQ(FileName().str(), "");
}

TEST(Diagnostic, LocationsClipWhatTwelveBytesCannotHold) {
  static_assert(sizeof(SourceLocation) == 12);
  SourceLocation w("data/a.yaml", 12, 7, 5);
  EXPECT_EQ(w.file.str(), "data/a.yaml");
  EXPECT_EQ(w.line, 12);
  EXPECT_EQ(w.column, 7);
  EXPECT_EQ(w.length, 5);
  // The widest column kept, and one past it: unknown (no caret), not a wrong column.
  w.set_column(SourceLocation::kMaxColumn);
  EXPECT_EQ(w.column, SourceLocation::kMaxColumn);
  w.set_column(SourceLocation::kMaxColumn + 1);
  EXPECT_EQ(w.column, 0);
  // A caret longer than kept is clipped.
  w.set_length(5000);
  EXPECT_EQ(w.length, SourceLocation::kMaxLength);
  const SourceLocation far("t.csv", 3, 2'000'000, 1);
  EXPECT_EQ(far.column, 0);
  Diagnostic d{Severity::error, "E110", far, "a cell far along a long line", "a,b,c", {}};
  const std::string text = format_diagnostic_text(d, false);
  EXPECT_NE(text.find("t.csv:3: error[E110]"), std::string::npos) << text;
  EXPECT_EQ(text.find('^'), std::string::npos) << text;
}

TEST(Elements, RareEarthTableAndOxideFactors) {
  ASSERT_EQ(rare_earths().size(), 17u);
  // Factors quoted in the model spec.
  const auto factor = [](std::string_view s) {
    return rare_earths()[static_cast<std::size_t>(rare_earth_index(*parse_element(s)))].oxide_factor;
  };
  EXPECT_DOUBLE_EQ(factor("Dy"), 0.8713);
  EXPECT_DOUBLE_EQ(factor("Nd"), 0.8574);
  EXPECT_DOUBLE_EQ(factor("Tb"), 0.8502);
  EXPECT_DOUBLE_EQ(factor("Y"), 0.7874);
  EXPECT_DOUBLE_EQ(factor("Sc"), 0.6520);
  for (const auto& re : rare_earths()) {
    EXPECT_EQ(element_symbol(re.element), re.symbol);
    EXPECT_TRUE(is_rare_earth(re.element));
    EXPECT_GT(re.oxide_factor, 0.6);
    EXPECT_LT(re.oxide_factor, 0.9);
  }
  EXPECT_EQ(*parse_element("Fe"), 26);
  EXPECT_FALSE(is_rare_earth(26));
  EXPECT_FALSE(parse_element("DY"));
  EXPECT_FALSE(parse_element("Xx"));
}

// A limit per code keeps the first diagnostics of each code in the order found and counts the rest;
// appending lists keeps what the one list would have kept, on many random sequences.
TEST(Diagnostic, ALimitPerCodeKeepsTheFirstOfEachAndCountsTheRest) {
  std::mt19937 rng(11);
  for (int round = 0; round < 200; ++round) {
    const std::size_t limit = 1 + rng() % 4;
    const std::size_t count = rng() % 40;
    std::vector<Diagnostic> all;
    for (std::size_t i = 0; i < count; ++i) {
      const auto severity = rng() % 3 == 0 ? Severity::warning : Severity::error;
      all.push_back({severity, fmt::format("{}{}", severity == Severity::error ? 'E' : 'W', 200 + rng() % 4),
                     {"f.yaml", static_cast<int>(i + 1), 1, 1}, fmt::format("problem {}", i), {}, {}});
    }
    // What the limit should keep, by brute force.
    std::vector<Diagnostic> kept;
    std::map<std::string, std::size_t> seen;
    std::size_t errors = 0, warnings = 0;
    for (const Diagnostic& d : all) {
      if (++seen[d.code] <= limit) kept.push_back(d);
      (d.severity == Severity::error ? errors : warnings) += 1;
    }
    // One list, and the same diagnostics split at a random point into two lists appended.
    Diagnostics one(limit);
    for (const Diagnostic& d : all) one.add(d).notes.push_back("a note");
    const std::size_t split = count == 0 ? 0 : rng() % (count + 1);
    Diagnostics first(limit), second(limit);
    for (std::size_t i = 0; i < count; ++i) (i < split ? first : second).add(all[i]);
    Diagnostics joined(limit);
    joined.append(std::move(first));
    if (round % 2 == 0) joined.append(std::move(second));
    else joined.append(static_cast<const Diagnostics&>(second));
    for (const Diagnostics* d : {&one, &joined}) {
      ASSERT_EQ(d->items().size(), kept.size()) << round;
      for (std::size_t i = 0; i < kept.size(); ++i) EXPECT_EQ(d->items()[i].message, kept[i].message) << round;
      EXPECT_EQ(d->error_count(), errors) << round;
      EXPECT_EQ(d->warning_count(), warnings) << round;
      std::size_t omitted = 0;
      for (const OmittedDiagnostics& o : d->omitted()) {
        EXPECT_EQ(o.count, seen[o.code] - limit) << round << " " << o.code;
        omitted += o.count;
      }
      EXPECT_EQ(omitted, all.size() - kept.size()) << round;
      EXPECT_EQ(d->empty(), all.empty());
    }
    for (const Diagnostic& d : one.items()) EXPECT_EQ(d.notes, std::vector<std::string>{"a note"});
  }
  Diagnostics unlimited;
  for (int i = 0; i < 500; ++i) unlimited.error("E211", {"f.yaml", i + 1, 1, 1}, "unknown facility");
  EXPECT_EQ(unlimited.items().size(), 500u);
  EXPECT_TRUE(unlimited.omitted().empty());
}

TEST(Diagnostic, TextFormatHasLocationCodeCaretAndNote) {
  Diagnostic d{Severity::error, "E203", {"f.yaml", 42, 19, 9}, "unknown material 'ndpr-oxde'",
               "      - material: ndpr-oxde", {"did you mean 'ndpr-oxide'?"}};
  EXPECT_EQ(format_diagnostic_text(d, false),
            "f.yaml:42:19: error[E203]: unknown material 'ndpr-oxde'\n"
            "  42 |       - material: ndpr-oxde\n"
            "     |                   ^~~~~~~~~\n"
            "note: did you mean 'ndpr-oxide'?\n");
}

TEST(Diagnostic, GithubAnnotationEscapes) {
  Diagnostic d{Severity::warning, "W400", {"data/a,b.yaml", 3, 5, 2}, "100% sure\nreally", "", {}};
  EXPECT_EQ(format_diagnostic_github(d),
            "::warning file=data/a%2Cb.yaml,line=3,col=5,endColumn=7,title=W400::100%25 sure%0Areally");
}

TEST(Diagnostic, ColumnsCountCodePoints) {
  const std::string line = "name: \xc3\xa9t\xc3\xa9 x";   // "name: été x"
  EXPECT_EQ(byte_to_codepoint_column(line, 6), 7);
  EXPECT_EQ(byte_to_codepoint_column(line, 11), 10);
  EXPECT_EQ(token_length_at(line, 7), 5);   // "été x" up to the end
  EXPECT_EQ(token_length_at("k: 'quoted, text' # c", 4), 14);
  EXPECT_EQ(token_length_at("{a: [1, 2]}", 5), 1);
}

}  // namespace
}  // namespace chokepoint
