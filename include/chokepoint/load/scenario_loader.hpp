#pragma once
/// Scenario YAML -> a validated Scenario resolved against one Dataset, with diagnostics.

#include <filesystem>
#include <optional>
#include <string>

#include "chokepoint/core/diagnostic.hpp"
#include "chokepoint/load/loader.hpp"
#include "chokepoint/model/scenario.hpp"

namespace chokepoint {

/// What a scenario load produced: the scenario when there were no errors, and every diagnostic.
struct ScenarioLoad {
  std::optional<Scenario> scenario;
  Diagnostics diagnostics;
};

/// Loads a scenario file and its includes (paths relative to the including file).
ScenarioLoad load_scenario(const std::filesystem::path& path, const Dataset& dataset,
                           const LoadOptions& options = {});
/// Loads a scenario from text; includes are resolved relative to `base_dir`.
ScenarioLoad load_scenario_from_string(std::string_view text, const std::string& name, const Dataset& dataset,
                                       const std::filesystem::path& base_dir = ".", const LoadOptions& options = {});
/// The dataset a scenario file names in `scenario.dataset`: the path (relative to the file) and
/// where it is written, for diagnostics about that dataset.
struct ScenarioDatasetRef {
  std::filesystem::path path;
  SourceLocation where;
  std::string source_line;
};
/// The dataset a scenario file names in `scenario.dataset`, if any.
std::optional<ScenarioDatasetRef> scenario_dataset_path(const std::filesystem::path& path);
/// True when a YAML file has a top-level `scenario:` section (cheap check on the text).
bool looks_like_scenario(const std::filesystem::path& path);

}  // namespace chokepoint
