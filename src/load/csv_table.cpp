#include "csv_table.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cerrno>
#include <limits>
#include <system_error>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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
  const std::string_view text = this->text(begin);
  std::size_t end = text.find('\n', begin);
  if (end == std::string_view::npos) end = text.size();
  if (end > begin && text[end - 1] == '\r') --end;
  return std::string(text.substr(begin, end - begin));
}

std::uint32_t Table::raw_field_bytes(std::uint32_t offset) const {
  const std::string_view text = this->text(offset);
  std::size_t i = offset;
  if (i < text.size() && text[i] == '"') {
    for (++i; i < text.size(); ++i) {
      if (text[i] != '"') continue;
      if (i + 1 < text.size() && text[i + 1] == '"') {
        ++i;
        continue;
      }
      ++i;
      break;
    }
  } else {
    while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') ++i;
  }
  return static_cast<std::uint32_t>(i - offset);
}

Cell Table::cell_at(std::uint32_t offset) const {
  Cell c;
  c.offset = offset;
  // line_starts_[k] is where line k + 1 starts: the field is on the last line starting at or before it.
  const auto after = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  c.line = static_cast<int>(after - line_starts_.begin());
  std::size_t from = c.line > 0 ? line_starts_[static_cast<std::size_t>(c.line - 1)] : 0;
  const std::string_view text = this->text(from);
  c.raw_bytes = raw_field_bytes(offset);
  // The parser skips a byte-order mark and counts no column for it.
  if (from == 0 && text.starts_with("\xEF\xBB\xBF")) from = 3;
  c.column = 1;
  for (std::size_t i = from; i < offset && i < text.size(); ++i) c.column += is_lead_byte(text[i]) ? 1 : 0;
  const std::string_view raw = text.substr(offset, c.raw_bytes);
  if (raw.empty() || raw.front() != '"') {
    c.text = raw;
  } else if (raw.size() >= 2 && raw.back() == '"' && raw.substr(1, raw.size() - 2).find('"') == std::string_view::npos) {
    c.text = raw.substr(1, raw.size() - 2);
  }
  return c;
}

SourceLocation Table::location(const Cell& cell) const {
  const std::string_view text = this->text(cell.offset);
  int length = 0;
  for (std::size_t i = cell.offset; i < cell.offset + cell.raw_bytes && i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n' || c == '\r') break;
    length += is_lead_byte(c) ? 1 : 0;
  }
  return {path, cell.line, cell.column, std::max(length, 1)};
}

// ---- released text ------------------------------------------------------------------------

namespace {

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

// A file's size and modification time (nanoseconds), from an open descriptor.
bool identify(int fd, std::uintmax_t& size, std::int64_t& time_ns) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  size = static_cast<std::uintmax_t>(st.st_size);
  time_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return true;
}

}  // namespace

Table::Pages::Pages(std::size_t bytes) {
  if (bytes == 0) return;
  mapped_ = (bytes + page_size() - 1) / page_size() * page_size();
  void* p = ::mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    mapped_ = 0;
    throw std::bad_alloc();
  }
  data_ = static_cast<char*>(p);
}

Table::Pages::~Pages() {
  if (data_ != nullptr) ::munmap(data_, mapped_);
}

std::size_t Table::Pages::release_before(std::size_t bytes) {
  const std::size_t whole = std::min(bytes, mapped_) / page_size() * page_size();
  // Private anonymous pages given back read as zeros until written again.
  if (whole != 0 && ::madvise(data_, whole, MADV_DONTNEED) != 0) return 0;
  return whole;
}

void Table::release_text_before(std::uint32_t offset) {
  if (!pages_ || offset <= released_) return;
  released_ = std::max(released_, pages_->release_before(std::min<std::size_t>(offset, view_.size())));
}

void Table::restore() const {
  const int fd = ::open(file_.c_str(), O_RDONLY | O_CLOEXEC);
  std::uintmax_t size = 0;
  std::int64_t time_ns = 0;
  bool same = fd >= 0 && identify(fd, size, time_ns) && size == file_size_ && time_ns == file_time_ns_;
  for (std::size_t done = 0; same && done < released_;) {
    const ::ssize_t got = ::pread(fd, pages_->data() + done, released_ - done, static_cast<::off_t>(done));
    if (got <= 0) {
      if (got < 0 && errno == EINTR) continue;
      same = false;
      break;
    }
    done += static_cast<std::size_t>(got);
  }
  if (fd >= 0) ::close(fd);
  if (!same) throw TextChanged(path);
  released_ = 0;
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
  table->path = path;
  table->owned_ = std::move(text);
  table->view_ = table->owned_;
  parse(*table, diagnostics, on_rows);
  return table;
}

// Parses t.view_ (see parse_table).
void parse(Table& t, Diagnostics& diagnostics, const RowBatches& on_rows) {
  const std::string& path = t.path;
  const std::string_view text = t.view_;
  if (text.size() >= std::numeric_limits<std::uint32_t>::max()) {
    diagnostics.error("E004", {path, 0, 0, 1}, "a CSV table must be smaller than 4 GiB");
    return;
  }
  std::size_t bad = 0;
  if (!is_valid_utf8(text, &bad)) {
    const auto line0 = std::count(text.begin(), text.begin() + static_cast<long>(bad), '\n');
    const std::size_t line_start = bad == 0 ? std::string_view::npos : text.rfind('\n', bad - 1);
    const int col0 = static_cast<int>(bad - (line_start == std::string_view::npos ? 0 : line_start + 1));
    diagnostics.add({Severity::error, "E108", {path, static_cast<int>(line0) + 1, col0 + 1, 1},
                     "file is not valid UTF-8 (is it a binary file?)", {}, {}});
    return;
  }
  if (text.find('\0') != std::string_view::npos) {
    diagnostics.error("E108", {path, 0, 0, 1}, "file contains NUL bytes (is it a binary file?)");
    return;
  }
  const char* const base = text.data();
  const char* const end = base + text.size();
  const char* p = base;
  if (text.starts_with("\xEF\xBB\xBF")) p += 3;  // a BOM from spreadsheets
  int line = 1, col = 1;
  const auto line_breaks = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
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
            return;
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
          return;
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
          return;
        }
        if (p < end && *p == '\r' && !at_line_end(p)) {
          syntax_error(p, "a carriage return that does not end a line (CR without LF)");
          return;
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
    return;
  }
  deliver();
  t.ok = ok;
  return;
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
  // Into pages of its own, which the reader may give back as it goes (release_text_before).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    diagnostics.error("E001", {shown, 0, 0, 1}, "cannot open file for reading");
    return failed();
  }
  auto table = std::make_unique<Table>();
  table->path = shown;
  table->file_ = path;
  bool read = identify(fd, table->file_size_, table->file_time_ns_) && table->file_size_ == size;
  if (read) {
    table->pages_ = std::make_unique<Table::Pages>(static_cast<std::size_t>(size));
    for (std::size_t done = 0; done < size;) {
      const ::ssize_t got = ::read(fd, table->pages_->data() + done, static_cast<std::size_t>(size) - done);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        read = false;
        break;
      }
      done += static_cast<std::size_t>(got);
    }
  }
  ::close(fd);
  if (!read) {
    diagnostics.error("E001", {shown, 0, 0, 1}, "cannot read file");
    return failed();
  }
  table->view_ = {table->pages_->data(), static_cast<std::size_t>(size)};
  parse(*table, diagnostics, on_rows);
  return table;
}

}  // namespace chokepoint::csv
