#pragma once
/// Text for Graphviz DOT files that never lets user text change the graph: identifiers, quoted
/// strings and HTML-like labels. Graphviz substitutes \N, \G, \E, \H, \T and \L in labels and
/// tooltips, so every backslash from user text is escaped for the attribute it goes into.

#include <string>
#include <string_view>

namespace chokepoint {

/// An identifier of [A-Za-z0-9_] only: every other byte becomes '_'; a leading digit gets '_'.
std::string dot_identifier(std::string_view text);
/// A quoted plain label: `"` and `\` escaped, newlines as \n (a centred line break).
std::string dot_label(std::string_view text);
/// A quoted tooltip (an escString that the SVG writer unescapes once more): backslashes
/// quadrupled, `&` as &amp; so that the SVG shows exactly the text, newlines as line breaks.
std::string dot_tooltip(std::string_view text);
/// XML-escaped text: & < > " and ' as entities; control characters other than tab dropped.
std::string xml_escape(std::string_view text);
/// Text inside an HTML-like label: XML-escaped, and backslashes doubled so that \N stays literal.
std::string html_label_text(std::string_view text);

}  // namespace chokepoint
