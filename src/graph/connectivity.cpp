#include "chokepoint/graph/connectivity.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <utility>

#include "level_sort.hpp"

namespace chokepoint {
namespace {

// Why not Hopcroft and Tarjan's depth-first search (what Boost's biconnected_components does, and
// what this file did up to 2026-12-06): each step of a depth-first search learns its next vertex
// only when the previous vertex's row has arrived, so at 10^6 vertices the search is a chain of
// about 870,000 dependent cache misses. On the benchmark machine one costs 135-200 ns, and that
// search could not go below about 0.15 s however its memory was laid out (docs/performance.md,
// run H).
//
// This file follows Tarjan and Vishkin ("An efficient parallel biconnectivity algorithm", SIAM J.
// Comput. 14(4), 1985), whose criteria hold for *any* rooted spanning tree, not only a depth-first
// one. A breadth-first tree can be grown with many misses in flight (the queue says which rows come
// next, so they are prefetched), and every later pass walks arrays in breadth-first order. Each
// level of the search is sorted by vertex before it is scanned, so that it reads the rows in the
// order they are stored rather than at random (any order within a level leaves a breadth-first tree).
//
// With the tree's vertices numbered in preorder, nd(v) the size of v's subtree, and low(v) and
// high(v) the smallest and largest preorder number that v's subtree reaches by at most one non-tree
// edge (its own numbers included):
//
//   - the tree edge p(v)-v is a bridge iff low(v) >= pre(v) and high(v) < pre(v) + nd(v): no
//     non-tree edge leaves v's subtree ("v's subtree is closed");
//   - the blocks (biconnected components) are the connected components of an auxiliary graph whose
//     nodes are the tree edges, each named by its lower end v, joined
//       (1) for every non-tree edge u-w whose ends are unrelated (neither is the other's ancestor):
//           p(u)-u with p(w)-w;
//       (2) for every tree edge v-w, v not a root, whose subtree reaches outside v's subtree
//           (low(w) < pre(v) or high(w) >= pre(v) + nd(v)): p(v)-v with v-w;
//   - a vertex is an articulation point iff the tree edges at it lie in two or more blocks.
//
// Most vertices are decided from their children alone, without the auxiliary graph:
//   - a child's subtree is closed: that tree edge is a bridge, a block of its own, so the vertex is
//     an articulation point if it has another tree edge (a parent, or for a root a second child);
//   - every child's subtree reaches outside the vertex's subtree: rule (2) puts every tree edge at
//     the vertex in one block, so it is not one; nor is a leaf, nor a root with one child.
// Trees are rooted at a vertex with one edge where the component has one, so the root is decided
// too. Only when some vertex is left (a child whose subtree reaches only into its siblings', or a
// root with several children none of them closed) are the auxiliary graph's components computed,
// in a union-find forest (Rem's algorithm with splicing, the fastest in Patwary, Blair and Manne,
// "Experiments on union-find algorithms for the disjoint-set data structure", SEA 2010). On the
// synthetic chain of 10^6 facilities no vertex is left.
//
// A breadth-first tree has no non-tree edge between a vertex and an ancestor other than its parent
// (its ends are at most one level apart), and one to the parent is a parallel edge.

// Per breadth-first position, what the passes after the search read together.
struct Node {
  Index pre;    // preorder number
  Index size;   // vertices in the subtree
  Index low;    // smallest preorder number the subtree reaches by at most one non-tree edge
  Index high;   // largest
};

// Is the vertex of `a` in the subtree of the vertex of `b`?
bool descends(const Node& a, const Node& b) { return b.pre <= a.pre && a.pre < b.pre + b.size; }

// Does the subtree of the vertex of `b` reach outside the subtree of the vertex of `of`?
bool leaves_subtree(const Node& b, const Node& of) { return b.low < of.pre || b.high >= of.pre + of.size; }

class Biconnect {
 public:
  Biconnect(const SupplyGraph& graph, const GraphMask& mask) : graph_(graph), mask_(mask) {}

  Biconnectivity run(const BiconnectivityOptions& options) {
    search();
    number();
    reach();
    Biconnectivity result;
    std::vector<Index> cuts = articulation_points();
    if (!options.sizes) {
      for (Index& b : cuts) b = vertex_[b];
      sort_distinct(cuts, graph_.vertex_count());
      sort_distinct(bridges_, graph_.edge_count());
      result.articulation_points = std::move(cuts);
      result.bridges = std::move(bridges_);
      return result;
    }
    bridge_sides(result);
    const std::vector<ArticulationSplit> split = splits(cuts);
    // By vertex, each with its split.
    const auto count = static_cast<Index>(cuts.size());
    std::vector<Index> vertex(count), pieces(count), largest(count), total(count);
    for (Index k = 0; k < count; ++k) {
      vertex[k] = vertex_[cuts[k]];
      pieces[k] = split[k].pieces;
      largest[k] = split[k].largest;
      total[k] = split[k].total;
    }
    std::vector<Index> room(4 * static_cast<std::size_t>(count));
    const auto at = [&](std::size_t i) { return room.data() + i * count; };
    level_sort::sort<4>({vertex.data(), pieces.data(), largest.data(), total.data()}, {at(0), at(1), at(2), at(3)},
                        count, graph_.vertex_count());
    result.articulation_splits.resize(count);
    for (Index k = 0; k < count; ++k) result.articulation_splits[k] = {pieces[k], largest[k], total[k]};
    result.articulation_points = std::move(vertex);
    return result;
  }

 private:
  // Sorts distinct values below `bound` through a bitmap: at 10^6 facilities, 92,651 bridges in
  // 0.4 MiB of bits instead of a comparison sort (about 3 ms each way).
  static void sort_distinct(std::vector<Index>& values, Index bound) {
    std::vector<std::uint64_t> bits((static_cast<std::size_t>(bound) + 63) / 64, 0);
    for (const Index v : values) bits[v >> 6] |= std::uint64_t{1} << (v & 63);
    values.clear();
    for (std::size_t w = 0; w < bits.size(); ++w) {
      for (std::uint64_t word = bits[w]; word != 0; word &= word - 1) {
        values.push_back(static_cast<Index>(w * 64 + static_cast<std::size_t>(std::countr_zero(word))));
      }
    }
  }

  // The bridges sorted, and their sides: a bridge is the tree edge above a closed subtree, which is
  // one side, and the rest of its tree (a tree is one run of positions, from its root) the other.
  void bridge_sides(Biconnectivity& result) {
    const auto count = static_cast<Index>(bridges_.size());
    std::vector<Index> edge = std::move(bridges_), source(count), target(count);
    // reach() found them from the last position back: their roots come in descending order too.
    for (std::size_t k = 0, r = roots_.size(); k < count; ++k) {
      const Index b = bridge_child_[k];
      while (roots_[r - 1] > b) --r;
      const Index below = node_[b].size;
      const Index rest = node_[roots_[r - 1]].size - below;
      const bool below_source = graph_.source(edge[k]) == vertex_[b];
      source[k] = below_source ? below : rest;
      target[k] = below_source ? rest : below;
    }
    std::vector<Index> room(3 * static_cast<std::size_t>(count));
    level_sort::sort<3>({edge.data(), source.data(), target.data()},
                        {room.data(), room.data() + count, room.data() + 2 * static_cast<std::size_t>(count)}, count,
                        graph_.edge_count());
    result.bridge_sides.resize(count);
    for (Index k = 0; k < count; ++k) result.bridge_sides[k] = {source[k], target[k]};
    result.bridges = std::move(edge);
  }

  // A vertex's state in the search, two bits a vertex, 32 to a word: a quarter of a MiB at 10^6
  // vertices, so it stays in the core's own cache while the rows stream through.
  static constexpr std::uint64_t kOff = 0, kUnseen = 1, kSeen = 2;
  [[nodiscard]] std::uint64_t state(Index v) const { return states_[v >> 5] >> (2 * (v & 31)) & 3; }

  // Breadth-first forest over every switched-on vertex, level by level, each level sorted by vertex
  // before it is scanned. Fills the breadth-first order (`vertex_`), each position's parent position
  // and tree edge, and each non-tree edge from both its ends: at each position, the vertices at the
  // other ends of its non-tree edges (cross_, up to cross_end_).
  void search() {
    const Index n = graph_.vertex_count();
    states_.assign((static_cast<std::size_t>(n) + 31) / 32, 0);
    for (Index v = 0; v < n; ++v) {
      if (mask_.vertex(v)) states_[v >> 5] |= kUnseen << (2 * (v & 31));
    }
    // + 1: the scratch slot of a branch-free append. Nothing is read before it is written, so the
    // arrays are not cleared first.
    capacity_ = n + 1;
    vertex_ = std::make_unique_for_overwrite<Index[]>(capacity_);
    parent_ = std::make_unique_for_overwrite<Index[]>(capacity_);
    parent_edge_ = std::make_unique_for_overwrite<Index[]>(capacity_);
    cross_ = std::make_unique_for_overwrite<Index[]>(2 * static_cast<std::size_t>(graph_.edge_count()) + 1);
    cross_end_ = std::make_unique_for_overwrite<Index[]>(n);
    // The edge switches as bits (0.4 MiB at 3 * 10^6 edges, where the byte per edge of a GraphMask
    // would not stay in cache): one read a row entry.
    std::vector<std::uint64_t>& edge_on = edge_on_;
    edge_on.assign((static_cast<std::size_t>(graph_.edge_count()) + 63) / 64, ~std::uint64_t{0});
    if (!mask_.edge_on.empty()) {
      for (Index e = 0; e < graph_.edge_count(); ++e) {
        if (mask_.edge_on[e] == 0) edge_on[e >> 6] &= ~(std::uint64_t{1} << (e & 63));
      }
    }
    const auto usable = [&](Index e) { return (edge_on[e >> 6] >> (e & 63) & 1) != 0; };
    Index tail = 0;
    std::size_t crossed = 0;
    const auto grow = [&](Index root) {
      roots_.push_back(tail);
      states_[root >> 5] ^= std::uint64_t{3} << (2 * (root & 31));   // kUnseen (01) -> kSeen (10)
      vertex_[tail] = root;
      parent_[tail] = kNone;
      parent_edge_[tail] = kNone;
      Index level_end = tail + 1;
      for (Index b = tail++; b < tail; ++b) {
        if (b == level_end) {   // the previous level is done: [b, tail) is the next
          sort_level(b, tail);
          level_end = tail;
        }
        // What the vertices a few places ahead in the queue will read, so that their misses overlap:
        // where their rows are, and the rows (first and last line: most rows are one or two lines).
        // Prefetching the states and edge switches the next row leads to as well saved time before
        // the levels were sorted, and costs time since (0.045 -> 0.050 s at 10^6).
        if (b + 2 * kAhead < tail) graph_.prefetch_row_bounds(vertex_[b + 2 * kAhead]);
        if (b + kAhead < tail) {
          const auto row = graph_.both(vertex_[b + kAhead]);
          __builtin_prefetch(row.data());
          __builtin_prefetch(reinterpret_cast<const char*>(row.data() + row.size()) - 1);
        }
        // Branch-free: whether a neighbour is new, seen or switched off is a coin toss for the branch
        // predictor, and each wrong guess would throw away the misses in flight. The slot after the
        // last is written every time and kept only when it counts.
        const Index u = vertex_[b];
        const Index up = parent_edge_[b];
        for (const Adjacent& a : graph_.both(u)) {
          const Index w = a.vertex;
          std::uint64_t& word = states_[w >> 5];
          const unsigned shift = 2 * (w & 31);
          // An edge switched off or a self-loop counts as leading to a switched-off vertex.
          const std::uint64_t on = (edge_on[a.edge >> 6] >> (a.edge & 63) & 1) & (w != u ? 1 : 0);
          const std::uint64_t st = (word >> shift & 3) * on;
          const std::uint64_t fresh = st == kUnseen ? 1 : 0;
          word ^= (fresh * 3) << shift;
          vertex_[tail] = w;
          parent_[tail] = b;
          parent_edge_[tail] = a.edge;
          tail += static_cast<Index>(fresh);
          cross_[crossed] = w;
          crossed += (st == kSeen) & (a.edge != up) ? 1 : 0;
        }
        cross_end_[b] = static_cast<Index>(crossed);
      }
    };
    // Roots with one edge first (see the top of the file); then whatever is left, isolated vertices
    // included (each a tree of its own).
    for (Index s = 0; s < n; ++s) {
      if (state(s) != kUnseen) continue;
      int edges = 0;
      for (const Adjacent& a : graph_.both(s)) {
        edges += a.vertex != s && usable(a.edge) && state(a.vertex) != kOff ? 1 : 0;
        if (edges > 1) break;
      }
      if (edges == 1) grow(s);
    }
    for (Index s = 0; s < n; ++s) {
      if (state(s) == kUnseen) grow(s);
    }
    count_ = tail;
  }

  // Sorts positions [begin, end), one level of the search, by vertex (level_sort.hpp). The scratch
  // space is the arrays' room after `end`, which the next levels fill anyway, so it costs no fresh
  // memory; when that room is short, a buffer.
  void sort_level(Index begin, Index end) {
    const Index count = end - begin;
    if (count < level_sort::kSmallest) return;
    std::array<Index*, 3> room{vertex_.get() + end, parent_.get() + end, parent_edge_.get() + end};
    if (capacity_ - end < count) {
      scratch_.resize(3 * static_cast<std::size_t>(count));
      room = {scratch_.data(), scratch_.data() + count, scratch_.data() + 2 * static_cast<std::size_t>(count)};
    }
    level_sort::sort<3>({vertex_.get() + begin, parent_.get() + begin, parent_edge_.get() + begin}, room, count,
                        graph_.vertex_count());
  }

  // Subtree sizes (children come after their parent in breadth-first order), then preorder numbers:
  // a tree's root takes its own position (a tree is one run of positions in both orders), and each
  // parent hands its children, in breadth-first order, the numbers after its own.
  void number() {
    node_.assign(count_, Node{0, 1, 0, 0});
    for (Index b = count_; b-- > 0;) {
      // A level is sorted by vertex, so consecutive positions have parents far apart: ask for them ahead.
      if (b >= kAheadParent && parent_[b - kAheadParent] != kNone) __builtin_prefetch(&node_[parent_[b - kAheadParent]]);
      if (parent_[b] != kNone) node_[parent_[b]].size += node_[b].size;
    }
    // Every vertex of the forest gets its number before any is read; the others are never read.
    pre_of_ = std::make_unique_for_overwrite<Index[]>(graph_.vertex_count());
    for (Index b = 0; b < count_; ++b) {
      // `low` holds the next number to hand out until reach() sets it.
      if (b + kAheadParent < count_ && parent_[b + kAheadParent] != kNone) __builtin_prefetch(&node_[parent_[b + kAheadParent]]);
      const Index p = parent_[b];
      Node& x = node_[b];
      if (p == kNone) {
        x.pre = b;
      } else {
        x.pre = node_[p].low;
        node_[p].low += x.size;
      }
      x.low = x.pre + 1;
      pre_of_[vertex_[b]] = x.pre;
    }
  }

  // low and high: each vertex's own non-tree edges (listed from both ends, so each updates only its
  // own position), then up the tree in reverse breadth-first order. A vertex's values are final when
  // the reverse walk reaches it, so the same walk finds the bridges and what each vertex's children
  // say about it (see the top of the file).
  void reach() {
    const Index total = count_ == 0 ? 0 : cross_end_[count_ - 1];
    for (Index b = 0, i = 0; b < count_; ++b) {
      Node& x = node_[b];
      Index low = x.pre, high = x.pre;
      for (; i < cross_end_[b]; ++i) {
        // The row ends are a coin toss for the branch predictor, and a wrong guess drops the loads
        // in flight: ask for the preorder numbers well ahead.
        if (i + kAheadCross < total) __builtin_prefetch(&pre_of_[cross_[i + kAheadCross]]);
        const Index pw = pre_of_[cross_[i]];
        low = std::min(low, pw);
        high = std::max(high, pw);
      }
      x.low = low;
      x.high = high;
    }
    children_.assign(count_, 0);
    for (Index b = count_; b-- > 0;) {
      if (b >= kAheadParent && parent_[b - kAheadParent] != kNone) {   // as in number()
        __builtin_prefetch(&node_[parent_[b - kAheadParent]]);
        __builtin_prefetch(&children_[parent_[b - kAheadParent]]);
      }
      const Index p = parent_[b];
      if (p == kNone) continue;
      const Node& x = node_[b];
      Node& up = node_[p];
      up.low = std::min(up.low, x.low);
      up.high = std::max(up.high, x.high);
      std::uint8_t& f = children_[p];
      f |= (f & kChild) != 0 ? kChildren : kChild;
      if (!leaves_subtree(x, x)) {
        f |= kClosed | kStays;
        children_[b] |= kBelowBridge;   // b's own flags are complete: its children came before it
        bridges_.push_back(parent_edge_[b]);
        bridge_child_.push_back(b);
      } else if (!leaves_subtree(x, up)) {
        f |= kStays | kOpenStays;
      }
    }
  }

  // The articulation points' positions, ascending, each marked kCut in children_.
  std::vector<Index> articulation_points() {
    std::vector<Index> out;
    for (Index b = 0; b < count_; ++b) {
      const std::uint8_t f = children_[b];
      const bool root = parent_[b] == kNone;
      if ((f & kClosed) != 0 && (!root || (f & kChildren) != 0)) {
        out.push_back(b);
      } else if (root ? (f & kChildren) != 0 : (f & kStays) != 0) {
        out = from_blocks();
        break;
      }
    }
    for (const Index b : out) children_[b] |= kCut;
    return out;
  }

  // What losing each articulation point (positions `cuts`, ascending) leaves of its tree: the
  // pieces are the blocks at it less itself (a vertex's blocks meet only in it). Most are found
  // from the children alone: when each child is either closed (a piece of its own, below a bridge)
  // or reaches beyond the vertex's subtree (the piece of its parent, with everything outside the
  // subtree). A child that stays inside without being closed may share a piece with siblings:
  // the subtrees of such children are searched (split_by_search; on the synthetic chain of 10^6
  // facilities, at one of 69,579 articulation points), unless they hold more vertices in all than
  // the forest, where the blocks (a union-find over every tree edge) are the cheaper way.
  std::vector<ArticulationSplit> splits(const std::vector<Index>& cuts) {
    std::vector<Index> open;                    // places in `cuts`
    std::vector<std::vector<Index>> children;   // parallel to `open`: children_of each
    std::size_t searched = 0;
    for (std::size_t k = 0; k < cuts.size(); ++k) {
      if ((children_[cuts[k]] & kOpenStays) == 0) continue;
      open.push_back(static_cast<Index>(k));
      children.push_back(children_of(cuts[k]));
      for (const Index c : children.back()) searched += kind(c, cuts[k]) == Child::open ? node_[c].size : 0;
    }
    const bool by_blocks = searched > count_;
    if (by_blocks && forest_.empty()) unite_blocks();
    std::vector<ArticulationSplit> out(cuts.size());
    for (std::size_t k = 0, r = 0; k < cuts.size(); ++k) {   // roots_ and cuts both ascend
      while (r + 1 < roots_.size() && roots_[r + 1] <= cuts[k]) ++r;
      out[k].total = node_[roots_[r]].size - 1;
    }
    if (!by_blocks) {
      for (std::size_t i = 0; i < open.size(); ++i) {   // before `low` changes, below
        split_by_search(cuts[open[i]], children[i], out[open[i]]);
      }
    }
    // From here on a cut vertex's `low` holds its place in `cuts` (the decisions that read it are made).
    for (std::size_t k = 0; k < cuts.size(); ++k) node_[cuts[k]].low = static_cast<Index>(k);
    if (!by_blocks) {
      std::vector<Index> closed(cuts.size(), 0);   // the vertices below each cut vertex's bridges
      for (Index b = 0; b < count_; ++b) {
        const Index p = parent_[b];
        if (p == kNone || (children_[b] & kBelowBridge) == 0 || (children_[p] & kCut) == 0) continue;
        if ((children_[p] & kOpenStays) != 0) continue;   // searched above
        const Index k = node_[p].low;
        ++out[k].pieces;
        out[k].largest = std::max(out[k].largest, node_[b].size);
        closed[k] += node_[b].size;
      }
      for (std::size_t k = 0; k < cuts.size(); ++k) {
        if ((children_[cuts[k]] & kOpenStays) != 0) continue;   // searched above
        add_piece(out[k], out[k].total - closed[k]);   // the parent's piece (none at a root)
      }
      return out;
    }
    // (cut, block, vertices): each child's subtree, and above a cut vertex that is not a root
    // everything outside its subtree, in the block of the tree edge that leads there.
    std::vector<std::array<Index, 3>> parts;
    for (Index b = 0; b < count_; ++b) {
      const Index p = parent_[b];
      if (p != kNone && (children_[p] & kCut) != 0) parts.push_back({node_[p].low, find(b), node_[b].size});
    }
    for (std::size_t k = 0; k < cuts.size(); ++k) {
      const Index b = cuts[k];
      if (parent_[b] != kNone) parts.push_back({static_cast<Index>(k), find(b), out[k].total + 1 - node_[b].size});
    }
    std::sort(parts.begin(), parts.end());
    for (std::size_t i = 0; i < parts.size();) {
      const Index k = parts[i][0], block = parts[i][1];
      Index piece = 0;
      for (; i < parts.size() && parts[i][0] == k && parts[i][1] == block; ++i) piece += parts[i][2];
      ++out[k].pieces;
      out[k].largest = std::max(out[k].largest, piece);
    }
    return out;
  }

  enum class Child : std::uint8_t { closed, leaves, open };
  // What the subtree of c, a child of the vertex at position b, reaches by its non-tree edges.
  [[nodiscard]] Child kind(Index c, Index b) const {
    if ((children_[c] & kBelowBridge) != 0) return Child::closed;
    return leaves_subtree(node_[c], node_[b]) ? Child::leaves : Child::open;
  }

  // The children of the vertex at position b, by preorder number. In a breadth-first tree a
  // vertex's neighbours inside its subtree are one level down: its children.
  std::vector<Index> children_of(Index b) {
    if (position_.empty()) {
      position_.assign(graph_.vertex_count(), kNone);
      for (Index x = 0; x < count_; ++x) position_[vertex_[x]] = x;
    }
    const Index v = vertex_[b];
    std::vector<Index> out;
    for (const Adjacent& a : graph_.both(v)) {
      if (!usable_from(v, a)) continue;
      const Index c = position_[a.vertex];
      if (parent_[c] == b) out.push_back(c);
    }
    std::sort(out.begin(), out.end(), [&](Index x, Index y) { return node_[x].pre < node_[y].pre; });
    out.erase(std::unique(out.begin(), out.end()), out.end());   // parallel edges
    return out;
  }

  // Can a search at v go on along a? Not back to the vertex given up, nor along a switched-off
  // edge or to a switched-off vertex (the search's bits: they stay in cache where the mask's bytes
  // would not).
  [[nodiscard]] bool usable_from(Index v, const Adjacent& a) const {
    return a.vertex != v && (edge_on_[a.edge >> 6] >> (a.edge & 63) & 1) != 0 && state(a.vertex) != kOff;
  }

  static void add_piece(ArticulationSplit& split, Index vertices) {
    if (vertices == 0) return;
    ++split.pieces;
    split.largest = std::max(split.largest, vertices);
  }

  // The pieces of the cut vertex at position b (`children`: children_of(b)), some of whose
  // children's subtrees reach only inside its subtree without being closed: a search from each
  // such child without the vertex, which stops at the subtrees of children that reach outside
  // (their piece is the parent's).
  void split_by_search(Index b, const std::vector<Index>& children, ArticulationSplit& split) {
    const Index v = vertex_[b];
    // The preorder numbers that start and end the subtrees of the children that reach outside.
    std::vector<std::pair<Index, Index>> outward;
    for (const Index c : children) {
      if (kind(c, b) == Child::leaves) outward.emplace_back(node_[c].pre, node_[c].pre + node_[c].size);
    }
    const auto reaches_outside = [&](Index w) {
      if (outward.empty()) return false;
      const Index pre = pre_of_[w];
      const auto it = std::upper_bound(outward.begin(), outward.end(), std::pair(pre, kNone));
      return it != outward.begin() && pre < std::prev(it)->second;
    };
    if (seen_.empty()) seen_.assign((static_cast<std::size_t>(graph_.vertex_count()) + 63) / 64, 0);
    const auto seen = [&](Index w) { return (seen_[w >> 6] >> (w & 63) & 1) != 0; };
    const auto see = [&](Index w) { seen_[w >> 6] |= std::uint64_t{1} << (w & 63); };
    split.pieces = split.largest = 0;
    Index alone = 0;   // the vertices of the pieces that are not the parent's
    std::vector<Index> queue;
    for (const Index c : children) {
      const Child k = kind(c, b);
      if (k == Child::closed) {
        add_piece(split, node_[c].size);
        alone += node_[c].size;
      }
      if (k != Child::open || seen(vertex_[c])) continue;
      const std::size_t from = queue.size();
      queue.push_back(vertex_[c]);
      see(vertex_[c]);
      bool leaves = false;
      for (std::size_t i = from; i < queue.size(); ++i) {
        if (i + 2 * kAhead < queue.size()) graph_.prefetch_row_bounds(queue[i + 2 * kAhead]);
        if (i + kAhead < queue.size()) {   // as in search()
          const auto row = graph_.both(queue[i + kAhead]);
          __builtin_prefetch(row.data());
          __builtin_prefetch(reinterpret_cast<const char*>(row.data() + row.size()) - 1);
        }
        for (const Adjacent& a : graph_.both(queue[i])) {
          if (!usable_from(v, a) || seen(a.vertex)) continue;
          // Every usable neighbour is in v's subtree (an open child's subtree reaches nowhere
          // else, and neither does what it reaches but the subtrees of children that leave).
          if (reaches_outside(a.vertex)) {
            leaves = true;
            continue;
          }
          see(a.vertex);
          queue.push_back(a.vertex);
        }
      }
      if (!leaves) {
        const auto vertices = static_cast<Index>(queue.size() - from);
        add_piece(split, vertices);
        alone += vertices;
      }
    }
    for (const Index w : queue) seen_[w >> 6] = 0;
    add_piece(split, split.total - alone);   // the parent's piece (none at a root)
  }

  // The auxiliary graph's components (the top of the file), in forest_.
  void unite_blocks() {
    forest_.resize(count_);
    for (Index b = 0; b < count_; ++b) forest_[b] = b;
    for (Index b = 0; b < count_; ++b) {   // rule (2)
      const Index p = parent_[b];
      if (p != kNone && parent_[p] != kNone && leaves_subtree(node_[b], node_[p])) unite(b, p);
    }
    std::vector<Index> position(graph_.vertex_count());
    for (Index b = 0; b < count_; ++b) position[vertex_[b]] = b;
    for (Index u = 0, i = 0; u < count_; ++u) {   // rule (1), each edge from both ends
      for (; i < cross_end_[u]; ++i) {
        const Index w = position[cross_[i]];
        if (!descends(node_[u], node_[w]) && !descends(node_[w], node_[u])) unite(u, w);
      }
    }
  }

  // Every vertex by the auxiliary graph's components: positions, ascending.
  std::vector<Index> from_blocks() {
    unite_blocks();
    // Compare each child's block with the block of its parent's own tree edge (a root: with the
    // block of the child met first). The levels are sorted, so a vertex's children need not be one
    // run of positions.
    std::vector<Index> block(count_, kNone);   // per position: the block its children share, or not
    std::vector<std::uint8_t> split(count_, 0);
    for (Index b = 0; b < count_; ++b) {
      const Index p = parent_[b];
      if (p == kNone) continue;
      if (block[p] == kNone) block[p] = find(parent_[p] != kNone ? p : b);
      if (find(b) != block[p]) split[p] = 1;
    }
    std::vector<Index> out;
    for (Index b = 0; b < count_; ++b) {
      if (split[b] != 0) out.push_back(b);
    }
    return out;
  }

  // Rem's union with splicing: parents only ever point to higher positions, and each step hangs the
  // lower side's node under the other side's parent.
  void unite(Index x, Index y) {
    std::vector<Index>& p = forest_;
    while (p[x] != p[y]) {
      if (p[x] > p[y]) std::swap(x, y);   // x: the side whose parent is lower
      if (p[x] == x) {
        p[x] = p[y];
        return;
      }
      const Index z = p[x];
      p[x] = p[y];
      x = z;
    }
  }

  Index find(Index x) {
    std::vector<Index>& p = forest_;
    while (p[x] != x) {
      p[x] = p[p[x]];
      x = p[x];
    }
    return x;
  }

  static constexpr Index kAhead = 8;   // queue places between prefetching a row and reading it
  static constexpr Index kAheadCross = 32;
  static constexpr Index kAheadParent = 16;
  // What a vertex's children say about it (children_).
  // kStays: a child's subtree reaches only inside the vertex's (kOpenStays: and is not closed);
  // kBelowBridge: the vertex's own subtree is closed; kCut: the vertex is an articulation point.
  static constexpr std::uint8_t kChild = 1, kChildren = 2, kStays = 4, kClosed = 8, kOpenStays = 16,
                                kBelowBridge = 32, kCut = 64;

  const SupplyGraph& graph_;
  const GraphMask& mask_;
  std::vector<std::uint64_t> states_;
  Index count_ = 0;                       // vertices in the forest
  // Per breadth-first position:
  std::size_t capacity_ = 0;              // entries of vertex_, parent_ and parent_edge_
  std::unique_ptr<Index[]> vertex_, parent_, parent_edge_;
  std::vector<Index> forest_;
  std::vector<Node> node_;
  std::vector<std::uint8_t> children_;
  std::unique_ptr<Index[]> pre_of_;       // per vertex: its preorder number
  std::vector<Index> scratch_;            // sort_level's, when the arrays have no room
  // Non-tree edges from both ends: the other ends' vertices, position by position; a position's run
  // ends at cross_end_.
  std::unique_ptr<Index[]> cross_;
  std::unique_ptr<Index[]> cross_end_;
  std::vector<std::uint64_t> edge_on_;  // per edge, a bit: switched on (search())
  std::vector<std::uint64_t> seen_;   // split_by_search's marks, a bit a vertex; all 0 between searches
  std::vector<Index> position_;      // per vertex, for children_of; filled at its first call
  std::vector<Index> roots_;         // the positions of the trees' roots, ascending
  std::vector<Index> bridges_;       // edge ids, as reach() finds them
  std::vector<Index> bridge_child_;  // parallel to bridges_: the position below the bridge
};

}  // namespace

Biconnectivity articulation_points_and_bridges(const SupplyGraph& graph, const GraphMask& mask,
                                              const BiconnectivityOptions& options) {
  // Positions and non-tree edge ends (two per edge) are 32-bit.
  if (graph.vertex_count() >= kNone || 2 * static_cast<std::size_t>(graph.edge_count()) >= kNone) {
    throw std::length_error("articulation_points_and_bridges: graph too large for 32-bit indices");
  }
  return Biconnect(graph, mask).run(options);
}

namespace {
// The vertices joined to `start` by usable edges without passing vertex `avoid` or edge
// `avoid_edge`, in `piece` (start first); false, with `piece` cut short, once there are more than
// `most`. For small pieces: `piece` is searched linearly.
bool bounded_piece(const SupplyGraph& graph, const GraphMask& mask, Index start, Index avoid, Index avoid_edge,
                   std::size_t most, std::vector<Index>& piece) {
  piece.assign(1, start);
  for (std::size_t k = 0; k < piece.size(); ++k) {
    for (const Adjacent& b : graph.both(piece[k])) {
      if (b.vertex == avoid || b.edge == avoid_edge || !edge_usable(graph, mask, b.edge) ||
          std::find(piece.begin(), piece.end(), b.vertex) != piece.end()) {
        continue;
      }
      piece.push_back(b.vertex);
      if (piece.size() > most) return false;
    }
  }
  return true;
}
}  // namespace

std::vector<Index> bridge_side(const SupplyGraph& graph, const GraphMask& mask, Index edge, Index end, Index limit) {
  std::vector<Index> side;
  if (!bounded_piece(graph, mask, end, kNone, edge, limit, side)) return {};
  std::sort(side.begin(), side.end());
  return side;
}

// A piece other than the largest has at most split.total - split.largest vertices, so a search
// from a neighbour of v (not through v) that finds more is in the largest piece; where the largest
// is small enough to list, the searches find it whole. The searches start from the neighbours with
// the fewest links (those of a small piece have few) and stop once the pieces found hold every
// vertex cut off: at 10^6 facilities most cut vertices hold one facility with a single link, found
// by the first search.
CutOff cut_off_by(const SupplyGraph& graph, const GraphMask& mask, Index v, const ArticulationSplit& split,
                  Index limit) {
  const Index cut_off = split.total - split.largest;
  if (cut_off == 0 || cut_off > limit) return {};
  const bool list_largest = split.largest <= limit;
  const std::size_t most = std::max(cut_off, list_largest ? split.largest : 0);   // a search's
  std::vector<std::pair<std::size_t, Index>> starts;   // (links, neighbour)
  for (const Adjacent& a : graph.both(v)) {
    if (a.vertex != v && edge_usable(graph, mask, a.edge)) starts.emplace_back(graph.both(a.vertex).size(), a.vertex);
  }
  std::sort(starts.begin(), starts.end());
  std::vector<std::vector<Index>> pieces;
  std::vector<Index> piece;
  std::size_t found = 0;   // vertices in `pieces`
  const auto holds = [](const std::vector<Index>& set, Index x) { return std::find(set.begin(), set.end(), x) != set.end(); };
  const auto placed = [&](Index x) { return std::any_of(pieces.begin(), pieces.end(), [&](const auto& p) { return holds(p, x); }); };
  for (const auto& [links, start] : starts) {
    if (!list_largest && found == cut_off) break;   // the rest is the largest piece
    if (placed(start)) continue;
    if (bounded_piece(graph, mask, start, v, kNone, most, piece)) {   // else in the largest piece
      found += piece.size();
      pieces.push_back(piece);
    }
  }
  CutOff result;
  if (list_largest) {
    // Every piece was found whole (none is larger than `most`): the largest stays, the one with
    // the lowest vertex of those.
    const auto lowest = [](const std::vector<Index>& p) { return *std::min_element(p.begin(), p.end()); };
    std::size_t keep = pieces.size();
    for (std::size_t k = 0; k < pieces.size(); ++k) {
      if (pieces[k].size() == split.largest && (keep == pieces.size() || lowest(pieces[k]) < lowest(pieces[keep]))) {
        keep = k;
      }
    }
    if (keep < pieces.size()) {
      result.stays = std::move(pieces[keep]);
      pieces.erase(pieces.begin() + static_cast<std::ptrdiff_t>(keep));
      std::sort(result.stays.begin(), result.stays.end());
    }
  }
  for (const auto& p : pieces) result.cut_off.insert(result.cut_off.end(), p.begin(), p.end());
  std::sort(result.cut_off.begin(), result.cut_off.end());
  return result;
}

}  // namespace chokepoint
