// libFuzzer target: the scenario loader against the example dataset, and the contracts bound on
// whatever loads.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "chokepoint/load/scenario_loader.hpp"
#include "chokepoint/scenario/runner.hpp"

#ifndef CHOKEPOINT_SOURCE_DIR
#define CHOKEPOINT_SOURCE_DIR "."
#endif

namespace {
const chokepoint::Dataset& example() {
  static const chokepoint::Dataset ds = [] {
    auto r = chokepoint::load_dataset(std::filesystem::path(CHOKEPOINT_SOURCE_DIR) / "data/example");
    if (!r.dataset) __builtin_trap();
    return std::move(*r.dataset);
  }();
  return ds;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  // Includes are resolved against a directory with nothing in it.
  auto result = chokepoint::load_scenario_from_string(text, "fuzz.yaml", example(), "/nonexistent");
  for (const auto& d : result.diagnostics.items()) (void)chokepoint::format_diagnostic_text(d, false);
  if (result.scenario) {
    chokepoint::ScenarioOptions options;
    options.market = false;
    options.as_of = chokepoint::Date{2025, 6, 1};
    (void)chokepoint::run_scenario(example(), *result.scenario, options);
  }
  return 0;
}
