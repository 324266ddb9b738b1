#include "chokepoint/scenario/market.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "market_model.hpp"
#include "market_solver.hpp"

namespace chokepoint {

using market_detail::Column;
using market_detail::MarketModel;
using market_detail::Program;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct Deadline {
  Clock::time_point start;
  double seconds;
  [[nodiscard]] double left() const { return seconds - seconds_since(start); }
};

/// CLP's status() in words (ClpModel.hpp): 0 optimal, 1 primal infeasible, 2 dual infeasible,
/// 3 stopped on iterations or time, 4 stopped on difficulties, 5 stopped by the event handler.
MarketResult::Status status_of(int clp_status, std::string& words) {
  switch (clp_status) {
    case 0: words = "optimal"; return MarketResult::Status::optimal;
    case 1: words = "infeasible"; return MarketResult::Status::infeasible;
    case 2: words = "unbounded (a modelling error)"; return MarketResult::Status::error;
    case 3: words = "stopped at the time limit, not solved"; return MarketResult::Status::limit;
    case 4: words = "stopped on numerical difficulties"; return MarketResult::Status::error;
    default:
      words = "stopped by the solver (status " + std::to_string(clp_status) + ")";
      return MarketResult::Status::error;
  }
}

/// The tie-breaks, each a warm-started solve that keeps what came before: phase 2 holds the optimal
/// weighted total and keeps as much of each group's reference delivery as it can; phase 3 holds
/// every group's delivery and routes it with the least tonnage on new links, then on existing ones.
/// Returns the number of tie-breaks that finished; x holds the last finished solution.
int break_ties(Program& lp, const MarketModel& model, double objective, const Deadline& deadline,
               std::vector<double>& x) {
  const std::size_t columns = model.lp.cost.size();
  const std::size_t groups = model.groups.size();
  const std::size_t first_group = model.columns.size();
  lp.set_row_lower(model.total_row, objective - 1e-9 * std::max(1.0, std::abs(objective)));
  std::vector<double> keep(columns, 0.0);
  for (std::size_t j = first_group + groups; j < columns; ++j) keep[j] = -1.0;
  if (lp.minimise(keep, deadline.left()) != 0) return 0;
  x = lp.solution();
  for (std::size_t j = first_group; j < first_group + groups; ++j) {
    lp.set_column_lower(static_cast<int>(j), std::max(0.0, x[j]));
  }
  if (lp.minimise(model.phase3_cost, deadline.left()) != 0) return 1;
  x = lp.solution();
  return 2;
}

/// Demand rows in the baseline's order, each entry taking its share of its group's delivery.
void fill_demand(const FlowResult& baseline, const MarketModel& model, const std::vector<double>& x,
                 MarketResult& result) {
  const Dataset& d = *model.dataset;
  std::vector<ReVector> received(model.groups.size(), ReVector{});
  for (std::size_t j = 0; j < model.columns.size(); ++j) {
    const Column& c = model.columns[j];
    const market_detail::Arc& arc = model.arcs[c.arc];
    if (x[j] <= 0 || model.is_hub(arc.to) || model.facilities[arc.to].rule != market_detail::Rule::sink) continue;
    const market_detail::FacilityModel& fm = model.facilities[arc.to];
    for (Index g = fm.group_begin; g < fm.group_end; ++g) {
      if (model.groups[g].material != arc.material) continue;
      const ReVector& content = model.types[c.type].content;
      for (std::size_t e = 0; e < content.size(); ++e) received[g][e] += x[j] * content[e];
    }
  }
  for (const DemandFlow& base : baseline.demand()) {
    DemandFlow row;
    row.facility = base.facility;
    row.entry = base.entry;
    row.material = base.material;
    const market_detail::FacilityModel& fm = model.facilities[base.facility];
    Index g = fm.group_begin;
    while (g < fm.group_end && model.groups[g].material != base.material) ++g;
    const DemandEntry& entry = d.facilities[base.facility].demand[base.entry];
    const double group_demand = model.groups[g].quantity;  // demand factor applied
    double group_quantity = 0;
    for (const DemandEntry& other : d.facilities[base.facility].demand) {
      if (other.material == base.material) group_quantity += std::max(0.0, other.quantity);
    }
    const double share = group_quantity > 0 ? std::max(0.0, entry.quantity) / group_quantity : 0.0;
    row.demand_tonnes = group_demand * share;
    const double delivered = std::max(0.0, x[model.columns.size() + g]);
    row.delivered_tonnes = std::min(row.demand_tonnes, delivered * share);
    row.shortfall_tonnes = std::max(0.0, row.demand_tonnes - row.delivered_tonnes);
    const double received_tonnes = market_detail::tonnes_of(model, base.material, received[g]);
    const double scale = received_tonnes > 0 ? row.delivered_tonnes / received_tonnes : 0.0;
    for (std::size_t e = 0; e < row.demand.size(); ++e) {
      // Element demand: the baseline's element mix per tonne (fixed compositions, frozen mixed mixes).
      const double per_tonne = base.demand_tonnes > 0 ? base.demand[e] / base.demand_tonnes : 0.0;
      row.demand[e] = per_tonne * row.demand_tonnes;
      row.delivered[e] = received[g][e] * scale;
    }
    result.demand.push_back(row);
  }
}

/// Trade through one hub in one stream type: who sold into it and who bought from it.
struct HubTrade {
  std::vector<std::pair<Index, double>> sold, bought;  // facility, tonnes
};

/// Pairs a hub's sellers with its buyers by the north-west corner rule (both in facility order):
/// each seller's and each buyer's tonnes are the LP's, the pairing is one of the equivalent ones.
void pair_hub_trade(HubTrade& trade, Index material, std::map<std::tuple<Index, Index, Index>, double>& routes) {
  std::sort(trade.sold.begin(), trade.sold.end());
  std::sort(trade.bought.begin(), trade.bought.end());
  std::size_t i = 0, j = 0;
  while (i < trade.sold.size() && j < trade.bought.size()) {
    const double take = std::min(trade.sold[i].second, trade.bought[j].second);
    // A facility buying back its own stream is a cycle, not a route.
    if (trade.sold[i].first != trade.bought[j].first)
      routes[{trade.sold[i].first, trade.bought[j].first, material}] += take;
    trade.sold[i].second -= take;
    trade.bought[j].second -= take;
    if (trade.sold[i].second <= 0) ++i;
    if (trade.bought[j].second <= 0) ++j;
  }
}

void fill_links(const MarketModel& model, const std::vector<double>& x, MarketResult& result) {
  std::map<std::tuple<Index, Index, Index>, double> routes;
  std::map<std::pair<Index, Index>, HubTrade> hubs;  // (hub, type)
  for (std::size_t j = 0; j < model.columns.size(); ++j) {
    if (x[j] <= 0) continue;
    const Column& c = model.columns[j];
    const market_detail::Arc& arc = model.arcs[c.arc];
    const double tonnes = x[j] * c.tonnes;
    if (arc.link != kNone)
      result.link_tonnes[arc.link] += tonnes;
    else if (model.is_hub(arc.to))
      hubs[{model.hub_of(arc.to), c.type}].sold.emplace_back(arc.from, tonnes);
    else if (model.is_hub(arc.from))
      hubs[{model.hub_of(arc.from), c.type}].bought.emplace_back(arc.to, tonnes);
    else
      routes[{arc.from, arc.to, arc.material}] += tonnes;
  }
  for (auto& [key, trade] : hubs) pair_hub_trade(trade, model.hubs[key.first].material, routes);
  // Solver noise below a gram is not a route.
  constexpr double kRouted = 1e-6;
  for (double& t : result.link_tonnes) {
    if (t < kRouted) t = 0;
  }
  for (const auto& [key, tonnes] : routes) {
    if (tonnes >= kRouted) result.new_arcs.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), tonnes});
  }
}

std::string join_notes(const std::string& head, const std::vector<std::string>& notes) {
  std::string s = head;
  for (const std::string& n : notes) s += "; " + n;
  return s;
}

}  // namespace

const char* market_status_name(MarketResult::Status status) {
  switch (status) {
    case MarketResult::Status::optimal: return "optimal";
    case MarketResult::Status::infeasible: return "infeasible";
    case MarketResult::Status::limit: return "limit";
    case MarketResult::Status::error: return "error";
  }
  return "error";
}

MarketResult solve_market(const FlowResult& baseline, const MarketInputs& inputs, double time_limit_seconds) {
  const auto start = Clock::now();
  MarketModel model = market_detail::build_network(baseline, inputs);
  if (inputs.allow_new_links) {
    const std::size_t columns = market_detail::count_columns(model);
    if (columns > inputs.max_columns) {
      MarketInputs existing_only = inputs;
      existing_only.allow_new_links = false;
      model = market_detail::build_network(baseline, existing_only);
      model.notes.push_back("new links left out: with them the LP would have " + std::to_string(columns) +
                            " columns, more than the limit of " + std::to_string(inputs.max_columns));
    }
  }
  market_detail::build_program(baseline, inputs, model);
  MarketResult result;
  result.rows = model.lp.row_upper.size();
  result.columns = model.lp.cost.size();
  result.link_tonnes.assign(model.dataset->links.size(), 0.0);

  std::vector<double> x(result.columns, 0.0);
  std::string words = "optimal";
  result.status = MarketResult::Status::optimal;
  if (result.columns > 0) {
    Program lp(model.lp);
    const Deadline deadline{start, time_limit_seconds};
    result.status = status_of(lp.minimise(model.lp.cost, deadline.left()), words);
    if (result.status == MarketResult::Status::optimal) {
      result.objective = -lp.objective();
      x = lp.solution();
      const int done = break_ties(lp, model, result.objective, deadline, x);
      if (done < 2) {
        model.notes.push_back(done == 0 ? "ties not broken: the tie-break solves did not finish"
                                        : "existing links not preferred: the last tie-break solve did not finish");
      }
    }
  }
  const std::string size = std::to_string(result.rows) + " rows, " + std::to_string(result.columns) + " columns";
  result.notes = model.notes;
  result.message = join_notes(words + " (CLP; " + size + ")", model.notes);
  if (result.status != MarketResult::Status::optimal) std::fill(x.begin(), x.end(), 0.0);
  fill_demand(baseline, model, x, result);
  fill_links(model, x, result);
  result.seconds = seconds_since(start);
  return result;
}

}  // namespace chokepoint
