#pragma once
/// The text of a synthetic chain (analysis/synthetic.hpp) as dataset files in format v1, for
/// `chokepoint generate`: one YAML file, a directory of YAML files, or YAML plus CSV tables.
///
/// These writers cover the fields the generator sets (dataset, sources, countries, materials;
/// facility id, name, operator, country, owner country, stage, status, recovery, priority, outputs,
/// distribution and demand; link endpoints, material, volume, share, status and source). They are
/// not a general round-trip writer: groups, inputs, elements, locations, notes and the other keys
/// the generator leaves empty are not written.

#include <cstddef>
#include <string>
#include <vector>

#include "chokepoint/model/dataset.hpp"

namespace chokepoint {

/// One file of a dataset directory: its name (no directories) and its text.
struct DatasetFile {
  std::string name;
  std::string text;
};

/// Every section in one YAML file.
[[nodiscard]] std::string synthetic_yaml(const Dataset& ds);

/// dataset.yaml (dataset, sources, countries, materials), then facilities and links in files of at
/// most `per_file` records each (facilities-0001.yaml, ..., links-0001.yaml, ...), so that no file
/// comes near the loader's per-file node budget (docs/limits.md).
[[nodiscard]] std::vector<DatasetFile> synthetic_yaml_files(const Dataset& ds, std::size_t per_file);

/// dataset.yaml (dataset, sources, countries, materials) and the CSV tables facilities.csv,
/// outputs.csv, demand.csv, distribution.csv and links.csv (docs/data-format.md, "CSV tables").
[[nodiscard]] std::vector<DatasetFile> synthetic_csv_files(const Dataset& ds);

/// The number of data rows (header rows not counted) in the CSV tables of synthetic_csv_files.
[[nodiscard]] std::size_t synthetic_csv_rows(const Dataset& ds);

}  // namespace chokepoint
