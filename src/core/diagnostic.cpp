#include "chokepoint/core/diagnostic.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>

namespace chokepoint {

namespace {

// Interned file names live for the whole process: a handful of files per run, each stored once.
// Name k (from 1) is in chunk (k - 1) / kChunk. Interning takes the mutex; reading does not (the
// loaders read tables on several threads), so the chunks and their entries are atomics written
// once, and a name's chunk and entry are written before its number is handed out.
constexpr std::size_t kChunk = 1024;
constexpr std::size_t kChunks = 4096;  // up to 4,194,304 names
using Chunk = std::array<std::atomic<const std::string*>, kChunk>;

struct NameTable {
  std::mutex mutex;
  std::unordered_map<std::string, std::uint32_t> ids;
  std::deque<std::string> names;  // stable addresses
  std::array<std::atomic<Chunk*>, kChunks> chunks{};
};

NameTable& names() {
  static NameTable* const table = new NameTable();  // never freed: names outlive every object
  return *table;
}

std::uint32_t intern(const std::string& name) {
  if (name.empty()) return 0;
  NameTable& t = names();
  std::lock_guard<std::mutex> lock(t.mutex);
  if (const auto it = t.ids.find(name); it != t.ids.end()) return it->second;
  const std::size_t k = t.names.size();
  if (k >= kChunk * kChunks) throw std::length_error("more than 4,194,304 distinct file names");
  t.names.push_back(name);
  Chunk* chunk = t.chunks[k / kChunk].load(std::memory_order_acquire);
  if (chunk == nullptr) {
    chunk = new Chunk();  // never freed, as the names
    t.chunks[k / kChunk].store(chunk, std::memory_order_release);
  }
  (*chunk)[k % kChunk].store(&t.names.back(), std::memory_order_release);
  const auto id = static_cast<std::uint32_t>(k + 1);
  t.ids.emplace(name, id);
  return id;
}

}  // namespace

FileName::FileName(const std::string& name) : id_(intern(name)) {}
FileName::FileName(const char* name) : id_(name ? intern(std::string(name)) : 0) {}

const std::string& FileName::lookup(std::uint32_t id) {
  const std::size_t k = id - 1;
  return *(*names().chunks[k / kChunk].load(std::memory_order_acquire))[k % kChunk].load(std::memory_order_acquire);
}

const std::string& FileName::none() {
  static const std::string none;
  return none;
}

namespace {

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Percent-encodes what GitHub's workflow-command parser would otherwise split on.
std::string github_escape(std::string_view s, bool property) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '%': out += "%25"; break;
      case '\r': out += "%0D"; break;
      case '\n': out += "%0A"; break;
      case ':': out += property ? "%3A" : ":"; break;
      case ',': out += property ? "%2C" : ","; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::note: return "note";
  }
  return "error";
}

Diagnostic& Diagnostics::add(Diagnostic d) {
  if (limit_ != 0) {
    auto it = std::find_if(kept_.begin(), kept_.end(), [&](const auto& k) { return k.first == d.code; });
    if (it == kept_.end()) it = kept_.insert(kept_.end(), {d.code, 0});
    if (it->second >= limit_) {
      omit(d.code, d.severity, 1);
      scratch_ = std::move(d);
      return scratch_;
    }
    ++it->second;
  }
  items_.push_back(std::move(d));
  return items_.back();
}

void Diagnostics::omit(const std::string& code, Severity severity, std::size_t count) {
  auto it = std::find_if(omitted_.begin(), omitted_.end(),
                         [&](const OmittedDiagnostics& o) { return o.code == code && o.severity == severity; });
  if (it == omitted_.end()) it = omitted_.insert(omitted_.end(), {code, severity, 0});
  it->count += count;
}

Diagnostic& Diagnostics::error(std::string code, SourceLocation where, std::string message) {
  return add(Diagnostic{Severity::error, std::move(code), std::move(where), std::move(message), {}, {}});
}

Diagnostic& Diagnostics::warning(std::string code, SourceLocation where, std::string message) {
  return add(Diagnostic{Severity::warning, std::move(code), std::move(where), std::move(message), {}, {}});
}

void Diagnostics::append(const Diagnostics& other) {
  for (const Diagnostic& d : other.items_) add(d);
  for (const OmittedDiagnostics& o : other.omitted_) omit(o.code, o.severity, o.count);
}

std::size_t Diagnostics::error_count() const {
  return count(Severity::error);
}

std::size_t Diagnostics::warning_count() const {
  return count(Severity::warning);
}

std::size_t Diagnostics::count(Severity severity) const {
  std::size_t n = static_cast<std::size_t>(
      std::count_if(items_.begin(), items_.end(), [&](const auto& d) { return d.severity == severity; }));
  for (const OmittedDiagnostics& o : omitted_) n += o.severity == severity ? o.count : 0;
  return n;
}

void Diagnostics::append(Diagnostics&& other) {
  if (limit_ == 0 && omitted_.empty()) {
    items_.insert(items_.end(), std::make_move_iterator(other.items_.begin()),
                  std::make_move_iterator(other.items_.end()));
  } else {
    for (Diagnostic& d : other.items_) add(std::move(d));
  }
  for (const OmittedDiagnostics& o : other.omitted_) omit(o.code, o.severity, o.count);
  other.items_.clear();
  other.omitted_.clear();
  other.kept_.clear();
}

void Diagnostics::sort() {
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    // The column is a bit-field, which std::tie cannot refer to: compare copies.
    const int ca = a.where.column, cb = b.where.column;
    return std::tie(a.where.file, a.where.line, ca, a.code) < std::tie(b.where.file, b.where.line, cb, b.code);
  });
}

int byte_to_codepoint_column(const std::string& line, int byte_column0) {
  int col = 1;
  const int limit = std::min<int>(byte_column0, static_cast<int>(line.size()));
  for (int i = 0; i < limit; ++i) {
    if (!is_continuation(static_cast<unsigned char>(line[static_cast<std::size_t>(i)]))) ++col;
  }
  return col;
}

int token_length_at(const std::string& line, int column) {
  // Find the byte offset of the code-point column.
  std::size_t pos = 0;
  for (int col = 1; pos < line.size() && col < column; ++col) {
    ++pos;
    while (pos < line.size() && is_continuation(static_cast<unsigned char>(line[pos]))) ++pos;
  }
  if (pos >= line.size()) return 1;
  std::size_t end = pos;
  const char open = line[pos];
  if (open == '[' || open == '{' || open == '&' || open == '*' || open == ',') return 1;
  if (open == '"' || open == '\'') {
    end = pos + 1;
    while (end < line.size() && line[end] != open) end += (line[end] == '\\' && open == '"') ? 2 : 1;
    end = std::min(end + 1, line.size());
  } else {
    while (end < line.size()) {
      const char c = line[end];
      if (c == ',' || c == ']' || c == '}' || c == '\r') break;
      if (c == ':' && (end + 1 == line.size() || line[end + 1] == ' ')) break;
      if (c == '#' && end > pos && line[end - 1] == ' ') break;
      ++end;
    }
    while (end > pos + 1 && line[end - 1] == ' ') --end;
  }
  int length = 0;
  for (std::size_t i = pos; i < end; ++i) {
    if (!is_continuation(static_cast<unsigned char>(line[i]))) ++length;
  }
  return std::max(length, 1);
}

std::string format_diagnostic_text(const Diagnostic& d, bool color) {
  const char* bold = color ? "\033[1m" : "";
  const char* reset = color ? "\033[0m" : "";
  const char* sev_color = !color ? "" : d.severity == Severity::error ? "\033[1;31m" : "\033[1;35m";
  const char* caret_color = color ? "\033[1;32m" : "";
  std::string out;
  std::string where = d.where.file;
  if (d.where.line > 0) where += fmt::format(":{}", d.where.line);
  if (d.where.line > 0 && d.where.column > 0) where += fmt::format(":{}", d.where.column);
  out += fmt::format("{}{}:{} {}{}[{}]:{} {}\n", bold, where, reset, sev_color, severity_name(d.severity), d.code,
                     reset, d.message);
  if (d.where.line > 0 && !d.source_line.empty()) {
    const std::string number = std::to_string(d.where.line);
    const std::string gutter(std::max<std::size_t>(number.size(), 4), ' ');
    out += fmt::format("{:>{}} | {}\n", number, gutter.size(), d.source_line);
    if (d.where.column > 0) {
      // Tabs in the source keep their width in the caret line.
      std::string pad;
      int col = 1;
      for (std::size_t i = 0; i < d.source_line.size() && col < d.where.column; ++i) {
        const auto c = static_cast<unsigned char>(d.source_line[i]);
        if (is_continuation(c)) continue;
        pad += c == '\t' ? '\t' : ' ';
        ++col;
      }
      const int len = std::max(d.where.length, 1);
      out += fmt::format("{} | {}{}^{}{}\n", gutter, pad, caret_color, std::string(static_cast<std::size_t>(len - 1), '~'),
                         reset);
    }
  }
  for (const auto& note : d.notes) out += fmt::format("{}note:{} {}\n", bold, reset, note);
  return out;
}

std::string format_diagnostic_github(const Diagnostic& d) {
  const char* kind = d.severity == Severity::error ? "error" : d.severity == Severity::warning ? "warning" : "notice";
  std::string props = "file=" + github_escape(d.where.file.str(), true);
  if (d.where.line > 0) props += fmt::format(",line={}", d.where.line);
  if (d.where.line > 0 && d.where.column > 0) {
    props += fmt::format(",col={},endColumn={}", d.where.column, d.where.column + std::max(d.where.length, 1));
  }
  props += ",title=" + github_escape(d.code, true);
  std::string message = d.message;
  for (const auto& n : d.notes) message += "\n" + n;
  return fmt::format("::{} {}::{}", kind, props, github_escape(message, false));
}

}  // namespace chokepoint
