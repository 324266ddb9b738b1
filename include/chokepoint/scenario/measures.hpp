#pragma once
/// Which shipments a trade measure covers (../shared/spec/scenarios.md), shared by both bounds.

#include <vector>

#include "chokepoint/analysis/flow.hpp"
#include "chokepoint/model/scenario.hpp"

namespace chokepoint {

/// Mass fraction of each rare earth in a tonne of `material` shipped by `supplier`: from the
/// material's composition, or for a `mixed` material from the supplier's baseline stream.
ReVector shipment_content(const Dataset& dataset, const FlowResult& baseline, Index supplier, Index material);

/// Does the measure cover a shipment of `material` from `supplier` to `customer` with this content?
/// The supplier is in the issuer country, the customer is not and is in the destinations, the
/// material's form is listed (or no forms are), and a listed element is at least `min_content`
/// of it (any positive amount when min_content is 0).
bool measure_covers(const Dataset& dataset, const Measure& measure, Index supplier, Index customer, Index material,
                    const ReVector& content);

/// The measures of a scenario in force on a date, in file order.
std::vector<const Measure*> measures_in_force(const Scenario& scenario, const Date& date);

}  // namespace chokepoint
