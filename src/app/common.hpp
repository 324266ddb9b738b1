#pragma once
// Private to the app: what every reporting command shares.

#include <functional>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "chokepoint/load/loader.hpp"
#include "chokepoint/report/document.hpp"
#include "commands.hpp"

namespace chokepoint {

/// --format and -o, shared by every reporting command.
struct ReportOptions {
  std::string format = "text";
  std::string output;
};

/// Checks that an option's text is a whole number from `least` to 2^64 - 1. For 64-bit unsigned
/// options: CLI11 reads "-1" into one as its largest value and clamps what does not fit, and its
/// own range checks print DBL_MAX.
CLI::Validator whole_number(unsigned least = 0);
/// Adds --format text|json|csv|md and -o/--output to a command.
void add_report_options(CLI::App* cmd, ReportOptions& options);
/// Writes the document or the JSON in the chosen format to stdout or the output file (atomically).
/// Renders a report in the chosen format; only that rendering (the document or the JSON) is built.
/// JSON is written as nlohmann's dump(2) would, a piece at a time: the text is never held whole.
void emit_report(const std::function<Document()>& doc, const std::function<nlohmann::ordered_json()>& json,
                 const ReportOptions& options);
/// Diagnostics every command keeps per code (`validate --max-per-code` sets its own); the rest are
/// counted and summed up in one note per code.
inline constexpr std::size_t kDiagnosticsPerCode = 100;
/// The load options of the commands that read a dataset or a scenario to analyse it.
inline LoadOptions command_load_options() {
  LoadOptions options;
  options.max_per_code = kDiagnosticsPerCode;
  return options;
}
/// One line per code of what `diagnostics` counted without keeping: "note: 946068 more
/// error[E211] not shown ...", or for GitHub a notice workflow command.
std::string format_omitted(const Diagnostics& diagnostics, bool color, bool github = false);
/// Loads a dataset; on errors prints its diagnostics to stderr and returns nothing.
std::optional<Dataset> load_or_report(const std::string& path, const GlobalOptions& global);
/// Prints diagnostics to stderr in the text format, and what was counted without being kept.
void print_diagnostics(const Diagnostics& diagnostics, const GlobalOptions& global);
/// Parses an ISO date option or throws CLI::ValidationError.
std::optional<Date> parse_date_option(const std::string& text, const std::string& option);
/// A rare earth's index from its symbol in an --element option, or throws CLI::ValidationError
/// with the closest symbol ("'dy' is not a rare-earth symbol; did you mean 'Dy'?").
int rare_earth_option(const std::string& text);
/// A stage from its name in a --stage option, or throws CLI::ValidationError with the closest name.
Stage stage_option(const std::string& text);

}  // namespace chokepoint
