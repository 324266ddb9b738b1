#include "chokepoint/report/export.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <variant>

#include <fmt/format.h>

#include "chokepoint/analysis/flow.hpp"
#include "chokepoint/report/dot.hpp"

namespace chokepoint {
namespace {

using Value = std::variant<std::string, double, bool>;

/// A typed attribute as GraphML declares it.
struct Key {
  std::string name;
  const char* type;  // "string", "double", "boolean"
};

/// The attributes of one node or edge, by key index; absent figures are left out.
using Values = std::map<std::size_t, Value>;

/// The attributes of a kind of record (facilities or links): a first pass over the records finds
/// every key (per-material figures depend on the data), then each record's row is built again
/// and written at once, so that no row is kept (at 10^5 facilities the rows of both kinds took
/// 0.8 GB, and the whole output was a string besides).
struct Table {
  std::vector<Key> keys;
  std::map<std::string, std::size_t> index;
  std::vector<std::size_t> final_of;   // a key's index as first seen -> its place in `keys` once ordered
  std::size_t key(const std::string& name, const char* type) {
    if (auto it = index.find(name); it != index.end()) return it->second;
    keys.push_back({name, type});
    return index[name] = keys.size() - 1;
  }
  void set(Values& row, const std::string& name, const std::string& v) {
    if (!v.empty()) row[key(name, "string")] = v;
  }
  void set(Values& row, const std::string& name, const std::optional<double>& v) {
    if (v) row[key(name, "double")] = *v;
  }
  void set_bool(Values& row, const std::string& name, bool v) { row[key(name, "boolean")] = v; }
  /// Keys in a stable order: `first` as listed, then the rest (per-material figures) by name.
  /// Rows built afterwards keep their keys as first seen: `ordered` moves them to this order.
  void order(const std::vector<std::string>& first) {
    std::vector<std::size_t> order(keys.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    const auto rank = [&](std::size_t k) {
      const auto it = std::find(first.begin(), first.end(), keys[k].name);
      return static_cast<std::size_t>(it - first.begin());
    };
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return std::make_pair(rank(a), keys[a].name) < std::make_pair(rank(b), keys[b].name);
    });
    final_of.assign(keys.size(), 0);
    ordered_keys.clear();
    for (std::size_t i = 0; i < order.size(); ++i) {
      final_of[order[i]] = i;
      ordered_keys.push_back(keys[order[i]]);
    }
  }
  /// A row built after order(), its keys moved to their final places.
  [[nodiscard]] Values ordered(Values row) const {
    Values out;
    for (auto& [k, v] : row) out[final_of[k]] = std::move(v);
    return out;
  }
  std::vector<Key> ordered_keys;   // after order()
};

double sum(const ReVector& v) {
  double t = 0;
  for (double x : v) t += x;
  return t;
}

std::string code(const Dataset& ds, Index c) { return c == kNone ? std::string() : ds.countries[c].code; }
std::string date(const std::optional<Date>& d) { return d ? d->str() : std::string(); }

/// The baseline flow on the options' date.
struct Baseline {
  std::optional<Date> as_of;
  std::optional<FlowResult> flow;
};

Baseline baseline(const Dataset& ds, const ExportOptions& options) {
  Baseline b;
  b.as_of = options.as_of ? options.as_of : ds.info.as_of;
  FlowOptions fo;
  fo.as_of = b.as_of;
  b.flow = run_flow(build_flow_plan(ds, fo));
  return b;
}

std::string source_list(const Dataset& ds, const std::vector<Index>& sources) {
  std::vector<std::string> ids;
  for (Index s : sources) ids.push_back(ds.sources[s].id);
  return fmt::format("{}", fmt::join(ids, ","));
}

/// Per-material figures of a facility: capacity and production summed over outputs, demand.
void material_figures(const Dataset& ds, const Facility& f, Table& t, Values& row) {
  std::map<std::string, std::optional<double>> capacity, production, demand;
  for (const Output& o : f.outputs) {
    const std::string& m = ds.materials[o.material].id;
    if (o.capacity) capacity[m] = capacity[m].value_or(0) + *o.capacity;
    if (o.production) production[m] = production[m].value_or(0) + *o.production;
  }
  for (const DemandEntry& d : f.demand)
    demand[ds.materials[d.material].id] = demand[ds.materials[d.material].id].value_or(0) + d.quantity;
  for (const auto& [m, v] : capacity) t.set(row, "capacity:" + m, v);
  for (const auto& [m, v] : production) t.set(row, "production:" + m, v);
  for (const auto& [m, v] : demand) t.set(row, "demand:" + m, v);
}

std::string neo4j_labels(const Facility& f) {
  std::string stage = stage_name(f.stage);
  if (!stage.empty()) stage[0] = static_cast<char>(stage[0] - 'a' + 'A');
  return ":Facility:" + stage;
}

Values facility_row(const Dataset& ds, const Baseline& b, Table& t, Index i) {
  const Facility& f = ds.facilities[i];
  Values row;
  t.set(row, "label", f.name.empty() ? f.id : f.name);
  t.set(row, "id", f.id);
  t.set(row, "name", f.name);
  t.set(row, "operator", f.operator_name);
  t.set(row, "country", code(ds, f.country));
  t.set(row, "owner_country", code(ds, f.owner()));
  t.set(row, "stage", stage_name(f.stage));
  t.set(row, "status", status_name(f.status));
  t.set(row, "status_as_of", date(f.status_as_of));
  t.set(row, "lat", f.location ? std::optional<double>(f.location->lat) : std::nullopt);
  t.set(row, "lon", f.location ? std::optional<double>(f.location->lon) : std::nullopt);
  if (f.recovery != 1.0) t.set(row, "recovery", std::optional<double>(f.recovery));
  t.set(row, "technology_origin", code(ds, f.technology_origin));
  t.set(row, "sources", source_list(ds, f.sources));
  t.set(row, "notes", f.notes);
  t.set(row, "labels", neo4j_labels(f));
  const FacilityFlow flow = b.flow->facility(i);
  t.set(row, "baseline_received_re_t", std::optional<double>(sum(flow.received)));
  t.set(row, "baseline_produced_re_t", std::optional<double>(sum(flow.produced)));
  if (f.stage == Stage::demand) t.set(row, "baseline_delivered_re_t", std::optional<double>(sum(flow.delivered)));
  material_figures(ds, f, t, row);
  return row;
}

/// The facilities' keys, in their final order.
Table facility_keys(const Dataset& ds, const Baseline& b) {
  Table t;
  for (const char* name : {"label", "id", "name", "operator", "country", "owner_country", "stage", "status"}) {
    t.key(name, "string");
  }
  for (Index i = 0; i < ds.facilities.size(); ++i) facility_row(ds, b, t, i);
  t.order({"label", "id", "name", "operator", "country", "owner_country", "stage", "status", "status_as_of", "lat",
           "lon", "recovery", "technology_origin", "sources", "notes", "labels", "baseline_received_re_t",
           "baseline_produced_re_t", "baseline_delivered_re_t"});
  return t;
}

Values link_row(const Dataset& ds, const Baseline& b, Table& t, Index i) {
  const Link& l = ds.links[i];
  Values row;
  t.set(row, "from", ds.facilities[l.from].id);
  t.set(row, "to", ds.facilities[l.to].id);
  t.set(row, "material", ds.materials[l.material].id);
  t.set(row, "volume", l.volume);
  t.set(row, "share", l.share);
  t.set(row, "status", link_status_name(l.status));
  t.set(row, "since", date(l.since));
  t.set(row, "until", date(l.until));
  t.set(row, "source", l.source == kNone ? std::string() : ds.sources[l.source].id);
  t.set(row, "notes", l.notes);
  const LinkFlow flow = b.flow->link(i);
  t.set_bool(row, "in_baseline", b.flow->plan().in_plan(i));
  t.set(row, "flow_t", std::optional<double>(flow.carried_tonnes));
  t.set(row, "flow_re_t", std::optional<double>(sum(flow.carried)));
  t.set(row, "weight", std::optional<double>(sum(flow.carried)));
  return row;
}

/// The links' keys, in their final order.
Table link_keys(const Dataset& ds, const Baseline& b) {
  Table t;
  for (Index i = 0; i < ds.links.size(); ++i) link_row(ds, b, t, i);
  t.order({"from", "to", "material", "volume", "share", "status", "since", "until", "source", "notes", "in_baseline",
           "flow_t", "flow_re_t", "weight"});
  return t;
}

std::string text_of(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  return std::get<bool>(v) ? "true" : "false";
}

/// Pieces of output gathered into about a megabyte before they go to the sink.
class Out {
 public:
  explicit Out(const ExportSink& sink) : sink_(sink) {}
  Out(const Out&) = delete;
  Out& operator=(const Out&) = delete;
  Out& operator+=(std::string_view piece) {
    buffer_ += piece;
    if (buffer_.size() >= kChunk) flush();
    return *this;
  }
  void flush() {
    if (!buffer_.empty()) sink_(buffer_);
    buffer_.clear();
  }

 private:
  static constexpr std::size_t kChunk = std::size_t{1} << 20;
  const ExportSink& sink_;
  std::string buffer_;
};

void graphml_keys(Out& out, const Table& t, const char* domain, const char* prefix) {
  for (std::size_t k = 0; k < t.ordered_keys.size(); ++k) {
    out += fmt::format("  <key id=\"{}{}\" for=\"{}\" attr.name=\"{}\" attr.type=\"{}\"/>\n", prefix, k, domain,
                       xml_escape(t.ordered_keys[k].name), t.ordered_keys[k].type);
  }
}

void graphml_data(Out& out, const Values& row, const char* prefix) {
  for (const auto& [k, v] : row) {
    out += fmt::format("      <data key=\"{}{}\">{}</data>\n", prefix, k, xml_escape(text_of(v)));
  }
}

std::string dot_value(const Value& v) {
  if (std::holds_alternative<std::string>(v)) return dot_label(std::get<std::string>(v));
  return "\"" + text_of(v) + "\"";
}

}  // namespace

void write_graphml(const Dataset& ds, const ExportOptions& options, const ExportSink& sink) {
  const Baseline b = baseline(ds, options);
  Table nodes = facility_keys(ds, b);
  Table edges = link_keys(ds, b);
  Out out(sink);
  out +=
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
      "xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns "
      "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n";
  out +=
      "  <key id=\"g0\" for=\"graph\" attr.name=\"dataset\" attr.type=\"string\"/>\n"
      "  <key id=\"g1\" for=\"graph\" attr.name=\"version\" attr.type=\"string\"/>\n"
      "  <key id=\"g2\" for=\"graph\" attr.name=\"as_of\" attr.type=\"string\"/>\n";
  graphml_keys(out, nodes, "node", "n");
  graphml_keys(out, edges, "edge", "e");
  out += "  <graph id=\"G\" edgedefault=\"directed\">\n";
  out += fmt::format("    <data key=\"g0\">{}</data>\n", xml_escape(ds.info.name));
  out += fmt::format("    <data key=\"g1\">{}</data>\n", xml_escape(ds.info.version));
  if (b.as_of) out += fmt::format("    <data key=\"g2\">{}</data>\n", b.as_of->str());
  for (Index i = 0; i < ds.facilities.size(); ++i) {
    out += fmt::format("    <node id=\"{}\">\n", xml_escape(ds.facilities[i].id));
    graphml_data(out, nodes.ordered(facility_row(ds, b, nodes, i)), "n");
    out += "    </node>\n";
  }
  for (Index i = 0; i < ds.links.size(); ++i) {
    const Link& l = ds.links[i];
    out += fmt::format("    <edge id=\"l{}\" source=\"{}\" target=\"{}\">\n", i, xml_escape(ds.facilities[l.from].id),
                       xml_escape(ds.facilities[l.to].id));
    graphml_data(out, edges.ordered(link_row(ds, b, edges, i)), "e");
    out += "    </edge>\n";
  }
  out += "  </graph>\n</graphml>\n";
  out.flush();
}

void write_dot(const Dataset& ds, const ExportOptions& options, const ExportSink& sink) {
  const Baseline b = baseline(ds, options);
  Table nodes = facility_keys(ds, b);
  Table edges = link_keys(ds, b);
  Out out(sink);
  out += fmt::format("digraph {} {{\n", dot_label(ds.label()));
  out += fmt::format("  graph [dataset={}, version={}{}];\n", dot_label(ds.info.name), dot_label(ds.info.version),
                     b.as_of ? ", as_of=\"" + b.as_of->str() + "\"" : std::string());
  for (Index i = 0; i < ds.facilities.size(); ++i) {
    std::vector<std::string> attrs;
    for (const auto& [k, v] : nodes.ordered(facility_row(ds, b, nodes, i))) {
      attrs.push_back(dot_label(nodes.ordered_keys[k].name) + "=" + dot_value(v));
    }
    out += fmt::format("  {} [{}];\n", dot_label(ds.facilities[i].id), fmt::join(attrs, ", "));
  }
  for (Index i = 0; i < ds.links.size(); ++i) {
    const Link& l = ds.links[i];
    std::vector<std::string> attrs = {fmt::format("id=\"l{}\"", i)};
    for (const auto& [k, v] : edges.ordered(link_row(ds, b, edges, i))) {
      if (edges.ordered_keys[k].name == "from" || edges.ordered_keys[k].name == "to") continue;
      attrs.push_back(dot_label(edges.ordered_keys[k].name) + "=" + dot_value(v));
    }
    out += fmt::format("  {} -> {} [{}];\n", dot_label(ds.facilities[l.from].id), dot_label(ds.facilities[l.to].id),
                       fmt::join(attrs, ", "));
  }
  out += "}\n";
  out.flush();
}

namespace {

using json = nlohmann::ordered_json;

/// `value` as nlohmann's dump with an indent of 2 writes it at `depth` inside a document: every
/// line after the first moved right by 2 x depth spaces (JSON strings hold no raw line breaks).
void put_json(Out& out, const json& value, std::size_t depth) {
  const std::string text = value.dump(2, ' ', false, json::error_handler_t::replace);
  const std::string margin(2 * depth, ' ');
  std::size_t from = 0;
  for (std::size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', from)) {
    out += std::string_view(text).substr(from, nl + 1 - from);
    out += margin;
    from = nl + 1;
  }
  out += std::string_view(text).substr(from);
}

/// "key": value as the second or later member of the top-level object.
void put_member(Out& out, std::string_view key, const json& value, bool first = false) {
  out += first ? "\n  " : ",\n  ";
  out += json(std::string(key)).dump();
  out += ": ";
  put_json(out, value, 1);
}

/// "key": [items...] as a member of the top-level object, one item at a time.
template <class Item>
void put_array(Out& out, std::string_view key, std::size_t count, Item item) {
  out += ",\n  ";
  out += json(std::string(key)).dump();
  if (count == 0) {
    out += ": []";
    return;
  }
  out += ": [";
  for (std::size_t i = 0; i < count; ++i) {
    out += i == 0 ? "\n    " : ",\n    ";
    put_json(out, item(i), 2);
  }
  out += "\n  ]";
}

}  // namespace

// The document nlohmann's dump(2) would write for the whole tree, written member by member and
// item by item instead of built first (a facility's object is a few hundred bytes; the tree of a
// million of them would take gigabytes).
void write_json(const Dataset& ds, const ExportOptions& options, const ExportSink& sink) {
  const Baseline b = baseline(ds, options);
  const auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  const auto text = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  Out out(sink);
  out += "{";
  put_member(out, "schema", "chokepoint.export/1", true);
  put_member(out, "dataset", {{"name", ds.info.name}, {"version", ds.info.version}, {"as_of", text(date(ds.info.as_of))}});
  put_member(out, "baseline_as_of", text(date(b.as_of)));
  put_array(out, "countries", ds.countries.size(), [&](std::size_t i) {
    const Country& c = ds.countries[i];
    return json{{"code", c.code}, {"name", c.name}, {"wgi", opt(c.wgi)}};
  });
  put_array(out, "materials", ds.materials.size(), [&](std::size_t i) {
    const Material& m = ds.materials[i];
    json composition = json::object();
    for (const Component& c : m.composition) composition[std::string(element_symbol(c.element))] = c.fraction;
    return json{{"id", m.id},
                {"name", m.name},
                {"form", form_name(m.form)},
                {"basis", basis_name(m.basis)},
                {"composition", m.mixed ? json("mixed") : composition}};
  });
  put_array(out, "facilities", ds.facilities.size(), [&](std::size_t i) {
    const Facility& f = ds.facilities[i];
    json outputs = json::array(), demand = json::array(), sources = json::array();
    for (const Output& o : f.outputs) {
      outputs.push_back(
          {{"material", ds.materials[o.material].id},
           {"capacity", opt(o.capacity)},
           {"production", opt(o.production)},
           {"year", o.provenance.year ? json(*o.provenance.year) : json(nullptr)},
           {"source", o.provenance.source == kNone ? json(nullptr) : json(ds.sources[o.provenance.source].id)}});
    }
    for (const DemandEntry& d : f.demand) {
      demand.push_back({{"material", ds.materials[d.material].id}, {"quantity", d.quantity}});
    }
    for (Index s : f.sources) sources.push_back(ds.sources[s].id);
    const FacilityFlow flow = b.flow->facility(static_cast<Index>(i));
    return json{{"id", f.id},
                {"name", f.name},
                {"operator", text(f.operator_name)},
                {"country", text(code(ds, f.country))},
                {"owner_country", text(code(ds, f.owner()))},
                {"stage", stage_name(f.stage)},
                {"status", status_name(f.status)},
                {"status_as_of", text(date(f.status_as_of))},
                {"location", f.location ? json{{"lat", f.location->lat}, {"lon", f.location->lon}} : json(nullptr)},
                {"outputs", outputs},
                {"demand", demand},
                {"sources", sources},
                {"notes", text(f.notes)},
                {"baseline",
                 {{"received_re_t", sum(flow.received)},
                  {"produced_re_t", sum(flow.produced)},
                  {"delivered_re_t", sum(flow.delivered)}}}};
  });
  put_array(out, "links", ds.links.size(), [&](std::size_t n) {
    const auto i = static_cast<Index>(n);
    const Link& l = ds.links[i];
    const LinkFlow flow = b.flow->link(i);
    return json{{"index", i},
                {"from", ds.facilities[l.from].id},
                {"to", ds.facilities[l.to].id},
                {"material", ds.materials[l.material].id},
                {"volume", opt(l.volume)},
                {"share", opt(l.share)},
                {"status", link_status_name(l.status)},
                {"since", text(date(l.since))},
                {"until", text(date(l.until))},
                {"source", l.source == kNone ? json(nullptr) : json(ds.sources[l.source].id)},
                {"notes", text(l.notes)},
                {"baseline",
                 {{"in_plan", b.flow->plan().in_plan(i)},
                  {"flow_t", flow.carried_tonnes},
                  {"flow_re_t", sum(flow.carried)}}}};
  });
  out += "\n}\n";
  out.flush();
}

std::string export_graphml(const Dataset& dataset, const ExportOptions& options) {
  std::string text;
  write_graphml(dataset, options, [&](std::string_view piece) { text += piece; });
  return text;
}

std::string export_dot(const Dataset& dataset, const ExportOptions& options) {
  std::string text;
  write_dot(dataset, options, [&](std::string_view piece) { text += piece; });
  return text;
}

nlohmann::ordered_json export_json(const Dataset& dataset, const ExportOptions& options) {
  std::string text;
  write_json(dataset, options, [&](std::string_view piece) { text += piece; });
  return nlohmann::ordered_json::parse(text);
}

}  // namespace chokepoint
