#include "chokepoint/core/elements.hpp"

namespace chokepoint {
namespace {

// Symbols by atomic number (index 0 unused).
constexpr std::array<std::string_view, 119> kSymbols = {
    "",   "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si",
    "P",  "S",  "Cl", "Ar", "K",  "Ca", "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu",
    "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y",  "Zr", "Nb", "Mo", "Tc", "Ru",
    "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I",  "Xe", "Cs", "Ba", "La", "Ce", "Pr",
    "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W",
    "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac",
    "Th", "Pa", "U",  "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf",
    "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og"};

// Oxide factors = element mass / oxide mass from standard atomic weights (IUPAC 2021):
// for M2O3, 2M / (2M + 3 x 15.999); CeO2, Pr6O11 and Tb4O7 as the traded oxides.
constexpr std::array<RareEarth, kRareEarthCount> kRareEarths = {{
    {21, "Sc", "scandium", "Sc2O3", 0.6520, false},
    {39, "Y", "yttrium", "Y2O3", 0.7874, true},
    {57, "La", "lanthanum", "La2O3", 0.8527, false},
    {58, "Ce", "cerium", "CeO2", 0.8141, false},
    {59, "Pr", "praseodymium", "Pr6O11", 0.8277, false},
    {60, "Nd", "neodymium", "Nd2O3", 0.8574, false},
    {61, "Pm", "promethium", "Pm2O3", 0.8580, false},
    {62, "Sm", "samarium", "Sm2O3", 0.8624, false},
    {63, "Eu", "europium", "Eu2O3", 0.8636, false},
    {64, "Gd", "gadolinium", "Gd2O3", 0.8676, true},
    {65, "Tb", "terbium", "Tb4O7", 0.8502, true},
    {66, "Dy", "dysprosium", "Dy2O3", 0.8713, true},
    {67, "Ho", "holmium", "Ho2O3", 0.8730, true},
    {68, "Er", "erbium", "Er2O3", 0.8745, true},
    {69, "Tm", "thulium", "Tm2O3", 0.8756, true},
    {70, "Yb", "ytterbium", "Yb2O3", 0.8782, true},
    {71, "Lu", "lutetium", "Lu2O3", 0.8794, true},
}};

}  // namespace

const std::array<RareEarth, kRareEarthCount>& rare_earths() { return kRareEarths; }

std::string_view element_symbol(Element e) { return e < kSymbols.size() ? kSymbols[e] : ""; }

std::optional<Element> parse_element(std::string_view symbol) {
  for (std::size_t z = 1; z < kSymbols.size(); ++z) {
    if (kSymbols[z] == symbol) return static_cast<Element>(z);
  }
  return std::nullopt;
}

int rare_earth_index(Element e) {
  if (e == 21) return 0;
  if (e == 39) return 1;
  if (e >= 57 && e <= 71) return 2 + (e - 57);
  return -1;
}

bool is_rare_earth(Element e) { return rare_earth_index(e) >= 0; }

}  // namespace chokepoint
