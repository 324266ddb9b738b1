#include "chokepoint/analysis/synthetic.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

namespace chokepoint {
namespace {

// Uniform, normal and discrete draws written out here so that the stream of values depends only
// on std::mt19937_64 (whose output the standard fixes), not on a library's distributions.
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : rng_(seed) {}
  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Uniform integer in [lo, hi].
  std::uint64_t integer(std::uint64_t lo, std::uint64_t hi) {
    return lo + static_cast<std::uint64_t>(uniform() * static_cast<double>(hi - lo + 1));
  }
  /// Standard normal by inverse CDF (Acklam's rational approximation, relative error 1.15e-9).
  double normal() {
    double p = uniform();
    if (p <= 0.0) p = 0x1.0p-53;
    static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                   1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
    static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                   6.680131188771972e+01,  -1.328068155288572e+01};
    static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                   -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
    static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                   3.754408661907416e+00};
    constexpr double low = 0.02425;
    if (p < low) {
      const double q = std::sqrt(-2 * std::log(p));
      return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
             ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - low) {
      const double q = std::sqrt(-2 * std::log(1 - p));
      return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
             ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    const double q = p - 0.5;
    const double r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
           (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  /// Integer log-normal with this median and log-sd, at least 1.
  double lognormal(double median, double sigma) {
    return std::max(1.0, std::round(median * std::exp(sigma * normal())));
  }
  /// Index i with probability proportional to cumulative[i] - cumulative[i-1] (inverse CDF).
  std::size_t pick(const std::vector<double>& cumulative) {
    const double u = uniform() * cumulative.back();
    const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
    return std::min(static_cast<std::size_t>(it - cumulative.begin()), cumulative.size() - 1);
  }

 private:
  std::mt19937_64 rng_;
};

struct CountrySeed {
  const char* code;
  const char* name;
};

// CN first: it is the top country of every stage.
constexpr std::array<CountrySeed, 40> kCountries = {{
    {"CN", "China"},          {"US", "United States"}, {"AU", "Australia"},     {"MY", "Malaysia"},
    {"JP", "Japan"},          {"MM", "Myanmar"},       {"VN", "Viet Nam"},      {"IN", "India"},
    {"BR", "Brazil"},         {"RU", "Russia"},        {"TH", "Thailand"},      {"LA", "Laos"},
    {"ZA", "South Africa"},   {"CA", "Canada"},        {"GB", "United Kingdom"}, {"DE", "Germany"},
    {"FR", "France"},         {"KR", "South Korea"},   {"TW", "Taiwan"},        {"EE", "Estonia"},
    {"NG", "Nigeria"},        {"MG", "Madagascar"},    {"TZ", "Tanzania"},      {"GL", "Greenland"},
    {"KZ", "Kazakhstan"},     {"SE", "Sweden"},        {"FI", "Finland"},       {"ES", "Spain"},
    {"IT", "Italy"},          {"PL", "Poland"},        {"MX", "Mexico"},        {"CL", "Chile"},
    {"AR", "Argentina"},      {"PE", "Peru"},          {"ID", "Indonesia"},     {"PH", "Philippines"},
    {"SA", "Saudi Arabia"},   {"AE", "United Arab Emirates"}, {"TR", "Turkey"}, {"EG", "Egypt"},
}};

struct LayerSpec {
  Stage stage;
  const char* prefix;   // id prefix
  double top_share;     // share of facilities in the top country (CN)
  double median;        // capacity (demand: quantity) median, t/yr
  double sigma;         // log-normal sd
};

constexpr std::array<LayerSpec, 5> kLayers = {{
    {Stage::mine, "mine", 0.55, 2000, 1.0},
    {Stage::separation, "sep", 0.88, 1500, 0.8},
    {Stage::metal, "metal", 0.90, 900, 0.8},
    {Stage::magnet, "magnet", 0.87, 2500, 0.9},
    {Stage::demand, "demand", 0.30, 1500, 1.0},
}};

Element element(std::string_view symbol) { return *parse_element(symbol); }

std::vector<Component> composition(std::initializer_list<std::pair<std::string_view, double>> parts) {
  std::vector<Component> out;
  for (const auto& [s, f] : parts) out.push_back({element(s), f});
  std::sort(out.begin(), out.end(), [](const Component& a, const Component& b) { return a.element < b.element; });
  return out;
}

}  // namespace

SyntheticLayers synthetic_layers(std::size_t facilities) {
  const auto part = [&](double share) {
    return std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(share * static_cast<double>(facilities))));
  };
  SyntheticLayers l;
  l.mines = part(0.30);
  l.separators = part(0.10);
  l.metal = part(0.15);
  l.magnet = part(0.20);
  // Rounded up, the four layers can take every facility of a small chain (5: 2 + 1 + 1 + 1):
  // the mines, the largest layer, give up what the demand layer needs.
  const std::size_t used = l.mines + l.separators + l.metal + l.magnet;
  l.demand = facilities > used ? facilities - used : 0;
  if (const std::size_t over = used + 1 - std::min(used, facilities); l.demand == 0 && l.mines > over) {
    l.mines -= over;
    l.demand = 1;
  }
  return l;
}

Dataset generate_chain(std::size_t facilities, std::uint64_t seed) {
  if (facilities < 5) throw std::invalid_argument("a synthetic chain needs at least 5 facilities");
  const SyntheticLayers layers = synthetic_layers(facilities);
  if (layers.demand == 0) throw std::invalid_argument("a synthetic chain needs at least 5 facilities");
  const std::array<std::size_t, 5> counts = {layers.mines, layers.separators, layers.metal, layers.magnet,
                                             layers.demand};
  Draw draw(seed);
  Dataset ds;
  ds.info.name = "synthetic";
  ds.info.version = fmt::format("{}-{}", facilities, seed);
  ds.info.as_of = parse_iso_date("2026-01-01");
  ds.info.description = fmt::format(
      "Seeded synthetic rare-earth chain: {} facilities, seed {} (chokepoint generate).", facilities, seed);
  ds.info.license = "CC0-1.0";
  {
    Source src;
    src.id = "synthetic";
    src.title = "Seeded synthetic chain (chokepoint generate); every figure is drawn, none is real";
    src.publisher = "chokepoint";
    ds.sources.push_back(std::move(src));
  }

  // Countries, with WGI figures from a fixed stream (not the seed) so that they read the same in every file.
  Draw wgi_draw(0x5EEDC0DEu);
  ds.countries.reserve(kCountries.size());
  for (const auto& c : kCountries) {
    Country country;
    country.code = c.code;
    country.name = c.name;
    country.wgi = std::round(wgi_draw.uniform(-1.5, 1.6) * 100) / 100;
    country.source = 0;
    ds.countries.push_back(std::move(country));
  }
  // Zipf(1.1) tail over the countries after the top one.
  std::vector<double> tail;
  tail.reserve(kCountries.size() - 1);
  double acc = 0;
  for (std::size_t r = 1; r < kCountries.size(); ++r) tail.push_back(acc += 1.0 / std::pow(static_cast<double>(r), 1.1));

  // Materials: 0 mixed concentrate, 1 NdPr+Dy oxide, 2 NdPr+Dy metal, 3 magnet.
  ds.materials.reserve(4);
  {
    Material m;
    m.id = "mixed-concentrate";
    m.name = "Mixed rare-earth concentrate";
    m.form = Form::concentrate;
    m.basis = Basis::reo;
    m.mixed = true;
    ds.materials.push_back(m);
    m = Material{};
    m.id = "ndpr-dy-oxide";
    m.name = "NdPr oxide with Dy";
    m.form = Form::oxide;
    m.basis = Basis::reo;
    m.composition = composition({{"Nd", 0.72}, {"Pr", 0.24}, {"Dy", 0.04}});
    ds.materials.push_back(m);
    m = Material{};
    m.id = "ndpr-dy-metal";
    m.name = "NdPr metal with Dy";
    m.form = Form::metal;
    m.basis = Basis::product;
    m.composition = composition({{"Nd", 0.72}, {"Pr", 0.24}, {"Dy", 0.04}});
    ds.materials.push_back(m);
    m = Material{};
    m.id = "ndfeb-magnet";
    m.name = "Sintered NdFeB magnet";
    m.form = Form::magnet;
    m.basis = Basis::product;
    m.composition = composition({{"Nd", 0.22}, {"Pr", 0.07}, {"Dy", 0.012}, {"Fe", 0.688}, {"B", 0.01}});
    ds.materials.push_back(m);
  }

  // The mines' fixed distribution, % of TREO.
  ReVector distribution{};
  for (const auto& [s, pct] : std::initializer_list<std::pair<std::string_view, double>>{
           {"La", 25}, {"Ce", 45}, {"Pr", 6}, {"Nd", 18}, {"Sm", 2}, {"Gd", 1.5}, {"Dy", 1}, {"Y", 1.5}}) {
    distribution[static_cast<std::size_t>(rare_earth_index(element(s)))] = pct;
  }

  ds.facilities.reserve(facilities);
  std::vector<double> capacity;  // per facility: output capacity, or demand quantity
  capacity.reserve(facilities);
  ds.links.reserve(static_cast<std::size_t>(4.4 * static_cast<double>(facilities - layers.mines)) + 16);

  std::size_t begin_prev = 0, end_prev = 0;  // the previous layer's facility range
  std::vector<double> cumulative;            // its capacities, cumulated
  std::vector<Index> chosen;
  for (std::size_t layer = 0; layer < kLayers.size(); ++layer) {
    const LayerSpec& spec = kLayers[layer];
    const std::size_t begin = ds.facilities.size();
    for (std::size_t i = 0; i < counts[layer]; ++i) {
      const auto f = static_cast<Index>(ds.facilities.size());
      Facility& fac = ds.facilities.emplace_back();
      fac.id = fmt::format("{}-{}", spec.prefix, i + 1);
      fac.stage = spec.stage;
      fac.country = draw.uniform() < spec.top_share ? 0 : static_cast<Index>(1 + draw.pick(tail));
      const double cap = draw.lognormal(spec.median, spec.sigma);
      capacity.push_back(cap);
      if (spec.stage == Stage::demand) {
        DemandEntry entry;
        entry.material = 3;
        entry.quantity = cap;
        entry.provenance.source = 0;
        fac.demand.push_back(entry);
      } else {
        Output out;
        out.material = static_cast<Index>(layer);
        out.capacity = cap;
        out.provenance.source = 0;
        fac.outputs.push_back(out);
      }
      if (spec.stage == Stage::mine) {
        fac.distribution = distribution;
        fac.has_distribution = true;
        continue;
      }
      // Suppliers: 5% single-sourced, else 3-6 distinct, drawn by capacity from the previous layer.
      const std::size_t available = end_prev - begin_prev;
      std::size_t want = draw.uniform() < 0.05 ? 1 : static_cast<std::size_t>(draw.integer(3, 6));
      want = std::min(want, available);
      chosen.clear();
      for (int attempt = 0; chosen.size() < want && attempt < 64; ++attempt) {
        const auto s = static_cast<Index>(begin_prev + draw.pick(cumulative));
        if (std::find(chosen.begin(), chosen.end(), s) == chosen.end()) chosen.push_back(s);
      }
      for (std::size_t k = begin_prev; chosen.size() < want && k < end_prev; ++k) {  // heavy skew: fill in order
        if (std::find(chosen.begin(), chosen.end(), static_cast<Index>(k)) == chosen.end()) {
          chosen.push_back(static_cast<Index>(k));
        }
      }
      std::sort(chosen.begin(), chosen.end());
      for (const Index s : chosen) {
        Link link;
        link.from = s;
        link.to = f;
        link.material = static_cast<Index>(layer - 1);
        link.source = 0;
        link.volume = std::max(1.0, std::round(draw.uniform(0.2, 0.6) * std::min(capacity[s], cap)));
        ds.links.push_back(std::move(link));
      }
    }
    begin_prev = begin;
    end_prev = ds.facilities.size();
    cumulative.clear();
    cumulative.reserve(end_prev - begin_prev);
    double sum = 0;
    for (std::size_t k = begin_prev; k < end_prev; ++k) cumulative.push_back(sum += capacity[k]);
  }
  for (Facility& fac : ds.facilities) fac.name = fac.id;
  ds.build_indexes();
  return ds;
}

}  // namespace chokepoint
