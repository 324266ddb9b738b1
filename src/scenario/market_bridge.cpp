#include "market_bridge.hpp"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "chokepoint/scenario/market.hpp"

namespace chokepoint {
namespace {

/// What a facility's output is bounded by in the market LP: mines their production (capacity when
/// none), plants their capacity (production when none); NaN when neither is given.
double output_bound(const Facility& f, const Output& o) {
  const std::optional<double> first = f.stage == Stage::mine ? o.production : o.capacity;
  const std::optional<double> second = f.stage == Stage::mine ? o.capacity : o.production;
  return first ? *first : second.value_or(std::nan(""));
}

/// The capacity events the scenario's network carries, as changes to the baseline's outputs.
std::vector<CapacityChange> capacity_changes(const Dataset& baseline, const Dataset& network) {
  std::vector<CapacityChange> changes;
  for (Index f = 0; f < baseline.facilities.size(); ++f) {
    const Facility& before = baseline.facilities[f];
    const Facility& after = network.facilities[f];
    for (std::size_t k = 0; k < before.outputs.size() && k < after.outputs.size(); ++k) {
      const double was = output_bound(before, before.outputs[k]);
      const double now = output_bound(after, after.outputs[k]);
      if (std::isnan(now) || was == now) continue;
      changes.push_back({f, after.outputs[k].material, now});
    }
  }
  return changes;
}

}  // namespace

MarketOutcome solve_market_bound(const FlowResult& baseline, const FlowPlan& plan, const Disruption& disruption,
                                 const std::vector<const Measure*>& measures, double time_limit_seconds) {
  MarketOutcome out;
  const Dataset& original = baseline.plan().dataset();
  const Dataset& network = plan.dataset();
  if (network.facilities.size() != original.facilities.size() || network.links.size() != original.links.size()) {
    out.status = "not run: the scenario's network does not line up with the dataset";
    return out;
  }
  MarketInputs inputs;
  inputs.capacity_factor = disruption.capacity_factor;
  inputs.demand_factor = disruption.demand_factor;
  inputs.measures = measures;
  inputs.participates.resize(network.facilities.size());
  for (Index f = 0; f < network.facilities.size(); ++f) {
    inputs.participates[f] = disruption.participates.empty() ? plan.participates(f) : disruption.participates[f];
  }
  // A link the scenario's plan leaves out (an event ended it) or that lets nothing through; measures
  // that let part through are the LP's own rows.
  inputs.link_enabled.resize(network.links.size());
  for (Index l = 0; l < network.links.size(); ++l) {
    const bool passes = disruption.pass_factor.empty() || disruption.pass_factor[l] > 0;
    inputs.link_enabled[l] = plan.in_plan(l) && passes ? 1 : 0;
  }
  inputs.capacity_changes = capacity_changes(original, network);
  // Ties go towards what the contracts bound delivers in the same scenario.
  const FlowResult contracts = run_flow(plan, disruption);
  for (const DemandFlow& row : contracts.demand()) inputs.reference_delivered.push_back(row.delivered_tonnes);

  const MarketResult result = solve_market(baseline, inputs, time_limit_seconds);
  out.ok = result.status == MarketResult::Status::optimal;
  out.status = out.ok ? "optimal" : result.message;
  for (const std::string& note : result.notes) {
    if (out.ok) out.status += "; " + note;
  }
  out.demand = result.demand;
  return out;
}

}  // namespace chokepoint
