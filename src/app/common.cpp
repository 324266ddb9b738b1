#include "common.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <limits>

#include <fmt/format.h>

#include "chokepoint/app/output.hpp"
#include "chokepoint/core/elements.hpp"
#include "chokepoint/core/text.hpp"

namespace chokepoint {

CLI::Validator whole_number(unsigned least) {
  return CLI::Validator(
      [least](std::string& text) -> std::string {
        std::uint64_t value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (!text.empty() && error == std::errc() && end == text.data() + text.size() && value >= least) return {};
        return fmt::format("expects a whole number from {} to {}, not '{}'", least,
                           std::numeric_limits<std::uint64_t>::max(), text);
      },
      fmt::format("INT>={}", least));
}

int rare_earth_option(const std::string& text) {
  if (const auto e = parse_element(text); e && is_rare_earth(*e)) return rare_earth_index(*e);
  std::vector<std::string> symbols;
  for (const RareEarth& re : rare_earths()) symbols.emplace_back(re.symbol);
  // One edit away from a two-letter symbol is another element's ('Fe' is not a typo of 'Ce'):
  // those get a case-only match alone.
  const std::optional<std::string> match = closest_match(text, symbols);
  const bool same_letters = match && match->size() == text.size() &&
                            std::equal(text.begin(), text.end(), match->begin(), [](char a, char b) {
                              return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
                            });
  const std::string near = match && (text.size() > 2 || same_letters) ? fmt::format("did you mean '{}'?", *match) : "";
  throw CLI::ValidationError("--element", fmt::format("'{}' is not a rare-earth symbol such as Nd, Dy or Tb{}", text,
                                                      near.empty() ? "" : "; " + near));
}

Stage stage_option(const std::string& text) {
  if (const auto stage = parse_stage(text)) return *stage;
  const std::vector<std::string> names = stage_names();
  const std::string near = did_you_mean(text, names);
  throw CLI::ValidationError("--stage", fmt::format("unknown stage '{}' ({}){}", text, fmt::join(names, ", "),
                                                    near.empty() ? "" : "; " + near));
}

void add_report_options(CLI::App* cmd, ReportOptions& options) {
  cmd->add_option("--format", options.format, "Output format: text (default), json, csv or md")
      ->check(CLI::IsMember({"text", "json", "csv", "md"}));
  cmd->add_option("-o,--output", options.output, "Write to this file (atomically) instead of stdout");
}

namespace {

using Json = nlohmann::ordered_json;

// Writes what value.dump(2) would, a piece at a time: a report's tree at 10^6 facilities dumps to
// about 100 MB of text, which would otherwise be held whole beside the tree.
class JsonPieces {
 public:
  explicit JsonPieces(const PieceSink& sink) : sink_(sink) {}

  void write(const Json& value, std::size_t depth) {
    const bool object = value.is_object(), array = value.is_array();
    if ((!object && !array) || value.empty()) {
      put(value.dump(2, ' ', false, Json::error_handler_t::replace));
      return;
    }
    put(object ? "{\n" : "[\n");
    const std::string inner(2 * (depth + 1), ' ');
    bool first = true;
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (!first) put(",\n");
      first = false;
      put(inner);
      if (object) {
        put(Json(it.key()).dump(-1, ' ', false, Json::error_handler_t::replace));
        put(": ");
      }
      write(*it, depth + 1);
    }
    put("\n");
    put(std::string(2 * depth, ' '));
    put(object ? "}" : "]");
  }

  void put(std::string_view text) {
    buffer_ += text;
    if (buffer_.size() >= kChunk) flush();
  }

  void flush() {
    if (buffer_.empty()) return;
    sink_(buffer_);
    buffer_.clear();
  }

 private:
  static constexpr std::size_t kChunk = std::size_t{1} << 16;
  const PieceSink& sink_;
  std::string buffer_;
};

}  // namespace

void emit_report(const std::function<Document()>& doc, const std::function<nlohmann::ordered_json()>& json,
                 const ReportOptions& options) {
  std::string text;
  if (options.format == "json") {
    const Json tree = json();
    emit_pieces(options.output, [&](const PieceSink& sink) {
      JsonPieces out(sink);
      out.write(tree, 0);
      out.put("\n");
      out.flush();
    });
    return;
  } else if (options.format == "csv") {
    text = render_csv(doc());
  } else if (options.format == "md") {
    text = render_markdown(doc());
  } else {
    text = render_text(doc());
  }
  emit(options.output, text);
}

std::string format_omitted(const Diagnostics& diagnostics, bool color, bool github) {
  std::string out;
  for (const OmittedDiagnostics& o : diagnostics.omitted()) {
    const std::string text =
        fmt::format("{} more {}[{}] not shown: the first {} of each code are listed ('chokepoint validate "
                    "--max-per-code 0' lists every one)",
                    o.count, severity_name(o.severity), o.code, diagnostics.limit());
    if (github) out += fmt::format("::notice title={}::{}\n", o.code, text);
    else out += fmt::format("{}note:{} {}\n", color ? "\033[1m" : "", color ? "\033[0m" : "", text);
  }
  return out;
}

void print_diagnostics(const Diagnostics& diagnostics, const GlobalOptions& global) {
  const bool color = use_color(global.color, 2);
  for (const auto& d : diagnostics.items()) fmt::print(stderr, "{}", format_diagnostic_text(d, color));
  fmt::print(stderr, "{}", format_omitted(diagnostics, color));
}

std::optional<Dataset> load_or_report(const std::string& path, const GlobalOptions& global) {
  DatasetLoad result = load_dataset(path, command_load_options());
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
