#pragma once
/// `summary` as a document and as JSON.

#include <nlohmann/json.hpp>

#include "chokepoint/analysis/summary.hpp"
#include "chokepoint/report/document.hpp"

namespace chokepoint {

Document summary_document(const Dataset& dataset, const DatasetSummary& summary);
nlohmann::ordered_json summary_json(const Dataset& dataset, const DatasetSummary& summary);

}  // namespace chokepoint
