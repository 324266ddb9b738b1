#include "chokepoint/app/app.hpp"
#include "chokepoint/app/output.hpp"
#include "chokepoint/report/export.hpp"
#include "common.hpp"

namespace chokepoint {
namespace {

struct ExportCommandOptions {
  std::string dataset;
  std::string to;
  std::string output;
  std::string as_of;
};

int run_export(const ExportCommandOptions& opt, const GlobalOptions& global) {
  ExportOptions options;
  options.as_of = parse_date_option(opt.as_of, "--as-of");
  auto ds = load_or_report(opt.dataset, global);
  if (!ds) return kExitFindings;
  // Written as it is made: at 10^6 facilities an export is about 2 GB of text.
  emit_pieces(opt.output, [&](const PieceSink& sink) {
    if (opt.to == "graphml") {
      write_graphml(*ds, options, sink);
    } else if (opt.to == "json") {
      write_json(*ds, options, sink);
    } else {
      write_dot(*ds, options, sink);
    }
  });
  return kExitOk;
}

}  // namespace

Runner setup_export(CLI::App& app, const GlobalOptions& global) {
  auto opt = std::make_shared<ExportCommandOptions>();
  auto* cmd = app.add_subcommand("export",
                                 "The graph with every attribute and the baseline flow, for Gephi, "
                                 "NetworkX, igraph, yEd, Neo4j or scripts");
  cmd->add_option("dataset", opt->dataset, "Dataset file or directory")->required();
  cmd->add_option("--to", opt->to, "graphml (Gephi, NetworkX, igraph, yEd, Neo4j), json (chokepoint.export/1) or dot")
      ->required()
      ->check(CLI::IsMember({"graphml", "json", "dot"}));
  cmd->add_option("-o,--output", opt->output, "Write to this file (atomically) instead of stdout");
  cmd->add_option("--as-of", opt->as_of, "Date of the baseline flow (default: the dataset's as_of)");
  cmd->footer(
      "Examples:\n"
      "  chokepoint export data/rare-earths --to graphml -o rare-earths.graphml\n"
      "  python3 -c \"import networkx as nx; g = nx.read_graphml('rare-earths.graphml'); print(g)\"");
  return [opt, &global] { return run_export(*opt, global); };
}

}  // namespace chokepoint
