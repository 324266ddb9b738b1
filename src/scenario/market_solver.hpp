#pragma once
/// The market LP in CLP. Private to src/scenario.

#include <memory>
#include <vector>

#include "market_model.hpp"

class ClpSimplex;

namespace chokepoint::market_detail {

/// One LP loaded into CLP, minimised under changing objectives from the last basis.
class Program {
 public:
  explicit Program(const LinearProgram& lp);
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  /// Minimises cost.x (one cost per column) from the current basis within `seconds` of wall time.
  /// Returns CLP's status: 0 optimal, 1 infeasible, 2 unbounded, 3 stopped at the limit,
  /// 4 numerical difficulties.
  int minimise(const std::vector<double>& cost, double seconds);
  /// cost.x at the last solution.
  [[nodiscard]] double objective() const;
  /// Column values of the last solution.
  [[nodiscard]] std::vector<double> solution() const;
  void set_column_lower(int column, double value);
  void set_row_lower(int row, double value);

 private:
  std::unique_ptr<ClpSimplex> clp_;
};

}  // namespace chokepoint::market_detail
