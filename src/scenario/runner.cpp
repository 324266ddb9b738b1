#include "chokepoint/scenario/runner.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "chokepoint/scenario/measures.hpp"
#include "market_bridge.hpp"

namespace chokepoint {
namespace {

bool structural(const Event& e) {
  return e.type == EventType::commission || e.type == EventType::link || e.type == EventType::capacity;
}

std::string describe(const Dataset& ds, const Event& e) {
  switch (e.type) {
    case EventType::outage: return fmt::format("outage {} x{}", ds.facilities[e.facility].id, e.factor);
    case EventType::country_outage: return fmt::format("country_outage {} x{}", ds.countries[e.country].code, e.factor);
    case EventType::capacity:
      return fmt::format("capacity {} {} {}", ds.facilities[e.facility].id,
                         e.output == kNone ? std::string("all outputs") : ds.materials[e.output].id, e.capacity);
    case EventType::commission: return fmt::format("commission {}", ds.facilities[e.facility].id);
    case EventType::demand: return fmt::format("demand {} x{}", ds.facilities[e.facility].id, e.factor);
    case EventType::link: {
      const Link& l = ds.links[e.link];
      return fmt::format("link {} -> {} ({}) {}", ds.facilities[l.from].id, ds.facilities[l.to].id,
                         ds.materials[l.material].id, link_status_name(e.status));
    }
  }
  return {};
}

/// The dataset as the structural events leave it: commissioned facilities, link status, capacity.
Dataset apply_structure(const Dataset& ds, const std::vector<const Event*>& events, const Date& date) {
  Dataset out = ds;
  for (const Event* e : events) {
    switch (e->type) {
      case EventType::commission:
        out.facilities[e->facility].status = Status::operating;
        break;
      case EventType::link: {
        Link& l = out.links[e->link];
        l.status = e->status;
        // The event decides whether the link runs on this date, whatever its own dates say.
        if (e->status == LinkStatus::active) {
          l.since.reset();
          l.until.reset();
        } else if (e->status == LinkStatus::ended) {
          l.until = date;
          l.since.reset();
        }
        break;
      }
      case EventType::capacity:
        for (auto& o : out.facilities[e->facility].outputs) {
          if (e->output == kNone || o.material == e->output) {
            o.capacity = e->capacity;
            if (o.production && *o.production > e->capacity) o.production = e->capacity;
          }
        }
        break;
      default:
        break;
    }
  }
  out.build_indexes();
  return out;
}

void add(ReVector& a, const ReVector& b) {
  for (int e = 0; e < kRareEarthCount; ++e) a[e] += b[e];
}

double total(const ReVector& v) {
  double t = 0;
  for (double x : v) t += x;
  return t;
}

}  // namespace

std::optional<Date> scenario_date(const Dataset& dataset, const Scenario& scenario, const ScenarioOptions& options) {
  if (options.as_of) return options.as_of;
  if (scenario.as_of) return scenario.as_of;
  return dataset.info.as_of;
}

ScenarioImpact run_scenario(const Dataset& ds, const Scenario& scenario, const ScenarioOptions& options) {
  const auto date = scenario_date(ds, scenario, options);
  if (!date) throw std::invalid_argument("no date: give --as-of, or as_of in the scenario or the dataset");
  ScenarioImpact impact;
  impact.scenario_id = scenario.id;
  impact.title = scenario.title;
  impact.as_of = *date;

  FlowOptions flow_options;
  flow_options.as_of = *date;
  const FlowPlan base_plan = build_flow_plan(ds, flow_options);
  const FlowResult base = run_flow(base_plan);

  std::vector<const Event*> active, shaping;
  for (const auto& e : scenario.events) {
    if (!e.active_on(*date)) continue;
    active.push_back(&e);
    impact.events_active.push_back(describe(ds, e));
    if (structural(e)) shaping.push_back(&e);
  }
  const auto measures = measures_in_force(scenario, *date);
  for (const auto& m : scenario.measures) {
    const bool in = std::find(measures.begin(), measures.end(), &m) != measures.end();
    (in ? impact.measures_in_force : impact.measures_not_in_force).push_back(m.id);
  }

  // The scenario's network: the dataset as its structural events leave it.
  std::optional<Dataset> shaped;
  std::optional<FlowPlan> shaped_plan;
  if (!shaping.empty()) {
    shaped = apply_structure(ds, shaping, *date);
    shaped_plan = build_flow_plan(*shaped, flow_options);
  }
  const FlowPlan& plan = shaped_plan ? *shaped_plan : base_plan;
  const Dataset& net = shaped ? *shaped : ds;

  Disruption d;
  d.redirect = options.redirect;
  d.capacity_factor.assign(ds.facilities.size(), 1.0);
  d.demand_factor.assign(ds.facilities.size(), 1.0);
  d.pass_factor.assign(ds.links.size(), 1.0);
  for (const Event* e : active) {
    if (e->type == EventType::outage) d.capacity_factor[e->facility] *= e->factor;
    if (e->type == EventType::demand) d.demand_factor[e->facility] *= e->factor;
    if (e->type == EventType::country_outage) {
      for (std::size_t f = 0; f < ds.facilities.size(); ++f) {
        if (ds.facilities[f].country == e->country) d.capacity_factor[f] *= e->factor;
      }
    }
  }

  // Measures on the links of the scenario's network, contract by contract. Coverage is kept as
  // (link, measure) pairs, not a map of links: a measure on a large chain covers most of its links.
  std::vector<std::pair<Index, std::uint32_t>> coverage;
  for (std::uint32_t k = 0; k < measures.size(); ++k) {
    const Measure* m = measures[k];
    const std::size_t first = coverage.size();
    double covered_tonnes = 0;
    for (Index l = 0; l < net.links.size(); ++l) {
      if (!plan.in_plan(l)) continue;
      const Link& link = net.links[l];
      const ReVector content = shipment_content(net, base, link.from, link.material);
      if (!measure_covers(net, *m, link.from, link.to, link.material, content)) continue;
      coverage.emplace_back(l, k);
      covered_tonnes += base.link(l).carried_tonnes;
    }
    double factor = 1.0;
    switch (m->type) {
      case MeasureType::ban: factor = 0.0; break;
      case MeasureType::license: factor = m->approval_rate; break;
      case MeasureType::quota: factor = covered_tonnes > *m->quota ? *m->quota / covered_tonnes : 1.0; break;
      case MeasureType::tax: factor = 1.0; break;
    }
    for (std::size_t i = first; i < coverage.size(); ++i) d.pass_factor[coverage[i].first] *= factor;
  }
  // By link, each link's measures in the order they apply.
  std::stable_sort(coverage.begin(), coverage.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::size_t links_covered = 0;
  for (std::size_t i = 0; i < coverage.size(); ++i) links_covered += i == 0 || coverage[i - 1].first != coverage[i].first;
  impact.covered_links.reserve(links_covered);
  impact.covering.reserve(coverage.size());
  for (std::size_t i = 0; i < coverage.size(); ++i) {
    const Index l = coverage[i].first;
    if (i == 0 || coverage[i - 1].first != l) {
      impact.covered_links.push_back({l, static_cast<std::uint32_t>(impact.covering.size()), 0, d.pass_factor[l]});
    }
    impact.covering.push_back(coverage[i].second);
    ++impact.covered_links.back().measure_count;
  }
  std::vector<std::pair<Index, std::uint32_t>>().swap(coverage);

  std::optional<FlowResult> contracts;
  if (options.contracts) {
    contracts = run_flow(plan, d);
    impact.contracts_converged = contracts->converged();
  }
  std::optional<MarketOutcome> market;
  if (options.market) {
    market = solve_market_bound(base, plan, d, measures, options.market_time_limit);
    impact.market_status = market->status;
    impact.market_ok = market->ok;
  } else {
    impact.market_status = "not run";
  }
  // The runs keep what they need of the disruption; its per-link factors (24 MB at 3e6 links)
  // would otherwise still be held while the per-sink rows below are built.
  std::vector<double>().swap(d.pass_factor);
  std::vector<double>().swap(d.capacity_factor);

  // Demand sinks, entry by entry (the same rows in every run of these plans).
  const auto& base_rows = base.demand();
  impact.sinks.reserve(base_rows.size());
  for (std::size_t i = 0; i < base_rows.size(); ++i) {
    const DemandFlow b = base_rows[i];
    SinkImpact s;
    s.facility = b.facility;
    s.entry = b.entry;
    s.material = b.material;
    s.demand_tonnes = b.demand_tonnes * d.demand_factor[b.facility];
    s.baseline_tonnes = b.delivered_tonnes;
    const std::optional<DemandFlow> c = contracts ? std::optional<DemandFlow>(contracts->demand()[i]) : std::nullopt;
    const DemandFlow* m = market && market->ok && i < market->demand.size() ? &market->demand[i] : nullptr;
    if (c) s.contracts_tonnes = c->delivered_tonnes;
    if (m) s.market_tonnes = m->delivered_tonnes;
    for (int e = 0; e < kRareEarthCount; ++e) {
      const auto k = static_cast<std::size_t>(e);
      const SinkElement x{e, b.demand[k] * d.demand_factor[b.facility], b.delivered[k], c ? c->delivered[k] : 0.0,
                          m ? m->delivered[k] : 0.0};
      if (x.demand != 0 || x.baseline != 0 || x.contracts != 0 || x.market != 0) s.elements.push_back(x);
    }
    impact.sinks.push_back(std::move(s));
  }

  // By consuming country, then by group.
  const auto consumer_rows = [&](const std::string& name, const std::vector<Index>& countries) {
    for (int e = 0; e < kRareEarthCount; ++e) {
      ConsumerElementImpact row;
      row.consumer = name;
      row.element = e;
      double c = 0, m = 0;
      for (const auto& s : impact.sinks) {
        if (!std::binary_search(countries.begin(), countries.end(), ds.facilities[s.facility].country)) continue;
        for (const SinkElement& x : s.elements) {
          if (x.element != e) continue;
          row.demand += x.demand;
          row.baseline += x.baseline;
          c += x.contracts;
          m += x.market;
        }
      }
      if (row.demand <= 0 && row.baseline <= 0) continue;
      if (contracts) row.contracts = c;
      if (market && market->ok) row.market = m;
      impact.consumers.push_back(row);
    }
  };
  std::vector<Index> consumer_countries;
  for (const auto& s : impact.sinks) consumer_countries.push_back(ds.facilities[s.facility].country);
  std::sort(consumer_countries.begin(), consumer_countries.end());
  consumer_countries.erase(std::unique(consumer_countries.begin(), consumer_countries.end()), consumer_countries.end());
  std::sort(consumer_countries.begin(), consumer_countries.end(),
            [&](Index a, Index b) { return ds.countries[a].code < ds.countries[b].code; });
  // One pass over the sinks for every country at once (the same sums, in the same sink order, as
  // consumer_rows; a pass per country and element is 40 x 17 passes over 250,000 sinks at 1e6).
  struct CountrySums {
    ReVector demand{}, baseline{}, contracts{}, market{};
  };
  std::vector<CountrySums> sums(ds.countries.size());
  for (const auto& s : impact.sinks) {
    CountrySums& t = sums[ds.facilities[s.facility].country];
    for (const SinkElement& x : s.elements) {
      const auto e = static_cast<std::size_t>(x.element);
      t.demand[e] += x.demand;
      t.baseline[e] += x.baseline;
      t.contracts[e] += x.contracts;
      t.market[e] += x.market;
    }
  }
  for (Index c : consumer_countries) {
    for (int e = 0; e < kRareEarthCount; ++e) {
      const auto k = static_cast<std::size_t>(e);
      ConsumerElementImpact row;
      row.consumer = ds.countries[c].code;
      row.element = e;
      row.demand = sums[c].demand[k];
      row.baseline = sums[c].baseline[k];
      if (row.demand <= 0 && row.baseline <= 0) continue;
      if (contracts) row.contracts = sums[c].contracts[k];
      if (market && market->ok) row.market = sums[c].market[k];
      impact.consumers.push_back(row);
    }
  }
  std::vector<Index> group_order(ds.groups.size());
  for (Index g = 0; g < group_order.size(); ++g) group_order[g] = g;
  std::sort(group_order.begin(), group_order.end(), [&](Index a, Index b) { return ds.groups[a].id < ds.groups[b].id; });
  for (Index g : group_order) consumer_rows(ds.groups[g].id, ds.resolve_countries(ds.groups[g].id));

  if (contracts) {
    for (Index f = 0; f < ds.facilities.size(); ++f) {
      const double before = total(base.received(f)), after = total(contracts->received(f));
      if (before - after > 1e-9 * std::max(1.0, before)) impact.feed_losses.push_back({f, before, after});
    }
    std::sort(impact.feed_losses.begin(), impact.feed_losses.end(), [&](const FeedLoss& a, const FeedLoss& b) {
      const double la = a.baseline - a.scenario, lb = b.baseline - b.scenario;
      return la != lb ? la > lb : ds.facilities[a.facility].id < ds.facilities[b.facility].id;
    });
    std::map<std::pair<Index, int>, double> held;
    for (const auto& c : impact.covered_links) {
      const ReVector blocked = contracts->link(c.link).blocked;
      for (int e = 0; e < kRareEarthCount; ++e) {
        if (blocked[e] > 0) held[{ds.facilities[ds.links[c.link].from].country, e}] += blocked[e];
      }
    }
    for (const auto& [key, tonnes] : held) impact.stranded.push_back({key.first, key.second, tonnes});
    std::sort(impact.stranded.begin(), impact.stranded.end(), [](const StrandedSupply& a, const StrandedSupply& b) {
      return a.tonnes != b.tonnes ? a.tonnes > b.tonnes : std::tie(a.country, a.element) < std::tie(b.country, b.element);
    });
  }
  (void)add;
  return impact;
}

}  // namespace chokepoint
