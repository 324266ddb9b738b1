#include "chokepoint/report/impact.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace chokepoint {
namespace {

std::string symbol(int e) { return std::string(rare_earths()[static_cast<std::size_t>(e)].symbol); }

std::optional<double> share_of(std::optional<double> x, double of) {
  if (!x || of <= 0) return std::nullopt;
  return *x / of;
}

Cell pct(std::optional<double> share) { return share ? Cell::str(percent(*share)) : Cell::str("-"); }
Cell tonnes(std::optional<double> t) { return t ? Cell::num(*t, 1) : Cell::str("-"); }

double loss(const ConsumerElementImpact& r, const std::optional<double>& x) { return x ? r.baseline - *x : 0; }

/// Rows that lost something under either bound, largest contracts loss first.
std::vector<const ConsumerElementImpact*> affected(const ScenarioImpact& impact, bool countries_only,
                                                   const Dataset& ds) {
  std::vector<const ConsumerElementImpact*> rows;
  for (const auto& r : impact.consumers) {
    const bool is_country = ds.find_country(r.consumer) != kNone;
    if (countries_only && !is_country) continue;
    const double eps = 1e-9 * std::max(1.0, r.baseline);
    if (loss(r, r.contracts) > eps || loss(r, r.market) > eps) rows.push_back(&r);
  }
  return rows;
}

}  // namespace

std::string impact_headline(const Dataset& ds, const ScenarioImpact& impact, const ConsumerElementImpact& r) {
  (void)ds;
  (void)impact;
  const auto c = share_of(r.contracts, r.demand), m = share_of(r.market, r.demand);
  const std::string who = r.consumer;
  const std::string el = symbol(r.element);
  if (c && m && std::abs(*c - *m) < 5e-4) {
    return fmt::format("{} of {} {} demand is met under either bound (baseline {})", percent(*c), who, el,
                       percent(r.demand > 0 ? r.baseline / r.demand : 0));
  }
  if (c && m) {
    return fmt::format("between {} and {} of {} {} demand is met (baseline {})", percent(std::min(*c, *m)),
                       percent(std::max(*c, *m)), who, el, percent(r.demand > 0 ? r.baseline / r.demand : 0));
  }
  if (c) return fmt::format("{} of {} {} demand is met without rerouting (baseline {})", percent(*c), who, el,
                            percent(r.demand > 0 ? r.baseline / r.demand : 0));
  return fmt::format("{} {}: no bound computed", who, el);
}

Document impact_document(const Dataset& ds, const std::vector<ScenarioImpact>& impacts) {
  Document doc;
  doc.heading(1, fmt::format("Scenario impact on {}", ds.label()));
  doc.paragraph("Delivered demand, element by element, in tonnes of contained element per year: the baseline on the "
                "scenario's date, the contracts bound (no rerouting: every supplier ships along its baseline links "
                "in baseline proportions) and the market bound (perfect rerouting within capacities, recipes and "
                "mine co-product mixes). The truth lies between the two bounds.");

  if (impacts.size() > 1) {
    Table side{"comparison", "Share of demand met, by scenario (contracts / market)", {{"consumer"}, {"element"}}, {}, "(no consumer loses anything)"};
    for (const auto& i : impacts) side.columns.push_back({i.scenario_id, Align::right});
    std::vector<std::pair<std::string, int>> keys;
    for (const auto& i : impacts) {
      for (const auto* r : affected(i, true, ds)) keys.emplace_back(r->consumer, r->element);
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (const auto& key : keys) {
      // Not a structured binding: clang 14 (the fuzzing build) cannot capture those in a lambda.
      const std::string& consumer = key.first;
      const int element = key.second;
      std::vector<Cell> row = {Cell::str(consumer), Cell::str(symbol(element))};
      for (const auto& i : impacts) {
        auto it = std::find_if(i.consumers.begin(), i.consumers.end(),
                               [&](const auto& r) { return r.consumer == consumer && r.element == element; });
        if (it == i.consumers.end() || it->demand <= 0) {
          row.push_back(Cell::str("-"));
          continue;
        }
        const auto c = share_of(it->contracts, it->demand), m = share_of(it->market, it->demand);
        row.push_back(Cell::str(fmt::format("{} / {}", c ? percent(*c) : "-", m ? percent(*m) : "-")));
      }
      side.rows.push_back(std::move(row));
    }
    doc.table(side);
  }

  for (const auto& i : impacts) {
    doc.heading(2, fmt::format("{}: {}", i.scenario_id, i.title));
    std::vector<std::string> facts = {fmt::format("as of {}", i.as_of.str())};
    facts.push_back("measures in force: " + (i.measures_in_force.empty() ? std::string("none")
                                                                          : fmt::format("{}", fmt::join(i.measures_in_force, ", "))));
    if (!i.measures_not_in_force.empty()) {
      facts.push_back(fmt::format("measures not in force on this date: {}", fmt::join(i.measures_not_in_force, ", ")));
    }
    facts.push_back("events: " + (i.events_active.empty() ? std::string("none") : fmt::format("{}", fmt::join(i.events_active, "; "))));
    facts.push_back(fmt::format("links covered by measures: {}", i.covered_links.size()));
    facts.push_back("market bound: " + i.market_status);
    if (!i.contracts_converged) facts.push_back("contracts bound: the flow did not converge on a cycle (see docs/flow-engine.md)");
    doc.bullets(facts);

    const auto rows = affected(i, false, ds);
    // Headlines: the worst-hit country and element pairs, by the share of demand lost (contracts).
    std::vector<const ConsumerElementImpact*> worst;
    for (const auto* r : rows) {
      if (ds.find_country(r->consumer) != kNone && r->demand > 0) worst.push_back(r);
    }
    const auto lost = [](const ConsumerElementImpact* r) {
      const double after = r->contracts ? *r->contracts : (r->market ? *r->market : r->baseline);
      return (r->baseline - after) / r->demand;
    };
    std::stable_sort(worst.begin(), worst.end(), [&](const auto* a, const auto* b) { return lost(a) > lost(b); });
    std::vector<std::string> headlines;
    for (std::size_t k = 0; k < worst.size() && k < 8; ++k) headlines.push_back(impact_headline(ds, i, *worst[k]));
    if (!headlines.empty()) doc.bullets(headlines);

    Table consumers{i.scenario_id + ".consumers", "Delivered by consumer and element (t/yr contained element)",
                    {{"consumer"}, {"element"}, {"demand", Align::right}, {"baseline", Align::right},
                     {"contracts", Align::right}, {"market", Align::right}, {"met (contracts)", Align::right},
                     {"met (market)", Align::right}, {"loss (contracts)", Align::right}},
                    {}, "(no consumer loses anything under this scenario)"};
    for (const auto* r : rows) {
      consumers.rows.push_back({Cell::str(r->consumer), Cell::str(symbol(r->element)), Cell::num(r->demand, 1),
                                Cell::num(r->baseline, 1), tonnes(r->contracts), tonnes(r->market),
                                pct(share_of(r->contracts, r->demand)), pct(share_of(r->market, r->demand)),
                                pct(r->contracts && r->baseline > 0 ? std::optional<double>((r->baseline - *r->contracts) / r->baseline)
                                                                    : std::nullopt)});
    }
    doc.table(consumers);

    Table sinks{i.scenario_id + ".sinks", "Demand sinks (t/yr of the demanded material)",
                {{"sink"}, {"country"}, {"material"}, {"demand", Align::right}, {"baseline", Align::right},
                 {"contracts", Align::right}, {"market", Align::right}},
                {}, "(no demand sink is affected)"};
    for (const auto& s : i.sinks) {
      const bool hit = (s.contracts_tonnes && *s.contracts_tonnes < s.baseline_tonnes - 1e-9) ||
                       (s.market_tonnes && *s.market_tonnes < s.baseline_tonnes - 1e-9);
      if (!hit) continue;
      const Facility& f = ds.facilities[s.facility];
      sinks.rows.push_back({Cell::str(f.id), Cell::str(ds.countries[f.country].code), Cell::str(ds.materials[s.material].id),
                            Cell::num(s.demand_tonnes, 1), Cell::num(s.baseline_tonnes, 1), tonnes(s.contracts_tonnes),
                            tonnes(s.market_tonnes)});
    }
    doc.table(sinks);

    Table feed{i.scenario_id + ".feed", "Facilities that lose the most feed (contracts, t/yr of all rare earths)",
               {{"facility"}, {"country"}, {"stage"}, {"baseline", Align::right}, {"scenario", Align::right}, {"loss", Align::right}},
               {}, "(none)"};
    for (std::size_t k = 0; k < i.feed_losses.size() && k < 10; ++k) {
      const auto& fl = i.feed_losses[k];
      const Facility& f = ds.facilities[fl.facility];
      feed.rows.push_back({Cell::str(f.id), Cell::str(ds.countries[f.country].code), Cell::str(stage_name(f.stage)),
                           Cell::num(fl.baseline, 1), Cell::num(fl.scenario, 1),
                           Cell::str(percent(fl.baseline > 0 ? (fl.baseline - fl.scenario) / fl.baseline : 0))});
    }
    doc.table(feed);

    Table held{i.scenario_id + ".stranded", "Supply held back by the measures (contracts, t/yr contained element)",
               {{"supplier country"}, {"element"}, {"tonnes", Align::right}}, {}, "(none)"};
    for (const auto& s : i.stranded) {
      held.rows.push_back({Cell::str(ds.countries[s.country].code), Cell::str(symbol(s.element)), Cell::num(s.tonnes, 1)});
    }
    doc.table(held);
  }
  return doc;
}

nlohmann::ordered_json impact_json(const Dataset& ds, const std::vector<ScenarioImpact>& impacts) {
  using json = nlohmann::ordered_json;
  json out;
  out["schema"] = "chokepoint.scenario/1";
  out["dataset"] = {{"name", ds.info.name}, {"version", ds.info.version}};
  out["method"] = "contracts: baseline links in baseline proportions; market: LP with perfect rerouting";
  out["scenarios"] = json::array();
  const auto opt = [](const std::optional<double>& x) { return x ? json(*x) : json(nullptr); };
  for (const auto& i : impacts) {
    json s;
    s["id"] = i.scenario_id;
    s["title"] = i.title;
    s["as_of"] = i.as_of.str();
    s["measures_in_force"] = i.measures_in_force;
    s["measures_not_in_force"] = i.measures_not_in_force;
    s["events"] = i.events_active;
    s["market_status"] = i.market_status;
    s["contracts_converged"] = i.contracts_converged;
    s["consumers"] = json::array();
    for (const auto& r : i.consumers) {
      s["consumers"].push_back({{"consumer", r.consumer}, {"element", symbol(r.element)}, {"demand", r.demand},
                                {"baseline", r.baseline}, {"contracts", opt(r.contracts)}, {"market", opt(r.market)}});
    }
    s["sinks"] = json::array();
    for (const auto& k : i.sinks) {
      json el = json::object();
      for (const SinkElement& x : k.elements) {
        if (x.demand <= 0 && x.baseline <= 0) continue;
        el[symbol(x.element)] = {{"demand", x.demand}, {"baseline", x.baseline},
                                 {"contracts", k.contracts_tonnes ? json(x.contracts) : json(nullptr)},
                                 {"market", k.market_tonnes ? json(x.market) : json(nullptr)}};
      }
      s["sinks"].push_back({{"facility", ds.facilities[k.facility].id}, {"material", ds.materials[k.material].id},
                            {"demand", k.demand_tonnes}, {"baseline", k.baseline_tonnes},
                            {"contracts", opt(k.contracts_tonnes)}, {"market", opt(k.market_tonnes)}, {"elements", el}});
    }
    s["covered_links"] = json::array();
    for (const auto& c : i.covered_links) {
      const Link& l = ds.links[c.link];
      s["covered_links"].push_back({{"from", ds.facilities[l.from].id}, {"to", ds.facilities[l.to].id},
                                    {"material", ds.materials[l.material].id}, {"pass", c.pass}, {"measures", i.measures_of(c)}});
    }
    s["feed_losses"] = json::array();
    for (const auto& f : i.feed_losses) {
      s["feed_losses"].push_back({{"facility", ds.facilities[f.facility].id}, {"baseline", f.baseline}, {"scenario", f.scenario}});
    }
    s["stranded"] = json::array();
    for (const auto& h : i.stranded) {
      s["stranded"].push_back({{"country", ds.countries[h.country].code}, {"element", symbol(h.element)}, {"tonnes", h.tonnes}});
    }
    out["scenarios"].push_back(std::move(s));
  }
  return out;
}

}  // namespace chokepoint
