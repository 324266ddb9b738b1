#pragma once
/// G_e, the element subgraph: the facilities that handle rare earth e, the links whose material can
/// carry e, the root's edges to the mines of e, and how much e each facility can pass (cap_e).

#include <cstdint>
#include <optional>
#include <vector>

#include "chokepoint/core/date.hpp"
#include "chokepoint/graph/graph.hpp"
#include "chokepoint/model/dataset.hpp"

namespace chokepoint {

/// A set of rare earths: bit i is RE index i.
using ReMask = std::uint32_t;

/// What takes part in the views; scenarios override the activity vectors.
struct ViewOptions {
  std::optional<Date> as_of;                   ///< links must be active on this date (Link::active_on)
  std::vector<std::uint8_t> facility_active;   ///< per facility; empty: operating or ramping (is_producing)
  std::vector<std::uint8_t> link_active;       ///< per link; empty: Link::active_on(as_of)
};

/// Which rare earths each link and each facility's mixed stream can carry, iterated to a fixed point.
struct Carriage {
  std::vector<std::uint8_t> facility_active;  ///< per facility
  std::vector<std::uint8_t> link_active;      ///< per link: active itself and at both ends
  std::vector<ReMask> stream;                 ///< per facility: what its mixed outputs carry
  std::vector<ReMask> link;                   ///< per link: what it can carry (0 when inactive)
  std::vector<ReMask> emits;                  ///< per facility: what any of its outputs can carry
  int passes = 0;                             ///< facility updates until the fixed point
};

/// A mine's stream carries the elements of its distribution; any other facility's stream carries
/// what its active incoming links carry, less (separation, metal, alloy) what it separates into
/// fixed-composition outputs. Cycles are fine: the sets only grow, so the iteration ends.
Carriage compute_carriage(const Dataset& dataset, const ViewOptions& options = {});

/// G_e as a mask over a SupplyGraph, with each vertex's capacity for e.
struct ElementView {
  int element = 0;               ///< RE index 0..16
  GraphMask mask;                ///< facilities handling e, links carrying e, R -> facilities emitting e
  std::vector<double> capacity;  ///< per vertex, t/yr of contained e; infinity: unbounded (root, demand, no figures)
};

/// The view of rare earth `element` (RE index) over `graph`, built from `dataset`.
ElementView element_view(const Dataset& dataset, const SupplyGraph& graph, const Carriage& carriage, int element);
/// Every active facility and active link, whatever it carries; the root and its edges are off.
GraphMask overall_view(const SupplyGraph& graph, const Carriage& carriage);

/// cap_e(f): for each output, capacity (else production) times its e content: fixed composition via
/// Material::element_content(); a mine's mixed stream via distribution_e/100 x oxide factor; another
/// facility's mixed output (if its stream carries e) x oxide factor, an upper bound. Demand sinks and
/// facilities without any figure: infinity.
double element_capacity(const Dataset& dataset, const Carriage& carriage, Index facility, int element);

/// Tonnes of contained element `element` in `tonnes` of output `output` of facility `facility`:
/// fixed composition or a mine's mixed stream; nullopt for a mixed output of any other facility,
/// whose element mix the dataset does not fix.
std::optional<double> contained_tonnes(const Dataset& dataset, Index facility, const Output& output, double tonnes,
                                       int element);

}  // namespace chokepoint
