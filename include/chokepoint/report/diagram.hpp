#pragma once
/// The chokepoint diagram: a plain DiagramModel (nodes, edges, clusters, legend) computed from a
/// dataset, the structural analysis and optionally a scenario's impact, and its DOT text. Nothing
/// here includes Graphviz: src/render lays the DOT text out and renders it.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "chokepoint/core/date.hpp"
#include "chokepoint/model/dataset.hpp"
#include "chokepoint/model/scenario.hpp"

namespace chokepoint {

/// One node per facility, or one per (country, stage).
enum class DiagramView : std::uint8_t { facility, country };
/// The Graphviz layout engine the DOT text is written for.
enum class DiagramLayout : std::uint8_t { dot, sfdp };

const char* diagram_view_name(DiagramView v);
const char* diagram_layout_name(DiagramLayout l);

/// What to draw.
struct DiagramRequest {
  DiagramView view = DiagramView::facility;
  std::optional<int> element;          ///< RE index: only G_e, widths in tonnes of this element
  std::string focus;                   ///< facility id, country or group: only the upstream cone
  std::optional<Date> as_of;           ///< default: the scenario's as_of, else the dataset's
  const Scenario* scenario = nullptr;  ///< overlay its contracts-bound impact
  std::size_t dot_limit = 1500;        ///< more nodes than this: sfdp instead of dot
};

/// A node: a facility, or the facilities of one country at one stage.
struct DiagramNode {
  std::string name;  ///< DOT name, [A-Za-z0-9_], unique
  std::string key;   ///< facility id, or "CN/separation"
  Stage stage = Stage::mine;
  std::vector<std::string> title;     ///< first label lines (the name, wrapped)
  std::string detail;                 ///< smaller line: country and capacity
  std::string tooltip;                ///< every figure and the chokepoint evidence
  std::string fill;                   ///< country colour, "#rrggbb"
  double height = 0.5;                ///< inches, by capacity relative to the stage's largest
  double capacity = 0;                ///< what the height is scaled from (t/yr; demand: t/yr demanded)
  bool must_pass = false;             ///< on every path to a target (facility or country-stage)
  bool min_cut = false;               ///< in a minimum-capacity cut of a target
  bool producing = true;              ///< operating or ramping
  bool focus = false;                 ///< the focus itself (or holds one of its facilities)
  std::optional<double> shortfall;    ///< scenario: share of feed or delivery lost, 0..1
  std::vector<std::string> evidence;  ///< sentences an analyst can quote, sorted, unique
};

/// An edge: one link, or the links between two (country, stage) nodes.
struct DiagramEdge {
  std::string from;  ///< node name
  std::string to;    ///< node name
  std::string id;    ///< SVG id, [A-Za-z0-9_]
  std::string tooltip;
  double flow = 0;  ///< baseline, tonnes of contained rare earths (or the element)
  double penwidth = 1;
  bool constraint = true;      ///< false for links that go back or stay within a stage
  std::optional<double> pass;  ///< scenario: share of the contracted flow that gets through
  std::string label;           ///< scenario: "blocked", "passes 25%"
};

/// A country as the legend shows it.
struct DiagramCountry {
  std::string code;
  std::string name;
  std::string fill;
};

/// Everything the DOT text needs; deterministic for the same inputs.
struct DiagramModel {
  std::string title;                  ///< dataset, view and date
  std::vector<std::string> subtitle;  ///< element, focus, scenario
  DiagramView view = DiagramView::facility;
  DiagramLayout layout = DiagramLayout::dot;
  std::vector<DiagramNode> nodes;         ///< stage, then name
  std::vector<DiagramEdge> edges;         ///< from, to, id
  std::vector<DiagramCountry> countries;  ///< by code: the palette as used
  std::vector<std::string> findings;      ///< the chokepoints in words, for the legend
  std::string flow_unit;                  ///< "t/yr of contained rare earths", "t/yr of Dy"
  double max_flow = 0;                    ///< the widest edge's flow
  bool scenario = false;                  ///< a scenario overlay is drawn
  bool min_cuts = false;                  ///< minimum cuts were marked (only with a focus)
};

/// A request the dataset cannot answer (unknown focus, nothing to draw); the app maps it to exit 2.
class DiagramError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The fixed qualitative palette countries take in sorted-code order (light fills, dark text).
const std::vector<std::string>& country_palette();

/// Builds the model: the facilities and links active on the date (restricted to G_e and to the
/// focus's upstream cone when asked), their baseline flows, the must-pass facilities and must-pass
/// countries for the focus (else every consumer country) and each element it demands (else the
/// request's element), minimum cuts when there is a focus, and the scenario's blocked links and
/// shortfalls. Throws DiagramError.
DiagramModel build_diagram_model(const Dataset& dataset, const DiagramRequest& request);

/// The DOT text of a model: stage clusters left to right, HTML labels, the legend as the graph's
/// HTML-table label. Only [A-Za-z0-9_] names; every user string escaped.
std::string diagram_dot(const DiagramModel& model);

}  // namespace chokepoint
