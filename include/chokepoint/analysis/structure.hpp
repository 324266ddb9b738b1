#pragma once
/// Structural chokepoints (analyses.md): per target and element, the must-pass facilities
/// (dominators from the root R in G_e), must-pass countries, the minimum-capacity facility cut and
/// the max-flow, and the share of max-flow retained without each country; per view, articulation
/// points, bridges and betweenness. Results are keyed by Dataset indices, sorted by id, each finding
/// with an evidence sentence an analyst can quote. Nothing here prints.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chokepoint/analysis/element_view.hpp"
#include "chokepoint/graph/connectivity.hpp"
#include "chokepoint/graph/graph.hpp"
#include "chokepoint/model/dataset.hpp"

namespace chokepoint {

/// What a structural question is about: one facility, or the demand sinks of a country or group
/// joined in a super-sink.
struct StructureTarget {
  std::string label;             ///< the facility id or the country/group code, for sentences
  std::vector<Index> facilities; ///< sorted; several are joined in a super-sink
};

/// A facility id, else the demand sinks located in a country or group ("US", "EU"); nullopt when
/// the spec names nothing or the country has no demand sink.
std::optional<StructureTarget> resolve_target(const Dataset& dataset, std::string_view spec);
/// What resolve_target would accept that is closest to a spec it did not (a typo, a code in the
/// wrong case): a facility id, or a country or group with demand sinks.
std::optional<std::string> closest_target(const Dataset& dataset, std::string_view spec);
/// Why resolve_target did not take `spec`, with closest_target's suggestion: "'X' is neither a
/// facility nor a country or group with demand sinks; did you mean 'Y'?".
std::string unknown_target_message(const Dataset& dataset, std::string_view spec);
/// Every demand sink on its own, in id order.
std::vector<StructureTarget> demand_targets(const Dataset& dataset);

/// Options shared by every structural analysis.
struct StructureOptions {
  ViewOptions view;                  ///< activity and as-of date
  double tonne_resolution = 1e-3;    ///< max-flow runs on integers of this many tonnes (exact cuts)
  bool retained_shares = true;       ///< max-flow without each country (one max-flow per country)
  Index betweenness_samples = 0;     ///< sources sampled for betweenness; 0: exact (all sources)
  std::uint64_t seed = 1;            ///< sampling seed
  unsigned threads = 0;              ///< threads for the retained shares (one max-flow per country); 0: one per core
  std::size_t top = 0;               ///< keep this many facilities per betweenness ranking; 0: all with score > 0
};

/// A facility on every path from R to the target.
struct MustPassFacility {
  Index facility = kNone;
  std::string evidence;
};

/// A country whose facilities lie on every path from R to the target.
struct MustPassCountry {
  Index country = kNone;
  std::string evidence;
};

/// Max-flow from R to the target without one country's facilities (the target itself stays).
struct CountryLoss {
  Index country = kNone;
  double max_flow = 0;                  ///< t/yr of the element; infinity: unbounded
  std::optional<double> retained;       ///< max_flow / baseline max-flow, 0..1; none when the baseline is 0
  bool must_pass = false;
  std::string evidence;
};

/// Structural findings for one target and one element.
struct TargetStructure {
  std::string target;                           ///< the target's label
  std::vector<Index> facilities;                ///< the target's facilities
  int element = 0;                              ///< RE index
  bool reachable = false;                       ///< some path R -> target in G_e
  /// the materials of the target's demand that carry the element, by id (mixed ones not counted):
  /// when not reachable, demand that nothing can supply
  std::vector<Index> demanded_in;
  double max_flow = 0;                          ///< t/yr of the element; infinity: unbounded
  std::vector<MustPassFacility> must_pass_facilities;  ///< upstream first (dominator-tree order)
  std::vector<MustPassCountry> must_pass_countries;    ///< by country code
  std::vector<Index> min_cut;                   ///< minimum-capacity facility cut, by id; empty if unbounded
  double min_cut_capacity = 0;                  ///< equals max_flow when bounded
  std::string min_cut_evidence;
  std::vector<CountryLoss> country_losses;      ///< retained ascending, then code; countries upstream only
};

/// A facility and its betweenness score.
struct RankedFacility {
  Index facility = kNone;
  double score = 0;
};

/// A bridge of the undirected facility graph.
struct BridgeLink {
  Index link = kNone;
  Index from_side = 0;  ///< facilities still joined to the link's supplier once it is lost (itself included)
  Index to_side = 0;    ///< the same for its customer
  /// the facilities on the smaller side (the supplier's when equal), by id, when at most
  /// kNamedCutOff (else empty)
  std::vector<Index> cut_off;
  std::string evidence;
};

/// Up to how many facilities an articulation point's loss cuts off are named.
inline constexpr Index kNamedCutOff = 3;

/// Findings over one view (one element, or every element together).
struct NetworkStructure {
  int element = -1;                                 ///< RE index; -1: overall (every active link)
  std::vector<Index> articulation_points;           ///< facilities, by id
  std::vector<ArticulationSplit> articulation_splits;  ///< parallel: what losing each leaves of its part
  /// parallel: the facilities losing each cuts off from the largest piece left, by id, when there
  /// are at most kNamedCutOff of them (else empty)
  std::vector<std::vector<Index>> articulation_cut_off;
  std::vector<std::string> articulation_evidence;   ///< parallel to articulation_points
  std::vector<double> articulation_betweenness;     ///< parallel: each one's betweenness, in the top or not
  std::vector<BridgeLink> bridges;                  ///< smaller side descending, then from id, to id, material id, link index
  std::vector<RankedFacility> betweenness;          ///< score descending, then id
  std::vector<RankedFacility> weighted_betweenness; ///< shortest paths by length 1/volume; same order
};

/// Per element, what every target shares: G_e and the dominator tree from R.
struct ElementStructure {
  ElementView view;
  std::vector<Index> idom;  ///< per vertex; kNone: R itself or unreachable
  /// The countries with a facility in G_e, and each one's facilities there (must_pass searches
  /// without each, for every target: grouped once here, not once a target).
  std::vector<Index> countries;
  std::vector<std::vector<Index>> by_country;
};

/// G_e of `element` and its dominator tree from R.
ElementStructure prepare_element(const Dataset& dataset, const SupplyGraph& graph, const Carriage& carriage,
                                 int element);

/// Must-pass facilities and countries, minimum cut, max-flow and country losses for one target.
TargetStructure analyze_target(const Dataset& dataset, const SupplyGraph& graph, const ElementStructure& element,
                               const StructureTarget& target, const StructureOptions& options = {});
/// What a target must pass, as analyze_target finds it (the same lists, evidence included),
/// without its upstream cone, max-flow or cuts: what `dependencies` and `diff` need.
struct MustPass {
  bool reachable = false;
  std::vector<MustPassFacility> facilities;
  std::vector<MustPassCountry> countries;
};
MustPass must_pass(const Dataset& dataset, const SupplyGraph& graph, const ElementStructure& element,
                   const StructureTarget& target);

/// Articulation points, bridges and betweenness over `mask` (an element view's, or overall_view).
NetworkStructure analyze_network(const Dataset& dataset, const SupplyGraph& graph, const GraphMask& mask,
                                 int element, const StructureOptions& options = {});

/// Everything for a list of targets and elements.
struct StructureReport {
  std::string dataset;                    ///< Dataset::label()
  std::string method;                     ///< how the figures were made, for report headers
  std::vector<TargetStructure> targets;   ///< by target (as given), then element
  std::vector<NetworkStructure> networks; ///< overall first, then by element
};

/// Runs analyze_target for every target and element and analyze_network overall and per element.
StructureReport analyze_structure(const Dataset& dataset, const SupplyGraph& graph,
                                  const std::vector<StructureTarget>& targets, const std::vector<int>& elements,
                                  const StructureOptions& options = {});

}  // namespace chokepoint
