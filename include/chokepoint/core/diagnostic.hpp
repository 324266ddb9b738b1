#pragma once
/// Diagnostics: what the loaders and `validate` report, compiler-style.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace chokepoint {

enum class Severity : std::uint8_t { error, warning, note };

/// The name of a source file, interned: every location in one file shares one immortal string,
/// named by a 4-byte number, so that a location costs 4 bytes for its file however many records
/// (millions, in a large dataset) point into it. Converts implicitly to and from std::string.
class FileName {
 public:
  FileName() = default;
  FileName(const std::string& name);   // NOLINT(google-explicit-constructor): a drop-in for std::string
  FileName(const char* name);          // NOLINT(google-explicit-constructor)
  [[nodiscard]] const std::string& str() const { return id_ == 0 ? none() : lookup(id_); }
  operator const std::string&() const { return str(); }   // NOLINT(google-explicit-constructor)
  [[nodiscard]] bool empty() const { return id_ == 0; }
  [[nodiscard]] const char* c_str() const { return str().c_str(); }
  friend bool operator==(const FileName& a, const FileName& b) { return a.str() == b.str(); }
  friend bool operator==(const FileName& a, const std::string& b) { return a.str() == b; }
  friend bool operator<(const FileName& a, const FileName& b) { return a.str() < b.str(); }

 private:
  static const std::string& none();
  static const std::string& lookup(std::uint32_t id);
  std::uint32_t id_ = 0;  // 0: no file; else 1 + its place among the names interned
};

/// A position in a source file; line and column are 1-based, column counts code points.
/// 12 bytes (it was 24): every facility, link, output and demand entry carries one. Column and
/// caret length share 32 bits: a column past kMaxColumn is stored as 0 ("unknown", so no caret
/// is drawn rather than a wrong one) and a length past kMaxLength is clipped to it.
struct SourceLocation {
  static constexpr int kMaxColumn = (1 << 20) - 1;  ///< 1,048,575 code points into a line
  static constexpr int kMaxLength = (1 << 10) - 1;  ///< 1,023 code points underlined

  FileName file;
  int line = 0;         ///< 0 when the diagnostic is about the whole file
  int column : 21 = 0;  ///< 0 when unknown; set through the constructor or set_column
  int length : 11 = 1;  ///< code points underlined by the caret; set through set_length

  SourceLocation() = default;
  SourceLocation(FileName f, int line_, int column_ = 0, int length_ = 1)  // NOLINT(google-explicit-constructor)
      : file(f), line(line_) {
    set_column(column_);
    set_length(length_);
  }
  void set_column(int c) { column = c > kMaxColumn || c < 0 ? 0 : c; }
  void set_length(int n) { length = n > kMaxLength ? kMaxLength : (n < 0 ? 0 : n); }
};
static_assert(sizeof(SourceLocation) == 12);

/// One problem found in an input, with a stable code (E### errors, W### warnings).
struct Diagnostic {
  Severity severity = Severity::error;
  std::string code;
  SourceLocation where;
  std::string message;
  std::string source_line;          ///< the text of the line, for the caret display
  std::vector<std::string> notes;   ///< "did you mean 'x'?" and similar
};

/// Diagnostics of one code found beyond the limit: counted, not kept.
struct OmittedDiagnostics {
  std::string code;
  Severity severity = Severity::error;
  std::size_t count = 0;
};

/// Collects diagnostics in the order they are found. With a limit, only the first `limit` of each
/// code are kept and the rest counted (one broken header of a table of links can otherwise make
/// millions of "unknown facility" errors); the counts include them.
class Diagnostics {
 public:
  Diagnostics() = default;
  explicit Diagnostics(std::size_t limit_per_code) : limit_(limit_per_code) {}

  /// Keeps at most `per_code` diagnostics of each code from now on (0: every one).
  void set_limit(std::size_t per_code) { limit_ = per_code; }
  [[nodiscard]] std::size_t limit() const { return limit_; }

  /// Adds a diagnostic; past the limit for its code it is counted and the reference is to a
  /// scratch diagnostic that is thrown away.
  Diagnostic& add(Diagnostic d);
  /// Moves every diagnostic of `other`, in order, to the end of this list (under this list's
  /// limit), with what `other` counted and did not keep.
  void append(Diagnostics&& other);
  Diagnostic& error(std::string code, SourceLocation where, std::string message);
  Diagnostic& warning(std::string code, SourceLocation where, std::string message);
  void append(const Diagnostics& other);

  /// The diagnostics kept.
  [[nodiscard]] const std::vector<Diagnostic>& items() const { return items_; }
  /// Per code, in the order first omitted: those found past the limit.
  [[nodiscard]] const std::vector<OmittedDiagnostics>& omitted() const { return omitted_; }
  /// Errors found, kept or not.
  [[nodiscard]] std::size_t error_count() const;
  /// Warnings found, kept or not.
  [[nodiscard]] std::size_t warning_count() const;
  [[nodiscard]] bool has_errors() const { return error_count() > 0; }
  [[nodiscard]] bool empty() const { return items_.empty() && omitted_.empty(); }
  /// Sorts the kept diagnostics by file, line, column, code; keeps the first-found order among equals.
  void sort();

 private:
  void omit(const std::string& code, Severity severity, std::size_t count);
  [[nodiscard]] std::size_t count(Severity severity) const;

  std::vector<Diagnostic> items_;
  std::size_t limit_ = 0;
  std::vector<std::pair<std::string, std::size_t>> kept_;   // per code seen, how many kept (few codes)
  std::vector<OmittedDiagnostics> omitted_;
  Diagnostic scratch_;
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

template <>
struct fmt::formatter<chokepoint::FileName> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(const chokepoint::FileName& f, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(f.str(), ctx);
  }
};
