#include <algorithm>

#include <fmt/format.h>

#include "chokepoint/analysis/concentration.hpp"
#include "chokepoint/app/app.hpp"
#include "chokepoint/report/concentration_report.hpp"
#include "common.hpp"

namespace chokepoint {
namespace {

struct ConcentrationCliOptions {
  std::string dataset;
  std::string stage;
  std::string element;
  std::string basis;
  std::string by = "location";
  bool declared = false;
  ReportOptions report;
};

int run_concentration(const ConcentrationCliOptions& opt, const GlobalOptions& global) {
  std::optional<Stage> stage;
  if (!opt.stage.empty()) {
    stage = stage_option(opt.stage);
  }
  const int element = opt.element.empty() ? -1 : rare_earth_option(opt.element);
  auto ds = load_or_report(opt.dataset, global);
  if (!ds) return kExitFindings;
  ConcentrationOptions co;
  co.key = opt.by == "owner" ? CountryKey::owner : CountryKey::location;
  // "Production" is the stage's baseline production: what each output carries in the baseline flow.
  FlowOptions fo;
  fo.as_of = ds->info.as_of;
  const FlowPlan plan = build_flow_plan(*ds, fo);
  const FlowResult baseline = run_flow(plan);
  if (!opt.declared) co.baseline = &baseline;
  ConcentrationReport rep = analyze_concentration(*ds, co);
  const auto keep_basis = [&](ShareBasis b) { return opt.basis.empty() || opt.basis == share_basis_name(b); };
  std::erase_if(rep.rows, [&](const ConcentrationRow& r) {
    return !keep_basis(r.basis) || (stage && r.stage != *stage) || (element >= 0 && r.element != element);
  });
  std::erase_if(rep.bottlenecks, [&](const Bottleneck& b) {
    return !keep_basis(b.basis) || (element >= 0 && b.element != element);
  });
  emit_report([&] { return concentration_document(*ds, rep); },
              [&] { return concentration_json(*ds, rep); }, opt.report);
  return kExitOk;
}

}  // namespace

Runner setup_concentration(CLI::App& app, const GlobalOptions& global) {
  auto opt = std::make_shared<ConcentrationCliOptions>();
  auto* cmd = app.add_subcommand("concentration", "Country shares, HHI, CR1/CR3 and HHI_WGI per stage and element");
  cmd->add_option("dataset", opt->dataset, "Dataset file or directory")->required();
  cmd->add_option("--stage", opt->stage, "Only this stage (mine, separation, metal, magnet, ...)");
  cmd->add_option("--element", opt->element, "Only this element (Dy, Nd, ...); materials and all-REE rows are dropped");
  cmd->add_option("--basis", opt->basis, "production or capacity (default: both)")
      ->check(CLI::IsMember({"production", "capacity"}));
  cmd->add_option("--by", opt->by, "Count facilities by location (default) or owner country")
      ->check(CLI::IsMember({"location", "owner"}));
  cmd->add_flag("--declared", opt->declared,
                "Production basis from the outputs' declared production figures instead of the baseline flow");
  add_report_options(cmd, opt->report);
  cmd->footer("Example:\n  chokepoint concentration data/rare-earths --element Dy --basis production");
  return [opt, &global] { return run_concentration(*opt, global); };
}

}  // namespace chokepoint
