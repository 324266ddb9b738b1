#include "market_model.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <deque>
#include <numeric>
#include <optional>
#include <tuple>

namespace chokepoint::market_detail {
namespace {

double oxide_factor(std::size_t e) { return rare_earths()[e].oxide_factor; }

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
      if (m.basis == Basis::reo)
        weight[e] = 1.0 / oxide_factor(e);
      else
        weight[e] = (m.mixed || total <= 0) ? 1.0 : 1.0 / total;
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
    fm.rule = stage_rule(fac.stage);
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
      if (fm.rule == Rule::source) {
        const ReVector mix = mine_mix(fac, d.materials[o.material]);
        slot.mix_total = std::accumulate(mix.begin(), mix.end(), 0.0);
      }
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

/// Supplier-customer-material triples that new routes must leave alone.
struct TakenPairs {
  std::vector<Pair> existing;  ///< served by an enabled dataset link already
  std::vector<Pair> ended;     ///< a dataset link that ended: no new route may stand in for it
  std::vector<std::pair<Index, Index>> ended_suppliers;  ///< (from, material) of the ended ones

  void sort() {
    std::sort(existing.begin(), existing.end());
    std::sort(ended.begin(), ended.end());
    for (const auto& [from, to, material] : ended) ended_suppliers.emplace_back(from, material);
    std::sort(ended_suppliers.begin(), ended_suppliers.end());
  }
  [[nodiscard]] bool free(Index from, Index to, Index material) const {
    const Pair p{from, to, material};
    return !std::binary_search(existing.begin(), existing.end(), p) &&
           !std::binary_search(ended.begin(), ended.end(), p);
  }
  [[nodiscard]] bool has_ended(Index from, Index material) const {
    return std::binary_search(ended_suppliers.begin(), ended_suppliers.end(), std::pair{from, material});
  }
};

void build_existing_arcs(const FlowResult& baseline, const MarketInputs& inputs, MarketModel& model,
                         TakenPairs& taken) {
  const Dataset& d = *model.dataset;
  const FlowPlan& plan = baseline.plan();
  const auto n = d.facilities.size();
  for (Index l = 0; l < d.links.size(); ++l) {
    const Link& link = d.links[l];
    if (link.from >= n || link.to >= n || link.material >= d.materials.size()) continue;
    const bool enabled = inputs.link_enabled.empty() ? plan.in_plan(l) : inputs.link_enabled[l] != 0;
    if (ended(link, enabled, plan.options().as_of)) taken.ended.emplace_back(link.from, link.to, link.material);
    if (!enabled || !model.facilities[link.from].participates) continue;
    if (!can_receive(model, link.to, link.material)) continue;
    const Index s = slot_for(model, link.from, link.material);
    if (s == kNone) continue;
    model.arcs.push_back({s, link.from, link.to, link.material, l});
    taken.existing.emplace_back(link.from, link.to, link.material);
  }
  taken.sort();
}

/// Countries that issue a measure in force that changes tonnes.
std::vector<Index> issuers(const MarketInputs& inputs) {
  std::vector<Index> out;
  for (const Measure* m : inputs.measures) {
    if (m->type != MeasureType::tax) out.push_back(m->issuer);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

/// New routes for one material: suppliers with an ended link of it go straight to each customer
/// (so the ended pair can be left out); every other supplier sells through its hub.
class NewRoutes {
 public:
  NewRoutes(MarketModel& model, const TakenPairs& taken, const std::vector<Index>& issuing)
      : model_(model), taken_(taken), issuing_(issuing) {}

  /// How many arcs the material would add.
  [[nodiscard]] std::size_t count(const std::vector<Index>& suppliers, const std::vector<Index>& customers,
                                  Index material) const {
    std::size_t n = 0;
    std::vector<Index> classes;
    for (Index s : suppliers) {
      const Index f = model_.slots[s].facility;
      if (taken_.has_ended(f, material)) {
        n += customers.size();
      } else {
        ++n;
        classes.push_back(hub_class(f));
      }
    }
    std::sort(classes.begin(), classes.end());
    return n +
           static_cast<std::size_t>(std::unique(classes.begin(), classes.end()) - classes.begin()) * customers.size();
  }

  void add(const std::vector<Index>& suppliers, const std::vector<Index>& customers, Index material) {
    const auto n = static_cast<Index>(model_.facilities.size());
    const auto first_hub = static_cast<Index>(model_.hubs.size());
    for (Index s : suppliers) {
      const Index from = model_.slots[s].facility;
      if (taken_.has_ended(from, material)) {
        for (Index to : customers) {
          if (to != from && taken_.free(from, to, material)) model_.arcs.push_back({s, from, to, material, kNone});
        }
        continue;
      }
      const Index k = hub_class(from);
      Index h = first_hub;
      while (h < model_.hubs.size() && model_.hubs[h].country != k) ++h;
      if (h == model_.hubs.size()) model_.hubs.push_back({material, k, from});
      model_.arcs.push_back({s, from, n + h, material, kNone});
    }
    for (Index h = first_hub; h < model_.hubs.size(); ++h) {
      for (Index to : customers) model_.arcs.push_back({kNone, n + h, to, material, kNone});
    }
  }

 private:
  [[nodiscard]] Index hub_class(Index facility) const {
    const Index c = model_.dataset->facilities[facility].country;
    return std::binary_search(issuing_.begin(), issuing_.end(), c) ? c : kNone;
  }

  MarketModel& model_;
  const TakenPairs& taken_;
  const std::vector<Index>& issuing_;
};

/// New routes: every supplier of a material to every customer that accepts it (model.md, the
/// market bound), material by material; the materials with most arcs are skipped past the cap.
void build_new_arcs(const MarketInputs& inputs, MarketModel& model, const TakenPairs& taken) {
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
  const std::vector<Index> issuing = issuers(inputs);
  NewRoutes routes(model, taken, issuing);
  std::vector<std::pair<std::size_t, Index>> count;  // arcs, material
  std::size_t total = 0;
  for (Index m = 0; m < materials; ++m) {
    if (customers[m].empty()) continue;
    const std::size_t c = routes.count(suppliers[m], customers[m], m);
    count.emplace_back(c, m);
    total += c;
  }
  std::sort(count.begin(), count.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
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
                          std::to_string(inputs.max_new_links) + " candidate routes)");
  }
  for (Index m = 0; m < materials; ++m) {
    if (!skip[m] && !customers[m].empty()) routes.add(suppliers[m], customers[m], m);
  }
}

/// Keeps the arcs whose customer can pass something on towards a demand sink.
void prune_arcs(MarketModel& model) {
  const Index n = model.node_count();
  std::vector<Index> begin(n + 1, 0), into(model.arcs.size());
  for (const Arc& a : model.arcs) ++begin[a.to + 1];
  std::partial_sum(begin.begin(), begin.end(), begin.begin());
  std::vector<Index> fill(begin.begin(), begin.end() - 1);
  for (Index a = 0; a < model.arcs.size(); ++a) into[fill[model.arcs[a].to]++] = a;
  std::vector<std::uint8_t> useful(n, 0);
  std::deque<Index> queue;
  for (Index f = 0; f < model.facilities.size(); ++f) {
    const FacilityModel& fm = model.facilities[f];
    for (Index g = fm.group_begin; g < fm.group_end; ++g) {
      if (!useful[f] && fm.participates && model.groups[g].quantity > 0 && model.groups[g].priority > 0) {
        useful[f] = 1;
        queue.push_back(f);
      }
    }
  }
  while (!queue.empty()) {
    const Index node = queue.front();
    queue.pop_front();
    for (Index i = begin[node]; i < begin[node + 1]; ++i) {
      const Index from = model.arcs[into[i]].from;
      if (useful[from]) continue;
      if (!model.is_hub(from) && model.facilities[from].uses == 0 && model.facilities[from].rule != Rule::source) {
        continue;
      }
      useful[from] = 1;
      queue.push_back(from);
    }
  }
  for (Index f = 0; f < model.facilities.size(); ++f) model.facilities[f].useful = useful[f] != 0;
  std::erase_if(model.arcs, [&](const Arc& a) { return !useful[a.to]; });
}

/// The stream types slot s can put out, given the types its facility receives.
std::vector<Index> out_types(MarketModel& model, Index s, const std::vector<Index>& in) {
  TypeTable& table = model.types;
  const Dataset& d = *model.dataset;
  const SlotModel& slot = model.slots[s];
  const FacilityModel& fm = model.facilities[slot.facility];
  std::vector<Index> out;
  if (slot.bound <= 0 && fm.rule != Rule::separate) return out;
  if (fm.rule == Rule::source) {
    const Index t = table.get(kAllElements, mine_mix(d.facilities[slot.facility], d.materials[slot.material]));
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
      out.push_back(table.get(kAllElements, d.materials[slot.material].element_content()));
    }
  } else if (!slot.mixed || recipe) {
    // Separated, converted or left over by a recipe: element by element.
    for (std::uint32_t m = slot.routes & available; m != 0; m &= m - 1) {
      ReVector unit{};
      unit[lowest(m)] = 1.0;
      out.push_back(table.get(kAllElements, unit));
    }
  } else {
    // A mixed output keeps each incoming stream's own mix, without the elements taken out.
    for (Index t : in) {
      const StreamType type = table[t];
      const Index u = table.get(slot.routes, type.content);
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
  std::vector<std::vector<Index>> in(model.node_count());
  model.slot_types.assign(model.slots.size(), {});
  model.hub_types.assign(model.hubs.size(), {});
  const auto n = static_cast<Index>(model.facilities.size());
  bool changed = true;
  while (changed) {
    changed = false;
    for (Index s = 0; s < model.slots.size(); ++s) {
      const Index f = model.slots[s].facility;
      if (model.facilities[f].useful) model.slot_types[s] = out_types(model, s, in[f]);
    }
    for (Index h = 0; h < model.hubs.size(); ++h) model.hub_types[h] = in[n + h];
    for (const Arc& a : model.arcs) {
      std::vector<Index>& into = in[a.to];
      const std::uint32_t uses = model.is_hub(a.to) ? kAllElements : model.facilities[a.to].uses;
      for (Index t : model.arc_types(a)) {
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

std::optional<std::pair<TypeTable::Key, StreamType>> TypeTable::normalise(std::uint32_t mask, const ReVector& content) {
  StreamType t;
  double total = 0;
  for (std::size_t e = 0; e < content.size(); ++e) {
    if ((mask >> e & 1u) == 0 || content[e] <= 0) continue;
    t.mask |= 1u << e;
    t.content[e] = content[e];
    total += content[e];
  }
  if (t.mask == 0) return std::nullopt;
  Key key{};
  for (std::size_t e = 0; e < key.size(); ++e) {
    t.content[e] /= total;
    // Proportions equal to 12 digits are the same stream.
    key[e] = std::llround(t.content[e] * 1e12);
  }
  return std::pair{key, t};
}

Index TypeTable::get(std::uint32_t mask, const ReVector& content) {
  const auto normal = normalise(mask, content);
  if (!normal) return kNone;
  const auto [it, fresh] = index_.try_emplace(normal->first, static_cast<Index>(types_.size()));
  if (fresh) types_.push_back(normal->second);
  return it->second;
}

Index TypeTable::find(std::uint32_t mask, const ReVector& content) const {
  const auto normal = normalise(mask, content);
  if (!normal) return kNone;
  const auto it = index_.find(normal->first);
  return it == index_.end() ? kNone : it->second;
}

double tonnes_of(const MarketModel& model, Index material, const ReVector& x) {
  const ReVector& w = model.tonnes_weight[material];
  double t = 0;
  for (std::size_t e = 0; e < x.size(); ++e) t += w[e] * x[e];
  return t;
}

std::size_t count_columns(const MarketModel& model) {
  std::size_t n = 0;
  for (const Arc& a : model.arcs) {
    const std::uint32_t uses = model.is_hub(a.to) ? kAllElements : model.facilities[a.to].uses;
    for (Index t : model.arc_types(a)) n += (model.types[t].mask & uses) != 0 ? 1 : 0;
  }
  return n;
}

MarketModel build_network(const FlowResult& baseline, const MarketInputs& inputs) {
  MarketModel model;
  model.dataset = &baseline.plan().dataset();
  build_materials(*model.dataset, model);
  build_facilities(baseline, inputs, model);
  build_groups(inputs, model);
  TakenPairs taken;
  build_existing_arcs(baseline, inputs, model, taken);
  if (inputs.allow_new_links) build_new_arcs(inputs, model, taken);
  prune_arcs(model);
  build_types(model);
  return model;
}

}  // namespace chokepoint::market_detail
