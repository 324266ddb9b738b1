#include "chokepoint/scenario/measures.hpp"

#include <algorithm>

namespace chokepoint {

ReVector shipment_content(const Dataset& dataset, const FlowResult& baseline, Index supplier, Index material) {
  const Material& m = dataset.materials[material];
  if (!m.mixed) return m.element_content();
  const Facility& f = dataset.facilities[supplier];
  ReVector content{};
  for (std::size_t k = 0; k < f.outputs.size(); ++k) {
    if (f.outputs[k].material != material) continue;
    const double tonnes = baseline.output_tonnes(supplier, k);
    if (tonnes <= 0) continue;
    const ReVector elements = baseline.output(supplier, k);
    for (int e = 0; e < kRareEarthCount; ++e) content[e] = elements[e] / tonnes;
    return content;
  }
  // A mine that did not run in the baseline still has a known mix.
  if (f.has_distribution) {
    for (int e = 0; e < kRareEarthCount; ++e) {
      content[e] = f.distribution[e] / 100.0 * rare_earths()[static_cast<std::size_t>(e)].oxide_factor;
    }
  }
  return content;
}

bool measure_covers(const Dataset& dataset, const Measure& measure, Index supplier, Index customer, Index material,
                    const ReVector& content) {
  const Facility& from = dataset.facilities[supplier];
  const Facility& to = dataset.facilities[customer];
  if (from.country != measure.issuer || to.country == measure.issuer) return false;
  if (!measure.destinations.covers(to.country)) return false;
  const Form form = dataset.materials[material].form;
  if (!measure.forms.empty() && std::find(measure.forms.begin(), measure.forms.end(), form) == measure.forms.end()) {
    return false;
  }
  return std::any_of(measure.elements.begin(), measure.elements.end(), [&](int e) {
    const double c = content[static_cast<std::size_t>(e)];
    return measure.min_content > 0 ? c >= measure.min_content : c > 0;
  });
}

std::vector<const Measure*> measures_in_force(const Scenario& scenario, const Date& date) {
  std::vector<const Measure*> out;
  for (const auto& m : scenario.measures) {
    if (m.in_force(date)) out.push_back(&m);
  }
  return out;
}

}  // namespace chokepoint
