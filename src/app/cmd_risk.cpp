#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "chokepoint/app/app.hpp"
#include "chokepoint/load/scenario_loader.hpp"
#include "chokepoint/report/risk_report.hpp"
#include "chokepoint/scenario/risk.hpp"
#include "common.hpp"

namespace chokepoint {
namespace {

struct RiskCliOptions {
  std::string dataset;
  std::uint64_t samples = 1000;
  std::uint64_t seed = 1;
  unsigned threads = 1;
  std::string scenario;
  std::string shard;
  std::string as_of;
  std::optional<std::uint64_t> structure_every;
  ReportOptions report;
};

struct RiskMergeOptions {
  std::vector<std::string> shards;
  ReportOptions report;
};

/// "K/N" with 0 <= K < N.
std::pair<std::uint64_t, std::uint64_t> parse_shard(const std::string &text) {
  const auto slash = text.find('/');
  try {
    if (slash != std::string::npos) {
      std::size_t a = 0, b = 0;
      const std::string ks = text.substr(0, slash), ns = text.substr(slash + 1);
      const unsigned long long k = std::stoull(ks, &a), n = std::stoull(ns, &b);
      if (a == ks.size() && b == ns.size() && n > 0 && k < n && ks[0] != '-' &&
          ns[0] != '-')
        return {k, n};
    }
  } catch (const std::exception &) {
  }
  throw CLI::ValidationError("--shard",
                             "'" + text + "' is not K/N with 0 <= K < N");
}

void draw_progress(std::uint64_t done, std::uint64_t total) {
  constexpr int kWidth = 40;
  const double f =
      total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  const int filled = static_cast<int>(f * kWidth);
  fmt::print(stderr, "\r[{}{}] {}/{} samples",
             std::string(static_cast<std::size_t>(filled), '#'),
             std::string(static_cast<std::size_t>(kWidth - filled), ' '), done,
             total);
  if (done >= total)
    fmt::print(stderr, "\n");
  std::fflush(stderr);
}

int run_risk_command(const RiskCliOptions &opt, const GlobalOptions &global) {
  if (opt.dataset.empty())
    throw CLI::ValidationError("dataset",
                               "a dataset is required (or use 'risk merge')");
  auto ds = load_or_report(opt.dataset, global);
  if (!ds)
    return kExitFindings;
  RiskOptions ro;
  ro.samples = opt.samples;
  ro.seed = opt.seed;
  ro.threads = opt.threads;
  ro.as_of = parse_date_option(opt.as_of, "--as-of");
  ro.structure_every =
      opt.structure_every.value_or(ds->facilities.size() < 1000 ? 1 : 0);
  std::optional<Scenario> scenario;
  if (!opt.scenario.empty()) {
    ScenarioLoad sc = load_scenario(opt.scenario, *ds, command_load_options());
    sc.diagnostics.sort();
    print_diagnostics(sc.diagnostics, global);
    if (!sc.scenario) {
      fmt::print(stderr,
                 "chokepoint: the scenario '{}' has errors; nothing was run\n",
                 opt.scenario);
      return kExitFindings;
    }
    scenario = std::move(sc.scenario);
    ro.scenario = &*scenario;
  }
  // Without a disruption that can happen, and without a scenario's drawn approval rates, every
  // sample is the baseline: the zeros would read as "no risk" rather than "no data".
  if (!scenario && !any_disruption(*ds)) {
    fmt::print(stderr,
               "chokepoint: warning: no facility or country in '{}' has a disruption with a "
               "probability and a severity above 0, so every sample is the baseline and every "
               "shortfall is 0; give facilities or countries 'disruption: {{probability, severity}}' "
               "(docs/risk.md)\n",
               opt.dataset);
  }
  const bool sharded = !opt.shard.empty();
  if (sharded) {
    const auto [k, n] = parse_shard(opt.shard);
    ro.first = opt.samples * k / n;
    ro.end = opt.samples * (k + 1) / n;
  }
  if (is_terminal(2))
    ro.progress = draw_progress;
  RiskSamples samples;
  try {
    samples = run_risk(*ds, ro);
  } catch (const std::invalid_argument &e) {
    throw CLI::ValidationError(e.what());
  }
  if (sharded) {
    emit(opt.report.output, risk_shard_json(samples).dump() + "\n");
    return kExitOk;
  }
  const RiskSummary summary = summarize_risk(samples);
  emit_report([&] { return risk_document(summary); },
              [&] { return risk_json(summary); }, opt.report);
  return kExitOk;
}

int run_risk_merge(const RiskMergeOptions &opt) {
  std::vector<RiskSamples> shards;
  for (const auto &path : opt.shards) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
      throw InputError(fmt::format("cannot read '{}'", path));
    std::stringstream text;
    text << in.rdbuf();
    const auto json =
        nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded())
      throw InputError(fmt::format("'{}' is not JSON", path));
    try {
      shards.push_back(risk_shard_from_json(json));
    } catch (const std::invalid_argument &e) {
      throw InputError(fmt::format("'{}': {}", path, e.what()));
    }
  }
  RiskSamples merged;
  try {
    merged = merge_risk(std::move(shards));
  } catch (const std::invalid_argument &e) {
    throw InputError(e.what());
  }
  const RiskSummary summary = summarize_risk(merged);
  emit_report([&] { return risk_document(summary); },
              [&] { return risk_json(summary); }, opt.report);
  return kExitOk;
}

} // namespace

Runner setup_risk(CLI::App &app, const GlobalOptions &global) {
  auto opt = std::make_shared<RiskCliOptions>();
  auto merge_opt = std::make_shared<RiskMergeOptions>();
  auto *cmd =
      app.add_subcommand("risk", "Monte Carlo outage risk: shortfall "
                                 "distribution per consumer and element");
  cmd->add_option("dataset", opt->dataset, "Dataset file or directory");
  cmd->add_option("--samples", opt->samples, "Number of samples (default 1000)")
      ->check(whole_number(1));
  cmd->add_option(
      "--seed", opt->seed,
      "Random seed (default 1); results do not depend on --threads or --shard")
      ->check(whole_number());
  cmd->add_option("--threads", opt->threads,
                  "Worker threads (default 1; 0: one per hardware thread)");
  cmd->add_option(
      "--scenario", opt->scenario,
      "Scenario file: its measures in force, license approval rates drawn");
  cmd->add_option(
      "--shard", opt->shard,
      "Run slice K of N (0-based) and write a shard file for 'risk merge'");
  cmd->add_option("--as-of", opt->as_of,
                  "Date of the network (default: the scenario's, else the "
                  "dataset's as_of)");
  cmd->add_option("--structure-every", opt->structure_every,
                  "Must-pass / min-cut counts on every K-th sample; 0: never "
                  "(default 1 under 1000 facilities, else 0)")
      ->check(whole_number());
  add_report_options(cmd, opt->report);
  auto *merge = cmd->add_subcommand(
      "merge",
      "Combine shard files into the report one run would have produced");
  merge
      ->add_option("shards", merge_opt->shards,
                   "Shard files written by 'risk --shard K/N'")
      ->required();
  add_report_options(merge, merge_opt->report);
  cmd->footer(
      "Examples:\n  chokepoint risk data/rare-earths --samples 10000 --threads "
      "8 --format md\n"
      "  chokepoint risk data/rare-earths --samples 10000 --shard 0/4 -o "
      "shard-0.json\n"
      "  chokepoint risk merge shard-*.json --format json -o risk.json");
  return [opt, merge_opt, merge, &global] {
    if (merge->parsed())
      return run_risk_merge(*merge_opt);
    return run_risk_command(*opt, global);
  };
}

} // namespace chokepoint
