#pragma once
/// A report as a document of headings, paragraphs and tables, written as text, Markdown or CSV.
/// Every command turns its result into one Document (and separately into JSON).

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace chokepoint {

enum class Align { left, right };

/// A table cell: text, or a number with a fixed number of decimals (empty when absent).
struct Cell {
  std::string text;
  std::optional<double> number;
  int decimals = 0;
  static Cell str(std::string s) { return Cell{std::move(s), std::nullopt, 0}; }
  static Cell num(double v, int decimals) { return Cell{{}, v, decimals}; }
  static Cell none() { return Cell{}; }
  /// The cell as shown: numbers with thousands separators in text, plain in CSV.
  [[nodiscard]] std::string render(bool grouped) const;
};

struct Column {
  std::string name;
  Align align = Align::left;
};

struct Table {
  std::string id;                       ///< stable name, used as the CSV section name
  std::string title;
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;
  std::string empty_text = "(none)";    ///< shown instead of an empty table
};

struct Heading { int level; std::string text; };
struct Paragraph { std::string text; };
/// A list of bullet points.
struct Bullets { std::vector<std::string> items; };

using Block = std::variant<Heading, Paragraph, Bullets, Table>;

/// The whole report, in order.
struct Document {
  std::vector<Block> blocks;
  Document& heading(int level, std::string text);
  Document& paragraph(std::string text);
  Document& bullets(std::vector<std::string> items);
  Document& table(Table t);
};

std::string render_text(const Document& doc);
std::string render_markdown(const Document& doc);
/// Every table as a CSV section (RFC 4180 quoting) headed by "# <table id>", separated by blank lines.
std::string render_csv(const Document& doc);
/// Formats with fixed decimals, no exponent, "-0" printed as "0".
std::string fixed(double v, int decimals);
/// Percent with one decimal: 0.1234 -> "12.3%".
std::string percent(double share, int decimals = 1);

}  // namespace chokepoint
