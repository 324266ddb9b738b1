#pragma once
/// Single-country dependency (analyses.md): from origin tracing on a flow (normally the baseline),
/// the share of an element that a consumer receives which passed through each country at each
/// upstream stage, flagged at the EU Critical Raw Materials Act benchmark.

#include <array>
#include <limits>
#include <string_view>
#include <vector>

#include "chokepoint/analysis/flow.hpp"
#include "chokepoint/model/dataset.hpp"

namespace chokepoint {

/// Thresholds, elements and the structural analysis's must-pass countries.
struct DependencyOptions {
  double threshold = 0.65;   ///< flagged at or above: EU CRMA, at most 65% from one third country per stage
  double critical = 0.95;    ///< a flagged dependency at or above this is critical
  std::vector<int> elements; ///< RE indices; empty: every element the consumers receive
  std::array<std::vector<Index>, kRareEarthCount> must_pass{};  ///< per RE index: must-pass countries
  /// The consumer's own countries, sorted (home_countries): a share through one of them is
  /// domestic, not a dependency on a third country, and is never flagged.
  std::vector<Index> home;
};

/// One country's share of one stage.
struct CountryDependency {
  Index country = kNone;     ///< kNone: facilities without a country
  double share = 0;          ///< of the element the consumers receive, 0..1
  double tonnes = 0;         ///< share x received
  bool domestic = false;     ///< the country is one of the consumer's own (DependencyOptions::home)
  bool flagged = false;      ///< share >= threshold, and not domestic
  bool critical = false;     ///< flagged, and share >= critical or the country is must-pass
  bool must_pass = false;    ///< named must-pass for this element in the options
};

/// One upstream stage.
struct StageDependency {
  Stage stage = Stage::mine;
  double reached = 0;        ///< share that passed through any facility of this stage
  std::vector<CountryDependency> countries;  ///< share descending, then country code
};

/// One element.
struct ElementDependency {
  int element = 0;           ///< RE index
  double received = 0;       ///< element tonnes the consumers receive
  std::vector<StageDependency> stages;       ///< stages reached, in stage order
  std::vector<Index> must_pass;              ///< the options' must-pass countries, sorted
};

/// The whole analysis for one consumer.
struct DependencyReport {
  std::vector<Index> consumers;              ///< facility indices, sorted
  double threshold = 0.65;
  double critical = 0.95;
  std::vector<ElementDependency> elements;   ///< by RE index
};

/// A flagged dependency, flattened for reports.
struct FlaggedDependency {
  int element = 0;
  Stage stage = Stage::mine;
  Index country = kNone;
  double share = 0;
  bool critical = false;
};

/// The facilities a consumer spec names: a facility id, else every demand sink located in a
/// country or group ("US", "EU"); empty when the spec names nothing.
std::vector<Index> resolve_consumers(const Dataset& dataset, std::string_view spec);

/// A consumer spec's own countries, sorted: a facility's country, a country, or a group's members.
std::vector<Index> home_countries(const Dataset& dataset, std::string_view spec);

/// Shares of each element the consumers receive by country and upstream stage, weighted by what
/// each consumer receives.
DependencyReport single_country_dependency(const FlowResult& flow, const std::vector<Index>& consumers,
                                           const DependencyOptions& options = {});
/// The same for several consumers at once (one DependencyOptions each), from one origin trace of
/// the facilities of up to `batch` consumers together (a larger consumer alone; by default all of
/// them): the same reports as one call each, for the cost of one call a batch.
std::vector<DependencyReport> single_country_dependencies(const FlowResult& flow,
                                                         const std::vector<std::vector<Index>>& consumers,
                                                         const std::vector<DependencyOptions>& options,
                                                         std::size_t batch = std::numeric_limits<std::size_t>::max());

/// Every flagged dependency: critical first, then share descending, element, stage, country code.
std::vector<FlaggedDependency> flagged_dependencies(const Dataset& dataset, const DependencyReport& report);

}  // namespace chokepoint
