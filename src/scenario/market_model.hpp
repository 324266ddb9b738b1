#pragma once
/// The market bound's linear program, built from a baseline run and a scenario's inputs.
/// Private to src/scenario; the formulation is in docs/methodology.md, "Market bound (LP)".

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "chokepoint/scenario/market.hpp"

namespace chokepoint::market_detail {

inline constexpr double kInfinity = std::numeric_limits<double>::infinity();
inline constexpr std::uint32_t kAllElements = (1u << kRareEarthCount) - 1;

/// Which rule of model.md "How material moves" a facility follows.
enum class Rule : std::uint8_t { source, separate, convert, recipe, sink };

/// What one unit of a stream carries: element tonnes per unit. A stream type is a base (a mine
/// output's fixed mix, a recipe product's composition, or one loose element) restricted to a mask
/// of elements; the mask only shrinks as separators take elements out.
struct StreamType {
  std::uint32_t base = 0;
  std::uint32_t mask = 0;
  ReVector content{};
};

/// One output of one facility.
struct SlotModel {
  Index facility = kNone;
  Index output = kNone;        ///< index into the facility's outputs
  Index material = kNone;
  bool mixed = false;
  double bound = kInfinity;    ///< scaled by the capacity factor; mines: t of output, others: t of material
  std::uint32_t routes = 0;    ///< elements it takes (fixed outputs) or leftover (mixed outputs)
};

struct FacilityModel {
  Rule rule = Rule::sink;
  bool participates = false;
  bool useful = false;         ///< a demand sink, or a supplier of a useful facility
  double recovery = 1;
  double feed_bound = kInfinity;  ///< separate: t REO of feed
  std::uint32_t fixed = 0;     ///< elements some fixed output takes
  std::uint32_t leftover = 0;  ///< elements that go to mixed outputs
  bool mixed_outputs = false;
  std::uint32_t uses = 0;      ///< elements that can leave it in an output (sinks: all)
  Index slot_begin = 0, slot_end = 0;
  Index group_begin = 0, group_end = 0;
};

/// Demand entries of one sink for one material, merged.
struct DemandGroup {
  Index facility = kNone;
  Index material = kNone;
  double quantity = 0;         ///< t in the material's basis, demand factor applied
  double priority = 1;
  double reference = 0;        ///< tonnes delivered in the reference run (ties go towards keeping them)
};

/// A route from a supplier's output to a customer: a dataset link or a new one.
struct Arc {
  Index slot = kNone;
  Index from = kNone;
  Index to = kNone;
  Index material = kNone;
  Index link = kNone;          ///< kNone: a new link
};

/// One LP column: tonnes of one stream type over one arc (units: see StreamType).
struct Column {
  Index arc = kNone;
  Index type = kNone;
  double tonnes = 0;           ///< tonnes of the arc's material per unit
};

/// A linear program in triplet form: minimise cost.x, row_lower <= A.x <= row_upper.
struct LinearProgram {
  std::vector<double> column_lower, column_upper, cost;
  std::vector<double> row_lower, row_upper;
  std::vector<int> entry_row, entry_column;
  std::vector<double> entry_value;
};

struct MarketModel {
  const Dataset* dataset = nullptr;
  std::vector<FacilityModel> facilities;
  std::vector<SlotModel> slots;
  std::vector<DemandGroup> groups;
  std::vector<StreamType> types;
  std::vector<ReVector> tonnes_weight;   ///< per material: material tonnes per element tonne
  std::vector<Arc> arcs;
  std::vector<std::vector<Index>> slot_types;  ///< per slot: the stream types it can put out
  std::vector<Column> columns;           ///< arc columns; then per group its delivery, then its kept reference
  LinearProgram lp;
  int total_row = -1;                    ///< priority-weighted delivery, free until phase 2 holds it
  std::vector<double> phase3_cost;       ///< per LP column: tonnes on new links, then on existing ones
  std::vector<std::string> notes;        ///< what the model left out, for the result message
};

/// Tonnes of material in a stream of element tonnes.
double tonnes_of(const MarketModel& model, Index material, const ReVector& x);

/// Facilities, slots, demand groups, arcs and the stream types each slot can put out.
MarketModel build_network(const FlowResult& baseline, const MarketInputs& inputs);

/// Adds the columns and rows of the LP to a model built by build_network.
void build_program(const FlowResult& baseline, const MarketInputs& inputs, MarketModel& model);

}  // namespace chokepoint::market_detail
