#include <algorithm>
#include <functional>
#include <numeric>
#include <queue>
#include <stdexcept>

#include "flow_plan_data.hpp"

namespace chokepoint {

using flow_detail::FacilityPlan;
using flow_detail::Intake;
using flow_detail::InLink;
using flow_detail::kAllElements;
using flow_detail::kUnbounded;
using flow_detail::PlanData;
using flow_detail::Rule;
using flow_detail::Slot;

namespace {

double oxide_factor(std::size_t e) { return rare_earths()[e].oxide_factor; }

std::uint32_t mask_of(const ReVector& v) {
  std::uint32_t m = 0;
  for (std::size_t e = 0; e < v.size(); ++e) {
    if (v[e] > 0) m |= 1u << e;
  }
  return m;
}

void build_materials(const Dataset& d, PlanData& p) {
  for (const Material& m : d.materials) {
    ReVector content = m.element_content();
    ReVector weight{};
    const double total = std::accumulate(content.begin(), content.end(), 0.0);
    for (std::size_t e = 0; e < weight.size(); ++e) {
      if (m.basis == Basis::reo) weight[e] = 1.0 / oxide_factor(e);
      else weight[e] = (m.mixed || total <= 0) ? 1.0 : 1.0 / total;
    }
    p.material_content.push_back(content);
    p.material_tonnes.push_back(weight);
  }
}

double output_bound(const Output& o) {
  if (o.capacity) return *o.capacity;
  if (o.production) return *o.production;
  return kUnbounded;
}

/// Element tonnes per tonne of a mine's output: the distribution (% of TREO) or the composition.
ReVector mine_mix(const Facility& f, const PlanData& p, Index material) {
  if (!f.has_distribution) return p.material_content[material];
  ReVector mix{};
  for (std::size_t e = 0; e < mix.size(); ++e) mix[e] = f.distribution[e] / 100.0 * oxide_factor(e);
  return mix;
}

std::uint32_t capability_mask(const Dataset& d, Index f) {
  std::uint32_t m = 0;
  for (int re : d.capability(f)) m |= 1u << re;
  return m;
}

/// Gives each element that several of `group`'s slots take a share by bound (equal when any is
/// unbounded), stored as a weight vector on every slot that shares something.
void share_among(PlanData& p, const std::vector<Index>& group) {
  for (Index a : group) {
    std::uint32_t shared = 0;
    for (Index b : group) {
      if (a != b) shared |= p.slots[a].routes & p.slots[b].routes;
    }
    if (shared == 0) continue;
    ReVector w{};
    for (std::uint32_t m = p.slots[a].routes; m != 0; m &= m - 1) {
      const std::size_t e = flow_detail::lowest_element(m);
      double total = 0;
      int count = 0;
      for (Index b : group) {
        if ((p.slots[b].routes >> e & 1u) == 0) continue;
        total += p.slots[b].bound;
        ++count;
      }
      const bool by_bound = total > 0 && total != kUnbounded;
      w[e] = by_bound ? p.slots[a].bound / total : 1.0 / count;
    }
    p.slots[a].weights = static_cast<Index>(p.route_weights.size());
    p.route_weights.push_back(w);
  }
}

/// Routing of separate/convert/recipe facilities: which output takes which element.
void plan_routes(const Dataset& d, Index f, FacilityPlan& fp, PlanData& p) {
  const std::uint32_t capable = fp.rule == Rule::recipe ? kAllElements : capability_mask(d, f);
  std::uint32_t fixed = 0;
  for (Index s = fp.slot_begin; s < fp.slot_end; ++s) {
    Slot& slot = p.slots[s];
    if (slot.mixed) continue;
    slot.routes = mask_of(p.material_content[slot.material]) & capable;
    fixed |= slot.routes;
  }
  // Recipes leave whatever the recipe did not use, of any element, to their mixed outputs.
  const std::uint32_t leftover = fp.rule == Rule::recipe ? kAllElements : kAllElements & ~fixed;
  for (Index s = fp.slot_begin; s < fp.slot_end; ++s) {
    if (p.slots[s].mixed) p.slots[s].routes = leftover;
  }
  fp.strands = fp.mixed_outputs ? 0 : kAllElements & ~fixed;
  // Fixed outputs share among themselves; mixed outputs share what the fixed ones leave.
  std::vector<Index> fixed_slots, mixed_slots;
  for (Index s = fp.slot_begin; s < fp.slot_end; ++s) (p.slots[s].mixed ? mixed_slots : fixed_slots).push_back(s);
  share_among(p, fixed_slots);
  share_among(p, mixed_slots);
}

/// The intake bound redirect measures spare capacity against.
void plan_intake(FacilityPlan& fp, const PlanData& p) {
  double total = 0;
  for (Index s = fp.slot_begin; s < fp.slot_end; ++s) {
    const Slot& slot = p.slots[s];
    if (fp.rule == Rule::separate) {
      total += slot.bound;
      continue;
    }
    const ReVector& c = p.material_content[slot.material];
    const double per_tonne = slot.mixed ? 1.0 : std::accumulate(c.begin(), c.end(), 0.0);
    total += slot.bound == kUnbounded ? kUnbounded : slot.bound * per_tonne / std::max(fp.recovery, 1e-9);
  }
  fp.feed_bound = total;
  switch (fp.rule) {
    case Rule::separate: fp.intake = Intake::reo; break;
    case Rule::convert:
    case Rule::recipe: fp.intake = Intake::element; break;
    case Rule::source:
    case Rule::sink: fp.intake = Intake::none; break;
  }
}

void build_facilities(const Dataset& d, PlanData& p) {
  const Index n = static_cast<Index>(d.facilities.size());
  p.facilities.resize(n);
  std::size_t outputs = 0;
  for (const Facility& fac : d.facilities) outputs += fac.outputs.size();
  p.slots.reserve(outputs);
  for (Index f = 0; f < n; ++f) {
    const Facility& fac = d.facilities[f];
    FacilityPlan& fp = p.facilities[f];
    fp.rule = stage_rule(fac.stage);
    fp.participates = is_producing(fac.status);
    fp.recovery = std::clamp(fac.recovery, 0.0, 1.0);
    fp.slot_begin = static_cast<Index>(p.slots.size());
    for (const Output& o : fac.outputs) {
      Slot slot;
      slot.facility = f;
      slot.material = o.material;
      slot.bound = output_bound(o);
      slot.mixed = d.materials[o.material].mixed;
      if (fp.rule == Rule::source) {
        const double amount = o.production ? *o.production : o.capacity.value_or(0.0);
        ReVector emission = mine_mix(fac, p, o.material);
        for (double& x : emission) x *= amount;
        slot.mix = static_cast<Index>(p.emission.size());
        slot.routes = mask_of(emission);
        for (std::uint32_t m = slot.routes; m != 0; m &= m - 1) p.emission.push_back(emission[flow_detail::lowest_element(m)]);
      }
      fp.mixed_outputs = fp.mixed_outputs || slot.mixed;
      p.slots.push_back(slot);
    }
    fp.slot_end = static_cast<Index>(p.slots.size());
    p.max_slots = std::max<std::size_t>(p.max_slots, fp.slot_end - fp.slot_begin);
    if (fp.rule != Rule::source && fp.rule != Rule::sink) plan_routes(d, f, fp, p);
    plan_intake(fp, p);
  }
}

Index slot_for(const PlanData& p, Index facility, Index material) {
  const FacilityPlan& fp = p.facilities[facility];
  for (Index s = fp.slot_begin; s < fp.slot_end; ++s) {
    if (p.slots[s].material == material) return s;
  }
  return kNone;
}

void build_groups(const Dataset& d, PlanData& p) {
  for (Index f = 0; f < p.facilities.size(); ++f) {
    FacilityPlan& fp = p.facilities[f];
    fp.group_begin = static_cast<Index>(p.groups.size());
    if (fp.rule == Rule::sink) {
      Index k = 0;
      for (const DemandEntry& entry : d.facilities[f].demand) {
        auto it = std::find_if(p.groups.begin() + fp.group_begin, p.groups.end(),
                               [&](const flow_detail::DemandGroup& g) { return g.material == entry.material; });
        if (it == p.groups.end()) {
          p.groups.push_back({f, entry.material, 0.0});
          it = p.groups.end() - 1;
        }
        it->quantity += entry.quantity;
        p.entry_facility.push_back(f);
        p.entry_group.push_back(static_cast<Index>(it - p.groups.begin()));
        p.entry_index.push_back(k++);
        ++p.entry_count;
      }
    }
    fp.group_end = static_cast<Index>(p.groups.size());
  }
}

Index group_for(const PlanData& p, Index facility, Index material) {
  const FacilityPlan& fp = p.facilities[facility];
  for (Index g = fp.group_begin; g < fp.group_end; ++g) {
    if (p.groups[g].material == material) return g;
  }
  return kNone;
}

/// Rule 6's fallback weight: the customer's capacity for the material.
double customer_capacity(const PlanData& p, Index customer, Index material) {
  const FacilityPlan& fp = p.facilities[customer];
  if (fp.rule == Rule::sink) {
    const Index g = group_for(p, customer, material);
    return g == kNone ? 0.0 : p.groups[g].quantity;
  }
  double total = 0;
  for (Index s = fp.slot_begin; s < fp.slot_end; ++s) total += p.slots[s].bound;
  return total;
}

bool link_usable(const Dataset& d, const Link& link, const FlowOptions& options) {
  const auto n = d.facilities.size();
  return link.from < n && link.to < n && link.material < d.materials.size() && link.active_on(options.as_of);
}

void build_links(const Dataset& d, PlanData& p) {
  const std::size_t L = d.links.size();
  p.link_in.assign(L, kNone);  // the link's slot until its place in in_links is known
  p.customer_capacity.assign(L, 0.0);
  std::vector<Index> per_slot(p.slots.size() + 1, 0), per_customer(p.facilities.size() + 1, 0);
  for (Index l = 0; l < L; ++l) {
    const Link& link = d.links[l];
    if (!link_usable(d, link, p.options)) continue;
    const Index s = slot_for(p, link.from, link.material);
    if (s == kNone) continue;
    p.link_in[l] = s;
    p.customer_capacity[l] = customer_capacity(p, link.to, link.material);
    ++per_slot[s + 1];
    ++per_customer[link.to + 1];
  }
  std::partial_sum(per_slot.begin(), per_slot.end(), per_slot.begin());
  std::partial_sum(per_customer.begin(), per_customer.end(), per_customer.begin());
  p.slot_links.resize(per_slot.back());
  p.in_links.resize(per_customer.back());
  for (Index s = 0; s < p.slots.size(); ++s) {
    p.slots[s].link_begin = per_slot[s];
    p.slots[s].link_end = per_slot[s];
  }
  for (Index f = 0; f < p.facilities.size(); ++f) {
    p.facilities[f].in_begin = per_customer[f];
    p.facilities[f].in_end = per_customer[f];
  }
  for (Index l = 0; l < L; ++l) {
    const Index s = p.link_in[l];
    if (s == kNone) continue;
    const Link& link = d.links[l];
    p.slot_links[p.slots[s].link_end++] = l;
    const Index g = group_for(p, link.to, link.material);
    p.link_in[l] = p.facilities[link.to].in_end++;
    p.in_links[p.link_in[l]] = InLink{l, s, g, p.slots[s].routes, 0.0};
    if (g != kNone) p.groups[g].carries |= p.slots[s].routes;
  }
  // A run keeps, per group, one value per element its links can bring: the rest stays zero.
  std::size_t values = 0;
  for (flow_detail::DemandGroup& group : p.groups) {
    group.received_begin = static_cast<Index>(values);
    values += static_cast<std::size_t>(std::popcount(group.carries));
    if (values >= kNone) throw std::length_error("build_flow_plan: too many demand groups");
  }
  p.received_values = values;
}

/// Where rule 6 is evaluated for a supplier that shipped nothing in the baseline.
void plan_reference_outputs(const Dataset& d, PlanData& p) {
  for (Slot& slot : p.slots) {
    double volumes = 0;
    for (Index i = slot.link_begin; i < slot.link_end; ++i) volumes += d.links[p.slot_links[i]].volume.value_or(0.0);
    if (slot.bound > 0 && slot.bound != kUnbounded) slot.reference_output = slot.bound;
    else if (volumes > 0) slot.reference_output = volumes;
    else slot.reference_output = 1.0;
  }
}

/// Components as compressed rows: members of component c are members[begin[c] .. begin[c + 1]),
/// sorted by facility index.
struct Components {
  std::vector<Index> of;       ///< per facility
  std::vector<Index> begin;
  std::vector<Index> members;
  [[nodiscard]] Index count() const { return static_cast<Index>(begin.size() - 1); }
  [[nodiscard]] Index first(Index c) const { return members[begin[c]]; }
};

/// Tarjan's strongly connected components (Tarjan 1972), iterative.
Components strong_components(const std::vector<Index>& adj_begin, const std::vector<Index>& adj) {
  const Index n = static_cast<Index>(adj_begin.size() - 1);
  std::vector<Index> index(n, kNone), low(n, 0), stack, next(n, 0), call;
  std::vector<std::uint8_t> on_stack(n, 0);
  Components c;
  c.of.assign(n, 0);
  Index counter = 0, count = 0;
  for (Index root = 0; root < n; ++root) {
    if (index[root] != kNone) continue;
    call.push_back(root);
    while (!call.empty()) {
      const Index v = call.back();
      if (index[v] == kNone) {
        index[v] = low[v] = counter++;
        next[v] = adj_begin[v];
        stack.push_back(v);
        on_stack[v] = 1;
      }
      bool descended = false;
      while (next[v] < adj_begin[v + 1]) {
        const Index w = adj[next[v]++];
        if (index[w] == kNone) {
          call.push_back(w);
          descended = true;
          break;
        }
        if (on_stack[w]) low[v] = std::min(low[v], index[w]);
      }
      if (descended) continue;
      call.pop_back();
      if (!call.empty()) low[call.back()] = std::min(low[call.back()], low[v]);
      if (low[v] != index[v]) continue;
      Index w = kNone;
      do {
        w = stack.back();
        stack.pop_back();
        on_stack[w] = 0;
        c.of[w] = count;
      } while (w != v);
      ++count;
    }
  }
  c.begin.assign(count + 1, 0);
  for (Index f = 0; f < n; ++f) ++c.begin[c.of[f] + 1];
  std::partial_sum(c.begin.begin(), c.begin.end(), c.begin.begin());
  c.members.resize(n);
  std::vector<Index> fill(c.begin.begin(), c.begin.end() - 1);
  for (Index f = 0; f < n; ++f) c.members[fill[c.of[f]]++] = f;
  return c;
}

/// Topological order of the components by Kahn's algorithm, always taking the ready component
/// with the smallest facility index: a dataset listed upstream first is processed in its own
/// order, which keeps the run's memory access sequential.
std::vector<Index> component_order(const Components& c, const std::vector<Index>& adj_begin,
                                   const std::vector<Index>& adj) {
  std::vector<Index> waiting(c.count(), 0);
  for (Index v = 0; v + 1 < adj_begin.size(); ++v) {
    for (Index i = adj_begin[v]; i < adj_begin[v + 1]; ++i) {
      if (c.of[adj[i]] != c.of[v]) ++waiting[c.of[adj[i]]];
    }
  }
  using Ready = std::pair<Index, Index>;  // (smallest facility, component)
  std::priority_queue<Ready, std::vector<Ready>, std::greater<>> ready;
  for (Index k = 0; k < c.count(); ++k) {
    if (waiting[k] == 0) ready.emplace(c.first(k), k);
  }
  std::vector<Index> order;
  order.reserve(c.count());
  while (!ready.empty()) {
    const Index k = ready.top().second;
    ready.pop();
    order.push_back(k);
    for (Index m = c.begin[k]; m < c.begin[k + 1]; ++m) {
      const Index v = c.members[m];
      for (Index i = adj_begin[v]; i < adj_begin[v + 1]; ++i) {
        const Index d = c.of[adj[i]];
        if (d != k && --waiting[d] == 0) ready.emplace(c.first(d), d);
      }
    }
  }
  return order;
}

void build_order(PlanData& p) {
  const Index n = static_cast<Index>(p.facilities.size());
  std::vector<Index> adj_begin(n + 1, 0), adj;
  adj.reserve(p.slot_links.size());
  std::vector<std::uint8_t> self_loop(n, 0);
  for (Index f = 0; f < n; ++f) {
    adj_begin[f] = static_cast<Index>(adj.size());
    const FacilityPlan& fp = p.facilities[f];
    for (Index s = fp.slot_begin; s < fp.slot_end; ++s) {
      for (Index i = p.slots[s].link_begin; i < p.slots[s].link_end; ++i) {
        const Index to = flow_detail::link_customer(p, p.slot_links[i]);
        adj.push_back(to);
        if (to == f) self_loop[f] = 1;
      }
    }
  }
  adj_begin[n] = static_cast<Index>(adj.size());
  const Components c = strong_components(adj_begin, adj);
  p.order.reserve(n);
  p.component_begin.reserve(c.count() + 1);
  p.component_cyclic.reserve(c.count());
  for (Index k : component_order(c, adj_begin, adj)) {
    const Index size = c.begin[k + 1] - c.begin[k];
    p.component_begin.push_back(static_cast<Index>(p.order.size()));
    p.component_cyclic.push_back(size > 1 || self_loop[c.first(k)] != 0 ? 1 : 0);
    for (Index m = c.begin[k]; m < c.begin[k + 1]; ++m) {
      const Index f = c.members[m];
      p.facilities[f].position = static_cast<Index>(p.order.size());
      p.order.push_back(f);
    }
  }
  p.component_begin.push_back(static_cast<Index>(p.order.size()));
}

/// Runs the baseline with rule 6 live and freezes its proportions; fixes mixed demand mixes.
void freeze_baseline(const FlowPlan& plan, PlanData& p) {
  FlowResult baseline;
  flow_detail::Runner::run(plan, Disruption{}, /*dynamic_split=*/true, baseline);
  const auto& carried = flow_detail::Runner::extra(baseline);
  for (InLink& in : p.in_links) in.proportion = carried[in.link];
  p.unsold = flow_detail::Runner::unsold(baseline);
  const auto& values = flow_detail::Runner::group_received(baseline);
  for (Index g = 0; g < p.groups.size(); ++g) {
    flow_detail::DemandGroup& group = p.groups[g];
    if (!p.dataset->materials[group.material].mixed) continue;
    const ReVector received = flow_detail::expand_received(p, values, g);
    const double tonnes = flow_detail::tonnes_of(p, group.material, received);
    ReVector mix{};
    for (std::size_t e = 0; e < mix.size(); ++e) mix[e] = tonnes > 0 ? received[e] / tonnes : 0.0;
    group.mix = static_cast<Index>(p.group_mixes.size());
    p.group_mixes.push_back(mix);
  }
}

}  // namespace

namespace flow_detail {

void split_by_rule(const PlanData& p, const Slot& slot, double output_tonnes, std::vector<double>& carried,
                   double& unsold) {
  const double out = output_tonnes > 0 ? output_tonnes : slot.reference_output;
  double fixed = 0, weight_total = 0;
  int rest = 0;
  bool weights_finite = true;
  const auto taking = [&](Index l) { return p.facilities[link_customer(p, l)].participates; };
  for (Index i = slot.link_begin; i < slot.link_end; ++i) {
    const Index l = p.slot_links[i];
    if (!taking(l)) continue;
    const Link& link = p.dataset->links[l];
    if (link.volume) fixed += *link.volume;
    else if (link.share) fixed += *link.share * out;
    else {
      ++rest;
      weights_finite = weights_finite && p.customer_capacity[l] != kUnbounded;
      weight_total += p.customer_capacity[l];
    }
  }
  const double scale = fixed > out ? out / fixed : 1.0;
  const double remainder = std::max(0.0, out - fixed);
  const bool by_capacity = weights_finite && weight_total > 0;
  double taken = 0;
  for (Index i = slot.link_begin; i < slot.link_end; ++i) {
    const Index l = p.slot_links[i];
    const Link& link = p.dataset->links[l];
    double tonnes = 0;
    if (!taking(l)) tonnes = 0;
    else if (link.volume) tonnes = *link.volume * scale;
    else if (link.share) tonnes = *link.share * out * scale;
    else tonnes = remainder * (by_capacity ? p.customer_capacity[l] / weight_total : 1.0 / rest);
    carried[l] = tonnes / out;
    taken += carried[l];
  }
  unsold = std::max(0.0, 1.0 - taken);
}

}  // namespace flow_detail

FlowPlan build_flow_plan(const Dataset& dataset, const FlowOptions& options) {
  auto p = std::make_shared<PlanData>();
  p->dataset = &dataset;
  p->options = options;
  build_materials(dataset, *p);
  build_facilities(dataset, *p);
  p->emission.shrink_to_fit();
  p->stream_begin.resize(p->slots.size() + 1);
  std::size_t values = 0;
  for (Index s = 0; s < p->slots.size(); ++s) {
    p->stream_begin[s] = static_cast<Index>(values);
    values += static_cast<std::size_t>(std::popcount(p->slots[s].routes));
  }
  if (values >= kNone) throw std::length_error("build_flow_plan: too many output streams");
  p->stream_begin[p->slots.size()] = static_cast<Index>(values);
  build_groups(dataset, *p);
  build_links(dataset, *p);
  plan_reference_outputs(dataset, *p);
  build_order(*p);
  p->unsold.assign(p->slots.size(), 1.0);
  FlowPlan plan;
  plan.data_ = p;
  freeze_baseline(plan, *p);
  // Rule 6's customer weights are only needed for the baseline; runs use the frozen proportions.
  p->customer_capacity = std::vector<double>();  // not `= {}`, which empties it but keeps its buffer
  return plan;
}

const Dataset& FlowPlan::dataset() const { return *data_->dataset; }
const FlowOptions& FlowPlan::options() const { return data_->options; }
bool FlowPlan::participates(Index facility) const { return data_->facilities[facility].participates; }
bool FlowPlan::in_plan(Index link) const { return data_->link_in[link] != kNone; }
double FlowPlan::proportion(Index link) const { return flow_detail::link_proportion(*data_, link); }
std::size_t FlowPlan::cyclic_component_count() const {
  return static_cast<std::size_t>(
      std::count(data_->component_cyclic.begin(), data_->component_cyclic.end(), std::uint8_t{1}));
}

StageRule stage_rule(Stage s) {
  switch (s) {
    case Stage::mine: return StageRule::source;
    case Stage::processing:
    case Stage::separation: return StageRule::separate;
    case Stage::metal:
    case Stage::alloy:
    case Stage::recycling: return StageRule::convert;
    case Stage::magnet:
    case Stage::manufacturing: return StageRule::recipe;
    case Stage::demand: return StageRule::sink;
  }
  return StageRule::sink;
}

}  // namespace chokepoint
