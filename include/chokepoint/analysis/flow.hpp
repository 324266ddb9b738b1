#pragma once
/// The flow engine of model.md in `contracts` mode: element tonnes moved from mines to demand,
/// stage by stage, with unsold, stranded, lost and blocked flow accounted for element by element.
/// A FlowPlan is built once per dataset and date (order, compact arrays, frozen baseline
/// proportions); each run under a Disruption is then one linear pass. See docs/flow-engine.md.

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "chokepoint/core/date.hpp"
#include "chokepoint/core/elements.hpp"
#include "chokepoint/model/dataset.hpp"

namespace chokepoint {

namespace flow_detail {
struct PlanData;
struct Runner;

/// Compact element vectors: the values of the elements whose bits are set in `mask`, in element
/// order; every other element is +0.
inline ReVector expand_compact(const double* values, std::uint32_t mask) {
  ReVector x{};
  for (std::uint32_t m = mask; m != 0; m &= m - 1) x[static_cast<std::size_t>(std::countr_zero(m))] = *values++;
  return x;
}
/// Writes x's elements of `mask`; x's other elements must be +0 for expand_compact to give x back.
inline void store_compact(double* values, std::uint32_t mask, const ReVector& x) {
  for (std::uint32_t m = mask; m != 0; m &= m - 1) *values++ = x[static_cast<std::size_t>(std::countr_zero(m))];
}
/// One element of a compact vector.
inline double compact_element(const double* values, std::uint32_t mask, std::size_t e) {
  if ((mask >> e & 1u) == 0) return 0.0;
  return values[std::popcount(mask & ((1u << e) - 1u))];
}

/// Per-facility element vectors that are zero at most facilities and in most elements (stranded,
/// lost): only rows written non-zero take room, and a row only its entries that are not +0 (a mask
/// and one value per bit), so a run over a million facilities holds neither 136 bytes per facility
/// nor per row (at 1e6: 300,000 stranded rows of about four elements each). The per-facility
/// index is made on the first non-zero row: a run where nothing is lost holds nothing for it.
class SparseRows {
 public:
  void reset(std::size_t facilities) {
    facilities_ = facilities;
    row_.clear();  // keeps its buffer for a result that is run again
    rows_.clear();
    values_.clear();
  }
  [[nodiscard]] ReVector operator[](Index f) const {
    if (row_.empty() || row_[f] == kNone) return ReVector{};
    const Row& r = rows_[row_[f]];
    return expand_compact(values_.data() + r.begin, r.mask);
  }
  void set(Index f, const ReVector& x) {
    if (row_.empty()) {
      if (std::none_of(x.begin(), x.end(), [](double v) { return v != 0.0; })) return;
      row_.assign(facilities_, kNone);
    }
    std::uint32_t mask = 0;  // entries other than +0 (a -0 is kept, as a full row would keep it)
    for (std::size_t e = 0; e < x.size(); ++e) mask |= (std::bit_cast<std::uint64_t>(x[e]) != 0 ? 1u : 0u) << e;
    if (row_[f] != kNone && (mask & ~rows_[row_[f]].mask) == 0) {
      // Written again (a cycle's sweeps) with no new element: in place.
      const Row& r = rows_[row_[f]];
      store_compact(values_.data() + r.begin, r.mask, x);
      return;
    }
    if (row_[f] == kNone && std::none_of(x.begin(), x.end(), [](double v) { return v != 0.0; })) return;
    row_[f] = static_cast<Index>(rows_.size());
    rows_.push_back({mask, static_cast<Index>(values_.size())});
    for (std::uint32_t m = mask; m != 0; m &= m - 1) values_.push_back(x[static_cast<std::size_t>(std::countr_zero(m))]);
  }

 private:
  struct Row {
    std::uint32_t mask;  // RE bits stored
    Index begin;         // its first value in values_
  };
  std::size_t facilities_ = 0;
  std::vector<Index> row_;    // per facility: its row in rows_, kNone while zero; empty while all are
  std::vector<Row> rows_;
  std::vector<double> values_;
};
}  // namespace flow_detail

/// Which rule of model.md ("How material moves") a facility follows; both bounds use it.
enum class StageRule : std::uint8_t {
  source,    ///< mine: emits its production as a fixed mix (rule 1)
  separate,  ///< processing, separation: bound on total feed in t REO (rule 2)
  convert,   ///< metal, alloy, recycling: element by element, bound per output (rule 3)
  recipe,    ///< magnet, manufacturing: Leontief recipe per output (rule 4)
  sink,      ///< demand (rule 5)
};

/// The rule a stage follows.
StageRule stage_rule(Stage stage);

/// Options fixed when a plan is built.
struct FlowOptions {
  std::optional<Date> as_of;   ///< links take part when active on this date; none: by status only
  double tolerance = 1e-9;     ///< cycles: largest relative change of any element tonne between sweeps
  int max_iterations = 10000;  ///< cycles: sweeps per strongly connected component before giving up
};

/// What one run changes relative to the baseline. Every vector is empty (no change) or has one
/// entry per dataset facility or link; the baseline is the run with a default Disruption.
struct Disruption {
  std::vector<double> capacity_factor;     ///< per facility, >= 0: scales a mine's emission or a plant's bound
  std::vector<double> pass_factor;         ///< per link, 0..1: share of its contracted flow that gets through
  std::vector<double> demand_factor;       ///< per facility, >= 0: scales a demand sink's quantities
  std::vector<std::uint8_t> participates;  ///< per facility, 0/1; empty: operating and ramping facilities
  bool redirect = false;                   ///< offer blocked flow to the supplier's other customers
};

/// Every element flow of one facility in one run, in tonnes of contained element per year.
struct FacilityFlow {
  ReVector received{};   ///< arrived over links
  ReVector produced{};   ///< put into its outputs (mines: emitted)
  ReVector shipped{};    ///< left over links and arrived
  ReVector stranded{};   ///< received but not processed: no capability, no capacity, no recipe
  ReVector lost{};       ///< lost to recovery < 1
  ReVector unsold{};     ///< produced but taken by no link
  ReVector blocked{};    ///< produced for a link that did not let it through
  ReVector delivered{};  ///< demand sinks: received and demanded
  ReVector excess{};     ///< demand sinks: received beyond demand or not demanded at all
};

/// The flow over one link in one run.
struct LinkFlow {
  ReVector carried{};          ///< element tonnes that arrived
  ReVector blocked{};          ///< element tonnes the link's contract held that did not get through
  double carried_tonnes = 0;   ///< carried, in tonnes of the link's material (its basis)
  double blocked_tonnes = 0;   ///< blocked, in tonnes of the link's material
};

/// One demand entry of one demand sink in one run.
struct DemandFlow {
  Index facility = kNone;
  Index entry = kNone;         ///< index into the facility's `demand`
  Index material = kNone;
  double demand_tonnes = 0;    ///< quantity x demand factor, in the material's basis
  double delivered_tonnes = 0;
  double shortfall_tonnes = 0;
  ReVector demand{};           ///< element tonnes demanded
  ReVector delivered{};        ///< element tonnes delivered

  /// max(0, demand - delivered) per element. Computed, not stored: a run holds one row per
  /// demand entry (250,000 at 1e6 facilities), and a stored copy was 136 bytes of each.
  [[nodiscard]] ReVector shortfall() const {
    ReVector s{};
    for (std::size_t e = 0; e < s.size(); ++e) s[e] = std::max(0.0, demand[e] - delivered[e]);
    return s;
  }
};

/// Where conservation (model.md rule 8) or a sign check fails.
struct ConservationViolation {
  Index facility = kNone;
  int element = -1;            ///< RE index
  double inflow = 0;           ///< received (+ emitted for mines)
  double outflow = 0;          ///< shipped + stranded + lost + unsold + blocked + delivered + excess
  std::string what;            ///< "balance", or the quantity that is negative or not finite
};

/// The precomputed plan of a dataset on a date. Keeps a pointer to the dataset, which must outlive it.
class FlowPlan {
 public:
  /// The dataset the plan was built from.
  [[nodiscard]] const Dataset& dataset() const;
  /// The options it was built with.
  [[nodiscard]] const FlowOptions& options() const;
  /// Does facility f take part in the baseline (operating or ramping)?
  [[nodiscard]] bool participates(Index facility) const;
  /// Is link l part of the plan (active on the date, its supplier lists its material)?
  [[nodiscard]] bool in_plan(Index link) const;
  /// The frozen baseline share of the supplier's output of the link's material that the link takes.
  [[nodiscard]] double proportion(Index link) const;
  /// Strongly connected components that hold a cycle.
  [[nodiscard]] std::size_t cyclic_component_count() const;
  /// Internal arrays, for the engine's own translation units.
  [[nodiscard]] const flow_detail::PlanData& data() const { return *data_; }

 private:
  friend FlowPlan build_flow_plan(const Dataset& dataset, const FlowOptions& options);
  friend class FlowResult;
  friend struct flow_detail::Runner;
  std::shared_ptr<const flow_detail::PlanData> data_;
};

class FlowResult;

/// The demand rows of a run, one per demand entry of every demand sink, in facility then entry
/// order. Each row is computed when read, from the run's per-group arrays: stored, they were 312
/// bytes each (78 MB of every run at 1e6 facilities). A row read twice is computed twice, so a
/// loop that needs one row many times keeps a copy. The view reads its FlowResult, which must
/// outlive it (not `run_flow(plan).demand()`: that result is gone at the end of the statement).
class DemandRows {
 public:
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = DemandFlow;
    using difference_type = std::ptrdiff_t;
    using reference = DemandFlow;
    using pointer = void;
    Iterator() = default;
    Iterator(const FlowResult* result, std::size_t row) : result_(result), row_(row) {}
    DemandFlow operator*() const;
    Iterator& operator++() {
      ++row_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator before = *this;
      ++row_;
      return before;
    }
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.row_ == b.row_; }

   private:
    const FlowResult* result_ = nullptr;
    std::size_t row_ = 0;
  };

  explicit DemandRows(const FlowResult& result) : result_(&result) {}
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] bool empty() const { return size() == 0; }
  [[nodiscard]] DemandFlow operator[](std::size_t row) const;
  /// The sink of one row, without building the row.
  [[nodiscard]] Index facility(std::size_t row) const;
  /// Element tonnes delivered to one row, without building the row.
  [[nodiscard]] double delivered(std::size_t row, int element) const;
  [[nodiscard]] Iterator begin() const { return {result_, 0}; }
  [[nodiscard]] Iterator end() const { return {result_, size()}; }

 private:
  const FlowResult* result_;
};

/// The result of one run: compact per-run arrays, read through accessors that return plain structs
/// keyed by dataset indices (per-facility vectors are derived on request so 1e6 facilities stay small).
class FlowResult {
 public:
  /// Every flow of facility f.
  [[nodiscard]] FacilityFlow facility(Index f) const;
  /// Element tonnes arriving at facility f.
  [[nodiscard]] ReVector received(Index f) const;
  /// Element tonnes facility f put into its outputs.
  [[nodiscard]] ReVector produced(Index f) const;
  /// Element tonnes stranded at facility f.
  [[nodiscard]] ReVector stranded(Index f) const { return stranded_[f]; }
  /// Element tonnes facility f lost to recovery.
  [[nodiscard]] ReVector lost(Index f) const { return lost_[f]; }
  /// Element tonnes in output `output` (index into the facility's outputs) of facility f.
  [[nodiscard]] ReVector output(Index f, std::size_t output) const;
  /// Tonnes of material, in its basis, in output `output` of facility f.
  [[nodiscard]] double output_tonnes(Index f, std::size_t output) const;
  /// The flow over link l (zero for links outside the plan).
  [[nodiscard]] LinkFlow link(Index l) const;
  /// Element tonnes that arrived over link l, for one RE index.
  [[nodiscard]] double carried(Index l, int element) const;
  /// One row per demand entry of every demand sink, in facility then entry order.
  [[nodiscard]] DemandRows demand() const;
  /// A demand sink's entries summed (entry and material kNone; tonnes add across its materials;
  /// its shortfall() is that of the sums).
  [[nodiscard]] DemandFlow sink_demand(Index f) const;
  /// Did every cycle reach its fixed point within the tolerance?
  [[nodiscard]] bool converged() const { return converged_; }
  /// Most sweeps any strongly connected component needed (1 for an acyclic graph).
  [[nodiscard]] int iterations() const { return iterations_; }
  /// The plan this result was run on.
  [[nodiscard]] const FlowPlan& plan() const { return plan_; }

 private:
  friend struct flow_detail::Runner;
  friend class DemandRows;
  [[nodiscard]] std::size_t demand_count() const;
  [[nodiscard]] DemandFlow demand_row(std::size_t row) const;
  [[nodiscard]] double delivered_in_row(std::size_t row, std::size_t element) const;
  [[nodiscard]] Index facility_of_row(std::size_t row) const;
  [[nodiscard]] double pass_share(Index l) const;     // pass factor x customer takes part
  [[nodiscard]] double carried_share(Index l) const;  // of the supplier's output stream
  [[nodiscard]] double blocked_share(Index l) const;
  [[nodiscard]] bool takes_part(Index f) const;
  [[nodiscard]] ReVector stream(Index slot) const;  // one slot's stream as a full vector
  FlowPlan plan_;
  std::vector<double> stream_;            // per output slot: element tonnes produced into it, compact
                                          // (PlanData::stream_begin)
  flow_detail::SparseRows stranded_, lost_; // per facility
  std::vector<double> pass_;              // the run's pass factors (empty: all 1)
  std::vector<std::uint8_t> participates_;// the run's participation (empty: the baseline's)
  std::vector<double> extra_;             // per link: share added by redirect or rule 6 (empty: none)
  std::vector<double> keep_;              // per slot: share of its blocked flow redirect left blocked
  std::vector<double> unsold_;            // per slot, while the plan is built
  std::vector<double> group_received_;    // per demand group (sink, material), compact: one value per
                                          // element its links can bring (DemandGroup::carries)
  std::vector<double> group_delivered_;   // per demand group: delivered share of what it received
  std::vector<ReVector> scratch_;         // per output of the facility being processed
  std::vector<double> demand_factor_;     // the run's demand factors (empty: all 1)
  bool converged_ = true;
  int iterations_ = 0;
};

inline DemandRows FlowResult::demand() const { return DemandRows(*this); }
inline DemandFlow DemandRows::Iterator::operator*() const { return result_->demand_row(row_); }
inline std::size_t DemandRows::size() const { return result_->demand_count(); }
inline DemandFlow DemandRows::operator[](std::size_t row) const { return result_->demand_row(row); }
inline Index DemandRows::facility(std::size_t row) const { return result_->facility_of_row(row); }
inline double DemandRows::delivered(std::size_t row, int element) const {
  return result_->delivered_in_row(row, static_cast<std::size_t>(element));
}

/// Builds the plan: participation, links on the date, topological order of the strongly connected
/// components, and the baseline run whose link proportions (model.md rule 6) are then frozen.
FlowPlan build_flow_plan(const Dataset& dataset, const FlowOptions& options = {});

/// One contracts-mode run: every supplier ships along its baseline links in baseline proportions.
FlowResult run_flow(const FlowPlan& plan, const Disruption& disruption = {});

/// The same, reusing `result`'s buffers (no allocation when it already holds a run of this plan).
void run_flow(const FlowPlan& plan, const Disruption& disruption, FlowResult& result);

/// Checks model.md rule 8 element by element at every facility, and that no flow is negative.
std::vector<ConservationViolation> check_conservation(const FlowResult& result, double tolerance = 1e-6);

/// A share of a facility's received element that passed through a country at a stage.
struct StageCountryShare {
  Stage stage = Stage::mine;
  Index country = kNone;  ///< kNone for facilities without a country
  double share = 0;
};

/// A share of a facility's received element that passed through an upstream facility.
struct FacilityShare {
  Index facility = kNone;
  double share = 0;
};

/// What to trace: which facilities' receipts and which elements; empty means all.
struct TraceRequest {
  std::vector<Index> targets;  ///< only these facilities and their upstream cone are traced
  std::vector<int> elements;   ///< RE indices
  bool facilities = false;     ///< also trace individual upstream facilities (larger)
  /// Keep every traced facility's row. False (with targets given): keep only the targets' rows;
  /// the cone is traced all the same, one element at a time, but what passed through each
  /// upstream facility is dropped once the element is done. At 10^6 facilities the rows of a
  /// large consumer's cone take gigabytes.
  bool upstream = true;
};

/// Origin tracing by proportional mixing: every traced facility's received element, split by the
/// countries and facilities it passed through at each upstream stage.
class OriginTrace {
 public:
  /// Was facility f traced and kept (a target, or upstream of one unless the request dropped those)?
  [[nodiscard]] bool traced(Index f) const { return f < local_.size() && local_[f] != kNone; }
  /// Shares of f's received element that passed through each (stage, country), sorted by stage, country.
  [[nodiscard]] std::vector<StageCountryShare> countries(Index f, int element) const;
  /// Share of f's received element that passed through any facility of each stage.
  [[nodiscard]] std::array<double, kStageCount> stages(Index f, int element) const;
  /// Shares of f's received element that passed through each upstream facility, by facility index.
  [[nodiscard]] std::vector<FacilityShare> facilities(Index f, int element) const;

 private:
  friend OriginTrace trace_origins(const FlowResult& result, const TraceRequest& request);
  struct Entry {
    Index key;
    double share;
  };
  struct Range {
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
  };
  [[nodiscard]] std::span<const Entry> row(const std::vector<Range>& ranges, const std::vector<Entry>& entries,
                                           Index f, int element) const;
  Index country_count_ = 0;
  std::vector<Index> local_;               // facility -> traced row, or kNone
  std::vector<Range> country_rows_;        // per (traced row, RE index)
  std::vector<Entry> country_entries_;     // key: stage * (countries + 1) + country, then stage totals
  std::vector<Range> facility_rows_;
  std::vector<Entry> facility_entries_;    // key: facility index
};

/// Traces origins on a run (normally the baseline).
OriginTrace trace_origins(const FlowResult& result, const TraceRequest& request = {});

/// One target's row of one element, as visit_origins hands it over.
struct OriginRow {
  Index facility = kNone;
  int element = 0;                                ///< RE index
  double received = 0;                            ///< element tonnes, as FlowResult::received gives them
  std::span<const StageCountryShare> countries;   ///< as OriginTrace::countries; valid during the call
  std::array<double, kStageCount> stages{};       ///< as OriginTrace::stages
};

/// The trace of trace_origins(result, {targets, elements, false, false}), handed over instead of
/// kept: `visit` is called once per target (no targets: every facility) and element with its
/// row, the same values bit for bit, elements in the order given (empty: all), targets in the
/// plan's topological order. Only the rows later rows read are held while an element is traced,
/// so that the dependencies of a quarter of a million demand sinks cost the memory of their
/// upstream alone.
void visit_origins(const FlowResult& result, const std::vector<Index>& targets, const std::vector<int>& elements,
                   const std::function<void(const OriginRow&)>& visit);

}  // namespace chokepoint
