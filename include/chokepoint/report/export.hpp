#pragma once
/// `export`: the supply graph with every facility and link attribute and the baseline flow, for
/// Gephi, NetworkX, igraph, yEd and Neo4j (GraphML), for scripts (JSON) and for Graphviz tools (DOT).

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "chokepoint/core/date.hpp"
#include "chokepoint/model/dataset.hpp"

namespace chokepoint {

/// The date of the baseline flow (default: the dataset's as_of; none: links by status only).
struct ExportOptions {
  std::optional<Date> as_of;
};

/// Where an export's text goes, in pieces of about a megabyte, in order: nothing of the whole is
/// kept in memory (at 10^6 facilities an export is about 2 GB of text).
using ExportSink = std::function<void(std::string_view)>;

/// GraphML 1.0, edgedefault="directed": one typed <key> per attribute (label and weight for Gephi,
/// labels for Neo4j), node ids the facility ids, edge ids "l<link index>", everything XML-escaped.
void write_graphml(const Dataset& dataset, const ExportOptions& options, const ExportSink& sink);
/// JSON with "schema": "chokepoint.export/1": countries, materials, facilities and links with the
/// baseline flow; absent figures are null. Indented by 2, invalid UTF-8 replaced by U+FFFD, a
/// line break at the end.
void write_json(const Dataset& dataset, const ExportOptions& options, const ExportSink& sink);
/// DOT with quoted facility ids and every attribute as a DOT attribute (no styling).
void write_dot(const Dataset& dataset, const ExportOptions& options, const ExportSink& sink);

/// The same as one string (the JSON parsed), for tests and small datasets.
std::string export_graphml(const Dataset& dataset, const ExportOptions& options = {});
nlohmann::ordered_json export_json(const Dataset& dataset, const ExportOptions& options = {});
std::string export_dot(const Dataset& dataset, const ExportOptions& options = {});

}  // namespace chokepoint
