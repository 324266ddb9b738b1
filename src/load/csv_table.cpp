#include "csv_table.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <system_error>

#include <fmt/format.h>

#include "chokepoint/core/text.hpp"

namespace chokepoint::csv {
namespace {

namespace fs = std::filesystem;

bool is_lead_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }

// RFC 4180 leaves the digits alone; from_chars would also take "inf", "nan" and ".5".
bool looks_decimal(std::string_view s) {
  std::size_t i = s.size() > 1 && s[0] == '-' ? 1 : 0;
  return i < s.size() && s[i] >= '0' && s[i] <= '9';
}

}  // namespace

std::string Table::line_text(int line) const {
  if (line < 1 || static_cast<std::size_t>(line) > line_starts_.size()) return {};
  const std::size_t begin = line_starts_[static_cast<std::size_t>(line - 1)];
  std::size_t end = buffer_.find('\n', begin);
  if (end == std::string::npos) end = buffer_.size();
  if (end > begin && buffer_[end - 1] == '\r') --end;
  return buffer_.substr(begin, end - begin);
}

std::uint32_t Table::raw_field_bytes(std::uint32_t offset) const {
  std::size_t i = offset;
  if (i < buffer_.size() && buffer_[i] == '"') {
    for (++i; i < buffer_.size(); ++i) {
      if (buffer_[i] != '"') continue;
      if (i + 1 < buffer_.size() && buffer_[i + 1] == '"') {
        ++i;
        continue;
      }
      ++i;
      break;
    }
  } else {
    while (i < buffer_.size() && buffer_[i] != ',' && buffer_[i] != '\n' && buffer_[i] != '\r') ++i;
  }
  return static_cast<std::uint32_t>(i - offset);
}

Cell Table::cell_at(std::uint32_t offset) const {
  Cell c;
  c.offset = offset;
  c.raw_bytes = raw_field_bytes(offset);
  // line_starts_[k] is where line k + 1 starts: the field is on the last line starting at or before it.
  const auto after = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  c.line = static_cast<int>(after - line_starts_.begin());
  std::size_t from = c.line > 0 ? line_starts_[static_cast<std::size_t>(c.line - 1)] : 0;
  // The parser skips a byte-order mark and counts no column for it.
  if (from == 0 && buffer_.size() >= 3 && std::memcmp(buffer_.data(), "\xEF\xBB\xBF", 3) == 0) from = 3;
  c.column = 1;
  for (std::size_t i = from; i < offset && i < buffer_.size(); ++i) c.column += is_lead_byte(buffer_[i]) ? 1 : 0;
  const std::string_view raw(buffer_.data() + offset, c.raw_bytes);
  if (raw.empty() || raw.front() != '"') {
    c.text = raw;
  } else if (raw.size() >= 2 && raw.back() == '"' && raw.substr(1, raw.size() - 2).find('"') == std::string_view::npos) {
    c.text = raw.substr(1, raw.size() - 2);
  }
  return c;
}

SourceLocation Table::location(const Cell& cell) const {
  int length = 0;
  for (std::size_t i = cell.offset; i < cell.offset + cell.raw_bytes && i < buffer_.size(); ++i) {
    const char c = buffer_[i];
    if (c == '\n' || c == '\r') break;
    length += is_lead_byte(c) ? 1 : 0;
  }
  return {path, cell.line, cell.column, std::max(length, 1)};
}

Diagnostic& Table::report(Diagnostics& out, Severity severity, std::string code, const Cell& cell,
                          std::string message) const {
  Diagnostic d{severity, std::move(code), location(cell), std::move(message), line_text(cell.line), {}};
  return out.add(std::move(d));
}

std::optional<double> Table::number(Diagnostics& out, const Cell& cell, std::string_view what) const {
  const std::string_view s = cell.text;
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (!looks_decimal(s) || (ec != std::errc() && ec != std::errc::result_out_of_range) || ptr != s.data() + s.size()) {
    auto& d = report(out, Severity::error, "E204", cell, fmt::format("{} must be a decimal number, got '{}'", what, s));
    if (!s.empty() && (s.front() == ' ' || s.back() == ' ')) d.notes.push_back("remove the spaces around the number");
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range) {
    // Underflow (1e-400) is a tiny number, not an error; overflow is.
    const double approx = std::strtod(std::string(s).c_str(), nullptr);
    if (std::abs(approx) < 1.0) return approx;
    report(out, Severity::error, "E204", cell, fmt::format("{} '{}' is out of range for a number", what, s));
    return std::nullopt;
  }
  if (!std::isfinite(v)) {
    report(out, Severity::error, "E204", cell, fmt::format("{} must be a finite number, got '{}'", what, s));
    return std::nullopt;
  }
  return v;
}

std::optional<long long> Table::integer(Diagnostics& out, const Cell& cell, std::string_view what) const {
  const std::string_view s = cell.text;
  long long v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    report(out, Severity::error, "E204", cell, fmt::format("{} must be a decimal integer, got '{}'", what, s));
    return std::nullopt;
  }
  return v;
}

std::optional<Date> Table::date(Diagnostics& out, const Cell& cell, std::string_view what) const {
  auto d = parse_iso_date(cell.text);
  if (!d) {
    report(out, Severity::error, "E208", cell,
           fmt::format("{} '{}' is not an ISO date (YYYY-MM-DD) on the calendar", what, cell.text));
  }
  return d;
}

std::optional<std::string> Table::id(Diagnostics& out, const Cell& cell, std::string_view what,
                                     std::size_t max_length) const {
  if (cell.text.size() > max_length) {
    report(out, Severity::error, "E206", cell,
           fmt::format("{} is {} characters long; the limit is {}", what, cell.text.size(), max_length));
    return std::nullopt;
  }
  if (!is_kebab_id(cell.text)) {
    report(out, Severity::error, "E206", cell,
           fmt::format("{} '{}' must be lower-case kebab-case (a-z, 0-9 and single '-')", what, cell.text));
    return std::nullopt;
  }
  return std::string(cell.text);
}

std::unique_ptr<Table> parse_table(std::string text, const std::string& path, Diagnostics& diagnostics,
                                   const RowBatches& on_rows) {
  auto table = std::make_unique<Table>();
  Table& t = *table;
  t.path = path;
  if (text.size() >= std::numeric_limits<std::uint32_t>::max()) {
    diagnostics.error("E004", {path, 0, 0, 1}, "a CSV table must be smaller than 4 GiB");
    return table;
  }
  std::size_t bad = 0;
  if (!is_valid_utf8(text, &bad)) {
    const auto line0 = std::count(text.begin(), text.begin() + static_cast<long>(bad), '\n');
    const std::size_t line_start = bad == 0 ? std::string::npos : text.rfind('\n', bad - 1);
    const int col0 = static_cast<int>(bad - (line_start == std::string::npos ? 0 : line_start + 1));
    diagnostics.add({Severity::error, "E108", {path, static_cast<int>(line0) + 1, col0 + 1, 1},
                     "file is not valid UTF-8 (is it a binary file?)", {}, {}});
    return table;
  }
  if (std::memchr(text.data(), 0, text.size()) != nullptr) {
    diagnostics.error("E108", {path, 0, 0, 1}, "file contains NUL bytes (is it a binary file?)");
    return table;
  }
  t.buffer_ = std::move(text);
  const char* const base = t.buffer_.data();
  const char* const end = base + t.buffer_.size();
  const char* p = base;
  if (t.buffer_.size() >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;  // a BOM from spreadsheets
  int line = 1, col = 1;
  const auto line_breaks = static_cast<std::size_t>(std::count(t.buffer_.begin(), t.buffer_.end(), '\n'));
  t.estimated_rows = line_breaks + 1;
  t.line_starts_.reserve(line_breaks + 2);
  // Rows per batch handed to on_rows: small enough that the cells stay in cache-sized memory.
  constexpr std::size_t kBatchRows = 4096;
  bool header_ok = false;   // rows go to on_rows only under a header without duplicate columns
  const auto deliver = [&] {
    if (!on_rows) return;
    if (header_ok && !t.cells.empty()) on_rows(t);
    t.cells.clear();
  };
  t.line_starts_.push_back(0);
  const auto newline_at = [&](const char* nl) {
    ++line;
    col = 1;
    t.line_starts_.push_back(static_cast<std::uint32_t>(nl + 1 - base));
  };
  const auto syntax_error = [&](const char* at, std::string message) {
    Cell c{{}, static_cast<std::uint32_t>(at - base), 1, line, col};
    t.report(diagnostics, Severity::error, "E110", c, std::move(message));
  };
  const auto at_line_end = [&](const char* q) { return q == end || *q == '\n' || (*q == '\r' && q + 1 < end && q[1] == '\n'); };

  std::vector<Cell> row;
  bool header_done = false, ok = true;
  while (p < end) {
    if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')) {  // a blank line
      if (*p == '\r') ++p;
      newline_at(p++);
      continue;
    }
    row.clear();
    for (;;) {
      Cell c{{}, static_cast<std::uint32_t>(p - base), 0, line, col};
      if (p < end && *p == '"') {
        const char* const content = ++p;
        ++col;
        bool escaped = false;
        for (;;) {
          if (p == end) {
            t.report(diagnostics, Severity::error, "E110", c, "unterminated quoted field (a '\"' is missing)");
            return table;
          }
          if (*p == '"') {
            if (p + 1 < end && p[1] == '"') {
              escaped = true;
              p += 2;
              col += 2;
              continue;
            }
            break;
          }
          if (*p == '\n') newline_at(p);
          else col += is_lead_byte(*p) ? 1 : 0;
          ++p;
        }
        const std::string_view raw(content, static_cast<std::size_t>(p - content));
        ++p;
        ++col;
        if (escaped) {
          std::string unescaped;
          unescaped.reserve(raw.size());
          for (std::size_t i = 0; i < raw.size(); ++i) {
            unescaped.push_back(raw[i]);
            if (raw[i] == '"') ++i;
          }
          c.text = t.unescaped_.emplace_back(std::move(unescaped));
        } else {
          c.text = raw;
        }
        if (!at_line_end(p) && *p != ',') {
          syntax_error(p, "text after the closing quote of a field");
          return table;
        }
      } else {
        const char* const start = p;
        while (p < end && *p != ',' && *p != '\n' && *p != '\r' && *p != '"') {
          col += is_lead_byte(*p) ? 1 : 0;
          ++p;
        }
        if (p < end && *p == '"') {
          auto& d = t.report(diagnostics, Severity::error, "E110", {{}, static_cast<std::uint32_t>(p - base), 1, line, col},
                             "a quote inside an unquoted field");
          d.notes.push_back("quote the whole field and double the quotes inside it: \"a \"\"b\"\" c\"");
          return table;
        }
        if (p < end && *p == '\r' && !at_line_end(p)) {
          syntax_error(p, "a carriage return that does not end a line (CR without LF)");
          return table;
        }
        c.text = std::string_view(start, static_cast<std::size_t>(p - start));
      }
      c.raw_bytes = static_cast<std::uint32_t>(p - base) - c.offset;
      row.push_back(c);
      if (p < end && *p == ',') {
        ++p;
        ++col;
        continue;
      }
      break;
    }
    if (p < end) {
      if (*p == '\r') ++p;
      newline_at(p++);
    }
    if (!header_done) {
      header_done = true;
      for (std::size_t i = 0; i < row.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
          if (row[j].text == row[i].text) {
            auto& d = t.report(diagnostics, Severity::error, "E101", row[i], fmt::format("duplicate column '{}'", row[i].text));
            d.notes.push_back(fmt::format("first at column {}", row[j].column));
            ok = false;
            break;
          }
        }
      }
      t.header = row;
      header_ok = ok;
      if (on_rows) t.cells.reserve(kBatchRows * row.size());
      continue;
    }
    if (row.size() != t.header.size()) {
      t.report(diagnostics, Severity::error, "E110", row.front(),
               fmt::format("this row has {} field{}; the header has {}", row.size(), row.size() == 1 ? "" : "s",
                           t.header.size()));
      ok = false;
      continue;
    }
    t.cells.insert(t.cells.end(), row.begin(), row.end());
    if (t.cells.size() >= kBatchRows * t.header.size()) deliver();
  }
  if (!header_done) {
    diagnostics.error("E107", {path, 0, 0, 1}, "file is empty (a CSV table needs a header row)");
    return table;
  }
  deliver();
  t.ok = ok;
  return table;
}

std::unique_ptr<Table> read_table(const fs::path& path, const LoadLimits& limits, Diagnostics& diagnostics,
                                  const RowBatches& on_rows) {
  const std::string shown = path.generic_string();
  const auto failed = [&] {
    auto t = std::make_unique<Table>();
    t->path = shown;
    return t;
  };
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) {
    diagnostics.error("E001", {shown, 0, 0, 1}, "cannot read file");
    return failed();
  }
  if (size > limits.max_table_bytes) {
    diagnostics.error("E004", {shown, 0, 0, 1},
                      fmt::format("CSV table is {} bytes, above the limit of {} bytes", size, limits.max_table_bytes));
    return failed();
  }
  std::string text(static_cast<std::size_t>(size), '\0');
  std::FILE* f = std::fopen(path.c_str(), "rb");
  const std::size_t got = f ? std::fread(text.data(), 1, text.size(), f) : 0;
  if (f) std::fclose(f);
  if (!f || got != text.size()) {
    diagnostics.error("E001", {shown, 0, 0, 1}, f ? "cannot read file" : "cannot open file for reading");
    return failed();
  }
  return parse_table(std::move(text), shown, diagnostics, on_rows);
}

}  // namespace chokepoint::csv
