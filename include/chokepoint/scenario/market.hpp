#pragma once
/// The `market` bound of model.md ("Two bounds"): a linear program, solved with COIN-OR CLP, that
/// reroutes every rare earth along existing and allowed new links to maximise priority-weighted
/// delivered demand. The formulation is in docs/methodology.md, "Market bound (LP)".

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "chokepoint/analysis/flow.hpp"
#include "chokepoint/model/scenario.hpp"

namespace chokepoint {

/// A capacity event that names one output (capacity_override covers every output of a facility).
struct CapacityChange {
  Index facility = kNone;
  Index material = kNone;  ///< the output's material; kNone: every output of the facility
  double capacity = 0;     ///< t/yr in the material's basis
};

/// What one market run changes relative to the baseline. Every vector is empty (no change) or has
/// one entry per dataset facility or link.
struct MarketInputs {
  std::vector<double> capacity_factor;           ///< per facility, >= 0: scales mine output and plant bounds
  std::vector<std::uint8_t> participates;        ///< per facility, 0/1; empty: operating and ramping facilities
  std::vector<double> demand_factor;             ///< per facility, >= 0: scales a demand sink's quantities
  std::vector<std::uint8_t> link_enabled;        ///< per link, 0/1; empty: the links of the baseline plan
  std::vector<const Measure*> measures;          ///< in force: ban, license, quota (tax changes no tonnes)
  std::vector<double> capacity_override;         ///< per facility: new capacity of every output, NaN: none
  std::vector<CapacityChange> capacity_changes;  ///< applied after capacity_override, in order
  /// Per baseline demand row: among equally good routings, prefer one that keeps each row at or
  /// above these tonnes (pass the contracts run's deliveries); empty: the baseline's.
  std::vector<double> reference_delivered;
  bool allow_new_links = true;                   ///< reroute along links the dataset does not have
  std::size_t max_new_links = 250'000;           ///< candidate new routes beyond this are skipped (and said so)
  std::size_t max_columns = 200'000;             ///< an LP with new links beyond this is solved without them
};

/// The optimal routing of one market run.
struct MarketResult {
  enum class Status : std::uint8_t { optimal, infeasible, limit, error };
  /// A new link the routing used: supplier, customer, material and tonnes in the material's basis.
  struct NewArc {
    Index from = kNone;
    Index to = kNone;
    Index material = kNone;
    double tonnes = 0;
  };

  Status status = Status::error;
  std::string message;              ///< the solver's status in words, the model's size and the notes
  std::vector<std::string> notes;   ///< what the model left out or could not finish (also in message)
  double objective = 0;             ///< priority-weighted delivered tonnes
  std::vector<DemandFlow> demand;   ///< same rows and order as the baseline's FlowResult::demand()
  std::vector<double> link_tonnes;  ///< per dataset link: tonnes of its material routed over it
  std::vector<NewArc> new_arcs;     ///< sorted by (from, to, material)
  std::size_t rows = 0;             ///< LP size, for reports and benchmarks
  std::size_t columns = 0;
  double seconds = 0;               ///< wall time to build and solve
};

/// Name of a status for reports: "optimal", "infeasible", "limit", "error".
const char* market_status_name(MarketResult::Status status);

/// Solves the market bound for one scenario. `baseline` is the contracts-mode baseline run (it fixes
/// the demand rows, mixed-demand compositions, measure coverage and license volumes). Never prints.
MarketResult solve_market(const FlowResult& baseline, const MarketInputs& inputs, double time_limit_seconds = 60);

}  // namespace chokepoint
