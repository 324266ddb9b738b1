#include "chokepoint/graph/connectivity.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace chokepoint {
namespace {

// Why not a plain depth-first search over SupplyGraph's rows: at 10^6 vertices the search is a
// chain of dependent cache misses (vertex -> row offsets -> out-row and in-row -> each neighbour's
// edge mask, vertex mask and discovery number -> the next vertex), about 300 ns a vertex. This file
// first copies the usable undirected adjacency into one flat array of 32-bit words in which each
// vertex is a header followed by its row:
//
//   word pos(v)     : kUnseen | v until the search reaches v, then v's discovery number
//   word pos(v) + 1 : the end of v's row (one past its last word)
//   words after     : pos(w) of each neighbour w (masks applied, self-loops dropped; a two-way
//                     link or parallel edge appears once per edge)
//
// A row entry leads straight to the neighbour's header, and the header shares a cache line with the
// start of the neighbour's row. So when v is discovered, one prefetch per neighbour fetches both
// what the scan of v's row will test (is w discovered?) and what the step down to w will read (w's
// row): about one exposed miss per vertex instead of three or more.
//
// Edge ids are left out of the rows: the tree edge to the parent is skipped by its first occurrence
// in the row (a second occurrence is a parallel edge and so a back edge), and each bridge's id is
// looked up afterwards (a bridge has no parallel edge, so the pair of vertices names it).
struct Layout {
  std::vector<Index> words;
  std::vector<Index> pos;  // per vertex: where its header is
};

constexpr Index kHeader = 2;
constexpr Index kUnseen = 0x80000000u;  // the top bit of a header's first word: not discovered yet

Layout layout(const SupplyGraph& graph, const GraphMask& mask) {
  const Index n = graph.vertex_count();
  Layout l;
  l.pos.resize(n);
  const std::size_t most = 2 * static_cast<std::size_t>(graph.edge_count()) + kHeader * static_cast<std::size_t>(n);
  if (most >= kNone || n >= kUnseen) throw std::length_error("articulation_points_and_bridges: graph too large for 32-bit rows");
  l.words.reserve(most);
  // Pass 1, in vertex order (sequential reads): headers and rows of neighbour *vertices*.
  for (Index v = 0; v < n; ++v) {
    l.pos[v] = static_cast<Index>(l.words.size());
    l.words.push_back(kUnseen | v);
    l.words.push_back(0);
    if (mask.vertex(v)) {
      for (const Adjacent& a : graph.out(v)) {
        if (a.vertex != v && mask.edge(a.edge) && mask.vertex(a.vertex)) l.words.push_back(a.vertex);
      }
      for (const Adjacent& a : graph.in(v)) {
        if (a.vertex != v && mask.edge(a.edge) && mask.vertex(a.vertex)) l.words.push_back(a.vertex);
      }
    }
    l.words[l.pos[v] + 1] = static_cast<Index>(l.words.size());
  }
  // Pass 2: neighbour vertices to header positions (independent loads, so they overlap).
  for (Index v = 0; v < n; ++v) {
    for (Index i = l.pos[v] + kHeader; i < l.words[l.pos[v] + 1]; ++i) l.words[i] = l.pos[l.words[i]];
  }
  return l;
}

// The id of the one usable edge between u and v (a bridge has no parallel edge).
Index edge_between(const SupplyGraph& graph, const GraphMask& mask, Index u, Index v) {
  for (const Adjacent& a : graph.out(u)) {
    if (a.vertex == v && mask.edge(a.edge)) return a.edge;
  }
  for (const Adjacent& a : graph.in(u)) {
    if (a.vertex == v && mask.edge(a.edge)) return a.edge;
  }
  return kNone;
}

// One depth-first frame: a vertex (by header position) and its discovery number, its parent's
// header position, where it is in its row, and whether the tree edge to the parent was skipped.
struct Frame {
  Index pos;
  Index number;
  Index parent;
  Index next;
  Index end;
  bool parent_skipped;
};

// Hopcroft-Tarjan low points, iterative. Per-vertex state other than the discovery number is kept
// by discovery number (low, articulation flag, the vertex itself), so it is written in order and
// read back along the stack: no scattered accesses.
class LowLink {
 public:
  explicit LowLink(Layout& l) : l_(l), words_(l.words) {
    const std::size_t n = l.pos.size();
    low_.resize(n);
    vertex_of_.resize(n);
    is_articulation_.assign(n, 0);
  }

  void run() {
    for (Index v = 0; v < l_.pos.size(); ++v) {
      const Index p = l_.pos[v];
      if ((words_[p] & kUnseen) != 0 && words_[p + 1] != p + kHeader) search_from(v);
    }
  }

  std::vector<Index> articulation_points() const {
    std::vector<Index> out;
    for (Index d = 0; d < clock_; ++d) {
      if (is_articulation_[d]) out.push_back(vertex_of_[d]);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::vector<std::pair<Index, Index>> bridges;  // (parent, child) vertices

 private:
  void discover(Index v, Index p, Index parent) {
    const Index number = clock_++;
    words_[p] = number;
    low_[number] = number;
    vertex_of_[number] = v;
    const Index begin = p + kHeader, end = words_[p + 1];
    for (Index i = begin; i < end; ++i) __builtin_prefetch(&words_[words_[i]]);
    stack_.push_back({p, number, parent, begin, end, false});
  }

  void search_from(Index root) {
    Index root_children = 0;
    discover(root, l_.pos[root], kNone);
    while (!stack_.empty()) {
      Frame& f = stack_.back();
      if (f.next != f.end) {
        const Index w = words_[f.next++];
        if (w == f.parent && !f.parent_skipped) {
          f.parent_skipped = true;
          continue;
        }
        const Index number = words_[w];
        if ((number & kUnseen) != 0) {
          discover(number & ~kUnseen, w, f.pos);
        } else {
          low_[f.number] = std::min(low_[f.number], number);
        }
        continue;
      }
      const Frame done = f;
      stack_.pop_back();
      if (stack_.empty()) break;
      const Frame& parent = stack_.back();
      low_[parent.number] = std::min(low_[parent.number], low_[done.number]);
      if (low_[done.number] > parent.number) bridges.emplace_back(vertex_of_[parent.number], vertex_of_[done.number]);
      if (parent.number == first_) {
        ++root_children;
      } else if (low_[done.number] >= parent.number) {
        is_articulation_[parent.number] = 1;
      }
    }
    if (root_children >= 2) is_articulation_[first_] = 1;
    first_ = clock_;
  }

  Layout& l_;
  std::vector<Index>& words_;
  std::vector<Index> low_, vertex_of_;
  std::vector<std::uint8_t> is_articulation_;
  std::vector<Frame> stack_;
  Index clock_ = 0;
  Index first_ = 0;  // the discovery number of the current search's root
};

}  // namespace

Biconnectivity articulation_points_and_bridges(const SupplyGraph& graph, const GraphMask& mask) {
  Layout l = layout(graph, mask);
  LowLink search(l);
  search.run();
  Biconnectivity result;
  result.articulation_points = search.articulation_points();
  result.bridges.reserve(search.bridges.size());
  for (const auto& [u, v] : search.bridges) result.bridges.push_back(edge_between(graph, mask, u, v));
  std::sort(result.bridges.begin(), result.bridges.end());
  return result;
}

}  // namespace chokepoint
