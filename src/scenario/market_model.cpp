#include <algorithm>
#include <bit>
#include <cmath>
#include <deque>
#include <numeric>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "market_model.hpp"

namespace chokepoint::market_detail {
namespace {

double oxide_factor(std::size_t e) { return rare_earths()[e].oxide_factor; }

Rule rule_of(Stage s) {
  switch (s) {
    case Stage::mine: return Rule::source;
    case Stage::processing:
    case Stage::separation: return Rule::separate;
    case Stage::metal:
    case Stage::alloy:
    case Stage::recycling: return Rule::convert;
    case Stage::magnet:
    case Stage::manufacturing: return Rule::recipe;
    case Stage::demand: return Rule::sink;
  }
  return Rule::sink;
}

std::uint32_t mask_of(const ReVector& v) {
  std::uint32_t m = 0;
  for (std::size_t e = 0; e < v.size(); ++e) {
    if (v[e] > 0) m |= 1u << e;
  }
  return m;
}

std::size_t lowest(std::uint32_t mask) { return static_cast<std::size_t>(std::countr_zero(mask)); }

double factor_at(const std::vector<double>& factors, Index i) {
  return factors.empty() ? 1.0 : std::max(0.0, factors[i]);
}

/// A bound times a capacity factor; 0 x unbounded is 0.
double scaled(double bound, double factor) {
  if (factor <= 0) return 0.0;
  return bound == kInfinity ? kInfinity : bound * factor;
}

/// The capacity a scenario's capacity events give output `material` of facility f, if any.
std::optional<double> capacity_event(const MarketInputs& inputs, Index f, Index material) {
  std::optional<double> capacity;
  if (!inputs.capacity_override.empty() && !std::isnan(inputs.capacity_override[f])) {
    capacity = inputs.capacity_override[f];
  }
  for (const CapacityChange& c : inputs.capacity_changes) {
    if (c.facility == f && (c.material == kNone || c.material == material)) capacity = c.capacity;
  }
  return capacity;
}

/// Element tonnes per tonne of a mine's output: its distribution, else the material's composition.
ReVector mine_mix(const Facility& f, const Material& material) {
  if (!f.has_distribution) return material.element_content();
  ReVector mix{};
  for (std::size_t e = 0; e < mix.size(); ++e) mix[e] = f.distribution[e] / 100.0 * oxide_factor(e);
  return mix;
}

std::uint32_t capability_mask(const Dataset& d, Index f) {
  std::uint32_t m = 0;
  for (int re : d.capability(f)) m |= 1u << re;
  return m;
}

void build_materials(const Dataset& d, MarketModel& model) {
  for (const Material& m : d.materials) {
    const ReVector content = m.element_content();
    const double total = std::accumulate(content.begin(), content.end(), 0.0);
    ReVector weight{};
    for (std::size_t e = 0; e < weight.size(); ++e) {
      if (m.basis == Basis::reo) weight[e] = 1.0 / oxide_factor(e);
      else weight[e] = (m.mixed || total <= 0) ? 1.0 : 1.0 / total;
    }
    model.tonnes_weight.push_back(weight);
  }
}

/// The bound of one output: mines emit their production (capacity when none is given), plants are
/// bounded by capacity, else production, else nothing; capacity events replace either.
double output_bound(Index f, const Output& o, const MarketInputs& inputs, Rule rule) {
  const std::optional<double> event = capacity_event(inputs, f, o.material);
  if (rule == Rule::source) return event ? *event : o.production ? *o.production : o.capacity.value_or(0.0);
  if (event) return *event;
  if (o.capacity) return *o.capacity;
  if (o.production) return *o.production;
  return kInfinity;
}

/// Which output takes which element (model.md rules 2-4), as the flow engine routes them.
void plan_routes(const Dataset& d, Index f, FacilityModel& fm, MarketModel& model) {
  const std::uint32_t capable = fm.rule == Rule::recipe ? kAllElements : capability_mask(d, f);
  for (Index s = fm.slot_begin; s < fm.slot_end; ++s) {
    SlotModel& slot = model.slots[s];
    fm.mixed_outputs = fm.mixed_outputs || slot.mixed;
    if (slot.mixed) continue;
    slot.routes = mask_of(d.materials[slot.material].element_content()) & capable;
    fm.fixed |= slot.routes;
  }
  // Recipes leave whatever the recipe did not use, of any element, to their mixed outputs.
  fm.leftover = fm.mixed_outputs ? (fm.rule == Rule::recipe ? kAllElements : kAllElements & ~fm.fixed) : 0;
  for (Index s = fm.slot_begin; s < fm.slot_end; ++s) {
    if (model.slots[s].mixed) model.slots[s].routes = fm.leftover;
  }
}

/// The elements that can leave facility f in an output: what makes a stream worth sending it.
std::uint32_t uses_of(const FacilityModel& fm, const MarketModel& model) {
  if (fm.rule == Rule::sink) return kAllElements;
  if (fm.rule == Rule::source || fm.recovery <= 0) return 0;
  if (fm.rule == Rule::separate && fm.feed_bound <= 0) return 0;
  std::uint32_t uses = 0;
  for (Index s = fm.slot_begin; s < fm.slot_end; ++s) {
    const SlotModel& slot = model.slots[s];
    if (slot.bound <= 0 && fm.rule != Rule::separate) continue;
    uses |= slot.routes;
  }
  return uses;
}

void build_facilities(const FlowResult& baseline, const MarketInputs& inputs, MarketModel& model) {
  const Dataset& d = *model.dataset;
  const FlowPlan& plan = baseline.plan();
  const Index n = static_cast<Index>(d.facilities.size());
  model.facilities.resize(n);
  for (Index f = 0; f < n; ++f) {
    const Facility& fac = d.facilities[f];
    FacilityModel& fm = model.facilities[f];
    fm.rule = rule_of(fac.stage);
    fm.participates = inputs.participates.empty() ? plan.participates(f) : inputs.participates[f] != 0;
    fm.recovery = std::clamp(fac.recovery, 0.0, 1.0);
    const double factor = factor_at(inputs.capacity_factor, f);
    double feed = 0;
    fm.slot_begin = static_cast<Index>(model.slots.size());
    for (Index k = 0; k < fac.outputs.size(); ++k) {
      const Output& o = fac.outputs[k];
      SlotModel slot;
      slot.facility = f;
      slot.output = k;
      slot.material = o.material;
      slot.mixed = d.materials[o.material].mixed;
      const double bound = output_bound(f, o, inputs, fm.rule);
      feed = (feed == kInfinity || bound == kInfinity) ? kInfinity : feed + bound;
      slot.bound = scaled(bound, factor);
      model.slots.push_back(slot);
    }
    fm.slot_end = static_cast<Index>(model.slots.size());
    // The feed bound of processing and separation is the sum of their outputs' bounds (flow engine).
    if (fm.rule == Rule::separate) fm.feed_bound = scaled(feed, factor);
    if (fm.rule != Rule::source && fm.rule != Rule::sink) plan_routes(d, f, fm, model);
    fm.uses = uses_of(fm, model);
  }
}

void build_groups(const MarketInputs& inputs, MarketModel& model) {
  const Dataset& d = *model.dataset;
  for (Index f = 0; f < model.facilities.size(); ++f) {
    FacilityModel& fm = model.facilities[f];
    fm.group_begin = static_cast<Index>(model.groups.size());
    if (fm.rule == Rule::sink) {
      const double factor = factor_at(inputs.demand_factor, f);
      for (const DemandEntry& entry : d.facilities[f].demand) {
        auto it = std::find_if(model.groups.begin() + fm.group_begin, model.groups.end(),
                               [&](const DemandGroup& g) { return g.material == entry.material; });
        if (it == model.groups.end()) {
          model.groups.push_back({f, entry.material, 0.0, d.facilities[f].priority});
          it = model.groups.end() - 1;
        }
        it->quantity += std::max(0.0, entry.quantity) * factor;
      }
    }
    fm.group_end = static_cast<Index>(model.groups.size());
  }
}

Index slot_for(const MarketModel& model, Index facility, Index material) {
  const FacilityModel& fm = model.facilities[facility];
  for (Index s = fm.slot_begin; s < fm.slot_end; ++s) {
    if (model.slots[s].material == material) return s;
  }
  return kNone;
}

bool has_group(const MarketModel& model, Index facility, Index material) {
  const FacilityModel& fm = model.facilities[facility];
  for (Index g = fm.group_begin; g < fm.group_end; ++g) {
    if (model.groups[g].material == material) return true;
  }
  return false;
}

/// Can facility `to` take material from a supplier at all (no arcs into mines, sinks need a demand)?
bool can_receive(const MarketModel& model, Index to, Index material) {
  const FacilityModel& fm = model.facilities[to];
  if (!fm.participates || fm.rule == Rule::source) return false;
  return fm.rule != Rule::sink || has_group(model, to, material);
}

/// A disabled link that has not merely yet to start: ended in the dataset or by an event. No new
/// link may stand in for it.
bool ended(const Link& link, bool enabled, const std::optional<Date>& as_of) {
  if (enabled) return false;
  const bool not_started = link.status == LinkStatus::planned || (link.since && as_of && *as_of < *link.since);
  return !not_started;
}

using Pair = std::tuple<Index, Index, Index>;  // from, to, material

void build_existing_arcs(const FlowResult& baseline, const MarketInputs& inputs, MarketModel& model,
                         std::vector<Pair>& taken) {
  const Dataset& d = *model.dataset;
  const FlowPlan& plan = baseline.plan();
  const auto n = d.facilities.size();
  for (Index l = 0; l < d.links.size(); ++l) {
    const Link& link = d.links[l];
    if (link.from >= n || link.to >= n || link.material >= d.materials.size()) continue;
    const bool enabled = inputs.link_enabled.empty() ? plan.in_plan(l) : inputs.link_enabled[l] != 0;
    if (ended(link, enabled, plan.options().as_of)) taken.emplace_back(link.from, link.to, link.material);
    if (!enabled || !model.facilities[link.from].participates) continue;
    if (!can_receive(model, link.to, link.material)) continue;
    const Index s = slot_for(model, link.from, link.material);
    if (s == kNone) continue;
    model.arcs.push_back({s, link.from, link.to, link.material, l});
    taken.emplace_back(link.from, link.to, link.material);
  }
}

/// New links: every supplier of a material to every customer that accepts it (model.md, the market
/// bound), material by material; the materials with most candidates are skipped past the cap.
void build_new_arcs(const MarketInputs& inputs, MarketModel& model, std::vector<Pair>& taken) {
  const Dataset& d = *model.dataset;
  const Index materials = static_cast<Index>(d.materials.size());
  std::vector<std::vector<Index>> suppliers(materials), customers(materials);
  for (Index s = 0; s < model.slots.size(); ++s) {
    const SlotModel& slot = model.slots[s];
    const FacilityModel& fm = model.facilities[slot.facility];
    if (fm.participates && slot.bound > 0) suppliers[slot.material].push_back(s);
  }
  for (Index f = 0; f < model.facilities.size(); ++f) {
    if (model.facilities[f].uses == 0) continue;
    for (Index m = 0; m < materials; ++m) {
      if (!suppliers[m].empty() && can_receive(model, f, m) && d.accepts(f, m)) customers[m].push_back(f);
    }
  }
  std::vector<std::pair<std::size_t, Index>> count;  // candidates, material
  std::size_t total = 0;
  for (Index m = 0; m < materials; ++m) {
    const std::size_t c = suppliers[m].size() * customers[m].size();
    if (c > 0) count.emplace_back(c, m);
    total += c;
  }
  std::sort(count.begin(), count.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<std::uint8_t> skip(materials, 0);
  std::string skipped;
  for (const auto& [c, m] : count) {
    if (total <= inputs.max_new_links) break;
    skip[m] = 1;
    total -= c;
    skipped += (skipped.empty() ? "" : ", ") + d.materials[m].id;
  }
  if (!skipped.empty()) {
    model.notes.push_back("new links not considered for " + skipped + " (more than " +
                          std::to_string(inputs.max_new_links) + " candidates)");
  }
  std::sort(taken.begin(), taken.end());
  for (Index m = 0; m < materials; ++m) {
    if (skip[m]) continue;
    for (Index s : suppliers[m]) {
      const Index from = model.slots[s].facility;
      for (Index to : customers[m]) {
        if (to == from || std::binary_search(taken.begin(), taken.end(), Pair{from, to, m})) continue;
        model.arcs.push_back({s, from, to, m, kNone});
      }
    }
  }
}

/// Keeps the arcs whose customer can pass something on towards a demand sink.
void prune_arcs(MarketModel& model) {
  const Index n = static_cast<Index>(model.facilities.size());
  std::vector<Index> begin(n + 1, 0), into(model.arcs.size());
  for (const Arc& a : model.arcs) ++begin[a.to + 1];
  std::partial_sum(begin.begin(), begin.end(), begin.begin());
  std::vector<Index> fill(begin.begin(), begin.end() - 1);
  for (Index a = 0; a < model.arcs.size(); ++a) into[fill[model.arcs[a].to]++] = a;
  std::deque<Index> queue;
  for (Index f = 0; f < n; ++f) {
    FacilityModel& fm = model.facilities[f];
    for (Index g = fm.group_begin; g < fm.group_end; ++g) {
      if (!fm.useful && fm.participates && model.groups[g].quantity > 0 && model.groups[g].priority > 0) {
        fm.useful = true;
        queue.push_back(f);
      }
    }
  }
  while (!queue.empty()) {
    const Index f = queue.front();
    queue.pop_front();
    for (Index i = begin[f]; i < begin[f + 1]; ++i) {
      FacilityModel& from = model.facilities[model.arcs[into[i]].from];
      if (from.useful || (from.uses == 0 && from.rule != Rule::source)) continue;
      from.useful = true;
      queue.push_back(model.arcs[into[i]].from);
    }
  }
  std::erase_if(model.arcs, [&](const Arc& a) { return !model.facilities[a.to].useful; });
}

/// Interns stream types by (base, mask); the content is the base's, restricted to the mask.
class TypeTable {
 public:
  explicit TypeTable(std::vector<StreamType>& types) : types_(types) {}

  Index get(std::uint32_t base, std::uint32_t mask, const ReVector& content) {
    mask &= mask_of(content);
    if (mask == 0) return kNone;
    const std::uint64_t key = std::uint64_t{base} << kRareEarthCount | mask;
    const auto [it, fresh] = index_.try_emplace(key, static_cast<Index>(types_.size()));
    if (fresh) {
      StreamType t{base, mask, {}};
      for (std::uint32_t m = mask; m != 0; m &= m - 1) t.content[lowest(m)] = content[lowest(m)];
      types_.push_back(t);
    }
    return it->second;
  }

  Index loose(std::size_t e) {
    ReVector unit{};
    unit[e] = 1.0;
    return get(static_cast<std::uint32_t>(e), 1u << e, unit);
  }

 private:
  std::vector<StreamType>& types_;
  std::unordered_map<std::uint64_t, Index> index_;
};

/// The stream types slot s can put out, given the types its facility receives.
std::vector<Index> out_types(MarketModel& model, TypeTable& table, Index s, const std::vector<Index>& in) {
  const Dataset& d = *model.dataset;
  const SlotModel& slot = model.slots[s];
  const FacilityModel& fm = model.facilities[slot.facility];
  std::vector<Index> out;
  if (slot.bound <= 0 && fm.rule != Rule::separate) return out;
  const auto base_count = static_cast<std::uint32_t>(kRareEarthCount);
  if (fm.rule == Rule::source) {
    const Index t = table.get(base_count + s, kAllElements,
                              mine_mix(d.facilities[slot.facility], d.materials[slot.material]));
    if (t != kNone) out.push_back(t);
    return out;
  }
  if (fm.uses == 0) return out;
  std::uint32_t available = 0;
  for (Index t : in) available |= model.types[t].mask;
  const bool recipe = fm.rule == Rule::recipe;
  if (!slot.mixed && recipe) {
    // A Leontief recipe needs every rare earth of its composition.
    if (slot.routes != 0 && (slot.routes & ~available) == 0) {
      const auto base = base_count + static_cast<std::uint32_t>(model.slots.size()) + slot.material;
      out.push_back(table.get(base, kAllElements, d.materials[slot.material].element_content()));
    }
  } else if (!slot.mixed || recipe) {
    // Separated, converted or left over by a recipe: element by element.
    for (std::uint32_t m = slot.routes & available; m != 0; m &= m - 1) out.push_back(table.loose(lowest(m)));
  } else {
    // A mixed output keeps each incoming stream's own mix, without the elements taken out.
    for (Index t : in) {
      const StreamType type = model.types[t];
      const Index u = table.get(type.base, type.mask & slot.routes, type.content);
      if (u != kNone) out.push_back(u);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

/// Propagates stream types from the mines along the arcs to a fixed point (masks only shrink, so
/// there are finitely many types and the loop ends).
void build_types(MarketModel& model) {
  TypeTable table(model.types);
  std::vector<std::vector<Index>> in(model.facilities.size());
  model.slot_types.assign(model.slots.size(), {});
  bool changed = true;
  while (changed) {
    changed = false;
    for (Index s = 0; s < model.slots.size(); ++s) {
      const Index f = model.slots[s].facility;
      if (model.facilities[f].useful) model.slot_types[s] = out_types(model, table, s, in[f]);
    }
    for (const Arc& a : model.arcs) {
      std::vector<Index>& into = in[a.to];
      const std::uint32_t uses = model.facilities[a.to].uses;
      for (Index t : model.slot_types[a.slot]) {
        if ((model.types[t].mask & uses) == 0) continue;
        const auto it = std::lower_bound(into.begin(), into.end(), t);
        if (it != into.end() && *it == t) continue;
        into.insert(it, t);
        changed = true;
      }
    }
  }
}

}  // namespace

double tonnes_of(const MarketModel& model, Index material, const ReVector& x) {
  const ReVector& w = model.tonnes_weight[material];
  double t = 0;
  for (std::size_t e = 0; e < x.size(); ++e) t += w[e] * x[e];
  return t;
}

MarketModel build_network(const FlowResult& baseline, const MarketInputs& inputs) {
  MarketModel model;
  model.dataset = &baseline.plan().dataset();
  build_materials(*model.dataset, model);
  build_facilities(baseline, inputs, model);
  build_groups(inputs, model);
  std::vector<Pair> taken;
  build_existing_arcs(baseline, inputs, model, taken);
  if (inputs.allow_new_links) build_new_arcs(inputs, model, taken);
  prune_arcs(model);
  build_types(model);
  return model;
}

}  // namespace chokepoint::market_detail
