#include "chokepoint/report/document.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace chokepoint {
namespace {

std::size_t display_width(const std::string& s) {
  std::size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80 ? 1 : 0;
  return w;
}

std::string pad(const std::string& s, std::size_t width, Align align) {
  const std::size_t w = display_width(s);
  if (w >= width) return s;
  const std::string fill(width - w, ' ');
  return align == Align::right ? fill + s : s + fill;
}

std::string group_thousands(const std::string& s) {
  const std::size_t start = s[0] == '-' ? 1 : 0;
  std::size_t dot = s.find('.');
  if (dot == std::string::npos) dot = s.size();
  std::string out = s.substr(0, start);
  for (std::size_t i = start; i < dot; ++i) {
    out += s[i];
    const std::size_t left = dot - i - 1;
    if (left > 0 && left % 3 == 0) out += ',';
  }
  return out + s.substr(dot);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string md_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

template <class... F>
struct Overloaded : F... { using F::operator()...; };
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

std::string fixed(double v, int decimals) {
  if (!std::isfinite(v)) return std::isnan(v) ? "n/a" : (v > 0 ? "inf" : "-inf");
  std::string s = fmt::format("{:.{}f}", v, decimals);
  if (s.find_first_not_of("-0.") == std::string::npos && s[0] == '-') s.erase(0, 1);
  return s;
}

std::string percent(double share, int decimals) { return fixed(share * 100.0, decimals) + "%"; }

std::string Cell::render(bool grouped) const {
  if (!number) return text;
  const std::string s = fixed(*number, decimals);
  return grouped && std::isfinite(*number) ? group_thousands(s) : s;
}

Document& Document::heading(int level, std::string text) {
  blocks.emplace_back(Heading{level, std::move(text)});
  return *this;
}
Document& Document::paragraph(std::string text) {
  blocks.emplace_back(Paragraph{std::move(text)});
  return *this;
}
Document& Document::bullets(std::vector<std::string> items) {
  blocks.emplace_back(Bullets{std::move(items)});
  return *this;
}
Document& Document::table(Table t) {
  blocks.emplace_back(std::move(t));
  return *this;
}

std::string render_text(const Document& doc) {
  std::string out;
  const auto separate = [&] {
    if (!out.empty()) out += '\n';
  };
  for (const auto& block : doc.blocks) {
    std::visit(Overloaded{
                   [&](const Heading& h) {
                     separate();
                     out += h.text + '\n';
                     out += std::string(display_width(h.text), h.level <= 1 ? '=' : '-') + '\n';
                   },
                   [&](const Paragraph& p) {
                     separate();
                     out += p.text + '\n';
                   },
                   [&](const Bullets& b) {
                     separate();
                     for (const auto& item : b.items) out += "  - " + item + '\n';
                   },
                   [&](const Table& t) {
                     separate();
                     if (!t.title.empty()) out += t.title + '\n';
                     if (t.rows.empty()) {
                       out += "  " + t.empty_text + '\n';
                       return;
                     }
                     std::vector<std::size_t> width(t.columns.size());
                     for (std::size_t c = 0; c < t.columns.size(); ++c) width[c] = display_width(t.columns[c].name);
                     for (const auto& row : t.rows) {
                       for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) {
                         width[c] = std::max(width[c], display_width(row[c].render(true)));
                       }
                     }
                     const auto line = [&](const std::vector<std::string>& cells) {
                       std::string l;
                       for (std::size_t c = 0; c < t.columns.size(); ++c) {
                         l += "  " + pad(c < cells.size() ? cells[c] : "", width[c], t.columns[c].align);
                       }
                       while (!l.empty() && l.back() == ' ') l.pop_back();
                       out += l + '\n';
                     };
                     std::vector<std::string> names;
                     for (const auto& col : t.columns) names.push_back(col.name);
                     line(names);
                     std::vector<std::string> rules;
                     for (std::size_t w : width) rules.emplace_back(w, '-');
                     line(rules);
                     for (const auto& row : t.rows) {
                       std::vector<std::string> cells;
                       for (const auto& cell : row) cells.push_back(cell.render(true));
                       line(cells);
                     }
                   }},
               block);
  }
  return out;
}

std::string render_markdown(const Document& doc) {
  std::string out;
  for (const auto& block : doc.blocks) {
    if (!out.empty()) out += '\n';
    std::visit(Overloaded{
                   [&](const Heading& h) { out += std::string(static_cast<std::size_t>(std::clamp(h.level, 1, 6)), '#') + ' ' + h.text + '\n'; },
                   [&](const Paragraph& p) { out += p.text + '\n'; },
                   [&](const Bullets& b) {
                     for (const auto& item : b.items) out += "- " + item + '\n';
                   },
                   [&](const Table& t) {
                     if (!t.title.empty()) out += "**" + md_escape(t.title) + "**\n\n";
                     if (t.rows.empty()) {
                       out += "_" + t.empty_text + "_\n";
                       return;
                     }
                     out += '|';
                     for (const auto& c : t.columns) out += ' ' + md_escape(c.name) + " |";
                     out += "\n|";
                     for (const auto& c : t.columns) out += c.align == Align::right ? "---:|" : "---|";
                     out += '\n';
                     for (const auto& row : t.rows) {
                       out += '|';
                       for (std::size_t c = 0; c < t.columns.size(); ++c) {
                         out += ' ' + md_escape(c < row.size() ? row[c].render(true) : "") + " |";
                       }
                       out += '\n';
                     }
                   }},
               block);
  }
  return out;
}

std::string render_csv(const Document& doc) {
  std::string out;
  for (const auto& block : doc.blocks) {
    const auto* t = std::get_if<Table>(&block);
    if (!t) continue;
    if (!out.empty()) out += '\n';
    out += "# " + t->id + '\n';
    for (std::size_t c = 0; c < t->columns.size(); ++c) out += (c ? "," : "") + csv_field(t->columns[c].name);
    out += '\n';
    for (const auto& row : t->rows) {
      for (std::size_t c = 0; c < t->columns.size(); ++c) {
        out += (c ? "," : "") + csv_field(c < row.size() ? row[c].render(false) : "");
      }
      out += '\n';
    }
  }
  return out;
}

}  // namespace chokepoint
