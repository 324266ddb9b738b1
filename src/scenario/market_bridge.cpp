#include "market_bridge.hpp"

namespace chokepoint {

MarketOutcome solve_market_bound(const FlowResult&, const FlowPlan&, const Disruption&, const std::vector<const Measure*>&,
                                 double) {
  MarketOutcome out;
  out.status = "not available in this build";
  return out;
}

}  // namespace chokepoint
