#pragma once
/// Sorting one level of a breadth-first search by vertex. A queue lists the vertices of a level in
/// the order they were found, so each row the level reads is a random place in memory; sorted by
/// vertex, the rows follow the order the graph stores them in, and the next row is mostly near the
/// last. Any order within a level is still breadth-first (connectivity.cpp, reachability.cpp).

#include <algorithm>
#include <array>
#include <cstddef>

#include "chokepoint/model/dataset.hpp"

namespace chokepoint::level_sort {

/// Levels smaller than this are left in queue order: a few rows cost as much in any order.
inline constexpr Index kSmallest = 256;

/// Sorts the `count` entries of arrays[0] (vertices below `bound`) ascending, moving the entries of
/// the other arrays along; room[k] has space for `count` entries, beside arrays[k]. Least
/// significant digit first, 11 bits a pass; the result ends in `arrays`.
template <std::size_t N>
void sort(const std::array<Index*, N>& arrays, const std::array<Index*, N>& room, Index count, Index bound) {
  if (std::is_sorted(arrays[0], arrays[0] + count)) return;   // say, the mines the root leads to
  std::array<std::array<Index*, N>, 2> at{arrays, room};
  std::size_t from = 0;
  for (unsigned shift = 0; shift < 32 && bound > 1 && (bound - 1) >> shift != 0; shift += 11) {
    std::array<Index, 2049> next{};
    const Index* keys = at[from][0];
    for (Index i = 0; i < count; ++i) ++next[(keys[i] >> shift & 2047) + 1];
    for (std::size_t d = 0; d < 2048; ++d) next[d + 1] += next[d];
    const std::size_t to = 1 - from;
    for (Index i = 0; i < count; ++i) {
      const Index k = next[keys[i] >> shift & 2047]++;
      for (std::size_t a = 0; a < N; ++a) at[to][a][k] = at[from][a][i];
    }
    from = to;
  }
  if (from == 1) {
    for (std::size_t a = 0; a < N; ++a) std::copy_n(room[a], count, arrays[a]);
  }
}

}  // namespace chokepoint::level_sort
