#include <algorithm>
#include <cassert>
#include <cmath>
#include <span>

#include "flow_plan_data.hpp"

namespace chokepoint::flow_detail {
namespace {

double oxide_factor(std::size_t e) { return rare_earths()[e].oxide_factor; }

double factor_at(const std::vector<double>& factors, Index i) { return factors.empty() ? 1.0 : factors[i]; }

/// The run's mutable arrays, borrowed from the FlowResult being filled.
struct State {
  std::vector<double>& stream;    // compact: PlanData::stream_begin
  SparseRows& stranded;
  SparseRows& lost;
  std::vector<double>& extra;     // empty unless rule 6 runs live or redirect is on
  std::vector<double>& keep;      // empty unless redirect is on
  std::vector<double>& unsold;    // written only while rule 6 runs live
  std::vector<double>& group_received;  // compact: DemandGroup::received_begin
  std::vector<double>& group_delivered;
  std::vector<ReVector>& scratch;
};

/// One run: the plan, the disruption and the arrays; one method per stage rule.
class Pass {
 public:
  Pass(const PlanData& p, const Disruption& d, bool dynamic_split, State& s)
      : p_(p), d_(d), dynamic_(dynamic_split), s_(s) {}

  /// Processes facility f; in a cycle, returns the largest relative change of its output tonnes.
  double process(Index f, bool in_cycle);
  /// Zeroes a cyclic component's outputs so that its first sweep starts from nothing.
  void clear_outputs(Index f);

 private:
  bool participates(Index f) const {
    return d_.participates.empty() ? p_.facilities[f].participates : d_.participates[f] != 0;
  }
  double pass_of(Index l) const {
    if (!participates(link_customer(p_, l))) return 0.0;
    return d_.pass_factor.empty() ? 1.0 : std::clamp(d_.pass_factor[l], 0.0, 1.0);
  }
  double carried_share(const InLink& in) const {
    const double pass = d_.pass_factor.empty() ? 1.0 : std::clamp(d_.pass_factor[in.link], 0.0, 1.0);
    return in.proportion * pass + (s_.extra.empty() ? 0.0 : s_.extra[in.link]);
  }
  ReVector pull(const FacilityPlan& fp);
  void emit(const FacilityPlan& fp, double factor, std::span<ReVector> out);
  void separate(const FacilityPlan& fp, double factor, ReVector x, std::span<ReVector> out, ReVector& stranded,
                ReVector& lost);
  void convert(const FacilityPlan& fp, double factor, const ReVector& x, std::span<ReVector> out,
               ReVector& stranded, ReVector& lost);
  void recipe(const FacilityPlan& fp, double factor, const ReVector& x, std::span<ReVector> out,
              ReVector& stranded, ReVector& lost);
  void settle_demand(Index f, const FacilityPlan& fp);
  void route(const FacilityPlan& fp, const ReVector& x, std::span<ReVector> out, ReVector& stranded) const;
  void bound_output(const Slot& slot, double factor, double recovery, ReVector& part, ReVector& stranded,
                    ReVector& lost) const;
  double commit(const FacilityPlan& fp, std::span<const ReVector> out, bool in_cycle);
  void clear_received(const FacilityPlan& fp) {
    if (fp.group_begin == fp.group_end) return;
    const auto begin = s_.group_received.begin();
    const Index end = fp.group_end < p_.groups.size() ? p_.groups[fp.group_end].received_begin
                                                       : static_cast<Index>(p_.received_values);
    std::fill(begin + p_.groups[fp.group_begin].received_begin, begin + end, 0.0);
  }
  void ship(const Slot& slot, Index s);
  void redirect(const Slot& slot, Index s, double pool);
  double spare_share(Index l, Index s, const ReVector& offered) const;
  double intake_so_far(Index customer, Index s, Index group) const;

  const PlanData& p_;
  const Disruption& d_;
  bool dynamic_;
  State& s_;
  std::vector<std::pair<Index, double>> takers_;  // redirect's customers and their spare shares
};

/// What arrives at a participating facility; only the elements each supplier's output can hold
/// are read, so a separated oxide costs one cache line, not three.
ReVector Pass::pull(const FacilityPlan& fp) {
  clear_received(fp);
  ReVector x{};
  constexpr Index kAhead = 16;
  const Index links = static_cast<Index>(p_.in_links.size());
  for (Index i = fp.in_begin; i < fp.in_end; ++i) {
    // The streams are read scattered; the in-links of the facilities processed next follow these
    // in memory, so fetch a stream kAhead links ahead to overlap the misses.
    if (i + kAhead < links) __builtin_prefetch(s_.stream.data() + p_.stream_begin[p_.in_links[i + kAhead].slot]);
    const InLink& in = p_.in_links[i];
    const double c = carried_share(in);
    if (c == 0) continue;
    // in.carries is the slot's routes, so its values are the slot's stream in order.
    assert(in.carries == p_.slots[in.slot].routes);
    const double* from = s_.stream.data() + p_.stream_begin[in.slot];
    const double* v = from;
    for (std::uint32_t m = in.carries; m != 0; m &= m - 1) x[lowest_element(m)] += c * *v++;
    if (in.group == kNone) continue;
    const DemandGroup& group = p_.groups[in.group];
    double* g = s_.group_received.data() + group.received_begin;
    v = from;
    for (std::uint32_t m = in.carries; m != 0; m &= m - 1) {
      const std::uint32_t bit = m & (~m + 1u);
      g[std::popcount(group.carries & (bit - 1u))] += c * *v++;
    }
  }
  return x;
}

void Pass::emit(const FacilityPlan& fp, double factor, std::span<ReVector> out) {
  for (Index s = fp.slot_begin; s < fp.slot_end; ++s) {
    const Slot& slot = p_.slots[s];
    if (slot.mix == kNone) continue;
    // The mix's other elements are zero, as `out` already is.
    const double* v = p_.emission.data() + slot.mix;
    ReVector& o = out[s - fp.slot_begin];
    for (std::uint32_t m = slot.routes; m != 0; m &= m - 1) o[lowest_element(m)] = factor * *v++;
  }
}

/// Splits x over the outputs by their routes and weights; elements no output takes are stranded.
void Pass::route(const FacilityPlan& fp, const ReVector& x, std::span<ReVector> out, ReVector& stranded) const {
  for (Index s = fp.slot_begin; s < fp.slot_end; ++s) {
    const Slot& slot = p_.slots[s];
    ReVector& o = out[s - fp.slot_begin];
    const ReVector* w = slot.weights == kNone ? nullptr : &p_.route_weights[slot.weights];
    for (std::uint32_t m = slot.routes; m != 0; m &= m - 1) {
      const std::size_t e = lowest_element(m);
      o[e] = w == nullptr ? x[e] : x[e] * (*w)[e];
    }
  }
  for (std::uint32_t m = fp.strands; m != 0; m &= m - 1) stranded[lowest_element(m)] += x[lowest_element(m)];
}

/// Applies recovery to what was routed into an output, within the output's bound in its own tonnes.
void Pass::bound_output(const Slot& slot, double factor, double recovery, ReVector& part, ReVector& stranded,
                        ReVector& lost) const {
  ReVector out = part;
  for (double& v : out) v *= recovery;
  const double tonnes = tonnes_of(p_, slot.material, out);
  const double bound = scaled_bound(slot.bound, factor);
  const double keep = tonnes > bound ? bound / tonnes : 1.0;
  for (std::size_t e = 0; e < part.size(); ++e) {
    stranded[e] += (1.0 - keep) * part[e];
    lost[e] += keep * part[e] * (1.0 - recovery);
    part[e] = keep * out[e];
  }
}

void Pass::separate(const FacilityPlan& fp, double factor, ReVector x, std::span<ReVector> out, ReVector& stranded,
                    ReVector& lost) {
  double reo = 0;
  for (std::size_t e = 0; e < x.size(); ++e) reo += x[e] / oxide_factor(e);
  const double bound = scaled_bound(fp.feed_bound, factor);
  const double keep = reo > bound ? bound / reo : 1.0;
  for (std::size_t e = 0; e < x.size(); ++e) {
    stranded[e] += (1.0 - keep) * x[e];
    x[e] *= keep;
  }
  route(fp, x, out, stranded);
  for (ReVector& o : out) {
    for (std::size_t e = 0; e < o.size(); ++e) {
      lost[e] += (1.0 - fp.recovery) * o[e];
      o[e] *= fp.recovery;
    }
  }
}

void Pass::convert(const FacilityPlan& fp, double factor, const ReVector& x, std::span<ReVector> out,
                   ReVector& stranded, ReVector& lost) {
  route(fp, x, out, stranded);
  for (Index s = fp.slot_begin; s < fp.slot_end; ++s) {
    bound_output(p_.slots[s], factor, fp.recovery, out[s - fp.slot_begin], stranded, lost);
  }
}

/// Leontief (model.md rule 4): m = min(capacity, min over e of available_e / fraction_e), with
/// available_e the output's share of element e times recovery; what is left goes to mixed outputs.
void Pass::recipe(const FacilityPlan& fp, double factor, const ReVector& x, std::span<ReVector> out,
                  ReVector& stranded, ReVector& lost) {
  const double r = fp.recovery;
  ReVector left = x;
  for (Index s = fp.slot_begin; s < fp.slot_end; ++s) {
    const Slot& slot = p_.slots[s];
    if (slot.mixed || slot.routes == 0) continue;
    const ReVector& fraction = p_.material_content[slot.material];
    const ReVector* w = slot.weights == kNone ? nullptr : &p_.route_weights[slot.weights];
    double made = scaled_bound(slot.bound, factor);
    for (std::uint32_t m = slot.routes; m != 0; m &= m - 1) {
      const std::size_t e = lowest_element(m);
      const double available = w == nullptr ? x[e] : x[e] * (*w)[e];
      made = std::min(made, r * available / fraction[e]);
    }
    ReVector& o = out[s - fp.slot_begin];
    for (std::uint32_t m = slot.routes; m != 0; m &= m - 1) {
      const std::size_t e = lowest_element(m);
      o[e] = made * fraction[e];
      const double used = r > 0 ? o[e] / r : 0.0;
      left[e] = std::max(0.0, left[e] - used);
      lost[e] += used - o[e];
    }
  }
  if (!fp.mixed_outputs) {
    for (std::size_t e = 0; e < left.size(); ++e) stranded[e] += left[e];
    return;
  }
  for (Index s = fp.slot_begin; s < fp.slot_end; ++s) {
    const Slot& slot = p_.slots[s];
    if (!slot.mixed) continue;
    ReVector& o = out[s - fp.slot_begin];
    const ReVector* w = slot.weights == kNone ? nullptr : &p_.route_weights[slot.weights];
    for (std::size_t e = 0; e < o.size(); ++e) o[e] = w == nullptr ? left[e] : left[e] * (*w)[e];
    bound_output(slot, factor, r, o, stranded, lost);
  }
}

/// Rule 5 per demand group: delivered = min(demand, received), in the material's tonnes.
void Pass::settle_demand(Index f, const FacilityPlan& fp) {
  const double factor = factor_at(d_.demand_factor, f);
  for (Index g = fp.group_begin; g < fp.group_end; ++g) {
    const DemandGroup& group = p_.groups[g];
    const double received = tonnes_of(p_, group.material, expand_received(p_, s_.group_received, g));
    const double demand = group.quantity * std::max(0.0, factor);
    s_.group_delivered[g] = received > 0 ? std::min(1.0, demand / received) : 0.0;
  }
}

double Pass::commit(const FacilityPlan& fp, std::span<const ReVector> out, bool in_cycle) {
  double change = 0;
  for (Index s = fp.slot_begin; s < fp.slot_end; ++s) {
    const ReVector& now = out[s - fp.slot_begin];
    assert(std::all_of(now.begin(), now.end(), [&, e = std::size_t{0}](double v) mutable {
      return (p_.slots[s].routes >> e++ & 1u) != 0 || v == 0.0;
    }));
    if (in_cycle) {
      const ReVector old = expand_stream(p_, s_.stream, s);
      for (std::size_t e = 0; e < now.size(); ++e) {
        change = std::max(change, std::abs(now[e] - old[e]) / std::max(1.0, std::abs(now[e])));
      }
    }
    store_stream(p_, s_.stream, s, now);
  }
  return change;
}

double Pass::process(Index f, bool in_cycle) {
  const FacilityPlan& fp = p_.facilities[f];
  const bool on = participates(f);
  const ReVector x = on ? pull(fp) : ReVector{};
  const std::span<ReVector> out(s_.scratch.data(), fp.slot_end - fp.slot_begin);
  std::fill(out.begin(), out.end(), ReVector{});
  ReVector stranded{}, lost{};
  const double factor = std::max(0.0, factor_at(d_.capacity_factor, f));
  if (on) {
    switch (fp.rule) {
      case Rule::source:
        emit(fp, factor, out);
        stranded = x;
        break;
      case Rule::separate: separate(fp, factor, x, out, stranded, lost); break;
      case Rule::convert: convert(fp, factor, x, out, stranded, lost); break;
      case Rule::recipe: recipe(fp, factor, x, out, stranded, lost); break;
      case Rule::sink: settle_demand(f, fp); break;
    }
  } else {
    clear_received(fp);
    for (Index g = fp.group_begin; g < fp.group_end; ++g) s_.group_delivered[g] = 0.0;
  }
  s_.stranded.set(f, stranded);
  s_.lost.set(f, lost);
  const double change = commit(fp, out, in_cycle);
  if (dynamic_ || d_.redirect) {
    for (Index s = fp.slot_begin; s < fp.slot_end; ++s) ship(p_.slots[s], s);
  }
  return change;
}

void Pass::clear_outputs(Index f) {
  const FacilityPlan& fp = p_.facilities[f];
  std::fill(s_.stream.begin() + p_.stream_begin[fp.slot_begin], s_.stream.begin() + p_.stream_begin[fp.slot_end], 0.0);
}

/// Rule 6 live (plan building), or redirect of what blocked links would have carried.
void Pass::ship(const Slot& slot, Index s) {
  if (dynamic_) {
    const double tonnes = tonnes_of(p_, slot.material, expand_stream(p_, s_.stream, s));
    split_by_rule(p_, slot, tonnes, s_.extra, s_.unsold[s]);
    return;
  }
  s_.keep[s] = 1.0;
  double blocked = 0;
  for (Index i = slot.link_begin; i < slot.link_end; ++i) {
    const Index l = p_.slot_links[i];
    s_.extra[l] = 0.0;
    blocked += link_proportion(p_, l) * (1.0 - pass_of(l));
  }
  if (blocked > 0) redirect(slot, s, blocked);
}

/// Tonnes (in the customer's intake measure) that reached `customer` so far: from facilities
/// processed before the supplier of slot s or in its cycle, and from the supplier's slots up to s.
double Pass::intake_so_far(Index customer, Index s, Index group) const {
  const FacilityPlan& fp = p_.facilities[customer];
  const Index supplier = p_.slots[s].facility;
  const FacilityPlan& sp = p_.facilities[supplier];
  // Processed before the supplier or in its cycle: before the end of the supplier's component in
  // the processing order (component_begin ends with one past the last position).
  const Index end = *std::upper_bound(p_.component_begin.begin(), p_.component_begin.end(), sp.position);
  double total = 0;
  for (Index i = fp.in_begin; i < fp.in_end; ++i) {
    const InLink& in = p_.in_links[i];
    const Index from = p_.slots[in.slot].facility;
    const FacilityPlan& fromp = p_.facilities[from];
    const bool counted = from == supplier ? in.slot <= s
                                          : fromp.position < end;
    const double c = carried_share(in);
    if (!counted || c == 0) continue;
    const ReVector x = expand_stream(p_, s_.stream, in.slot);
    double measure = 0;
    if (fp.rule == Rule::sink) {
      if (in.group != group) continue;
      measure = tonnes_of(p_, p_.groups[group].material, x);
    } else {
      for (std::size_t e = 0; e < x.size(); ++e) measure += fp.intake == Intake::reo ? x[e] / oxide_factor(e) : x[e];
    }
    total += c * measure;
  }
  return total;
}

/// The share of `offered` that link l's customer could still take, or unbounded.
double Pass::spare_share(Index l, Index s, const ReVector& offered) const {
  const Slot& slot = p_.slots[s];
  const Index customer = link_customer(p_, l);
  const FacilityPlan& cp = p_.facilities[customer];
  double bound = 0, measure = 0;
  Index group = kNone;
  if (cp.rule == Rule::sink) {
    group = p_.in_links[p_.link_in[l]].group;  // l is in the plan: it is one of slot s's links
    if (group == kNone) return 0.0;
    bound = p_.groups[group].quantity * std::max(0.0, factor_at(d_.demand_factor, customer));
    measure = tonnes_of(p_, slot.material, offered);
  } else {
    if (cp.intake == Intake::none) return 0.0;
    bound = scaled_bound(cp.feed_bound, std::max(0.0, factor_at(d_.capacity_factor, customer)));
    if (bound == kUnbounded) return kUnbounded;
    for (std::size_t e = 0; e < offered.size(); ++e) {
      measure += cp.intake == Intake::reo ? offered[e] / oxide_factor(e) : offered[e];
    }
  }
  if (measure <= 0) return 0.0;
  const double spare = bound - intake_so_far(customer, s, group);
  return std::max(0.0, spare) / measure;
}

/// Offers what the slot's blocked links held (`pool`, a share of its output) to its unrestricted
/// links, in proportion to their customers' spare capacity and up to it; unbounded customers share
/// it equally.
void Pass::redirect(const Slot& slot, Index s, double pool) {
  const ReVector x = expand_stream(p_, s_.stream, s);
  if (std::all_of(x.begin(), x.end(), [](double v) { return v <= 0; })) return;
  double total = 0;
  int unbounded = 0;
  takers_.clear();
  for (Index i = slot.link_begin; i < slot.link_end; ++i) {
    const Index l = p_.slot_links[i];
    if (pass_of(l) < 1.0) continue;
    const double share = spare_share(l, s, x);
    if (share <= 0) continue;
    takers_.emplace_back(l, share);
    if (share == kUnbounded) ++unbounded;
    else total += share;
  }
  if (takers_.empty()) return;
  const double given = unbounded > 0 ? pool : std::min(pool, total);
  for (const auto& [l, share] : takers_) {
    if (unbounded > 0) s_.extra[l] = share == kUnbounded ? pool / unbounded : 0.0;
    else s_.extra[l] = given * share / total;
  }
  s_.keep[s] = (pool - given) / pool;
}

template <class T>
void fit(std::vector<T>& v, std::size_t n, const T& value) {
  if (v.size() != n) v.assign(n, value);
}

}  // namespace

void Runner::run(const FlowPlan& plan, const Disruption& disruption, bool dynamic_split, FlowResult& r) {
  const PlanData& p = plan.data();
  [[maybe_unused]] const auto sized = [](const auto& v, std::size_t n) { return v.empty() || v.size() == n; };
  assert(sized(disruption.capacity_factor, p.facilities.size()) && sized(disruption.demand_factor, p.facilities.size()) &&
         sized(disruption.participates, p.facilities.size()) && sized(disruption.pass_factor, p.link_in.size()));
  r.plan_ = plan;
  r.pass_ = disruption.pass_factor;
  r.participates_ = disruption.participates;
  fit(r.stream_, p.stream_begin.back(), 0.0);
  r.stranded_.reset(p.facilities.size());
  r.lost_.reset(p.facilities.size());
  fit(r.group_received_, p.received_values, 0.0);
  fit(r.group_delivered_, p.groups.size(), 0.0);
  fit(r.scratch_, std::max<std::size_t>(p.max_slots, 1), ReVector{});
  const bool extra = dynamic_split || disruption.redirect;
  if (extra) r.extra_.assign(p.link_in.size(), 0.0);
  else r.extra_.clear();
  if (disruption.redirect && !dynamic_split) r.keep_.assign(p.slots.size(), 1.0);
  else r.keep_.clear();
  if (dynamic_split) r.unsold_.assign(p.slots.size(), 1.0);
  State state{r.stream_, r.stranded_, r.lost_, r.extra_, r.keep_, r.unsold_,
              r.group_received_, r.group_delivered_, r.scratch_};
  Pass pass(p, disruption, dynamic_split, state);
  r.converged_ = true;
  r.iterations_ = p.order.empty() ? 0 : 1;
  for (std::size_t c = 0; c + 1 < p.component_begin.size(); ++c) {
    const std::span<const Index> members(p.order.data() + p.component_begin[c],
                                         p.component_begin[c + 1] - p.component_begin[c]);
    if (!p.component_cyclic[c]) {
      pass.process(members.front(), /*in_cycle=*/false);
      continue;
    }
    for (Index f : members) pass.clear_outputs(f);
    // Gauss-Seidel sweeps until no output moves by more than the tolerance.
    int sweeps = 0;
    double change = 0;
    do {
      change = 0;
      for (Index f : members) change = std::max(change, pass.process(f, /*in_cycle=*/true));
      ++sweeps;
    } while (change > p.options.tolerance && sweeps < p.options.max_iterations);
    r.iterations_ = std::max(r.iterations_, sweeps);
    if (change > p.options.tolerance) r.converged_ = false;
  }
  r.demand_factor_ = disruption.demand_factor;  // demand rows are computed when read (DemandRows)
}

}  // namespace chokepoint::flow_detail
