#include <algorithm>
#include <cmath>
#include <functional>

#include "flow_plan_data.hpp"
#include "row_store.hpp"

namespace chokepoint {

using flow_detail::FacilityPlan;
using flow_detail::PlanData;
using flow_detail::RowStore;
using flow_detail::Runner;

namespace {

/// The keys a facility stamps on everything that passes through it (at most two).
struct OwnKeys {
  std::array<Index, 2> keys{};
  int count = 0;
  [[nodiscard]] bool has(Index k) const { return (count > 0 && keys[0] == k) || (count > 1 && keys[1] == k); }
};

/// A traced row handed over once final: its facility, the element tonnes it received, its keys
/// ascending and their shares.
using EmitRow = std::function<void(Index, double, std::span<const Index>, std::span<const double>)>;

/// Traces one element with one kind of key, by proportional mixing: the share of f's received e
/// that passed through key k is sum over in-links of weight x (1 if the supplier has k, else the
/// supplier's own share for k). Cycles sweep to a fixed point like the flow itself.
///
/// Only the rows a later row reads are kept while the element is traced (those of suppliers in
/// the cone, and of cycles' members, swept again); the rows asked for are handed over as they
/// become final.
class ElementTracer {
 public:
  using KeyFn = OwnKeys (*)(const PlanData&, Index, Index);

  /// `local`: each facility's row in the cone, or kNone; `wanted`: per row, hand it over.
  ElementTracer(const FlowResult& result, const std::vector<Index>& local, std::vector<std::uint8_t> wanted,
                std::size_t key_count, KeyFn own, Index key_base)
      : result_(result), p_(result.plan().data()), local_(local), wanted_(std::move(wanted)), acc_(key_count, 0.0),
        kept_(wanted_.size(), 0), own_(wanted_.size()) {
    // A row is read by its customers in the cone over links that carried something. (The rows of
    // a cycle's members are kept by the sweep, which reads them again.) Each row's own keys are
    // looked up once here: mixing reads a supplier's keys for every link, and the facility
    // record they come from is a cache miss at 10^6 facilities (8% of the benchmark's time).
    for (Index f = 0; f < local_.size(); ++f) {
      if (local_[f] == kNone) continue;
      own_[local_[f]] = own(p_, f, key_base);
      const FacilityPlan& fp = p_.facilities[f];
      for (Index k = fp.in_begin; k < fp.in_end; ++k) {
        if (Runner::carried_share(result_, p_.in_links[k].link) <= 0) continue;
        const Index supplier = p_.slots[p_.in_links[k].slot].facility;
        if (local_[supplier] != kNone) kept_[local_[supplier]] = 1;
      }
    }
  }

  /// Traces element e over the cone and hands every wanted row to `emit`.
  void trace(std::size_t element, const EmitRow& emit) {
    element_ = element;
    store_.clear();
    rows_.assign(wanted_.size(), {});
    for (std::size_t c = 0; c + 1 < p_.component_begin.size(); ++c) {
      members_.clear();
      for (Index i = p_.component_begin[c]; i < p_.component_begin[c + 1]; ++i) {
        if (local_[p_.order[i]] != kNone) members_.push_back(p_.order[i]);
      }
      if (members_.empty()) continue;
      if (!p_.component_cyclic[c]) {
        const Index f = members_.front();
        const Index r = local_[f];
        const double received = mix(f);
        if (kept_[r]) store_.put(rows_[r], keys_, shares_);
        if (wanted_[r]) emit(f, received, keys_, shares_);
        continue;
      }
      sweep_to_fixed_point();
      for (Index f : members_) {
        const Index r = local_[f];
        if (wanted_[r]) emit(f, inflow(f), store_.keys(rows_[r]), store_.shares(rows_[r]));
      }
    }
  }

 private:
  void sweep_to_fixed_point() {
    double change = 0;
    int sweeps = 0;
    do {
      change = 0;
      for (Index f : members_) {
        mix(f);
        RowStore::Ref& row = rows_[local_[f]];
        change = std::max(change, distance(store_.keys(row), store_.shares(row)));
        store_.put(row, keys_, shares_);
      }
    } while (change > p_.options.tolerance && ++sweeps < p_.options.max_iterations);
  }

  /// How far the row just mixed is from an earlier one: 1 when their keys differ.
  [[nodiscard]] double distance(std::span<const Index> keys, std::span<const double> shares) const {
    if (keys.size() != keys_.size()) return 1.0;
    double d = 0;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] != keys_[i]) return 1.0;
      d = std::max(d, std::abs(shares[i] - shares_[i]));
    }
    return d;
  }

  void add(Index key, double amount) {
    if (amount <= 0) return;
    if (acc_[key] == 0) touched_.push_back(key);
    acc_[key] += amount;
  }

  /// The element tonnes f received, as FlowResult::received sums them; each in-link's into inflow_.
  double inflow(Index f) {
    const FacilityPlan& fp = p_.facilities[f];
    const auto& streams = Runner::streams(result_);
    inflow_.clear();
    double received = 0;
    for (Index i = fp.in_begin; i < fp.in_end; ++i) {
      inflow_.push_back(Runner::carried_share(result_, p_.in_links[i].link) *
                        flow_detail::stream_element(p_, streams, p_.in_links[i].slot, element_));
      received += inflow_.back();
    }
    return received;
  }

  /// f's row into keys_ and shares_; returns what f received.
  double mix(Index f) {
    keys_.clear();
    shares_.clear();
    const FacilityPlan& fp = p_.facilities[f];
    const double received = inflow(f);
    if (received <= 0) return received;
    for (Index i = fp.in_begin; i < fp.in_end; ++i) {
      const double weight = inflow_[i - fp.in_begin] / received;
      if (weight <= 0) continue;
      const Index supplier = local_[p_.slots[p_.in_links[i].slot].facility];
      const OwnKeys& own = own_[supplier];
      const RowStore::Ref& row = rows_[supplier];
      const std::span<const Index> keys = store_.keys(row);
      const std::span<const double> shares = store_.shares(row);
      for (std::size_t k = 0; k < keys.size(); ++k) {
        if (!own.has(keys[k])) add(keys[k], weight * shares[k]);
      }
      for (int k = 0; k < own.count; ++k) add(own.keys[static_cast<std::size_t>(k)], weight);
    }
    std::sort(touched_.begin(), touched_.end());
    for (Index key : touched_) {
      keys_.push_back(key);
      shares_.push_back(std::clamp(acc_[key], 0.0, 1.0));
      acc_[key] = 0;
    }
    touched_.clear();
    return received;
  }

  const FlowResult& result_;
  const PlanData& p_;
  const std::vector<Index>& local_;
  std::vector<std::uint8_t> wanted_;   // per row
  std::vector<double> acc_;
  std::vector<Index> touched_;
  std::vector<std::uint8_t> kept_;     // per row: read by a later row
  std::vector<OwnKeys> own_;           // per row
  std::vector<double> inflow_;         // per in-link of the facility being mixed: element tonnes
  std::size_t element_ = 0;
  std::vector<Index> members_;
  std::vector<Index> keys_;            // the row just mixed
  std::vector<double> shares_;
  RowStore store_;
  std::vector<RowStore::Ref> rows_;    // per row; empty until stored
};

/// Stage-country key and stage-total key; key_base is the number of countries plus one.
OwnKeys country_keys(const PlanData& p, Index f, Index key_base) {
  const Facility& fac = p.dataset->facilities[f];
  const auto stage = static_cast<Index>(fac.stage);
  const Index country = fac.country < key_base - 1 ? fac.country : key_base - 1;
  return {{stage * key_base + country, kStageCount * key_base + stage}, 2};
}

OwnKeys facility_keys(const PlanData&, Index f, Index) { return {{f, 0}, 1}; }

/// The country tracer's key count: a key per stage and country (and no country), then the stage totals.
std::size_t country_key_count(Index country_count) {
  return static_cast<std::size_t>(kStageCount) * (country_count + 1) + kStageCount;
}

/// Decodes a country tracer's row: stage-country shares in key order, and the stage totals.
void decode_country_row(std::span<const Index> keys, std::span<const double> shares, Index country_count,
                        std::vector<StageCountryShare>* countries, std::array<double, kStageCount>* stages) {
  const Index base = country_count + 1;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] >= kStageCount * base) {
      if (stages != nullptr) (*stages)[keys[i] - kStageCount * base] = shares[i];
    } else if (countries != nullptr) {
      const Index country = keys[i] % base;
      countries->push_back({static_cast<Stage>(keys[i] / base), country == country_count ? kNone : country, shares[i]});
    }
  }
}

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

/// Per cone row: is it one of the targets (every row when there are none)?
std::vector<std::uint8_t> target_rows(const std::vector<Index>& cone, const std::vector<Index>& targets) {
  const std::size_t rows = cone.size() - static_cast<std::size_t>(std::count(cone.begin(), cone.end(), kNone));
  std::vector<std::uint8_t> wanted(rows, targets.empty() ? 1 : 0);
  for (Index t : targets) {
    if (t < cone.size() && cone[t] != kNone) wanted[cone[t]] = 1;
  }
  return wanted;
}

std::vector<int> elements_or_all(const std::vector<int>& elements) {
  if (!elements.empty()) return elements;
  std::vector<int> all;
  for (int e = 0; e < kRareEarthCount; ++e) all.push_back(e);
  return all;
}

}  // namespace

OriginTrace trace_origins(const FlowResult& result, const TraceRequest& request) {
  const PlanData& p = result.plan().data();
  OriginTrace trace;
  trace.country_count_ = static_cast<Index>(p.dataset->countries.size());
  // The tracer's rows (the targets and their cone) and the rows kept: the same, or the targets' alone.
  const std::vector<Index> cone = cone_rows(result, request.targets);
  const bool all = request.upstream || request.targets.empty();
  std::vector<std::uint8_t> wanted = target_rows(cone, all ? std::vector<Index>() : request.targets);
  if (all) {
    trace.local_ = cone;
  } else {
    trace.local_.assign(p.facilities.size(), kNone);
    Index kept = 0;
    for (Index f : p.order) {   // in the cone's row order
      if (cone[f] != kNone && wanted[cone[f]] != 0) trace.local_[f] = kept++;
    }
  }
  const std::size_t kept_rows =
      p.facilities.size() - static_cast<std::size_t>(std::count(trace.local_.begin(), trace.local_.end(), kNone));
  const std::vector<int> elements = elements_or_all(request.elements);
  const auto fill = [&](ElementTracer& tracer, std::vector<OriginTrace::Range>& ranges,
                        std::vector<OriginTrace::Entry>& entries) {
    ranges.assign(kept_rows * kRareEarthCount, {});
    for (int e : elements) {
      tracer.trace(static_cast<std::size_t>(e), [&](Index f, double, std::span<const Index> keys,
                                                    std::span<const double> shares) {
        OriginTrace::Range& range = ranges[static_cast<std::size_t>(trace.local_[f]) * kRareEarthCount + static_cast<std::size_t>(e)];
        range.begin = entries.size();
        for (std::size_t i = 0; i < keys.size(); ++i) entries.push_back({keys[i], shares[i]});
        range.end = entries.size();
      });
    }
  };
  ElementTracer by_country(result, cone, wanted, country_key_count(trace.country_count_), &country_keys,
                           trace.country_count_ + 1);
  fill(by_country, trace.country_rows_, trace.country_entries_);
  if (request.facilities) {
    ElementTracer by_facility(result, cone, std::move(wanted), p.facilities.size(), &facility_keys, 0);
    fill(by_facility, trace.facility_rows_, trace.facility_entries_);
  }
  return trace;
}

void visit_origins(const FlowResult& result, const std::vector<Index>& targets, const std::vector<int>& elements,
                   const std::function<void(const OriginRow&)>& visit) {
  const PlanData& p = result.plan().data();
  const auto country_count = static_cast<Index>(p.dataset->countries.size());
  const std::vector<Index> cone = cone_rows(result, targets);
  ElementTracer tracer(result, cone, target_rows(cone, targets), country_key_count(country_count), &country_keys,
                       country_count + 1);
  std::vector<StageCountryShare> countries;
  for (int e : elements_or_all(elements)) {
    tracer.trace(static_cast<std::size_t>(e), [&](Index f, double received, std::span<const Index> keys,
                                                  std::span<const double> shares) {
      OriginRow row;
      row.facility = f;
      row.element = e;
      row.received = received;
      countries.clear();
      decode_country_row(keys, shares, country_count, &countries, &row.stages);
      row.countries = countries;
      visit(row);
    });
  }
}

std::span<const OriginTrace::Entry> OriginTrace::row(const std::vector<Range>& ranges,
                                                     const std::vector<Entry>& entries, Index f,
                                                     int element) const {
  if (!traced(f) || ranges.empty()) return {};
  const Range& r = ranges[static_cast<std::size_t>(local_[f]) * kRareEarthCount + static_cast<std::size_t>(element)];
  return {entries.data() + r.begin, entries.data() + r.end};
}

std::vector<StageCountryShare> OriginTrace::countries(Index f, int element) const {
  std::vector<StageCountryShare> shares;
  for (const Entry& entry : row(country_rows_, country_entries_, f, element)) {
    decode_country_row({&entry.key, 1}, {&entry.share, 1}, country_count_, &shares, nullptr);
  }
  return shares;
}

std::array<double, kStageCount> OriginTrace::stages(Index f, int element) const {
  std::array<double, kStageCount> reached{};
  for (const Entry& entry : row(country_rows_, country_entries_, f, element)) {
    decode_country_row({&entry.key, 1}, {&entry.share, 1}, country_count_, nullptr, &reached);
  }
  return reached;
}

std::vector<FacilityShare> OriginTrace::facilities(Index f, int element) const {
  std::vector<FacilityShare> shares;
  for (const Entry& entry : row(facility_rows_, facility_entries_, f, element)) shares.push_back({entry.key, entry.share});
  return shares;
}

}  // namespace chokepoint
