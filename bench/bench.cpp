// chokepoint_bench: generates the seeded synthetic chain in memory at growing sizes and times each
// analysis on one core; prints a Markdown table (analysis x size, seconds) and peak RSS.
//
//   chokepoint_bench [--max N] [--sizes 1000,10000,...] [--seed S]

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "chokepoint/analysis/concentration.hpp"
#include "chokepoint/analysis/element_view.hpp"
#include "chokepoint/analysis/flow.hpp"
#include "chokepoint/analysis/structure.hpp"
#include "chokepoint/analysis/synthetic.hpp"
#include "chokepoint/graph/betweenness.hpp"
#include "chokepoint/graph/connectivity.hpp"
#include "chokepoint/graph/dominators.hpp"
#include "chokepoint/graph/graph.hpp"
#include "chokepoint/graph/max_flow.hpp"
#include "chokepoint/graph/reachability.hpp"
#include "chokepoint/load/loader.hpp"

using namespace chokepoint;

namespace {

using Clock = std::chrono::steady_clock;

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is KiB on Linux
}

double current_rss_mib() {
  long pages = 0, resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * 4096.0 / (1024.0 * 1024.0);
}

// Rows in print order; cells per size.
struct Table {
  std::vector<std::string> rows;
  std::map<std::string, std::map<std::size_t, std::string>> cells;
  void put(const std::string& row, std::size_t n, std::string value) {
    if (std::find(rows.begin(), rows.end(), row) == rows.end()) rows.push_back(row);
    cells[row][n] = std::move(value);
  }
};

template <class F>
double timed(F&& f) {
  const auto t0 = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string secs(double s) { return s < 0.01 ? fmt::format("{:.4f}", s) : fmt::format("{:.3f}", s); }

std::vector<std::int64_t> units_of(const std::vector<double>& capacity, double resolution) {
  std::vector<std::int64_t> u(capacity.size());
  for (std::size_t i = 0; i < capacity.size(); ++i) {
    u[i] = std::isfinite(capacity[i]) ? static_cast<std::int64_t>(std::llround(capacity[i] / resolution)) : kUnbounded;
  }
  return u;
}

// The chain as a dataset directory: sources, countries and materials in dataset.yaml, the rest in
// the CSV tables (docs/data-format.md). Returns the number of CSV data rows written.
std::size_t write_csv_dataset(const Dataset& ds, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::size_t rows = 0;
  {
    std::ofstream y(dir / "dataset.yaml");
    y << fmt::format("dataset: {{name: \"{}\", version: \"{}\", as_of: {}}}\nsources:\n", ds.info.name, ds.info.version,
                     ds.info.as_of ? ds.info.as_of->str() : "2026-01-01");
    for (const auto& s : ds.sources) y << fmt::format("  - {{id: {}, title: \"{}\"}}\n", s.id, s.title);
    y << "countries:\n";
    for (const auto& c : ds.countries) y << fmt::format("  - {{code: {}, name: \"{}\"}}\n", c.code, c.name);
    y << "materials:\n";
    for (const auto& m : ds.materials) {
      std::string comp = "mixed";
      if (!m.mixed) {
        std::vector<std::string> parts;
        for (const auto& c : m.composition) parts.push_back(fmt::format("{}: {}", element_symbol(c.element), c.fraction));
        comp = fmt::format("{{{}}}", fmt::join(parts, ", "));
      }
      y << fmt::format("  - {{id: {}, name: \"{}\", form: {}, basis: {}, composition: {}}}\n", m.id, m.name,
                       form_name(m.form), basis_name(m.basis), comp);
    }
  }
  const auto opt = [](const auto& x) { return x ? fmt::format("{}", *x) : std::string(); };
  std::ofstream f(dir / "facilities.csv"), o(dir / "outputs.csv"), d(dir / "demand.csv"), dist(dir / "distribution.csv");
  f << "id,name,operator,country,owner_country,stage,status,recovery,priority\n";
  o << "facility,material,capacity,production,year,source\n";
  d << "facility,material,quantity,year,source\n";
  dist << "facility,element,percent\n";
  for (const auto& fac : ds.facilities) {
    f << fmt::format("{},\"{}\",\"{}\",{},{},{},{},{},{}\n", fac.id, fac.name, fac.operator_name,
                     ds.countries[fac.country].code,
                     fac.owner_country == kNone ? "" : ds.countries[fac.owner_country].code, stage_name(fac.stage),
                     status_name(fac.status), fac.recovery, fac.priority);
    for (const auto& out : fac.outputs) {
      o << fmt::format("{},{},{},{},{},{}\n", fac.id, ds.materials[out.material].id, opt(out.capacity), opt(out.production),
                       opt(out.provenance.year),
                       out.provenance.source == kNone ? "" : ds.sources[out.provenance.source].id);
    }
    for (const auto& dem : fac.demand) {
      d << fmt::format("{},{},{},{},{}\n", fac.id, ds.materials[dem.material].id, dem.quantity, opt(dem.provenance.year),
                       dem.provenance.source == kNone ? "" : ds.sources[dem.provenance.source].id);
    }
    if (fac.has_distribution) {
      for (std::size_t k = 0; k < fac.distribution.size(); ++k) {
        if (fac.distribution[k] == 0) continue;
        dist << fmt::format("{},{},{}\n", fac.id, rare_earths()[k].symbol, fac.distribution[k]);
        ++rows;
      }
    }
    rows += 1 + fac.outputs.size() + fac.demand.size();
  }
  std::ofstream l(dir / "links.csv");
  l << "from,to,material,volume,share,status,source\n";
  for (const auto& link : ds.links) {
    l << fmt::format("{},{},{},{},{},{},{}\n", ds.facilities[link.from].id, ds.facilities[link.to].id,
                     ds.materials[link.material].id, opt(link.volume), opt(link.share), link_status_name(link.status),
                     link.source == kNone ? "" : ds.sources[link.source].id);
  }
  return rows + ds.links.size();
}

void run_size(std::size_t n, std::uint64_t seed, Table& t) {
  const auto put = [&](const std::string& row, double s) {
    t.put(row, n, secs(s));
    std::fprintf(stderr, "  %-58s %10.4f s\n", row.c_str(), s);
  };
  std::fprintf(stderr, "N = %zu\n", n);
  Dataset ds;
  put("generate the chain in memory (not a target)", timed([&] { ds = generate_chain(n, seed); }));
  t.put("links", n, fmt::format("{}", ds.links.size()));
  t.put("RSS after generating (MiB)", n, fmt::format("{:.0f}", current_rss_mib()));
  {
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("chokepoint-bench-csv-{}", n);
    const std::size_t rows = write_csv_dataset(ds, dir);
    DatasetLoad csv;
    const double s = timed([&] { csv = load_dataset(dir); });
    put("CSV load (dataset.yaml + facilities/outputs/demand/distribution/links.csv)", s);
    t.put("CSV load: rows per second", n,
          csv.dataset ? fmt::format("{:.0f} ({} rows)", static_cast<double>(rows) / s, rows)
                      : fmt::format("failed: {} diagnostics, first {} {}", csv.diagnostics.items().size(),
                                    csv.diagnostics.empty() ? "" : csv.diagnostics.items()[0].code,
                                    csv.diagnostics.empty() ? "" : csv.diagnostics.items()[0].message));
    std::filesystem::remove_all(dir);
  }

  SupplyGraph graph;
  put("build CSR and reverse CSR (SupplyGraph::build)", timed([&] { graph = SupplyGraph::build(ds); }));
  Carriage carriage;
  put("carriage (what each link carries; per dataset)", timed([&] { carriage = compute_carriage(ds); }));

  const int nd = rare_earth_index(60);
  const int dy = rare_earth_index(66);
  ElementView view;
  put("element view G_Dy", timed([&] { view = element_view(ds, graph, carriage, dy); }));
  std::vector<Index> idom;
  put("dominator tree from R (G_Dy)", timed([&] { idom = immediate_dominators(graph, view.mask, graph.root()); }));
  std::vector<std::uint8_t> reached;
  const Index root = graph.root();
  put("BFS from R (G_Dy)", timed([&] { reached = reachable_from(graph, view.mask, {&root, 1}); }));

  GraphMask overall;
  Biconnectivity bic;
  put("articulation points and bridges (overall view)", timed([&] {
        overall = overall_view(graph, carriage);
        bic = articulation_points_and_bridges(graph, overall);
      }));
  t.put("articulation points / bridges found", n,
        fmt::format("{} / {}", bic.articulation_points.size(), bic.bridges.size()));

  // Demand sinks, and one of them in the middle of the layer.
  std::vector<Index> sinks;
  for (Index f = 0; f < ds.facilities.size(); ++f) {
    if (ds.facilities[f].stage == Stage::demand) sinks.push_back(f);
  }
  const Index sink = sinks[sinks.size() / 2];
  ElementStructure es;
  put("prepare_element Nd (view + dominators)", timed([&] { es = prepare_element(ds, graph, carriage, nd); }));
  StructureTarget target{ds.facilities[sink].id, {sink}};
  StructureOptions no_shares;
  no_shares.retained_shares = false;
  TargetStructure ts;
  put("one demand sink: must-pass + max-flow + min cut (analyze_target, Nd)",
      timed([&] { ts = analyze_target(ds, graph, es, target, no_shares); }));
  const std::vector<std::uint8_t> cone = reaching(graph, es.view.mask, {&sink, 1});
  const auto cone_size = std::count(cone.begin(), cone.end(), std::uint8_t{1});
  t.put("cone of that sink (vertices, R included)", n, fmt::format("{}", cone_size));
  StructureOptions with_shares;
  TargetStructure ts2;
  put("one demand sink: analyze_target with every upstream country removed",
      timed([&] { ts2 = analyze_target(ds, graph, es, target, with_shares); }));
  t.put("countries upstream of that sink", n, fmt::format("{}", ts2.country_losses.size()));

  const std::vector<std::int64_t> units = units_of(es.view.capacity, 1e-3);
  VertexCut whole;
  put("one max-flow with min cut, R to every demand sink (Nd)",
      timed([&] { whole = min_vertex_cut(graph, es.view.mask, root, sinks, units); }));
  t.put("whole-graph min cut size (facilities)", n, fmt::format("{}", whole.cut.size()));

  // The top 10 countries by facility count.
  std::vector<std::size_t> per_country(ds.countries.size(), 0);
  for (const Facility& f : ds.facilities) ++per_country[f.country];
  std::vector<Index> order(ds.countries.size());
  for (Index c = 0; c < order.size(); ++c) order[c] = c;
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return per_country[a] > per_country[b]; });
  std::vector<std::vector<Index>> removals(std::min<std::size_t>(10, order.size()));
  for (Index f = 0; f < ds.facilities.size(); ++f) {
    for (std::size_t k = 0; k < removals.size(); ++k) {
      if (ds.facilities[f].country == order[k] && ds.facilities[f].stage != Stage::demand) removals[k].push_back(f);
    }
  }
  std::vector<std::int64_t> lost;
  put("retained max-flow, top 10 countries, one sink's cone",
      timed([&] { lost = max_flow_without_each(graph, es.view.mask, root, {&sink, 1}, units, removals); }));
  put("retained max-flow, top 10 countries, R to every demand sink",
      timed([&] { lost = max_flow_without_each(graph, es.view.mask, root, sinks, units, removals); }));

  ConcentrationReport conc;
  put("concentration, every stage and element", timed([&] { conc = analyze_concentration(ds); }));

  FlowPlan plan;
  put("flow plan (build_flow_plan, includes one baseline run)", timed([&] { plan = build_flow_plan(ds); }));
  FlowResult base;
  put("baseline flow (run_flow)", timed([&] { base = run_flow(plan); }));
  Disruption d;  // the top country's separators at 20% capacity
  d.capacity_factor.assign(ds.facilities.size(), 1.0);
  for (Index f = 0; f < ds.facilities.size(); ++f) {
    if (ds.facilities[f].stage == Stage::separation && ds.facilities[f].country == 0) d.capacity_factor[f] = 0.2;
  }
  FlowResult run;
  put("one contracts-mode scenario (run_flow with a disruption)", timed([&] { run = run_flow(plan, d); }));
  put("the same, reusing the result's buffers", timed([&] { run_flow(plan, d, run); }));
  std::vector<ConservationViolation> bad;
  put("check_conservation (baseline)", timed([&] { bad = check_conservation(base); }));
  t.put("conservation violations", n, fmt::format("{}", bad.size()));

  if (n <= 1'000'000) {
    BetweennessOptions bo;
    bo.sample_sources = std::min<Index>(256, graph.vertex_count());
    std::vector<double> bc;
    put("betweenness, 256 sampled sources (overall view)", timed([&] { bc = betweenness(graph, overall, bo); }));
  }
  t.put("peak RSS (MiB)", n, fmt::format("{:.0f}", peak_rss_mib()));
}

std::vector<std::size_t> parse_list(std::string_view s) {
  std::vector<std::size_t> out;
  while (!s.empty()) {
    const auto comma = s.find(',');
    const std::string item(s.substr(0, comma));
    out.push_back(static_cast<std::size_t>(std::stod(item)));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes = {1'000, 10'000, 100'000, 1'000'000};
  std::size_t max = 0;
  std::uint64_t seed = 42;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--max" && has_value) {
      max = static_cast<std::size_t>(std::stod(argv[++i]));
    } else if (a == "--sizes" && has_value) {
      sizes = parse_list(argv[++i]);
    } else if (a == "--seed" && has_value) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: chokepoint_bench [--max N] [--sizes 1000,10000,...] [--seed S]\n");
      return 2;
    }
  }
  if (max) sizes.erase(std::remove_if(sizes.begin(), sizes.end(), [&](std::size_t n) { return n > max; }), sizes.end());
  Table t;
  for (const std::size_t n : sizes) run_size(n, seed, t);

  std::string header = "| analysis (seconds unless noted) |";
  std::string rule = "|---|";
  for (const std::size_t n : sizes) {
    header += fmt::format(" {} |", n);
    rule += "---:|";
  }
  fmt::print("Seed {}.\n\n{}\n{}\n", seed, header, rule);
  for (const auto& row : t.rows) {
    std::string line = "| " + row + " |";
    for (const std::size_t n : sizes) {
      const auto& c = t.cells[row];
      const auto it = c.find(n);
      line += " " + (it == c.end() ? std::string("-") : it->second) + " |";
    }
    fmt::print("{}\n", line);
  }
  return 0;
}
