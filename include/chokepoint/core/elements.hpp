#pragma once
/// The chemical elements, with the 17 rare earths and their oxide factors built in.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace chokepoint {

/// Atomic number (1..118); 0 is "no element".
using Element = std::uint8_t;

inline constexpr int kRareEarthCount = 17;

/// A rare-earth element: its standard oxide and the oxide-to-element mass factor.
struct RareEarth {
  Element element;
  std::string_view symbol;
  std::string_view name;
  std::string_view oxide;     ///< e.g. "Dy2O3"
  double oxide_factor;        ///< element mass / oxide mass, e.g. 0.8713 for Dy2O3
  bool heavy;                 ///< heavy rare earth (Gd..Lu and Y), the IUPAC/USGS grouping
};

/// The 17 rare earths in order Sc, Y, La..Lu; index 0..16 is the "RE index" used in arrays.
const std::array<RareEarth, kRareEarthCount>& rare_earths();
/// The symbol of any element ("Fe"), or "" for 0 or out of range.
std::string_view element_symbol(Element e);
/// Looks up a symbol, case-sensitive ("Dy", not "DY").
std::optional<Element> parse_element(std::string_view symbol);
/// RE index 0..16 of a rare earth, or -1 for any other element.
int rare_earth_index(Element e);
bool is_rare_earth(Element e);

/// A per-rare-earth vector of quantities (tonnes of contained element), indexed by RE index.
using ReVector = std::array<double, kRareEarthCount>;

}  // namespace chokepoint
