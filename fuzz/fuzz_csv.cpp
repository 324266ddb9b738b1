// libFuzzer target: CSV tables of a dataset directory. The first byte picks the table; the rest
// is its content, loaded beside the example dataset's YAML files.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "chokepoint/load/loader.hpp"

#ifndef CHOKEPOINT_SOURCE_DIR
#define CHOKEPOINT_SOURCE_DIR "."
#endif

namespace {
namespace fs = std::filesystem;

const fs::path& work_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("chokepoint-fuzz-csv-" + std::to_string(::getpid()));
    fs::create_directories(d);
    for (const char* f : {"dataset.yaml", "chain.yaml"}) {
      fs::copy_file(fs::path(CHOKEPOINT_SOURCE_DIR) / "data/example" / f, d / f, fs::copy_options::overwrite_existing);
    }
    return d;
  }();
  return dir;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 64 * 1024) return 0;
  static const char* const kTables[] = {"facilities.csv", "outputs.csv", "links.csv", "demand.csv", "distribution.csv"};
  const fs::path dir = work_dir();
  for (const char* t : kTables) fs::remove(dir / t);
  {
    std::ofstream out(dir / kTables[data[0] % 5], std::ios::binary);
    out.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  auto result = chokepoint::load_dataset(dir);
  for (const auto& d : result.diagnostics.items()) (void)chokepoint::format_diagnostic_text(d, false);
  return 0;
}
