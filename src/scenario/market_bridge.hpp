#pragma once
// Private to src/scenario: the market bound as the runner sees it.

#include <string>
#include <vector>

#include "chokepoint/analysis/flow.hpp"
#include "chokepoint/model/scenario.hpp"

namespace chokepoint {

struct MarketOutcome {
  bool ok = false;
  std::string status;
  std::vector<DemandFlow> demand;
};

/// Solves the market bound for a scenario given as the contracts bound's disruption and measures.
MarketOutcome solve_market_bound(const FlowResult& baseline, const FlowPlan& plan, const Disruption& disruption,
                                 const std::vector<const Measure*>& measures, double time_limit_seconds);

}  // namespace chokepoint
