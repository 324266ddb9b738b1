#include <fstream>

#include <gtest/gtest.h>

#include "chokepoint/analysis/synthetic.hpp"
#include "chokepoint/load/loader.hpp"
#include "chokepoint/report/synthetic_files.hpp"
#include "testing/scratch_dir.hpp"

namespace chokepoint {
namespace {

namespace fs = std::filesystem;

void write_all(const fs::path& dir, const std::vector<DatasetFile>& files) {
  for (const auto& f : files) std::ofstream(dir / f.name, std::ios::binary) << f.text;
}

// The loaded dataset holds exactly the facts of the generated one.
void expect_same_facts(const Dataset& a, const Dataset& b) {
  ASSERT_EQ(a.facilities.size(), b.facilities.size());
  ASSERT_EQ(a.links.size(), b.links.size());
  ASSERT_EQ(a.countries.size(), b.countries.size());
  ASSERT_EQ(a.materials.size(), b.materials.size());
  for (std::size_t i = 0; i < a.facilities.size(); ++i) {
    const Facility& x = a.facilities[i];
    const Facility& y = b.facilities[i];
    ASSERT_EQ(x.id, y.id);
    EXPECT_EQ(a.countries[x.country].code, b.countries[y.country].code);
    EXPECT_EQ(x.stage, y.stage);
    ASSERT_EQ(x.outputs.size(), y.outputs.size()) << x.id;
    for (std::size_t k = 0; k < x.outputs.size(); ++k) {
      EXPECT_EQ(a.materials[x.outputs[k].material].id, b.materials[y.outputs[k].material].id);
      EXPECT_EQ(x.outputs[k].capacity, y.outputs[k].capacity);
      EXPECT_EQ(x.outputs[k].production, y.outputs[k].production);
    }
    ASSERT_EQ(x.demand.size(), y.demand.size()) << x.id;
    for (std::size_t k = 0; k < x.demand.size(); ++k) EXPECT_EQ(x.demand[k].quantity, y.demand[k].quantity);
    EXPECT_EQ(x.has_distribution, y.has_distribution);
    EXPECT_EQ(x.distribution, y.distribution) << x.id;
  }
  for (std::size_t i = 0; i < a.links.size(); ++i) {
    EXPECT_EQ(a.facilities[a.links[i].from].id, b.facilities[b.links[i].from].id);
    EXPECT_EQ(a.facilities[a.links[i].to].id, b.facilities[b.links[i].to].id);
    EXPECT_EQ(a.materials[a.links[i].material].id, b.materials[b.links[i].material].id);
    EXPECT_EQ(a.links[i].volume, b.links[i].volume);
  }
}

TEST(SyntheticFiles, EveryLayoutLoadsBackToTheSameChain) {
  const Dataset ds = generate_chain(3000, 5);
  {
    const test_support::ScratchDir dir("synthetic-yaml");
    std::ofstream(dir / "chain.yaml") << synthetic_yaml(ds);
    auto r = load_dataset(dir / "chain.yaml");
    ASSERT_TRUE(r.dataset) << (r.diagnostics.empty() ? "" : r.diagnostics.items()[0].message);
    expect_same_facts(ds, *r.dataset);
  }
  {
    const test_support::ScratchDir dir("synthetic-yaml-dir");
    const auto files = synthetic_yaml_files(ds, 700);
    // dataset.yaml, ceil(3000/700) = 5 facility files, ceil(links/700) link files
    EXPECT_EQ(files.size(), 1 + 5 + (ds.links.size() + 699) / 700);
    write_all(dir.path(), files);
    auto r = load_dataset(dir.path());
    ASSERT_TRUE(r.dataset) << (r.diagnostics.empty() ? "" : r.diagnostics.items()[0].message);
    expect_same_facts(ds, *r.dataset);
  }
  {
    const test_support::ScratchDir dir("synthetic-csv");
    const auto files = synthetic_csv_files(ds);
    write_all(dir.path(), files);
    std::size_t rows = 0;
    for (const auto& f : files) {
      if (f.name.ends_with(".csv")) rows += static_cast<std::size_t>(std::count(f.text.begin(), f.text.end(), '\n')) - 1;
    }
    EXPECT_EQ(rows, synthetic_csv_rows(ds));
    auto r = load_dataset(dir.path());
    ASSERT_TRUE(r.dataset) << (r.diagnostics.empty() ? "" : r.diagnostics.items()[0].message);
    expect_same_facts(ds, *r.dataset);
  }
}

TEST(SyntheticFiles, SameSeedSameText) {
  EXPECT_EQ(synthetic_yaml(generate_chain(500, 9)), synthetic_yaml(generate_chain(500, 9)));
  EXPECT_NE(synthetic_yaml(generate_chain(500, 9)), synthetic_yaml(generate_chain(500, 10)));
}

}  // namespace
}  // namespace chokepoint
