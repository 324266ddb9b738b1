#pragma once
/// The scenario impact report (analyses.md, "Scenario impact") as a document and as JSON.

#include <vector>

#include <nlohmann/json.hpp>

#include "chokepoint/report/document.hpp"
#include "chokepoint/scenario/runner.hpp"

namespace chokepoint {

/// Text/Markdown/CSV: a side-by-side summary, then each scenario's detail.
Document impact_document(const Dataset& dataset, const std::vector<ScenarioImpact>& impacts);
/// JSON with "schema": "chokepoint.scenario/1".
nlohmann::ordered_json impact_json(const Dataset& dataset, const std::vector<ScenarioImpact>& impacts);
/// A headline an analyst can quote: "Between 38% and 71% of US Dy demand is met".
std::string impact_headline(const Dataset& dataset, const ScenarioImpact& impact, const ConsumerElementImpact& row);

}  // namespace chokepoint
