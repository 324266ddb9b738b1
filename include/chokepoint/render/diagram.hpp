#pragma once
/// Lays out and renders DOT text in-process with Graphviz (cgraph/gvc). The only layer that
/// includes Graphviz headers. Graphviz is not thread-safe: every call runs under one global mutex,
/// and its messages are captured instead of being written to stdout or stderr.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chokepoint {

/// What a diagram is written as.
enum class RenderFormat : std::uint8_t { svg, png, pdf, dot };

/// "svg", "png", "pdf" or "dot" (case-insensitive, with or without a leading dot).
std::optional<RenderFormat> parse_render_format(std::string_view name);
const char* render_format_name(RenderFormat f);

/// The outcome of one render.
struct RenderResult {
  bool ok = false;
  std::string output;                 ///< the rendered bytes (binary for png and pdf)
  std::vector<std::string> messages;  ///< what Graphviz reported (warnings, and errors on failure)
  double layout_seconds = 0;
  double render_seconds = 0;
};

/// Parses `dot` (agmemread), lays it out with `engine` ("dot", "sfdp", "neato"), and renders it as
/// `format`. `dot` output is returned unchanged without touching Graphviz. Never throws for bad
/// input: a syntax error, an unknown engine or a missing plugin gives ok = false and the messages.
RenderResult render_dot(std::string_view dot, std::string_view engine, RenderFormat format);

/// The Graphviz version the library reports ("2.43.0").
std::string graphviz_version();

}  // namespace chokepoint
