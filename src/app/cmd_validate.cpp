#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "chokepoint/app/app.hpp"
#include "chokepoint/load/loader.hpp"
#include "chokepoint/load/scenario_loader.hpp"
#include "common.hpp"

namespace chokepoint {
namespace {

namespace fs = std::filesystem;

struct ValidateOptions {
  std::vector<std::string> paths;
  bool strict = false;
  std::string format = "text";
  std::string dataset;   ///< the dataset scenarios are checked against
  std::size_t max_per_code = kDiagnosticsPerCode;   ///< diagnostics listed per code; 0: all
};

/// One thing to validate: a dataset (file or directory) or a scenario file.
struct Target {
  fs::path path;
  bool scenario = false;
};

bool is_yaml(const fs::path& p) { return p.extension() == ".yaml" || p.extension() == ".yml"; }

// A directory holding dataset.yaml is one dataset; any other directory is a collection whose
// subdirectories and loose YAML files are validated one by one.
void discover(const fs::path& path, std::vector<Target>& out) {
  std::error_code ec;
  if (!fs::is_directory(path, ec) || fs::exists(path / "dataset.yaml", ec) || fs::exists(path / "dataset.yml", ec)) {
    out.push_back({path, fs::is_regular_file(path, ec) && looks_like_scenario(path)});
    return;
  }
  std::vector<fs::path> children;
  for (const auto& entry : fs::directory_iterator(path, fs::directory_options::skip_permission_denied, ec)) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    if (entry.is_directory(ec) || is_yaml(entry.path())) children.push_back(entry.path());
  }
  std::sort(children.begin(), children.end());
  if (children.empty()) {
    out.push_back({path, false});  // the loader reports the empty directory
    return;
  }
  for (const auto& child : children) discover(child, out);
}

nlohmann::ordered_json to_json(const Diagnostic& d) {
  nlohmann::ordered_json j;
  j["severity"] = severity_name(d.severity);
  j["code"] = d.code;
  j["file"] = d.where.file;
  j["line"] = d.where.line;
  j["column"] = d.where.column;
  j["length"] = d.where.length;
  j["message"] = d.message;
  j["notes"] = d.notes;
  return j;
}

int run_validate(const ValidateOptions& opt, const GlobalOptions& global) {
  std::vector<Target> targets;
  for (const auto& p : opt.paths) discover(p, targets);
  const bool color = use_color(global.color, 2);
  LoadOptions load;
  load.strict = opt.strict;
  load.max_per_code = opt.max_per_code;
  std::size_t errors = 0, warnings = 0;
  nlohmann::ordered_json report = {{"schema", "chokepoint.validate/1"}, {"strict", opt.strict}};
  report["datasets"] = nlohmann::ordered_json::array();
  std::map<std::string, DatasetLoad> datasets;   // scenarios' datasets, loaded once each
  const auto dataset_for = [&](const fs::path& p) -> const DatasetLoad& {
    const std::string key = fs::weakly_canonical(p).string();
    auto it = datasets.find(key);
    if (it == datasets.end()) {
      LoadOptions quiet;   // only whether it loads matters here
      quiet.max_per_code = 1;
      it = datasets.emplace(key, load_dataset(p, quiet)).first;
    }
    return it->second;
  };
  for (const auto& target : targets) {
    DatasetLoad result;
    std::string summary;
    if (target.scenario) {
      // The dataset: --dataset, else the scenario's own `dataset` (a problem with it is reported there).
      std::optional<ScenarioDatasetRef> ds_ref;
      if (!opt.dataset.empty()) ds_ref = ScenarioDatasetRef{opt.dataset, {target.path.generic_string(), 0, 0, 1}, {}};
      else ds_ref = scenario_dataset_path(target.path);
      if (!ds_ref) {
        result.diagnostics.error("E404", {target.path.generic_string(), 0, 0, 1},
                                 "no dataset to check this scenario against: pass --dataset or set 'dataset' in its "
                                 "scenario section");
      } else if (const DatasetLoad& ds = dataset_for(ds_ref->path); !ds.dataset) {
        result.diagnostics
            .error("E404", ds_ref->where,
                   fmt::format("its dataset '{}' does not load; validate it first", ds_ref->path.generic_string()))
            .source_line = ds_ref->source_line;
      } else {
        ScenarioLoad sc = load_scenario(target.path, *ds.dataset, load);
        result.diagnostics = std::move(sc.diagnostics);
        if (sc.scenario) {
          summary = fmt::format("scenario {}: {} measures, {} events, against {}", sc.scenario->id,
                                sc.scenario->measures.size(), sc.scenario->events.size(), ds.dataset->label());
        }
      }
    } else {
      result = load_dataset(target.path, load);
      if (result.dataset) {
        const Dataset& ds = *result.dataset;
        summary = fmt::format("{}: {} files, {} facilities, {} links, {} materials, {} sources", ds.label(),
                              result.files.size(), ds.facilities.size(), ds.links.size(), ds.materials.size(),
                              ds.sources.size());
      }
    }
    result.diagnostics.sort();
    errors += result.diagnostics.error_count();
    warnings += result.diagnostics.warning_count();
    if (opt.format == "json") {
      nlohmann::ordered_json entry = {{"path", target.path.generic_string()},
                                      {"kind", target.scenario ? "scenario" : "dataset"}};
      entry["summary"] = summary;
      entry["errors"] = result.diagnostics.error_count();
      entry["warnings"] = result.diagnostics.warning_count();
      entry["diagnostics"] = nlohmann::ordered_json::array();
      for (const auto& d : result.diagnostics.items()) entry["diagnostics"].push_back(to_json(d));
      if (!result.diagnostics.omitted().empty()) {
        // Found past --max-per-code: counted in "errors" and "warnings", not listed.
        entry["omitted"] = nlohmann::ordered_json::array();
        for (const auto& o : result.diagnostics.omitted()) {
          entry["omitted"].push_back({{"severity", severity_name(o.severity)}, {"code", o.code}, {"count", o.count}});
        }
      }
      report["datasets"].push_back(std::move(entry));
      continue;
    }
    for (const auto& d : result.diagnostics.items()) {
      if (opt.format == "github") fmt::print("{}\n", format_diagnostic_github(d));
      else fmt::print(stderr, "{}", format_diagnostic_text(d, color));
    }
    if (opt.format == "github") fmt::print("{}", format_omitted(result.diagnostics, false, true));
    else fmt::print(stderr, "{}", format_omitted(result.diagnostics, color));
    if (!summary.empty()) {
      fmt::print("{}: {}: {}\n", target.path.generic_string(), summary,
                 result.diagnostics.warning_count() ? fmt::format("{} warnings", result.diagnostics.warning_count())
                                                    : std::string("ok"));
    }
  }
  const bool failed = errors > 0 || (opt.strict && warnings > 0);
  if (opt.format == "json") {
    report["errors"] = errors;
    report["warnings"] = warnings;
    report["ok"] = !failed;
    fmt::print("{}\n", report.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  } else if (errors || warnings) {
    fmt::print(stderr, "{} error{}, {} warning{}{}\n", errors, errors == 1 ? "" : "s", warnings,
               warnings == 1 ? "" : "s", opt.strict && warnings && !errors ? " (warnings fail under --strict)" : "");
  }
  return failed ? kExitFindings : kExitOk;
}

}  // namespace

Runner setup_validate(CLI::App& app, const GlobalOptions& global) {
  auto opt = std::make_shared<ValidateOptions>();
  auto* cmd = app.add_subcommand("validate", "Load datasets and report every problem, compiler-style");
  cmd->add_option("paths", opt->paths,
                  "Dataset or scenario files, or directories (a directory without dataset.yaml is searched)")
      ->required();
  cmd->add_flag("--strict", opt->strict,
                "Require a source on every figure and link, flag facts older than five years; warnings fail");
  cmd->add_option("--dataset", opt->dataset,
                  "Dataset that scenario files are checked against (default: their scenario.dataset)");
  cmd->add_option("--max-per-code", opt->max_per_code,
                  "List at most N diagnostics of each code and count the rest (default 100; 0 lists every one)")
      ->check(whole_number());
  cmd->add_option("--format", opt->format, "text (default), github (workflow annotations) or json")
      ->check(CLI::IsMember({"text", "github", "json"}));
  cmd->footer("Example:\n  chokepoint validate --strict data/rare-earths\n"
              "Exit codes: 0 clean, 1 errors (or warnings under --strict), 2 usage error.");
  return [opt, &global] { return run_validate(*opt, global); };
}

}  // namespace chokepoint
