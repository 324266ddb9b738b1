#pragma once
/// Monte Carlo outage risk (docs/risk.md): samples of facility and country
/// outages drawn from the dataset's `disruption` figures (and optionally a
/// scenario's measures with uncertain approval rates), each run through the
/// contracts flow engine. Sample i draws from its own generator seeded from
/// (seed, i), so results depend neither on the thread count nor on how samples
/// are sharded.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chokepoint/core/date.hpp"
#include "chokepoint/model/dataset.hpp"
#include "chokepoint/model/scenario.hpp"

namespace chokepoint {

/// How to draw and run the samples.
struct RiskOptions {
  std::uint64_t samples = 1000; ///< samples in the whole run
  std::uint64_t first = 0; ///< this run's slice [first, end) of the samples
  std::optional<std::uint64_t> end; ///< none: `samples`
  std::uint64_t seed = 1;
  unsigned threads = 1;      ///< 0: hardware concurrency
  std::optional<Date> as_of; ///< none: the scenario's, else the dataset's as_of
  const Scenario *scenario =
      nullptr; ///< measures in force, license approval rates drawn
  std::uint64_t structure_every =
      1; ///< must-pass / min-cut on samples i with i % K == 0; 0: never
  /// Called from the calling thread with (samples done, samples in the slice).
  std::function<void(std::uint64_t, std::uint64_t)> progress;
};

/// One consumer country and element with demand, and its shortfall in every
/// sample of the slice.
struct RiskRow {
  std::string consumer; ///< country code
  int element = 0;      ///< RE index
  double demand = 0;    ///< element t/yr
  double baseline = 0;  ///< delivered without disruption
  std::vector<double>
      shortfall; ///< per sample: max(0, baseline - delivered), t/yr
};

/// A facility or country and how often it was must-pass or in the minimum cut.
struct RiskStructureCount {
  std::string id; ///< facility id or country code
  std::uint64_t must_pass = 0;
  std::uint64_t min_cut = 0; ///< facilities only
};

/// The raw per-sample results of a slice: exactly mergeable by sample index.
struct RiskSamples {
  std::string dataset;  ///< Dataset::label()
  std::string scenario; ///< scenario id, or empty
  std::uint64_t samples = 0;
  std::uint64_t seed = 0;
  std::uint64_t first = 0, end = 0;
  std::uint64_t structure_every = 0;
  std::vector<RiskRow> rows; ///< by consumer code, then element
  std::uint64_t structure_analyses =
      0; ///< (sample, consumer, element) analyses run
  std::map<std::string, RiskStructureCount>
      facilities; ///< by id; counted ones only
  std::map<std::string, RiskStructureCount>
      countries; ///< by code; counted ones only
};

/// Whether any facility or country has a disruption that can happen (probability and severity
/// above 0). Without one, and without a scenario, every sample is the baseline.
bool any_disruption(const Dataset &dataset);

/// Runs the slice [first, end) of the samples. Throws std::invalid_argument on
/// bad options.
RiskSamples run_risk(const Dataset &dataset, const RiskOptions &options);

/// Concatenates slices of one run by sample index; throws std::invalid_argument
/// when they do not belong to the same run or do not cover 0..samples exactly
/// once.
RiskSamples merge_risk(std::vector<RiskSamples> shards);

/// Statistics of one row.
struct RiskRowSummary {
  std::string consumer;
  int element = 0;
  double demand = 0;
  double baseline = 0;
  double expected = 0; ///< mean shortfall, t/yr
  double p50 = 0, p95 = 0,
         p99 = 0;         ///< nearest-rank percentiles of the shortfall, t/yr
  double probability = 0; ///< share of samples with any shortfall
};

/// The report of a complete run.
struct RiskSummary {
  std::string dataset, scenario;
  std::uint64_t samples = 0, seed = 0, structure_every = 0,
                structure_analyses = 0;
  std::vector<RiskRowSummary> rows;
  std::vector<RiskStructureCount>
      facilities; ///< counted ones only, most often first, then id
  std::vector<RiskStructureCount> countries;
};

/// The nearest-rank percentile (p in 0..100) of sorted values: the value at
/// rank ceil(p/100 x n).
double nearest_rank(const std::vector<double> &sorted, double p);

/// Statistics of a complete run (first 0, end == samples).
RiskSummary summarize_risk(const RiskSamples &samples);

} // namespace chokepoint
