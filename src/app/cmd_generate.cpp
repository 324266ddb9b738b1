#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "chokepoint/analysis/synthetic.hpp"
#include "chokepoint/app/app.hpp"
#include "chokepoint/app/output.hpp"
#include "chokepoint/report/synthetic_files.hpp"
#include "common.hpp"

namespace chokepoint {
namespace {

enum class GenerateFormat { yaml, yaml_dir, csv };

struct GenerateOptions {
  std::size_t facilities = 1000;
  std::uint64_t seed = 1;
  GenerateFormat format = GenerateFormat::yaml;
  std::size_t per_file = 10000;
  std::string output;
};

int run_generate(const GenerateOptions& opt) {
  if (opt.facilities < 5) throw CLI::ValidationError("--facilities", "needs at least 5 facilities");
  const bool to_directory = opt.format != GenerateFormat::yaml;
  if (to_directory && (opt.output.empty() || opt.output == "-")) {
    throw CLI::ValidationError("--output", "--format yaml-dir and csv write a directory: name it with -o DIR");
  }
  const Dataset ds = generate_chain(opt.facilities, opt.seed);
  if (!to_directory) {
    emit(opt.output, synthetic_yaml(ds));
    return kExitOk;
  }
  std::vector<std::pair<std::string, std::string>> files;
  for (DatasetFile& f : opt.format == GenerateFormat::csv ? synthetic_csv_files(ds) : synthetic_yaml_files(ds, opt.per_file)) {
    files.emplace_back(std::move(f.name), std::move(f.text));
  }
  write_directory_atomic(opt.output, files);
  return kExitOk;
}

}  // namespace

Runner setup_generate(CLI::App& app, const GlobalOptions& /*global*/) {
  auto opt = std::make_shared<GenerateOptions>();
  auto* cmd = app.add_subcommand("generate", "Write a seeded synthetic supply chain as a dataset (YAML or CSV tables)");
  cmd->add_option("--facilities", opt->facilities, "Number of facilities (at least 5)")
      ->check(CLI::Range(std::size_t{5}, std::size_t{5'000'000}))
      ->default_str("1000");
  cmd->add_option("--seed", opt->seed, "Random seed; the same seed gives the same files")
      ->check(whole_number())
      ->default_str("1");
  const std::map<std::string, GenerateFormat> formats{
      {"yaml", GenerateFormat::yaml}, {"yaml-dir", GenerateFormat::yaml_dir}, {"csv", GenerateFormat::csv}};
  cmd->add_option("--format", opt->format,
                  "yaml: one file; yaml-dir: a directory of YAML files; csv: a directory with dataset.yaml and "
                  "the CSV tables")
      ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case))
      ->default_str("yaml");
  cmd->add_option("--per-file", opt->per_file, "yaml-dir: facilities or links per file")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
      ->default_str("10000");
  cmd->add_option("-o,--output", opt->output,
                  "Output file for yaml (default: stdout); the directory to create for yaml-dir and csv (it must "
                  "not exist or be empty)");
  cmd->footer(
      "Examples:\n"
      "  chokepoint generate --facilities 10000 --seed 7 -o synthetic.yaml\n"
      "  chokepoint generate --facilities 1000000 --format csv -o chain-1e6");
  return [opt] { return run_generate(*opt); };
}

}  // namespace chokepoint
