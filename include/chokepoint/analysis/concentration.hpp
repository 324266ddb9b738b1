#pragma once
/// Concentration per stage, element and material (analyses.md): country shares of production and
/// of capacity, HHI with the US DOJ/FTC bands, CR1, CR3, equivalent number of suppliers, the EU
/// supply-risk HHI_WGI, and each element's bottleneck stage. Sources in docs/methodology.md.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chokepoint/analysis/flow.hpp"
#include "chokepoint/model/dataset.hpp"

namespace chokepoint {

/// Which figure of an output is shared out.
enum class ShareBasis : std::uint8_t { production, capacity };
/// Which country a facility counts for.
enum class CountryKey : std::uint8_t { location, owner };
/// HHI bands of the US DOJ/FTC Horizontal Merger Guidelines (2010).
enum class ConcentrationBand : std::uint8_t { unconcentrated, moderate, high };

const char* share_basis_name(ShareBasis b);
const char* country_key_name(CountryKey k);
const char* concentration_band_name(ConcentrationBand b);
/// < 1500 unconcentrated, 1500..2500 moderate, > 2500 high.
ConcentrationBand concentration_band(double hhi);

/// Which facilities count and by which country.
struct ConcentrationOptions {
  CountryKey key = CountryKey::location;       ///< location (Facility::country) or owner (Facility::owner())
  std::vector<std::uint8_t> facility_active;   ///< per facility; empty: operating or ramping (is_producing)
  /// The production basis: each output's tonnes in this baseline flow (analyses.md: "a stage's
  /// baseline production"); null: the outputs' declared `production` figures.
  const FlowResult* baseline = nullptr;
};

/// One country's part of a row.
struct CountryShare {
  Index country = kNone;
  double tonnes = 0;
  double share = 0;  ///< percent, 0..100
};

/// Shares of one stage's production or capacity, for one element, all rare earths, or one material.
struct ConcentrationRow {
  Stage stage = Stage::mine;
  int element = -1;              ///< RE index: tonnes of contained element; -1: see `material`
  Index material = kNone;        ///< a material, in its own basis; kNone with element -1: all rare earths, t REO
  ShareBasis basis = ShareBasis::production;
  CountryKey key = CountryKey::location;
  double total = 0;              ///< tonnes with a country
  double unattributed = 0;       ///< tonnes of facilities without a country (not in the shares)
  std::vector<CountryShare> shares;  ///< share descending, then country code
  double hhi = 0;                ///< sum of share^2, 0..10,000
  double cr1 = 0;                ///< largest share, percent
  double cr3 = 0;                ///< three largest shares, percent
  double equivalent_suppliers = 0;  ///< 10,000 / HHI
  ConcentrationBand band = ConcentrationBand::unconcentrated;
  std::optional<double> hhi_wgi; ///< sum of share^2 x (2.5 - wgi) x 2 over countries with a wgi
  double wgi_coverage = 0;       ///< percent of the total from countries with a wgi
  std::string evidence;          ///< "China holds 91% of Dy separation production; HHI 8300 (high)"
};

/// The stage with the highest HHI for one element and basis.
struct Bottleneck {
  int element = 0;
  ShareBasis basis = ShareBasis::production;
  Stage stage = Stage::mine;
  double hhi = 0;
  std::string evidence;
};

/// Every row and bottleneck.
struct ConcentrationReport {
  std::string dataset;                 ///< Dataset::label()
  std::string method;                  ///< how the figures were made, for report headers
  std::vector<ConcentrationRow> rows;  ///< basis, stage, then elements by RE index, all rare earths, materials by id
  std::vector<Bottleneck> bottlenecks; ///< basis, then RE index
};

/// Shares of a list of country tonnes: HHI, CR1, CR3, equivalent suppliers, band, HHI_WGI.
void compute_indices(const Dataset& dataset, ConcentrationRow& row);

/// Concentration of every stage with output, per element, all rare earths and material, for
/// production and capacity. Element tonnes: fixed composition x element content; a mine's mixed
/// stream x distribution/100 x oxide factor; a mixed output of any other facility counts only in
/// the all-rare-earths and material rows (its element mix is not fixed by the data).
ConcentrationReport analyze_concentration(const Dataset& dataset, const ConcentrationOptions& options = {});

}  // namespace chokepoint
