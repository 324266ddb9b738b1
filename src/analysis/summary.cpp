#include "chokepoint/analysis/summary.hpp"

namespace chokepoint {

DatasetSummary summarize(const Dataset& ds, const std::optional<Date>& as_of) {
  DatasetSummary s;
  s.as_of = as_of ? as_of : ds.info.as_of;
  for (const auto& f : ds.facilities) {
    ++s.by_stage_status[static_cast<std::size_t>(f.stage)][static_cast<std::size_t>(f.status)];
    ++s.by_country[f.country][static_cast<std::size_t>(f.stage)];
  }
  s.links = ds.links.size();
  s.materials = ds.materials.size();
  s.sources = ds.sources.size();
  for (const auto& l : ds.links) s.links_active += l.active_on(s.as_of) ? 1 : 0;

  FlowOptions options;
  options.as_of = s.as_of;
  const FlowPlan plan = build_flow_plan(ds, options);
  const FlowResult flow = run_flow(plan);
  s.converged = flow.converged();
  s.conservation_violations = check_conservation(flow).size();

  std::array<std::array<StageBalance, kRareEarthCount>, kStageCount> table{};
  for (Index f = 0; f < ds.facilities.size(); ++f) {
    const FacilityFlow ff = flow.facility(f);
    auto& row = table[static_cast<std::size_t>(ds.facilities[f].stage)];
    for (int e = 0; e < kRareEarthCount; ++e) {
      StageBalance& b = row[static_cast<std::size_t>(e)];
      b.received += ff.received[e];
      b.produced += ff.produced[e];
      b.shipped += ff.shipped[e];
      b.stranded += ff.stranded[e];
      b.lost += ff.lost[e];
      b.unsold += ff.unsold[e];
      b.blocked += ff.blocked[e];
      b.delivered += ff.delivered[e];
    }
  }
  for (const auto& d : flow.demand()) {
    auto& row = table[static_cast<std::size_t>(Stage::demand)];
    for (int e = 0; e < kRareEarthCount; ++e) row[static_cast<std::size_t>(e)].demand += d.demand[e];
  }
  for (int st = 0; st < kStageCount; ++st) {
    for (int e = 0; e < kRareEarthCount; ++e) {
      StageBalance b = table[static_cast<std::size_t>(st)][static_cast<std::size_t>(e)];
      b.stage = static_cast<Stage>(st);
      b.element = e;
      if (b.received + b.produced + b.demand + b.stranded <= 0) continue;
      s.balance.push_back(b);
    }
  }
  return s;
}

}  // namespace chokepoint
