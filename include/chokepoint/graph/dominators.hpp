#pragma once
/// Dominator trees: one Cooper-Harvey-Kennedy pass (2001) in topological order when the view is
/// acyclic, else Lengauer & Tarjan 1979 (TOPLAS 1(1)) in the semi-NCA variant of Georgiadis 2005.

#include <span>
#include <vector>

#include "chokepoint/graph/graph.hpp"

namespace chokepoint {

/// Immediate dominator of each vertex reachable from `entry` over usable edges; kNone for the
/// entry itself and for vertices it cannot reach. Iterative: safe on 10^6-vertex paths.
std::vector<Index> immediate_dominators(const SupplyGraph& graph, const GraphMask& mask, Index entry);

/// The vertices that dominate every reachable one of `targets`, from `entry` down to their nearest
/// common dominator (a target is listed only if it dominates all the others); empty if none is reachable.
std::vector<Index> common_dominators(const std::vector<Index>& idom, Index entry, std::span<const Index> targets);

}  // namespace chokepoint
