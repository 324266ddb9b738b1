#pragma once
/// Breadth-first reachability over a masked SupplyGraph.

#include <cstdint>
#include <span>
#include <vector>

#include "chokepoint/graph/graph.hpp"

namespace chokepoint {

/// Vertices reachable from any of `sources` along usable edges (1 = reached); off sources reach nothing.
std::vector<std::uint8_t> reachable_from(const SupplyGraph& graph, const GraphMask& mask,
                                         std::span<const Index> sources);
/// Vertices from which any of `targets` can be reached: the targets' upstream cone.
std::vector<std::uint8_t> reaching(const SupplyGraph& graph, const GraphMask& mask, std::span<const Index> targets);
/// Is any of `targets` reachable from `source`? Stops at the first one found.
bool reaches(const SupplyGraph& graph, const GraphMask& mask, Index source, std::span<const Index> targets);

}  // namespace chokepoint
