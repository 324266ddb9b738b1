#pragma once
// Phrases shared by the structural analyses' evidence sentences.

#include <string>

#include <fmt/format.h>

#include "chokepoint/core/elements.hpp"
#include "chokepoint/model/dataset.hpp"

namespace chokepoint::structure_text {

inline std::string symbol(int re) { return std::string(rare_earths()[static_cast<std::size_t>(re)].symbol); }

inline std::string country(const Dataset& d, Index c) {
  if (c == kNone) return "an unknown country";
  return d.countries[c].name.empty() ? d.countries[c].code : d.countries[c].name;
}

/// "lynas-malaysia (separation, Malaysia)".
inline std::string facility(const Dataset& d, Index f) {
  const Facility& x = d.facilities[f];
  return fmt::format("{} ({}, {})", x.id, stage_name(x.stage), country(d, x.country));
}

/// Tonnes with precision that suits their size: 1234, 12.3, 0.0123.
inline std::string tonnes(double t) {
  if (t >= 100) return fmt::format("{:.0f}", t);
  if (t >= 1) return fmt::format("{:.1f}", t);
  return fmt::format("{:.3g}", t);
}

/// A share 0..1 as a percentage: "4%", "3.7%", "62%", "<0.1%", ">99.9%"; never rounds to 0% or 100%.
inline std::string percent(double share) {
  const double p = share * 100;
  if (p == static_cast<double>(static_cast<long long>(p))) return fmt::format("{:.0f}%", p);
  if (p < 0.05) return "<0.1%";
  if (p > 99.95) return ">99.9%";
  if (p < 10 || p > 99.5) return fmt::format("{:.1f}%", p);
  return fmt::format("{:.0f}%", p);
}

}  // namespace chokepoint::structure_text
