#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>
#include <string>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include "chokepoint/render/diagram.hpp"

namespace chokepoint {
namespace {

// Graphviz keeps global state (cdt dictionaries, the error handler): one render at a time.
std::mutex& graphviz_mutex() {
  static std::mutex m;
  return m;
}

// Where the error handler puts Graphviz's messages while the mutex is held. Graphviz writes some
// messages in pieces, so the text is collected whole and split into lines at the end.
std::string* captured = nullptr;

int capture_message(char* message) {
  if (captured != nullptr && message != nullptr) *captured += message;
  return 0;
}

// Installs the capturing handler and restores the previous one, under the caller's lock.
class MessageCapture {
 public:
  explicit MessageCapture(std::vector<std::string>& into)
      : into_(into), previous_handler_(agseterrf(capture_message)), previous_level_(agseterr(AGWARN)) {
    captured = &text_;
    agreseterrors();
  }
  ~MessageCapture() {
    captured = nullptr;
    agseterrf(previous_handler_);
    agseterr(previous_level_);
  }
  MessageCapture(const MessageCapture&) = delete;
  MessageCapture& operator=(const MessageCapture&) = delete;

  /// Moves what was captured so far into the result, one line per message.
  void flush() {
    std::size_t start = 0;
    while (start < text_.size()) {
      std::size_t end = text_.find('\n', start);
      if (end == std::string::npos) end = text_.size();
      if (end > start) into_.push_back(text_.substr(start, end - start));
      start = end + 1;
    }
    text_.clear();
  }

 private:
  std::vector<std::string>& into_;
  std::string text_;
  agusererrf previous_handler_;
  agerrlevel_t previous_level_;
};

// The device (and plugin) for each format: cairo for raster and PDF, the core writer for SVG
// (which keeps the id, class and tooltip attributes).
const char* device(RenderFormat f) {
  switch (f) {
    case RenderFormat::svg: return "svg";
    case RenderFormat::png: return "png:cairo";
    case RenderFormat::pdf: return "pdf:cairo";
    case RenderFormat::dot: return "dot";
  }
  return "svg";
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

std::optional<RenderFormat> parse_render_format(std::string_view name) {
  std::string s(name);
  if (!s.empty() && s.front() == '.') s.erase(0, 1);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (s == "svg") return RenderFormat::svg;
  if (s == "png") return RenderFormat::png;
  if (s == "pdf") return RenderFormat::pdf;
  if (s == "dot" || s == "gv") return RenderFormat::dot;
  return std::nullopt;
}

const char* render_format_name(RenderFormat f) {
  switch (f) {
    case RenderFormat::svg: return "svg";
    case RenderFormat::png: return "png";
    case RenderFormat::pdf: return "pdf";
    case RenderFormat::dot: return "dot";
  }
  return "svg";
}

namespace {

// Layout and rendering proper; the caller holds the mutex and captures the messages.
bool render_locked(const std::string& text, const std::string& layout, RenderFormat format, RenderResult& result,
                   std::string& problem) {
  GVC_t* gvc = gvContext();
  if (gvc == nullptr) {
    problem = "Graphviz could not create a context";
    return false;
  }
  Agraph_t* graph = agmemread(text.c_str());
  if (graph == nullptr) {
    problem = "Graphviz could not parse the DOT text";
    gvFreeContext(gvc);
    return false;
  }
  auto start = std::chrono::steady_clock::now();
  if (gvLayout(gvc, graph, layout.c_str()) != 0) {
    problem = "Graphviz layout '" + layout + "' failed (is its plugin installed? 'dot -c' registers them)";
    agclose(graph);
    gvFreeContext(gvc);
    return false;
  }
  result.layout_seconds = seconds_since(start);
  start = std::chrono::steady_clock::now();
  char* buffer = nullptr;
  unsigned int length = 0;
  const bool rendered = gvRenderData(gvc, graph, device(format), &buffer, &length) == 0 && buffer != nullptr;
  result.render_seconds = seconds_since(start);
  if (rendered) {
    result.output.assign(buffer, length);
  } else {
    problem = std::string("Graphviz could not render ") + render_format_name(format) +
              " (is the cairo plugin installed? 'dot -c' registers it)";
  }
  if (buffer != nullptr) gvFreeRenderData(buffer);
  gvFreeLayout(gvc, graph);
  agclose(graph);
  gvFreeContext(gvc);
  return rendered;
}

}  // namespace

RenderResult render_dot(std::string_view dot, std::string_view engine, RenderFormat format) {
  RenderResult result;
  if (format == RenderFormat::dot) {
    result.ok = true;
    result.output.assign(dot);
    return result;
  }
  const std::string text(dot);
  const std::string layout(engine);
  std::string problem;
  {
    std::lock_guard<std::mutex> lock(graphviz_mutex());
    MessageCapture capture(result.messages);
    result.ok = render_locked(text, layout, format, result, problem);
    capture.flush();
  }
  if (!problem.empty()) result.messages.push_back(problem);
  return result;
}

std::string graphviz_version() {
  std::lock_guard<std::mutex> lock(graphviz_mutex());
  GVC_t* gvc = gvContext();
  std::string v = gvc != nullptr && gvcVersion(gvc) != nullptr ? gvcVersion(gvc) : "";
  if (gvc != nullptr) gvFreeContext(gvc);
  return v;
}

}  // namespace chokepoint
