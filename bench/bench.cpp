// chokepoint_bench: generates the seeded synthetic chain in memory at growing sizes and times each
// analysis on one core; prints a Markdown table (analysis x size, seconds) and the peak RSS of each
// phase (the graph analyses, then the flow engine, each freeing what it made, as the commands do).
//
//   chokepoint_bench [--max N] [--sizes 1000,10000,...] [--seed S]
//                    [--peer-analyses] [--dump DIR] [--json FILE]
//   chokepoint_bench --from-dump DIR/N --analysis bfs|dominators|biconnectivity|maxflow
//
// The last three options and the second form serve bench/peers.py, which runs the same analyses
// with NetworkX and igraph (docs/performance.md, "Against NetworkX and igraph"):
//   --peer-analyses  time only the analyses the peers are compared on (skips the rest of the table)
//   --dump DIR       per size, write DIR/N/ with the exact graphs those analyses see and our answers
//   --json FILE      per size, our timings and answers (counts and FNV-1a fingerprints)
//   --from-dump      load one size's dump into a plain graph, run one analysis (best of up to 5
//                    runs while under 1 s in total), print one JSON line: seconds, memory, answer

#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <span>
#include <random>
#include <stdexcept>
#include <thread>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "chokepoint/analysis/concentration.hpp"
#include "chokepoint/analysis/dependency.hpp"
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
    f << fmt::format("{},\"{}\",\"{}\",{},{},{},{},{},{}\n", fac.id, fac.name, fac.operator_name.str(),
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

// ---- Peer comparison (bench/peers.py): the graphs behind four analyses, and our answers ----------

using Json = nlohmann::ordered_json;

// A field of /proc/self/status in MiB: "VmRSS" (resident now) or "VmHWM" (its peak since the start
// or the last reset_peak_rss()); -1 when unreadable.
double status_mib(std::string_view key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == ':') {
      return std::strtod(line.c_str() + key.size() + 1, nullptr) / 1024.0;  // the field is in kB
    }
  }
  return -1;
}

// Resets VmHWM to the current RSS (Linux 4.0+, proc(5) "clear_refs"), so it measures one phase.
void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

// FNV-1a (64 bit) over a sequence of integers, 8 little-endian bytes each: a fingerprint that the
// in-process run and the --from-dump run of the same answer must share.
struct Fingerprint {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  void add(std::int64_t x) {
    const auto u = static_cast<std::uint64_t>(x);
    for (unsigned i = 0; i < 8; ++i) {
      h ^= (u >> (8 * i)) & 0xFFu;
      h *= 0x100000001b3ULL;
    }
  }
  [[nodiscard]] std::string hex() const { return fmt::format("{:016x}", h); }
};

std::int64_t id_or_minus_one(Index v) { return v == kNone ? -1 : static_cast<std::int64_t>(v); }

std::vector<Index> reached_list(const std::vector<std::uint8_t>& reached) {
  std::vector<Index> out;
  for (std::size_t v = 0; v < reached.size(); ++v) {
    if (reached[v]) out.push_back(static_cast<Index>(v));
  }
  return out;
}

// Bridges as (smaller end, larger end), sorted: the form every tool can give.
std::vector<std::pair<Index, Index>> bridge_pairs(const SupplyGraph& graph, const std::vector<Index>& bridges) {
  std::vector<std::pair<Index, Index>> pairs;
  for (Index e : bridges) pairs.emplace_back(std::minmax(graph.source(e), graph.target(e)));
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

Json bfs_answer(const std::vector<std::uint8_t>& reached) {
  Fingerprint f;
  const std::vector<Index> list = reached_list(reached);
  for (Index v : list) f.add(v);
  return {{"reached", list.size()}, {"fingerprint", f.hex()}};
}

Json dominator_answer(const std::vector<Index>& idom, Index root) {
  Fingerprint f;
  std::size_t with_idom = 0, idom_is_root = 0;
  for (Index v : idom) {
    f.add(id_or_minus_one(v));
    with_idom += v != kNone ? 1 : 0;
    idom_is_root += v == root ? 1 : 0;
  }
  return {{"with_idom", with_idom}, {"idom_is_root", idom_is_root}, {"fingerprint", f.hex()}};
}

Json biconnectivity_answer(const SupplyGraph& graph, const Biconnectivity& b) {
  Fingerprint f;
  for (Index v : b.articulation_points) f.add(v);
  f.add(-1);
  for (const auto& [u, v] : bridge_pairs(graph, b.bridges)) {
    f.add(u);
    f.add(v);
  }
  return {{"articulation_points", b.articulation_points.size()},
          {"bridges", b.bridges.size()},
          {"fingerprint", f.hex()}};
}

Json flow_answer(const VertexCut& c) {
  Fingerprint f;
  f.add(c.max_flow);
  for (Index v : c.cut) f.add(v);
  return {{"max_flow", c.max_flow}, {"unbounded", c.max_flow >= kUnbounded}, {"cut", c.cut.size()},
          {"fingerprint", f.hex()}};
}

// The usable edges of `mask` in edge-id order, so that every vertex's rows keep their order.
std::vector<Arc> usable_arcs(const SupplyGraph& graph, const GraphMask& mask) {
  std::vector<Arc> arcs;
  for (Index e = 0; e < graph.edge_count(); ++e) {
    if (edge_usable(graph, mask, e)) arcs.push_back({graph.source(e), graph.target(e)});
  }
  return arcs;
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// Dump files are whitespace-separated integers after a header line of counts; "inf" is unbounded.
// Edges: "V E", then one "from to" line per edge.
void write_arcs(const std::filesystem::path& path, Index vertices, const std::vector<Arc>& arcs) {
  std::string text = fmt::format("{} {}\n", vertices, arcs.size());
  for (const Arc& a : arcs) fmt::format_to(std::back_inserter(text), "{} {}\n", a.from, a.to);
  write_text(path, text);
}

// Lists: "N", then one item per line.
template <class T>
void write_list(const std::filesystem::path& path, const std::vector<T>& items) {
  std::string text = fmt::format("{}\n", items.size());
  for (const T& x : items) fmt::format_to(std::back_inserter(text), "{}\n", x);
  write_text(path, text);
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::int64_t> read_integers(const std::filesystem::path& path) {
  const std::string text = read_text(path);
  std::vector<std::int64_t> out;
  const char* p = text.data();
  const char* const end = p + text.size();
  for (;;) {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
    if (p == end) break;
    if (end - p >= 3 && std::string_view(p, 3) == "inf") {
      out.push_back(kUnbounded);
      p += 3;
      continue;
    }
    std::int64_t x = 0;
    const auto [next, ec] = std::from_chars(p, end, x);
    if (ec != std::errc()) throw std::runtime_error("not an integer in " + path.string());
    out.push_back(x);
    p = next;
  }
  return out;
}

Index as_index(std::int64_t x, Index vertices, const std::filesystem::path& path) {
  if (x < 0 || x >= static_cast<std::int64_t>(vertices)) {
    throw std::runtime_error("vertex out of range in " + path.string());
  }
  return static_cast<Index>(x);
}

// A dumped edge file as a plain graph (no root: the analyses take it as a parameter).
SupplyGraph read_graph(const std::filesystem::path& path, Index vertices) {
  std::vector<std::int64_t> n = read_integers(path);
  if (n.size() < 2 || n[0] != static_cast<std::int64_t>(vertices) || n[1] < 0 ||
      n.size() != 2 + 2 * static_cast<std::size_t>(n[1])) {
    throw std::runtime_error("bad edge file " + path.string());
  }
  std::vector<Arc> arcs(static_cast<std::size_t>(n[1]));
  for (std::size_t i = 0; i < arcs.size(); ++i) {
    arcs[i] = {as_index(n[2 + 2 * i], vertices, path), as_index(n[3 + 2 * i], vertices, path)};
  }
  n = {};
  return SupplyGraph::from_arcs(vertices, arcs);
}

std::vector<std::int64_t> read_list(const std::filesystem::path& path) {
  std::vector<std::int64_t> n = read_integers(path);
  if (n.empty() || n[0] < 0 || n.size() != 1 + static_cast<std::size_t>(n[0])) {
    throw std::runtime_error("bad list file " + path.string());
  }
  n.erase(n.begin());
  return n;
}

// The four analyses compared with the peers, as run in process by run_size().
struct PeerRun {
  Index vertices = 0;
  Index root = kNone;
  GraphMask dy, overall, nd;            // the views they run on
  std::vector<std::int64_t> nd_units;   // vertex capacities of the max-flow
  std::vector<Index> sinks;
  std::vector<Index> idom;
  std::vector<std::uint8_t> reached;
  Biconnectivity bic;
  VertexCut cut;
};

Json peer_answers(const SupplyGraph& graph, const PeerRun& r) {
  return {{"bfs", bfs_answer(r.reached)},
          {"dominators", dominator_answer(r.idom, r.root)},
          {"biconnectivity", biconnectivity_answer(graph, r.bic)},
          {"maxflow", flow_answer(r.cut)}};
}

// DIR/N/: the graphs each analysis sees (only its usable edges), the max-flow's capacities and
// sinks, and our answers in full, for bench/peers.py.
void write_dump(const std::filesystem::path& dir, std::size_t n, std::uint64_t seed, const SupplyGraph& graph,
                const PeerRun& r) {
  std::filesystem::create_directories(dir);
  const std::vector<Arc> dy = usable_arcs(graph, r.dy), overall = usable_arcs(graph, r.overall),
                         nd = usable_arcs(graph, r.nd);
  write_arcs(dir / "dy.edges", r.vertices, dy);
  write_arcs(dir / "overall.edges", r.vertices, overall);
  write_arcs(dir / "nd.edges", r.vertices, nd);
  std::vector<std::string> units;
  for (std::int64_t u : r.nd_units) units.push_back(u >= kUnbounded ? "inf" : fmt::format("{}", u));
  write_list(dir / "nd.capacity", units);
  write_list(dir / "nd.sinks", r.sinks);
  std::vector<std::int64_t> idom;
  for (Index v : r.idom) idom.push_back(id_or_minus_one(v));
  write_list(dir / "ours.idom", idom);
  write_list(dir / "ours.reached", reached_list(r.reached));
  write_list(dir / "ours.articulation", r.bic.articulation_points);
  std::vector<std::string> bridges;
  for (const auto& [u, v] : bridge_pairs(graph, r.bic.bridges)) bridges.push_back(fmt::format("{} {}", u, v));
  write_list(dir / "ours.bridges", bridges);
  write_list(dir / "ours.cut", r.cut.cut);
  const Json meta = {
      {"size", n},
      {"seed", seed},
      {"vertices", r.vertices},
      {"root", r.root},
      {"graphs",
       {{"dy.edges", "G_Dy, the element view of Dy: BFS and dominator tree from the root"},
        {"overall.edges", "the overall view (active facilities and links, root off): articulation points and bridges "
                          "of its undirected graph; parallel edges are never bridges, self-loops are ignored"},
        {"nd.edges", "G_Nd, the element view of Nd: max-flow with min vertex cut from the root to every demand sink"}}},
      {"nd.capacity", "per vertex, what it passes in units of 1e-3 t/yr of Nd (inf: unbounded); edges unbounded"},
      {"edges", {{"dy.edges", dy.size()}, {"overall.edges", overall.size()}, {"nd.edges", nd.size()}}},
      {"answers", peer_answers(graph, r)}};
  write_text(dir / "meta.json", meta.dump(1) + "\n");
}

// --from-dump: one analysis on one size's dump, in a fresh process; one JSON line on stdout.
int run_from_dump(const std::filesystem::path& dir, std::string_view analysis) {
  const bool flow = analysis == "maxflow";
  if (analysis != "bfs" && analysis != "dominators" && analysis != "biconnectivity" && !flow) {
    std::fprintf(stderr, "--analysis: bfs, dominators, biconnectivity or maxflow\n");
    return 2;
  }
  const double rss_start = status_mib("VmRSS");
  const Json meta = Json::parse(read_text(dir / "meta.json"));
  const auto vertices = meta.at("vertices").get<Index>();
  const auto root = meta.at("root").get<Index>();
  SupplyGraph graph;
  std::vector<std::int64_t> capacity;
  std::vector<Index> sinks;
  const double load_s = timed([&] {
    const char* file = analysis == "biconnectivity" ? "overall.edges" : flow ? "nd.edges" : "dy.edges";
    graph = read_graph(dir / file, vertices);
    if (flow) {
      capacity = read_list(dir / "nd.capacity");
      if (capacity.size() != vertices) throw std::runtime_error("nd.capacity: one value per vertex");
      for (std::int64_t t : read_list(dir / "nd.sinks")) sinks.push_back(as_index(t, vertices, dir / "nd.sinks"));
    }
  });
  malloc_trim(0);  // hand back the parse buffers before measuring
  const double rss_loaded = status_mib("VmRSS");
  const double load_peak = status_mib("VmHWM");
  reset_peak_rss();  // (also resets getrusage's ru_maxrss)
  const GraphMask all;
  Json answer;
  double best = 0, total = 0;
  int runs = 0;
  do {
    double s = 0;
    if (analysis == "bfs") {
      std::vector<std::uint8_t> reached;
      s = timed([&] { reached = reachable_from(graph, all, {&root, 1}); });
      if (runs == 0) answer = bfs_answer(reached);
    } else if (analysis == "dominators") {
      std::vector<Index> idom;
      s = timed([&] { idom = immediate_dominators(graph, all, root); });
      if (runs == 0) answer = dominator_answer(idom, root);
    } else if (analysis == "biconnectivity") {
      Biconnectivity bic;
      s = timed([&] { bic = articulation_points_and_bridges(graph, all); });
      if (runs == 0) answer = biconnectivity_answer(graph, bic);
    } else {
      VertexCut cut;
      s = timed([&] { cut = min_vertex_cut(graph, all, root, sinks, capacity); });
      if (runs == 0) answer = flow_answer(cut);
    }
    best = runs == 0 ? s : std::min(best, s);
    total += s;
    ++runs;
  } while (runs < 5 && total < 1.0);
  const Json out = {{"tool", "chokepoint"},
                    {"analysis", analysis},
                    {"seconds", best},
                    {"runs", runs},
                    {"load_seconds", load_s},
                    {"rss_start_mib", rss_start},
                    {"rss_loaded_mib", rss_loaded},
                    {"load_peak_rss_mib", load_peak},
                    {"peak_rss_mib", status_mib("VmHWM")},  // during the runs: the graph and the workspace
                    {"answer", answer}};
  fmt::print("{}\n", out.dump());
  return 0;
}

struct RunOptions {
  std::uint64_t seed = 42;
  bool peers_only = false;            // --peer-analyses: only what bench/peers.py compares
  std::filesystem::path dump;         // --dump DIR (empty: none)
  Json* json = nullptr;               // --json: one entry per size
};

// Nanoseconds per load when each load's address comes from the one before (a pointer chase over
// `bytes`, one pointer per cache line, in a random cycle): the cost of each step of a search that
// cannot know its next vertex early, such as a depth-first search.
double memory_latency_ns(std::size_t bytes) {
  constexpr std::size_t kLine = 64 / sizeof(std::uint64_t);
  const std::size_t lines = bytes / 64;
  std::vector<std::uint64_t> order(lines);
  for (std::size_t i = 0; i < lines; ++i) order[i] = i;
  std::mt19937_64 rng(7);
  std::shuffle(order.begin() + 1, order.end(), rng);
  std::vector<std::uint64_t> next(lines * kLine);
  for (std::size_t i = 0; i < lines; ++i) next[order[i] * kLine] = order[(i + 1) % lines] * kLine;
  constexpr std::size_t kHops = 2'000'000;
  std::uint64_t at = 0;
  const double s = timed([&] {
    for (std::size_t i = 0; i < kHops; ++i) at = next[at];
  });
  asm volatile("" : : "r"(at));  // a use of the chase's end, so that the chase is not optimized away
  return s * 1e9 / kHops;
}

// Times one row: its name and seconds (run_size's `put`).
using Put = std::function<void(const std::string&, double)>;

// The facilities other than demand sinks of the 10 countries with the most facilities, one group
// per country: what the retained max-flow rows remove.
std::vector<std::vector<Index>> top_countries(const Dataset& ds) {
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
  return removals;
}

// Every demand sink of the dataset.
std::vector<Index> demand_sinks(const Dataset& ds) {
  std::vector<Index> sinks;
  for (Index f = 0; f < ds.facilities.size(); ++f) {
    if (ds.facilities[f].stage == Stage::demand) sinks.push_back(f);
  }
  return sinks;
}

// The graph analyses on the generated chain, on one core; everything they make is freed on return
// but the retained max-flow's values (to compare with all_cores). `seconds` holds the rows timed
// so far, for --json.
std::vector<std::int64_t> graph_analyses(const Dataset& ds, std::size_t n, const RunOptions& options, Table& t,
                                         const Put& put, const Json& seconds) {
  std::vector<std::int64_t> lost;
  const std::uint64_t seed = options.seed;
  SupplyGraph graph;
  put("build CSR and reverse CSR (SupplyGraph::build)", timed([&] { graph = SupplyGraph::build(ds); }));
  Carriage carriage;
  put("carriage (what each link carries; per dataset)", timed([&] { carriage = compute_carriage(ds); }));

  const int nd = rare_earth_index(60);
  const int dy = rare_earth_index(66);
  ElementView view;
  put("element view G_Dy", timed([&] { view = element_view(ds, graph, carriage, dy); }));
  PeerRun peer;  // what bench/peers.py compares
  std::vector<Index>& idom = peer.idom;
  const double dominators_s = timed([&] { idom = immediate_dominators(graph, view.mask, graph.root()); });
  put("dominator tree from R (G_Dy)", dominators_s);
  std::vector<std::uint8_t>& reached = peer.reached;
  const Index root = graph.root();
  const double bfs_s = timed([&] { reached = reachable_from(graph, view.mask, {&root, 1}); });
  put("BFS from R (G_Dy)", bfs_s);

  GraphMask overall;
  Biconnectivity& bic = peer.bic;
  const double overall_s = timed([&] { overall = overall_view(graph, carriage); });
  const double bic_s = timed([&] { bic = articulation_points_and_bridges(graph, overall); });
  put("articulation points and bridges (overall view)", overall_s + bic_s);
  t.put("articulation points / bridges found", n,
        fmt::format("{} / {}", bic.articulation_points.size(), bic.bridges.size()));
  {
    Biconnectivity sized;
    const double sized_s =
        timed([&] { sized = articulation_points_and_bridges(graph, overall, {.sizes = true}); });
    put("the same with what each loss cuts off (pieces, bridge sides; what `chokepoints` reports)", overall_s + sized_s);
  }

  // Demand sinks, and one of them in the middle of the layer.
  const std::vector<Index> sinks = demand_sinks(ds);
  const Index sink = sinks[sinks.size() / 2];
  ElementStructure es;
  put("prepare_element Nd (view + dominators)", timed([&] { es = prepare_element(ds, graph, carriage, nd); }));
  if (!options.peers_only) {
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
    // What `dependencies` and `chokepoints --consumer` ask per consumer and element: its must-pass
    // facilities and countries over all its demand sinks (a super-sink), for the country with
    // the most.
    std::vector<std::size_t> per_country(ds.countries.size(), 0);
    for (const Index s : sinks) ++per_country[ds.facilities[s].country];
    const auto top = static_cast<std::size_t>(
        std::max_element(per_country.begin(), per_country.end()) - per_country.begin());
    const std::optional<StructureTarget> consumer = resolve_target(ds, ds.countries[top].code);
    MustPass consumer_must;
    put("must-pass facilities and countries of the consumer country with the most demand sinks (Nd)",
        timed([&] { consumer_must = must_pass(ds, graph, es, *consumer); }));
    t.put("that consumer's must-pass facilities / countries (Nd)", n,
          fmt::format("{} / {}", consumer_must.facilities.size(), consumer_must.countries.size()));
  }

  const std::vector<std::int64_t> units = units_of(es.view.capacity, 1e-3);
  VertexCut& whole = peer.cut;
  const double flow_s = timed([&] { whole = min_vertex_cut(graph, es.view.mask, root, sinks, units); });
  put("one max-flow with min cut, R to every demand sink (Nd)", flow_s);
  t.put("whole-graph min cut size (facilities)", n, fmt::format("{}", whole.cut.size()));

  peer.vertices = graph.vertex_count();
  peer.root = root;
  if (options.json != nullptr) {
    options.json->push_back(
        {{"size", n},
         {"seed", seed},
         {"vertices", graph.vertex_count()},
         {"links", ds.links.size()},
         {"seconds",
          {{"bfs", bfs_s}, {"dominators", dominators_s}, {"biconnectivity", bic_s}, {"maxflow", flow_s}}},
         {"note", "in process on the SupplyGraph with the view masks; view construction not included "
                  "(see rows for that)"},
         {"rows", seconds},
         {"answers", peer_answers(graph, peer)}});
  }
  if (!options.dump.empty()) {
    peer.dy = view.mask;
    peer.overall = overall;
    peer.nd = es.view.mask;
    peer.nd_units = units;
    peer.sinks = sinks;
    const auto dir = options.dump / fmt::format("{}", n);
    const double dump_s = timed([&] { write_dump(dir, n, seed, graph, peer); });
    std::fprintf(stderr, "  dumped to %s in %.1f s\n", dir.c_str(), dump_s);
  }
  if (options.peers_only) {
    t.put("peak RSS (MiB)", n, fmt::format("{:.0f}", peak_rss_mib()));
    return lost;
  }

  ConcentrationReport conc;
  put("concentration, every stage and element", timed([&] { conc = analyze_concentration(ds); }));
  if (n <= 1'000'000) {
    BetweennessOptions bo;
    bo.sample_sources = std::min<Index>(256, graph.vertex_count());
    std::vector<double> bc;
    put("betweenness, 256 sampled sources (overall view)", timed([&] { bc = betweenness(graph, overall, bo); }));
  }
  // What the rows above made and the rest do not read goes before the retained max-flow, as a
  // command keeps no other element's view or dominator tree while it works on Nd: the Dy view,
  // the overall view and the answers kept for bench/peers.py (about 20 MiB at 1e6).
  view = ElementView();
  overall = GraphMask();
  peer = PeerRun();

  const std::vector<std::vector<Index>> removals = top_countries(ds);
  // One thread, as the targets are for one core; the commands use every core by default, so a
  // phase of its own times that too (all_cores).
  put("retained max-flow, top 10 countries, one sink's cone",
      timed([&] { lost = max_flow_without_each(graph, es.view.mask, root, {&sink, 1}, units, removals, 1); }));
  put("retained max-flow, top 10 countries, R to every demand sink",
      timed([&] { lost = max_flow_without_each(graph, es.view.mask, root, sinks, units, removals, 1); }));
  return lost;
}

// The retained max-flow of the graph analyses on every core (one workspace per thread), in a phase
// of its own so that its buffers weigh on neither phase above; its values must be `lost`.
void all_cores(const Dataset& ds, std::size_t n, Table& t, const Put& put, const std::vector<std::int64_t>& lost) {
  const SupplyGraph graph = SupplyGraph::build(ds);
  const Carriage carriage = compute_carriage(ds);
  const ElementStructure es = prepare_element(ds, graph, carriage, rare_earth_index(60));
  const std::vector<std::int64_t> units = units_of(es.view.capacity, 1e-3);
  const std::vector<Index> sinks = demand_sinks(ds);
  const std::vector<std::vector<Index>> removals = top_countries(ds);
  std::vector<std::int64_t> lost_parallel;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  put(fmt::format("retained max-flow, top 10 countries, R to every demand sink, on {} threads (one per core; "
                  "not a target)",
                  cores),
      timed([&] {
        lost_parallel = max_flow_without_each(graph, es.view.mask, graph.root(), sinks, units, removals);
      }));
  if (lost_parallel != lost) throw std::logic_error("retained max-flow depends on the thread count");
  t.put("peak RSS of that phase (MiB; the graph and the Nd view built again)", n,
        fmt::format("{:.0f}", status_mib("VmHWM")));
}

// The flow engine on the generated chain: the plan, the baseline and a contracts-mode scenario.
void flow_analyses(const Dataset& ds, std::size_t n, Table& t, const Put& put) {
  FlowPlan plan;
  put("flow plan (build_flow_plan, includes one baseline run)", timed([&] { plan = build_flow_plan(ds); }));
  FlowResult base;
  put("baseline flow (run_flow)", timed([&] { base = run_flow(plan); }));
  {  // a scenario's run and check, gone before `dependencies`, which holds none
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

    t.put("peak RSS of the flow engine: plan, baseline, scenario (MiB; the generated dataset included)", n,
          fmt::format("{:.0f}", status_mib("VmHWM")));
  }

  // `dependencies` for one consumer on the baseline: the origin trace of its demand sinks, one
  // element at a time (its must-pass countries, graph work, are left out). The consumer with the
  // most demand sinks: CN on the synthetic chain.
  std::vector<std::vector<Index>> sinks_of(ds.countries.size());
  for (Index f = 0; f < ds.facilities.size(); ++f) {
    if (ds.facilities[f].stage == Stage::demand) sinks_of[ds.facilities[f].country].push_back(f);
  }
  const auto largest = std::max_element(sinks_of.begin(), sinks_of.end(),
                                        [](const auto& a, const auto& b) { return a.size() < b.size(); });
  std::vector<DependencyReport> deps;
  put("dependencies of the consumer country with the most demand sinks (origin trace, every element)",
      timed([&] { deps = single_country_dependencies(base, {*largest}, {DependencyOptions{}}); }));
  t.put("that consumer's demand sinks", n, fmt::format("{}", largest->size()));
  // What `chokepoints` and `diff` ask: every consumer country's dependencies, from one trace.
  std::erase_if(sinks_of, [](const auto& sinks) { return sinks.empty(); });
  put("dependencies of every consumer country (one origin trace, every element)", timed([&] {
        deps = single_country_dependencies(base, sinks_of, std::vector<DependencyOptions>(sinks_of.size()));
      }));
  t.put("consumer countries", n, fmt::format("{}", sinks_of.size()));

  // What the objects alive at the end hold (glibc's count of allocated bytes): the rest of the RSS
  // is memory freed by earlier rows that the allocator kept (docs/performance.md, run K).
  const struct mallinfo2 heap = mallinfo2();
  t.put("heap in use at the end of the flow engine (MiB; the rest of the RSS is freed memory glibc keeps)", n,
        fmt::format("{:.0f}", static_cast<double>(heap.uordblks + heap.hblkhd) / (1024.0 * 1024.0)));
  t.put("RSS at the end of the flow engine (MiB)", n, fmt::format("{:.0f}", current_rss_mib()));
}

void run_size(std::size_t n, const RunOptions& options, Table& t) {
  const std::uint64_t seed = options.seed;
  Json seconds = Json::object();
  const auto put = [&](const std::string& row, double s) {
    t.put(row, n, secs(s));
    seconds[row] = s;
    // The heap in use and the RSS after each row: where the memory goes (docs/performance.md).
    const struct mallinfo2 heap = mallinfo2();
    std::fprintf(stderr, "  %-58s %10.4f s  heap %6.0f MiB  RSS %6.0f MiB  peak %6.0f MiB\n", row.c_str(), s,
                 static_cast<double>(heap.uordblks + heap.hblkhd) / (1024.0 * 1024.0), current_rss_mib(),
                 status_mib("VmHWM"));
  };
  std::fprintf(stderr, "N = %zu\n", n);
  Dataset ds;
  put("generate the chain in memory (not a target)", timed([&] { ds = generate_chain(n, seed); }));
  t.put("links", n, fmt::format("{}", ds.links.size()));
  t.put("RSS after generating (MiB)", n, fmt::format("{:.0f}", current_rss_mib()));
  if (!options.peers_only) {
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
  // The load above holds a second copy of the dataset beside the generated one; the analyses'
  // peak is measured from here.
  t.put("peak RSS through the CSV load (MiB; generated and loaded copies)", n,
        fmt::format("{:.0f}", status_mib("VmHWM")));
  // The analyses run in two phases, as `chokepoints` and `dependencies` run them (and `scenario
  // run` the second alone): the graph analyses, then the flow engine, which needs no graph. Each
  // phase frees what it made before the next starts. (`risk` and the diagram's flow views hold a
  // graph and a flow plan at once: docs/performance.md.)
  reset_peak_rss();
  const std::vector<std::int64_t> lost = graph_analyses(ds, n, options, t, put, seconds);
  if (options.peers_only) return;
  const double graph_peak = status_mib("VmHWM");
  t.put("peak RSS of the graph analyses, one core (MiB; the generated dataset included)", n,
        fmt::format("{:.0f}", graph_peak));
  reset_peak_rss();
  flow_analyses(ds, n, t, put);
  const double flow_peak = status_mib("VmHWM");
  t.put("peak RSS of the flow phase, dependencies included (MiB; the generated dataset included)", n,
        fmt::format("{:.0f}", flow_peak));
  t.put("peak RSS of the analyses, one core (MiB; the larger of the two phases)", n,
        fmt::format("{:.0f}", std::max(graph_peak, flow_peak)));
  reset_peak_rss();
  all_cores(ds, n, t, put, lost);
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
  RunOptions options;
  std::filesystem::path json_path, from_dump;
  std::string analysis;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--max" && has_value) {
      max = static_cast<std::size_t>(std::stod(argv[++i]));
    } else if (a == "--sizes" && has_value) {
      sizes = parse_list(argv[++i]);
    } else if (a == "--seed" && has_value) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--peer-analyses") {
      options.peers_only = true;
    } else if (a == "--dump" && has_value) {
      options.dump = argv[++i];
    } else if (a == "--json" && has_value) {
      json_path = argv[++i];
    } else if (a == "--from-dump" && has_value) {
      from_dump = argv[++i];
    } else if (a == "--analysis" && has_value) {
      analysis = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: chokepoint_bench [--max N] [--sizes 1000,10000,...] [--seed S]\n"
                   "                        [--peer-analyses] [--dump DIR] [--json FILE]\n"
                   "       chokepoint_bench --from-dump DIR/N --analysis bfs|dominators|biconnectivity|maxflow\n");
      return 2;
    }
  }
  if (!from_dump.empty()) {
    try {
      return run_from_dump(from_dump, analysis);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "chokepoint_bench: %s\n", e.what());
      return 1;
    }
  }
  options.seed = seed;
  if (max) sizes.erase(std::remove_if(sizes.begin(), sizes.end(), [&](std::size_t n) { return n > max; }), sizes.end());
  Table t;
  Json runs = Json::array();
  options.json = json_path.empty() ? nullptr : &runs;
  for (const std::size_t n : sizes) run_size(n, options, t);
  if (!json_path.empty()) {
    write_text(json_path, Json{{"tool", "chokepoint"}, {"seed", seed}, {"sizes", runs}}.dump(1) + "\n");
  }

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
  fmt::print("\nMemory latency of this machine (dependent loads, one per cache line): {:.0f} ns over 1 MiB, "
             "{:.0f} ns over 64 MiB.\n",
             memory_latency_ns(std::size_t{1} << 20), memory_latency_ns(std::size_t{64} << 20));
  return 0;
}
