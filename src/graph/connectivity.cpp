#include "chokepoint/graph/connectivity.hpp"

#include <algorithm>

namespace chokepoint {
namespace {

// One depth-first frame: a vertex, the edge it was entered by, and where it is in its out-row, then in-row.
struct Frame {
  Index vertex;
  Index via_edge;
  const Adjacent* next;
  const Adjacent* end;
  bool in_row;
};

class LowLink {
 public:
  LowLink(const SupplyGraph& graph, const GraphMask& mask)
      : graph_(graph), mask_(mask), discovered_(graph.vertex_count(), kNone), low_(graph.vertex_count(), 0),
        is_articulation_(graph.vertex_count(), 0) {}

  Biconnectivity run() {
    for (Index v = 0; v < graph_.vertex_count(); ++v) {
      if (mask_.vertex(v) && discovered_[v] == kNone) search_from(v);
    }
    Biconnectivity result;
    for (Index v = 0; v < graph_.vertex_count(); ++v) {
      if (is_articulation_[v]) result.articulation_points.push_back(v);
    }
    std::sort(bridges_.begin(), bridges_.end());
    result.bridges = std::move(bridges_);
    return result;
  }

 private:
  void discover(Index v, Index via) {
    discovered_[v] = low_[v] = clock_++;
    const auto out = graph_.out(v);
    // The search is a chain of dependent loads; asking for the neighbours' entries now overlaps the misses.
    for (const Adjacent& a : out) __builtin_prefetch(&discovered_[a.vertex]);
    for (const Adjacent& a : graph_.in(v)) __builtin_prefetch(&discovered_[a.vertex]);
    stack_.push_back({v, via, out.data(), out.data() + out.size(), false});
  }

  // The next undirected neighbour of the top frame, or nullptr when both rows are done.
  const Adjacent* advance(Frame& f) {
    if (f.next == f.end && !f.in_row) {
      const auto in = graph_.in(f.vertex);
      f.next = in.data();
      f.end = in.data() + in.size();
      f.in_row = true;
    }
    return f.next == f.end ? nullptr : f.next++;
  }

  void search_from(Index root) {
    Index root_children = 0;
    discover(root, kNone);
    while (!stack_.empty()) {
      Frame& f = stack_.back();
      if (const Adjacent* a = advance(f)) {
        const Index w = a->vertex;
        if (a->edge == f.via_edge || w == f.vertex || !mask_.edge(a->edge) || !mask_.vertex(w)) continue;
        if (discovered_[w] == kNone) {
          discover(w, a->edge);
        } else {
          low_[f.vertex] = std::min(low_[f.vertex], discovered_[w]);
        }
        continue;
      }
      const Frame done = f;
      stack_.pop_back();
      if (stack_.empty()) break;
      const Index parent = stack_.back().vertex;
      low_[parent] = std::min(low_[parent], low_[done.vertex]);
      if (low_[done.vertex] > discovered_[parent]) bridges_.push_back(done.via_edge);
      if (parent == root) {
        ++root_children;
      } else if (low_[done.vertex] >= discovered_[parent]) {
        is_articulation_[parent] = 1;
      }
    }
    if (root_children >= 2) is_articulation_[root] = 1;
  }

  const SupplyGraph& graph_;
  const GraphMask& mask_;
  std::vector<Index> discovered_, low_;
  std::vector<std::uint8_t> is_articulation_;
  std::vector<Frame> stack_;
  std::vector<Index> bridges_;
  Index clock_ = 0;
};

}  // namespace

Biconnectivity articulation_points_and_bridges(const SupplyGraph& graph, const GraphMask& mask) {
  return LowLink(graph, mask).run();
}

}  // namespace chokepoint
