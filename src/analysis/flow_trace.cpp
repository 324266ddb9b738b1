#include <algorithm>
#include <cmath>

#include "flow_plan_data.hpp"

namespace chokepoint {

using flow_detail::FacilityPlan;
using flow_detail::PlanData;
using flow_detail::Runner;

namespace {

/// The keys a facility stamps on everything that passes through it (at most two).
struct OwnKeys {
  std::array<Index, 2> keys{};
  int count = 0;
  [[nodiscard]] bool has(Index k) const { return (count > 0 && keys[0] == k) || (count > 1 && keys[1] == k); }
};

/// Traces one element with one kind of key, by proportional mixing: the share of f's received e
/// that passed through key k is sum over in-links of weight x (1 if the supplier has k, else the
/// supplier's own share for k). Cycles sweep to a fixed point like the flow itself.
class ElementTracer {
 public:
  struct Entry {
    Index key;
    double share;
  };
  using KeyFn = OwnKeys (*)(const PlanData&, Index, Index);

  ElementTracer(const FlowResult& result, const std::vector<Index>& local, std::size_t key_count, KeyFn own,
                Index key_base)
      : result_(result), p_(result.plan().data()), local_(local), acc_(key_count, 0.0), own_(own),
        key_base_(key_base) {}

  /// Traces element e for every traced facility; rows are indexed by local row.
  std::vector<std::vector<Entry>> trace(std::size_t element, std::size_t rows) {
    element_ = element;
    current_.assign(rows, {});
    for (std::size_t c = 0; c + 1 < p_.component_begin.size(); ++c) {
      members_.clear();
      for (Index i = p_.component_begin[c]; i < p_.component_begin[c + 1]; ++i) {
        if (local_[p_.order[i]] != kNone) members_.push_back(p_.order[i]);
      }
      if (members_.empty()) continue;
      if (!p_.component_cyclic[c]) {
        current_[local_[members_.front()]] = mix(members_.front());
        continue;
      }
      sweep_to_fixed_point();
    }
    return std::move(current_);
  }

 private:
  void sweep_to_fixed_point() {
    double change = 0;
    int sweeps = 0;
    do {
      change = 0;
      for (Index f : members_) {
        std::vector<Entry> next = mix(f);
        change = std::max(change, distance(current_[local_[f]], next));
        current_[local_[f]] = std::move(next);
      }
    } while (change > p_.options.tolerance && ++sweeps < p_.options.max_iterations);
  }

  static double distance(const std::vector<Entry>& a, const std::vector<Entry>& b) {
    if (a.size() != b.size()) return 1.0;
    double d = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i].key != b[i].key) return 1.0;
      d = std::max(d, std::abs(a[i].share - b[i].share));
    }
    return d;
  }

  void add(Index key, double amount) {
    if (amount <= 0) return;
    if (acc_[key] == 0) touched_.push_back(key);
    acc_[key] += amount;
  }

  std::vector<Entry> mix(Index f) {
    const FacilityPlan& fp = p_.facilities[f];
    const auto& streams = Runner::streams(result_);
    double received = 0;
    for (Index i = fp.in_begin; i < fp.in_end; ++i) {
      received += Runner::carried_share(result_, p_.in_links[i].link) * flow_detail::stream_element(p_, streams, p_.in_links[i].slot, element_);
    }
    if (received <= 0) return {};
    for (Index i = fp.in_begin; i < fp.in_end; ++i) {
      const auto& in = p_.in_links[i];
      const double weight = Runner::carried_share(result_, in.link) * flow_detail::stream_element(p_, streams, in.slot, element_) / received;
      if (weight <= 0) continue;
      const Index supplier = p_.slots[in.slot].facility;
      const OwnKeys own = own_(p_, supplier, key_base_);
      for (const Entry& entry : current_[local_[supplier]]) {
        if (!own.has(entry.key)) add(entry.key, weight * entry.share);
      }
      for (int k = 0; k < own.count; ++k) add(own.keys[static_cast<std::size_t>(k)], weight);
    }
    std::sort(touched_.begin(), touched_.end());
    std::vector<Entry> entries;
    entries.reserve(touched_.size());
    for (Index key : touched_) {
      entries.push_back({key, std::clamp(acc_[key], 0.0, 1.0)});
      acc_[key] = 0;
    }
    touched_.clear();
    return entries;
  }

  const FlowResult& result_;
  const PlanData& p_;
  const std::vector<Index>& local_;
  std::vector<double> acc_;
  std::vector<Index> touched_;
  KeyFn own_;
  Index key_base_;
  std::size_t element_ = 0;
  std::vector<Index> members_;
  std::vector<std::vector<Entry>> current_;
};

/// Stage-country key and stage-total key; key_base is the number of countries plus one.
OwnKeys country_keys(const PlanData& p, Index f, Index key_base) {
  const Facility& fac = p.dataset->facilities[f];
  const auto stage = static_cast<Index>(fac.stage);
  const Index country = fac.country < key_base - 1 ? fac.country : key_base - 1;
  return {{stage * key_base + country, kStageCount * key_base + stage}, 2};
}

OwnKeys facility_keys(const PlanData&, Index f, Index) { return {{f, 0}, 1}; }

/// Facilities upstream of the targets (over links that carried something), in plan order.
std::vector<Index> cone_rows(const FlowResult& result, const std::vector<Index>& targets) {
  const PlanData& p = result.plan().data();
  const std::size_t n = p.facilities.size();
  std::vector<std::uint8_t> in_cone(n, targets.empty() ? 1 : 0);
  std::vector<Index> stack;
  for (Index t : targets) {
    if (t < n && !in_cone[t]) {
      in_cone[t] = 1;
      stack.push_back(t);
    }
  }
  while (!stack.empty()) {
    const FacilityPlan& fp = p.facilities[stack.back()];
    stack.pop_back();
    for (Index i = fp.in_begin; i < fp.in_end; ++i) {
      const Index supplier = p.slots[p.in_links[i].slot].facility;
      if (Runner::carried_share(result, p.in_links[i].link) <= 0 || in_cone[supplier]) continue;
      in_cone[supplier] = 1;
      stack.push_back(supplier);
    }
  }
  std::vector<Index> local(n, kNone);
  Index row = 0;
  for (Index f : p.order) {
    if (in_cone[f]) local[f] = row++;
  }
  return local;
}

}  // namespace

OriginTrace trace_origins(const FlowResult& result, const TraceRequest& request) {
  const PlanData& p = result.plan().data();
  OriginTrace trace;
  trace.country_count_ = static_cast<Index>(p.dataset->countries.size());
  // The tracer's rows (the targets and their cone) and the rows kept: the same, or the targets' alone.
  const std::vector<Index> cone = cone_rows(result, request.targets);
  const std::size_t rows = p.facilities.size() - static_cast<std::size_t>(std::count(cone.begin(), cone.end(), kNone));
  std::vector<Index> kept_rows;   // per kept row: its row in the cone
  if (request.upstream || request.targets.empty()) {
    trace.local_ = cone;
    kept_rows.resize(rows);
    for (Index r = 0; r < rows; ++r) kept_rows[r] = r;
  } else {
    trace.local_.assign(p.facilities.size(), kNone);
    std::vector<std::uint8_t> is_target(p.facilities.size(), 0);
    for (Index t : request.targets) {
      if (t < is_target.size()) is_target[t] = 1;
    }
    for (Index f : p.order) {   // in the cone's row order
      if (cone[f] == kNone || is_target[f] == 0) continue;
      trace.local_[f] = static_cast<Index>(kept_rows.size());
      kept_rows.push_back(cone[f]);
    }
  }
  std::vector<int> elements = request.elements;
  if (elements.empty()) {
    for (int e = 0; e < kRareEarthCount; ++e) elements.push_back(e);
  }
  const Index base = trace.country_count_ + 1;
  const auto fill = [&](ElementTracer& tracer, std::vector<OriginTrace::Range>& ranges,
                        std::vector<OriginTrace::Entry>& entries) {
    ranges.assign(kept_rows.size() * kRareEarthCount, {});
    for (int e : elements) {
      const auto per_row = tracer.trace(static_cast<std::size_t>(e), rows);
      for (std::size_t k = 0; k < kept_rows.size(); ++k) {
        OriginTrace::Range& range = ranges[k * kRareEarthCount + static_cast<std::size_t>(e)];
        range.begin = entries.size();
        for (const auto& entry : per_row[kept_rows[k]]) entries.push_back({entry.key, entry.share});
        range.end = entries.size();
      }
    }
  };
  ElementTracer by_country(result, cone, static_cast<std::size_t>(kStageCount) * base + kStageCount, &country_keys,
                           base);
  fill(by_country, trace.country_rows_, trace.country_entries_);
  if (request.facilities) {
    ElementTracer by_facility(result, cone, p.facilities.size(), &facility_keys, 0);
    fill(by_facility, trace.facility_rows_, trace.facility_entries_);
  }
  return trace;
}

std::span<const OriginTrace::Entry> OriginTrace::row(const std::vector<Range>& ranges,
                                                     const std::vector<Entry>& entries, Index f,
                                                     int element) const {
  if (!traced(f) || ranges.empty()) return {};
  const Range& r = ranges[static_cast<std::size_t>(local_[f]) * kRareEarthCount + static_cast<std::size_t>(element)];
  return {entries.data() + r.begin, entries.data() + r.end};
}

std::vector<StageCountryShare> OriginTrace::countries(Index f, int element) const {
  const Index base = country_count_ + 1;
  std::vector<StageCountryShare> shares;
  for (const Entry& entry : row(country_rows_, country_entries_, f, element)) {
    if (entry.key >= kStageCount * base) break;
    const Index country = entry.key % base;
    shares.push_back({static_cast<Stage>(entry.key / base), country == country_count_ ? kNone : country, entry.share});
  }
  return shares;
}

std::array<double, kStageCount> OriginTrace::stages(Index f, int element) const {
  const Index base = country_count_ + 1;
  std::array<double, kStageCount> reached{};
  for (const Entry& entry : row(country_rows_, country_entries_, f, element)) {
    if (entry.key >= kStageCount * base) reached[entry.key - kStageCount * base] = entry.share;
  }
  return reached;
}

std::vector<FacilityShare> OriginTrace::facilities(Index f, int element) const {
  std::vector<FacilityShare> shares;
  for (const Entry& entry : row(facility_rows_, facility_entries_, f, element)) shares.push_back({entry.key, entry.share});
  return shares;
}

}  // namespace chokepoint
