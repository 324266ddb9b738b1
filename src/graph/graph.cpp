#include "chokepoint/graph/graph.hpp"

#include <algorithm>
#include <cassert>
#include <stdexcept>

namespace chokepoint {
void SupplyGraph::index_edges() {
  const std::size_t edges = edge_source_.size();
  if (2 * edges >= (std::size_t{1} << 32)) throw std::length_error("SupplyGraph: too many edges for 32-bit rows");
  const std::size_t rows = 2 * static_cast<std::size_t>(vertex_count_);
  offset_.assign(rows + 1, 0);
  for (std::size_t e = 0; e < edges; ++e) {
    ++offset_[2 * std::size_t{edge_source_[e]} + 1];
    ++offset_[2 * std::size_t{edge_target_[e]} + 2];
  }
  for (std::size_t r = 0; r < rows; ++r) offset_[r + 1] += offset_[r];
  rows_.resize(2 * edges);
  std::vector<Index> next(offset_.begin(), offset_.end() - 1);
  for (Index e = 0; e < edges; ++e) {
    rows_[next[2 * std::size_t{edge_source_[e]}]++] = {edge_target_[e], e};
    rows_[next[2 * std::size_t{edge_target_[e]} + 1]++] = {edge_source_[e], e};
  }
  order_vertices();
}

void SupplyGraph::order_vertices() {
  const Index n = vertex_count_;
  order_.clear();
  rank_.clear();
  // The vertices' own order, the root first: one pass over the edges checks it.
  const auto own_rank = [&](Index v) { return root_ == kNone ? v : v == root_ ? 0 : v < root_ ? v + 1 : v; };
  bool own = true;
  for (Index e = 0; e < edge_source_.size() && own; ++e) {
    const Index u = edge_source_[e], v = edge_target_[e];
    own = u == v || own_rank(u) < own_rank(v);
  }
  if (own) {
    order_.resize(n);
    rank_.resize(n);
    for (Index v = 0; v < n; ++v) {
      rank_[v] = own_rank(v);
      order_[rank_[v]] = v;
    }
    return;
  }
  std::vector<Index> waiting(n, 0);  // in-edges from vertices not yet placed
  for (Index e = 0; e < edge_source_.size(); ++e) {
    if (edge_source_[e] != edge_target_[e]) ++waiting[edge_target_[e]];
  }
  order_.reserve(n);
  for (Index v = 0; v < n; ++v) {
    if (waiting[v] == 0) order_.push_back(v);
  }
  for (std::size_t i = 0; i < order_.size(); ++i) {
    const Index u = order_[i];
    for (const Adjacent& a : out(u)) {
      if (a.vertex != u && --waiting[a.vertex] == 0) order_.push_back(a.vertex);
    }
  }
  if (order_.size() != n) {  // a cycle
    order_ = std::vector<Index>();  // not `= {}`, which would keep the buffer
    return;
  }
  rank_.resize(n);
  for (Index r = 0; r < n; ++r) rank_[order_[r]] = r;
}

SupplyGraph SupplyGraph::build(const Dataset& dataset, const GraphOptions& options) {
  SupplyGraph g;
  g.facility_count_ = static_cast<Index>(dataset.facilities.size());
  g.root_ = g.facility_count_;
  g.vertex_count_ = g.facility_count_ + 1;
  g.link_count_ = static_cast<Index>(dataset.links.size());
  g.edge_source_.reserve(dataset.links.size() + dataset.facilities.size() / 2);
  g.edge_target_.reserve(g.edge_source_.capacity());
  for (const Link& link : dataset.links) {
    assert(link.from < g.facility_count_ && link.to < g.facility_count_);
    g.edge_source_.push_back(link.from);
    g.edge_target_.push_back(link.to);
  }
  const auto is_source = [&](Stage s) {
    return std::find(options.source_stages.begin(), options.source_stages.end(), s) != options.source_stages.end();
  };
  for (Index f = 0; f < g.facility_count_; ++f) {
    if (!is_source(dataset.facilities[f].stage)) continue;
    g.edge_source_.push_back(g.root_);
    g.edge_target_.push_back(f);
  }
  g.index_edges();
  return g;
}

SupplyGraph SupplyGraph::from_arcs(Index vertex_count, std::span<const Arc> arcs) {
  SupplyGraph g;
  g.vertex_count_ = vertex_count;
  g.facility_count_ = vertex_count;
  g.link_count_ = static_cast<Index>(arcs.size());
  g.edge_source_.reserve(arcs.size());
  g.edge_target_.reserve(arcs.size());
  for (const Arc& a : arcs) {
    assert(a.from < vertex_count && a.to < vertex_count);
    g.edge_source_.push_back(a.from);
    g.edge_target_.push_back(a.to);
  }
  g.index_edges();
  return g;
}

GraphMask restrict_to(const GraphMask& mask, const std::vector<std::uint8_t>& keep) {
  GraphMask out{keep, mask.edge_on};
  if (!mask.vertex_on.empty()) {
    for (std::size_t v = 0; v < keep.size(); ++v) out.vertex_on[v] &= mask.vertex_on[v];
  }
  return out;
}

}  // namespace chokepoint
