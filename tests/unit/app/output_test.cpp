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

TEST(Color, NoColorWins) {
  ::setenv("NO_COLOR", "1", 1);
  EXPECT_FALSE(use_color(ColorMode::automatic, 2));
  EXPECT_TRUE(use_color(ColorMode::always, 2));
  ::unsetenv("NO_COLOR");
  EXPECT_FALSE(use_color(ColorMode::never, 2));
}

}  // namespace
}  // namespace chokepoint
