#pragma once
// Phrases and number formats shared by the diagram and diff writers.

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace chokepoint::report_text {

/// Thousands separators, no decimals above 100, else up to three significant digits: "189,160", "12.5".
inline std::string grouped(double t) {
  if (!std::isfinite(t)) return "unbounded";
  if (std::fabs(t) < 100) {
    std::string s = fmt::format("{:.3g}", t);
    return s == "-0" ? "0" : s;
  }
  std::string digits = fmt::format("{:.0f}", std::fabs(t));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return t < 0 ? "-" + out : out;
}

/// Tonnes in a short unit: "189 kt", "4.0 kt", "300 t", "1.2 Mt".
inline std::string short_tonnes(double t) {
  if (t >= 1e6) return fmt::format("{:.1f} Mt", t / 1e6);
  if (t >= 1e4) return fmt::format("{:.0f} kt", t / 1e3);
  if (t >= 1e3) return fmt::format("{:.1f} kt", t / 1e3);
  if (t >= 10) return fmt::format("{:.0f} t", t);
  return fmt::format("{:.2g} t", t);
}

/// A share 0..1 as a percentage that never rounds to 0% or 100% by accident.
inline std::string percent(double share) {
  const double p = share * 100;
  if (p == std::round(p)) return fmt::format("{:.0f}%", p);
  if (p < 0.05) return "<0.1%";
  if (p > 99.95) return ">99.9%";
  if (p < 10 || p > 99.5) return fmt::format("{:.1f}%", p);
  return fmt::format("{:.0f}%", p);
}

/// "blocked", or "passes 25%".
inline std::string pass_label(double pass) { return pass <= 0 ? std::string("blocked") : "passes " + percent(pass); }

/// Code points in UTF-8 text.
inline std::size_t width(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

/// The first `n` code points of UTF-8 text.
inline std::string prefix(std::string_view s, std::size_t n) {
  std::size_t i = 0, seen = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && seen++ == n) break;
  }
  return std::string(s.substr(0, i));
}

/// Words wrapped to lines of about `columns` code points, at most `max_lines`, the last one
/// ending in "..." when the text is longer.
inline std::vector<std::string> wrap(std::string_view text, std::size_t columns = 26, std::size_t max_lines = 3) {
  std::vector<std::string> lines;
  std::string line;
  bool truncated = false;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    std::string word(text.substr(start, end - start));
    start = end + 1;
    if (word.empty()) continue;
    if (width(word) > columns) word = prefix(word, columns - 1) + "...";
    if (!line.empty() && width(line) + 1 + width(word) > columns) {
      if (lines.size() + 1 == max_lines) {
        truncated = true;
        break;
      }
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) lines.push_back(truncated ? line + " ..." : line);
  return lines;
}

/// "a, b, c", or "a, b and 3 more" beyond `max` items.
inline std::string list(const std::vector<std::string>& items, std::size_t max) {
  if (items.size() <= max) return fmt::format("{}", fmt::join(items, ", "));
  std::vector<std::string> head(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(max));
  return fmt::format("{} and {} more", fmt::join(head, ", "), items.size() - max);
}

}  // namespace chokepoint::report_text
