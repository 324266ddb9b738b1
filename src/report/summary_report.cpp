#include "chokepoint/report/summary_report.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace chokepoint {
namespace {

std::string symbol(int e) { return std::string(rare_earths()[static_cast<std::size_t>(e)].symbol); }

std::vector<Index> countries_by_code(const Dataset& ds, const DatasetSummary& s) {
  std::vector<Index> out;
  for (const auto& [c, _] : s.by_country) out.push_back(c);
  std::sort(out.begin(), out.end(), [&](Index a, Index b) { return ds.countries[a].code < ds.countries[b].code; });
  return out;
}

}  // namespace

Document summary_document(const Dataset& ds, const DatasetSummary& s) {
  Document doc;
  doc.heading(1, fmt::format("Summary of {}", ds.label()));
  std::size_t facilities = ds.facilities.size();
  doc.paragraph(fmt::format("{} facilities in {} countries, {} links ({} active on {}), {} materials, {} sources. "
                            "Baseline flow on {}: tonnes of contained element per year.",
                            facilities, s.by_country.size(), s.links, s.links_active,
                            s.as_of ? s.as_of->str() : "any date", s.materials, s.sources,
                            s.as_of ? s.as_of->str() : "no date"));
  if (!s.converged) doc.paragraph("Warning: the baseline flow did not converge on a cycle.");
  if (s.conservation_violations) {
    doc.paragraph(fmt::format("Warning: {} conservation violations in the baseline flow.", s.conservation_violations));
  }

  Table stages{"stages", "Facilities by stage and status", {{"stage"}}, {}, "(none)"};
  for (int st = 0; st < kStatusCount; ++st) stages.columns.push_back({status_name(static_cast<Status>(st)), Align::right});
  stages.columns.push_back({"total", Align::right});
  for (int st = 0; st < kStageCount; ++st) {
    const auto& row = s.by_stage_status[static_cast<std::size_t>(st)];
    std::size_t total = 0;
    std::vector<Cell> cells = {Cell::str(stage_name(static_cast<Stage>(st)))};
    for (std::size_t n : row) {
      cells.push_back(Cell::num(static_cast<double>(n), 0));
      total += n;
    }
    if (total == 0) continue;
    cells.push_back(Cell::num(static_cast<double>(total), 0));
    stages.rows.push_back(std::move(cells));
  }
  doc.table(stages);

  Table countries{"countries", "Facilities by country and stage", {{"country"}, {"name"}}, {}, "(none)"};
  for (int st = 0; st < kStageCount; ++st) countries.columns.push_back({stage_name(static_cast<Stage>(st)), Align::right});
  for (Index c : countries_by_code(ds, s)) {
    std::vector<Cell> cells = {Cell::str(ds.countries[c].code), Cell::str(ds.countries[c].name)};
    for (std::size_t n : s.by_country.at(c)) cells.push_back(n ? Cell::num(static_cast<double>(n), 0) : Cell::str(""));
    countries.rows.push_back(std::move(cells));
  }
  doc.table(countries);

  Table balance{"balance", "Baseline mass balance by stage and element (t/yr contained element)",
                {{"stage"}, {"element"}, {"received", Align::right}, {"produced", Align::right}, {"shipped", Align::right},
                 {"stranded", Align::right}, {"lost", Align::right}, {"unsold", Align::right}, {"demand", Align::right},
                 {"delivered", Align::right}, {"met", Align::right}},
                {}, "(no flow)"};
  for (const auto& b : s.balance) {
    const bool sink = b.stage == Stage::demand;
    balance.rows.push_back({Cell::str(stage_name(b.stage)), Cell::str(symbol(b.element)), Cell::num(b.received, 1),
                            Cell::num(b.produced, 1), Cell::num(b.shipped, 1), Cell::num(b.stranded, 1),
                            Cell::num(b.lost, 1), Cell::num(b.unsold, 1), sink ? Cell::num(b.demand, 1) : Cell::str(""),
                            sink ? Cell::num(b.delivered, 1) : Cell::str(""),
                            sink && b.demand > 0 ? Cell::str(percent(b.delivered / b.demand)) : Cell::str("")});
  }
  doc.table(balance);
  return doc;
}

nlohmann::ordered_json summary_json(const Dataset& ds, const DatasetSummary& s) {
  using json = nlohmann::ordered_json;
  json out;
  out["schema"] = "chokepoint.summary/1";
  out["dataset"] = {{"name", ds.info.name}, {"version", ds.info.version}};
  out["as_of"] = s.as_of ? json(s.as_of->str()) : json(nullptr);
  out["method"] = "contracts-mode baseline flow (docs/flow-engine.md)";
  out["counts"] = {{"facilities", ds.facilities.size()}, {"countries", s.by_country.size()}, {"links", s.links},
                   {"links_active", s.links_active}, {"materials", s.materials}, {"sources", s.sources}};
  json stages = json::object();
  for (int st = 0; st < kStageCount; ++st) {
    json row = json::object();
    for (int k = 0; k < kStatusCount; ++k) {
      const std::size_t n = s.by_stage_status[static_cast<std::size_t>(st)][static_cast<std::size_t>(k)];
      if (n) row[status_name(static_cast<Status>(k))] = n;
    }
    if (!row.empty()) stages[stage_name(static_cast<Stage>(st))] = row;
  }
  out["by_stage_status"] = stages;
  json countries = json::object();
  for (Index c : countries_by_code(ds, s)) {
    json row = json::object();
    for (int st = 0; st < kStageCount; ++st) {
      const std::size_t n = s.by_country.at(c)[static_cast<std::size_t>(st)];
      if (n) row[stage_name(static_cast<Stage>(st))] = n;
    }
    countries[ds.countries[c].code] = row;
  }
  out["by_country"] = countries;
  out["balance"] = json::array();
  for (const auto& b : s.balance) {
    json row = {{"stage", stage_name(b.stage)}, {"element", symbol(b.element)}, {"received", b.received},
                {"produced", b.produced}, {"shipped", b.shipped}, {"stranded", b.stranded}, {"lost", b.lost},
                {"unsold", b.unsold}, {"blocked", b.blocked}};
    if (b.stage == Stage::demand) {
      row["demand"] = b.demand;
      row["delivered"] = b.delivered;
    }
    out["balance"].push_back(row);
  }
  out["converged"] = s.converged;
  out["conservation_violations"] = s.conservation_violations;
  return out;
}

}  // namespace chokepoint
