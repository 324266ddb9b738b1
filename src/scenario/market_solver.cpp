#include "market_solver.hpp"

#include <ClpEventHandler.hpp>
#include <ClpSimplex.hpp>
#include <CoinPackedMatrix.hpp>
#include <algorithm>
#include <chrono>

namespace chokepoint::market_detail {
namespace {

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

using Clock = std::chrono::steady_clock;

/// Stops CLP at a wall-clock deadline: its own limit counts CPU seconds, which run slower than the
/// wall clock on a shared machine.
class WallClock : public ClpEventHandler {
 public:
  Clock::time_point deadline = Clock::time_point::max();

  int event(Event which) override { return which == endOfIteration && Clock::now() > deadline ? 0 : -1; }
  [[nodiscard]] ClpEventHandler* clone() const override { return new WallClock(*this); }
};

}  // namespace

Program::Program(const LinearProgram& lp) : clp_(std::make_unique<ClpSimplex>()) {
  clp_->setLogLevel(0);  // CLP logs to stdout by default
  const WallClock clock;
  clp_->passInEventHandler(&clock);  // CLP keeps a clone
  CoinPackedMatrix matrix(/*colordered=*/true, lp.entry_row.data(), lp.entry_column.data(), lp.entry_value.data(),
                          static_cast<CoinBigIndex>(lp.entry_value.size()));
  matrix.setDimensions(static_cast<int>(lp.row_upper.size()), static_cast<int>(lp.cost.size()));
  const std::vector<double> column_lower = clp_bounds(lp.column_lower), column_upper = clp_bounds(lp.column_upper);
  const std::vector<double> row_lower = clp_bounds(lp.row_lower), row_upper = clp_bounds(lp.row_upper);
  clp_->loadProblem(matrix, column_lower.data(), column_upper.data(), lp.cost.data(), row_lower.data(),
                    row_upper.data());
}

Program::~Program() = default;

int Program::minimise(const std::vector<double>& cost, double seconds) {
  if (seconds <= 0) return 3;
  for (int j = 0; j < clp_->getNumCols(); ++j) clp_->setObjectiveCoefficient(j, cost[static_cast<std::size_t>(j)]);
  // Primal, not dual: every start (nothing moves, or the last optimum under the new objective) is
  // primal feasible, and on these models dual() took 8 to 14 times as long (docs/methodology.md).
  clp_->setMaximumSeconds(seconds);
  static_cast<WallClock*>(clp_->eventHandler())->deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  clp_->primal();
  // Status 5 is our handler stopping at the deadline.
  return clp_->status() == 5 ? 3 : clp_->status();
}

double Program::objective() const { return clp_->objectiveValue(); }

std::vector<double> Program::solution() const {
  const double* v = clp_->primalColumnSolution();
  return {v, v + clp_->getNumCols()};
}

void Program::set_column_lower(int column, double value) {
  clp_->setColumnLower(column, std::min(value, clp_->getColUpper()[column]));
}

void Program::set_row_lower(int row, double value) { clp_->setRowLower(row, value); }

}  // namespace chokepoint::market_detail
