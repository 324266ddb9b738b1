#pragma once
/// `export`: the supply graph with every facility and link attribute and the baseline flow, for
/// Gephi, NetworkX, igraph, yEd and Neo4j (GraphML), for scripts (JSON) and for Graphviz tools (DOT).

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "chokepoint/core/date.hpp"
#include "chokepoint/model/dataset.hpp"

namespace chokepoint {

/// The date of the baseline flow (default: the dataset's as_of; none: links by status only).
struct ExportOptions {
  std::optional<Date> as_of;
};

/// GraphML 1.0, edgedefault="directed": one typed <key> per attribute (label and weight for Gephi,
/// labels for Neo4j), node ids the facility ids, edge ids "l<link index>", everything XML-escaped.
std::string export_graphml(const Dataset& dataset, const ExportOptions& options = {});
/// JSON with "schema": "chokepoint.export/1": countries, materials, facilities and links with the
/// baseline flow; absent figures are null.
nlohmann::ordered_json export_json(const Dataset& dataset, const ExportOptions& options = {});
/// DOT with quoted facility ids and every attribute as a DOT attribute (no styling).
std::string export_dot(const Dataset& dataset, const ExportOptions& options = {});

}  // namespace chokepoint
