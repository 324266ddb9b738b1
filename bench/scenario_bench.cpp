// Scenario timings on the shipped dataset: 1,000 contracts-mode runs of the April 2025 scenario,
// and market-mode runs. `chokepoint_scenario_bench [SOURCE_DIR]`; prints a Markdown table.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "chokepoint/load/scenario_loader.hpp"
#include "chokepoint/scenario/runner.hpp"

namespace {
double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  using namespace chokepoint;
  const fs::path root = argc > 1 ? fs::path(argv[1]) : fs::path(".");
  auto t = std::chrono::steady_clock::now();
  auto ds = load_dataset(root / "data/rare-earths");
  if (!ds.dataset) {
    std::fprintf(stderr, "data/rare-earths does not load from %s\n", root.c_str());
    return 1;
  }
  const double load = seconds_since(t);
  auto sc = load_scenario(root / "data/scenarios/cn-2025-04-seven-elements.yaml", *ds.dataset);
  if (!sc.scenario) return 1;

  ScenarioOptions contracts;
  contracts.market = false;
  t = std::chrono::steady_clock::now();
  double checksum = 0;
  for (int i = 0; i < 1000; ++i) {
    const ScenarioImpact impact = run_scenario(*ds.dataset, *sc.scenario, contracts);
    checksum += impact.sinks.empty() ? 0 : *impact.sinks.front().contracts_tonnes;
  }
  const double thousand = seconds_since(t);

  ScenarioOptions market;
  market.contracts = false;
  t = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) (void)run_scenario(*ds.dataset, *sc.scenario, market);
  const double market_one = seconds_since(t) / 10;

  std::printf("| measurement | seconds | target |\n|---|---:|---|\n");
  std::printf("| load data/rare-earths | %.3f | - |\n", load);
  std::printf("| 1,000 contracts-mode runs of cn-2025-04-seven-elements (run_scenario) | %.3f | 1 s in total |\n", thousand);
  std::printf("| one market-mode run (LP, mean of 10) | %.4f | 1 s |\n", market_one);
  std::printf("(checksum %.3f)\n", checksum);
  return 0;
}
