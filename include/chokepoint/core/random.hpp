#pragma once
/// Portable pseudo-random numbers: the same seed gives the same draws on every platform and
/// standard library (std:: distributions do not promise that).

#include <cstdint>

namespace chokepoint {

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014):
/// advances `state` and returns the next 64-bit value.
inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// A double uniform in [0, 1) from the top 53 bits of a 64-bit draw.
inline double unit_interval(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

}  // namespace chokepoint
