#pragma once
/// Diagnostics: what the loaders and `validate` report, compiler-style.

#include <cstdint>
#include <string>
#include <vector>

namespace chokepoint {

enum class Severity : std::uint8_t { error, warning, note };

/// A position in a source file; line and column are 1-based, column counts code points.
struct SourceLocation {
  std::string file;
  int line = 0;    ///< 0 when the diagnostic is about the whole file
  int column = 0;  ///< 0 when unknown
  int length = 1;  ///< code points underlined by the caret
};

/// One problem found in an input, with a stable code (E### errors, W### warnings).
struct Diagnostic {
  Severity severity = Severity::error;
  std::string code;
  SourceLocation where;
  std::string message;
  std::string source_line;          ///< the text of the line, for the caret display
  std::vector<std::string> notes;   ///< "did you mean 'x'?" and similar
};

/// Collects diagnostics in the order they are found.
class Diagnostics {
 public:
  Diagnostic& add(Diagnostic d);
  Diagnostic& error(std::string code, SourceLocation where, std::string message);
  Diagnostic& warning(std::string code, SourceLocation where, std::string message);
  void append(const Diagnostics& other);

  [[nodiscard]] const std::vector<Diagnostic>& items() const { return items_; }
  [[nodiscard]] std::size_t error_count() const;
  [[nodiscard]] std::size_t warning_count() const;
  [[nodiscard]] bool has_errors() const { return error_count() > 0; }
  [[nodiscard]] bool empty() const { return items_.empty(); }
  /// Sorts by file, line, column, code; keeps the first-found order among equals.
  void sort();

 private:
  std::vector<Diagnostic> items_;
};

/// "file:line:col: error[E203]: message", the source line with a caret, and notes.
std::string format_diagnostic_text(const Diagnostic& d, bool color);
/// A GitHub Actions workflow command: "::error file=...,line=...,col=...,title=E203::message".
std::string format_diagnostic_github(const Diagnostic& d);
/// 0-based byte column in `line` to a 1-based code-point column.
int byte_to_codepoint_column(const std::string& line, int byte_column0);
/// Length in code points of the token that starts at 1-based code-point column `column`.
int token_length_at(const std::string& line, int column);
const char* severity_name(Severity s);

}  // namespace chokepoint
