#include <fmt/format.h>

#include "chokepoint/app/app.hpp"
#include "chokepoint/load/scenario_loader.hpp"
#include "chokepoint/report/impact.hpp"
#include "chokepoint/scenario/runner.hpp"
#include "common.hpp"

namespace chokepoint {
namespace {

struct ScenarioRunOptions {
  std::string dataset;
  std::vector<std::string> scenarios;
  std::string as_of;
  std::string mode = "both";
  bool redirect = false;
  ReportOptions report;
};

struct TimelineOptions {
  std::string dataset;
  std::string scenario;
  std::string from, to, step = "3m";
  std::string mode = "both";
  ReportOptions report;
};

ScenarioOptions scenario_options(const std::string& mode, bool redirect) {
  ScenarioOptions o;
  o.contracts = mode != "market";
  o.market = mode != "contracts";
  o.redirect = redirect;
  return o;
}

/// Loads every scenario; on any error prints the diagnostics and returns nothing.
std::optional<std::vector<Scenario>> load_scenarios(const std::vector<std::string>& paths, const Dataset& ds,
                                                    const GlobalOptions& global) {
  std::vector<Scenario> out;
  bool failed = false;
  for (const auto& p : paths) {
    ScenarioLoad sc = load_scenario(p, ds, command_load_options());
    sc.diagnostics.sort();
    print_diagnostics(sc.diagnostics, global);
    if (!sc.scenario) {
      failed = true;
      fmt::print(stderr, "chokepoint: the scenario '{}' has errors; nothing was run\n", p);
      continue;
    }
    out.push_back(std::move(*sc.scenario));
  }
  if (failed) return std::nullopt;
  return out;
}

int run_scenarios(const ScenarioRunOptions& opt, const GlobalOptions& global) {
  ScenarioOptions so = scenario_options(opt.mode, opt.redirect);
  so.as_of = parse_date_option(opt.as_of, "--as-of");
  auto ds = load_or_report(opt.dataset, global);
  if (!ds) return kExitFindings;
  auto scenarios = load_scenarios(opt.scenarios, *ds, global);
  if (!scenarios) return kExitFindings;
  std::vector<ScenarioImpact> impacts;
  for (const auto& s : *scenarios) {
    if (!scenario_date(*ds, s, so)) {
      fmt::print(stderr, "chokepoint: error: scenario '{}' has no date: give --as-of, or as_of in it or in the dataset\n", s.id);
      return kExitUsage;
    }
    impacts.push_back(run_scenario(*ds, s, so));
  }
  emit_report([&] { return impact_document(*ds, impacts); },
              [&] { return impact_json(*ds, impacts); }, opt.report);
  return kExitOk;
}

int run_timeline(const TimelineOptions& opt, const GlobalOptions& global) {
  auto from = parse_date_option(opt.from, "--from");
  auto to = parse_date_option(opt.to, "--to");
  int months = 0;
  if (opt.step.size() < 2 || opt.step.back() != 'm' || (months = std::atoi(opt.step.c_str())) <= 0 || months > 120) {
    throw CLI::ValidationError("--step", "'" + opt.step + "' is not a step in months such as 1m, 3m or 12m");
  }
  if (!from || !to || *to < *from) throw CLI::ValidationError("--to", "--to must not be before --from");
  auto ds = load_or_report(opt.dataset, global);
  if (!ds) return kExitFindings;
  auto scenarios = load_scenarios({opt.scenario}, *ds, global);
  if (!scenarios) return kExitFindings;
  std::vector<ScenarioImpact> impacts;
  int k = 0;
  for (Date d = *from; !(*to < d); d = add_months(*from, months * ++k)) {
    if (k > 500) break;
    ScenarioOptions so = scenario_options(opt.mode, false);
    so.as_of = d;
    ScenarioImpact i = run_scenario(*ds, scenarios->front(), so);
    i.scenario_id = d.str();
    impacts.push_back(std::move(i));
  }
  emit_report([&] { return impact_document(*ds, impacts); },
              [&] { return impact_json(*ds, impacts); }, opt.report);
  return kExitOk;
}

}  // namespace

Runner setup_scenario(CLI::App& app, const GlobalOptions& global) {
  auto* cmd = app.add_subcommand("scenario", "Run what-if scenarios: export controls, outages, new capacity");
  cmd->require_subcommand(1);
  auto run_opt = std::make_shared<ScenarioRunOptions>();
  auto* run = cmd->add_subcommand("run", "Impact of one or more scenarios, side by side, between the two bounds");
  run->add_option("dataset", run_opt->dataset, "Dataset file or directory")->required();
  run->add_option("scenarios", run_opt->scenarios, "Scenario files")->required();
  run->add_option("--as-of", run_opt->as_of, "Evaluate on this date (default: the scenario's as_of, else the dataset's)");
  run->add_option("--mode", run_opt->mode, "contracts (no rerouting), market (perfect rerouting) or both")
      ->check(CLI::IsMember({"contracts", "market", "both"}));
  run->add_flag("--redirect", run_opt->redirect, "Contracts bound: offer blocked flow to the supplier's other customers");
  add_report_options(run, run_opt->report);
  run->footer("Example:\n  chokepoint scenario run data/rare-earths data/scenarios/cn-2025-04-seven-elements.yaml --format md");

  auto tl_opt = std::make_shared<TimelineOptions>();
  auto* tl = cmd->add_subcommand("timeline", "The same scenario's impact at a series of dates");
  tl->add_option("dataset", tl_opt->dataset, "Dataset file or directory")->required();
  tl->add_option("scenario", tl_opt->scenario, "Scenario file")->required();
  tl->add_option("--from", tl_opt->from, "First date (YYYY-MM-DD)")->required();
  tl->add_option("--to", tl_opt->to, "Last date (YYYY-MM-DD)")->required();
  tl->add_option("--step", tl_opt->step, "Step between dates in months, e.g. 1m, 3m (default 3m)");
  tl->add_option("--mode", tl_opt->mode, "contracts, market or both")->check(CLI::IsMember({"contracts", "market", "both"}));
  add_report_options(tl, tl_opt->report);
  tl->footer("Example:\n  chokepoint scenario timeline data/rare-earths data/scenarios/cn-2025-10-additions.yaml "
             "--from 2025-10-01 --to 2026-12-01 --step 2m");

  return [run, tl, run_opt, tl_opt, &global] {
    if (run->parsed()) return run_scenarios(*run_opt, global);
    if (tl->parsed()) return run_timeline(*tl_opt, global);
    return static_cast<int>(kExitUsage);
  };
}

}  // namespace chokepoint
