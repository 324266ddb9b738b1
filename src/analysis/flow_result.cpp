#include <algorithm>
#include <cmath>

#include "flow_plan_data.hpp"

namespace chokepoint {

using flow_detail::FacilityPlan;
using flow_detail::PlanData;
using flow_detail::Rule;
using flow_detail::Runner;
using flow_detail::Slot;

namespace {

void add_scaled(ReVector& into, double factor, const ReVector& x) {
  if (factor == 0) return;
  for (std::size_t e = 0; e < into.size(); ++e) into[e] += factor * x[e];
}

ReVector sum_of(std::initializer_list<const ReVector*> parts) {
  ReVector total{};
  for (const ReVector* part : parts) add_scaled(total, 1.0, *part);
  return total;
}

}  // namespace

FlowResult run_flow(const FlowPlan& plan, const Disruption& disruption) {
  FlowResult result;
  run_flow(plan, disruption, result);
  return result;
}

void run_flow(const FlowPlan& plan, const Disruption& disruption, FlowResult& result) {
  Runner::run(plan, disruption, /*dynamic_split=*/false, result);
}

ReVector FlowResult::stream(Index slot) const { return flow_detail::expand_stream(plan_.data(), stream_, slot); }

bool FlowResult::takes_part(Index f) const {
  return participates_.empty() ? plan_.data().facilities[f].participates : participates_[f] != 0;
}

double FlowResult::pass_share(Index l) const {
  if (!takes_part(flow_detail::link_customer(plan_.data(), l))) return 0.0;
  return pass_.empty() ? 1.0 : std::clamp(pass_[l], 0.0, 1.0);
}

double FlowResult::carried_share(Index l) const {
  const PlanData& p = plan_.data();
  if (p.link_in[l] == kNone) return 0.0;
  return p.in_links[p.link_in[l]].proportion * pass_share(l) + (extra_.empty() ? 0.0 : extra_[l]);
}

double FlowResult::blocked_share(Index l) const {
  const PlanData& p = plan_.data();
  if (p.link_in[l] == kNone) return 0.0;
  const flow_detail::InLink& in = p.in_links[p.link_in[l]];
  return in.proportion * (1.0 - pass_share(l)) * (keep_.empty() ? 1.0 : keep_[in.slot]);
}

ReVector FlowResult::received(Index f) const {
  const PlanData& p = plan_.data();
  const FacilityPlan& fp = p.facilities[f];
  ReVector x{};
  if (!takes_part(f)) return x;
  for (Index i = fp.in_begin; i < fp.in_end; ++i) {
    flow_detail::add_stream(p, stream_, p.in_links[i].slot, carried_share(p.in_links[i].link), x);
  }
  return x;
}

ReVector FlowResult::produced(Index f) const {
  const FacilityPlan& fp = plan_.data().facilities[f];
  ReVector x{};
  for (Index s = fp.slot_begin; s < fp.slot_end; ++s) flow_detail::add_stream(plan_.data(), stream_, s, 1.0, x);
  return x;
}

ReVector FlowResult::output(Index f, std::size_t output) const {
  return stream(plan_.data().facilities[f].slot_begin + static_cast<Index>(output));
}

double FlowResult::output_tonnes(Index f, std::size_t output) const {
  const PlanData& p = plan_.data();
  const Index s = p.facilities[f].slot_begin + static_cast<Index>(output);
  return flow_detail::tonnes_of(p, p.slots[s].material, stream(s));
}

LinkFlow FlowResult::link(Index l) const {
  const PlanData& p = plan_.data();
  LinkFlow flow;
  const Index s = flow_detail::link_slot(p, l);
  if (s == kNone) return flow;
  flow_detail::add_stream(p, stream_, s, carried_share(l), flow.carried);
  flow_detail::add_stream(p, stream_, s, blocked_share(l), flow.blocked);
  flow.carried_tonnes = flow_detail::tonnes_of(p, p.slots[s].material, flow.carried);
  flow.blocked_tonnes = flow_detail::tonnes_of(p, p.slots[s].material, flow.blocked);
  return flow;
}

double FlowResult::carried(Index l, int element) const {
  const Index s = flow_detail::link_slot(plan_.data(), l);
  return s == kNone ? 0.0
                    : carried_share(l) * flow_detail::stream_element(plan_.data(), stream_, s, static_cast<std::size_t>(element));
}

FacilityFlow FlowResult::facility(Index f) const {
  const PlanData& p = plan_.data();
  const FacilityPlan& fp = p.facilities[f];
  FacilityFlow flow;
  flow.received = received(f);
  flow.stranded = stranded_[f];
  flow.lost = lost_[f];
  for (Index s = fp.slot_begin; s < fp.slot_end; ++s) {
    const Slot& slot = p.slots[s];
    flow_detail::add_stream(p, stream_, s, 1.0, flow.produced);
    flow_detail::add_stream(p, stream_, s, p.unsold[s], flow.unsold);
    for (Index i = slot.link_begin; i < slot.link_end; ++i) {
      flow_detail::add_stream(p, stream_, s, carried_share(p.slot_links[i]), flow.shipped);
      flow_detail::add_stream(p, stream_, s, blocked_share(p.slot_links[i]), flow.blocked);
    }
  }
  if (fp.rule != Rule::sink) return flow;
  // Excess: what reached no demand group, plus each group's undelivered part.
  flow.excess = flow.received;
  for (Index g = fp.group_begin; g < fp.group_end; ++g) {
    const ReVector received = flow_detail::expand_received(p, group_received_, g);
    add_scaled(flow.delivered, group_delivered_[g], received);
    add_scaled(flow.excess, -group_delivered_[g], received);
  }
  return flow;
}

std::size_t FlowResult::demand_count() const { return plan_.data_ ? plan_.data().entry_count : 0; }

// Demand row `row`: entry k of sink f takes its quantity's share of what its group received and
// delivered, at the run's demand factor.
DemandFlow FlowResult::demand_row(std::size_t row) const {
  const PlanData& p = plan_.data();
  const Index f = p.entry_facility[row];
  const Index g = p.entry_group[row];
  const Index k = p.entry_index[row];
  const flow_detail::DemandGroup& group = p.groups[g];
  const DemandEntry& entry = p.dataset->facilities[f].demand[k];
  const double factor = std::max(0.0, demand_factor_.empty() ? 1.0 : demand_factor_[f]);
  const double share = group.quantity > 0 ? entry.quantity / group.quantity : 0.0;
  const ReVector received = flow_detail::expand_received(p, group_received_, g);
  DemandFlow d;
  d.facility = f;
  d.entry = k;
  d.material = group.material;
  d.demand_tonnes = entry.quantity * factor;
  d.delivered_tonnes = group_delivered_[g] * flow_detail::tonnes_of(p, group.material, received) * share;
  d.shortfall_tonnes = std::max(0.0, d.demand_tonnes - d.delivered_tonnes);
  const ReVector& per_tonne = flow_detail::per_tonne(p, group);
  for (std::size_t e = 0; e < received.size(); ++e) {
    d.demand[e] = per_tonne[e] * d.demand_tonnes;
    d.delivered[e] = group_delivered_[g] * received[e] * share;
  }
  return d;
}

Index FlowResult::facility_of_row(std::size_t row) const { return plan_.data().entry_facility[row]; }

double FlowResult::delivered_in_row(std::size_t row, std::size_t element) const {
  const PlanData& p = plan_.data();
  const Index f = p.entry_facility[row];
  const Index g = p.entry_group[row];
  const flow_detail::DemandGroup& group = p.groups[g];
  const DemandEntry& entry = p.dataset->facilities[f].demand[p.entry_index[row]];
  const double share = group.quantity > 0 ? entry.quantity / group.quantity : 0.0;
  return group_delivered_[g] * flow_detail::received_element(p, group_received_, g, element) * share;
}

DemandFlow FlowResult::sink_demand(Index f) const {
  const FacilityPlan& fp = plan_.data().facilities[f];
  DemandFlow total;
  total.facility = f;
  if (fp.rule != Rule::sink) return total;
  const std::size_t entries = plan_.dataset().facilities[f].demand.size();
  const std::size_t first = flow_detail::entry_begin(plan_.data(), f);
  for (std::size_t k = first; k < first + entries; ++k) {
    const DemandFlow row = demand_row(k);
    total.demand_tonnes += row.demand_tonnes;
    total.delivered_tonnes += row.delivered_tonnes;
    total.shortfall_tonnes += row.shortfall_tonnes;
    add_scaled(total.demand, 1.0, row.demand);
    add_scaled(total.delivered, 1.0, row.delivered);
  }
  return total;
}

std::vector<ConservationViolation> check_conservation(const FlowResult& result, double tolerance) {
  const PlanData& p = result.plan().data();
  std::vector<ConservationViolation> violations;
  for (Index f = 0; f < p.facilities.size(); ++f) {
    const FacilityFlow flow = result.facility(f);
    const bool source = p.facilities[f].rule == Rule::source;
    const ReVector inflow = source ? sum_of({&flow.received, &flow.produced}) : flow.received;
    const ReVector outflow = sum_of({&flow.shipped, &flow.stranded, &flow.lost, &flow.unsold, &flow.blocked,
                                     &flow.delivered, &flow.excess});
    const ReVector output = sum_of({&flow.shipped, &flow.unsold, &flow.blocked});
    const std::pair<const char*, const ReVector*> signed_parts[] = {
        {"received", &flow.received}, {"produced", &flow.produced}, {"shipped", &flow.shipped},
        {"stranded", &flow.stranded}, {"lost", &flow.lost},         {"unsold", &flow.unsold},
        {"blocked", &flow.blocked},   {"delivered", &flow.delivered}, {"excess", &flow.excess}};
    for (std::size_t e = 0; e < inflow.size(); ++e) {
      const double scale = std::max(1.0, inflow[e]);
      const int re = static_cast<int>(e);
      for (const auto& [name, part] : signed_parts) {
        const double v = (*part)[e];
        if (!std::isfinite(v) || v < -tolerance * scale) violations.push_back({f, re, inflow[e], v, name});
      }
      if (std::abs(inflow[e] - outflow[e]) > tolerance * scale) {
        violations.push_back({f, re, inflow[e], outflow[e], "balance"});
      }
      if (std::abs(flow.produced[e] - output[e]) > tolerance * std::max(1.0, flow.produced[e])) {
        violations.push_back({f, re, flow.produced[e], output[e], "output balance"});
      }
    }
  }
  return violations;
}

}  // namespace chokepoint
