// The diagram command end to end: every view and format on the shipped datasets, through the
// binary, so that the report layer's DOT text is rendered by the render layer as users get it.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "render/tricky_dataset.hpp"
#include "render/xml_check.hpp"

namespace chokepoint {
namespace {

namespace fs = std::filesystem;

// One directory per process: CTest runs every test case in its own process, maybe in parallel.
struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("chokepoint-diagram-cli-" + std::to_string(::getpid()));
  Scratch() {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Scratch() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

fs::path scratch() {
  static const Scratch s;
  return s.dir;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Runs the binary with `args` (already shell-quoted); returns the exit code.
int run(const std::string& args) {
  const std::string command =
      std::string("'") + CHOKEPOINT_BINARY + "' " + args + " 2>'" + (scratch() / "stderr.txt").string() + "'";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string data(const std::string& name) {
  return "'" + (fs::path(CHOKEPOINT_SOURCE_DIR) / "data" / name).string() + "'";
}

std::string out(const std::string& file) { return (scratch() / file).string(); }

TEST(DiagramCli, EveryFormatRendersTheExample) {
  ASSERT_EQ(run("diagram " + data("example") + " -o " + out("ex.svg")), 0);
  const std::string svg = read(out("ex.svg"));
  const auto check = testing::check_xml(svg);
  ASSERT_TRUE(check.ok) << check.error;
  EXPECT_EQ(check.root, "svg");
  for (const char* title : {"f_bayan_obo", "f_cn_metal", "f_lynas_malaysia", "f_us_ev_motors"}) {
    EXPECT_NE(svg.find(std::string("<title>") + title + "</title>"), std::string::npos) << title;
  }
  EXPECT_NE(svg.find("class=\"node facility stage&#45;metal must&#45;pass\""), std::string::npos);

  ASSERT_EQ(run("diagram " + data("example") + " -o " + out("ex.png")), 0);
  EXPECT_EQ(read(out("ex.png")).rfind("\x89PNG", 0), 0u);
  ASSERT_EQ(run("diagram " + data("example") + " -o " + out("ex.pdf")), 0);
  EXPECT_EQ(read(out("ex.pdf")).rfind("%PDF-", 0), 0u);
  ASSERT_EQ(run("diagram " + data("example") + " -o " + out("ex.dot")), 0);
  EXPECT_EQ(read(out("ex.dot")).rfind("digraph chokepoint {", 0), 0u);
}

TEST(DiagramCli, CountryViewElementAndFocusRender) {
  ASSERT_EQ(run("diagram " + data("example") + " --view country -o " + out("country.svg")), 0);
  const std::string svg = read(out("country.svg"));
  EXPECT_TRUE(testing::check_xml(svg).ok);
  EXPECT_NE(svg.find("<title>c_CN_separation</title>"), std::string::npos);
  ASSERT_EQ(run("diagram " + data("example") + " --element Dy --focus us-ev-motors -o " + out("focus.svg")), 0);
  const std::string focus = read(out("focus.svg"));
  EXPECT_NE(focus.find("<title>f_us_ev_motors</title>"), std::string::npos);
  EXPECT_EQ(focus.find("<title>f_jp_industrial_motors</title>"), std::string::npos);
  EXPECT_NE(focus.find("min&#45;cut"), std::string::npos);
}

TEST(DiagramCli, ScenarioOverlayRenders) {
  const fs::path scenario = scratch() / "ban.yaml";
  std::ofstream(scenario) << "scenario: {id: dy-ban, title: Dy ban, as_of: 2026-06-01}\n"
                             "measures:\n"
                             "  - {id: ban, type: ban, issuer: CN, elements: [Dy], destinations: {only: [US]}, "
                             "effective: 2025-01-01}\n";
  ASSERT_EQ(run("diagram " + data("example") + " --scenario '" + scenario.string() + "' -o " + out("s.svg")), 0);
  const std::string svg = read(out("s.svg"));
  EXPECT_TRUE(testing::check_xml(svg).ok);
  EXPECT_NE(svg.find("class=\"edge link blocked\""), std::string::npos);
  EXPECT_NE(svg.find(">blocked</text>"), std::string::npos);
}

TEST(DiagramCli, UserTextSurvivesIntoTheSvgExactly) {
  const fs::path dataset = scratch() / "tricky.yaml";
  std::ofstream(dataset) << testing::kTrickyDataset;
  ASSERT_EQ(run("diagram '" + dataset.string() + "' -o " + out("tricky.svg")), 0);
  const std::string svg = read(out("tricky.svg"));
  const auto check = testing::check_xml(svg);
  ASSERT_TRUE(check.ok) << check.error;
  // The label is wrapped on two lines; the tooltip holds the whole name.
  EXPECT_NE(svg.find(R"(Mine &quot;A&quot; &amp; &lt;Sons&gt; \N)"), std::string::npos);
  EXPECT_NE(svg.find(R"(xlink:title="Mine &quot;A&quot; &amp; &lt;Sons&gt; \N back\slash Ünïcödé 稀土 \ (mine&#45;a))"),
            std::string::npos);
  ASSERT_EQ(run("diagram '" + dataset.string() + "' -o " + out("tricky.png")), 0);
  ASSERT_EQ(run("diagram '" + dataset.string() + "' -o " + out("tricky.pdf")), 0);
}

TEST(DiagramCli, BadRequestsAreUsageErrors) {
  EXPECT_EQ(run("diagram " + data("example") + " --focus no-such-facility -o " + out("x.svg")), 2);
  EXPECT_EQ(run("diagram " + data("example") + " --element Fe -o " + out("x.svg")), 2);
  EXPECT_EQ(run("diagram " + data("example") + " -o " + out("x.jpeg")), 2);
  EXPECT_FALSE(fs::exists(out("x.svg")));
}

TEST(DiagramCli, TheShippedDatasetRendersQuicklyInEveryView) {
  for (const char* args : {"", "--view country", "--element Dy", "--focus US", "--view country --element Tb"}) {
    const auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(run("diagram " + data("rare-earths") + " " + args + " -o " + out("re.svg")), 0) << args;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(seconds, 10.0) << args;
    EXPECT_TRUE(testing::check_xml(read(out("re.svg"))).ok) << args;
  }
}

}  // namespace
}  // namespace chokepoint
