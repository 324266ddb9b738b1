#include <filesystem>

#include <fmt/format.h>

#include "chokepoint/app/app.hpp"
#include "chokepoint/app/output.hpp"
#include "chokepoint/load/scenario_loader.hpp"
#include "chokepoint/render/diagram.hpp"
#include "chokepoint/report/diagram.hpp"
#include "common.hpp"

namespace chokepoint {
namespace {

constexpr std::size_t kMaxRenderedNodes = 20000;  // beyond this a picture is no longer readable or quick

struct DiagramOptions {
  std::string dataset;
  std::string scenario;
  std::string element;
  std::string view = "facility";
  std::string focus;
  std::string as_of;
  std::string output;
  std::string format;
  std::string engine = "auto";
};

std::optional<int> parse_element_option(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return rare_earth_option(text);
}

RenderFormat output_format(const DiagramOptions& opt) {
  if (!opt.format.empty()) return *parse_render_format(opt.format);
  if (opt.output.empty() || opt.output == "-") return RenderFormat::dot;
  const auto f = parse_render_format(std::filesystem::path(opt.output).extension().string());
  if (!f) {
    throw CLI::ValidationError("-o", "'" + opt.output + "' does not end in .svg, .png, .pdf or .dot; or give --format");
  }
  return *f;
}

int run_diagram(const DiagramOptions& opt, const GlobalOptions& global) {
  const RenderFormat format = output_format(opt);
  DiagramRequest request;
  request.view = opt.view == "country" ? DiagramView::country : DiagramView::facility;
  request.element = parse_element_option(opt.element);
  request.focus = opt.focus;
  request.as_of = parse_date_option(opt.as_of, "--as-of");
  auto ds = load_or_report(opt.dataset, global);
  if (!ds) return kExitFindings;
  std::optional<Scenario> scenario;
  if (!opt.scenario.empty()) {
    ScenarioLoad sc = load_scenario(opt.scenario, *ds, command_load_options());
    sc.diagnostics.sort();
    print_diagnostics(sc.diagnostics, global);
    if (!sc.scenario) {
      fmt::print(stderr, "chokepoint: the scenario '{}' has errors; nothing was drawn\n", opt.scenario);
      return kExitFindings;
    }
    scenario = std::move(sc.scenario);
    request.scenario = &*scenario;
  }
  DiagramModel model;
  try {
    model = build_diagram_model(*ds, request);
  } catch (const DiagramError& e) {
    fmt::print(stderr, "chokepoint: error: {}\n", e.what());
    return kExitUsage;
  }
  if (opt.engine != "auto") model.layout = opt.engine == "sfdp" ? DiagramLayout::sfdp : DiagramLayout::dot;
  const std::string dot = diagram_dot(model);
  if (format != RenderFormat::dot && model.nodes.size() > kMaxRenderedNodes) {
    fmt::print(stderr,
               "chokepoint: error: {} nodes are too many to draw; narrow it with --element, --focus or --view country, "
               "or write .dot\n",
               model.nodes.size());
    return kExitUsage;
  }
  const RenderResult r = render_dot(dot, diagram_layout_name(model.layout), format);
  for (const auto& m : r.messages) fmt::print(stderr, "graphviz: {}\n", m);
  if (!r.ok) {
    fmt::print(stderr, "chokepoint: error: the diagram could not be rendered as {}\n", render_format_name(format));
    return kExitInternal;
  }
  emit(opt.output, r.output);
  if (!opt.output.empty() && opt.output != "-") {
    fmt::print(stderr, "chokepoint: wrote {} ({} view, {} nodes, {} edges; {} layout {:.2f} s, render {:.2f} s)\n",
               opt.output, diagram_view_name(model.view), model.nodes.size(), model.edges.size(),
               diagram_layout_name(model.layout), r.layout_seconds, r.render_seconds);
  }
  return kExitOk;
}

}  // namespace

Runner setup_diagram(CLI::App& app, const GlobalOptions& global) {
  auto opt = std::make_shared<DiagramOptions>();
  auto* cmd = app.add_subcommand("diagram", "Graphviz chokepoint diagram (SVG, PNG, PDF or DOT), rendered in-process");
  cmd->add_option("dataset", opt->dataset, "Dataset file or directory")->required();
  cmd->add_option("--scenario", opt->scenario, "Overlay this scenario's impact (contracts bound)");
  cmd->add_option("--element", opt->element, "Only the subgraph that can carry this rare earth (e.g. Dy)");
  cmd->add_option("--view", opt->view, "facility (one node per facility) or country (one per country and stage)")
      ->check(CLI::IsMember({"facility", "country"}));
  cmd->add_option("--focus", opt->focus, "Only what feeds this facility, or a country's or group's demand sinks");
  cmd->add_option("--as-of", opt->as_of, "Date of the network (default: the scenario's as_of, else the dataset's)");
  cmd->add_option("-o,--output", opt->output, "Output file: .svg, .png, .pdf or .dot (written atomically)")->required();
  cmd->add_option("--format", opt->format, "Output format when the file name does not say: svg, png, pdf or dot")
      ->check(CLI::IsMember({"svg", "png", "pdf", "dot"}));
  cmd->add_option("--engine", opt->engine, "Layout: auto (dot up to 1500 nodes, else sfdp), dot or sfdp")
      ->check(CLI::IsMember({"auto", "dot", "sfdp"}));
  cmd->footer(
      "Examples:\n"
      "  chokepoint diagram data/rare-earths -o chain.svg\n"
      "  chokepoint diagram data/rare-earths --view country --element Dy -o dy.png\n"
      "  chokepoint diagram data/rare-earths --focus us-ev-motors --scenario s.yaml -o us.pdf");
  return [opt, &global] { return run_diagram(*opt, global); };
}

}  // namespace chokepoint
