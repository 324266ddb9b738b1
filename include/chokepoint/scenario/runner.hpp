#pragma once
/// Runs a scenario on a dataset: both bounds of model.md, and the impact report of analyses.md.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chokepoint/analysis/flow.hpp"
#include "chokepoint/model/scenario.hpp"

namespace chokepoint {

struct ScenarioOptions {
  std::optional<Date> as_of;        ///< overrides the scenario's as_of (then the dataset's)
  bool contracts = true;            ///< run the no-rerouting bound
  bool market = true;               ///< run the perfect-rerouting bound (an LP)
  bool redirect = false;            ///< contracts: offer blocked flow to the supplier's other customers
  double market_time_limit = 60;    ///< seconds
};

/// One demand entry of one sink: what it received in the baseline and under each bound.
/// One rare earth of a SinkImpact, in element tonnes.
struct SinkElement {
  int element = 0;                  ///< RE index
  double demand = 0;
  double baseline = 0;
  double contracts = 0;             ///< 0 when the bound was not run
  double market = 0;
};

struct SinkImpact {
  Index facility = kNone;
  Index entry = kNone;
  Index material = kNone;
  double demand_tonnes = 0;         ///< material tonnes, after demand events
  double baseline_tonnes = 0;       ///< delivered without the scenario
  std::optional<double> contracts_tonnes;
  std::optional<double> market_tonnes;
  /// The rare earths demanded or delivered in any bound, by RE index; the others are zero. Kept
  /// sparse: a sink demands a few of the 17, and four full vectors were 544 bytes a sink.
  std::vector<SinkElement> elements;

  /// Element tonnes as full vectors (zero where `elements` has no entry).
  [[nodiscard]] ReVector demand() const { return gather(&SinkElement::demand); }
  [[nodiscard]] ReVector baseline() const { return gather(&SinkElement::baseline); }
  [[nodiscard]] ReVector contracts() const { return gather(&SinkElement::contracts); }
  [[nodiscard]] ReVector market() const { return gather(&SinkElement::market); }

 private:
  [[nodiscard]] ReVector gather(double SinkElement::*field) const {
    ReVector v{};
    for (const SinkElement& x : elements) v[static_cast<std::size_t>(x.element)] = x.*field;
    return v;
  }
};

/// Delivered element tonnes for one consumer (a country or group) and one element.
struct ConsumerElementImpact {
  std::string consumer;             ///< country code or group id
  int element = 0;                  ///< RE index
  double demand = 0;
  double baseline = 0;
  std::optional<double> contracts;
  std::optional<double> market;
};

/// A link a measure touched in the contracts bound.
/// Its measures are a run of ScenarioImpact::covering (read them with measures_of): a measure
/// on a large chain covers most of its links, and a list of id strings per link was 90 bytes each.
struct CoveredLink {
  Index link = kNone;
  std::uint32_t first_measure = 0;  ///< into ScenarioImpact::covering
  std::uint32_t measure_count = 0;
  double pass = 1;                  ///< share of its contracted flow that still gets through
};

/// What a facility lost of its feed (contracts bound), in element tonnes summed over elements.
struct FeedLoss {
  Index facility = kNone;
  double baseline = 0;
  double scenario = 0;
};

/// Supply held back by measures, by supplier country and element (contracts bound).
struct StrandedSupply {
  Index country = kNone;
  int element = 0;
  double tonnes = 0;
};

/// The impact of one scenario on one date.
struct ScenarioImpact {
  std::string scenario_id;
  std::string title;
  Date as_of;
  std::vector<std::string> measures_in_force;   ///< ids
  std::vector<std::string> measures_not_in_force;
  std::vector<std::string> events_active;       ///< "outage lynas-malaysia x0" etc.
  std::vector<SinkImpact> sinks;
  std::vector<ConsumerElementImpact> consumers; ///< by country, then by group, sorted
  std::vector<CoveredLink> covered_links;
  std::vector<std::uint32_t> covering;          ///< covered links' measures, indices into measures_in_force
  std::vector<FeedLoss> feed_losses;            ///< largest first
  std::vector<StrandedSupply> stranded;         ///< largest first
  bool contracts_converged = true;
  std::string market_status;                    ///< "optimal", "not run", or the solver's problem
  bool market_ok = false;

  /// The ids of the measures on a covered link, in the order they apply.
  [[nodiscard]] std::vector<std::string> measures_of(const CoveredLink& c) const {
    std::vector<std::string> ids;
    for (std::uint32_t k = c.first_measure; k < c.first_measure + c.measure_count; ++k) ids.push_back(measures_in_force[covering[k]]);
    return ids;
  }
};

/// The date a scenario is evaluated on: the option, else the scenario's as_of, else the dataset's.
std::optional<Date> scenario_date(const Dataset& dataset, const Scenario& scenario, const ScenarioOptions& options);

/// Runs one scenario. Throws std::invalid_argument when no date can be determined.
ScenarioImpact run_scenario(const Dataset& dataset, const Scenario& scenario, const ScenarioOptions& options);

}  // namespace chokepoint
