#pragma once
/// Betweenness centrality of directed graphs (Brandes 2001, "A faster algorithm for betweenness
/// centrality", J. Math. Sociology 25(2)), with optional source sampling (Brandes & Pich 2007).

#include <cstdint>
#include <span>
#include <vector>

#include "chokepoint/graph/graph.hpp"

namespace chokepoint {

/// How shortest paths are measured and which sources are used.
struct BetweennessOptions {
  std::span<const double> length;  ///< per edge id, > 0 (infinite: unusable); empty: every edge has length 1
  Index sample_sources = 0;        ///< use this many sources drawn at random, scaled up; 0: every vertex
  std::uint64_t seed = 1;          ///< the draw is deterministic for a seed
};

/// Betweenness of every vertex over directed usable edges: sum over pairs s != v != t of the share
/// of shortest s -> t paths through v. Path counts are doubles, so layered graphs do not overflow.
std::vector<double> betweenness(const SupplyGraph& graph, const GraphMask& mask,
                                const BetweennessOptions& options = {});

}  // namespace chokepoint
