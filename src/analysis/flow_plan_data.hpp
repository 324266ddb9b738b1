#pragma once
/// The flow engine's compact plan: what build_flow_plan precomputes and every run reads.
/// Private to src/analysis.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <vector>

#include "chokepoint/analysis/flow.hpp"

namespace chokepoint::flow_detail {

inline constexpr double kUnbounded = std::numeric_limits<double>::infinity();
inline constexpr std::uint32_t kAllElements = (1u << kRareEarthCount) - 1;

/// Which stage rule of model.md a facility follows.
using Rule = StageRule;

/// How a customer's intake is measured when redirect asks for its spare capacity.
enum class Intake : std::uint8_t { none, reo, element };

/// One output of one facility: a stream of element tonnes in one material.
struct Slot {
  Index facility = kNone;
  Index material = kNone;
  double bound = kUnbounded;         ///< capacity, else production, else unbounded (material tonnes)
  double reference_output = 1;       ///< rule 6 is evaluated at this when the baseline output is 0
  std::uint32_t routes = 0;          ///< RE bits routed into it (fixed outputs) or left over (mixed)
  Index weights = kNone;             ///< into PlanData::route_weights when an element is shared; else 1
  Index mix = kNone;                 ///< mines: where its values start in PlanData::emission
  Index link_begin = 0, link_end = 0;  ///< into PlanData::slot_links
  bool mixed = false;
};

/// A link as a customer sees it; 24 bytes, read in order by the run's hot loop.
struct InLink {
  Index link = kNone;
  Index slot = kNone;        ///< the supplier's output it draws from
  Index group = kNone;       ///< demand sinks: the demand group of its material
  std::uint32_t carries = 0; ///< RE bits the supplier's output can ever hold
  double proportion = 0;     ///< frozen baseline share of the output it takes
};

/// Demand entries of one sink for one material, merged.
struct DemandGroup {
  Index facility = kNone;
  Index material = kNone;
  double quantity = 0;           ///< sum over the entries, t in the material's basis
  std::uint32_t carries = 0;     ///< RE bits its links can bring (the union of their carries)
  Index received_begin = 0;      ///< where a run's compact `received` values for it start
  Index mix = kNone;             ///< mixed materials: into PlanData::group_mixes (see per_tonne)
};

/// Fields ordered to leave no padding (56 bytes): a large chain has a million of them. A sink's
/// first demand row and a facility's component are found when asked (entry_begin, and a search of
/// component_begin): only result accessors and redirect ask.
struct FacilityPlan {
  double recovery = 1;
  double feed_bound = kUnbounded;    ///< separate: t REO of feed; others: intake estimate for redirect
  Rule rule = Rule::sink;
  bool participates = false;     ///< baseline participation
  bool mixed_outputs = false;    ///< has at least one mixed output
  Intake intake = Intake::none;
  std::uint32_t strands = 0;     ///< RE bits with no output to go to
  Index slot_begin = 0, slot_end = 0;
  Index in_begin = 0, in_end = 0;
  Index group_begin = 0, group_end = 0;
  Index position = 0;            ///< in the processing order
};
static_assert(sizeof(FacilityPlan) == 56);

struct PlanData {
  const Dataset* dataset = nullptr;
  FlowOptions options;

  std::vector<FacilityPlan> facilities;
  std::vector<Slot> slots;
  std::vector<ReVector> route_weights;   ///< per-element share of a slot when outputs share an element
  std::vector<double> emission;          ///< mines: element tonnes at full output, one value per RE bit
                                         ///< of the slot's routes (the elements of its mix)
  std::vector<ReVector> material_tonnes; ///< per material: material tonnes per element tonne
  std::vector<ReVector> material_content;///< per material: element tonnes per material tonne

  /// Per dataset link: its place in in_links (which holds its slot and frozen proportion), kNone
  /// outside the plan. One array instead of three per link (slot, customer, proportion: 20 bytes
  /// a link against 4; the customer is the dataset link's `to`), 35 MiB less plan at 1e6.
  std::vector<Index> link_in;
  std::vector<Index> slot_links;         ///< links grouped by slot, in link order
  std::vector<InLink> in_links;          ///< grouped by customer, in link order
  std::vector<double> customer_capacity; ///< per link: rule-6 weight of its customer (build only)
  std::vector<double> unsold;            ///< per slot: frozen baseline unsold share

  /// Per slot, and one past the last at the end: where its values start in a run's streams. A
  /// stream holds one value per RE bit of its slot's routes, in element order: no stage rule
  /// writes an element outside them, so a separated oxide takes 8 bytes instead of a ReVector.
  std::vector<Index> stream_begin;

  std::vector<DemandGroup> groups;
  std::vector<ReVector> group_mixes;     ///< per demand group of a mixed material: its baseline mix
  std::vector<Index> order;              ///< facilities in topological order of their components
  std::vector<Index> component_begin;    ///< into order; one past the last at the end
  std::vector<std::uint8_t> component_cyclic;
  std::size_t max_slots = 0;
  std::size_t entry_count = 0;           ///< demand entries over all sinks
  std::size_t received_values = 0;       ///< sum over groups of their carries' bits
  std::vector<Index> entry_facility;     ///< per demand row: its sink (rows in facility order)
  std::vector<Index> entry_group;        ///< per demand row: its demand group
  std::vector<Index> entry_index;        ///< per demand row: its entry in the sink's demand list
};

/// Sink f's first row in FlowResult::demand() (rows are in facility order).
inline Index entry_begin(const PlanData& p, Index f) {
  return static_cast<Index>(std::lower_bound(p.entry_facility.begin(), p.entry_facility.end(), f) -
                            p.entry_facility.begin());
}


/// Link l's slot, kNone outside the plan.
inline Index link_slot(const PlanData& p, Index l) {
  const Index i = p.link_in[l];
  return i == kNone ? kNone : p.in_links[i].slot;
}
/// Link l's frozen baseline share of its slot's stream (0 outside the plan).
inline double link_proportion(const PlanData& p, Index l) {
  const Index i = p.link_in[l];
  return i == kNone ? 0.0 : p.in_links[i].proportion;
}
/// Link l's customer.
inline Index link_customer(const PlanData& p, Index l) { return p.dataset->links[l].to; }

/// Tonnes of material m in a stream of element tonnes.
inline double tonnes_of(const PlanData& p, Index material, const ReVector& x) {
  const ReVector& w = p.material_tonnes[material];
  double t = 0;
  for (std::size_t e = 0; e < x.size(); ++e) t += w[e] * x[e];
  return t;
}

/// Element tonnes per tonne a demand group asks for: its material's composition, or for a mixed
/// material the mix the group received in the baseline (kept apart: a sink's group is 32 bytes
/// instead of 160, and a large chain has a quarter of a million of them).
inline const ReVector& per_tonne(const PlanData& p, const DemandGroup& g) {
  return g.mix == kNone ? p.material_content[g.material] : p.group_mixes[g.mix];
}

/// RE index of the lowest set bit; the mask must not be 0.
inline std::size_t lowest_element(std::uint32_t mask) { return static_cast<std::size_t>(std::countr_zero(mask)); }

/// Slot s's stream in `values` (a run's compact streams, PlanData::stream_begin) as a full vector.
inline ReVector expand_stream(const PlanData& p, const std::vector<double>& values, Index s) {
  return expand_compact(values.data() + p.stream_begin[s], p.slots[s].routes);
}

/// Writes slot s's stream; x must be zero outside the slot's routes.
inline void store_stream(const PlanData& p, std::vector<double>& values, Index s, const ReVector& x) {
  store_compact(values.data() + p.stream_begin[s], p.slots[s].routes, x);
}

/// One element of slot s's stream.
inline double stream_element(const PlanData& p, const std::vector<double>& values, Index s, std::size_t e) {
  return compact_element(values.data() + p.stream_begin[s], p.slots[s].routes, e);
}

/// into += factor x slot s's stream, over its routes only: elsewhere the stream is zero, and a sum
/// that starts at +0 is unchanged by adding a zero, so this is what a full vector would give.
inline void add_stream(const PlanData& p, const std::vector<double>& values, Index s, double factor, ReVector& into) {
  if (factor == 0) return;
  const double* v = values.data() + p.stream_begin[s];
  for (std::uint32_t m = p.slots[s].routes; m != 0; m &= m - 1) into[lowest_element(m)] += factor * *v++;
}

/// What demand group g received in `values` (a run's compact per-group arrays) as a full vector.
inline ReVector expand_received(const PlanData& p, const std::vector<double>& values, Index g) {
  return expand_compact(values.data() + p.groups[g].received_begin, p.groups[g].carries);
}

/// One element of what demand group g received (0 for one its links cannot bring).
inline double received_element(const PlanData& p, const std::vector<double>& values, Index g, std::size_t e) {
  return compact_element(values.data() + p.groups[g].received_begin, p.groups[g].carries, e);
}

/// The bound scaled by a capacity factor; 0 x unbounded is 0, not NaN.
inline double scaled_bound(double bound, double factor) {
  if (factor <= 0) return 0;
  return bound == kUnbounded ? kUnbounded : bound * factor;
}


/// The engine's run loop; a struct so that it can be FlowResult's friend.
struct Runner {
  /// Runs with rule 6 evaluated on the current output (the baseline) or frozen proportions.
  static void run(const FlowPlan& plan, const Disruption& disruption, bool dynamic_split, FlowResult& result);
  static const std::vector<double>& streams(const FlowResult& r) { return r.stream_; }
  static double carried_share(const FlowResult& r, Index link) { return r.carried_share(link); }
  static const std::vector<double>& extra(const FlowResult& r) { return r.extra_; }
  static const std::vector<double>& unsold(const FlowResult& r) { return r.unsold_; }
  static const std::vector<double>& group_received(const FlowResult& r) { return r.group_received_; }
};

/// Rule 6 for one slot at output `output_tonnes`: writes each of its links' share of the stream.
void split_by_rule(const PlanData& p, const Slot& slot, double output_tonnes, std::vector<double>& carried,
                   double& unsold);

}  // namespace chokepoint::flow_detail
