#include "common.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "chokepoint/app/output.hpp"

namespace chokepoint {

void add_report_options(CLI::App* cmd, ReportOptions& options) {
  cmd->add_option("--format", options.format, "Output format: text (default), json, csv or md")
      ->check(CLI::IsMember({"text", "json", "csv", "md"}));
  cmd->add_option("-o,--output", options.output, "Write to this file (atomically) instead of stdout");
}

void emit_report(const std::function<Document()>& doc, const std::function<nlohmann::ordered_json()>& json,
                 const ReportOptions& options) {
  std::string text;
  if (options.format == "json") {
    text = json().dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  } else if (options.format == "csv") {
    text = render_csv(doc());
  } else if (options.format == "md") {
    text = render_markdown(doc());
  } else {
    text = render_text(doc());
  }
  emit(options.output, text);
}

void print_diagnostics(const Diagnostics& diagnostics, const GlobalOptions& global) {
  const bool color = use_color(global.color, 2);
  for (const auto& d : diagnostics.items()) fmt::print(stderr, "{}", format_diagnostic_text(d, color));
}

std::optional<Dataset> load_or_report(const std::string& path, const GlobalOptions& global) {
  DatasetLoad result = load_dataset(path);
  result.diagnostics.sort();
  print_diagnostics(result.diagnostics, global);
  if (!result.dataset) {
    fmt::print(stderr, "chokepoint: the dataset '{}' has {} error{}; run 'chokepoint validate {}'\n", path,
               result.diagnostics.error_count(), result.diagnostics.error_count() == 1 ? "" : "s", path);
  }
  return std::move(result.dataset);
}

std::optional<Date> parse_date_option(const std::string& text, const std::string& option) {
  if (text.empty()) return std::nullopt;
  auto d = parse_iso_date(text);
  if (!d) throw CLI::ValidationError(option, "'" + text + "' is not an ISO date (YYYY-MM-DD)");
  return d;
}

}  // namespace chokepoint
