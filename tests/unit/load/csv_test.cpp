
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>
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
  - {code: CN, name: China}
  - {code: US, name: United States}
  - {code: JP, name: Japan}
materials:
  - {id: conc, name: C, form: concentrate, basis: REO, composition: mixed}
  - {id: dy-oxide, name: Dy oxide, form: oxide, basis: REO, composition: {Dy: 1.0}}
)";

constexpr const char* kFacilitiesYaml = R"(facilities:
  - id: mine-a
    name: "Mine A, North"
    operator: 'Op "Q"'
    country: CN
    owner_country: US
    stage: mine
    status: ramping
    status_as_of: 2025-06-01
    recovery: 0.9
    technology_origin: JP
    location: {lat: 41.5, lon: 109.9}
    notes: two words
    outputs:
      - {material: conc, capacity: 100, production: 80, year: 2024, source: src}
    distribution: {Dy: 40, Tb: 60}
  - id: sep-b
    name: Sep B
    country: US
    stage: separation
    outputs:
      - {material: dy-oxide, production: 5}
  - id: sink
    name: Sink
    country: JP
    stage: demand
    priority: 2
    demand:
      - {material: dy-oxide, quantity: 3, year: 2025}
links:
  - {from: mine-a, to: sep-b, material: conc, volume: 70, status: active, since: 2020-01-01, until: 2030-01-01, source: src, notes: "a, b"}
  - {from: sep-b, to: sink, material: dy-oxide, share: 0.5}
)";

constexpr const char* kFacilitiesCsv =
    "id,name,operator,country,owner_country,stage,status,status_as_of,recovery,priority,technology_origin,lat,lon,notes\r\n"
    "mine-a,\"Mine A, North\",\"Op \"\"Q\"\"\",CN,US,mine,ramping,2025-06-01,0.9,,JP,41.5,109.9,two words\r\n"
    "sep-b,Sep B,,US,,separation,,,,,,,,\r\n"
    "sink,Sink,,JP,,demand,,,,2,,,,\r\n";
constexpr const char* kOutputsCsv =
    "facility,material,capacity,production,year,source\n"
    "mine-a,conc,100,80,2024,src\n"
    "sep-b,dy-oxide,,5,,\n";
constexpr const char* kDemandCsv = "facility,material,quantity,year,source\nsink,dy-oxide,3,2025,\n";
constexpr const char* kDistributionCsv = "facility,element,percent\nmine-a,Dy,40\nmine-a,Tb,60\n";
constexpr const char* kLinksCsv =
    "from,to,material,volume,share,status,since,until,source,notes\n"
    "mine-a,sep-b,conc,70,,active,2020-01-01,2030-01-01,src,\"a, b\"\n"
    "sep-b,sink,dy-oxide,,0.5,,,,,\n";

class CsvTables : public ::testing::Test {
 protected:

  void write(const std::string& name, const std::string& text) {
    std::ofstream out(dir_ / name, std::ios::binary);
    out << text;
  }
  /// A dataset of the YAML header plus the given CSV files, with the YAML facilities if asked.
  DatasetLoad load(const std::vector<std::pair<std::string, std::string>>& tables, LoadOptions opt = {}) {
    write("dataset.yaml", kHeader);
    for (const auto& [name, text] : tables) write(name, text);
    return load_dataset(dir_, opt);
  }
  /// Loads a dataset whose facilities.csv is the given body plus a header, and returns the first diagnostic.
  Diagnostic first_problem(const std::vector<std::pair<std::string, std::string>>& tables) {
    auto r = load(tables);
    EXPECT_FALSE(r.diagnostics.empty());
    if (r.diagnostics.empty()) return {};
    return r.diagnostics.items().front();
  }
  std::string where(const Diagnostic& d) const {
    return fs::path(d.where.file.str()).filename().string() + ":" + std::to_string(d.where.line) + ":" +
           std::to_string(d.where.column);
  }

  test_support::ScratchDir scratch_{"csv"};
  const fs::path& dir_ = scratch_.path();
};

void expect_same(const Dataset& a, const Dataset& b) {
  ASSERT_EQ(a.facilities.size(), b.facilities.size());
  for (std::size_t i = 0; i < a.facilities.size(); ++i) {
    const Facility& x = a.facilities[i];
    const Facility& y = b.facilities[i];
    SCOPED_TRACE(x.id);
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.operator_name, y.operator_name);
    EXPECT_EQ(x.country, y.country);
    EXPECT_EQ(x.owner_country, y.owner_country);
    EXPECT_EQ(x.stage, y.stage);
    EXPECT_EQ(x.status, y.status);
    EXPECT_EQ(x.status_as_of, y.status_as_of);
    EXPECT_EQ(x.recovery, y.recovery);
    EXPECT_EQ(x.priority, y.priority);
    EXPECT_EQ(x.technology_origin, y.technology_origin);
    EXPECT_EQ(x.location.has_value(), y.location.has_value());
    if (x.location && y.location) {
      EXPECT_EQ(x.location->lat, y.location->lat);
      EXPECT_EQ(x.location->lon, y.location->lon);
    }
    EXPECT_EQ(x.notes, y.notes);
    EXPECT_EQ(x.has_distribution, y.has_distribution);
    EXPECT_EQ(x.distribution, y.distribution);
    ASSERT_EQ(x.outputs.size(), y.outputs.size());
    for (std::size_t k = 0; k < x.outputs.size(); ++k) {
      EXPECT_EQ(x.outputs[k].material, y.outputs[k].material);
      EXPECT_EQ(x.outputs[k].capacity, y.outputs[k].capacity);
      EXPECT_EQ(x.outputs[k].production, y.outputs[k].production);
      EXPECT_EQ(x.outputs[k].provenance.year, y.outputs[k].provenance.year);
      EXPECT_EQ(x.outputs[k].provenance.source, y.outputs[k].provenance.source);
    }
    ASSERT_EQ(x.demand.size(), y.demand.size());
    for (std::size_t k = 0; k < x.demand.size(); ++k) {
      EXPECT_EQ(x.demand[k].material, y.demand[k].material);
      EXPECT_EQ(x.demand[k].quantity, y.demand[k].quantity);
      EXPECT_EQ(x.demand[k].provenance.year, y.demand[k].provenance.year);
    }
  }
  ASSERT_EQ(a.links.size(), b.links.size());
  for (std::size_t i = 0; i < a.links.size(); ++i) {
    const Link& x = a.links[i];
    const Link& y = b.links[i];
    EXPECT_EQ(x.from, y.from);
    EXPECT_EQ(x.to, y.to);
    EXPECT_EQ(x.material, y.material);
    EXPECT_EQ(x.volume, y.volume);
    EXPECT_EQ(x.share, y.share);
    EXPECT_EQ(x.status, y.status);
    EXPECT_EQ(x.since, y.since);
    EXPECT_EQ(x.until, y.until);
    EXPECT_EQ(x.source, y.source);
    EXPECT_EQ(x.notes, y.notes);
  }
}

TEST_F(CsvTables, LoadToTheSameDatasetAsYaml) {
  auto yaml = load_dataset_from_string(std::string(kHeader) + kFacilitiesYaml, "t.yaml");
  ASSERT_TRUE(yaml.dataset) << (yaml.diagnostics.empty() ? "" : yaml.diagnostics.items()[0].message);
  auto r = load({{"facilities.csv", kFacilitiesCsv},
                 {"outputs.csv", kOutputsCsv},
                 {"demand.csv", kDemandCsv},
                 {"distribution.csv", kDistributionCsv},
                 {"links.csv", kLinksCsv}});
  ASSERT_TRUE(r.dataset) << (r.diagnostics.empty() ? "" : where(r.diagnostics.items()[0]) + " " + r.diagnostics.items()[0].message);
  EXPECT_TRUE(r.diagnostics.empty());
  expect_same(*r.dataset, *yaml.dataset);
  const Facility& mine = r.dataset->facilities[r.dataset->find_facility("mine-a")];
  EXPECT_EQ(mine.name, "Mine A, North");
  EXPECT_EQ(mine.operator_name, "Op \"Q\"");
  EXPECT_EQ(r.dataset->links[0].notes, "a, b");
  EXPECT_EQ(mine.where.line, 2);
}

TEST_F(CsvTables, CsvRowsJoinYamlFacilities) {
  // Outputs in CSV for a facility defined in YAML; links in CSV between YAML facilities.
  write("facilities.yaml", R"(facilities:
  - {id: m, name: M, country: CN, stage: mine, distribution: {Dy: 100}}
  - {id: s, name: S, country: US, stage: separation, outputs: [{material: dy-oxide, production: 1}]}
)");
  auto r = load({{"outputs.csv", "facility,material,production\nm,conc,10\n"}, {"links.csv", "from,to,material\nm,s,conc\n"}});
  ASSERT_TRUE(r.dataset) << (r.diagnostics.empty() ? "" : r.diagnostics.items()[0].message);
  const Dataset& ds = *r.dataset;
  ASSERT_EQ(ds.facilities[ds.find_facility("m")].outputs.size(), 1u);
  EXPECT_EQ(ds.facilities[ds.find_facility("m")].outputs[0].production, 10.0);
  ASSERT_EQ(ds.links.size(), 1u);
  EXPECT_EQ(ds.links[0].to, ds.find_facility("s"));
}

TEST_F(CsvTables, RowsJoinFacilitiesDefinedInFilesThatSortAfterThem) {
  // Paths sort a/ before b/ before z-...: the rows' tables come before every facility definition,
  // yet load the same as when the definitions come first.
  fs::create_directories(dir_ / "a");
  fs::create_directories(dir_ / "b");
  fs::create_directories(dir_ / "a" / "x");
  write("a/outputs.csv", kOutputsCsv);
  write("a/demand.csv", kDemandCsv);
  write("a/distribution.csv", kDistributionCsv);
  write("a/links.csv", kLinksCsv);
  write("b/facilities.csv", kFacilitiesCsv);
  write("z-more.yaml", R"(facilities:
  - {id: late, name: Late, country: CN, stage: mine}
)");
  auto r = load({{"a/links.csv", std::string(kLinksCsv) + "late,sep-b,conc,1,,,,,,\n"},
                 {"a/x/outputs.csv", "facility,material,capacity\nlate,conc,7\n"},
                 {"a/x/distribution.csv", "facility,element,percent\nlate,Dy,100\n"}});
  ASSERT_TRUE(r.dataset) << (r.diagnostics.empty() ? "" : where(r.diagnostics.items()[0]) + " " + r.diagnostics.items()[0].message);
  const Dataset& ds = *r.dataset;
  auto yaml = load_dataset_from_string(std::string(kHeader) + kFacilitiesYaml, "t.yaml");
  ASSERT_TRUE(yaml.dataset);
  const Facility& mine = ds.facilities[ds.find_facility("mine-a")];
  const Facility& mine_yaml = yaml.dataset->facilities[yaml.dataset->find_facility("mine-a")];
  EXPECT_EQ(mine.distribution, mine_yaml.distribution);
  ASSERT_EQ(mine.outputs.size(), 1u);
  EXPECT_EQ(mine.outputs[0].production, 80.0);
  const Facility& late = ds.facilities[ds.find_facility("late")];
  ASSERT_EQ(late.outputs.size(), 1u);
  EXPECT_EQ(late.outputs[0].capacity, 7.0);
  EXPECT_EQ(late.distribution[static_cast<std::size_t>(rare_earth_index(*parse_element("Dy")))], 100.0);
  ASSERT_EQ(ds.links.size(), 3u);
  EXPECT_EQ(ds.links[2].from, ds.find_facility("late"));
}

TEST_F(CsvTables, QuotedFieldsMayHoldLineBreaks) {
  auto r = load({{"facilities.csv", "id,name,country,stage,notes\nm,M,CN,mine,\"line one\nline two\"\nn,N,CN,mne,\n"},
                 {"distribution.csv", "facility,element,percent\nm,Dy,100\n"}});
  ASSERT_FALSE(r.diagnostics.empty());
  const Diagnostic& d = r.diagnostics.items().front();
  EXPECT_EQ(d.code, "E205");
  EXPECT_EQ(where(d), "facilities.csv:4:8");   // physical lines count, the quoted break included
  EXPECT_EQ(d.source_line, "n,N,CN,mne,");
  EXPECT_EQ(d.where.length, 3);
  ASSERT_FALSE(d.notes.empty());
  EXPECT_EQ(d.notes[0], "did you mean 'mine'?");
}

TEST_F(CsvTables, ColumnsCountCodePoints) {
  auto d = first_problem({{"facilities.csv", "id,name,country,stage\nm,Café «x»,CN,mnie\n"}});
  EXPECT_EQ(d.code, "E205");
  EXPECT_EQ(where(d), "facilities.csv:2:15");
}

struct ErrorCase {
  const char* name;
  const char* file;
  const char* text;
  const char* code;
  const char* where;
  const char* message;
};

class CsvErrors : public CsvTables, public ::testing::WithParamInterface<ErrorCase> {};

TEST_P(CsvErrors, ReportTheCell) {
  const ErrorCase& c = GetParam();
  auto r = load({{c.file, c.text}});
  EXPECT_FALSE(r.dataset);
  bool found = false;
  for (const auto& d : r.diagnostics.items()) {
    if (d.code != c.code) continue;
    found = true;
    EXPECT_EQ(where(d), c.where);
    EXPECT_EQ(d.message, c.message);
    break;
  }
  EXPECT_TRUE(found) << "no " << c.code << "; first: "
                     << (r.diagnostics.empty() ? "" : r.diagnostics.items()[0].code + " " + r.diagnostics.items()[0].message);
}

const ErrorCase kErrors[] = {
    {"UnknownColumn", "facilities.csv", "id,name,country,stag\n", "E201", "facilities.csv:1:17",
     "unknown column 'stag' in facilities.csv"},
    {"MissingColumn", "links.csv", "from,to\n", "E202", "links.csv:1:1", "links.csv is missing required column 'material'"},
    {"EmptyRequiredCell", "facilities.csv", "id,name,country,stage\nm,,CN,mine\n", "E202", "facilities.csv:2:3",
     "a facility is missing required 'name' (the cell is empty)"},
    {"NotANumber", "facilities.csv", "id,name,country,stage,recovery\nm,M,CN,mine,high\n", "E204", "facilities.csv:2:13",
     "recovery must be a decimal number, got 'high'"},
    {"Infinity", "outputs.csv", "facility,material,capacity\nm,conc,inf\n", "E204", "outputs.csv:2:8",
     "capacity must be a decimal number, got 'inf'"},
    {"SpacedNumber", "outputs.csv", "facility,material,capacity\nm,conc, 5\n", "E204", "outputs.csv:2:8",
     "capacity must be a decimal number, got ' 5'"},
    {"Overflow", "outputs.csv", "facility,material,capacity\nm,conc,1e999\n", "E204", "outputs.csv:2:8",
     "capacity '1e999' is out of range for a number"},
    {"BadYear", "outputs.csv", "facility,material,capacity,year\nm,conc,1,2024.5\n", "E204", "outputs.csv:2:10",
     "year must be a decimal integer, got '2024.5'"},
    {"Negative", "outputs.csv", "facility,material,capacity\nm,conc,-1\n", "E300", "outputs.csv:2:8",
     "capacity is negative (-1)"},
    {"TooLarge", "links.csv", "from,to,material,volume\na,b,conc,2.5e12\n", "E301", "links.csv:2:10",
     "volume 2.5e+12 is above 1e+12 tonnes a year, the largest amount a dataset may hold"},
    {"BadEnum", "links.csv", "from,to,material,status\na,b,conc,activ\n", "E205", "links.csv:2:10",
     "unknown link status 'activ'"},
    {"BadId", "facilities.csv", "id,name,country,stage\nMine_A,M,CN,mine\n", "E206", "facilities.csv:2:1",
     "facility id 'Mine_A' must be lower-case kebab-case (a-z, 0-9 and single '-')"},
    {"DuplicateId", "facilities.csv", "id,name,country,stage\nm,M,CN,mine\nm,M,CN,mine\n", "E207", "facilities.csv:3:1",
     "duplicate facility id 'm'"},
    {"BadDate", "links.csv", "from,to,material,since\na,b,conc,2024-02-30\n", "E208", "links.csv:2:10",
     "since '2024-02-30' is not an ISO date (YYYY-MM-DD) on the calendar"},
    {"UnknownCountry", "facilities.csv", "id,name,country,stage\nm,M,CX,mine\n", "E210", "facilities.csv:2:5",
     "unknown country 'CX'"},
    {"UnknownFacility", "outputs.csv", "facility,material,capacity\nnowhere,conc,1\n", "E211", "outputs.csv:2:1",
     "unknown facility 'nowhere'"},
    {"UnknownMaterial", "links.csv", "from,to,material\na,b,cnc\n", "E203", "links.csv:2:5",
     "unknown material 'cnc'"},
    {"UnknownElement", "distribution.csv", "facility,element,percent\nm,Fe,100\n", "E213", "distribution.csv:2:3",
     "'Fe' is not a rare-earth element"},
    {"LatOutOfRange", "facilities.csv", "id,name,country,stage,lat,lon\nm,M,CN,mine,95,0\n", "E301",
     "facilities.csv:2:13", "lat 95 is outside -90..90"},
    {"LonMissing", "facilities.csv", "id,name,country,stage,lat,lon\nm,M,CN,mine,45,\n", "E202", "facilities.csv:2:13",
     "a location needs both 'lat' and 'lon'; 'lon' is empty"},
    {"VolumeAndShare", "links.csv", "from,to,material,volume,share\na,b,conc,1,0.5\n", "E312", "links.csv:2:12",
     "a link gives 'volume' or 'share', not both"},
    {"UntilBeforeSince", "links.csv", "from,to,material,since,until\na,b,conc,2024-01-01,2023-01-01\n", "E315",
     "links.csv:2:21", "until 2023-01-01 is not after since 2024-01-01"},
    {"ProductionAboveCapacity", "outputs.csv", "facility,material,capacity,production\nm,conc,1,2\n", "E303",
     "outputs.csv:2:10", "production 2 is above capacity 1"},
    {"NoFigure", "outputs.csv", "facility,material,year\nm,conc,2024\n", "E202", "outputs.csv:2:1",
     "an output needs 'capacity' or 'production' (or both)"},
    {"UnknownDistributionFacility", "distribution.csv", "facility,element,percent\nm,Dy,50\n", "E211", "distribution.csv:2:1",
     "unknown facility 'm'"},
    {"DuplicateColumn", "links.csv", "from,to,material,to\n", "E101", "links.csv:1:18", "duplicate column 'to'"},
    {"Unterminated", "links.csv", "from,to,material,notes\na,b,conc,\"open\n", "E110", "links.csv:2:10",
     "unterminated quoted field (a '\"' is missing)"},
    {"QuoteInField", "links.csv", "from,to,material,notes\na,b,conc,x\"y\n", "E110", "links.csv:2:11",
     "a quote inside an unquoted field"},
    {"TextAfterQuote", "links.csv", "from,to,material,notes\na,b,conc,\"x\"y\n", "E110", "links.csv:2:13",
     "text after the closing quote of a field"},
    {"FieldCount", "links.csv", "from,to,material\na,b\n", "E110", "links.csv:2:1",
     "this row has 2 fields; the header has 3"},
    {"BareCarriageReturn", "links.csv", "from,to,material\ra,b,c\n", "E110", "links.csv:1:17",
     "a carriage return that does not end a line (CR without LF)"},
    {"InvalidUtf8", "links.csv", "from,to,material\na,\xff,c\n", "E108", "links.csv:2:3",
     "file is not valid UTF-8 (is it a binary file?)"},
    {"Empty", "links.csv", "", "E107", "links.csv:0:0", "file is empty (a CSV table needs a header row)"},
};

INSTANTIATE_TEST_SUITE_P(Csv, CsvErrors, ::testing::ValuesIn(kErrors),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST_F(CsvTables, DistributionMustSumToHundred) {
  auto r = load({{"facilities.csv", "id,name,country,stage\nm,M,CN,mine\n"},
                 {"outputs.csv", "facility,material,production\nm,conc,1\n"},
                 {"distribution.csv", "facility,element,percent\nm,Dy,50\nm,Tb,20\nm,Dy,10\n"}});
  std::vector<std::string> found;
  for (const auto& d : r.diagnostics.items()) found.push_back(d.code + " " + where(d) + " " + d.message);
  EXPECT_EQ(found, (std::vector<std::string>{
                       "E207 distribution.csv:4:3 a second distribution row for Dy of 'm'",
                       "E302 distribution.csv:2:1 distribution of 'm' sums to 70%; it must sum to 100 (+-1)"}));
}

// The links' own checks run in two halves on two threads (check_semantics); the diagnostics still
// come in link order, with a repeated link's after its own.
TEST_F(CsvTables, LinkChecksPointAtCells) {
  auto r = load({{"facilities.csv", "id,name,country,stage\nm,M,CN,mine\ns,S,US,separation\n"},
                 {"outputs.csv", "facility,material,production\nm,conc,1\ns,dy-oxide,1\n"},
                 {"distribution.csv", "facility,element,percent\nm,Dy,100\n"},
                 {"links.csv", "from,to,material\nm,s,dy-oxide\nm,m,conc\nm,s,conc\nm,s,dy-oxide\n"}});
  std::vector<std::string> found;
  for (const auto& d : r.diagnostics.items()) found.push_back(d.code + " " + where(d));
  EXPECT_EQ(found, (std::vector<std::string>{"E304 links.csv:2:5", "E305 links.csv:2:5", "E309 links.csv:3:3",
                                             "E305 links.csv:3:5", "E304 links.csv:5:5", "E305 links.csv:5:5",
                                             "E316 links.csv:5:1"}));
}

// The first links.csv is read on a second thread while the other files are read (load_dataset):
// its links must still come in file order, after YAML links and before a later links.csv, and
// its cells must still be found for the diagnostics raised when ids are resolved at the end.
TEST_F(CsvTables, LinksReadBesideTheOtherFilesKeepFileOrderAndPositions) {
  write("facilities.yaml", R"(facilities:
  - {id: m, name: M, country: CN, stage: mine, distribution: {Dy: 100}, outputs: [{material: conc, production: 9}]}
  - {id: s1, name: S1, country: US, stage: separation, outputs: [{material: dy-oxide, production: 1}]}
  - {id: s2, name: S2, country: US, stage: separation, outputs: [{material: dy-oxide, production: 1}]}
  - {id: s3, name: S3, country: JP, stage: separation, outputs: [{material: dy-oxide, production: 1}]}
links:
  - {from: m, to: s1, material: conc}
)");
  fs::create_directories(dir_ / "sub");
  auto ok = load({{"links.csv", "from,to,material,volume\nm,s2,conc,2\n"},
                  {"outputs.csv", "facility,material,production\n"},
                  {"sub/links.csv", "from,to,material,volume\nm,s3,conc,3\n"}});
  ASSERT_TRUE(ok.dataset) << (ok.diagnostics.empty() ? "" : where(ok.diagnostics.items()[0]) + " " + ok.diagnostics.items()[0].message);
  const Dataset& ds = *ok.dataset;
  ASSERT_EQ(ds.links.size(), 3u);
  EXPECT_EQ(ds.facilities[ds.links[0].to].id, "s1");
  EXPECT_EQ(ds.facilities[ds.links[1].to].id, "s2");
  EXPECT_EQ(ds.facilities[ds.links[2].to].id, "s3");
  EXPECT_EQ(ds.links[1].volume, 2.0);
  EXPECT_EQ(ds.links[1].where.file.str(), (dir_ / "links.csv").generic_string());
  EXPECT_EQ(ds.links[1].where.line, 2);

  // Unknown ids in both tables, resolved after every file is read, point at their own cells.
  auto bad = load({{"links.csv", "from,to,material\nm,s2,conc\nm,ghost,conc\n"},
                   {"outputs.csv", "facility,material,production\nnobody,conc,1\n"},
                   {"sub/links.csv", "from,to,material\nm,s3,conc\nwho,s1,conc\n"}});
  EXPECT_FALSE(bad.dataset);
  std::vector<std::string> found;
  for (const auto& d : bad.diagnostics.items()) {
    const std::string file = fs::relative(d.where.file.str(), dir_).generic_string();
    found.push_back(d.code + " " + file + ":" + std::to_string(d.where.line) + ":" + std::to_string(d.where.column) +
                    " " + d.source_line);
  }
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, (std::vector<std::string>{"E211 links.csv:3:3 m,ghost,conc", "E211 outputs.csv:2:1 nobody,conc,1",
                                             "E211 sub/links.csv:3:1 who,s1,conc"}));
}

// A broken table can make an error of every reference: with a limit per code, the load keeps the
// first of each code in the order an unlimited load finds them (links.csv is read beside the other
// files, its diagnostics joined in file order) and counts the rest.
TEST_F(CsvTables, ALimitPerCodeKeepsWhatAnUnlimitedLoadFindsFirst) {
  write("facilities.yaml", R"(facilities:
  - {id: m, name: M, country: CN, stage: mine, distribution: {Dy: 100}, outputs: [{material: conc, production: 9}]}
  - {id: s1, name: S1, country: US, stage: separation, outputs: [{material: dy-oxide, production: 1}]}
)");
  fs::create_directories(dir_ / "sub");
  std::string links = "from,to,material\n", sub_links = "from,to,material\n", outputs = "facility,material,production\n";
  for (int i = 0; i < 300; ++i) {
    links += fmt::format("m,ghost-{},conc\n", i);
    if (i % 3 == 0) links += fmt::format("m,s1,stuff-{}\n", i);
    sub_links += fmt::format("who-{},s1,conc\n", i);
    outputs += fmt::format("nobody-{},conc,1\n", i);
  }
  const std::vector<std::pair<std::string, std::string>> tables{
      {"links.csv", links}, {"outputs.csv", outputs}, {"sub/links.csv", sub_links}};
  const DatasetLoad all = load(tables);
  ASSERT_FALSE(all.dataset);
  EXPECT_TRUE(all.diagnostics.omitted().empty());
  for (const std::size_t limit : {1, 7, 100, 1000}) {
    LoadOptions options;
    options.max_per_code = limit;
    const DatasetLoad some = load(tables, options);
    ASSERT_FALSE(some.dataset);
    EXPECT_EQ(some.diagnostics.error_count(), all.diagnostics.error_count()) << limit;
    std::map<std::string, std::size_t> seen;
    std::vector<std::string> expected, got;
    for (const Diagnostic& d : all.diagnostics.items()) {
      if (++seen[d.code] <= limit) expected.push_back(where(d) + " " + d.code + " " + d.message);
    }
    for (const Diagnostic& d : some.diagnostics.items()) got.push_back(where(d) + " " + d.code + " " + d.message);
    EXPECT_EQ(got, expected) << limit;
    std::size_t omitted = 0;
    for (const OmittedDiagnostics& o : some.diagnostics.omitted()) {
      EXPECT_EQ(o.count, seen[o.code] - limit) << o.code;
      omitted += o.count;
    }
    EXPECT_EQ(omitted, all.diagnostics.items().size() - expected.size()) << limit;
  }
}

// Tables large enough that the reader gives their text back as it goes (links.csv read beside
// the other files, outputs, demand and distribution rows): the problems found after they are
// read, deep in each file, still point at their cells and show their lines, read again from the
// files.
TEST_F(CsvTables, ProblemsDeepInLargeTablesPointAtTheirCells) {
  constexpr int kMines = 3000, kSeparators = 400, kSinks = 2000, kLinks = 20'000;
  std::string facilities = "id,name,country,stage\n";
  for (int i = 1; i <= kMines; ++i) facilities += fmt::format("mine-{},M,CN,mine\n", i);
  for (int i = 1; i <= kSeparators; ++i) facilities += fmt::format("sep-{},S,US,separation\n", i);
  for (int i = 1; i <= kSinks; ++i) facilities += fmt::format("sink-{},D,JP,demand\n", i);
  // Each planted problem: its code, file, line and the column of its cell; the line is the row.
  std::vector<std::string> expected;
  std::vector<std::string> rows;
  const auto plant = [&](const std::string& code, const std::string& file, std::size_t line, std::size_t column) {
    expected.push_back(fmt::format("{} {}:{}:{} {}", code, file, line, column, rows.back()));
  };
  const auto table = [&](const std::string& header) {
    std::string text = header + "\n";
    for (const auto& r : rows) text += r + "\n";
    rows.clear();
    return text;
  };
  for (int i = 1; i <= kMines; ++i) {
    rows.push_back(fmt::format("mine-{},conc,100", i));
    if (i != 2900) continue;
    rows.push_back("mine-2900,nope,5");
    plant("E203", "outputs.csv", rows.size() + 1, std::string("mine-2900,").size() + 1);
  }
  for (int i = 1; i <= kSeparators; ++i) rows.push_back(fmt::format("sep-{},dy-oxide,10", i));
  const std::string outputs = table("facility,material,capacity");
  for (int i = 1; i <= kSinks; ++i) {
    rows.push_back(fmt::format("sink-{},{},1", i, i == 1950 ? "dy-oxyde" : "dy-oxide"));
    if (i == 1950) plant("E203", "demand.csv", rows.size() + 1, std::string("sink-1950,").size() + 1);
  }
  const std::string demand = table("facility,material,quantity");
  for (int i = 1; i <= kMines; ++i) {
    rows.push_back(fmt::format("mine-{},Dy,40", i));
    if (i == 2950) plant("E302", "distribution.csv", rows.size() + 1, 1);   // sums to 90
    rows.push_back(fmt::format("mine-{},Tb,{}", i, i == 2950 ? 50 : 60));
  }
  const std::string distribution = table("facility,element,percent");
  for (int r = 0; r < kLinks; ++r) {
    std::string from = fmt::format("mine-{}", r % kMines + 1);
    std::string to = fmt::format("sep-{}", r / kMines * 50 + r % 50 + 1);
    std::string material = "conc";
    if (r == 15'000) to = "ghost";
    if (r == 17'000) material = "nope";
    if (r == 18'000) from = to;
    rows.push_back(fmt::format("{},{},{},1", from, to, material));
    const std::size_t line = rows.size() + 1, to_column = from.size() + 2, material_column = to_column + to.size() + 1;
    if (r == 15'000) plant("E211", "links.csv", line, to_column);
    if (r == 17'000) plant("E203", "links.csv", line, material_column);
    if (r == 18'000) {   // a separator does not produce what it sends itself either
      plant("E309", "links.csv", line, to_column);
      plant("E304", "links.csv", line, material_column);
    }
  }
  const std::string links = table("from,to,material,volume");
  ASSERT_GT(links.size(), 400'000u);   // about a hundred pages
  auto r = load({{"facilities.csv", facilities},
                 {"outputs.csv", outputs},
                 {"demand.csv", demand},
                 {"distribution.csv", distribution},
                 {"links.csv", links}});
  EXPECT_FALSE(r.dataset);
  std::vector<std::string> found;
  for (const auto& d : r.diagnostics.items()) {
    if (d.severity != Severity::error) continue;
    found.push_back(fmt::format("{} {} {}", d.code, where(d), d.source_line));
  }
  std::sort(found.begin(), found.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(found, expected);

  // The same tables without the problems load, every link resolved as it was read.
  auto fixed = [](std::string text, const std::string& bad, const std::string& good) {
    text.replace(text.find(bad), bad.size(), good);
    return text;
  };
  auto ok = load({{"facilities.csv", facilities},
                  {"outputs.csv", fixed(outputs, "mine-2900,nope,5\n", "")},
                  {"demand.csv", fixed(demand, "dy-oxyde", "dy-oxide")},
                  {"distribution.csv", fixed(distribution, "mine-2950,Tb,50", "mine-2950,Tb,60")},
                  {"links.csv", fixed(fixed(fixed(links, "mine-1,ghost,", "mine-1,sep-251,"), ",nope,", ",conc,"),
                                      "sep-301,sep-301,", "mine-1,sep-301,")}});
  ASSERT_TRUE(ok.dataset) << (ok.diagnostics.empty() ? "" : where(ok.diagnostics.items()[0]) + " " + ok.diagnostics.items()[0].message);
  const Dataset& ds = *ok.dataset;
  ASSERT_EQ(ds.links.size(), static_cast<std::size_t>(kLinks));
  for (std::size_t i = 0; i < ds.links.size(); i += 997) {
    const Link& l = ds.links[i];
    EXPECT_EQ(ds.facilities[l.from].id, fmt::format("mine-{}", i % kMines + 1));
    EXPECT_EQ(ds.materials[l.material].id, "conc");
    EXPECT_EQ(l.where.line, static_cast<int>(i) + 2);
  }
  EXPECT_EQ(ds.materials[ds.facilities[ds.find_facility("sink-7")].demand[0].material].id, "dy-oxide");
}

TEST_F(CsvTables, OtherCsvFilesAreIgnoredWithAWarning) {
  write("facilities.yaml", "facilities:\n  - {id: u, name: U, country: US, stage: demand}\n");
  auto r = load({{"notes.csv", "a,b\n1,2\n"}});
  ASSERT_TRUE(r.dataset);
  std::vector<std::string> found;
  for (const auto& d : r.diagnostics.items()) found.push_back(d.code);
  EXPECT_EQ(found, (std::vector<std::string>{"W404", "W403"}));
}

// dataset.yaml of a directory dataset, given alone, is a dataset without the tables beside it:
// it loads, with W405 naming them and the directory to give instead. The directory form does not warn.
TEST_F(CsvTables, AYamlFileBesideTablesWarnsThatTheyAreNotRead) {
  auto whole = load({{"facilities.csv", "id,name,country,stage\nu,U,US,demand\n"},
                     {"demand.csv", "facility,material,quantity\nu,conc,1\n"},
                     {"notes.csv", "a\n1\n"}});
  ASSERT_TRUE(whole.dataset);
  EXPECT_EQ(whole.dataset->facilities.size(), 1u);
  for (const auto& d : whole.diagnostics.items()) EXPECT_NE(d.code, "W405");

  auto alone = load_dataset(dir_ / "dataset.yaml");
  ASSERT_TRUE(alone.dataset);
  EXPECT_TRUE(alone.dataset->facilities.empty());
  ASSERT_EQ(alone.diagnostics.items().size(), 1u);
  const Diagnostic& d = alone.diagnostics.items().front();
  EXPECT_EQ(d.code, "W405");
  EXPECT_EQ(d.severity, Severity::warning);
  EXPECT_EQ(d.where.file.str(), (dir_ / "dataset.yaml").generic_string());
  EXPECT_NE(d.message.find("(demand.csv, facilities.csv)"), std::string::npos) << d.message;
  std::string quoted_dir = "'";  // built in steps: GCC 12 -O3 warns (-Wrestrict) on "'" + string
  quoted_dir += dir_.generic_string();
  quoted_dir += "'";
  EXPECT_NE(d.message.find(quoted_dir), std::string::npos) << d.message;

  // A YAML file with no tables beside it: no warning.
  test_support::ScratchDir other{"csv-alone"};
  {
    std::ofstream out(other.path() / "one.yaml", std::ios::binary);
    out << kHeader;
  }
  EXPECT_TRUE(load_dataset(other.path() / "one.yaml").diagnostics.empty());
}

TEST_F(CsvTables, StrictWarnsAboutUnsourcedCsvLinks) {
  LoadOptions strict;
  strict.strict = true;
  auto r = load({{"facilities.csv", "id,name,country,stage\nm,M,CN,mine\ns,S,US,separation\n"},
                 {"outputs.csv", "facility,material,production,source\nm,conc,1,src\n"},
                 {"distribution.csv", "facility,element,percent\nm,Dy,100\n"},
                 {"links.csv", "from,to,material\nm,s,conc\n"}},
                strict);
  ASSERT_EQ(r.diagnostics.items().size(), 1u);
  EXPECT_EQ(r.diagnostics.items()[0].code, "W400");
  EXPECT_EQ(where(r.diagnostics.items()[0]), "links.csv:2:1");
}

TEST_F(CsvTables, TablesHaveTheirOwnSizeLimit) {
  const std::vector<std::pair<std::string, std::string>> tables = {
      {"facilities.csv", "id,name,country,stage\nm,M,CN,mine\ns,S,US,separation\n"},
      {"outputs.csv", "facility,material,production,source\nm,conc,1,src\n"},
      {"distribution.csv", "facility,element,percent\nm,Dy,100\n"},
      {"links.csv", "from,to,material\nm,s,conc\n"}};
  LoadOptions opt;
  opt.limits.max_file_bytes = 20;   // YAML files only: dataset.yaml is larger, the tables are not
  opt.limits.max_table_bytes = 1000;
  auto r = load(tables, opt);
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_EQ(r.diagnostics.items()[0].code, "E004");
  EXPECT_EQ(fs::path(r.diagnostics.items()[0].where.file.str()).filename(), "dataset.yaml");
  opt = {};
  opt.limits.max_table_bytes = 40;   // links.csv (26 bytes) and distribution.csv (34) fit
  r = load(tables, opt);
  std::vector<std::string> found;
  for (const auto& d : r.diagnostics.items()) {
    if (d.code == "E004") found.push_back(fs::path(d.where.file.str()).filename().string());
  }
  EXPECT_EQ(found, (std::vector<std::string>{"facilities.csv", "outputs.csv"}));
}

// E316 (a second link with the same from, to and material) against a brute-force check on many
// random link tables: every repeat is reported, at its own row, and nothing else is.
TEST_F(CsvTables, RepeatedLinksMatchBruteForce) {
  std::uint64_t state = 12345;
  const auto next = [&](std::uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  const std::vector<std::string> ids = {"m1", "m2", "m3"};
  const std::vector<std::string> seps = {"s1", "s2"};
  for (int round = 0; round < 40; ++round) {
    std::string facilities = "id,name,country,stage\n", outputs = "facility,material,production\n";
    std::string distribution = "facility,element,percent\n";
    for (const auto& m : ids) {
      facilities += m + "," + m + ",CN,mine\n";
      outputs += m + ",conc,1\n";
      distribution += m + ",Dy,100\n";
    }
    for (const auto& s : seps) facilities += s + "," + s + ",US,separation\n";
    std::string links = "from,to,material\n";
    std::vector<std::pair<std::size_t, std::size_t>> rows;
    const std::size_t n = 1 + next(12);
    for (std::size_t i = 0; i < n; ++i) {
      rows.emplace_back(next(ids.size()), next(seps.size()));
      links += ids[rows.back().first] + "," + seps[rows.back().second] + ",conc\n";
    }
    std::vector<std::string> expected;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (rows[j] == rows[i]) {
          expected.push_back("links.csv:" + std::to_string(i + 2) + ":1");
          break;
        }
      }
    }
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto r = load({{"facilities.csv", facilities}, {"outputs.csv", outputs}, {"distribution.csv", distribution},
                   {"links.csv", links}});
    std::vector<std::string> found;
    for (const auto& d : r.diagnostics.items()) {
      if (d.code == "E316") found.push_back(where(d));
    }
    EXPECT_EQ(found, expected) << links;
  }
}

// A link's references keep only where each id's text starts; the cell's line and column are
// worked out again when a diagnostic needs them. Against positions tracked while writing random
// tables: a byte-order mark, CRLF and LF rows, columns in any order, quoted ids, ids with "" escapes
// (kept in the wide form), UTF-8 before a cell and quoted notes holding line breaks. Both the
// links.csv read beside the other files and a second one read in line.
TEST_F(CsvTables, LinkDiagnosticsPointAtTheirCellsWhateverTheLayout) {
  std::uint64_t state = 777;
  const auto next = [&](std::uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  // Text with its position: line and code-point column as the CSV reader counts them.
  struct Writer {
    std::string text;
    std::vector<std::string> lines{""};
    int line = 1, col = 1;
    void put(std::string_view s) {
      for (char c : s) {
        text += c;
        if (c == '\n') {
          ++line;
          col = 1;
          lines.emplace_back();
        } else if (c != '\r') {
          lines.back() += c;
          if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++col;
        }
      }
    }
  };
  const std::vector<std::string> names = {"from", "to", "material", "source", "notes", "volume"};
  const std::vector<std::string> bad_facilities = {"ghost", "gh\xc3\xb6st", "gh\"ost", "x,y"};
  const std::vector<std::string> bad_materials = {"nope", "c\xc3\xb6nc"};
  const std::vector<std::string> notes = {"", "plain", "multi\nline \xc3\xa9", "a, b", "say \"hi\""};
  write("dataset.yaml", kHeader);
  // A YAML link comes first, so the wide references of the tables follow one of its own.
  const std::string yaml_link = "  - {from: m, to: phantom, material: conc}";
  write("facilities.yaml", R"(facilities:
  - {id: m, name: M, country: CN, stage: mine, distribution: {Dy: 100}, outputs: [{material: conc, production: 9}]}
  - {id: s, name: S, country: US, stage: separation, outputs: [{material: dy-oxide, production: 1}]}
links:
)" + yaml_link + "\n");
  fs::create_directories(dir_ / "sub");
  for (int round = 0; round < 30; ++round) {
    std::vector<std::string> expected{"E211 unknown facility 'phantom' facilities.yaml:5:" +
                                      std::to_string(yaml_link.find("phantom") + 1) + " | " + yaml_link};
    bool first_good_link = true;
    const auto table = [&](const std::string& file) {
      Writer w;
      if (next(2) == 0) w.text += "\xEF\xBB\xBF";   // the reader skips it and counts no column for it
      std::vector<std::string> order = names;
      for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[next(i)]);
      for (std::size_t c = 0; c < order.size(); ++c) w.put((c ? "," : "") + order[c]);
      w.put("\n");
      const std::size_t rows = 1 + next(8);
      for (std::size_t r = 0; r < rows; ++r) {
        const int row_line = w.line;
        bool good = true;
        for (std::size_t c = 0; c < order.size(); ++c) {
          if (c) w.put(",");
          const std::string& name = order[c];
          std::string value, code;
          if (name == "from" || name == "to") {
            const bool bad = next(3) == 0;
            value = bad ? bad_facilities[next(bad_facilities.size())] : (name == "from" ? "m" : "s");
            if (bad) code = "E211 unknown facility '" + value + "'";
          } else if (name == "material") {
            const bool bad = next(4) == 0;
            value = bad ? bad_materials[next(bad_materials.size())] : "conc";
            if (bad) code = "E203 unknown material '" + value + "'";
          } else if (name == "source") {
            const std::size_t k = next(3);
            value = k == 0 ? "" : k == 1 ? "src" : "nosrc";
            if (k == 2) code = "E212 unknown source 'nosrc'";
          } else if (name == "notes") {
            value = notes[next(notes.size())];
          } else {
            value = "1";
          }
          if (!code.empty() && name != "source") good = false;   // a link with an unknown end is not checked further
          const bool must_quote = value.find_first_of(",\"\n") != std::string::npos;
          const int line = w.line, col = w.col;
          if (must_quote || (!value.empty() && next(3) == 0)) {
            std::string quoted = "\"";
            for (char ch : value) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
            w.put(quoted + "\"");
          } else {
            w.put(value);
          }
          if (!code.empty()) {
            // The source line is completed once the row is written: note where it is.
            expected.push_back(code + " " + file + ":" + std::to_string(line) + ":" + std::to_string(col) + " @" +
                               std::to_string(line));
          }
        }
        if (good) {
          if (!first_good_link) expected.push_back("E316 a second link from 'm' to 's' for 'conc' " + file + ":" +
                                                   std::to_string(row_line) + ":1 @" + std::to_string(row_line));
          first_good_link = false;
        }
        w.put(next(2) == 0 ? "\r\n" : "\n");
      }
      write(file, w.text);
      // Put each expected diagnostic's source line in place of its line marker.
      for (std::string& e : expected) {
        const std::size_t at = e.rfind(" @");
        if (at == std::string::npos || e.find(" " + file + ":") == std::string::npos) continue;
        const int line = std::stoi(e.substr(at + 2));
        e = e.substr(0, at) + " | " + w.lines[static_cast<std::size_t>(line - 1)];
      }
    };
    table("links.csv");
    table("sub/links.csv");
    const DatasetLoad r = load_dataset(dir_, {});
    std::vector<std::string> found;
    for (const auto& d : r.diagnostics.items()) {
      if (d.severity != Severity::error) continue;
      found.push_back(d.code + " " + d.message + " " + fs::relative(d.where.file.str(), dir_).generic_string() + ":" +
                      std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + " | " + d.source_line);
    }
    std::sort(found.begin(), found.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(found, expected) << "round " << round;
  }
}

// A reference longer than a compact link reference holds (65,535 bytes) keeps the wide form: it
// is still read whole and reported at its cell.
TEST_F(CsvTables, AnOverlongLinkReferenceIsReportedWhole) {
  const std::string ghost(70'000, 'g');
  auto r = load({{"facilities.csv", "id,name,country,stage\nm,M,CN,mine\ns,S,US,separation\n"},
                 {"outputs.csv", "facility,material,production\nm,conc,1\n"},
                 {"distribution.csv", "facility,element,percent\nm,Dy,100\n"},
                 {"links.csv", "from,to,material\nm,s,conc\nm," + ghost + ",conc\n"}});
  EXPECT_FALSE(r.dataset);
  std::vector<std::string> found;
  for (const auto& d : r.diagnostics.items()) {
    found.push_back(d.code + " " + where(d) + (d.message == "unknown facility '" + ghost + "'" ? " whole" : " cut"));
  }
  EXPECT_EQ(found, std::vector<std::string>{"E211 links.csv:3:3 whole"});
}

// A compact reference counts an id's start from its row's first cell in 16 bits and its length
// in 8: an id of 256 bytes or more (never a valid one: ids stop at 128), or one more than 65,535
// bytes into its row (behind a long note), keeps the wide form, and each is still resolved whole
// and reported at its cell.
TEST_F(CsvTables, IdsPastWhatACompactReferenceHoldsTakeTheWideForm) {
  const std::string long_id(300, 'h');
  const std::string note(70'000, 'n');
  const std::pair<std::string, std::string> facilities{"facilities.csv",
                                                       "id,name,country,stage\nm,M,CN,mine\ns,S,US,separation\n"};
  const std::pair<std::string, std::string> outputs{"outputs.csv", "facility,material,production\nm,conc,1\n"};
  const std::pair<std::string, std::string> distribution{"distribution.csv", "facility,element,percent\nm,Dy,100\n"};
  auto r = load({facilities, outputs, distribution,
                 {"links.csv", "notes,from,to,material\n,m,s,conc\n,m," + long_id + ",conc\n" + note + ",m,s,cnoc\n" +
                                   note + ",m," + long_id + ",conc\n"}});
  EXPECT_FALSE(r.dataset);
  std::vector<std::string> found;
  for (const auto& d : r.diagnostics.items()) found.push_back(d.code + " " + where(d) + " " + d.message);
  const std::string unknown = "unknown facility '" + long_id + "'";
  EXPECT_EQ(found, (std::vector<std::string>{"E211 links.csv:3:4 " + unknown, "E203 links.csv:4:70006 unknown material 'cnoc'",
                                             "E211 links.csv:5:70004 " + unknown}));
  // Links behind a long note resolve like the others.
  auto ok = load({{"facilities.csv", facilities.second + "t,T,US,separation\n"}, outputs, distribution,
                  {"links.csv", "notes,from,to,material\n,m,s,conc\n" + note + ",m,t,conc\n"}});
  for (const auto& d : ok.diagnostics.items()) ADD_FAILURE() << d.code << " " << where(d) << " " << d.message;
  ASSERT_TRUE(ok.dataset);
  std::vector<std::string> ends;
  for (const Link& l : ok.dataset->links) {
    ends.push_back(ok.dataset->facilities[l.from].id + ">" + ok.dataset->facilities[l.to].id + ":" +
                   ok.dataset->materials[l.material].id);
  }
  EXPECT_EQ(ends, (std::vector<std::string>{"m>s:conc", "m>t:conc"}));
}

// Outputs and demand entries keep their ids as positions in the table's text (FigureRow), chained
// per facility in row order: a facility's rows may be anywhere in the file, and a quoted id with
// "" escapes or an overlong one takes the wide form. Each id must still resolve to the right
// figure, and each diagnostic point at its cell or row, with its source line.
TEST_F(CsvTables, FigureReferencesKeepTheirOrderAndPositions) {
  LoadOptions strict;
  strict.strict = true;
  const std::string ghost(70'000, 'g');
  auto r = load({{"facilities.csv",
                  "id,name,country,stage\nm,M,CN,mine\nn,N,CN,mine\ns,S,US,separation\nk,K,JP,demand\n"},
                 {"outputs.csv",
                  "facility,material,production,year,source\n"
                  "m,conc,1,2024,src\n"          // 2: m's first output
                  "n,conc,2,2024,src\n"          // 3
                  "m,dy-oxide,3,2024,nosrc\n"    // 4: m's second; unknown source at 4:19
                  "k,conc,4,2024,src\n"          // 5: a demand sink has no outputs
                  "n,\"co\"\"nc\",5,2024,src\n"  // 6: quoted with an escape: unknown material 'co"nc' at 6:3
                  "n,dy-oxide,6,2015,\n"         // 7: no source (W400), and old (W401)
                  "m," + ghost + ",7,2024,src\n"},  // 8: overlong: reported whole at 8:3
                 {"demand.csv",
                  "facility,material,quantity,year,source\n"
                  "s,dy-oxide,1,2024,src\n"      // 2: demand on a separator
                  "k,dy-oxid,2,2024,src\n"       // 3: unknown material at 3:3
                  "k,dy-oxide,3,2024,src\n"},
                 {"distribution.csv", "facility,element,percent\nm,Dy,100\nn,Dy,100\n"}},
                strict);
  EXPECT_FALSE(r.dataset);
  std::vector<std::string> found;
  for (const auto& d : r.diagnostics.items()) {
    found.push_back(d.code + " " + where(d) + " " + (d.message.size() > 80 ? "(long) " + d.message.substr(0, 18) : d.message) +
                    " | " + (d.source_line.size() > 40 ? d.source_line.substr(0, 12) : d.source_line));
  }
  // In the order they are found: ids resolved facility by facility (each one's outputs in row
  // order, then its demand), then the facility checks, then the strict ones.
  EXPECT_EQ(found, (std::vector<std::string>{
                       "E212 outputs.csv:4:19 unknown source 'nosrc' | m,dy-oxide,3,2024,nosrc",
                       "E203 outputs.csv:8:3 (long) unknown material ' | m,gggggggggg",
                       "E203 outputs.csv:6:3 unknown material 'co\"nc' | n,\"co\"\"nc\",5,2024,src",
                       "E203 demand.csv:3:3 unknown material 'dy-oxid' | k,dy-oxid,2,2024,src",
                       "E311 demand.csv:2:1 'demand' is only for facilities with stage: demand | s,dy-oxide,1,2024,src",
                       "E311 outputs.csv:5:1 a demand sink has no outputs | k,conc,4,2024,src",
                       "W400 outputs.csv:7:1 output of 'n' cites no source | n,dy-oxide,6,2015,",
                       "W401 outputs.csv:7:1 output of 'n' is from 2015, more than five years before as_of 2026-01-01 | "
                       "n,dy-oxide,6,2015,"}))
      << ::testing::PrintToString(found);

  // Without the bad rows the dataset loads, and each facility's figures are its rows in order.
  auto ok = load({{"outputs.csv",
                   "facility,material,production,year,source\n"
                   "m,conc,1,2024,src\nn,conc,2,2024,src\nm,dy-oxide,3,2024,\"src\"\nn,dy-oxide,6,2024,\n"},
                  {"demand.csv", "facility,material,quantity,year,source\nk,dy-oxide,3,2024,src\n"}},
                 {});
  ASSERT_TRUE(ok.dataset) << ::testing::PrintToString(ok.diagnostics.items().size());
  const Dataset& ds = *ok.dataset;
  const Index conc = ds.find_material("conc"), oxide = ds.find_material("dy-oxide"), src = ds.find_source("src");
  const Facility& m = ds.facilities[ds.find_facility("m")];
  const Facility& n = ds.facilities[ds.find_facility("n")];
  ASSERT_EQ(m.outputs.size(), 2u);
  ASSERT_EQ(n.outputs.size(), 2u);
  EXPECT_EQ(m.outputs[0].material, conc);
  EXPECT_EQ(m.outputs[1].material, oxide);
  EXPECT_EQ(m.outputs[1].provenance.source, src);   // quoted, without escapes: still a view
  EXPECT_EQ(*m.outputs[1].production, 3.0);
  EXPECT_EQ(n.outputs[0].material, conc);
  EXPECT_EQ(n.outputs[1].material, oxide);
  EXPECT_EQ(n.outputs[1].provenance.source, kNone);
  EXPECT_EQ(*n.outputs[1].production, 6.0);
  ASSERT_EQ(ds.facilities[ds.find_facility("k")].demand.size(), 1u);
  EXPECT_EQ(ds.facilities[ds.find_facility("k")].demand[0].material, oxide);
}

TEST_F(CsvTables, IdsDifferingOnlyInCaseAreReportedInEitherOrder) {
  // Country codes are upper case; sources are free-form ids in YAML. Check the case-folding rule
  // on groups, whose ids are not forced to lower case, both ways round.
  write("dataset.yaml", std::string(kHeader) +
                            "groups:\n  - {id: g7, name: G, members: [CN]}\n  - {id: G7, name: G, members: [CN]}\n");
  auto r = load_dataset(dir_);
  std::vector<std::string> found;
  for (const auto& d : r.diagnostics.items()) found.push_back(d.code + " " + d.message);
  ASSERT_FALSE(found.empty());
  EXPECT_NE(found.front().find("differs only in case from 'g7'"), std::string::npos) << found.front();
}

}  // namespace
}  // namespace chokepoint
