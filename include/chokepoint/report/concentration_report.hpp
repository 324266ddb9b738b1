#pragma once
/// `concentration` as a document and as JSON.

#include <nlohmann/json.hpp>

#include "chokepoint/analysis/concentration.hpp"
#include "chokepoint/report/document.hpp"

namespace chokepoint {

Document concentration_document(const Dataset& dataset, const ConcentrationReport& report);
nlohmann::ordered_json concentration_json(const Dataset& dataset, const ConcentrationReport& report);

}  // namespace chokepoint
