#include <gtest/gtest.h>

#include "chokepoint/report/document.hpp"

namespace chokepoint {
namespace {

Document sample() {
  Document d;
  d.heading(1, "Concentration").paragraph("Shares of separation.");
  Table t{"shares", "Separation, Dy", {{"country", Align::left}, {"tonnes", Align::right}, {"share", Align::right}}, {}, "(none)"};
  t.rows.push_back({Cell::str("CN"), Cell::num(12345.678, 1), Cell::str(percent(0.9912))});
  t.rows.push_back({Cell::str("Côte, \"x\""), Cell::num(-0.0001, 1), Cell::str(percent(0.0088))});
  d.table(t);
  return d;
}

TEST(Document, TextAlignsColumnsAndGroupsThousands) {
  EXPECT_EQ(render_text(sample()),
            "Concentration\n"
            "=============\n"
            "\n"
            "Shares of separation.\n"
            "\n"
            "Separation, Dy\n"
            "  country      tonnes  share\n"
            "  ---------  --------  -----\n"
            "  CN         12,345.7  99.1%\n"
            "  Côte, \"x\"       0.0   0.9%\n");
}

TEST(Document, MarkdownTable) {
  const std::string md = render_markdown(sample());
  EXPECT_NE(md.find("# Concentration\n"), std::string::npos);
  EXPECT_NE(md.find("| country | tonnes | share |\n|---|---:|---:|\n| CN | 12,345.7 | 99.1% |\n"), std::string::npos);
}

TEST(Document, CsvQuotesAndKeepsPlainNumbers) {
  EXPECT_EQ(render_csv(sample()),
            "# shares\n"
            "country,tonnes,share\n"
            "CN,12345.7,99.1%\n"
            "\"Côte, \"\"x\"\"\",0.0,0.9%\n");
}

TEST(Document, FixedNeverPrintsMinusZero) {
  EXPECT_EQ(fixed(-0.00001, 2), "0.00");
  EXPECT_EQ(fixed(2.5, 0), "2");   // round half to even, as printf does
  EXPECT_EQ(percent(0.65), "65.0%");
}

}  // namespace
}  // namespace chokepoint
