#include "chokepoint/analysis/diff.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "chokepoint/load/loader.hpp"
#include "chokepoint/report/diff_report.hpp"

namespace chokepoint {
namespace {

namespace fs = std::filesystem;

/// A copy of data/example in a temporary directory, edited by text replacement.
class ExampleCopy {
 public:
  explicit ExampleCopy(const std::string& name)
      : dir_(fs::temp_directory_path() / ("chokepoint-diff-" + std::to_string(::getpid()) + "-" + name)) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::copy(fs::path(CHOKEPOINT_SOURCE_DIR) / "data/example", dir_, fs::copy_options::recursive);
  }
  ~ExampleCopy() { fs::remove_all(dir_); }
  ExampleCopy(const ExampleCopy&) = delete;
  ExampleCopy& operator=(const ExampleCopy&) = delete;

  void replace(const std::string& file, const std::string& from, const std::string& to) {
    std::ifstream in(dir_ / file);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string text = buffer.str();
    const std::size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    std::ofstream(dir_ / file) << text;
  }
  [[nodiscard]] DatasetLoad load() const { return load_dataset(dir_); }
  [[nodiscard]] std::string path() const { return dir_.string(); }

 private:
  fs::path dir_;
};

Dataset load_ok(const ExampleCopy& copy) {
  auto r = copy.load();
  if (!r.dataset) throw std::runtime_error("the edited copy does not load");
  return std::move(*r.dataset);
}

const FactChange* find_fact(const DatasetDiff& d, FactKind kind, const std::string& id) {
  for (const auto& f : d.facts) {
    if (f.kind == kind && f.id == id) return &f;
  }
  return nullptr;
}

TEST(Diff, IdenticalDatasetsChangeNothing) {
  ExampleCopy a("same-a"), b("same-b");
  const DatasetDiff d = diff_datasets(load_ok(a), load_ok(b));
  EXPECT_TRUE(d.facts.empty());
  EXPECT_TRUE(d.concentration.empty());
  EXPECT_TRUE(d.must_pass.empty());
  EXPECT_TRUE(d.dependencies.empty());
  for (std::size_t n : count_conditions(d, 0)) EXPECT_EQ(n, 0u);
}

TEST(Diff, FieldChangesCarryTheSourcesTheyCite) {
  ExampleCopy a("fields-a"), b("fields-b");
  b.replace("chain.yaml", "{material: ndpr-oxide, capacity: 4000, production: 2599",
            "{material: ndpr-oxide, capacity: 6000, production: 2599");
  b.replace("chain.yaml", "    notes: Distribution from MYB-22 Table 2 (Molycorp 2014); sums to 99.95%.\n",
            "    status: idle\n    notes: Distribution from MYB-22 Table 2 (Molycorp 2014); sums to 99.95%.\n");
  const DatasetDiff d = diff_datasets(load_ok(a), load_ok(b));
  const FactChange* sep = find_fact(d, FactKind::facility, "mp-separation");
  ASSERT_NE(sep, nullptr);
  EXPECT_EQ(sep->change, FactChangeType::modified);
  ASSERT_EQ(sep->fields.size(), 1u);
  EXPECT_EQ(sep->fields[0].field, "output ndpr-oxide capacity");
  EXPECT_EQ(sep->fields[0].old_value, "4000");
  EXPECT_EQ(sep->fields[0].new_value, "6000");
  EXPECT_EQ(sep->sources, std::vector<std::string>{"mp-fy25"});
  EXPECT_NE(sep->where.file.str().find("chain.yaml"), std::string::npos);
  EXPECT_GT(sep->where.line, 0);
  const FactChange* mine = find_fact(d, FactKind::facility, "mountain-pass");
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(mine->fields[0].field, "status");
  EXPECT_EQ(mine->fields[0].new_value, "idle");
  // An idle Mountain Pass produces nothing: US mine share of Nd goes to zero.
  bool moved = false;
  for (const auto& c : d.concentration) {
    if (c.stage != Stage::mine || c.element != rare_earth_index(*parse_element("Nd"))) continue;
    for (const auto& m : c.moves) moved |= m.country == "US" && m.new_share == 0 && m.old_share > 0;
  }
  EXPECT_TRUE(moved);
}

TEST(Diff, AddedAndRemovedFactsAndTheMetricsTheyMove) {
  ExampleCopy a("links-a"), b("links-b");
  // Without its own oxide, the US magnet plant depends on China for Nd and Pr.
  b.replace("chain.yaml", "  - {from: mp-separation, to: mp-independence, material: ndpr-oxide, source: mp-fy25}\n",
            "");
  b.replace("dataset.yaml", "  - {code: JP, name: Japan}\n",
            "  - {code: JP, name: Japan}\n  - {code: DE, name: Germany}\n");
  const DatasetDiff d = diff_datasets(load_ok(a), load_ok(b));
  const FactChange* link = find_fact(d, FactKind::link, "mp-separation -> mp-independence (ndpr-oxide)");
  ASSERT_NE(link, nullptr);
  EXPECT_EQ(link->change, FactChangeType::removed);
  const FactChange* de = find_fact(d, FactKind::country, "DE");
  ASSERT_NE(de, nullptr);
  EXPECT_EQ(de->change, FactChangeType::added);

  const int nd = rare_earth_index(*parse_element("Nd"));
  bool china_must_pass = false, metal_must_pass = false;
  for (const auto& c : d.must_pass) {
    if (c.consumer != "US" || c.element != nd || !c.added) continue;
    china_must_pass |= c.kind == MustPassChange::Kind::country && c.id == "CN";
    metal_must_pass |= c.kind == MustPassChange::Kind::facility && c.id == "cn-metal";
  }
  EXPECT_TRUE(china_must_pass);
  EXPECT_TRUE(metal_must_pass);
  bool critical = false;
  for (const auto& c : d.dependencies) {
    if (c.consumer == "US" && c.element == nd && c.stage == Stage::metal && c.country == "CN") {
      critical = c.new_critical && !c.old_critical;
      EXPECT_GT(c.new_share, c.old_share);
    }
  }
  EXPECT_TRUE(critical);
  const auto n = count_conditions(d, 0);
  EXPECT_GT(n[1], 0u);  // new-critical-dependency
  EXPECT_GT(n[3], 0u);  // new-must-pass-country
  EXPECT_GT(n[4], 0u);  // new-must-pass-facility
}

// Facts are merged id by id (both datasets' ids sorted), not gathered into maps: a link named
// twice (the same supplier, customer and material: an error on load, possible in a Dataset made
// in code) is told apart by its order, and each change is found under its own id.
TEST(Diff, RepeatedLinksAreToldApartByTheirOrder) {
  ExampleCopy copy("repeated");
  Dataset a = load_ok(copy);
  ASSERT_FALSE(a.links.empty());
  const Link first = a.links.front();
  Link again = first;
  again.volume = 7.0;
  again.share = std::nullopt;
  a.links.push_back(again);      // "#2"
  a.links.push_back(again);      // "#3"
  a.build_indexes();
  Dataset b = a;
  b.links[b.links.size() - 2].volume = 8.0;   // #2 changes
  b.links.pop_back();                         // #3 goes
  b.build_indexes();
  const std::string id = a.facilities[first.from].id + " -> " + a.facilities[first.to].id + " (" +
                         a.materials[first.material].id + ")";
  const DatasetDiff d = diff_datasets(a, b);
  std::vector<std::string> found;
  for (const auto& f : d.facts) {
    if (f.kind != FactKind::link) continue;
    found.push_back(f.id + (f.change == FactChangeType::modified ? " modified"
                            : f.change == FactChangeType::removed ? " removed"
                                                                   : " added"));
    for (const auto& c : f.fields) found.back() += " " + c.field + " " + c.old_value + "->" + c.new_value;
  }
  EXPECT_EQ(found, (std::vector<std::string>{id + " #3 removed", id + " #2 modified volume 7->8"}));
  EXPECT_TRUE(diff_datasets(a, a).facts.empty());
}

TEST(DiffReport, MarkdownAndJsonSayWhatFailed) {
  ExampleCopy a("report-a"), b("report-b");
  b.replace("chain.yaml", "  - {from: mp-separation, to: mp-independence, material: ndpr-oxide, source: mp-fy25}\n",
            "");
  DiffReport r;
  r.old_path = a.path();
  r.new_path = b.path();
  r.diff = diff_datasets(load_ok(a), load_ok(b));
  r.counts = count_conditions(*r.diff, 0);
  r.fail_on = {"new-must-pass-country"};
  EXPECT_TRUE(diff_fails(r));
  r.fail_on = {"validation"};
  EXPECT_FALSE(diff_fails(r));
  r.fail_on = {"new-critical-dependency", "validation"};
  const std::string md = render_markdown(diff_document(r));
  EXPECT_NE(md.find("# chokepoint diff: example 1.0 -> example 1.0"), std::string::npos);
  EXPECT_NE(md.find("| new-critical-dependency |"), std::string::npos);
  EXPECT_NE(md.find("| FAIL |"), std::string::npos);
  EXPECT_NE(md.find("| US | Nd | metal | CN |"), std::string::npos);
  EXPECT_NE(md.find("| link | removed | mp-separation -> mp-independence (ndpr-oxide) |"), std::string::npos);
  const auto j = diff_json(r);
  EXPECT_EQ(j["schema"], "chokepoint.diff/1");
  EXPECT_EQ(j["fails"], true);
  EXPECT_EQ(j["new"]["valid"], true);
  EXPECT_FALSE(j["metrics"]["must_pass"].empty());
  EXPECT_EQ(j["facts"][0]["kind"], "link");
}

TEST(DiffReport, InvalidNewIsReportedAndFailsOnlyWhenAsked) {
  ExampleCopy b("invalid-b");
  b.replace("chain.yaml", "material: ndpr-oxide, source: mp-fy25}", "material: ndpr-oxde, source: mp-fy25}");
  DatasetLoad loaded = b.load();
  ASSERT_FALSE(loaded.dataset);
  DiffReport r;
  r.old_path = "old";
  r.new_path = b.path();
  r.new_diagnostics = loaded.diagnostics;
  r.counts.assign(diff_conditions().size(), 0);
  r.counts[0] = loaded.diagnostics.error_count();
  EXPECT_FALSE(diff_fails(r));
  r.fail_on = {"validation"};
  EXPECT_TRUE(diff_fails(r));
  const std::string md = render_markdown(diff_document(r));
  EXPECT_NE(md.find("NEW does not validate"), std::string::npos);
  EXPECT_NE(md.find("error[E203]"), std::string::npos);
  EXPECT_EQ(diff_json(r)["new"]["valid"], false);
}

// Diagnostics the load counted past its limit per code are counted in the report too: the
// Markdown's "... and N more" includes them and JSON lists them by code.
TEST(DiffReport, DiagnosticsPastTheLimitAreCounted) {
  DiffReport r;
  r.old_path = "old";
  r.new_path = "new";
  r.new_diagnostics.set_limit(2);
  for (int i = 0; i < 5; ++i) r.new_diagnostics.error("E211", {"links.yaml", i + 1, 3, 1}, "unknown facility 'x'");
  r.counts.assign(diff_conditions().size(), 0);
  r.counts[0] = r.new_diagnostics.error_count();
  ASSERT_EQ(r.new_diagnostics.items().size(), 2u);
  const std::string md = render_markdown(diff_document(r));
  EXPECT_NE(md.find("... and 3 more (run chokepoint validate)"), std::string::npos) << md;
  const auto j = diff_json(r);
  EXPECT_EQ(j["new_diagnostics"].size(), 2u);
  ASSERT_EQ(j["omitted_diagnostics"].size(), 1u);
  EXPECT_EQ(j["omitted_diagnostics"][0]["code"], "E211");
  EXPECT_EQ(j["omitted_diagnostics"][0]["count"], 3);
}

}  // namespace
}  // namespace chokepoint
