#pragma once
/// YAML datasets -> a validated, immutable Dataset, with compiler-style diagnostics.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chokepoint/core/diagnostic.hpp"
#include "chokepoint/model/dataset.hpp"

namespace chokepoint {

/// Bounds that keep any input from exhausting time or memory (docs/limits.md).
struct LoadLimits {
  std::size_t max_file_bytes = 64u << 20;       ///< per YAML file (it becomes a node tree)
  std::size_t max_table_bytes = std::size_t{1} << 30;   ///< per CSV table (read row by row)
  std::size_t max_total_bytes = std::size_t{2} << 30;   ///< per dataset
  std::size_t max_files = 10'000;               ///< YAML files per dataset
  int max_depth = 64;                           ///< nested maps and lists
  std::size_t max_nodes_per_file = 4'000'000;   ///< YAML nodes (scalars, maps, lists)
  std::size_t max_id_length = 128;              ///< characters in an id
  std::size_t max_facilities = 5'000'000;
  std::size_t max_links = 20'000'000;
  /// The largest capacity, production, demand, volume or quota, in tonnes a year: ten times all
  /// the material mined on Earth in a year, and small enough that sums over millions of figures
  /// stay finite and the max-flow's integer units (a thousandth of a tonne) exact.
  double max_amount = 1e12;
};

struct LoadOptions {
  bool strict = false;     ///< require sources on every figure; warn about stale facts
  LoadLimits limits;
  /// Diagnostics kept per code (0: every one); the rest are counted (Diagnostics::omitted).
  std::size_t max_per_code = 0;
};

/// What a load produced: the dataset when there were no errors, and every diagnostic.
struct DatasetLoad {
  std::optional<Dataset> dataset;
  Diagnostics diagnostics;
  std::vector<std::string> files;   ///< the files read, in order
};

/// Loads a dataset from a YAML file or a directory of YAML files (read in sorted path order).
DatasetLoad load_dataset(const std::filesystem::path& path, const LoadOptions& options = {});
/// Loads a one-file dataset from text; `name` is used in diagnostics. Never throws.
DatasetLoad load_dataset_from_string(std::string_view text, const std::string& name, const LoadOptions& options = {});
/// The YAML files a dataset path stands for, sorted; problems go to `diagnostics`.
std::vector<std::filesystem::path> dataset_files(const std::filesystem::path& path, const LoadLimits& limits,
                                                 Diagnostics& diagnostics);

}  // namespace chokepoint
