#pragma once
/// The risk report (docs/risk.md) as a document and as JSON, and the shard
/// files `risk merge` reads.

#include <nlohmann/json.hpp>

#include "chokepoint/report/document.hpp"
#include "chokepoint/scenario/risk.hpp"

namespace chokepoint {

/// Text/Markdown/CSV: shortfall statistics per consumer and element, then
/// structure frequencies.
Document risk_document(const RiskSummary &summary);
/// JSON with "schema": "chokepoint.risk/1".
nlohmann::ordered_json risk_json(const RiskSummary &summary);
/// A slice's raw samples, "schema": "chokepoint.risk-shard/1".
nlohmann::ordered_json risk_shard_json(const RiskSamples &samples);
/// Reads a shard file's JSON; throws std::invalid_argument when it is not one.
RiskSamples risk_shard_from_json(const nlohmann::json &json);

} // namespace chokepoint
