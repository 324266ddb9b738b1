#pragma once
/// A seeded synthetic rare-earth chain for benchmarks and tests (the chain of
/// ../shared/reference/performance.md): mines 30%, separators 10%, metal converters 15%, magnet
/// plants 20%, demand sinks 25%; about 40 countries skewed per stage; integer log-normal
/// capacities; each non-mine facility draws 3-6 distinct suppliers from the previous layer,
/// weighted by capacity, 5% single-sourced; link volumes 20-60% of the smaller end's capacity.

#include <cstddef>
#include <cstdint>

#include "chokepoint/model/dataset.hpp"

namespace chokepoint {

/// Facilities per layer of a synthetic chain of `facilities` facilities (they sum to it).
struct SyntheticLayers {
  std::size_t mines = 0, separators = 0, metal = 0, magnet = 0, demand = 0;
};
SyntheticLayers synthetic_layers(std::size_t facilities);

/// Builds the chain in memory, indexes built, deterministic for a seed on every platform
/// (std::mt19937_64 and hand-written inverse-CDF draws). Facilities are ordered by layer, links
/// by customer. Needs at least 5 facilities (one per layer); throws std::invalid_argument otherwise.
Dataset generate_chain(std::size_t facilities, std::uint64_t seed);

}  // namespace chokepoint
