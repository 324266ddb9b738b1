#include "chokepoint/analysis/concentration.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <map>

#include <fmt/format.h>

#include "chokepoint/core/elements.hpp"
#include "structure_text.hpp"

namespace chokepoint {
namespace {

constexpr int kBases = 2;
constexpr int kTotalRow = kRareEarthCount;  // the all-rare-earths column after the 17 elements
constexpr int kColumns = kRareEarthCount + 1;

// What one tonne of a material holds: contained element by RE index, and REO equivalent.
struct MaterialContent {
  bool mixed = false;
  ReVector element{};
  double reo = 0;
};

MaterialContent content_of(const Material& m) {
  MaterialContent c;
  c.mixed = m.mixed;
  if (m.mixed) {
    c.reo = 1.0;  // mixed streams are given in t REO
    return c;
  }
  c.element = m.element_content();
  for (int re = 0; re < kRareEarthCount; ++re) {
    const auto i = static_cast<std::size_t>(re);
    if (c.element[i] > 0) c.reo += c.element[i] / rare_earths()[i].oxide_factor;
  }
  return c;
}

// Tonnes by [basis][stage][column][country slot]; slot 0 holds facilities without a country.
class Tally {
 public:
  Tally(std::size_t countries, std::size_t materials)
      : slots_(countries + 1), material_count_(materials), cells_(kBases * kStageCount * kColumns * slots_, 0.0),
        materials_(kBases * kStageCount * materials) {}

  double& cell(int basis, Stage stage, int column, Index country) {
    return cells_[((static_cast<std::size_t>(basis) * kStageCount + static_cast<std::size_t>(stage)) * kColumns +
                   static_cast<std::size_t>(column)) * slots_ + slot(country)];
  }
  double& material(int basis, Stage stage, Index m, Index country) {
    auto& v = materials_[material_slot(basis, stage, m)];
    if (v.empty()) v.assign(slots_, 0.0);
    return v[slot(country)];
  }
  const std::vector<double>* material_row(int basis, Stage stage, Index m) const {
    const auto& v = materials_[material_slot(basis, stage, m)];
    return v.empty() ? nullptr : &v;
  }
  std::vector<double> column(int basis, Stage stage, int column) const {
    const auto begin = cells_.begin() + static_cast<std::ptrdiff_t>(
        ((static_cast<std::size_t>(basis) * kStageCount + static_cast<std::size_t>(stage)) * kColumns +
         static_cast<std::size_t>(column)) * slots_);
    return {begin, begin + static_cast<std::ptrdiff_t>(slots_)};
  }

 private:
  static std::size_t slot(Index country) { return country == kNone ? 0 : static_cast<std::size_t>(country) + 1; }
  [[nodiscard]] std::size_t material_slot(int basis, Stage stage, Index m) const {
    return (static_cast<std::size_t>(basis) * kStageCount + static_cast<std::size_t>(stage)) * material_count_ + m;
  }
  std::size_t slots_;
  std::size_t material_count_;
  std::vector<double> cells_;
  std::vector<std::vector<double>> materials_;
};

void add_output(const Dataset& d, const std::vector<MaterialContent>& content, Index f, const Output& o, int basis,
                double tonnes, Index country, Tally& tally) {
  const Facility& facility = d.facilities[f];
  const MaterialContent& c = content[o.material];
  tally.material(basis, facility.stage, o.material, country) += tonnes;
  tally.cell(basis, facility.stage, kTotalRow, country) += tonnes * c.reo;
  if (!c.mixed) {
    for (int re = 0; re < kRareEarthCount; ++re) {
      const double x = c.element[static_cast<std::size_t>(re)];
      if (x > 0) tally.cell(basis, facility.stage, re, country) += tonnes * x;
    }
  } else if (facility.stage == Stage::mine && facility.has_distribution) {
    for (int re = 0; re < kRareEarthCount; ++re) {
      const auto i = static_cast<std::size_t>(re);
      const double pct = facility.distribution[i];
      if (pct <= 0) continue;
      tally.cell(basis, facility.stage, re, country) += tonnes * pct / 100.0 * rare_earths()[i].oxide_factor;
    }
  }
}

std::string what_of(const Dataset& d, const ConcentrationRow& row) {
  if (row.element >= 0) return std::string(rare_earths()[static_cast<std::size_t>(row.element)].symbol);
  if (row.material != kNone) return d.materials[row.material].id;
  return "rare-earth";
}

std::string describe(const Dataset& d, const ConcentrationRow& row) {
  if (row.shares.empty()) return {};
  const Country& top = d.countries[row.shares.front().country];
  return fmt::format("{} holds {} of {} {} {}; HHI {:.0f} ({})", top.name.empty() ? top.code : top.name,
                     structure_text::percent(row.shares.front().share / 100), what_of(d, row), stage_name(row.stage),
                     share_basis_name(row.basis), row.hhi, concentration_band_name(row.band));
}

ConcentrationRow make_row(const Dataset& d, const std::vector<double>& tonnes, Stage stage, int element,
                          Index material, int basis, CountryKey key) {
  ConcentrationRow row;
  row.stage = stage;
  row.element = element;
  row.material = material;
  row.basis = static_cast<ShareBasis>(basis);
  row.key = key;
  row.unattributed = tonnes[0];
  for (Index c = 0; c + 1 < tonnes.size(); ++c) {
    if (tonnes[c + 1] > 0) row.shares.push_back({c, tonnes[c + 1], 0.0});
  }
  compute_indices(d, row);
  return row;
}

void add_rows(const Dataset& d, const Tally& tally, int basis, CountryKey key, std::vector<ConcentrationRow>& rows) {
  std::vector<Index> by_id(d.materials.size());
  for (Index m = 0; m < by_id.size(); ++m) by_id[m] = m;
  std::sort(by_id.begin(), by_id.end(), [&](Index a, Index b) { return d.materials[a].id < d.materials[b].id; });
  for (int s = 0; s < kStageCount; ++s) {
    const auto stage = static_cast<Stage>(s);
    for (int column = 0; column < kColumns; ++column) {
      ConcentrationRow row = make_row(d, tally.column(basis, stage, column), stage,
                                      column == kTotalRow ? -1 : column, kNone, basis, key);
      if (row.total > 0 || row.unattributed > 0) rows.push_back(std::move(row));
    }
    for (Index m : by_id) {
      const std::vector<double>* tonnes = tally.material_row(basis, stage, m);
      if (tonnes == nullptr) continue;
      ConcentrationRow row = make_row(d, *tonnes, stage, -1, m, basis, key);
      if (row.total > 0 || row.unattributed > 0) rows.push_back(std::move(row));
    }
  }
}

std::vector<Bottleneck> bottlenecks(const Dataset& d, const std::vector<ConcentrationRow>& rows) {
  std::map<std::pair<int, int>, const ConcentrationRow*> best;  // (basis, element) -> row
  for (const ConcentrationRow& row : rows) {
    if (row.element < 0 || row.shares.empty()) continue;
    const auto k = std::make_pair(static_cast<int>(row.basis), row.element);
    auto it = best.find(k);
    // Rows come in stage order, so a tie keeps the earlier stage.
    if (it == best.end() || row.hhi > it->second->hhi) best[k] = &row;
  }
  std::vector<Bottleneck> result;
  for (const auto& [k, row] : best) {
    const Country& top = d.countries[row->shares.front().country];
    const std::string symbol(rare_earths()[static_cast<std::size_t>(row->element)].symbol);
    result.push_back({row->element, row->basis, row->stage, row->hhi,
                      fmt::format("{} is the most concentrated stage of {} {}: HHI {:.0f} ({}), {} {}",
                                  stage_name(row->stage), symbol, share_basis_name(row->basis), row->hhi,
                                  concentration_band_name(row->band), top.name.empty() ? top.code : top.name,
                                  structure_text::percent(row->shares.front().share / 100))});
  }
  return result;
}

}  // namespace

const char* share_basis_name(ShareBasis b) { return b == ShareBasis::production ? "production" : "capacity"; }
const char* country_key_name(CountryKey k) { return k == CountryKey::location ? "location" : "owner"; }
const char* concentration_band_name(ConcentrationBand b) {
  switch (b) {
    case ConcentrationBand::unconcentrated: return "unconcentrated";
    case ConcentrationBand::moderate: return "moderately concentrated";
    case ConcentrationBand::high: return "highly concentrated";
  }
  return "";
}

ConcentrationBand concentration_band(double hhi) {
  if (hhi < 1500) return ConcentrationBand::unconcentrated;
  if (hhi <= 2500) return ConcentrationBand::moderate;
  return ConcentrationBand::high;
}

void compute_indices(const Dataset& dataset, ConcentrationRow& row) {
  row.total = 0;
  for (const CountryShare& s : row.shares) row.total += s.tonnes;
  row.hhi = row.cr1 = row.cr3 = row.equivalent_suppliers = row.wgi_coverage = 0;
  row.hhi_wgi.reset();
  if (row.total <= 0) return;
  for (CountryShare& s : row.shares) s.share = 100.0 * s.tonnes / row.total;
  std::sort(row.shares.begin(), row.shares.end(), [&](const CountryShare& a, const CountryShare& b) {
    if (a.tonnes != b.tonnes) return a.tonnes > b.tonnes;
    return dataset.countries[a.country].code < dataset.countries[b.country].code;
  });
  for (std::size_t i = 0; i < row.shares.size(); ++i) {
    const CountryShare& s = row.shares[i];
    row.hhi += s.share * s.share;
    if (i < 3) row.cr3 += s.share;
    if (const auto& wgi = dataset.countries[s.country].wgi) {
      row.hhi_wgi = row.hhi_wgi.value_or(0.0) + s.share * s.share * (2.5 - *wgi) * 2.0;
      row.wgi_coverage += s.share;
    }
  }
  row.cr1 = row.shares.front().share;
  row.equivalent_suppliers = 10000.0 / row.hhi;
  row.band = concentration_band(row.hhi);
  row.evidence = describe(dataset, row);
}

ConcentrationReport analyze_concentration(const Dataset& dataset, const ConcentrationOptions& options) {
  const Dataset& d = dataset;
  assert(options.facility_active.empty() || options.facility_active.size() == d.facilities.size());
  ConcentrationReport report;
  report.dataset = d.label();
  report.method = fmt::format(
      "country shares by {} of operating and ramping facilities' output in t/yr of contained element "
      "(t REO for all rare earths, the material's basis per material); production: {}; capacity: the outputs' "
      "capacity figures; HHI with DOJ/FTC 2010 bands; HHI_WGI with WGI scaled as (2.5 - wgi) x 2 (EU CRM "
      "methodology)",
      country_key_name(options.key),
      options.baseline ? "what each output carries in the baseline flow" : "the outputs' production figures");
  std::vector<MaterialContent> content;
  for (const Material& m : d.materials) content.push_back(content_of(m));
  Tally tally(d.countries.size(), d.materials.size());
  // is_producing per status, looked up once: it is out of line, and this loop runs per facility.
  std::array<bool, kStatusCount> producing{};
  for (int st = 0; st < kStatusCount; ++st) producing[static_cast<std::size_t>(st)] = is_producing(static_cast<Status>(st));
  const std::size_t count = d.facilities.size();
  constexpr std::size_t kAhead = 32;
  for (Index f = 0; f < count; ++f) {
    // The scan is memory-bound: a facility is 240 bytes and its outputs are a separate heap block,
    // reached through it. Fetch the facility kAhead places ahead and the outputs of the one half as
    // far ahead now, so those misses overlap with this facility's work instead of following one
    // another.
    if (f + kAhead < count) {
      __builtin_prefetch(&d.facilities[f + kAhead].country);
      // The fields read may straddle two cache lines: also fetch the one just past `outputs`.
      __builtin_prefetch(&d.facilities[f + kAhead].outputs + 1);
    }
    if (f + kAhead / 2 < count) __builtin_prefetch(d.facilities[f + kAhead / 2].outputs.data());
    const Facility& facility = d.facilities[f];
    const bool active = options.facility_active.empty() ? producing[static_cast<std::size_t>(facility.status)]
                                                        : options.facility_active[f] != 0;
    if (!active) continue;
    const Index country = options.key == CountryKey::location ? facility.country : facility.owner();
    for (std::size_t k = 0; k < facility.outputs.size(); ++k) {
      const Output& o = facility.outputs[k];
      if (options.baseline) {
        const double produced = options.baseline->output_tonnes(f, k);
        if (produced > 0) add_output(d, content, f, o, 0, produced, country, tally);
      } else if (o.production) {
        add_output(d, content, f, o, 0, *o.production, country, tally);
      }
      if (o.capacity) add_output(d, content, f, o, 1, *o.capacity, country, tally);
    }
  }
  for (int basis = 0; basis < kBases; ++basis) add_rows(d, tally, basis, options.key, report.rows);
  report.bottlenecks = bottlenecks(d, report.rows);
  return report;
}

}  // namespace chokepoint
