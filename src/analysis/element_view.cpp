#include "chokepoint/analysis/element_view.hpp"

#include <cassert>
#include <limits>

namespace chokepoint {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

ReMask bit(int re) { return ReMask{1} << re; }

ReMask composition_mask(const Material& m) {
  ReMask mask = 0;
  for (int re = 0; re < kRareEarthCount; ++re) mask |= m.carries(re) ? bit(re) : 0;
  return mask;
}

ReMask distribution_mask(const Facility& f) {
  ReMask mask = 0;
  if (!f.has_distribution) return mask;
  for (int re = 0; re < kRareEarthCount; ++re) mask |= f.distribution[static_cast<std::size_t>(re)] > 0 ? bit(re) : 0;
  return mask;
}

bool separates(Stage s) { return s == Stage::separation || s == Stage::metal || s == Stage::alloy; }

// Elements a separation, metal or alloy plant takes out of its mixed stream: those it can
// separate (capability) and for which it lists a fixed-composition output.
ReMask separated_mask(const Dataset& d, Index f, const std::vector<ReMask>& material_mask) {
  const Facility& facility = d.facilities[f];
  if (!separates(facility.stage)) return 0;
  ReMask fixed_outputs = 0;
  for (const Output& o : facility.outputs) fixed_outputs |= material_mask[o.material];
  ReMask capable = 0;
  for (int re : d.capability(f)) capable |= bit(re);
  return capable & fixed_outputs;
}

std::vector<std::uint8_t> facility_activity(const Dataset& d, const ViewOptions& options) {
  if (!options.facility_active.empty()) {
    assert(options.facility_active.size() == d.facilities.size());
    return options.facility_active;
  }
  std::vector<std::uint8_t> active(d.facilities.size());
  for (std::size_t f = 0; f < active.size(); ++f) active[f] = is_producing(d.facilities[f].status) ? 1 : 0;
  return active;
}

std::vector<std::uint8_t> link_activity(const Dataset& d, const ViewOptions& options,
                                        const std::vector<std::uint8_t>& facility_active) {
  std::vector<std::uint8_t> active(d.links.size());
  for (std::size_t l = 0; l < active.size(); ++l) {
    const Link& link = d.links[l];
    const bool on = options.link_active.empty() ? link.active_on(options.as_of) : options.link_active[l] != 0;
    active[l] = on && facility_active[link.from] && facility_active[link.to] ? 1 : 0;
  }
  return active;
}

}  // namespace

Carriage compute_carriage(const Dataset& dataset, const ViewOptions& options) {
  const Dataset& d = dataset;
  Carriage c;
  c.facility_active = facility_activity(d, options);
  c.link_active = link_activity(d, options, c.facility_active);
  std::vector<ReMask> material_mask(d.materials.size());
  for (std::size_t m = 0; m < d.materials.size(); ++m) material_mask[m] = composition_mask(d.materials[m]);
  const auto link_mask = [&](Index l) -> ReMask {
    if (!c.link_active[l]) return 0;
    const Link& link = d.links[l];
    return d.materials[link.material].mixed ? c.stream[link.from] : material_mask[link.material];
  };
  const auto facility_count = static_cast<Index>(d.facilities.size());
  c.stream.assign(facility_count, 0);
  std::vector<ReMask> separated(facility_count, 0);
  for (Index f = 0; f < facility_count; ++f) {
    separated[f] = separated_mask(d, f, material_mask);
    if (d.facilities[f].stage == Stage::mine && c.facility_active[f]) c.stream[f] = distribution_mask(d.facilities[f]);
  }
  // Worklist to the fixed point: a facility is recomputed when a supplier's stream grows.
  std::vector<Index> queue;
  std::vector<std::uint8_t> queued(facility_count, 0);
  for (Index f = 0; f < facility_count; ++f) {
    if (d.facilities[f].stage != Stage::mine && c.facility_active[f]) {
      queue.push_back(f);
      queued[f] = 1;
    }
  }
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const Index f = queue[head];
    queued[f] = 0;
    ++c.passes;
    ReMask received = 0;
    for (Index l : d.in_links(f)) received |= link_mask(l);
    const ReMask stream = received & ~separated[f];
    if (stream == c.stream[f]) continue;
    c.stream[f] = stream;
    for (Index l : d.out_links(f)) {
      const Index to = d.links[l].to;
      if (!c.link_active[l] || !d.materials[d.links[l].material].mixed || queued[to] ||
          d.facilities[to].stage == Stage::mine) {
        continue;
      }
      queued[to] = 1;
      queue.push_back(to);
    }
  }
  c.link.resize(d.links.size());
  for (Index l = 0; l < d.links.size(); ++l) c.link[l] = link_mask(l);
  c.emits.assign(facility_count, 0);
  for (Index f = 0; f < facility_count; ++f) {
    if (!c.facility_active[f]) continue;
    for (const Output& o : d.facilities[f].outputs) {
      c.emits[f] |= d.materials[o.material].mixed ? c.stream[f] : material_mask[o.material];
    }
    if (d.facilities[f].stage == Stage::mine) c.emits[f] |= c.stream[f];
  }
  return c;
}

std::optional<double> contained_tonnes(const Dataset& dataset, Index facility, const Output& output, double tonnes,
                                       int element) {
  const Material& m = dataset.materials[output.material];
  const auto re = static_cast<std::size_t>(element);
  if (!m.mixed) return tonnes * m.element_content()[re];
  const Facility& f = dataset.facilities[facility];
  if (f.stage != Stage::mine) return std::nullopt;
  return f.has_distribution ? tonnes * f.distribution[re] / 100.0 * rare_earths()[re].oxide_factor : 0.0;
}

double element_capacity(const Dataset& dataset, const Carriage& carriage, Index facility, int element) {
  const Facility& f = dataset.facilities[facility];
  if (f.stage == Stage::demand) return kInfinity;
  bool any_figure = false;
  double total = 0;
  for (const Output& o : f.outputs) {
    const std::optional<double> tonnes = o.capacity ? o.capacity : o.production;
    if (!tonnes) continue;
    any_figure = true;
    if (const auto contained = contained_tonnes(dataset, facility, o, *tonnes, element)) {
      total += *contained;
    } else if (carriage.stream[facility] & bit(element)) {
      total += *tonnes * rare_earths()[static_cast<std::size_t>(element)].oxide_factor;
    }
  }
  return any_figure ? total : kInfinity;
}

ElementView element_view(const Dataset& dataset, const SupplyGraph& graph, const Carriage& carriage, int element) {
  assert(graph.facility_count() == dataset.facilities.size() && graph.root() != kNone);
  ElementView view;
  view.element = element;
  const ReMask e = bit(element);
  const Index facilities = graph.facility_count();
  view.mask.edge_on.assign(graph.edge_count(), 0);
  view.mask.vertex_on.assign(graph.vertex_count(), 0);
  for (Index l = 0; l < graph.link_count(); ++l) {
    if (!(carriage.link[l] & e)) continue;
    view.mask.edge_on[l] = 1;
    view.mask.vertex_on[graph.source(l)] = view.mask.vertex_on[graph.target(l)] = 1;
  }
  for (Index edge = graph.link_count(); edge < graph.edge_count(); ++edge) {
    const Index f = graph.target(edge);
    if (!carriage.facility_active[f] || !(carriage.emits[f] & e)) continue;
    view.mask.edge_on[edge] = 1;
    view.mask.vertex_on[f] = 1;
  }
  view.mask.vertex_on[graph.root()] = 1;
  view.capacity.assign(graph.vertex_count(), kInfinity);
  for (Index f = 0; f < facilities; ++f) {
    if (view.mask.vertex_on[f]) view.capacity[f] = element_capacity(dataset, carriage, f, element);
  }
  return view;
}

GraphMask overall_view(const SupplyGraph& graph, const Carriage& carriage) {
  GraphMask mask;
  mask.vertex_on.assign(graph.vertex_count(), 0);
  mask.edge_on.assign(graph.edge_count(), 0);
  for (Index f = 0; f < graph.facility_count(); ++f) mask.vertex_on[f] = carriage.facility_active[f];
  for (Index l = 0; l < graph.link_count(); ++l) mask.edge_on[l] = carriage.link_active[l];
  return mask;
}

}  // namespace chokepoint
