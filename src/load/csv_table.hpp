#pragma once
/// RFC 4180 CSV tables read whole into memory, with a 1-based line and code-point column for
/// every field, and strict cell conversions that report like the YAML reader. Private to load/.

#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "chokepoint/core/date.hpp"
#include "chokepoint/core/diagnostic.hpp"
#include "chokepoint/load/loader.hpp"

namespace chokepoint::csv {

/// One field: its text (unescaped, a view into the table) and where it starts.
struct Cell {
  std::string_view text;
  std::uint32_t offset = 0;    ///< byte offset of the raw field (quotes included) in the file
  std::uint32_t raw_bytes = 0; ///< raw length in bytes, quotes included
  int line = 0;
  int column = 0;
  [[nodiscard]] bool empty() const { return text.empty(); }
};

class Table;
/// Called with the table after its header and each batch of rows.
using RowBatches = std::function<void(Table&)>;

/// A parsed file. Cells are views into its buffer, so a Table never moves (held by unique_ptr).
class Table {
 public:
  Table() = default;
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  std::string path;
  bool ok = false;
  std::vector<Cell> header;
  std::vector<Cell> cells;     ///< row-major, header.size() per row: the rows of the current batch
  std::size_t estimated_rows = 0;   ///< data rows in the file, counted by line breaks before parsing

  [[nodiscard]] std::size_t rows() const { return header.empty() ? 0 : cells.size() / header.size(); }
  [[nodiscard]] const Cell& at(std::size_t row, std::size_t column) const { return cells[row * header.size() + column]; }
  /// Frees the cells once the rows are read; line_text, location and report still work.
  void release_cells() { std::vector<Cell>().swap(cells); }
  /// Gives the memory of the text before byte `offset` back to the system (whole pages), for a
  /// reader that keeps nothing of those rows that reads the text again: a large table then never
  /// holds all its text at once. Only a table read from a file does so (read_table); reading that
  /// part later (a diagnostic's caret line or column, an id at a kept offset) first reads the
  /// released text from the file again, which must be unchanged (its size and modification time),
  /// else TextChanged is thrown. Not to be called while another thread reads the table.
  void release_text_before(std::uint32_t offset);
  /// Bytes of text given back and not read again (for tests).
  [[nodiscard]] std::size_t released_bytes() const { return released_; }
  /// The raw length in bytes (quotes included) of the field that starts at `offset`.
  [[nodiscard]] std::uint32_t raw_field_bytes(std::uint32_t offset) const;
  /// The field whose raw text starts at byte `offset` (a Cell's offset), rebuilt from the text:
  /// its line, code-point column and raw length as the parser found them, and its text when that
  /// is a view into the table (unquoted, or quoted without "" escapes; else the text is empty).
  /// So a reader can keep a 4-byte offset instead of a 32-byte Cell. Lines are found by binary
  /// search, columns by counting the line's code points up to the field.
  [[nodiscard]] Cell cell_at(std::uint32_t offset) const;
  /// A cell's text as a view of `length` bytes at `text_offset` in the table (see in_text).
  [[nodiscard]] std::string_view text_at(std::uint32_t text_offset, std::uint32_t length) const {
    return text(text_offset).substr(text_offset, length);
  }
  /// Where a cell's text starts in the table when it is a view into it (not an unescaped copy).
  [[nodiscard]] std::optional<std::uint32_t> in_text(const Cell& cell) const {
    // Compared as addresses: an unescaped copy is another object, which < may not order.
    const auto p = reinterpret_cast<std::uintptr_t>(cell.text.data());
    const auto base = reinterpret_cast<std::uintptr_t>(view_.data());
    if (cell.text.data() == nullptr || p < base || p > base + view_.size()) return std::nullopt;
    return static_cast<std::uint32_t>(p - base);
  }
  /// The text of a 1-based line, without its line break.
  [[nodiscard]] std::string line_text(int line) const;
  /// The cell's position; the caret spans the raw field (at least one code point).
  [[nodiscard]] SourceLocation location(const Cell& cell) const;
  Diagnostic& report(Diagnostics& out, Severity severity, std::string code, const Cell& cell, std::string message) const;

  /// Strict conversions: decimal finite numbers, integers, ISO dates, kebab-case ids.
  std::optional<double> number(Diagnostics& out, const Cell& cell, std::string_view what) const;
  std::optional<long long> integer(Diagnostics& out, const Cell& cell, std::string_view what) const;
  std::optional<Date> date(Diagnostics& out, const Cell& cell, std::string_view what) const;
  std::optional<std::string> id(Diagnostics& out, const Cell& cell, std::string_view what, std::size_t max_length) const;

 private:
  friend std::unique_ptr<Table> parse_table(std::string text, const std::string& path, Diagnostics& diagnostics,
                                            const RowBatches& on_rows);
  friend std::unique_ptr<Table> read_table(const std::filesystem::path& path, const LoadLimits& limits,
                                           Diagnostics& diagnostics, const RowBatches& on_rows);
  friend void parse(Table& t, Diagnostics& diagnostics, const RowBatches& on_rows);

  /// Anonymous memory mapped for a file's text, so that whole pages of it can be given back.
  class Pages {
   public:
    explicit Pages(std::size_t bytes);
    Pages(const Pages&) = delete;
    Pages& operator=(const Pages&) = delete;
    ~Pages();
    [[nodiscard]] char* data() const { return data_; }
    /// Gives back the whole pages among the first `bytes`; returns how many bytes that covers.
    std::size_t release_before(std::size_t bytes);

   private:
    char* data_ = nullptr;
    std::size_t mapped_ = 0;
  };

  /// The text, its part from byte `from` on readable: read again from the file first when some
  /// of that part was released.
  [[nodiscard]] std::string_view text(std::size_t from) const {
    if (from < released_) restore();
    return view_;
  }
  void restore() const;

  std::string owned_;              ///< the text, when given as a string
  std::unique_ptr<Pages> pages_;   ///< the text, when read from a file
  std::string_view view_;          ///< whichever of the two holds it
  mutable std::size_t released_ = 0;   ///< the text's first bytes given back (whole pages)
  std::filesystem::path file_;     ///< the file read, its size and modification time then
  std::uintmax_t file_size_ = 0;
  std::int64_t file_time_ns_ = 0;
  std::vector<std::uint32_t> line_starts_;   ///< byte offset of each line
  std::deque<std::string> unescaped_;        ///< quoted fields that held "" escapes
};

/// A table's file changed (or went) between reading it and reading a released part of it again.
class TextChanged : public std::runtime_error {
 public:
  explicit TextChanged(const std::string& path)
      : std::runtime_error(path + " changed while the dataset was being read; run again"), path_(path) {}
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Parses CSV text (header row first); every problem becomes a diagnostic (E107, E108, E110, E101).
/// With `on_rows`, rows are handed over in batches as they are parsed (`cells` holds one batch,
/// emptied after each call), so that a table of millions of rows never holds all its cells; a
/// row with the wrong number of fields is reported and left out. Without it, `cells` keeps every row.
std::unique_ptr<Table> parse_table(std::string text, const std::string& path, Diagnostics& diagnostics,
                                   const RowBatches& on_rows = {});
/// Reads a file whole and parses it; E001/E004 for unreadable or oversized files.
std::unique_ptr<Table> read_table(const std::filesystem::path& path, const LoadLimits& limits, Diagnostics& diagnostics,
                                  const RowBatches& on_rows = {});

}  // namespace chokepoint::csv
