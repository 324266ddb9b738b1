#include "chokepoint/report/dot.hpp"

#include <gtest/gtest.h>

namespace chokepoint {
namespace {

TEST(DotText, IdentifiersKeepOnlySafeCharacters) {
  EXPECT_EQ(dot_identifier("lynas-malaysia"), "lynas_malaysia");
  EXPECT_EQ(dot_identifier("a b\"c<d>"), "a_b_c_d_");
  EXPECT_EQ(dot_identifier("10x"), "_10x");
  EXPECT_EQ(dot_identifier(""), "_");
  EXPECT_EQ(dot_identifier("Dépôt"), "D__p__t");  // two bytes each: still only [A-Za-z0-9_]
}

TEST(DotText, LabelsEscapeQuotesAndBackslashes) {
  EXPECT_EQ(dot_label(R"(say "hi" \N)"), R"("say \"hi\" \\N")");
  EXPECT_EQ(dot_label("two\nlines"), R"("two\nlines")");
  EXPECT_EQ(dot_label("end\\"), R"("end\\")");
}

TEST(DotText, TooltipsQuadrupleBackslashesAndEscapeAmpersands) {
  // Graphviz unescapes a tooltip twice before the SVG; four backslashes come out as one.
  EXPECT_EQ(dot_tooltip(R"(a\N & "b")"), R"("a\\\\N &amp; \"b\"")");
  EXPECT_EQ(dot_tooltip("x\ny"), R"("x\ny")");
}

TEST(DotText, HtmlLabelTextIsXmlEscapedWithDoubledBackslashes) {
  EXPECT_EQ(html_label_text(R"(<b> & "q" 'a' \N)"), R"(&lt;b&gt; &amp; &quot;q&quot; &#39;a&#39; \\N)");
  EXPECT_EQ(html_label_text("Ünïcödé 稀土"), "Ünïcödé 稀土");
  EXPECT_EQ(xml_escape(std::string("a\x01z")), "az");
}

}  // namespace
}  // namespace chokepoint
