#include "chokepoint/scenario/risk.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <stdexcept>
#include <thread>

#include "chokepoint/analysis/flow.hpp"
#include "chokepoint/core/random.hpp"
#include "chokepoint/analysis/structure.hpp"
#include "chokepoint/graph/graph.hpp"
#include "chokepoint/scenario/measures.hpp"

namespace chokepoint {
namespace {

class SampleRng {
public:
  SampleRng(std::uint64_t seed, std::uint64_t sample) {
    std::uint64_t s = seed ^ (sample * 0x9E3779B97F4A7C15ull);
    state_ = splitmix64(s);
  }
  /// Uniform in [0, 1) with 53 random bits.
  double uniform() {
    return unit_interval(splitmix64(state_));
  }

private:
  std::uint64_t state_;
};

/// A measure's effect: the links it covers and its pass factor; license rates
/// are drawn per sample.
struct MeasureEffect {
  std::vector<Index> links;
  double factor = 1;
  bool uncertain = false; // license: approval drawn uniform in [0.5 a, 1.5 a],
                          // clipped to 0..1
};

struct Setup {
  const Dataset *dataset = nullptr;
  const FlowPlan *plan = nullptr;
  const SupplyGraph *graph = nullptr;
  Date date;
  std::uint64_t seed = 0;
  std::uint64_t structure_every = 0;
  Disruption fixed; // the scenario's active events, before the draws
  std::vector<MeasureEffect> measures;
  std::vector<Index> risky_facilities, risky_countries;
  std::vector<std::vector<Index>> country_facilities;
  std::vector<std::vector<Index>>
      row_sinks; // per row: the demand rows (FlowResult::demand) of its country
  std::vector<int> elements; // distinct row elements
  std::vector<StructureTarget>
      targets; // per consumer country with demand, by code
  std::vector<std::vector<std::size_t>>
      element_targets; // per entry of `elements`: targets with demand for it
};

/// Draws sample i into `d` (sized and reset here).
void draw(const Setup &s, std::uint64_t i, Disruption &d) {
  const Dataset &ds = *s.dataset;
  d = s.fixed;
  SampleRng rng(s.seed, i);
  for (Index f : s.risky_facilities) {
    const DisruptionRisk &r = ds.facilities[f].disruption;
    if (rng.uniform() < r.probability)
      d.capacity_factor[f] *= 1 - r.severity;
  }
  for (Index c : s.risky_countries) {
    const DisruptionRisk &r = ds.countries[c].disruption;
    if (rng.uniform() < r.probability) {
      for (Index f : s.country_facilities[c])
        d.capacity_factor[f] *= 1 - r.severity;
    }
  }
  for (const MeasureEffect &m : s.measures) {
    double factor = m.factor;
    if (m.uncertain)
      factor = std::clamp(m.factor * (0.5 + rng.uniform()), 0.0, 1.0);
    for (Index l : m.links)
      d.pass_factor[l] *= factor;
  }
}

struct Counts {
  std::uint64_t analyses = 0;
  std::vector<std::uint64_t> must_pass, min_cut, country_must_pass;
};

void count_structure(const Setup &s, const Disruption &d, Counts &counts) {
  const Dataset &ds = *s.dataset;
  StructureOptions so;
  so.retained_shares = false;
  so.view.as_of = s.date;
  so.view.facility_active.resize(ds.facilities.size());
  for (Index f = 0; f < ds.facilities.size(); ++f) {
    so.view.facility_active[f] =
        s.plan->participates(f) && d.capacity_factor[f] > 0 ? 1 : 0;
  }
  const Carriage carriage = compute_carriage(ds, so.view);
  for (int e : s.elements) {
    const ElementStructure element = prepare_element(ds, *s.graph, carriage, e);
    const auto at =
        std::find(s.elements.begin(), s.elements.end(), e) - s.elements.begin();
    for (std::size_t t : s.element_targets[static_cast<std::size_t>(at)]) {
      const TargetStructure ts =
          analyze_target(ds, *s.graph, element, s.targets[t], so);
      ++counts.analyses;
      for (const auto &m : ts.must_pass_facilities)
        ++counts.must_pass[m.facility];
      for (Index f : ts.min_cut)
        ++counts.min_cut[f];
      for (const auto &c : ts.must_pass_countries)
        ++counts.country_must_pass[c.country];
    }
  }
}

RiskSamples prepare(const Dataset &ds, const RiskOptions &o, Setup &s,
                    FlowResult &base) {
  RiskSamples out;
  out.dataset = ds.label();
  out.samples = o.samples;
  out.seed = o.seed;
  out.first = o.first;
  out.end = o.end.value_or(o.samples);
  out.structure_every = o.structure_every;
  if (out.first > out.end || out.end > out.samples)
    throw std::invalid_argument("sample range outside 0..samples");
  if (o.scenario)
    out.scenario = o.scenario->id;

  // Rows: consumer countries of demand sinks, elements with baseline demand.
  std::vector<Index> consumers;
  const DemandRows base_rows = base.demand();
  for (std::size_t i = 0; i < base_rows.size(); ++i)
    consumers.push_back(ds.facilities[base_rows.facility(i)].country);
  std::sort(consumers.begin(), consumers.end(), [&](Index a, Index b) {
    return ds.countries[a].code < ds.countries[b].code;
  });
  consumers.erase(std::unique(consumers.begin(), consumers.end()),
                  consumers.end());
  for (Index c : consumers) {
    std::vector<Index> sinks;
    for (Index i = 0; i < base_rows.size(); ++i) {
      if (ds.facilities[base_rows.facility(i)].country == c)
        sinks.push_back(i);
    }
    auto target = resolve_target(ds, ds.countries[c].code);
    std::vector<DemandFlow> sink_rows;  // each computed once (DemandRows computes on read)
    for (Index i : sinks) sink_rows.push_back(base_rows[i]);
    for (int e = 0; e < kRareEarthCount; ++e) {
      RiskRow row;
      row.consumer = ds.countries[c].code;
      row.element = e;
      for (const DemandFlow &sink : sink_rows) {
        row.demand += sink.demand[e];
        row.baseline += sink.delivered[e];
      }
      if (row.demand <= 0)
        continue;
      row.shortfall.assign(out.end - out.first, 0.0);
      out.rows.push_back(std::move(row));
      s.row_sinks.push_back(sinks);
      if (std::find(s.elements.begin(), s.elements.end(), e) ==
          s.elements.end())
        s.elements.push_back(e);
      if (target &&
          (s.targets.empty() || s.targets.back().label != target->label))
        s.targets.push_back(*target);
    }
  }
  std::sort(s.elements.begin(), s.elements.end());
  s.element_targets.resize(s.elements.size());
  for (std::size_t k = 0; k < s.elements.size(); ++k) {
    for (std::size_t t = 0; t < s.targets.size(); ++t) {
      for (const RiskRow &row : out.rows) {
        if (row.element == s.elements[k] &&
            row.consumer == s.targets[t].label) {
          s.element_targets[k].push_back(t);
          break;
        }
      }
    }
  }

  for (Index f = 0; f < ds.facilities.size(); ++f) {
    if (ds.facilities[f].disruption.given() &&
        ds.facilities[f].disruption.probability > 0)
      s.risky_facilities.push_back(f);
  }
  s.country_facilities.resize(ds.countries.size());
  for (Index f = 0; f < ds.facilities.size(); ++f) {
    if (ds.facilities[f].country != kNone)
      s.country_facilities[ds.facilities[f].country].push_back(f);
  }
  for (Index c = 0; c < ds.countries.size(); ++c) {
    if (ds.countries[c].disruption.given() &&
        ds.countries[c].disruption.probability > 0)
      s.risky_countries.push_back(c);
  }

  s.fixed.capacity_factor.assign(ds.facilities.size(), 1.0);
  s.fixed.demand_factor.assign(ds.facilities.size(), 1.0);
  s.fixed.pass_factor.assign(ds.links.size(), 1.0);
  if (o.scenario) {
    // Non-structural events as in run_scenario; structural events (commission,
    // link, capacity) are not applied.
    for (const Event &e : o.scenario->events) {
      if (!e.active_on(s.date))
        continue;
      if (e.type == EventType::outage)
        s.fixed.capacity_factor[e.facility] *= e.factor;
      if (e.type == EventType::demand)
        s.fixed.demand_factor[e.facility] *= e.factor;
      if (e.type == EventType::country_outage) {
        for (Index f : s.country_facilities[e.country])
          s.fixed.capacity_factor[f] *= e.factor;
      }
    }
    for (const Measure *m : measures_in_force(*o.scenario, s.date)) {
      MeasureEffect effect;
      double covered_tonnes = 0;
      for (Index l = 0; l < ds.links.size(); ++l) {
        if (!s.plan->in_plan(l))
          continue;
        const Link &link = ds.links[l];
        const ReVector content =
            shipment_content(ds, base, link.from, link.material);
        if (!measure_covers(ds, *m, link.from, link.to, link.material, content))
          continue;
        effect.links.push_back(l);
        covered_tonnes += base.link(l).carried_tonnes;
      }
      switch (m->type) {
      case MeasureType::ban:
        effect.factor = 0.0;
        break;
      case MeasureType::license:
        effect.factor = m->approval_rate;
        effect.uncertain = true;
        break;
      case MeasureType::quota:
        effect.factor =
            covered_tonnes > *m->quota ? *m->quota / covered_tonnes : 1.0;
        break;
      case MeasureType::tax:
        effect.factor = 1.0;
        break;
      }
      s.measures.push_back(std::move(effect));
    }
  }
  return out;
}

} // namespace

bool any_disruption(const Dataset &dataset) {
  const auto can_happen = [](const DisruptionRisk &r) {
    return r.given() && r.probability > 0 && r.severity > 0;
  };
  return std::any_of(dataset.facilities.begin(), dataset.facilities.end(),
                     [&](const Facility &f) { return can_happen(f.disruption); }) ||
         std::any_of(dataset.countries.begin(), dataset.countries.end(),
                     [&](const Country &c) { return can_happen(c.disruption); });
}

RiskSamples run_risk(const Dataset &ds, const RiskOptions &o) {
  Setup s;
  s.dataset = &ds;
  s.seed = o.seed;
  s.structure_every = o.structure_every;
  std::optional<Date> date = o.as_of;
  if (!date && o.scenario)
    date = o.scenario->as_of;
  if (!date)
    date = ds.info.as_of;
  if (!date)
    throw std::invalid_argument(
        "no date: give --as-of, or as_of in the scenario or the dataset");
  s.date = *date;
  FlowOptions fo;
  fo.as_of = *date;
  const FlowPlan plan = build_flow_plan(ds, fo);
  s.plan = &plan;
  FlowResult base = run_flow(plan);
  RiskSamples out = prepare(ds, o, s, base);
  std::optional<SupplyGraph> graph;
  if (s.structure_every > 0)
    graph = SupplyGraph::build(ds);
  s.graph = graph ? &*graph : nullptr;

  const std::uint64_t count = out.end - out.first;
  unsigned threads = o.threads == 0
                         ? std::max(1u, std::thread::hardware_concurrency())
                         : o.threads;
  threads = static_cast<unsigned>(
      std::min<std::uint64_t>(threads, std::max<std::uint64_t>(count, 1)));
  std::vector<Counts> counts(threads);
  std::vector<std::exception_ptr> errors(threads);
  std::atomic<std::uint64_t> done{0};
  const auto work = [&](unsigned t) {
    try {
      Counts &c = counts[t];
      c.must_pass.assign(ds.facilities.size(), 0);
      c.min_cut.assign(ds.facilities.size(), 0);
      c.country_must_pass.assign(ds.countries.size(), 0);
      FlowResult result;
      Disruption d;
      const std::uint64_t lo = out.first + count * t / threads,
                          hi = out.first + count * (t + 1) / threads;
      for (std::uint64_t i = lo; i < hi; ++i) {
        draw(s, i, d);
        run_flow(plan, d, result);
        for (std::size_t r = 0; r < out.rows.size(); ++r) {
          RiskRow &row = out.rows[r];
          double delivered = 0;
          for (Index k : s.row_sinks[r])
            delivered += result.demand().delivered(k, row.element);
          row.shortfall[i - out.first] =
              std::max(0.0, row.baseline - delivered);
        }
        if (s.graph && i % s.structure_every == 0)
          count_structure(s, d, c);
        done.fetch_add(1, std::memory_order_relaxed);
      }
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back(work, t);
  if (o.progress) {
    while (done.load(std::memory_order_relaxed) < count) {
      bool failed = false;
      for (const auto &e : errors)
        failed |= static_cast<bool>(e);
      if (failed)
        break;
      o.progress(done.load(std::memory_order_relaxed), count);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  for (auto &th : pool)
    th.join();
  for (const auto &e : errors) {
    if (e)
      std::rethrow_exception(e);
  }
  if (o.progress)
    o.progress(count, count);

  for (const Counts &c : counts) {
    out.structure_analyses += c.analyses;
    for (Index f = 0; f < ds.facilities.size(); ++f) {
      if (c.must_pass[f] == 0 && c.min_cut[f] == 0)
        continue;
      auto &entry = out.facilities[ds.facilities[f].id];
      entry.id = ds.facilities[f].id;
      entry.must_pass += c.must_pass[f];
      entry.min_cut += c.min_cut[f];
    }
    for (Index k = 0; k < ds.countries.size(); ++k) {
      if (c.country_must_pass[k] == 0)
        continue;
      auto &entry = out.countries[ds.countries[k].code];
      entry.id = ds.countries[k].code;
      entry.must_pass += c.country_must_pass[k];
    }
  }
  return out;
}

RiskSamples merge_risk(std::vector<RiskSamples> shards) {
  if (shards.empty())
    throw std::invalid_argument("no shards to merge");
  std::sort(shards.begin(), shards.end(),
            [](const RiskSamples &a, const RiskSamples &b) {
              return a.first < b.first;
            });
  RiskSamples out = shards.front();
  const auto same_run = [&](const RiskSamples &s) {
    if (s.dataset != out.dataset || s.scenario != out.scenario ||
        s.samples != out.samples || s.seed != out.seed ||
        s.structure_every != out.structure_every ||
        s.rows.size() != out.rows.size()) {
      return false;
    }
    for (std::size_t r = 0; r < s.rows.size(); ++r) {
      const RiskRow &a = s.rows[r], &b = out.rows[r];
      if (a.consumer != b.consumer || a.element != b.element ||
          a.demand != b.demand || a.baseline != b.baseline) {
        return false;
      }
    }
    return true;
  };
  if (out.first != 0)
    throw std::invalid_argument("the shards do not start at sample 0");
  for (std::size_t k = 1; k < shards.size(); ++k) {
    const RiskSamples &s = shards[k];
    if (!same_run(s))
      throw std::invalid_argument(
          "the shards come from different runs (dataset, scenario, seed, "
          "samples or options differ)");
    if (s.first != out.end)
      throw std::invalid_argument(
          "the shards overlap or leave a gap at sample " +
          std::to_string(out.end));
    for (std::size_t r = 0; r < s.rows.size(); ++r) {
      auto &v = out.rows[r].shortfall;
      v.insert(v.end(), s.rows[r].shortfall.begin(), s.rows[r].shortfall.end());
    }
    out.end = s.end;
    out.structure_analyses += s.structure_analyses;
    for (const auto &[id, c] : s.facilities) {
      auto &e = out.facilities[id];
      e.id = id;
      e.must_pass += c.must_pass;
      e.min_cut += c.min_cut;
    }
    for (const auto &[id, c] : s.countries) {
      auto &e = out.countries[id];
      e.id = id;
      e.must_pass += c.must_pass;
    }
  }
  if (out.end != out.samples)
    throw std::invalid_argument("the shards stop at sample " +
                                std::to_string(out.end) + " of " +
                                std::to_string(out.samples));
  return out;
}

double nearest_rank(const std::vector<double> &sorted, double p) {
  if (sorted.empty())
    return 0;
  const auto n = static_cast<double>(sorted.size());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * n));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

RiskSummary summarize_risk(const RiskSamples &samples) {
  RiskSummary out;
  out.dataset = samples.dataset;
  out.scenario = samples.scenario;
  out.samples = samples.end - samples.first;
  out.seed = samples.seed;
  out.structure_every = samples.structure_every;
  out.structure_analyses = samples.structure_analyses;
  for (const RiskRow &row : samples.rows) {
    RiskRowSummary r;
    r.consumer = row.consumer;
    r.element = row.element;
    r.demand = row.demand;
    r.baseline = row.baseline;
    double sum = 0;
    std::size_t hit = 0;
    for (double x : row.shortfall) {
      sum += x;
      if (x > 0)
        ++hit;
    }
    const auto n = static_cast<double>(row.shortfall.size());
    if (n > 0) {
      r.expected = sum / n;
      r.probability = static_cast<double>(hit) / n;
    }
    std::vector<double> sorted = row.shortfall;
    std::sort(sorted.begin(), sorted.end());
    r.p50 = nearest_rank(sorted, 50);
    r.p95 = nearest_rank(sorted, 95);
    r.p99 = nearest_rank(sorted, 99);
    out.rows.push_back(r);
  }
  const auto by_count = [](const RiskStructureCount &a,
                           const RiskStructureCount &b) {
    const auto ka = std::max(a.must_pass, a.min_cut),
               kb = std::max(b.must_pass, b.min_cut);
    return ka != kb ? ka > kb : a.id < b.id;
  };
  for (const auto &[id, c] : samples.facilities)
    out.facilities.push_back(c);
  for (const auto &[id, c] : samples.countries)
    out.countries.push_back(c);
  std::sort(out.facilities.begin(), out.facilities.end(), by_count);
  std::sort(out.countries.begin(), out.countries.end(), by_count);
  return out;
}

} // namespace chokepoint
