#pragma once
/// The dataset at a glance: counts by stage, country and status, and the baseline mass balance.

#include <array>
#include <map>
#include <optional>
#include <vector>

#include "chokepoint/analysis/flow.hpp"

namespace chokepoint {

/// Baseline flow of one element through one stage, t/yr of contained element.
struct StageBalance {
  Stage stage = Stage::mine;
  int element = 0;
  double received = 0;
  double produced = 0;
  double shipped = 0;
  double stranded = 0;
  double lost = 0;
  double unsold = 0;
  double blocked = 0;
  double demand = 0;     ///< demand stage only
  double delivered = 0;  ///< demand stage only
};

struct DatasetSummary {
  std::optional<Date> as_of;
  std::array<std::array<std::size_t, kStatusCount>, kStageCount> by_stage_status{};
  std::map<Index, std::array<std::size_t, kStageCount>> by_country;  ///< country -> facilities per stage
  std::size_t links = 0;
  std::size_t links_active = 0;   ///< on as_of
  std::size_t materials = 0;
  std::size_t sources = 0;
  std::vector<StageBalance> balance;   ///< stages and elements with any flow, stage then element order
  bool converged = true;
  std::size_t conservation_violations = 0;
};

/// Counts and the baseline balance on the dataset's as_of (or `as_of`).
DatasetSummary summarize(const Dataset& dataset, const std::optional<Date>& as_of = std::nullopt);

}  // namespace chokepoint
