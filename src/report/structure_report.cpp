#include "chokepoint/report/structure_report.hpp"

#include <algorithm>
#include <cmath>

#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

namespace chokepoint {
namespace {

using json = nlohmann::ordered_json;

std::string symbol(int e) { return std::string(rare_earths()[static_cast<std::size_t>(e)].symbol); }

std::string ids(const Dataset& ds, const std::vector<Index>& facilities, std::size_t limit = 4) {
  std::vector<std::string> out;
  for (std::size_t k = 0; k < facilities.size() && k < limit; ++k) out.push_back(ds.facilities[facilities[k]].id);
  if (facilities.size() > limit) out.push_back(fmt::format("(+{} more)", facilities.size() - limit));
  return out.empty() ? "-" : fmt::format("{}", fmt::join(out, ", "));
}

std::string code(const Dataset& ds, Index c) { return c == kNone ? "?" : ds.countries[c].code; }

// A country whose loss leaves a target less than this share of its max-flow is a finding.
constexpr double kSevereLoss = 0.5;

Cell flow_cell(double t) { return std::isinf(t) ? Cell::str("unbounded") : Cell::num(t, 1); }

json flow_json(double t) { return std::isinf(t) ? json(nullptr) : json(t); }

}  // namespace

Document chokepoints_document(const Dataset& ds, const StructureReport& rep, std::size_t top) {
  Document doc;
  doc.heading(1, fmt::format("Chokepoints in {}", ds.label()));
  doc.paragraph(rep.method);

  // Findings an analyst can quote, grouped by target and country over elements; a consumer cut
  // off by a foreign country comes before one that depends on its own country.
  struct Finding {
    std::string target;
    Index country;
    bool domestic;
    std::vector<std::string> elements;
  };
  std::vector<Finding> groups;
  for (const auto& t : rep.targets) {
    for (const auto& c : t.must_pass_countries) {
      auto it = std::find_if(groups.begin(), groups.end(),
                             [&](const Finding& g) { return g.target == t.target && g.country == c.country; });
      if (it == groups.end()) {
        const bool domestic = !t.facilities.empty() && ds.facilities[t.facilities.front()].country == c.country;
        groups.push_back({t.target, c.country, domestic, {}});
        it = groups.end() - 1;
      }
      it->elements.push_back(symbol(t.element));
    }
  }
  std::stable_sort(groups.begin(), groups.end(), [](const Finding& a, const Finding& b) { return !a.domestic && b.domestic; });
  // Demand that nothing can supply comes first: no path of a demanded element reaches the target.
  std::vector<std::string> findings;
  for (const auto& t : rep.targets) {
    if (!t.reachable && !t.demanded_in.empty()) findings.push_back(t.min_cut_evidence);
  }
  for (const auto& g : groups) {
    const Country& c = ds.countries[g.country];
    findings.push_back(fmt::format("every path of {} to {} passes through a facility in {}: without {} none of it arrives",
                                   fmt::join(g.elements, ", "), g.target, c.name.empty() ? c.code : c.name,
                                   c.name.empty() ? c.code : c.name));
  }
  std::vector<std::string> facility_findings;
  for (const auto& t : rep.targets) {
    for (const auto& f : t.must_pass_facilities) facility_findings.push_back(f.evidence);
  }
  if (top && facility_findings.size() > top) facility_findings.resize(top);
  findings.insert(findings.end(), facility_findings.begin(), facility_findings.end());
  doc.heading(2, "Findings");
  if (findings.empty()) doc.paragraph("No country or facility lies on every supply path of any target.");
  else doc.bullets(findings);

  // Next, the countries that are not must-pass but whose loss still leaves a target less than
  // half of its max-flow, fewest retained first (ties in the targets' order): the quotable
  // "without China 5.6% of the Dy max-flow to US remains".
  struct Loss {
    double retained;
    const std::string* evidence;
  };
  std::vector<Loss> losses;
  for (const auto& t : rep.targets) {
    for (const auto& loss : t.country_losses) {
      if (loss.must_pass || !loss.retained || *loss.retained >= kSevereLoss) continue;
      losses.push_back({*loss.retained, &loss.evidence});
    }
  }
  std::stable_sort(losses.begin(), losses.end(), [](const Loss& a, const Loss& b) { return a.retained < b.retained; });
  if (!losses.empty()) {
    const std::size_t shown = top ? std::min(top, losses.size()) : losses.size();
    doc.paragraph(shown < losses.size()
                      ? fmt::format("Losing one country leaves less than half of a target's max-flow in {} cases; the {} "
                                    "most severe (--top 0: all):",
                                    losses.size(), shown)
                      : "Losing one country leaves less than half of a target's max-flow:");
    std::vector<std::string> lines;
    for (std::size_t k = 0; k < shown; ++k) lines.push_back(*losses[k].evidence);
    doc.bullets(lines);
  }

  Table targets{"targets", "Per target and element (t/yr of contained element)",
                {{"target"}, {"element"}, {"max-flow", Align::right}, {"must-pass countries"}, {"must-pass facilities"},
                 {"minimum cut"}, {"cut t/yr", Align::right}, {"worst country loss"}},
                {}, "(no target receives any element)"};
  for (const auto& t : rep.targets) {
    if (!t.reachable) continue;
    std::vector<std::string> countries;
    for (const auto& c : t.must_pass_countries) countries.push_back(code(ds, c.country));
    std::vector<Index> facilities;
    for (const auto& f : t.must_pass_facilities) facilities.push_back(f.facility);
    std::string worst = "-";
    for (const auto& loss : t.country_losses) {
      if (loss.retained) {
        worst = fmt::format("without {}: {} left", code(ds, loss.country), percent(*loss.retained));
        break;
      }
    }
    targets.rows.push_back({Cell::str(t.target), Cell::str(symbol(t.element)), flow_cell(t.max_flow),
                            Cell::str(countries.empty() ? "-" : fmt::format("{}", fmt::join(countries, ", "))),
                            Cell::str(ids(ds, facilities)), Cell::str(ids(ds, t.min_cut)), flow_cell(t.min_cut_capacity),
                            Cell::str(worst)});
  }
  doc.table(targets);

  Table retained{"retained", "Max-flow retained without each country (lowest first)",
                 {{"target"}, {"element"}, {"without"}, {"retained", Align::right}, {"max-flow", Align::right}}, {}, "(none)"};
  for (const auto& t : rep.targets) {
    std::size_t shown = 0;
    for (const auto& loss : t.country_losses) {
      if (!loss.retained || *loss.retained >= 1.0 - 1e-9) continue;
      if (top && shown++ >= std::max<std::size_t>(3, top / 4)) break;
      retained.rows.push_back({Cell::str(t.target), Cell::str(symbol(t.element)), Cell::str(code(ds, loss.country)),
                               Cell::str(percent(*loss.retained)), flow_cell(loss.max_flow)});
    }
  }
  doc.table(retained);

  for (const auto& n : rep.networks) {
    const std::string scope = n.element < 0 ? std::string("all links") : symbol(n.element);
    if (n.element >= 0 && n.articulation_points.empty() && n.betweenness.empty()) continue;
    Table art{fmt::format("network-{}", n.element < 0 ? std::string("all") : symbol(n.element)),
              fmt::format("Articulation points and betweenness ({})", scope),
              {{"facility"}, {"country"}, {"stage"}, {"articulation point"}, {"cuts off", Align::right},
               {"betweenness", Align::right}},
              {},
              "(none)"};
    // The top betweenness scores, then up to `top` articulation points, highest betweenness first.
    // Every articulation point's score, not only those in the top betweenness list.
    std::unordered_map<Index, double> score;
    for (const auto& b : n.betweenness) score.emplace(b.facility, b.score);
    for (std::size_t k = 0; k < n.articulation_betweenness.size(); ++k) {
      score.emplace(n.articulation_points[k], n.articulation_betweenness[k]);
    }
    // An articulation point's cell: how many facilities its loss cuts off from the largest piece left.
    std::unordered_map<Index, Index> cut_vertex;
    for (std::size_t k = 0; k < n.articulation_points.size(); ++k) {
      cut_vertex.emplace(n.articulation_points[k], n.articulation_splits[k].total - n.articulation_splits[k].largest);
    }
    const auto is_cut = [&](Index f) { return cut_vertex.count(f) != 0; };
    std::vector<Index> shown;
    std::unordered_set<Index> in_table;
    for (std::size_t k = 0; k < n.betweenness.size() && (!top || k < top); ++k) {
      shown.push_back(n.betweenness[k].facility);
      in_table.insert(n.betweenness[k].facility);
    }
    std::vector<Index> by_score = n.articulation_points;
    const auto score_of = [&](Index f) {
      const auto s = score.find(f);
      return s == score.end() ? 0.0 : s->second;
    };
    std::stable_sort(by_score.begin(), by_score.end(), [&](Index a, Index b) { return score_of(a) > score_of(b); });
    std::size_t articulation_shown = 0;
    std::unordered_map<Index, std::size_t> place;   // an articulation point's place in n's lists
    for (std::size_t k = 0; k < n.articulation_points.size(); ++k) place.emplace(n.articulation_points[k], k);
    std::vector<std::string> cut_offs;   // the evidence of those in the table, in its order
    for (Index f : by_score) {
      if (top && articulation_shown >= top) break;
      ++articulation_shown;
      if (in_table.insert(f).second) shown.push_back(f);
      const std::size_t k = place.at(f);
      if (k < n.articulation_evidence.size()) cut_offs.push_back(n.articulation_evidence[k]);
    }
    for (Index f : shown) {
      art.rows.push_back({Cell::str(ds.facilities[f].id), Cell::str(code(ds, ds.facilities[f].country)),
                          Cell::str(stage_name(ds.facilities[f].stage)), Cell::str(is_cut(f) ? "yes" : ""),
                          is_cut(f) ? Cell::num(static_cast<double>(cut_vertex.at(f)), 0) : Cell::str(""),
                          Cell::num(score_of(f), 1)});
    }
    doc.table(art);
    if (articulation_shown < n.articulation_points.size()) {
      doc.paragraph(fmt::format("{} articulation points in all ({}); the table lists {}, highest betweenness first, then by id "
                                "(--top 0: all).",
                                n.articulation_points.size(), scope, articulation_shown));
    }
    if (!cut_offs.empty()) {
      doc.paragraph(fmt::format("What losing each articulation point in the table cuts off ({}):", scope));
      doc.bullets(cut_offs);
    }
    if (n.element < 0 && !n.bridges.empty()) {
      std::vector<std::string> bridges;
      for (std::size_t k = 0; k < n.bridges.size() && (!top || k < top); ++k) bridges.push_back(n.bridges[k].evidence);
      doc.paragraph(fmt::format("{} bridges (links whose loss splits the network), the most facilities cut off first:",
                                n.bridges.size()));
      doc.bullets(bridges);
    }
  }
  return doc;
}

namespace {
// The facilities a loss cuts off (an articulation point's, a bridge's smaller side), by id; null when
// there are too many to name.
json facility_ids(const Dataset& ds, const std::vector<Index>& facilities) {
  if (facilities.empty()) return nullptr;
  json ids = json::array();
  for (Index f : facilities) ids.push_back(ds.facilities[f].id);
  return ids;
}
}  // namespace

json chokepoints_json(const Dataset& ds, const StructureReport& rep) {
  json out;
  out["schema"] = "chokepoint.chokepoints/1";
  out["dataset"] = {{"name", ds.info.name}, {"version", ds.info.version}};
  out["method"] = rep.method;
  out["targets"] = json::array();
  for (const auto& t : rep.targets) {
    json row = {{"target", t.target}, {"element", symbol(t.element)}, {"reachable", t.reachable},
                {"max_flow", flow_json(t.max_flow)}};
    row["demanded_in"] = json::array();   // materials of its demand that carry the element
    for (Index m : t.demanded_in) row["demanded_in"].push_back(ds.materials[m].id);
    row["must_pass_countries"] = json::array();
    for (const auto& c : t.must_pass_countries) row["must_pass_countries"].push_back({{"country", code(ds, c.country)}, {"evidence", c.evidence}});
    row["must_pass_facilities"] = json::array();
    for (const auto& f : t.must_pass_facilities) row["must_pass_facilities"].push_back({{"facility", ds.facilities[f.facility].id}, {"evidence", f.evidence}});
    row["min_cut"] = json::array();
    for (Index f : t.min_cut) row["min_cut"].push_back(ds.facilities[f].id);
    row["min_cut_capacity"] = flow_json(t.min_cut_capacity);
    row["min_cut_evidence"] = t.min_cut_evidence;
    row["country_losses"] = json::array();
    for (const auto& l : t.country_losses) {
      row["country_losses"].push_back({{"country", code(ds, l.country)}, {"max_flow", flow_json(l.max_flow)},
                                       {"retained", l.retained ? json(*l.retained) : json(nullptr)},
                                       {"must_pass", l.must_pass}, {"evidence", l.evidence}});
    }
    out["targets"].push_back(row);
  }
  out["networks"] = json::array();
  for (const auto& n : rep.networks) {
    json row = {{"element", n.element < 0 ? json("all") : json(symbol(n.element))}};
    row["articulation_points"] = json::array();
    for (std::size_t k = 0; k < n.articulation_points.size(); ++k) {
      const ArticulationSplit& split = n.articulation_splits[k];
      row["articulation_points"].push_back({{"facility", ds.facilities[n.articulation_points[k]].id},
                                            {"pieces", split.pieces},
                                            {"cut_off", split.total - split.largest},
                                            {"largest_piece", split.largest},
                                            {"cut_off_facilities", facility_ids(ds, k < n.articulation_cut_off.size()
                                                                                        ? n.articulation_cut_off[k]
                                                                                        : std::vector<Index>{})},
                                            {"betweenness", k < n.articulation_betweenness.size()
                                                                ? json(n.articulation_betweenness[k])
                                                                : json(nullptr)},
                                            {"evidence", k < n.articulation_evidence.size() ? n.articulation_evidence[k] : ""}});
    }
    row["bridges"] = json::array();
    for (const auto& b : n.bridges) {
      const Link& l = ds.links[b.link];
      row["bridges"].push_back({{"from", ds.facilities[l.from].id}, {"to", ds.facilities[l.to].id},
                                {"material", ds.materials[l.material].id}, {"from_side", b.from_side},
                                {"to_side", b.to_side}, {"cut_off_facilities", facility_ids(ds, b.cut_off)},
                                {"evidence", b.evidence}});
    }
    row["betweenness"] = json::array();
    for (const auto& b : n.betweenness) row["betweenness"].push_back({{"facility", ds.facilities[b.facility].id}, {"score", b.score}});
    row["weighted_betweenness"] = json::array();
    for (const auto& b : n.weighted_betweenness) row["weighted_betweenness"].push_back({{"facility", ds.facilities[b.facility].id}, {"score", b.score}});
    out["networks"].push_back(row);
  }
  return out;
}

Document dependencies_document(const Dataset& ds, const std::vector<LabelledDependency>& reports) {
  Document doc;
  doc.heading(1, fmt::format("Single-country dependencies in {}", ds.label()));
  const double threshold = reports.empty() ? 0.65 : reports.front().report.threshold;
  doc.paragraph(fmt::format("From the baseline flow with origin tracing: the share of each element a consumer receives "
                            "that passed through one country at each upstream stage. Flagged at {} (EU Critical Raw "
                            "Materials Act benchmark, for one third country), critical at {} or when the country is "
                            "must-pass. A share through the consumer's own country, or a member of its group, is "
                            "domestic and never flagged.",
                            percent(threshold, 0), percent(reports.empty() ? 0.95 : reports.front().report.critical, 0)));
  std::vector<std::string> critical;
  for (const auto& r : reports) {
    for (const auto& f : flagged_dependencies(ds, r.report)) {
      if (!f.critical) continue;
      critical.push_back(fmt::format("{}: {} of its {} passed through {} at the {} stage{}", r.consumer, percent(f.share),
                                     symbol(f.element), code(ds, f.country), stage_name(f.stage),
                                     f.share < r.report.critical ? " (must-pass)" : ""));
    }
  }
  doc.heading(2, "Critical dependencies");
  if (critical.empty()) doc.paragraph("None.");
  else doc.bullets(critical);

  Table t{"dependencies", "Largest single-country share per consumer, element and stage",
          {{"consumer"}, {"element"}, {"received t", Align::right}, {"stage"}, {"country"}, {"share", Align::right}, {"flag"}},
          {}, "(no consumer receives anything)"};
  for (const auto& r : reports) {
    for (const auto& e : r.report.elements) {
      for (const auto& s : e.stages) {
        if (s.countries.empty()) continue;
        const auto& top = s.countries.front();
        t.rows.push_back({Cell::str(r.consumer), Cell::str(symbol(e.element)), Cell::num(e.received, 1),
                          Cell::str(stage_name(s.stage)), Cell::str(code(ds, top.country)), Cell::str(percent(top.share)),
                          Cell::str(top.critical ? "critical"
                                    : top.flagged ? "flagged"
                                    : top.domestic && top.share >= r.report.threshold - 1e-9 ? "domestic"
                                                                                              : "")});
      }
    }
  }
  doc.table(t);
  return doc;
}

json dependencies_json(const Dataset& ds, const std::vector<LabelledDependency>& reports) {
  json out;
  out["schema"] = "chokepoint.dependencies/1";
  out["dataset"] = {{"name", ds.info.name}, {"version", ds.info.version}};
  out["method"] = "baseline contracts flow, origin tracing by proportional mixing";
  out["consumers"] = json::array();
  for (const auto& r : reports) {
    json c = {{"consumer", r.consumer}, {"threshold", r.report.threshold}, {"critical", r.report.critical}};
    c["facilities"] = json::array();
    for (Index f : r.report.consumers) c["facilities"].push_back(ds.facilities[f].id);
    c["elements"] = json::array();
    for (const auto& e : r.report.elements) {
      json el = {{"element", symbol(e.element)}, {"received", e.received}};
      el["stages"] = json::array();
      for (const auto& s : e.stages) {
        json st = {{"stage", stage_name(s.stage)}, {"reached", s.reached}};
        st["countries"] = json::array();
        for (const auto& cd : s.countries) {
          st["countries"].push_back({{"country", code(ds, cd.country)}, {"share", cd.share}, {"tonnes", cd.tonnes},
                                     {"domestic", cd.domestic}, {"flagged", cd.flagged}, {"critical", cd.critical},
                                     {"must_pass", cd.must_pass}});
        }
        el["stages"].push_back(st);
      }
      c["elements"].push_back(el);
    }
    out["consumers"].push_back(c);
  }
  return out;
}

}  // namespace chokepoint
