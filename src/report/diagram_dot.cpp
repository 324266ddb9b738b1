#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "chokepoint/report/diagram.hpp"
#include "chokepoint/report/dot.hpp"
#include "report_text.hpp"

namespace chokepoint {
namespace {

namespace text = report_text;

constexpr const char* kFont = "Helvetica,Arial,sans-serif";
constexpr const char* kRed = "#d62728";           // chokepoints and blocked links
constexpr const char* kLossFill = "#f28e8e";      // the share of a node lost to the scenario
constexpr const char* kEdgeColour = "#4a6b8a99";  // translucent, so that thick flows do not hide others
constexpr const char* kIdleEdge = "#9a9a9a";
constexpr std::size_t kLegendCountriesPerRow = 8;
constexpr std::size_t kLegendColumns = 110;  // code points of a legend line

std::string number(double v) {
  std::string s = fmt::format("{:.3f}", v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s.empty() || s == "-0" ? "0" : s;
}

// Without stage clusters (sfdp) the stage is written into the box.
std::string node_label(const DiagramNode& n, bool stage_in_label) {
  std::string out = "<";
  const bool bold = n.must_pass || n.min_cut;
  for (std::size_t i = 0; i < n.title.size(); ++i) {
    if (i > 0) out += "<BR/>";
    const std::string line = html_label_text(n.title[i]);
    out += bold ? "<B>" + line + "</B>" : line;
  }
  const std::string detail = stage_in_label ? std::string(stage_name(n.stage)) + " · " + n.detail : n.detail;
  if (!detail.empty()) {
    out += "<BR/><FONT POINT-SIZE=\"9\" COLOR=\"#333333\">" + html_label_text(detail) + "</FONT>";
  }
  if (n.shortfall && *n.shortfall > 0) {
    out += fmt::format("<BR/><FONT POINT-SIZE=\"9\" COLOR=\"#b2182b\">scenario: loses {}</FONT>",
                       html_label_text(text::percent(*n.shortfall)));
  }
  return out + ">";
}

std::string node_tooltip(const DiagramNode& n) {
  std::string t = n.tooltip;
  if (!n.evidence.empty()) {
    t += n.must_pass || n.min_cut ? "\n\nChokepoint evidence:" : "\n\nEvidence:";
    for (const auto& e : n.evidence) t += "\n- " + e;
  }
  return t;
}

std::string node_classes(const DiagramNode& n, DiagramView view) {
  std::string c = view == DiagramView::facility ? "facility" : "country-stage";
  c += std::string(" stage-") + stage_name(n.stage);
  if (n.must_pass) c += " must-pass";
  if (n.min_cut) c += " min-cut";
  if (!n.producing) c += " not-producing";
  if (n.focus) c += " focus";
  if (n.shortfall && *n.shortfall > 0) c += " shortfall";
  return c;
}

void write_node(std::string& out, const DiagramNode& n, const DiagramModel& m, const std::string& indent) {
  const DiagramView view = m.view;
  std::vector<std::string> attrs;
  attrs.push_back(fmt::format("id={}", dot_label("node_" + n.name)));
  attrs.push_back(fmt::format("class={}", dot_label(node_classes(n, view))));
  attrs.push_back("label=" + node_label(n, m.layout != DiagramLayout::dot));
  attrs.push_back("tooltip=" + dot_tooltip(node_tooltip(n)));
  attrs.push_back(fmt::format("height={}", number(n.height)));
  std::vector<std::string> style = {"filled"};
  if (n.shortfall && *n.shortfall > 0) {
    const double s = std::clamp(*n.shortfall, 0.02, 1.0);
    style.push_back("striped");
    attrs.push_back(s >= 1.0 ? fmt::format("fillcolor=\"{}\"", kLossFill)
                             : fmt::format("fillcolor=\"{};{}:{}\"", kLossFill, number(s), n.fill));
  } else {
    style.insert(style.begin(), "rounded");
    attrs.push_back(fmt::format("fillcolor=\"{}\"", n.fill));
  }
  if (n.must_pass) {
    attrs.push_back(fmt::format("color=\"{}\", penwidth=4", kRed));
  } else if (n.min_cut) {
    attrs.push_back(fmt::format("color=\"{}\", penwidth=2.5", kRed));
  } else if (n.focus) {
    attrs.push_back("color=\"#222222\", penwidth=2.5");
  }
  if ((!n.must_pass && n.min_cut) || !n.producing) style.push_back("dashed");
  attrs.push_back(fmt::format("style=\"{}\"", fmt::join(style, ",")));
  out += fmt::format("{}{} [{}];\n", indent, n.name, fmt::join(attrs, ", "));
}

void write_edge(std::string& out, const DiagramEdge& e, DiagramLayout layout) {
  std::vector<std::string> attrs;
  attrs.push_back(fmt::format("id={}", dot_label(e.id)));
  std::string cls = "link";
  if (e.pass) cls += *e.pass <= 0 ? " blocked" : " reduced";
  if (e.flow <= 0) cls += " no-flow";
  attrs.push_back(fmt::format("class={}", dot_label(cls)));
  attrs.push_back(fmt::format("penwidth={}", number(e.penwidth)));
  attrs.push_back("tooltip=" + dot_tooltip(e.tooltip));
  if (e.pass) {
    attrs.push_back(fmt::format("color=\"{}\", fontcolor=\"{}\", style=dashed", kRed, kRed));
    attrs.push_back("label=" + dot_label(e.label));
  } else if (e.flow <= 0) {
    attrs.push_back(fmt::format("color=\"{}\", style=dotted", kIdleEdge));
  }
  if (!e.constraint && layout == DiagramLayout::dot) attrs.push_back("constraint=false");
  out += fmt::format("  {} -> {} [{}];\n", e.from, e.to, fmt::join(attrs, ", "));
}

// Legend rows have two columns: a swatch and its text. Graphviz spreads a cell's extra width over
// every column it spans, so text rows leave the swatch column empty instead of spanning it.
std::string row(const std::string& cell) {
  return "<TR><TD></TD><TD ALIGN=\"LEFT\" BALIGN=\"LEFT\">" + cell + "</TD></TR>";
}

/// Plain text as a legend row, wrapped so that one long finding does not widen the whole picture.
std::string text_row(const std::string& words) {
  std::vector<std::string> lines;
  for (const auto& line : text::wrap(words, kLegendColumns, /*max_lines=*/4)) lines.push_back(html_label_text(line));
  return row(fmt::format("{}", fmt::join(lines, "<BR ALIGN=\"LEFT\"/>")));
}

std::string key_row(const std::string& swatch, const std::string& words) {
  return "<TR>" + swatch + "<TD ALIGN=\"LEFT\">" + words + "</TD></TR>";
}

// Countries as chips in their colour, `per_row` to a row.
std::string country_chips(const std::vector<DiagramCountry>& countries, std::size_t per_row) {
  std::string t = "<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"3\" CELLPADDING=\"3\" COLOR=\"#888888\">";
  for (std::size_t i = 0; i < countries.size(); i += per_row) {
    t += "<TR>";
    for (std::size_t j = i; j < std::min(countries.size(), i + per_row); ++j) {
      t += fmt::format("<TD BGCOLOR=\"{}\">{}</TD>", countries[j].fill,
                       html_label_text(countries[j].code + " " + countries[j].name));
    }
    t += "</TR>";
  }
  return t + "</TABLE>";
}

// The legend as the graph's label: title, what the marks mean, the findings, the country colours.
std::string legend(const DiagramModel& m) {
  const std::string box = R"(WIDTH="22" HEIGHT="12" FIXEDSIZE="TRUE")";
  const auto swatch = [&](const std::string& attrs) { return "<TD " + attrs + " " + box + "></TD>"; };
  std::vector<std::pair<std::string, std::string>> keys = {
      {swatch(fmt::format("BORDER=\"4\" COLOR=\"{}\" BGCOLOR=\"white\"", kRed)),
       "<B>must-pass</B>: every path of an element to a target passes through it"},
      {swatch("BORDER=\"1\" STYLE=\"dashed\" COLOR=\"#555555\" BGCOLOR=\"white\""),
       "thin dashed border: not producing (planned, construction, idle or closed)"},
      {swatch("BGCOLOR=\"#4a6b8a\""),
       html_label_text(fmt::format("line width: baseline flow (widest {} {}); dotted: no baseline flow",
                                   text::grouped(m.max_flow), m.flow_unit))},
      {swatch("BORDER=\"1\" COLOR=\"#555555\""),
       "box height: capacity (demand sinks: quantity), relative to the largest of its stage"}};
  if (m.min_cuts) {
    keys.insert(keys.begin() + 1,
                {swatch(fmt::format("BORDER=\"2\" STYLE=\"dashed\" COLOR=\"{}\" BGCOLOR=\"white\"", kRed)),
                 "<B>minimum cut</B>: in the smallest-capacity set of facilities whose loss cuts the focus off"});
  }
  if (m.min_cuts) {
    keys.push_back({swatch("BORDER=\"2\" COLOR=\"#222222\" BGCOLOR=\"white\""), "black border: the focus"});
  }
  if (m.scenario) {
    keys.push_back({swatch(fmt::format("BGCOLOR=\"{}\"", kRed)),
                    "<FONT COLOR=\"#d62728\">red dashed link</FONT>: blocked or reduced by the scenario; "
                    "its label is the share that still passes"});
    keys.push_back({swatch(fmt::format("BGCOLOR=\"{}\"", kLossFill)),
                    "red part of a box: share of its feed, output or deliveries the scenario takes away"});
  }
  std::string t = "<<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"2\" CELLPADDING=\"2\">";
  t += row("<FONT POINT-SIZE=\"18\"><B>" + html_label_text(m.title) + "</B></FONT>");
  for (const auto& s : m.subtitle) t += text_row(s);
  t += row("<B>Chokepoints</B> (hover over a box in the SVG for the evidence)");
  for (const auto& f : m.findings) t += text_row(f);
  for (const auto& [sw, words] : keys) t += key_row(sw, words);
  if (!m.countries.empty()) t += row(country_chips(m.countries, kLegendCountriesPerRow));
  return t + "</TABLE>>";
}

void write_graph_attributes(std::string& out, const DiagramModel& m) {
  out += fmt::format(
      "  graph [charset=\"UTF-8\", fontname=\"{}\", fontsize=12, bgcolor=\"white\", pad=\"0.3\", "
      "labelloc=t, labeljust=l, tooltip={}, outputorder=edgesfirst",
      kFont, dot_label(m.title));
  if (m.layout == DiagramLayout::dot) {
    // newrank ranks the whole graph at once, so the stage anchors order nodes inside clusters too.
    out += ", rankdir=LR, newrank=true, ranksep=\"1.1\", nodesep=\"0.12\", splines=true";
  } else {
    out += ", overlap=prism, splines=false, K=\"1.2\"";
  }
  out += ",\n    label=" + legend(m) + "];\n";
  out += fmt::format(
      "  node [shape=box, fontname=\"{}\", fontsize=11, margin=\"0.1,0.04\", width=1.8, "
      "color=\"#555555\", penwidth=0.8];\n",
      kFont);
  out += fmt::format("  edge [color=\"{}\", arrowsize=0.6, fontname=\"{}\", fontsize=10];\n", kEdgeColour, kFont);
}

// Stages left to right without rank=same across clusters: an invisible anchor per stage, and
// each node held between its stage's anchor (minlen 0) and the next one (minlen 1).
void write_stage_order(std::string& out, const std::vector<Stage>& stages, const DiagramModel& m) {
  for (std::size_t i = 0; i <= stages.size(); ++i) {
    out += fmt::format("  stage_{} [style=invis, shape=point, width=0, height=0, label=\"\"];\n", i);
  }
  for (std::size_t i = 0; i < stages.size(); ++i) {
    out += fmt::format("  stage_{} -> stage_{} [style=invis, weight=0];\n", i, i + 1);
  }
  for (const auto& n : m.nodes) {
    const auto i = static_cast<std::size_t>(std::find(stages.begin(), stages.end(), n.stage) - stages.begin());
    out += fmt::format("  stage_{} -> {} [style=invis, minlen=0, weight=0];\n", i, n.name);
    out += fmt::format("  {} -> stage_{} [style=invis, weight=0];\n", n.name, i + 1);
  }
}

}  // namespace

std::string diagram_dot(const DiagramModel& m) {
  std::string out = "digraph chokepoint {\n";
  write_graph_attributes(out, m);
  std::vector<Stage> stages;
  for (const auto& n : m.nodes) {
    if (stages.empty() || stages.back() != n.stage) stages.push_back(n.stage);
  }
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const Stage s = stages[i];
    if (m.layout == DiagramLayout::dot) {
      out += fmt::format("  subgraph cluster_{}_{} {{\n", i, stage_name(s));
      out += fmt::format(
          "    label=<<B>{}</B>>; style=\"rounded,filled\"; fillcolor=\"#f6f6f6\"; color=\"#d0d0d0\"; "
          "fontsize=14; id=\"stage_{}\"; tooltip=\"{}\";\n",
          stage_name(s), stage_name(s), stage_name(s));
    }
    for (const auto& n : m.nodes) {
      if (n.stage == s) write_node(out, n, m, m.layout == DiagramLayout::dot ? "    " : "  ");
    }
    if (m.layout == DiagramLayout::dot) out += "  }\n";
  }
  if (m.layout == DiagramLayout::dot) write_stage_order(out, stages, m);
  for (const auto& e : m.edges) write_edge(out, e, m.layout);
  return out + "}\n";
}

}  // namespace chokepoint
