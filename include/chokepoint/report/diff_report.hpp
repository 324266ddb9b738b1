#pragma once
/// `diff` as a document (Markdown fit for a pull-request comment, text, CSV) and as JSON
/// ("chokepoint.diff/1").

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chokepoint/analysis/diff.hpp"
#include "chokepoint/core/diagnostic.hpp"
#include "chokepoint/report/document.hpp"

namespace chokepoint {

/// What the diff command found, including a NEW that does not validate.
struct DiffReport {
  std::string old_path;
  std::string new_path;
  std::optional<DatasetDiff> diff;   ///< none when NEW has errors
  Diagnostics new_diagnostics;       ///< NEW's errors and warnings
  std::vector<std::string> fail_on;  ///< the conditions asked for, as given
  std::vector<std::size_t> counts;   ///< per diff_conditions()
  DiffOptions options;
};

/// True when a condition named in fail_on happened.
bool diff_fails(const DiffReport& report);

/// Headline, checks, metrics moved (dependencies, must-pass, concentration), then facts changed.
Document diff_document(const DiffReport& report);
nlohmann::ordered_json diff_json(const DiffReport& report);

}  // namespace chokepoint
