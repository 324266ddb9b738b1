#include "chokepoint/scenario/market.hpp"

#include <ClpSimplex.hpp>
#include <CoinPackedMatrix.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include "market_model.hpp"

namespace chokepoint {

using market_detail::Column;
using market_detail::kInfinity;
using market_detail::MarketModel;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double clp_bound(double v) {
  if (v == kInfinity) return COIN_DBL_MAX;
  if (v == -kInfinity) return -COIN_DBL_MAX;
  return v;
}

std::vector<double> clp_bounds(const std::vector<double>& v) {
  std::vector<double> out(v.size());
  std::transform(v.begin(), v.end(), out.begin(), clp_bound);
  return out;
}

void load(ClpSimplex& clp, const market_detail::LinearProgram& lp) {
  CoinPackedMatrix matrix(/*colordered=*/true, lp.entry_row.data(), lp.entry_column.data(), lp.entry_value.data(),
                          static_cast<CoinBigIndex>(lp.entry_value.size()));
  matrix.setDimensions(static_cast<int>(lp.row_upper.size()), static_cast<int>(lp.cost.size()));
  const std::vector<double> column_lower = clp_bounds(lp.column_lower), column_upper = clp_bounds(lp.column_upper);
  const std::vector<double> row_lower = clp_bounds(lp.row_lower), row_upper = clp_bounds(lp.row_upper);
  clp.loadProblem(matrix, column_lower.data(), column_upper.data(), lp.cost.data(), row_lower.data(),
                  row_upper.data());
}

/// CLP's status() in words (ClpModel.hpp): 0 optimal, 1 primal infeasible, 2 dual infeasible,
/// 3 stopped on iterations or time, 4 stopped on difficulties, 5 stopped by the event handler.
MarketResult::Status status_of(int clp_status, std::string& words) {
  switch (clp_status) {
    case 0: words = "optimal"; return MarketResult::Status::optimal;
    case 1: words = "infeasible"; return MarketResult::Status::infeasible;
    case 2: words = "unbounded (a modelling error)"; return MarketResult::Status::error;
    case 3: words = "stopped at the time limit, not solved"; return MarketResult::Status::limit;
    case 4: words = "stopped on numerical difficulties"; return MarketResult::Status::error;
    default: words = "stopped by the solver (status " + std::to_string(clp_status) + ")";
      return MarketResult::Status::error;
  }
}

/// Column values of the solution in hand.
void take_solution(const ClpSimplex& clp, std::vector<double>& x) {
  const double* solution = clp.primalColumnSolution();
  x.assign(solution, solution + clp.getNumCols());
}

/// The tie-breaks, each a warm-started primal solve that keeps what came before: phase 2 holds the
/// optimal weighted total and keeps as much of each group's reference delivery as it can; phase 3
/// holds every group's delivery and routes it with the least tonnage on new links, then on existing
/// ones. Returns the number of tie-breaks that finished; x holds the last finished solution.
int break_ties(ClpSimplex& clp, const MarketModel& model, double objective, Clock::time_point start,
               double time_limit_seconds, std::vector<double>& x) {
  const int columns = clp.getNumCols();
  const int groups = static_cast<int>(model.groups.size());
  const int first_group = static_cast<int>(model.columns.size());
  const auto solve = [&] {
    clp.setMaximumSeconds(std::max(time_limit_seconds - seconds_since(start), 0.01));
    clp.primal();
    return clp.status() == 0;
  };
  clp.setRowLower(model.total_row, objective - 1e-9 * std::max(1.0, std::abs(objective)));
  for (int j = 0; j < columns; ++j) clp.setObjectiveCoefficient(j, j >= first_group + groups ? -1.0 : 0.0);
  if (!solve()) return 0;
  take_solution(clp, x);
  for (int j = first_group; j < first_group + groups; ++j) {
    clp.setColumnLower(j, std::min(std::max(0.0, x[static_cast<std::size_t>(j)]), clp.getColUpper()[j]));
  }
  for (int j = 0; j < columns; ++j) clp.setObjectiveCoefficient(j, model.phase3_cost[static_cast<std::size_t>(j)]);
  if (!solve()) return 1;
  take_solution(clp, x);
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
    if (model.facilities[arc.to].rule != market_detail::Rule::sink || x[j] <= 0) continue;
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
      row.shortfall[e] = std::max(0.0, row.demand[e] - row.delivered[e]);
    }
    result.demand.push_back(row);
  }
}

void fill_links(const MarketModel& model, const std::vector<double>& x, MarketResult& result) {
  std::map<std::tuple<Index, Index, Index>, double> fresh;
  for (std::size_t j = 0; j < model.columns.size(); ++j) {
    if (x[j] <= 0) continue;
    const Column& c = model.columns[j];
    const market_detail::Arc& arc = model.arcs[c.arc];
    const double tonnes = x[j] * c.tonnes;
    if (arc.link != kNone) result.link_tonnes[arc.link] += tonnes;
    else fresh[{arc.from, arc.to, arc.material}] += tonnes;
  }
  // Solver noise below a gram is not a route.
  constexpr double kRouted = 1e-6;
  for (double& t : result.link_tonnes) {
    if (t < kRouted) t = 0;
  }
  for (const auto& [key, tonnes] : fresh) {
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
  market_detail::build_program(baseline, inputs, model);
  MarketResult result;
  result.rows = model.lp.row_upper.size();
  result.columns = model.lp.cost.size();
  result.link_tonnes.assign(model.dataset->links.size(), 0.0);
  const std::string size =
      std::to_string(result.rows) + " rows, " + std::to_string(result.columns) + " columns";

  std::vector<double> x(result.columns, 0.0);
  std::string words = "optimal";
  if (result.columns > 0) {
    ClpSimplex clp;
    clp.setLogLevel(0);
    load(clp, model.lp);
    clp.setMaximumSeconds(std::max(time_limit_seconds - seconds_since(start), 0.01));
    clp.dual();
    result.status = status_of(clp.status(), words);
    if (result.status == MarketResult::Status::optimal) {
      result.objective = -clp.objectiveValue();
      take_solution(clp, x);
      const int done = break_ties(clp, model, result.objective, start, time_limit_seconds, x);
      if (done < 2) {
        model.notes.push_back(done == 0 ? "ties not broken: the tie-break solves did not finish"
                                        : "existing links not preferred: the last tie-break solve did not finish");
      }
    }
  } else {
    result.status = MarketResult::Status::optimal;
  }
  result.message = join_notes(words + " (CLP; " + size + ")", model.notes);
  if (result.status != MarketResult::Status::optimal) std::fill(x.begin(), x.end(), 0.0);
  fill_demand(baseline, model, x, result);
  fill_links(model, x, result);
  result.seconds = seconds_since(start);
  return result;
}

}  // namespace chokepoint
