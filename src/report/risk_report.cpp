#include "chokepoint/report/risk_report.hpp"

#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "chokepoint/core/elements.hpp"

namespace chokepoint {
namespace {

std::string symbol(int element) {
  return std::string(rare_earths()[static_cast<std::size_t>(element)].symbol);
}

int element_index(const std::string &s) {
  for (int e = 0; e < kRareEarthCount; ++e) {
    if (rare_earths()[static_cast<std::size_t>(e)].symbol == s)
      return e;
  }
  throw std::invalid_argument("unknown element '" + s + "' in the shard");
}

double share(double x, double of) { return of > 0 ? x / of : 0; }

double frequency(std::uint64_t count, std::uint64_t of) {
  return of > 0 ? static_cast<double>(count) / static_cast<double>(of) : 0;
}

} // namespace

Document risk_document(const RiskSummary &s) {
  Document doc;
  doc.heading(1, "Outage risk: " + s.dataset);
  std::string method =
      fmt::format("{} Monte Carlo samples (seed {}) of facility and country "
                  "outages drawn from their disruption "
                  "probabilities and severities, each run through the "
                  "contracts flow engine.",
                  s.samples, s.seed);
  if (!s.scenario.empty()) {
    method += fmt::format(" Scenario '{}': measures in force applied, license "
                          "approval rates drawn uniformly in "
                          "[0.5, 1.5] x the stated rate, clipped to 0..1.",
                          s.scenario);
  }
  method += " Shortfall is baseline delivered minus delivered, in tonnes of "
            "element per year; percentiles by nearest rank.";
  doc.paragraph(method);

  Table t;
  t.id = "shortfall";
  t.title = "Shortfall by consumer and element";
  t.columns = {{"consumer"},
               {"element"},
               {"demand t", Align::right},
               {"baseline t", Align::right},
               {"expected t", Align::right},
               {"expected %", Align::right},
               {"P50 t", Align::right},
               {"P95 t", Align::right},
               {"P99 t", Align::right},
               {"P(shortfall)", Align::right}};
  for (const auto &r : s.rows) {
    t.rows.push_back({Cell::str(r.consumer), Cell::str(symbol(r.element)),
                      Cell::num(r.demand, 1), Cell::num(r.baseline, 1),
                      Cell::num(r.expected, 2),
                      Cell::str(percent(share(r.expected, r.demand))),
                      Cell::num(r.p50, 2), Cell::num(r.p95, 2),
                      Cell::num(r.p99, 2), Cell::str(percent(r.probability))});
  }
  doc.table(std::move(t));

  if (s.structure_every == 0) {
    doc.paragraph(
        "Structure frequencies were not computed (--structure-every 0).");
    return doc;
  }
  doc.paragraph(fmt::format(
      "Structure: {} analyses (every {} sample(s), each consumer and element "
      "with demand); a "
      "facility with capacity factor 0 in a sample counts as inactive.",
      s.structure_analyses, s.structure_every));
  Table f;
  f.id = "facilities";
  f.title = "How often each facility is must-pass or in the minimum cut";
  f.columns = {{"facility"},
               {"must-pass", Align::right},
               {"must-pass %", Align::right},
               {"min cut", Align::right},
               {"min cut %", Align::right}};
  for (const auto &c : s.facilities) {
    f.rows.push_back(
        {Cell::str(c.id), Cell::num(static_cast<double>(c.must_pass), 0),
         Cell::str(percent(frequency(c.must_pass, s.structure_analyses))),
         Cell::num(static_cast<double>(c.min_cut), 0),
         Cell::str(percent(frequency(c.min_cut, s.structure_analyses)))});
  }
  doc.table(std::move(f));
  Table c;
  c.id = "countries";
  c.title = "How often each country is must-pass";
  c.columns = {
      {"country"}, {"must-pass", Align::right}, {"must-pass %", Align::right}};
  for (const auto &k : s.countries) {
    c.rows.push_back(
        {Cell::str(k.id), Cell::num(static_cast<double>(k.must_pass), 0),
         Cell::str(percent(frequency(k.must_pass, s.structure_analyses)))});
  }
  doc.table(std::move(c));
  return doc;
}

nlohmann::ordered_json risk_json(const RiskSummary &s) {
  nlohmann::ordered_json j;
  j["schema"] = "chokepoint.risk/1";
  j["dataset"] = s.dataset;
  j["scenario"] = s.scenario.empty() ? nlohmann::ordered_json()
                                     : nlohmann::ordered_json(s.scenario);
  j["samples"] = s.samples;
  j["seed"] = s.seed;
  j["percentiles"] = "nearest-rank";
  auto rows = nlohmann::ordered_json::array();
  for (const auto &r : s.rows) {
    rows.push_back({{"consumer", r.consumer},
                    {"element", symbol(r.element)},
                    {"demand", r.demand},
                    {"baseline", r.baseline},
                    {"expected_shortfall", r.expected},
                    {"expected_share", share(r.expected, r.demand)},
                    {"p50", r.p50},
                    {"p95", r.p95},
                    {"p99", r.p99},
                    {"p50_share", share(r.p50, r.demand)},
                    {"p95_share", share(r.p95, r.demand)},
                    {"p99_share", share(r.p99, r.demand)},
                    {"probability", r.probability}});
  }
  j["shortfall"] = rows;
  nlohmann::ordered_json st;
  st["every"] = s.structure_every;
  st["analyses"] = s.structure_analyses;
  auto fac = nlohmann::ordered_json::array();
  for (const auto &c : s.facilities) {
    fac.push_back(
        {{"facility", c.id},
         {"must_pass", c.must_pass},
         {"min_cut", c.min_cut},
         {"must_pass_share", frequency(c.must_pass, s.structure_analyses)},
         {"min_cut_share", frequency(c.min_cut, s.structure_analyses)}});
  }
  st["facilities"] = fac;
  auto cou = nlohmann::ordered_json::array();
  for (const auto &c : s.countries) {
    cou.push_back(
        {{"country", c.id},
         {"must_pass", c.must_pass},
         {"must_pass_share", frequency(c.must_pass, s.structure_analyses)}});
  }
  st["countries"] = cou;
  j["structure"] = st;
  return j;
}

nlohmann::ordered_json risk_shard_json(const RiskSamples &s) {
  nlohmann::ordered_json j;
  j["schema"] = "chokepoint.risk-shard/1";
  j["dataset"] = s.dataset;
  j["scenario"] = s.scenario;
  j["samples"] = s.samples;
  j["seed"] = s.seed;
  j["first"] = s.first;
  j["end"] = s.end;
  j["structure_every"] = s.structure_every;
  j["structure_analyses"] = s.structure_analyses;
  auto rows = nlohmann::ordered_json::array();
  for (const auto &r : s.rows) {
    rows.push_back({{"consumer", r.consumer},
                    {"element", symbol(r.element)},
                    {"demand", r.demand},
                    {"baseline", r.baseline},
                    {"shortfall", r.shortfall}});
  }
  j["rows"] = rows;
  auto fac = nlohmann::ordered_json::object();
  for (const auto &[id, c] : s.facilities)
    fac[id] = {c.must_pass, c.min_cut};
  j["facilities"] = fac;
  auto cou = nlohmann::ordered_json::object();
  for (const auto &[id, c] : s.countries)
    cou[id] = c.must_pass;
  j["countries"] = cou;
  return j;
}

RiskSamples risk_shard_from_json(const nlohmann::json &j) {
  if (!j.is_object() || j.value("schema", "") != "chokepoint.risk-shard/1") {
    throw std::invalid_argument("not a chokepoint.risk-shard/1 file");
  }
  try {
    RiskSamples s;
    s.dataset = j.at("dataset").get<std::string>();
    s.scenario = j.at("scenario").get<std::string>();
    s.samples = j.at("samples").get<std::uint64_t>();
    s.seed = j.at("seed").get<std::uint64_t>();
    s.first = j.at("first").get<std::uint64_t>();
    s.end = j.at("end").get<std::uint64_t>();
    s.structure_every = j.at("structure_every").get<std::uint64_t>();
    s.structure_analyses = j.at("structure_analyses").get<std::uint64_t>();
    if (s.first > s.end || s.end > s.samples)
      throw std::invalid_argument("sample range outside 0..samples");
    for (const auto &r : j.at("rows")) {
      RiskRow row;
      row.consumer = r.at("consumer").get<std::string>();
      row.element = element_index(r.at("element").get<std::string>());
      row.demand = r.at("demand").get<double>();
      row.baseline = r.at("baseline").get<double>();
      row.shortfall = r.at("shortfall").get<std::vector<double>>();
      if (row.shortfall.size() != s.end - s.first)
        throw std::invalid_argument(
            "a row's sample count does not match its range");
      s.rows.push_back(std::move(row));
    }
    for (const auto &[id, v] : j.at("facilities").items()) {
      s.facilities[id] = RiskStructureCount{id, v.at(0).get<std::uint64_t>(),
                                            v.at(1).get<std::uint64_t>()};
    }
    for (const auto &[id, v] : j.at("countries").items()) {
      s.countries[id] = RiskStructureCount{id, v.get<std::uint64_t>(), 0};
    }
    return s;
  } catch (const nlohmann::json::exception &e) {
    throw std::invalid_argument(std::string("malformed shard: ") + e.what());
  }
}

} // namespace chokepoint
