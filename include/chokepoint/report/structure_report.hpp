#pragma once
/// `chokepoints` and `dependencies` as documents and as JSON.

#include <nlohmann/json.hpp>

#include "chokepoint/analysis/dependency.hpp"
#include "chokepoint/analysis/structure.hpp"
#include "chokepoint/report/document.hpp"

namespace chokepoint {

/// Chokepoint report; `top` limits the rankings (0: all).
Document chokepoints_document(const Dataset& dataset, const StructureReport& report, std::size_t top);
nlohmann::ordered_json chokepoints_json(const Dataset& dataset, const StructureReport& report);

/// One consumer's dependency report with its label ("US", "EU", a facility id).
struct LabelledDependency {
  std::string consumer;
  DependencyReport report;
};
Document dependencies_document(const Dataset& dataset, const std::vector<LabelledDependency>& reports);
nlohmann::ordered_json dependencies_json(const Dataset& dataset, const std::vector<LabelledDependency>& reports);

}  // namespace chokepoint
