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
/// For each group of vertices: 1 when, with the group's vertices switched off as well, no target
/// is reachable from `source` (the group cuts the source off from every target), else 0. A
/// target or the source in a group stays on. Each group is one depth-first search (from the source,
/// or back from the targets when they are fewer than the source's out-edges) that stops at the
/// first target (or at the source) it meets, in one workspace for all groups: a group that cuts
/// nothing usually costs a path's length, not a search of the whole graph.
std::vector<std::uint8_t> cut_off_by_each(const SupplyGraph& graph, const GraphMask& mask, Index source,
                                          std::span<const Index> targets,
                                          std::span<const std::vector<Index>> groups);

}  // namespace chokepoint
