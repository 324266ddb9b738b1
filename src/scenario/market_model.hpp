#pragma once
/// The market bound's linear program, built from a baseline run and a scenario's inputs.
/// Private to src/scenario; the formulation is in docs/methodology.md, "Market bound (LP)".

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chokepoint/scenario/market.hpp"

namespace chokepoint::market_detail {

inline constexpr double kInfinity = std::numeric_limits<double>::infinity();
inline constexpr std::uint32_t kAllElements = (1u << kRareEarthCount) - 1;

/// Which rule of model.md "How material moves" a facility follows.
using Rule = StageRule;  // the flow engine's stage rules, so both bounds agree

/// What one unit of a stream carries: element tonnes per unit, summing to 1. A stream type is a
/// fixed mix (a mine's output, a recipe product, one loose element) restricted to the elements that
/// are still in it; separators take elements out, so the mask only shrinks. Streams in the same
/// proportions are the same type, whatever their origin.
struct StreamType {
  std::uint32_t mask = 0;
  ReVector content{};
};

/// Interns stream types by their proportions.
class TypeTable {
 public:
  /// The type of `content` restricted to `mask`, or kNone when nothing is left.
  Index get(std::uint32_t mask, const ReVector& content);
  /// The type of `content` restricted to `mask`, if it exists.
  [[nodiscard]] Index find(std::uint32_t mask, const ReVector& content) const;
  [[nodiscard]] const StreamType& operator[](Index t) const { return types_[t]; }
  [[nodiscard]] std::size_t size() const { return types_.size(); }

 private:
  using Key = std::array<std::int64_t, kRareEarthCount>;
  static std::optional<std::pair<Key, StreamType>> normalise(std::uint32_t mask, const ReVector& content);
  std::vector<StreamType> types_;
  std::map<Key, Index> index_;
};

/// One output of one facility.
struct SlotModel {
  Index facility = kNone;
  Index output = kNone;  ///< index into the facility's outputs
  Index material = kNone;
  bool mixed = false;
  double bound = kInfinity;  ///< scaled by the capacity factor; mines: t of output, others: t of material
  double mix_total = 0;      ///< mines: element tonnes per tonne of output
  std::uint32_t routes = 0;  ///< elements it takes (fixed outputs) or leftover (mixed outputs)
};

struct FacilityModel {
  Rule rule = Rule::sink;
  bool participates = false;
  bool useful = false;  ///< a demand sink, or a supplier of a useful facility
  double recovery = 1;
  double feed_bound = kInfinity;  ///< separate: t REO of feed
  std::uint32_t fixed = 0;        ///< elements some fixed output takes
  std::uint32_t leftover = 0;     ///< elements that go to mixed outputs
  bool mixed_outputs = false;
  std::uint32_t uses = 0;  ///< elements that can leave it in an output (sinks: all)
  Index slot_begin = 0, slot_end = 0;
  Index group_begin = 0, group_end = 0;
};

/// Demand entries of one sink for one material, merged.
struct DemandGroup {
  Index facility = kNone;
  Index material = kNone;
  double quantity = 0;  ///< t in the material's basis, demand factor applied
  double priority = 1;
  double reference = 0;  ///< tonnes delivered in the reference run (ties go towards keeping them)
};

/// The open market for one material: new trade goes supplier -> hub -> customer, so that n
/// suppliers and m customers need n + m arcs, not n x m. Suppliers in a country that issues a
/// measure in force get their own hub, so that coverage (which depends on the supplier's country)
/// stays exact.
struct Hub {
  Index material = kNone;
  Index country = kNone;         ///< an issuing country, or kNone for every other supplier
  Index representative = kNone;  ///< a supplier facility of the hub, for measure coverage
};

/// A route between nodes: facilities are nodes 0..n-1, hubs n.. . A dataset link, or a new route
/// straight from a supplier to a customer, or into or out of a hub.
struct Arc {
  Index slot = kNone;  ///< the supplier's output; kNone when the arc leaves a hub
  Index from = kNone;  ///< node
  Index to = kNone;    ///< node
  Index material = kNone;
  Index link = kNone;  ///< kNone: not a dataset link
};

/// One LP column: tonnes of one stream type over one arc (units: see StreamType).
struct Column {
  Index arc = kNone;
  Index type = kNone;
  double tonnes = 0;  ///< tonnes of the arc's material per unit
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
  TypeTable types;
  std::vector<ReVector> tonnes_weight;  ///< per material: material tonnes per element tonne
  std::vector<Hub> hubs;
  std::vector<Arc> arcs;
  std::vector<std::vector<Index>> slot_types;  ///< per slot: the stream types it can put out
  std::vector<std::vector<Index>> hub_types;   ///< per hub: the stream types it trades

  [[nodiscard]] Index node_count() const { return static_cast<Index>(facilities.size() + hubs.size()); }
  [[nodiscard]] bool is_hub(Index node) const { return node >= facilities.size(); }
  [[nodiscard]] Index hub_of(Index node) const { return node - static_cast<Index>(facilities.size()); }
  /// The stream types arc a can carry.
  [[nodiscard]] const std::vector<Index>& arc_types(const Arc& a) const {
    return a.slot == kNone ? hub_types[hub_of(a.from)] : slot_types[a.slot];
  }
  std::vector<Column> columns;  ///< arc columns; then per group its delivery, then its kept reference
  LinearProgram lp;
  int total_row = -1;               ///< priority-weighted delivery, free until phase 2 holds it
  std::vector<double> phase3_cost;  ///< per LP column: tonnes on new links, then on existing ones
  std::vector<std::string> notes;   ///< what the model left out, for the result message
};

/// Tonnes of material in a stream of element tonnes.
double tonnes_of(const MarketModel& model, Index material, const ReVector& x);

/// Facilities, slots, demand groups, arcs and the stream types each slot can put out.
MarketModel build_network(const FlowResult& baseline, const MarketInputs& inputs);

/// How many arc columns build_program would make.
std::size_t count_columns(const MarketModel& model);

/// Adds the columns and rows of the LP to a model built by build_network.
void build_program(const FlowResult& baseline, const MarketInputs& inputs, MarketModel& model);

}  // namespace chokepoint::market_detail
