#include "chokepoint/analysis/summary.hpp"
#include "chokepoint/app/app.hpp"
#include "chokepoint/report/summary_report.hpp"
#include "common.hpp"

namespace chokepoint {
namespace {

struct SummaryOptions {
  std::string dataset;
  std::string as_of;
  ReportOptions report;
};

int run_summary(const SummaryOptions& opt, const GlobalOptions& global) {
  const auto as_of = parse_date_option(opt.as_of, "--as-of");
  auto ds = load_or_report(opt.dataset, global);
  if (!ds) return kExitFindings;
  const DatasetSummary s = summarize(*ds, as_of);
  emit_report([&] { return summary_document(*ds, s); },
              [&] { return summary_json(*ds, s); }, opt.report);
  return kExitOk;
}

}  // namespace

Runner setup_summary(CLI::App& app, const GlobalOptions& global) {
  auto opt = std::make_shared<SummaryOptions>();
  auto* cmd = app.add_subcommand("summary", "Counts by stage, country and status; the baseline mass balance");
  cmd->add_option("dataset", opt->dataset, "Dataset file or directory")->required();
  cmd->add_option("--as-of", opt->as_of, "Date of the baseline (default: the dataset's as_of)");
  add_report_options(cmd, opt->report);
  cmd->footer("Example:\n  chokepoint summary data/rare-earths --format md -o summary.md");
  return [opt, &global] { return run_summary(*opt, global); };
}

}  // namespace chokepoint
