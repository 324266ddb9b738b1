#pragma once
/// Safe YAML reading for every loader: one document, no anchors, no duplicate keys, bounded size
/// and depth, and YAML 1.2 core-schema scalars. Only load/ sees yaml-cpp.

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "chokepoint/core/date.hpp"
#include "chokepoint/core/diagnostic.hpp"
#include "chokepoint/load/loader.hpp"

namespace chokepoint::yaml {

/// A parsed file: its text split into lines (for carets) and the root node (null on failure).
struct Document {
  std::string path;
  std::vector<std::string> lines;
  YAML::Node root;
  bool ok = false;
};

/// Reads and parses a file; every problem becomes a diagnostic.
Document read_file(const std::filesystem::path& path, const LoadLimits& limits, Diagnostics& diagnostics);
/// Parses text already in memory.
Document parse_text(std::string text, const std::string& path, const LoadLimits& limits, Diagnostics& diagnostics);

/// How a YAML 1.2 core schema resolves a scalar.
enum class ScalarKind { null, boolean, integer, floating, string, non_scalar, tagged };
ScalarKind classify(const YAML::Node& node);
const char* kind_name(ScalarKind k);

/// Reads nodes of one document with positions, reporting into `diagnostics`.
class Reader {
 public:
  Reader(const Document& doc, Diagnostics& diagnostics, const LoadLimits& limits)
      : doc_(doc), diagnostics_(diagnostics), limits_(limits) {}

  /// The 1-based location of a node (code-point column, token length, source line).
  [[nodiscard]] SourceLocation at(const YAML::Node& node) const;
  /// The location of a 0-based mark (line -1: the whole file).
  [[nodiscard]] SourceLocation at(int line0, int byte_column0) const;
  Diagnostic& error(std::string code, const YAML::Node& node, std::string message);
  /// A diagnostic at a 0-based mark, for positions kept after the node was read.
  Diagnostic& report(Severity severity, std::string code, int line0, int byte_column0, std::string message);
  Diagnostic& warning(std::string code, const YAML::Node& node, std::string message);
  [[nodiscard]] const std::string& line_text(int line) const;

  /// Walks a mapping, calling `on_key` for each known key; unknown keys get E201 with a note.
  /// Returns false when the node is not a mapping (E204 reported).
  bool each_key(const YAML::Node& map, std::string_view what, const std::vector<std::string>& known,
                const std::function<void(const std::string& key, const YAML::Node& key_node,
                                         const YAML::Node& value)>& on_key,
                const char* unknown_code = "E201");
  /// Reports E202 for each `required` key that the mapping lacks.
  void require_keys(const YAML::Node& map, std::string_view what, const std::vector<std::string>& required);

  std::optional<std::string> string(const YAML::Node& value, const YAML::Node& key, std::string_view what);
  std::optional<double> number(const YAML::Node& value, const YAML::Node& key, std::string_view what);
  std::optional<long long> integer(const YAML::Node& value, const YAML::Node& key, std::string_view what);
  std::optional<Date> date(const YAML::Node& value, const YAML::Node& key, std::string_view what);
  /// A kebab-case id within the id length limit.
  std::optional<std::string> id(const YAML::Node& value, const YAML::Node& key, std::string_view what);
  /// A list of strings; each failing item is reported and skipped.
  std::vector<std::pair<std::string, YAML::Node>> string_list(const YAML::Node& value, const YAML::Node& key,
                                                              std::string_view what);
  /// A sequence; reports E204 otherwise.
  bool is_list(const YAML::Node& value, const YAML::Node& key, std::string_view what);

 private:
  const Document& doc_;
  Diagnostics& diagnostics_;
  const LoadLimits& limits_;
};

}  // namespace chokepoint::yaml
