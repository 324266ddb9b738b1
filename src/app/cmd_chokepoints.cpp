#include <algorithm>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "chokepoint/analysis/dependency.hpp"
#include "chokepoint/analysis/structure.hpp"
#include "chokepoint/app/app.hpp"
#include "chokepoint/report/structure_report.hpp"
#include "common.hpp"

namespace chokepoint {
namespace {

struct ChokepointOptions {
  std::string dataset;
  std::string target;
  std::string consumer;
  std::string element;
  std::size_t top = 10;
  std::optional<std::size_t> betweenness_samples;   ///< unset: exact up to kExactBetweenness facilities
  unsigned threads = 0;
  std::string as_of;
  double threshold = 0.65;
  ReportOptions report;
};

/// The consumer countries of a dataset: every country with a demand sink, by code.
std::vector<std::string> consumer_countries(const Dataset& ds) {
  std::set<std::string> codes;
  for (const auto& f : ds.facilities) {
    if (f.stage == Stage::demand) codes.insert(ds.countries[f.country].code);
  }
  return {codes.begin(), codes.end()};
}

std::vector<int> elements_option(const std::string& text) {
  if (text.empty()) {
    std::vector<int> all(kRareEarthCount);
    for (int e = 0; e < kRareEarthCount; ++e) all[static_cast<std::size_t>(e)] = e;
    return all;
  }
  return {rare_earth_option(text)};
}

std::vector<std::string> target_specs(const ChokepointOptions& opt, const Dataset& ds) {
  if (!opt.target.empty()) return {opt.target};
  if (!opt.consumer.empty()) return {opt.consumer};
  return consumer_countries(ds);
}

StructureOptions structure_options(const Dataset& ds, const ChokepointOptions& opt) {
  StructureOptions so;
  so.view.as_of = parse_date_option(opt.as_of, "--as-of");
  if (!so.view.as_of) so.view.as_of = ds.info.as_of;
  so.top = opt.top;
  // Exact betweenness costs one shortest-path search per facility (O(V E)): fine for real
  // datasets, hours for a million-facility chain. Above this size, sample sources unless asked.
  constexpr std::size_t kExactBetweenness = 20'000;
  constexpr std::size_t kSampledSources = 256;
  const std::size_t samples =
      opt.betweenness_samples.value_or(ds.facilities.size() > kExactBetweenness ? kSampledSources : 0);
  so.betweenness_samples = static_cast<Index>(std::min<std::size_t>(samples, ds.facilities.size()));
  so.threads = opt.threads;
  return so;
}

// A target spec that names nothing: the error, with the closest name that would do.
void unknown_target(const Dataset& ds, const std::string& spec) {
  fmt::print(stderr, "chokepoint: error: {}\n", unknown_target_message(ds, spec));
}

int run_chokepoints(const ChokepointOptions& opt, const GlobalOptions& global) {
  const auto elements = elements_option(opt.element);
  auto ds = load_or_report(opt.dataset, global);
  if (!ds) return kExitFindings;
  std::vector<StructureTarget> targets;
  for (const auto& spec : target_specs(opt, *ds)) {
    auto t = resolve_target(*ds, spec);
    if (!t) {
      unknown_target(*ds, spec);
      return kExitUsage;
    }
    targets.push_back(std::move(*t));
  }
  // The graph goes before the report is rendered: a large chain's JSON report is a large
  // document, and the two together would set the command's peak memory.
  const StructureReport rep = [&] {
    const SupplyGraph graph = SupplyGraph::build(*ds);
    return analyze_structure(*ds, graph, targets, elements, structure_options(*ds, opt));
  }();
  emit_report([&] { return chokepoints_document(*ds, rep, opt.top); },
              [&] { return chokepoints_json(*ds, rep); }, opt.report);
  return kExitOk;
}

int run_dependencies(const ChokepointOptions& opt, const GlobalOptions& global) {
  const auto elements = elements_option(opt.element);
  auto ds = load_or_report(opt.dataset, global);
  if (!ds) return kExitFindings;
  struct Consumer {
    std::string spec;
    std::vector<Index> facilities;   // its demand sinks, or the one facility
    StructureTarget target;
    DependencyOptions options;
  };
  std::vector<Consumer> consumers;
  for (const auto& spec : target_specs(opt, *ds)) {
    auto facilities = resolve_consumers(*ds, spec);
    auto target = resolve_target(*ds, spec);
    if (facilities.empty() || !target) {
      unknown_target(*ds, spec);
      return kExitUsage;
    }
    DependencyOptions dopt;
    dopt.threshold = opt.threshold;
    dopt.home = home_countries(*ds, spec);
    if (!opt.element.empty()) dopt.elements = elements;
    consumers.push_back({spec, std::move(facilities), std::move(*target), std::move(dopt)});
  }
  // Must-pass countries make a dependency critical whatever its share. G_e and its dominator tree
  // are the same for every consumer: one element at a time, for all of them, so that one element's
  // structure is held at a time, not all seventeen. The graph is gone before the flow is built.
  {
    const SupplyGraph graph = SupplyGraph::build(*ds);
    const Carriage carriage = compute_carriage(*ds, structure_options(*ds, opt).view);
    for (const int e : elements) {
      const ElementStructure element = prepare_element(*ds, graph, carriage, e);
      for (Consumer& c : consumers) {
        for (const auto& m : must_pass(*ds, graph, element, c.target).countries) {
          c.options.must_pass[static_cast<std::size_t>(e)].push_back(m.country);
        }
      }
    }
  }
  FlowOptions fo;
  fo.as_of = structure_options(*ds, opt).view.as_of;
  const FlowPlan plan = build_flow_plan(*ds, fo);
  const FlowResult flow = run_flow(plan);
  std::vector<std::vector<Index>> sinks;
  std::vector<DependencyOptions> options;
  for (const Consumer& c : consumers) {
    sinks.push_back(c.facilities);
    options.push_back(c.options);
  }
  std::vector<DependencyReport> found = single_country_dependencies(flow, sinks, options);
  std::vector<LabelledDependency> reports;
  for (std::size_t i = 0; i < consumers.size(); ++i) reports.push_back({consumers[i].spec, std::move(found[i])});
  emit_report([&] { return dependencies_document(*ds, reports); },
              [&] { return dependencies_json(*ds, reports); }, opt.report);
  return kExitOk;
}

void common_options(CLI::App* cmd, ChokepointOptions& opt) {
  cmd->add_option("dataset", opt.dataset, "Dataset file or directory")->required();
  auto* target = cmd->add_option("--target", opt.target, "A facility id (a demand sink or any facility)");
  cmd->add_option("--consumer", opt.consumer, "A country code or group id: its demand sinks together")->excludes(target);
  cmd->add_option("--element", opt.element, "Only this rare earth (Dy, Nd, ...); default: every element");
  cmd->add_option("--as-of", opt.as_of, "Date (default: the dataset's as_of)");
}

}  // namespace

Runner setup_chokepoints(CLI::App& app, const GlobalOptions& global) {
  auto opt = std::make_shared<ChokepointOptions>();
  auto* cmd = app.add_subcommand("chokepoints",
                                 "Must-pass facilities and countries, minimum cuts, articulation points, centrality, "
                                 "retained max-flow without each country");
  common_options(cmd, *opt);
  cmd->add_option("--top", opt->top, "Rows per ranking (default 10; 0: all)")->check(whole_number());
  cmd->add_option("--betweenness-samples", opt->betweenness_samples,
                  "Betweenness from this many sampled source facilities (0: exact; default: exact up to 20,000 "
                  "facilities, else 256)")
      ->check(whole_number());
  cmd->add_option("--threads", opt->threads,
                  "Threads for the max-flow without each country (default 0: one per core); the output does not "
                  "depend on it");
  add_report_options(cmd, opt->report);
  cmd->footer("Default targets: every country with demand sinks.\nExample:\n"
              "  chokepoint chokepoints data/rare-earths --consumer US --element Dy");
  return [opt, &global] { return run_chokepoints(*opt, global); };
}

Runner setup_dependencies(CLI::App& app, const GlobalOptions& global) {
  auto opt = std::make_shared<ChokepointOptions>();
  auto* cmd = app.add_subcommand("dependencies", "Single-country dependency by stage, from origin tracing");
  common_options(cmd, *opt);
  cmd->add_option("--threshold", opt->threshold, "Flag shares at or above this (default 0.65, the EU CRMA benchmark)")
      ->check(CLI::Range(0.0, 1.0));
  add_report_options(cmd, opt->report);
  cmd->footer("Default consumers: every country with demand sinks.\nExample:\n"
              "  chokepoint dependencies data/rare-earths --consumer EU --element Dy");
  return [opt, &global] { return run_dependencies(*opt, global); };
}

}  // namespace chokepoint
