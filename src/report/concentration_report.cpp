#include "chokepoint/report/concentration_report.hpp"

#include <fmt/format.h>

namespace chokepoint {
namespace {

std::string what(const Dataset& ds, const ConcentrationRow& r) {
  if (r.element >= 0) return std::string(rare_earths()[static_cast<std::size_t>(r.element)].symbol);
  if (r.material != kNone) return ds.materials[r.material].id;
  return "all REE";
}

std::string top_shares(const Dataset& ds, const ConcentrationRow& r, std::size_t n) {
  std::string out;
  for (std::size_t k = 0; k < r.shares.size() && k < n; ++k) {
    if (k) out += ", ";
    const Index c = r.shares[k].country;
    out += fmt::format("{} {}", c == kNone ? "?" : ds.countries[c].code, percent(r.shares[k].share / 100.0));
  }
  return out;
}

}  // namespace

Document concentration_document(const Dataset& ds, const ConcentrationReport& rep) {
  Document doc;
  doc.heading(1, fmt::format("Concentration in {}", ds.label()));
  doc.paragraph(rep.method);
  if (!rep.bottlenecks.empty()) {
    Table b{"bottlenecks", "Bottleneck stage per element (highest HHI)",
            {{"basis"}, {"element"}, {"stage"}, {"HHI", Align::right}, {"evidence"}}, {}, "(none)"};
    for (const auto& x : rep.bottlenecks) {
      b.rows.push_back({Cell::str(share_basis_name(x.basis)),
                        Cell::str(std::string(rare_earths()[static_cast<std::size_t>(x.element)].symbol)),
                        Cell::str(stage_name(x.stage)), Cell::num(x.hhi, 0), Cell::str(x.evidence)});
    }
    doc.table(b);
  }
  for (ShareBasis basis : {ShareBasis::production, ShareBasis::capacity}) {
    Table t{std::string("shares-") + share_basis_name(basis),
            fmt::format("Country shares by stage, {} (t/yr; elements as contained element, materials in their basis)",
                        share_basis_name(basis)),
            {{"stage"}, {"element"}, {"total t", Align::right}, {"top countries"}, {"CR1", Align::right},
             {"CR3", Align::right}, {"HHI", Align::right}, {"band"}, {"eq. suppliers", Align::right},
             {"HHI_WGI", Align::right}},
            {}, "(no figures on this basis)"};
    for (const auto& r : rep.rows) {
      if (r.basis != basis || r.total <= 0) continue;
      t.rows.push_back({Cell::str(stage_name(r.stage)), Cell::str(what(ds, r)), Cell::num(r.total, 1),
                        Cell::str(top_shares(ds, r, 3)), Cell::str(percent(r.cr1 / 100.0)),
                        Cell::str(percent(r.cr3 / 100.0)), Cell::num(r.hhi, 0),
                        Cell::str(concentration_band_name(r.band)), Cell::num(r.equivalent_suppliers, 2),
                        r.hhi_wgi ? Cell::num(*r.hhi_wgi, 0) : Cell::str("-")});
    }
    doc.table(t);
  }
  return doc;
}

nlohmann::ordered_json concentration_json(const Dataset& ds, const ConcentrationReport& rep) {
  using json = nlohmann::ordered_json;
  json out;
  out["schema"] = "chokepoint.concentration/1";
  out["dataset"] = {{"name", ds.info.name}, {"version", ds.info.version}};
  out["method"] = rep.method;
  out["rows"] = json::array();
  for (const auto& r : rep.rows) {
    json row = {{"basis", share_basis_name(r.basis)}, {"by", country_key_name(r.key)}, {"stage", stage_name(r.stage)}};
    if (r.element >= 0) row["element"] = rare_earths()[static_cast<std::size_t>(r.element)].symbol;
    else if (r.material != kNone) row["material"] = ds.materials[r.material].id;
    else row["element"] = "all";
    row["total"] = r.total;
    row["unattributed"] = r.unattributed;
    row["shares"] = json::array();
    for (const auto& s : r.shares) {
      row["shares"].push_back({{"country", s.country == kNone ? json(nullptr) : json(ds.countries[s.country].code)},
                               {"tonnes", s.tonnes}, {"share", s.share}});
    }
    row["hhi"] = r.hhi;
    row["cr1"] = r.cr1;
    row["cr3"] = r.cr3;
    row["equivalent_suppliers"] = r.equivalent_suppliers;
    row["band"] = concentration_band_name(r.band);
    row["hhi_wgi"] = r.hhi_wgi ? json(*r.hhi_wgi) : json(nullptr);
    row["wgi_coverage"] = r.wgi_coverage;
    row["evidence"] = r.evidence;
    out["rows"].push_back(row);
  }
  out["bottlenecks"] = json::array();
  for (const auto& b : rep.bottlenecks) {
    out["bottlenecks"].push_back({{"basis", share_basis_name(b.basis)},
                                  {"element", rare_earths()[static_cast<std::size_t>(b.element)].symbol},
                                  {"stage", stage_name(b.stage)}, {"hhi", b.hhi}, {"evidence", b.evidence}});
  }
  return out;
}

}  // namespace chokepoint
