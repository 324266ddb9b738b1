#include "chokepoint/report/dot.hpp"

namespace chokepoint {
namespace {

bool identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool dropped_control(char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n'; }

}  // namespace

std::string dot_identifier(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 1);
  if (text.empty() || (text.front() >= '0' && text.front() <= '9')) out += '_';
  for (char c : text) out += identifier_char(c) ? c : '_';
  return out;
}

std::string dot_label(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (!dropped_control(c)) {
      out += c;
    }
  }
  return out + "\"";
}

std::string dot_tooltip(std::string_view text) {
  // Graphviz 2.42 unescapes a tooltip twice (object substitution, then the SVG anchor), so a
  // literal backslash needs four; a single pair would let "\N" become the node's name.
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\\\\\";
    } else if (c == '&') {
      out += "&amp;";
    } else if (c == '\n') {
      out += "\\n";
    } else if (!dropped_control(c)) {
      out += c;
    }
  }
  return out + "\"";
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out += c;
    }
  }
  return out;
}

std::string html_label_text(std::string_view text) {
  std::string out;
  for (char c : xml_escape(text)) {
    if (c == '\n') continue;
    if (c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace chokepoint
