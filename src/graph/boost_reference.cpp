#include "chokepoint/graph/boost_reference.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <utility>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/betweenness_centrality.hpp>
#include <boost/graph/biconnected_components.hpp>
#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/dominator_tree.hpp>
#include <boost/graph/push_relabel_max_flow.hpp>

namespace boost {
// CSR has no free degree(), which BidirectionalGraphConcept (and so the dominator tree) requires (#330).
template <class VP, class EP, class GP, class Vx, class EI>
Vx degree(Vx v, const compressed_sparse_row_graph<bidirectionalS, VP, EP, GP, Vx, EI>& g) {
  return static_cast<Vx>(in_degree(v, g) + out_degree(v, g));
}
}  // namespace boost

namespace chokepoint {
namespace {

struct Length {
  double value = 1.0;
};
using CsrGraph = boost::compressed_sparse_row_graph<boost::bidirectionalS, boost::no_property, Length,
                                                    boost::no_property, std::uint32_t, std::uint32_t>;

std::vector<std::pair<Index, Index>> usable_pairs(const SupplyGraph& graph, const GraphMask& mask,
                                                  std::vector<Length>* lengths, std::span<const double> length) {
  std::vector<std::pair<Index, Index>> pairs;
  for (Index e = 0; e < graph.edge_count(); ++e) {
    if (!edge_usable(graph, mask, e)) continue;
    if (!length.empty() && !(length[e] < std::numeric_limits<double>::infinity())) continue;
    pairs.emplace_back(graph.source(e), graph.target(e));
    if (lengths != nullptr) lengths->push_back({length.empty() ? 1.0 : length[e]});
  }
  return pairs;
}

CsrGraph to_csr(const SupplyGraph& graph, const GraphMask& mask, std::span<const double> length) {
  std::vector<Length> lengths;
  const auto pairs = usable_pairs(graph, mask, &lengths, length);
  return CsrGraph(boost::edges_are_unsorted_multi_pass, pairs.begin(), pairs.end(), lengths.begin(),
                  graph.vertex_count());
}

}  // namespace

std::vector<Index> boost_immediate_dominators(const SupplyGraph& graph, const GraphMask& mask, Index entry) {
  const CsrGraph g = to_csr(graph, mask, {});
  using Vertex = boost::graph_traits<CsrGraph>::vertex_descriptor;
  const std::size_t n = num_vertices(g);
  const Vertex none = boost::graph_traits<CsrGraph>::null_vertex();
  auto index = get(boost::vertex_index, g);
  std::vector<std::size_t> dfnum(n, std::numeric_limits<std::size_t>::max());
  std::vector<Vertex> parent(n, none), order(n, none), idom(n, none);
  std::vector<Index> result(n, kNone);
  if (!mask.vertex(entry)) return result;
  boost::lengauer_tarjan_dominator_tree(g, entry, index, make_iterator_property_map(dfnum.begin(), index),
                                        make_iterator_property_map(parent.begin(), index), order,
                                        make_iterator_property_map(idom.begin(), index));
  for (std::size_t v = 0; v < n; ++v) result[v] = idom[v] == none ? kNone : idom[v];
  return result;
}

std::vector<Index> boost_articulation_points(const SupplyGraph& graph, const GraphMask& mask) {
  using Undirected = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
  Undirected g(graph.vertex_count());
  for (const auto& [u, v] : usable_pairs(graph, mask, nullptr, {})) {
    if (u != v) add_edge(u, v, g);
  }
  std::vector<Undirected::vertex_descriptor> points;
  boost::articulation_points(g, std::back_inserter(points));
  std::vector<Index> result(points.begin(), points.end());
  std::sort(result.begin(), result.end());
  return result;
}

std::vector<Index> boost_bridges(const SupplyGraph& graph, const GraphMask& mask) {
  // Boost 1.74's biconnected_components puts a parallel edge into the wrong block: in a triangle
  // 0-1-2 with a second edge 0-1 and a pendant edge 2-3, the second 0-1 lands in the pendant's
  // block (checked 2026-12-07). So Boost gets each joined pair of vertices once, with how many
  // edges join them; a bridge is an edge alone in its block and alone between its ends.
  struct Pair {
    Index edge = kNone;   // the first edge between the two vertices
    int edges = 0;
    std::size_t block = 0;
  };
  using Undirected = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, boost::no_property, Pair>;
  Undirected g(graph.vertex_count());
  std::map<std::pair<Index, Index>, Undirected::edge_descriptor> joined;
  for (Index e = 0; e < graph.edge_count(); ++e) {
    const Index u = graph.source(e), v = graph.target(e);
    if (!edge_usable(graph, mask, e) || u == v) continue;
    const auto [at, added] = joined.try_emplace(std::minmax(u, v));
    if (added) at->second = add_edge(u, v, Pair{e, 0, 0}, g).first;
    ++g[at->second].edges;
  }
  const std::size_t blocks = boost::biconnected_components(g, get(&Pair::block, g));
  std::vector<std::size_t> pairs_in(blocks, 0);
  for (const auto& e : boost::make_iterator_range(boost::edges(g))) ++pairs_in[g[e].block];
  std::vector<Index> result;
  for (const auto& e : boost::make_iterator_range(boost::edges(g))) {
    if (pairs_in[g[e].block] == 1 && g[e].edges == 1) result.push_back(g[e].edge);
  }
  std::sort(result.begin(), result.end());
  return result;
}

std::int64_t boost_max_flow(Index node_count, std::span<const CapacityArc> arcs, Index source, Index sink) {
  using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
  using Network = boost::adjacency_list<
      boost::vecS, boost::vecS, boost::directedS, boost::no_property,
      boost::property<boost::edge_capacity_t, std::int64_t,
                      boost::property<boost::edge_residual_capacity_t, std::int64_t,
                                      boost::property<boost::edge_reverse_t, Traits::edge_descriptor>>>>;
  Network g(node_count);
  auto capacity = get(boost::edge_capacity, g);
  auto reverse = get(boost::edge_reverse, g);
  for (const CapacityArc& a : arcs) {
    const auto e = add_edge(a.from, a.to, g).first;
    const auto r = add_edge(a.to, a.from, g).first;
    capacity[e] = a.capacity;
    capacity[r] = 0;
    reverse[e] = r;
    reverse[r] = e;
  }
  return boost::push_relabel_max_flow(g, source, sink);
}

std::vector<double> boost_betweenness(const SupplyGraph& graph, const GraphMask& mask, std::span<const double> length) {
  const CsrGraph g = to_csr(graph, mask, length);
  using Edge = boost::graph_traits<CsrGraph>::edge_descriptor;
  const std::size_t n = num_vertices(g);
  std::vector<double> score(n, 0.0), distance(n), dependency(n), sigma(n);
  std::vector<std::vector<Edge>> incoming(n);
  auto index = get(boost::vertex_index, g);
  auto score_map = make_iterator_property_map(score.begin(), index);
  auto incoming_map = make_iterator_property_map(incoming.begin(), index);
  auto distance_map = make_iterator_property_map(distance.begin(), index);
  auto dependency_map = make_iterator_property_map(dependency.begin(), index);
  auto sigma_map = make_iterator_property_map(sigma.begin(), index);
  if (length.empty()) {
    boost::brandes_betweenness_centrality(g, score_map, boost::dummy_property_map(), incoming_map, distance_map,
                                          dependency_map, sigma_map, index);
  } else {
    boost::brandes_betweenness_centrality(g, score_map, boost::dummy_property_map(), incoming_map, distance_map,
                                          dependency_map, sigma_map, index, get(&Length::value, g));
  }
  return score;
}

}  // namespace chokepoint
