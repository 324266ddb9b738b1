#pragma once

// A scratch directory that belongs to one test case in one process.
//
// CTest runs every test case in its own process, two at a time or more, and CI may run several
// presets of the suite on one machine; a directory name must therefore carry both the process id
// and the test name. (GoogleTest's random_seed() is the same in every process and must not be
// used for this.)

#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

namespace chokepoint::test_support {

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix) {
    std::string name = "chokepoint-" + prefix + "-" + std::to_string(::getpid());
    if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
      name += "-";
      name += info->test_suite_name();
      name += "-";
      name += info->name();
    }
    for (char& c : name)
      if (c == '/') c = '_';
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ScratchDir(ScratchDir&&) = delete;
  ScratchDir& operator=(ScratchDir&&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& leaf) const { return path_ / leaf; }

 private:
  std::filesystem::path path_;
};

}  // namespace chokepoint::test_support
