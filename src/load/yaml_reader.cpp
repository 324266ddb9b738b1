#include "chokepoint/load/yaml_reader.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include "chokepoint/core/text.hpp"

namespace chokepoint::yaml {
namespace {

namespace fs = std::filesystem;

SourceLocation location(const Document& doc, int line0, int byte_col0) {
  SourceLocation where{doc.path, 0, 0, 1};
  if (line0 < 0) return where;
  where.line = line0 + 1;
  if (static_cast<std::size_t>(line0) < doc.lines.size()) {
    const std::string& text = doc.lines[static_cast<std::size_t>(line0)];
    where.column = byte_to_codepoint_column(text, byte_col0);
    where.length = token_length_at(text, where.column);
  } else {
    where.column = byte_col0 + 1;
  }
  return where;
}

Diagnostic& report(Diagnostics& out, const Document& doc, Severity sev, std::string code, const YAML::Mark& mark,
                   std::string message) {
  SourceLocation where = location(doc, mark.line, mark.column);
  Diagnostic d{sev, std::move(code), where, std::move(message), {}, {}};
  if (where.line > 0 && static_cast<std::size_t>(where.line) <= doc.lines.size()) {
    d.source_line = doc.lines[static_cast<std::size_t>(where.line - 1)];
  }
  return out.add(std::move(d));
}

// Pass 1 over parser events: duplicate keys, anchors and aliases, non-scalar keys, depth and
// node budget, all before a node tree exists (yaml-cpp builds cyclic trees from `&a [*a]`).
class StrictChecker : public YAML::EventHandler {
 public:
  StrictChecker(const Document& doc, const LoadLimits& limits) : doc_(doc), limits_(limits) {}

  void OnDocumentStart(const YAML::Mark& m) override { last_document_ = m; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t a) override { scalar(m, a, "~"); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override {
    fatal("E102", m, "aliases (*name) are not allowed; write the value out");
    scalar(m, 0, "*");
  }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t a, const std::string& v) override {
    scalar(m, a, v);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a, false);
  }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a, true);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapEnd() override { close(); }

  Diagnostics diagnostics;
  bool fatal_ = false;   ///< the tree must not be built (aliases, budget, depth)
  YAML::Mark last_document_;
  bool too_deep_ = false;
  YAML::Mark too_deep_at_;

 private:
  struct Frame {
    bool is_map;
    bool expect_key;
    std::set<std::string> keys;
  };

  void fatal(const char* code, const YAML::Mark& m, std::string message) {
    fatal_ = true;
    if (reported_fatal_.insert(code).second) report(diagnostics, doc_, Severity::error, code, m, std::move(message));
  }
  void count(const YAML::Mark& m) {
    if (++nodes_ > limits_.max_nodes_per_file) {
      fatal("E104", m, fmt::format("file has more than {} YAML nodes; split it into several files",
                                   limits_.max_nodes_per_file));
    }
  }
  void anchor(const YAML::Mark& m, YAML::anchor_t a) {
    if (a) fatal("E102", m, "anchors (&name) are not allowed; write the value out");
  }
  void key_slot(const YAML::Mark& m, bool is_collection, const std::string& text) {
    if (stack_.empty() || !stack_.back().is_map) return;
    Frame& f = stack_.back();
    if (f.expect_key) {
      if (is_collection) {
        report(diagnostics, doc_, Severity::error, "E106", m, "mapping keys must be plain scalars");
      } else if (!f.keys.insert(text).second) {
        report(diagnostics, doc_, Severity::error, "E101", m, fmt::format("duplicate key '{}'", text))
            .notes.push_back("yaml-cpp would silently keep the first value; remove one of them");
      }
    }
    f.expect_key = !f.expect_key;
  }
  void open(const YAML::Mark& m, YAML::anchor_t a, bool is_map) {
    count(m);
    anchor(m, a);
    key_slot(m, true, {});
    if (static_cast<int>(stack_.size()) >= limits_.max_depth) {
      if (!too_deep_) too_deep_at_ = m;
      too_deep_ = true;
      fatal("E103", m, fmt::format("nesting deeper than {} levels", limits_.max_depth));
    }
    stack_.push_back({is_map, true, {}});
  }
  void close() {
    if (!stack_.empty()) stack_.pop_back();
  }
  void scalar(const YAML::Mark& m, YAML::anchor_t a, const std::string& v) {
    count(m);
    anchor(m, a);
    key_slot(m, false, v);
  }

  const Document& doc_;
  const LoadLimits& limits_;
  std::vector<Frame> stack_;
  std::size_t nodes_ = 0;
  std::set<std::string> reported_fatal_;
};

const std::regex& float_re() {
  static const std::regex re(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  return re;
}

bool is_plain(const YAML::Node& n) { return n.Tag() == "?"; }

std::string shown(const YAML::Node& n) {
  std::string s = n.Scalar();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

}  // namespace

ScalarKind classify(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return ScalarKind::null;
  if (!node.IsScalar()) return ScalarKind::non_scalar;
  if (node.Tag() != "?" && node.Tag() != "!") return ScalarKind::tagged;
  if (!is_plain(node)) return ScalarKind::string;
  const std::string& s = node.Scalar();
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE") {
    return ScalarKind::boolean;
  }
  if (s == "null" || s == "Null" || s == "NULL" || s == "~" || s.empty()) return ScalarKind::null;
  static const std::regex int_re(R"([-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)");
  if (std::regex_match(s, int_re)) return ScalarKind::integer;
  static const std::regex special_re(R"([-+]?(\.inf|\.Inf|\.INF)|\.nan|\.NaN|\.NAN)");
  if (std::regex_match(s, float_re()) || std::regex_match(s, special_re)) return ScalarKind::floating;
  return ScalarKind::string;
}

const char* kind_name(ScalarKind k) {
  switch (k) {
    case ScalarKind::null: return "an empty value";
    case ScalarKind::boolean: return "a boolean";
    case ScalarKind::integer: return "an integer";
    case ScalarKind::floating: return "a number";
    case ScalarKind::string: return "a string";
    case ScalarKind::non_scalar: return "a list or mapping";
    case ScalarKind::tagged: return "an explicitly tagged value (YAML tags such as !!int are not supported)";
  }
  return "a value";
}

Document parse_text(std::string text, const std::string& path, const LoadLimits& limits, Diagnostics& diagnostics) {
  Document doc;
  doc.path = path;
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
  doc.lines = split_lines(text);
  std::size_t bad = 0;
  if (!is_valid_utf8(text, &bad)) {
    const std::size_t line0 = static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(bad), '\n'));
    const std::size_t line_start = text.rfind('\n', bad == 0 ? 0 : bad - 1);
    const int col0 = static_cast<int>(bad - (line_start == std::string::npos || bad == 0 ? 0 : line_start + 1));
    Diagnostic d{Severity::error, "E108", {path, static_cast<int>(line0) + 1, col0 + 1, 1},
                 "file is not valid UTF-8 (is it a binary file?)", {}, {}};
    diagnostics.add(std::move(d));
    doc.lines.clear();
    return doc;
  }
  if (text.find('\0') != std::string::npos) {
    diagnostics.error("E108", {path, 0, 0, 1}, "file contains NUL bytes (is it a binary file?)");
    return doc;
  }

  StrictChecker checker(doc, limits);
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    int documents = 0;
    // Never LoadAll: it loops forever on ",". One document per file, checked here.
    while (parser.HandleNextDocument(checker)) {
      if (++documents > 1) {
        report(diagnostics, doc, Severity::error, "E105", checker.last_document_,
               "a file may hold only one YAML document; this starts a second one (a '---', or text outside the "
               "top-level mapping)");
        return doc;
      }
    }
  } catch (const YAML::DeepRecursion& e) {
    report(diagnostics, doc, Severity::error, "E103", checker.too_deep_ ? checker.too_deep_at_ : e.mark,
           fmt::format("nesting deeper than {} levels", limits.max_depth));
    return doc;
  } catch (const YAML::Exception& e) {
    // Events before a syntax error can be garbage, so the checker's findings are dropped.
    report(diagnostics, doc, Severity::error, "E100", e.mark, "YAML syntax error: " + e.msg);
    return doc;
  } catch (const std::exception& e) {
    diagnostics.error("E100", {path, 0, 0, 1}, std::string("YAML could not be parsed: ") + e.what());
    return doc;
  }
  diagnostics.append(checker.diagnostics);
  if (checker.fatal_) return doc;
  try {
    doc.root = YAML::Load(text);
  } catch (const std::exception& e) {
    diagnostics.error("E100", {path, 0, 0, 1}, std::string("YAML could not be parsed: ") + e.what());
    return doc;
  }
  if (!doc.root.IsDefined() || doc.root.IsNull()) {
    diagnostics.error("E107", {path, 0, 0, 1}, "file is empty (it has no sections)");
    return doc;
  }
  if (!doc.root.IsMap()) {
    report(diagnostics, doc, Severity::error, "E107", doc.root.Mark(),
           "a data file must be a mapping of sections (dataset, sources, ...)");
    return doc;
  }
  doc.ok = true;
  return doc;
}

Document read_file(const fs::path& path, const LoadLimits& limits, Diagnostics& diagnostics) {
  Document doc;
  doc.path = path.generic_string();
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    diagnostics.error("E001", {doc.path, 0, 0, 1},
                      fs::is_symlink(fs::symlink_status(path, ec)) ? "dangling symbolic link" : "no such file");
    return doc;
  }
  if (!fs::is_regular_file(status)) {
    diagnostics.error("E003", {doc.path, 0, 0, 1}, "not a regular file");
    return doc;
  }
  const auto size = fs::file_size(path, ec);
  if (!ec && size > limits.max_file_bytes) {
    diagnostics.error("E004", {doc.path, 0, 0, 1},
                      fmt::format("file is {} bytes, above the limit of {} bytes", size, limits.max_file_bytes));
    return doc;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diagnostics.error("E001", {doc.path, 0, 0, 1}, "cannot open file for reading");
    return doc;
  }
  std::string text;
  text.resize(static_cast<std::size_t>(size));
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (in.gcount() != static_cast<std::streamsize>(size) && !in.eof()) {
    diagnostics.error("E001", {doc.path, 0, 0, 1}, "cannot read file");
    return doc;
  }
  text.resize(static_cast<std::size_t>(in.gcount()));
  return parse_text(std::move(text), doc.path, limits, diagnostics);
}

SourceLocation Reader::at(const YAML::Node& node) const {
  if (!node.IsDefined()) return {doc_.path, 0, 0, 1};
  const YAML::Mark m = node.Mark();
  return location(doc_, m.line, m.column);
}

SourceLocation Reader::at(int line0, int byte_column0) const {
  if (line0 < 0) return {doc_.path, 0, 0, 1};
  return location(doc_, line0, byte_column0);
}

Diagnostic& Reader::report(Severity severity, std::string code, int line0, int byte_column0, std::string message) {
  SourceLocation where = at(line0, byte_column0);
  Diagnostic& d = severity == Severity::warning ? diagnostics_.warning(std::move(code), where, std::move(message))
                                                : diagnostics_.error(std::move(code), where, std::move(message));
  d.source_line = line_text(where.line);
  return d;
}

const std::string& Reader::line_text(int line) const {
  static const std::string empty;
  return line > 0 && static_cast<std::size_t>(line) <= doc_.lines.size() ? doc_.lines[static_cast<std::size_t>(line - 1)]
                                                                          : empty;
}

Diagnostic& Reader::error(std::string code, const YAML::Node& node, std::string message) {
  SourceLocation where = at(node);
  Diagnostic& d = diagnostics_.error(std::move(code), where, std::move(message));
  d.source_line = line_text(where.line);
  return d;
}

Diagnostic& Reader::warning(std::string code, const YAML::Node& node, std::string message) {
  SourceLocation where = at(node);
  Diagnostic& d = diagnostics_.warning(std::move(code), where, std::move(message));
  d.source_line = line_text(where.line);
  return d;
}

bool Reader::each_key(const YAML::Node& map, std::string_view what, const std::vector<std::string>& known,
                      const std::function<void(const std::string&, const YAML::Node&, const YAML::Node&)>& on_key,
                      const char* unknown_code) {
  if (!map.IsMap()) {
    error("E204", map, fmt::format("{} must be a mapping, got {}", what, kind_name(classify(map))));
    return false;
  }
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar()) continue;  // reported by the strict checker (E106)
    const std::string& name = key.Scalar();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      auto& d = error(unknown_code, key, fmt::format("unknown {} '{}' in {}",
                                                     std::string_view(unknown_code) == "E200" ? "section" : "key", name, what));
      if (auto note = did_you_mean(name, known); !note.empty()) d.notes.push_back(note);
      continue;
    }
    on_key(name, key, it->second);
  }
  return true;
}

void Reader::require_keys(const YAML::Node& map, std::string_view what, const std::vector<std::string>& required) {
  if (!map.IsMap()) return;
  for (const auto& name : required) {
    bool found = false;
    for (auto it = map.begin(); it != map.end() && !found; ++it) {
      found = it->first.IsScalar() && it->first.Scalar() == name;
    }
    if (!found) error("E202", map, fmt::format("{} is missing required key '{}'", what, name));
  }
}

std::optional<std::string> Reader::string(const YAML::Node& value, const YAML::Node& key, std::string_view what) {
  const ScalarKind k = classify(value);
  if (k == ScalarKind::string) return value.Scalar();
  auto& d = error("E204", k == ScalarKind::null ? key : value,
                  fmt::format("{} must be a string, got {}", what, kind_name(k)));
  if (k == ScalarKind::integer || k == ScalarKind::floating || k == ScalarKind::boolean) {
    d.notes.push_back(fmt::format("quote it: \"{}\"", shown(value)));
  }
  return std::nullopt;
}

std::optional<double> Reader::number(const YAML::Node& value, const YAML::Node& key, std::string_view what) {
  const ScalarKind k = classify(value);
  if (k == ScalarKind::integer || k == ScalarKind::floating) {
    const std::string& s = value.Scalar();
    if (s.rfind("0x", 0) == 0 || s.rfind("0o", 0) == 0) {
      error("E204", value, fmt::format("{} must be a decimal number, got '{}'", what, s));
      return std::nullopt;
    }
    double v = 0;
    const char* begin = s.data() + (s.size() > 0 && s[0] == '+' ? 1 : 0);
    auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), v);
    if (ec == std::errc::result_out_of_range) {
      // Underflow (1e-400) is a tiny number, not an error; overflow is.
      const double approx = std::strtod(s.c_str(), nullptr);
      if (std::abs(approx) < 1.0) return approx;
    }
    if (ec == std::errc::result_out_of_range || (ec == std::errc() && !std::isfinite(v))) {
      error("E204", value, fmt::format("{} '{}' is out of range for a number", what, shown(value)));
      return std::nullopt;
    }
    if (ec != std::errc() || ptr != s.data() + s.size()) {
      error("E204", value, fmt::format("{} must be a finite number, got '{}'", what, shown(value)));
      return std::nullopt;
    }
    return v;
  }
  auto& d = error("E204", k == ScalarKind::null ? key : value,
                  fmt::format("{} must be a number, got {}", what, kind_name(k)));
  if (k == ScalarKind::string && std::regex_match(value.Scalar(), float_re())) {
    d.notes.push_back("a quoted number is a string; remove the quotes");
  }
  return std::nullopt;
}

std::optional<long long> Reader::integer(const YAML::Node& value, const YAML::Node& key, std::string_view what) {
  const ScalarKind k = classify(value);
  if (k != ScalarKind::integer) {
    error("E204", k == ScalarKind::null ? key : value, fmt::format("{} must be an integer, got {}", what, kind_name(k)));
    return std::nullopt;
  }
  const std::string& s = value.Scalar();
  long long v = 0;
  const char* begin = s.data() + (s.size() > 0 && s[0] == '+' ? 1 : 0);
  auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    error("E204", value, fmt::format("{} must be a decimal integer, got '{}'", what, shown(value)));
    return std::nullopt;
  }
  return v;
}

std::optional<Date> Reader::date(const YAML::Node& value, const YAML::Node& key, std::string_view what) {
  const ScalarKind k = classify(value);
  if (k != ScalarKind::string) {
    error("E208", k == ScalarKind::null ? key : value,
          fmt::format("{} must be an ISO date (YYYY-MM-DD), got {}", what, kind_name(k)));
    return std::nullopt;
  }
  auto d = parse_iso_date(value.Scalar());
  if (!d) {
    error("E208", value, fmt::format("{} '{}' is not an ISO date (YYYY-MM-DD) on the calendar", what, shown(value)));
  }
  return d;
}

std::optional<std::string> Reader::id(const YAML::Node& value, const YAML::Node& key, std::string_view what) {
  auto s = string(value, key, what);
  if (!s) return std::nullopt;
  if (s->size() > limits_.max_id_length) {
    error("E206", value, fmt::format("{} is {} characters long; the limit is {}", what, s->size(), limits_.max_id_length));
    return std::nullopt;
  }
  if (!is_kebab_id(*s)) {
    error("E206", value, fmt::format("{} '{}' must be lower-case kebab-case (a-z, 0-9 and single '-')", what, shown(value)));
    return std::nullopt;
  }
  return s;
}

bool Reader::is_list(const YAML::Node& value, const YAML::Node& key, std::string_view what) {
  if (value.IsSequence()) return true;
  const ScalarKind k = classify(value);
  error("E204", k == ScalarKind::null ? key : value,
        fmt::format("{} must be a list, got {}", what, value.IsMap() ? "a mapping" : kind_name(k)));
  return false;
}

std::vector<std::pair<std::string, YAML::Node>> Reader::string_list(const YAML::Node& value, const YAML::Node& key,
                                                                    std::string_view what) {
  std::vector<std::pair<std::string, YAML::Node>> items;
  if (!is_list(value, key, what)) return items;
  for (const auto& item : value) {
    if (auto s = string(item, item, fmt::format("each item of {}", what))) items.emplace_back(*s, item);
  }
  return items;
}

}  // namespace chokepoint::yaml
