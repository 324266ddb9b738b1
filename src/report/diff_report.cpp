#include "chokepoint/report/diff_report.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "report_text.hpp"

namespace chokepoint {
namespace {

using json = nlohmann::ordered_json;
namespace text = report_text;

constexpr std::size_t kMaxRows = 50;   // per table in the document; JSON has everything
constexpr std::size_t kMaxValue = 80;  // code points of a field value in the document
constexpr std::size_t kMaxDiagnostics = 20;

std::string symbol(int e) {
  return e < 0 ? std::string("all REE") : std::string(rare_earths()[static_cast<std::size_t>(e)].symbol);
}

std::string shorten(const std::string& s) {
  if (text::width(s) <= kMaxValue) return s;
  return text::prefix(s, kMaxValue - 3) + "...";
}

std::string shown(const std::string& s) { return s.empty() ? std::string("(none)") : shorten(s); }

std::string location(const SourceLocation& w) {
  if (w.file.empty()) return "";
  return w.line > 0 ? fmt::format("{}:{}", w.file, w.line) : w.file.str();
}

std::string share(double s) { return text::percent(s); }

bool asked(const DiffReport& r, const std::string& condition) {
  return std::find(r.fail_on.begin(), r.fail_on.end(), condition) != r.fail_on.end();
}

/// Rows beyond kMaxRows are left to JSON; the table says so.
void cap(Table& t) {
  if (t.rows.size() <= kMaxRows) return;
  const std::size_t more = t.rows.size() - kMaxRows;
  t.rows.resize(kMaxRows);
  t.title += fmt::format(" (first {}; {} more with --format json)", kMaxRows, more);
}

std::string dependency_change(const DependencyChange& c) {
  if (c.new_critical && !c.old_critical) return c.old_flagged ? "now critical" : "new, critical";
  if (c.new_flagged && !c.old_flagged) return "new";
  if (!c.new_flagged && c.old_flagged) return "cleared";
  return "no longer critical";
}

std::string summary(const DatasetDiff& d) {
  std::map<std::pair<FactKind, FactChangeType>, std::size_t> n;
  for (const auto& f : d.facts) ++n[{f.kind, f.change}];
  std::vector<std::string> parts;
  for (FactKind k : {FactKind::facility, FactKind::link, FactKind::material, FactKind::source, FactKind::country,
                     FactKind::group, FactKind::dataset}) {
    std::vector<std::string> changes;
    for (FactChangeType c : {FactChangeType::added, FactChangeType::removed, FactChangeType::modified}) {
      if (const std::size_t x = n[{k, c}]; x > 0) changes.push_back(fmt::format("{} {}", x, fact_change_name(c)));
    }
    if (!changes.empty()) parts.push_back(fmt::format("{}: {}", fact_kind_name(k), fmt::join(changes, ", ")));
  }
  if (parts.empty()) return "No fact changed.";
  return fmt::format("Facts changed: {}.", fmt::join(parts, "; "));
}

Table checks_table(const DiffReport& r) {
  Table t{"checks", "Checks (--fail-on)", {{"condition"}, {"count", Align::right}, {"fail-on"}, {"result"}}, {}, ""};
  for (std::size_t i = 0; i < diff_conditions().size(); ++i) {
    const std::string& c = diff_conditions()[i];
    const bool on = asked(r, c);
    const std::size_t n = i < r.counts.size() ? r.counts[i] : 0;
    t.rows.push_back({Cell::str(c), Cell::num(static_cast<double>(n), 0), Cell::str(on ? "yes" : "no"),
                      Cell::str(on && n > 0 ? "FAIL"
                                : n > 0     ? "found"
                                            : "ok")});
  }
  return t;
}

Table dependency_table(const DatasetDiff& d, const DiffOptions& o) {
  Table t{"dependencies",
          fmt::format("Single-country dependencies crossing {} (critical at {} or must-pass)", share(o.threshold),
                      share(o.critical)),
          {{"consumer"},
           {"element"},
           {"stage"},
           {"country"},
           {"old share", Align::right},
           {"new share", Align::right},
           {"change"}},
          {},
          "(no dependency crossed the threshold)"};
  for (const auto& c : d.dependencies) {
    t.rows.push_back({Cell::str(c.consumer), Cell::str(symbol(c.element)), Cell::str(stage_name(c.stage)),
                      Cell::str(c.country.empty() ? "(no country)" : c.country), Cell::str(share(c.old_share)),
                      Cell::str(share(c.new_share)), Cell::str(dependency_change(c))});
  }
  cap(t);
  return t;
}

const char* must_pass_kind(MustPassChange::Kind k) {
  switch (k) {
    case MustPassChange::Kind::facility: return "facility";
    case MustPassChange::Kind::country: return "country";
    case MustPassChange::Kind::reachability: return "reachability";
  }
  return "";
}

Table must_pass_table(const DatasetDiff& d) {
  Table t{"must_pass",
          "Must-pass facilities and countries per consumer country",
          {{"consumer"}, {"element"}, {"kind"}, {"id"}, {"change"}, {"evidence"}},
          {},
          "(no must-pass facility or country appeared or vanished)"};
  for (const auto& c : d.must_pass) {
    const char* change = c.kind == MustPassChange::Kind::reachability ? (c.added ? "now reachable" : "cut off")
                                                                      : (c.added ? "new" : "gone");
    t.rows.push_back({Cell::str(c.consumer), Cell::str(symbol(c.element)), Cell::str(must_pass_kind(c.kind)),
                      Cell::str(c.id), Cell::str(change), Cell::str(c.evidence)});
  }
  cap(t);
  return t;
}

std::string hhi(const std::optional<double>& h) { return h ? fmt::format("{:.0f}", *h) : std::string("-"); }

Table concentration_table(const DatasetDiff& d) {
  Table t{"concentration",
          "Stage concentration by element (baseline production, by location; HHI 0-10,000)",
          {{"stage"},
           {"element"},
           {"HHI old", Align::right},
           {"HHI new", Align::right},
           {"change", Align::right},
           {"band"},
           {"largest"},
           {"shares moved"}},
          {},
          "(no stage share moved)"};
  std::vector<const ConcentrationChange*> rows;
  for (const auto& c : d.concentration) rows.push_back(&c);
  // The largest moves first in the document: a PR comment shows what matters.
  std::stable_sort(rows.begin(), rows.end(), [](const ConcentrationChange* a, const ConcentrationChange* b) {
    const auto delta = [](const ConcentrationChange* c) {
      return c->old_hhi && c->new_hhi ? std::fabs(*c->new_hhi - *c->old_hhi) : 1e9;
    };
    return delta(a) > delta(b);
  });
  for (const auto* c : rows) {
    std::vector<std::string> moves;
    for (std::size_t i = 0; i < std::min<std::size_t>(3, c->moves.size()); ++i) {
      const auto& m = c->moves[i];
      moves.push_back(fmt::format("{} {:.1f}% -> {:.1f}%", m.country, m.old_share, m.new_share));
    }
    const std::string change =
        c->old_hhi && c->new_hhi ? fmt::format("{:+.0f}", *c->new_hhi - *c->old_hhi) : (c->new_hhi ? "new" : "gone");
    const std::string band =
        c->old_band == c->new_band ? c->new_band : fmt::format("{} -> {}", shown(c->old_band), shown(c->new_band));
    const std::string top =
        c->old_top == c->new_top ? c->new_top : fmt::format("{} -> {}", shown(c->old_top), shown(c->new_top));
    t.rows.push_back({Cell::str(stage_name(c->stage)), Cell::str(symbol(c->element)), Cell::str(hhi(c->old_hhi)),
                      Cell::str(hhi(c->new_hhi)), Cell::str(change), Cell::str(band), Cell::str(top),
                      Cell::str(fmt::format("{}", fmt::join(moves, "; ")))});
  }
  cap(t);
  return t;
}

Table facts_table(const DatasetDiff& d) {
  Table t{"facts",
          "",
          {{"kind"}, {"change"}, {"id"}, {"fields (old -> new)"}, {"sources"}, {"where"}},
          {},
          "(no fact changed)"};
  for (const auto& f : d.facts) {
    std::vector<std::string> fields;
    for (const auto& c : f.fields)
      fields.push_back(fmt::format("{}: {} -> {}", c.field, shown(c.old_value), shown(c.new_value)));
    t.rows.push_back({Cell::str(fact_kind_name(f.kind)), Cell::str(fact_change_name(f.change)), Cell::str(f.id),
                      Cell::str(fmt::format("{}", fmt::join(fields, "; "))),
                      Cell::str(fmt::format("{}", fmt::join(f.sources, ", "))), Cell::str(location(f.where))});
  }
  cap(t);
  return t;
}

json optional_number(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json where_json(const SourceLocation& w) {
  if (w.file.empty()) return nullptr;
  return {{"file", w.file.str()}, {"line", w.line}, {"column", w.column}};
}

}  // namespace

bool diff_fails(const DiffReport& r) {
  for (std::size_t i = 0; i < diff_conditions().size() && i < r.counts.size(); ++i) {
    if (r.counts[i] > 0 && asked(r, diff_conditions()[i])) return true;
  }
  return false;
}

Document diff_document(const DiffReport& r) {
  Document doc;
  const std::string old_label = r.diff ? r.diff->old_label : r.old_path;
  const std::string new_label = r.diff ? r.diff->new_label : r.new_path;
  doc.heading(1, fmt::format("chokepoint diff: {} -> {}", old_label, new_label));
  doc.paragraph(fmt::format("OLD {}, NEW {}.{}", r.old_path, r.new_path,
                            diff_fails(r) ? " Result: FAIL (a --fail-on condition happened)." : ""));
  if (!r.diff) {
    doc.paragraph(fmt::format("NEW does not validate: {} error{}; nothing else was compared.",
                              r.new_diagnostics.error_count(), r.new_diagnostics.error_count() == 1 ? "" : "s"));
  } else {
    doc.paragraph(summary(*r.diff));
  }
  doc.table(checks_table(r));
  if (r.new_diagnostics.error_count() > 0) {
    doc.heading(2, "Validation errors in NEW");
    std::vector<std::string> items;
    for (const auto& d : r.new_diagnostics.items()) {
      if (d.severity != Severity::error) continue;
      if (items.size() == kMaxDiagnostics) break;
      items.push_back(
          fmt::format("{}:{}:{}: error[{}]: {}", d.where.file, d.where.line, d.where.column, d.code, d.message));
    }
    // The rest: those not listed here and those the load counted without keeping.
    if (const std::size_t shown = items.size(); shown < r.new_diagnostics.error_count()) {
      items.push_back(
          fmt::format("... and {} more (run chokepoint validate)", r.new_diagnostics.error_count() - shown));
    }
    doc.bullets(items);
  }
  if (!r.diff) return doc;
  doc.heading(2, "Metrics moved");
  doc.table(dependency_table(*r.diff, r.options));
  doc.table(must_pass_table(*r.diff));
  doc.table(concentration_table(*r.diff));
  doc.heading(2, "Facts changed");
  doc.table(facts_table(*r.diff));
  return doc;
}

json diff_json(const DiffReport& r) {
  json out;
  out["schema"] = "chokepoint.diff/1";
  out["old"] = {{"path", r.old_path}, {"dataset", r.diff ? json(r.diff->old_label) : json(nullptr)}};
  out["new"] = {{"path", r.new_path},
                {"dataset", r.diff ? json(r.diff->new_label) : json(nullptr)},
                {"valid", r.diff.has_value()},
                {"errors", r.new_diagnostics.error_count()},
                {"warnings", r.new_diagnostics.warning_count()}};
  json checks = json::array();
  for (std::size_t i = 0; i < diff_conditions().size(); ++i) {
    const std::size_t n = i < r.counts.size() ? r.counts[i] : 0;
    checks.push_back({{"condition", diff_conditions()[i]}, {"count", n}, {"fail_on", asked(r, diff_conditions()[i])}});
  }
  out["checks"] = checks;
  out["fails"] = diff_fails(r);
  json diagnostics = json::array();
  for (const auto& d : r.new_diagnostics.items()) {
    diagnostics.push_back({{"severity", severity_name(d.severity)},
                           {"code", d.code},
                           {"file", d.where.file},
                           {"line", d.where.line},
                           {"column", d.where.column},
                           {"message", d.message}});
  }
  out["new_diagnostics"] = diagnostics;
  if (!r.new_diagnostics.omitted().empty()) {
    json omitted = json::array();
    for (const auto& o : r.new_diagnostics.omitted()) {
      omitted.push_back({{"severity", severity_name(o.severity)}, {"code", o.code}, {"count", o.count}});
    }
    out["omitted_diagnostics"] = omitted;   // found past the limit per code: counted, not listed
  }
  if (!r.diff) return out;
  const DatasetDiff& d = *r.diff;
  json facts = json::array();
  for (const auto& f : d.facts) {
    json fields = json::array();
    for (const auto& c : f.fields) fields.push_back({{"field", c.field}, {"old", c.old_value}, {"new", c.new_value}});
    facts.push_back({{"kind", fact_kind_name(f.kind)},
                     {"change", fact_change_name(f.change)},
                     {"id", f.id},
                     {"fields", fields},
                     {"sources", f.sources},
                     {"where", where_json(f.where)}});
  }
  out["facts"] = facts;
  json deps = json::array();
  for (const auto& c : d.dependencies) {
    deps.push_back({{"consumer", c.consumer},
                    {"element", symbol(c.element)},
                    {"stage", stage_name(c.stage)},
                    {"country", c.country.empty() ? json(nullptr) : json(c.country)},
                    {"old", {{"share", c.old_share}, {"flagged", c.old_flagged}, {"critical", c.old_critical}}},
                    {"new", {{"share", c.new_share}, {"flagged", c.new_flagged}, {"critical", c.new_critical}}}});
  }
  json must = json::array();
  for (const auto& c : d.must_pass) {
    must.push_back({{"consumer", c.consumer},
                    {"element", symbol(c.element)},
                    {"kind", must_pass_kind(c.kind)},
                    {"id", c.id.empty() ? json(nullptr) : json(c.id)},
                    {"change", c.added ? "added" : "removed"},
                    {"evidence", c.evidence}});
  }
  json conc = json::array();
  for (const auto& c : d.concentration) {
    json moves = json::array();
    for (const auto& m : c.moves) moves.push_back({{"country", m.country}, {"old", m.old_share}, {"new", m.new_share}});
    conc.push_back({{"stage", stage_name(c.stage)},
                    {"element", symbol(c.element)},
                    {"old", {{"hhi", optional_number(c.old_hhi)}, {"band", c.old_band}, {"largest", c.old_top}}},
                    {"new", {{"hhi", optional_number(c.new_hhi)}, {"band", c.new_band}, {"largest", c.new_top}}},
                    {"shares_moved", moves}});
  }
  out["metrics"] = {{"threshold", r.options.threshold},
                    {"critical", r.options.critical},
                    {"dependencies", deps},
                    {"must_pass", must},
                    {"concentration", conc}};
  return out;
}

}  // namespace chokepoint
