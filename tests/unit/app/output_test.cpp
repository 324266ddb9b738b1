#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "chokepoint/app/output.hpp"
#include "testing/scratch_dir.hpp"

namespace chokepoint {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class AtomicWrite : public ::testing::Test {
 protected:
  [[nodiscard]] std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  }
  test_support::ScratchDir scratch_{"out"};
  const fs::path& dir_ = scratch_.path();
};

TEST_F(AtomicWrite, WritesAndReplacesWithoutLeftovers) {
  const fs::path target = dir_ / "report.md";
  write_file_atomic(target, "first\n");
  EXPECT_EQ(slurp(target), "first\n");
  write_file_atomic(target, "second, longer\n");
  EXPECT_EQ(slurp(target), "second, longer\n");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicWrite, FailureLeavesExistingFilesAlone) {
  const fs::path target = dir_ / "report.md";
  write_file_atomic(target, "keep me\n");
  EXPECT_THROW(write_file_atomic(dir_ / "missing-dir" / "x.md", "x"), OutputError);
  fs::create_directories(dir_ / "a-directory");
  EXPECT_THROW(write_file_atomic(dir_ / "a-directory", "x"), OutputError);
  EXPECT_EQ(slurp(target), "keep me\n");
  EXPECT_EQ(entries(), 2u);   // report.md and a-directory, no temporary files
}

TEST_F(AtomicWrite, PiecesAppearWholeOrNotAtAll) {
  const fs::path target = dir_ / "export.json";
  emit_pieces(target.string(), [](const PieceSink& sink) {
    sink("{");
    sink("");
    sink(std::string(3 << 20, 'x'));   // larger than any buffer
    sink("}\n");
  });
  EXPECT_EQ(slurp(target), "{" + std::string(3 << 20, 'x') + "}\n");
  // A writer that fails halfway leaves the file as it was, and no temporary file.
  EXPECT_THROW(emit_pieces(target.string(),
                           [](const PieceSink& sink) {
                             sink("half");
                             throw std::runtime_error("the writer failed");
                           }),
               std::runtime_error);
  EXPECT_EQ(slurp(target), "{" + std::string(3 << 20, 'x') + "}\n");
  EXPECT_EQ(entries(), 1u);
  EXPECT_THROW(emit_pieces((dir_ / "missing-dir" / "x.json").string(), [](const PieceSink& sink) { sink("x"); }),
               OutputError);
  EXPECT_EQ(entries(), 1u);
}

TEST(Color, NoColorWins) {
  ::setenv("NO_COLOR", "1", 1);
  EXPECT_FALSE(use_color(ColorMode::automatic, 2));
  EXPECT_TRUE(use_color(ColorMode::always, 2));
  ::unsetenv("NO_COLOR");
  EXPECT_FALSE(use_color(ColorMode::never, 2));
}

TEST_F(AtomicWrite, DirectoryAppearsWholeOrNotAtAll) {
  const fs::path target = dir_ / "chain";
  write_directory_atomic(target, {{"dataset.yaml", "a\n"}, {"links.csv", "b\n"}});
  EXPECT_EQ(slurp(target / "dataset.yaml"), "a\n");
  EXPECT_EQ(slurp(target / "links.csv"), "b\n");
  EXPECT_EQ(entries(), 1u);   // no temporary directory left beside it
  // A directory with files in it is never mixed into.
  EXPECT_THROW(write_directory_atomic(target, {{"other.yaml", "c\n"}}), OutputError);
  EXPECT_FALSE(fs::exists(target / "other.yaml"));
  // An empty directory is filled; a file of a bad name fails the whole write and leaves nothing.
  fs::create_directories(dir_ / "empty");
  write_directory_atomic(dir_ / "empty", {{"x.csv", "x\n"}});
  EXPECT_EQ(slurp(dir_ / "empty" / "x.csv"), "x\n");
  EXPECT_THROW(write_directory_atomic(dir_ / "broken", {{"ok.csv", "1\n"}, {"no/such/dir.csv", "2\n"}}), OutputError);
  EXPECT_FALSE(fs::exists(dir_ / "broken"));
  EXPECT_EQ(entries(), 2u);   // chain and empty only
}

}  // namespace
}  // namespace chokepoint
