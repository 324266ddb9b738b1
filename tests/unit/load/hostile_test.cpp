// Hostile inputs: each gives a clear diagnostic with its code, never a crash or a hang.
#include <filesystem>
#include <fstream>

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
