#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "chokepoint/load/loader.hpp"
#include "testing/scratch_dir.hpp"

namespace chokepoint {
namespace {

namespace fs = std::filesystem;

constexpr const char* kHeader = R"(dataset: {name: t, version: "1", as_of: 2026-01-01}
sources:
  - {id: src, title: S}
countries:
  - {code: CN, name: China, wgi: -0.5, source: src}
  - {code: US, name: United States}
materials:
  - {id: conc, name: C, form: concentrate, basis: REO, composition: mixed}
  - {id: dy-oxide, name: Dy oxide, form: oxide, basis: REO, composition: {Dy: 1.0}}
  - {id: magnet, name: M, form: magnet, basis: product, composition: {Nd: 0.3, Dy: 0.02, Fe: 0.67, B: 0.01}}
)";

std::vector<std::string> codes(const DatasetLoad& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.items()) out.push_back(d.code);
  return out;
}

DatasetLoad load(const std::string& body, LoadOptions opt = {}) {
  return load_dataset_from_string(std::string(kHeader) + body, "t.yaml", opt);
}

TEST(Loader, LoadsTheExampleDataset) {
  auto r = load_dataset(fs::path(CHOKEPOINT_SOURCE_DIR) / "data/example", LoadOptions{.strict = true, .limits = {}});
  ASSERT_TRUE(r.dataset) << (r.diagnostics.empty() ? "" : r.diagnostics.items()[0].message);
  EXPECT_TRUE(r.diagnostics.empty());
  const Dataset& ds = *r.dataset;
  EXPECT_EQ(ds.info.name, "example");
  ASSERT_NE(ds.find_facility("lynas-malaysia"), kNone);
  const Facility& lynas = ds.facilities[ds.find_facility("lynas-malaysia")];
  EXPECT_EQ(ds.countries[lynas.country].code, "MY");
  EXPECT_EQ(ds.countries[lynas.owner()].code, "AU");
  EXPECT_EQ(lynas.stage, Stage::separation);
  // Files are read in sorted path order.
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_LT(r.files[0], r.files[1]);
}

TEST(Loader, StrictScalarsFollowYaml12) {
  // '010' is ten, not octal eight; 'NO' (Norway) is a string.
  auto r = load(R"(facilities:
  - id: m
    name: NO
    country: CN
    stage: mine
    outputs: [{material: conc, production: 010}]
    distribution: {Dy: 100}
)");
  ASSERT_TRUE(r.dataset) << codes(r).size();
  EXPECT_EQ(r.dataset->facilities[0].name, "NO");
  EXPECT_DOUBLE_EQ(*r.dataset->facilities[0].outputs[0].production, 10.0);
}

TEST(Loader, RejectsNonFiniteAndHugeNumbers) {
  for (const char* bad : {".inf", ".nan", "1e999", "0x10", "'12'", "yes", "~"}) {
    auto r = load(std::string("facilities:\n  - {id: m, name: M, country: CN, stage: mine, distribution: {Dy: 100}, "
                              "outputs: [{material: conc, production: ") + bad + "}]}\n");
    EXPECT_FALSE(r.dataset) << bad;
    EXPECT_EQ(codes(r), std::vector<std::string>{"E204"}) << bad;
  }
}

TEST(Loader, EmptyValueIsNotTheStringNull) {
  auto r = load("facilities:\n  - id: m\n    name:\n    country: CN\n    stage: mine\n");
  ASSERT_FALSE(r.dataset);
  ASSERT_FALSE(r.diagnostics.empty());
  const auto& d = r.diagnostics.items()[0];
  EXPECT_EQ(d.code, "E204");
  EXPECT_EQ(d.where.line, 13);  // on the key: an empty value's mark points at the next token
  EXPECT_EQ(d.where.column, 5);
}

TEST(Loader, ReportsEveryProblemInOneRun) {
  auto r = load(R"(facilities:
  - {id: a, name: A, country: XX, stage: mine, distribution: {Dy: 100}, outputs: [{material: nope, production: 1}]}
  - {id: b, name: B, country: CN, stage: separaton}
links:
  - {from: a, to: c, material: conc}
)");
  EXPECT_FALSE(r.dataset);
  auto c = codes(r);
  for (const char* want : {"E210", "E203", "E205", "E211"}) {
    EXPECT_NE(std::find(c.begin(), c.end(), want), c.end()) << want;
  }
}

TEST(Loader, CrlfAndBomKeepPositions) {
  std::string text = std::string("\xEF\xBB\xBF") + kHeader + "facilities:\r\n  - {id: m, name: M, country: QQ, stage: mine}\r\n";
  for (std::size_t p = 0; (p = text.find('\n', p)) != std::string::npos; p += 2) {
    if (p == 0 || text[p - 1] != '\r') text.insert(p, "\r");
  }
  auto r = load_dataset_from_string(text, "crlf.yaml");
  ASSERT_EQ(codes(r), std::vector<std::string>{"E210"});
  EXPECT_EQ(r.diagnostics.items()[0].where.line, 12);
  EXPECT_EQ(r.diagnostics.items()[0].where.column, 31);
  EXPECT_EQ(r.diagnostics.items()[0].source_line.back(), '}');
}

TEST(Loader, NonAsciiColumnsAreCodePoints) {
  auto r = load("facilities:\n  - {id: m, name: \"Dépôt\", country: QQ, stage: mine}\n");
  ASSERT_EQ(codes(r), std::vector<std::string>{"E210"});
  EXPECT_EQ(r.diagnostics.items()[0].where.column, 37);
}

TEST(Loader, LimitsGiveClearErrors) {
  LoadOptions opt;
  opt.limits.max_nodes_per_file = 50;
  EXPECT_EQ(codes(load("", opt)), std::vector<std::string>{"E104"});

  opt = {};
  opt.limits.max_file_bytes = 100;
  EXPECT_EQ(codes(load("", opt)), std::vector<std::string>{"E004"});

  opt = {};
  opt.limits.max_id_length = 8;
  auto r = load("facilities:\n  - {id: too-long-id, name: M, country: CN, stage: demand, "
                "demand: [{material: magnet, quantity: 1}]}\n", opt);
  EXPECT_EQ(codes(r), std::vector<std::string>{"E206"});

  opt = {};
  opt.limits.max_facilities = 1;
  r = load("facilities:\n  - {id: a, name: A, country: CN, stage: demand, demand: [{material: magnet, quantity: 1}]}\n"
           "  - {id: b, name: B, country: CN, stage: demand, demand: [{material: magnet, quantity: 1}]}\n",
           opt);
  EXPECT_EQ(codes(r), std::vector<std::string>{"E005"});

  opt = {};
  opt.limits.max_links = 1;
  r = load(R"(facilities:
  - {id: m, name: M, country: CN, stage: mine, distribution: {Dy: 100}, outputs: [{material: conc, production: 5}]}
  - {id: s, name: S, country: CN, stage: separation, outputs: [{material: dy-oxide, capacity: 5}]}
  - {id: t, name: T, country: US, stage: separation, outputs: [{material: dy-oxide, capacity: 5}]}
links:
  - {from: m, to: s, material: conc}
  - {from: m, to: t, material: conc}
)", opt);
  EXPECT_EQ(codes(r), std::vector<std::string>{"E005"});

  opt = {};
  opt.limits.max_total_bytes = 10;
  EXPECT_EQ(codes(load_dataset(fs::path(CHOKEPOINT_SOURCE_DIR) / "data/example", opt)),
            std::vector<std::string>{"E004"});
}

TEST(Loader, TooManyFilesInADirectory) {
  const test_support::ScratchDir scratch("many-files");
  const fs::path& dir = scratch.path();
  for (int i = 0; i < 5; ++i) std::ofstream(dir / ("f" + std::to_string(i) + ".yaml")) << "sources: []\n";
  LoadOptions opt;
  opt.limits.max_files = 4;
  auto r = load_dataset(dir, opt);
  EXPECT_EQ(codes(r), std::vector<std::string>{"E005"});
}

TEST(Loader, DirectoryAsFileAndMissingPath) {
  auto r = load_dataset("/nonexistent/chokepoint/path");
  EXPECT_EQ(codes(r), std::vector<std::string>{"E001"});
  r = load_dataset_from_string("", "empty.yaml");
  EXPECT_EQ(codes(r), std::vector<std::string>{"E107"});
}

TEST(Loader, HostileYamlNeverCrashes) {
  const std::vector<std::string> inputs = {",", "[", "{", "&a [*a]", "a: &a [*a, *a]", "? ", "!2", "[[:", "{:",
                                           "- - - -", std::string(5000, '['), std::string(300, '{'),
                                           "a: !!binary AAAA", "\t- x", "a: 1\n---\nb: 2", "%YAML 1.2\n---\na: 1",
                                           "a: |\n  x\n b", std::string("\x00\x01\x02", 3)};
  for (const auto& text : inputs) {
    auto r = load_dataset_from_string(text, "h.yaml");
    EXPECT_FALSE(r.dataset) << text.substr(0, 20);
    EXPECT_TRUE(r.diagnostics.has_errors()) << text.substr(0, 20);
  }
}

TEST(Loader, SameInputSameDiagnostics) {
  const std::string body = "facilities:\n  - {id: m, name: M, country: QQ, stage: mne}\n";
  auto a = load(body), b = load(body);
  ASSERT_EQ(a.diagnostics.items().size(), b.diagnostics.items().size());
  for (std::size_t i = 0; i < a.diagnostics.items().size(); ++i) {
    EXPECT_EQ(format_diagnostic_text(a.diagnostics.items()[i], false),
              format_diagnostic_text(b.diagnostics.items()[i], false));
  }
}

TEST(Loader, LinkSemantics) {
  auto r = load(R"(facilities:
  - {id: m, name: M, country: CN, stage: mine, distribution: {Dy: 100}, outputs: [{material: conc, production: 5}]}
  - {id: s, name: S, country: CN, stage: separation, outputs: [{material: dy-oxide, capacity: 5}]}
  - {id: d, name: D, country: US, stage: demand, demand: [{material: magnet, quantity: 2}]}
links:
  - {from: m, to: s, material: conc, since: 2020-01-01, until: 2025-04-17}
  - {from: s, to: d, material: dy-oxide}
)");
  ASSERT_TRUE(r.dataset);
  const Dataset& ds = *r.dataset;
  EXPECT_TRUE(ds.links[0].active_on(Date{2024, 1, 1}));
  EXPECT_FALSE(ds.links[0].active_on(Date{2025, 4, 17}));
  EXPECT_FALSE(ds.links[0].active_on(Date{2019, 12, 31}));
  EXPECT_EQ(ds.out_links(ds.find_facility("s")).size(), 1u);
  EXPECT_EQ(ds.capability(ds.find_facility("s")), std::vector<int>{11});   // Dy
  EXPECT_TRUE(ds.accepts(ds.find_facility("d"), ds.find_material("dy-oxide")));
}

// The compact fields (OptionalLocation, OptionalDate, RareVector) keep what was given and only that.
TEST(Loader, CompactFieldsKeepWhatWasGiven) {
  auto r = load(R"(facilities:
  - {id: m, name: M, country: CN, stage: mine, status_as_of: 2025-06-01, location: {lat: -0.0, lon: 109.9},
     distribution: {Dy: 100}, outputs: [{material: conc, production: 5}]}
  - {id: s, name: S, country: CN, stage: separation, elements: [Dy], inputs: [conc],
     outputs: [{material: dy-oxide, capacity: 5}]}
  - {id: d, name: D, country: US, stage: demand, demand: [{material: dy-oxide, quantity: 2}]}
links:
  - {from: m, to: s, material: conc, until: 2030-01-01}
  - {from: s, to: d, material: dy-oxide}
)");
  ASSERT_TRUE(r.dataset);
  const Dataset& ds = *r.dataset;
  const Facility& m = ds.facilities[ds.find_facility("m")];
  const Facility& s = ds.facilities[ds.find_facility("s")];
  const Facility& d = ds.facilities[ds.find_facility("d")];
  ASSERT_TRUE(m.location.has_value());
  EXPECT_EQ(m.location->lat, 0.0);
  EXPECT_EQ(m.location->lon, 109.9);
  EXPECT_FALSE(s.location.has_value());
  EXPECT_EQ(m.status_as_of, OptionalDate(Date{2025, 6, 1}));
  EXPECT_FALSE(s.status_as_of.has_value());
  EXPECT_TRUE(m.inputs.empty());
  EXPECT_EQ(s.inputs.vec(), std::vector<Index>{ds.find_material("conc")});
  EXPECT_EQ(s.elements.size(), 1u);
  EXPECT_TRUE(m.demand.empty());
  ASSERT_EQ(d.demand.size(), 1u);
  EXPECT_EQ(d.demand[0].quantity, 2.0);
  EXPECT_FALSE(ds.links[0].since.has_value());
  EXPECT_EQ(ds.links[0].until, OptionalDate(Date{2030, 1, 1}));
  EXPECT_FALSE(ds.links[1].until.has_value());
}

// The table "Default inputs when `inputs` is not given" of docs/data-format.md, form by form.
TEST(Loader, DefaultInputsFollowTheDocumentedTable) {
  const std::vector<std::pair<Stage, std::vector<Form>>> table{
      {Stage::mine, {}},
      {Stage::processing, {Form::ore, Form::concentrate}},
      {Stage::separation, {Form::ore, Form::concentrate, Form::mixed_compound, Form::scrap}},
      {Stage::metal, {Form::oxide, Form::metal}},
      {Stage::alloy, {Form::oxide, Form::metal, Form::alloy}},
      {Stage::magnet, {Form::oxide, Form::metal, Form::alloy}},
      {Stage::manufacturing, {Form::oxide, Form::metal, Form::alloy, Form::magnet, Form::product}},
      {Stage::recycling, {Form::scrap, Form::magnet, Form::product}},
      {Stage::demand, {Form::ore, Form::concentrate, Form::mixed_compound, Form::oxide, Form::metal, Form::alloy,
                       Form::magnet, Form::product, Form::scrap}},
  };
  ASSERT_EQ(table.size(), static_cast<std::size_t>(kStageCount));
  for (const auto& [stage, forms] : table) {
    for (int f = 0; f < kFormCount; ++f) {
      const Form form = static_cast<Form>(f);
      const bool listed = std::find(forms.begin(), forms.end(), form) != forms.end();
      EXPECT_EQ(accepts_by_default(stage, form), listed) << stage_name(stage) << " " << form_name(form);
    }
  }
}

}  // namespace
}  // namespace chokepoint
