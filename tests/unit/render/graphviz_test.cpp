#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "chokepoint/render/diagram.hpp"
#include "render/xml_check.hpp"

namespace chokepoint {
namespace {

// What the report layer writes, in small: HTML labels with escaped user text, ids, classes and
// tooltips (backslashes quadrupled), clusters and a table legend.
constexpr const char* kDot = R"(digraph chokepoint {
  graph [charset="UTF-8", rankdir=LR, newrank=true, label=<<TABLE BORDER="0"><TR><TD>Legend &amp; &lt;key&gt;</TD></TR></TABLE>>];
  node [shape=box, style="rounded,filled", fontname="Helvetica,Arial,sans-serif"];
  subgraph cluster_0_mine {
    label=<<B>mine</B>>;
    f_mine_a [id="node_f_mine_a", class="facility must-pass", label=<<B>Mine &quot;A&quot; &amp; &lt;Sons&gt; \\N Ünïcödé</B>>, tooltip="every path \\\\N &amp; \"q\"", fillcolor="#8dd3c7", color="#d62728", penwidth=4];
  }
  subgraph cluster_1_separation {
    label=<<B>separation</B>>;
    f_sep_b [id="node_f_sep_b", class="facility", label=<Sep B>, fillcolor="#ffffb3;0.3:#8dd3c7", style="filled,striped"];
  }
  f_mine_a -> f_sep_b [id="link_0", class="link blocked", label="blocked", style=dashed];
}
)";

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

TEST(Render, SvgIsWellFormedAndKeepsIdsTitlesAndEscapedText) {
  const RenderResult r = render_dot(kDot, "dot", RenderFormat::svg);
  ASSERT_TRUE(r.ok) << (r.messages.empty() ? "" : r.messages.front());
  const auto check = testing::check_xml(r.output);
  ASSERT_TRUE(check.ok) << check.error;
  EXPECT_EQ(check.root, "svg");
  EXPECT_NE(r.output.find("<title>f_mine_a</title>"), std::string::npos);
  EXPECT_NE(r.output.find("<title>f_sep_b</title>"), std::string::npos);
  EXPECT_NE(r.output.find("id=\"node_f_mine_a\""), std::string::npos);
  EXPECT_NE(r.output.find("class=\"node facility must&#45;pass\""), std::string::npos);
  EXPECT_NE(r.output.find("id=\"link_0\""), std::string::npos);
  // The label and the tooltip show exactly the user's text: \N is not the node's name.
  EXPECT_NE(r.output.find(R"(Mine &quot;A&quot; &amp; &lt;Sons&gt; \N Ünïcödé)"), std::string::npos);
  EXPECT_NE(r.output.find(R"(xlink:title="every path \N &amp; &quot;q&quot;")"), std::string::npos);
  EXPECT_NE(r.output.find("Legend &amp; &lt;key&gt;"), std::string::npos);
}

TEST(Render, PngAndPdfHaveTheirMagicBytes) {
  const RenderResult png = render_dot(kDot, "dot", RenderFormat::png);
  ASSERT_TRUE(png.ok);
  EXPECT_TRUE(starts_with(png.output, "\x89PNG\r\n\x1a\n"));
  const RenderResult pdf = render_dot(kDot, "dot", RenderFormat::pdf);
  ASSERT_TRUE(pdf.ok);
  EXPECT_TRUE(starts_with(pdf.output, "%PDF-"));
}

TEST(Render, SfdpLaysOutToo) {
  const RenderResult r = render_dot("digraph g { a -> b; b -> c; c -> a; }", "sfdp", RenderFormat::svg);
  ASSERT_TRUE(r.ok);
  EXPECT_NE(r.output.find("<title>c</title>"), std::string::npos);
}

TEST(Render, DotFormatReturnsTheTextUntouched) {
  const RenderResult r = render_dot(kDot, "dot", RenderFormat::dot);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.output, kDot);
}

TEST(Render, ErrorsAreCapturedNotPrinted) {
  ::testing::internal::CaptureStderr();
  ::testing::internal::CaptureStdout();
  const RenderResult syntax = render_dot("digraph { a -> ; }", "dot", RenderFormat::svg);
  const RenderResult engine = render_dot("digraph { a -> b; }", "no-such-engine", RenderFormat::svg);
  const RenderResult html = render_dot("digraph { a [label=<<B>unclosed>]; }", "dot", RenderFormat::svg);
  const std::string err = ::testing::internal::GetCapturedStderr();
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_FALSE(syntax.ok);
  EXPECT_FALSE(syntax.messages.empty());
  EXPECT_FALSE(engine.ok);
  EXPECT_FALSE(engine.messages.empty());
  EXPECT_TRUE(html.ok);  // Graphviz falls back to a plain label, and says so
  EXPECT_FALSE(html.messages.empty());
  EXPECT_EQ(err, "");
  EXPECT_EQ(out, "");
}

TEST(Render, ConcurrentCallsAreSerialised) {
  std::vector<std::thread> threads;
  std::vector<int> ok(6, 0);
  for (std::size_t i = 0; i < ok.size(); ++i) {
    threads.emplace_back([&, i] {
      const RenderResult r = render_dot(kDot, "dot", i % 2 ? RenderFormat::svg : RenderFormat::png);
      ok[i] = r.ok && !r.output.empty();
    });
  }
  for (auto& t : threads) t.join();
  for (int x : ok) EXPECT_EQ(x, 1);
}

TEST(Render, FormatsParseFromNamesAndExtensions) {
  EXPECT_EQ(parse_render_format(".SVG"), RenderFormat::svg);
  EXPECT_EQ(parse_render_format("png"), RenderFormat::png);
  EXPECT_EQ(parse_render_format(".pdf"), RenderFormat::pdf);
  EXPECT_EQ(parse_render_format("gv"), RenderFormat::dot);
  EXPECT_FALSE(parse_render_format(".jpeg"));
  EXPECT_FALSE(graphviz_version().empty());
}

}  // namespace
}  // namespace chokepoint
