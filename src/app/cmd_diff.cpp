#include <algorithm>

#include <fmt/format.h>

#include "chokepoint/analysis/diff.hpp"
#include "chokepoint/app/app.hpp"
#include "chokepoint/report/diff_report.hpp"
#include "common.hpp"

namespace chokepoint {
namespace {

struct DiffCommandOptions {
  std::string old_dataset;
  std::string new_dataset;
  std::vector<std::string> fail_on;
  double threshold = 0.65;
  ReportOptions report;
};

int run_diff(const DiffCommandOptions& opt, const GlobalOptions& global) {
  for (const auto& c : opt.fail_on) {
    if (std::find(diff_conditions().begin(), diff_conditions().end(), c) == diff_conditions().end()) {
      throw CLI::ValidationError(
          "--fail-on", fmt::format("unknown condition '{}'; one of: {}", c, fmt::join(diff_conditions(), ", ")));
    }
  }
  auto old_dataset = load_or_report(opt.old_dataset, global);
  if (!old_dataset) return kExitFindings;
  DatasetLoad loaded = load_dataset(opt.new_dataset, command_load_options());
  loaded.diagnostics.sort();
  print_diagnostics(loaded.diagnostics, global);

  DiffReport report;
  report.old_path = opt.old_dataset;
  report.new_path = opt.new_dataset;
  report.new_diagnostics = loaded.diagnostics;
  report.fail_on = opt.fail_on;
  report.options.threshold = opt.threshold;
  if (loaded.dataset) report.diff = diff_datasets(*old_dataset, *loaded.dataset, report.options);
  report.counts =
      report.diff ? count_conditions(*report.diff, 0) : std::vector<std::size_t>(diff_conditions().size(), 0);
  report.counts[0] = loaded.diagnostics.error_count();
  emit_report([&] { return diff_document(report); },
              [&] { return diff_json(report); }, opt.report);
  return diff_fails(report) ? kExitFindings : kExitOk;
}

}  // namespace

Runner setup_diff(CLI::App& app, const GlobalOptions& global) {
  auto opt = std::make_shared<DiffCommandOptions>();
  auto* cmd = app.add_subcommand("diff", "What a dataset change moves: facts changed, and the metrics they moved");
  cmd->add_option("old", opt->old_dataset, "The dataset before the change (file or directory)")->required();
  cmd->add_option("new", opt->new_dataset, "The dataset after the change (file or directory)")->required();
  cmd->add_option("--fail-on", opt->fail_on,
                  "Exit 1 when one of these happens (comma-separated): validation, new-critical-dependency, "
                  "new-dependency, new-must-pass-country, new-must-pass-facility")
      ->delimiter(',');
  cmd->add_option("--threshold", opt->threshold, "Dependency flag threshold (default 0.65, the EU CRMA benchmark)")
      ->check(CLI::Range(0.0, 1.0));
  add_report_options(cmd, opt->report);
  cmd->footer(
      "Example:\n"
      "  chokepoint diff base/data/rare-earths data/rare-earths --format md -o diff.md \\\n"
      "      --fail-on validation,new-critical-dependency,new-must-pass-country");
  return [opt, &global] { return run_diff(*opt, global); };
}

}  // namespace chokepoint
