#pragma once
// A small XML well-formedness check for tests: tags nest and close, attributes are quoted, entities
// are known or numeric. Enough to tell that SVG and GraphML output parse, without a parser library.

#include <string>
#include <string_view>
#include <vector>

namespace chokepoint::testing {

struct XmlCheck {
  bool ok = true;
  std::string error;
  std::string root;                ///< name of the root element
  std::vector<std::string> texts;  ///< text content between tags, entities kept as written
};

inline bool xml_entity_ok(std::string_view s) {
  if (s == "amp" || s == "lt" || s == "gt" || s == "quot" || s == "apos") return true;
  if (s.size() >= 2 && s[0] == '#') {
    const bool hex = s[1] == 'x';
    for (std::size_t i = hex ? 2 : 1; i < s.size(); ++i) {
      const char c = s[i];
      const bool digit = c >= '0' && c <= '9';
      const bool hexdigit = digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!(hex ? hexdigit : digit)) return false;
    }
    return s.size() > (hex ? 2u : 1u);
  }
  return false;
}

inline bool xml_text_ok(std::string_view s, std::string& error) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<') {
      error = "raw '<' in text or attribute";
      return false;
    }
    if (s[i] != '&') continue;
    const std::size_t end = s.find(';', i);
    if (end == std::string_view::npos || !xml_entity_ok(s.substr(i + 1, end - i - 1))) {
      error = "bad entity near '" + std::string(s.substr(i, 12)) + "'";
      return false;
    }
  }
  return true;
}

inline XmlCheck check_xml(std::string_view xml) {
  XmlCheck r;
  std::vector<std::string> open;
  std::size_t i = 0;
  const auto fail = [&](std::string message) {
    r.ok = false;
    r.error = message + " at byte " + std::to_string(i);
    return r;
  };
  while (i < xml.size()) {
    if (xml[i] != '<') {
      const std::size_t end = std::min(xml.find('<', i), xml.size());
      const std::string_view text = xml.substr(i, end - i);
      std::string error;
      if (!xml_text_ok(text, error)) return fail(error);
      if (text.find_first_not_of(" \t\r\n") != std::string_view::npos) {
        if (open.empty()) return fail("text outside the root element");
        r.texts.emplace_back(text);
      }
      i = end;
      continue;
    }
    if (xml.substr(i, 4) == "<!--") {
      const std::size_t end = xml.find("-->", i);
      if (end == std::string_view::npos) return fail("unclosed comment");
      i = end + 3;
      continue;
    }
    if (xml.substr(i, 2) == "<?" || xml.substr(i, 2) == "<!") {
      const std::size_t end = xml.find('>', i);
      if (end == std::string_view::npos) return fail("unclosed declaration");
      i = end + 1;
      continue;
    }
    const bool closing = xml.substr(i, 2) == "</";
    std::size_t j = i + (closing ? 2 : 1);
    const std::size_t name_start = j;
    while (j < xml.size() && xml[j] != '>' && xml[j] != '/' && xml[j] != ' ' && xml[j] != '\n' && xml[j] != '\t') ++j;
    const std::string name(xml.substr(name_start, j - name_start));
    if (name.empty()) return fail("empty tag name");
    // Attributes: name="value" or name='value'.
    bool self_closing = false;
    while (j < xml.size() && xml[j] != '>') {
      const char c = xml[j];
      if (c == '"' || c == '\'') {
        const std::size_t end = xml.find(c, j + 1);
        if (end == std::string_view::npos) return fail("unclosed attribute value");
        std::string error;
        if (!xml_text_ok(xml.substr(j + 1, end - j - 1), error)) return fail(error);
        j = end + 1;
        continue;
      }
      if (c == '/') self_closing = true;
      ++j;
    }
    if (j >= xml.size()) return fail("unclosed tag <" + name);
    i = j + 1;
    if (closing) {
      if (open.empty() || open.back() != name) return fail("</" + name + "> does not close the open element");
      open.pop_back();
      continue;
    }
    if (open.empty()) {
      if (!r.root.empty()) return fail("a second root element <" + name + ">");
      r.root = name;
    }
    if (!self_closing) open.push_back(name);
  }
  if (!open.empty()) {
    r.ok = false;
    r.error = "unclosed <" + open.back() + ">";
  }
  if (r.root.empty()) {
    r.ok = false;
    r.error = "no root element";
  }
  return r;
}

}  // namespace chokepoint::testing
