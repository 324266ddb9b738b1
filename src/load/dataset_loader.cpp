#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <deque>
#include <functional>
#include <future>
#include <limits>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "chokepoint/core/text.hpp"
#include "chokepoint/load/id_index.hpp"
#include "chokepoint/load/loader.hpp"
#include "chokepoint/load/yaml_reader.hpp"
#include "csv_table.hpp"

namespace chokepoint {
namespace {

namespace fs = std::filesystem;
using yaml::Reader;

const std::vector<std::string> kSections = {"dataset", "sources", "countries", "groups",
                                            "materials", "facilities", "links", "$schema"};

/// Where something was written, kept until every file is read so that a later check can point at
/// it: a YAML node's mark in a document, or a CSV cell of a table. 16 bytes on purpose (no node
/// handle, no strings): a million-facility dataset holds several million of them.
struct Site {
  static constexpr std::uint32_t kNowhere = 0xFFFFFFFFu;
  static constexpr std::uint32_t kTable = 0x80000000u;   ///< origin flag: a table index, not a document
  std::uint32_t origin = kNowhere;   ///< document index, or kTable | table index
  std::int32_t line = -1;            ///< YAML: 0-based mark line; CSV: 1-based line
  std::int32_t column = 0;           ///< YAML: 0-based byte column; CSV: 1-based code-point column
  std::uint32_t offset = 0;          ///< CSV: byte offset of the raw field

  static Site of(const yaml::Node& n, std::size_t d) {
    Site s;
    s.origin = static_cast<std::uint32_t>(d);
    if (n.IsDefined()) {
      const yaml::Mark m = n.Mark();
      s.line = m.line;
      s.column = m.column;
    }
    return s;
  }
  static Site of(std::size_t table, const csv::Cell& c) {
    return {kTable | static_cast<std::uint32_t>(table), c.line, c.column, c.offset};
  }
  [[nodiscard]] bool in_table() const { return origin != kNowhere && (origin & kTable) != 0; }
  [[nodiscard]] std::size_t table() const { return origin & ~kTable; }
  [[nodiscard]] std::size_t doc() const { return origin; }
  [[nodiscard]] bool known() const { return in_table() || (origin != kNowhere && line >= 0); }
};
static_assert(sizeof(Site) == 16);

/// A reference by id, resolved after every file is read. The id is a view: into a CSV table's text
/// (tables live as long as the builder) or into the builder's store of YAML ids.
struct Ref {
  std::string_view id;
  Site at;
  [[nodiscard]] bool given() const { return id.data() != nullptr; }
};
static_assert(sizeof(Ref) == 32);

struct CountryRefs { Ref source; Site wgi_key; };
struct GroupRefs { std::vector<Ref> members; };
/// An output's or a demand entry's references in their wide form: YAML, and CSV rows whose ids
/// are not plain views of the table's text.
struct FigureRefs { Ref material; Ref source; Site record; };
/// An output's or a demand entry's references, 20 bytes (the wide form is 80, and a vector of
/// them per facility cost 96 bytes more a figure): a large dataset has a million figures. Like
/// LinkRefs, a CSV row keeps where each id's text starts and how long it is; others keep an index
/// into the builder's FigureRefs. A facility's figures are chained in the order it lists them.
struct FigureRow {
  enum Which : std::uint8_t { material, source };
  static constexpr std::uint32_t kWide = 0xFFFFFFFFu;   ///< `table`: the refs are wide_figures[record]
  std::uint32_t table = kWide;           ///< Site::kTable | table index, or kWide
  std::uint32_t record = 0;              ///< CSV: offset of the row's first cell; wide: index
  std::array<std::uint16_t, 2> after{};  ///< CSV: where each id's text starts, in bytes after `record`
  std::array<std::uint8_t, 2> length{};  ///< CSV: its length in bytes; 0: not given
  Index next = kNone;                    ///< the facility's next output (or demand entry)
  [[nodiscard]] bool wide() const { return table == kWide; }
  [[nodiscard]] std::uint32_t text(Which which) const { return record + after[which]; }
};
static_assert(sizeof(FigureRow) == 20);
/// The first and last of a facility's outputs (or demand entries) in the builder's FigureRows.
struct FigureChain {
  Index first = kNone, last = kNone;
};
/// What few facilities give, kept out of line so that a million plain facilities stay small.
struct FacilityExtraRefs {
  Ref owner_country, technology_origin;
  std::vector<Ref> inputs, sources;
  Site distribution_key;    ///< YAML: the 'distribution' key
};
struct FacilityRefs {
  Ref country;
  FigureChain outputs, demand;     ///< chains through the builder's figure rows
  Site record;              ///< the YAML mapping, or the CSV row's first cell
  Site distribution_row;    ///< CSV: the facility cell of its first distribution.csv row
  std::unique_ptr<FacilityExtraRefs> extra_;

  /// The out-of-line references, made on first write.
  FacilityExtraRefs& extra() {
    if (!extra_) extra_ = std::make_unique<FacilityExtraRefs>();
    return *extra_;
  }
  [[nodiscard]] const FacilityExtraRefs& extras() const {
    static const FacilityExtraRefs none;
    return extra_ ? *extra_ : none;
  }
};
/// A link's references in their wide form: YAML links, and CSV rows whose ids are not plain views
/// of the table's text (a quoted id with "" escapes, or one longer than a compact reference holds).
struct WideLinkRefs { Ref from, to, material, source; Site record; };

/// A link's references, 20 bytes (the wide form is 144): a large dataset has three million links,
/// and at 1e6 facilities the wide form was 412 MiB of the load's peak. A CSV row keeps where each
/// id's text starts, counted from the row's first cell, and how long it is; the cell's line and
/// column are worked out from the offset only when a diagnostic needs them (csv::Table::cell_at).
/// Other links, and rows whose ids lie further into the row or are longer than these fields
/// hold, keep an index into the builder's WideLinkRefs.
struct LinkRefs {
  enum Which : std::uint8_t { from, to, material, source };
  static constexpr std::uint32_t kWide = 0xFFFFFFFFu;   ///< `table`: the refs are wide[record]
  std::uint32_t table = kWide;           ///< Site::kTable | table index, or kWide
  std::uint32_t record = 0;              ///< CSV: offset of the row's first cell; wide: index
  std::array<std::uint16_t, 4> after{};  ///< CSV: where each id's text starts, in bytes after `record`
  std::array<std::uint8_t, 4> length{};  ///< CSV: its length in bytes; 0: not given
  [[nodiscard]] bool wide() const { return table == kWide; }
  [[nodiscard]] std::uint32_t text(Which which) const { return record + after[which]; }
};
static_assert(sizeof(LinkRefs) == 20);

/// Hashes std::string and std::string_view alike, so that maps of ids take views as keys to find.
struct IdHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

/// A calendar year, 1..9999.
std::optional<int> year(Reader& r, const yaml::Node& v, const yaml::Node& kn) {
  auto y = r.integer(v, kn, "year");
  if (!y) return std::nullopt;
  if (*y < 1 || *y > 9999) {
    r.error("E301", v, fmt::format("year {} is outside 1..9999", *y));
    return std::nullopt;
  }
  return static_cast<int>(*y);
}

class DatasetBuilder {
 public:
  DatasetBuilder(const LoadOptions& options, Diagnostics& diagnostics) : options_(options), diags_(diagnostics) {}

  void add_document(yaml::Document doc) {
    state_.docs.push_back(std::move(doc));
    const std::size_t d = state_.docs.size() - 1;
    if (!state_.docs[d].ok) {
      unread_definitions_.push_back({state_.docs[d].path, true});
      return;
    }
    Reader r = reader(d);
    const yaml::Node& root = state_.docs[d].root;
    r.each_key(root, "a data file", kSections, [&](const std::string& key, const yaml::Node& k, const yaml::Node& v) {
      if (key == "dataset") read_info(d, k, v);
      else if (key == "sources") read_list(d, k, v, "sources", [&](const yaml::Node& n) { read_source(d, n); });
      else if (key == "countries") read_list(d, k, v, "countries", [&](const yaml::Node& n) { read_country(d, n); });
      else if (key == "groups") read_list(d, k, v, "groups", [&](const yaml::Node& n) { read_group(d, n); });
      else if (key == "materials") read_list(d, k, v, "materials", [&](const yaml::Node& n) { read_material(d, n); });
      else if (key == "facilities") read_list(d, k, v, "facilities", [&](const yaml::Node& n) { read_facility(d, n); });
      else if (key == "links") read_list(d, k, v, "links", [&](const yaml::Node& n) { read_link(d, n); });
      else if (key == "$schema") r.string(v, k, "$schema");
    }, "E200", [](const std::string& unknown) {
      // A scenario file whose `scenario:` section is missing or misspelt is read as data.
      if (unknown == "measures" || unknown == "events") {
        return fmt::format("'{}' is a section of scenario files, which start with a 'scenario:' section (id, title)",
                           unknown);
      }
      if (std::string note = did_you_mean(unknown, {"scenario"}); !note.empty()) {
        return note + " (a scenario file starts with a 'scenario:' section; without one it is read as data)";
      }
      return std::string();
    });
    // Everything later checks points at positions (Site), not nodes: free the node tree now, so
    // that a dataset of many YAML files holds one tree at a time, not all of them.
    state_.docs[d].release_tree();
  }

  std::optional<Dataset> finish() {
    const bool all_parsed = std::all_of(state_.docs.begin(), state_.docs.end(), [](const auto& d) { return d.ok; });
    if ((!state_.docs.empty() || !state_.tables.empty()) && all_parsed && !info_key_.doc_set) {
      diags_.error("E202", {first_path(), 0, 0, 1},
                   "the dataset has no 'dataset' section (name, version, as_of)");
    }
    check_limits();
    resolve();
    check_semantics();
    if (options_.strict) check_strict();
    if (diags_.has_errors()) return std::nullopt;
    // What only reading needed is freed before the dataset's indexes are built, so that the two
    // are never held together (0.04 s at 1e6 facilities, the tables' text being given back
    // already; freed on a second thread beside the indexes, the load's peak depended on which
    // thread ran first).
    release_reading_state().reset();
    ds_.build_indexes();
    return std::move(ds_);
  }

 private:
  Reader reader(std::size_t d) { return Reader(state_.docs[d], diags_, options_.limits); }
  std::string first_path() const { return state_.docs.empty() ? state_.tables.front()->path : state_.docs.front().path; }

  template <class F>
  void read_list(std::size_t d, const yaml::Node& key, const yaml::Node& value, std::string_view what, F&& item) {
    Reader r = reader(d);
    if (!r.is_list(value, key, fmt::format("section '{}'", what))) return;
    for (const auto& n : value) item(n);
  }

  /// A reference written in YAML: the id goes to the builder's store, the reference views it.
  Ref yaml_ref(std::string id, const yaml::Node& node, std::size_t d) {
    return Ref{state_.yaml_ids.emplace_back(std::move(id)), Site::of(node, d)};
  }

  Ref ref(std::size_t d, const yaml::Node& value, const yaml::Node& key, std::string_view what) {
    Reader r = reader(d);
    if (auto s = r.string(value, key, what)) return yaml_ref(std::move(*s), value, d);
    return Ref{};
  }

  // ---- sections ---------------------------------------------------------------------------

  void read_info(std::size_t d, const yaml::Node& key, const yaml::Node& v) {
    Reader r = reader(d);
    if (info_key_.doc_set) {
      auto& diag = r.error("E209", key, "more than one 'dataset' section");
      const auto& first = info_key_.where;
      diag.notes.push_back(fmt::format("the first is at {}:{}:{}", first.file, first.line, first.column));
      return;
    }
    info_key_.doc_set = true;
    info_key_.where = r.at(key);
    ds_.info.where = r.at(key);
    if (!r.each_key(v, "section 'dataset'", {"name", "version", "as_of", "description", "license"},
                    [&](const std::string& k, const yaml::Node& kn, const yaml::Node& val) {
                      if (k == "name") ds_.info.name = r.string(val, kn, "dataset name").value_or("");
                      else if (k == "version") ds_.info.version = r.string(val, kn, "dataset version").value_or("");
                      else if (k == "as_of") ds_.info.as_of = r.date(val, kn, "as_of");
                      else if (k == "description") ds_.info.description = r.string(val, kn, "description").value_or("");
                      else if (k == "license") ds_.info.license = r.string(val, kn, "license").value_or("");
                    })) {
      return;
    }
    r.require_keys(v, "section 'dataset'", {"name", "version", "as_of"});
  }

  void read_source(std::size_t d, const yaml::Node& n) {
    Reader r = reader(d);
    Source s;
    s.where = r.at(n);
    Ref id_ref;
    if (!r.each_key(n, "a source", {"id", "title", "publisher", "year", "url", "accessed", "note"},
                    [&](const std::string& k, const yaml::Node& kn, const yaml::Node& v) {
                      if (k == "id") { if (auto id = r.id(v, kn, "source id")) { s.id = *id; id_ref = yaml_ref(std::move(*id), v, d); } }
                      else if (k == "title") s.title = r.string(v, kn, "title").value_or("");
                      else if (k == "publisher") s.publisher = r.string(v, kn, "publisher").value_or("");
                      else if (k == "year") s.year = year(r, v, kn);
                      else if (k == "url") s.url = r.string(v, kn, "url").value_or("");
                      else if (k == "accessed") s.accessed = r.date(v, kn, "accessed");
                      else if (k == "note") s.note = r.string(v, kn, "note").value_or("");
                    })) {
      return;
    }
    r.require_keys(n, "a source", {"id", "title"});
    ds_.sources.push_back(std::move(s));
    state_.source_ids.push_back(id_ref);
  }

  void read_country(std::size_t d, const yaml::Node& n) {
    static const std::regex code_re("[A-Z]{2}");
    Reader r = reader(d);
    Country c;
    c.where = r.at(n);
    CountryRefs refs;
    Ref id_ref;
    if (!r.each_key(n, "a country", {"code", "name", "wgi", "source", "disruption"},
                    [&](const std::string& k, const yaml::Node& kn, const yaml::Node& v) {
                      if (k == "code") {
                        if (auto s = r.string(v, kn, "country code")) {
                          if (!std::regex_match(*s, code_re)) {
                            r.error("E206", v, fmt::format("country code '{}' must be an ISO 3166-1 alpha-2 code (two upper-case letters)", *s));
                          } else {
                            c.code = *s;
                            id_ref = yaml_ref(std::move(*s), v, d);
                          }
                        }
                      } else if (k == "name") c.name = r.string(v, kn, "country name").value_or("");
                      else if (k == "wgi") {
                        refs.wgi_key = Site::of(kn, d);
                        if (auto w = r.number(v, kn, "wgi")) {
                          if (*w < -2.5 || *w > 2.5) r.error("E301", v, fmt::format("wgi {} is outside -2.5..2.5", *w));
                          else c.wgi = *w;
                        }
                      } else if (k == "source") refs.source = ref(d, v, kn, "source");
                      else if (k == "disruption") read_disruption(r, v, c.disruption);
                    })) {
      return;
    }
    r.require_keys(n, "a country", {"code", "name"});
    ds_.countries.push_back(std::move(c));
    state_.country_refs.push_back(std::move(refs));
    state_.country_ids.push_back(id_ref);
  }

  void read_group(std::size_t d, const yaml::Node& n) {
    static const std::regex group_re("[A-Za-z0-9]+(-[A-Za-z0-9]+)*");
    Reader r = reader(d);
    Group g;
    g.where = r.at(n);
    GroupRefs refs;
    Ref id_ref;
    if (!r.each_key(n, "a group", {"id", "name", "members"},
                    [&](const std::string& k, const yaml::Node& kn, const yaml::Node& v) {
                      if (k == "id") {
                        if (auto s = r.string(v, kn, "group id")) {
                          if (!std::regex_match(*s, group_re) || s->size() > options_.limits.max_id_length) {
                            r.error("E206", v, fmt::format("group id '{}' must be letters, digits and single '-'", *s));
                          } else {
                            g.id = *s;
                            id_ref = yaml_ref(std::move(*s), v, d);
                          }
                        }
                      } else if (k == "name") g.name = r.string(v, kn, "group name").value_or("");
                      else if (k == "members") {
                        for (auto& [m, node] : r.string_list(v, kn, "members")) refs.members.push_back(yaml_ref(m, node, d));
                      }
                    })) {
      return;
    }
    r.require_keys(n, "a group", {"id", "name", "members"});
    ds_.groups.push_back(std::move(g));
    state_.group_refs.push_back(std::move(refs));
    state_.group_ids.push_back(id_ref);
  }

  void read_composition(Reader& r, const yaml::Node& kn, const yaml::Node& v, Material& m) {
    if (v.IsScalar() && yaml::classify(v) == yaml::ScalarKind::string && v.Scalar() == "mixed") {
      m.mixed = true;
      return;
    }
    if (!v.IsMap()) {
      auto& diag = r.error("E204", yaml::classify(v) == yaml::ScalarKind::null ? kn : v,
                           "composition must be 'mixed' or a map of element symbol to share");
      if (v.IsScalar()) {
        if (auto note = did_you_mean(v.Scalar(), {"mixed"}); !note.empty()) diag.notes.push_back(note);
      }
      return;
    }
    for (auto it = v.begin(); it != v.end(); ++it) {
      const yaml::Node sym = it->first;
      if (!sym.IsScalar()) continue;
      auto e = element_from(r, sym, /*rare_earth_only=*/false);
      auto f = r.number(it->second, sym, fmt::format("share of {}", sym.Scalar()));
      if (!e || !f) continue;
      if (*f < 0 || *f > 1) {
        r.error("E301", it->second, fmt::format("share of {} is {}; it must be within 0..1", sym.Scalar(), *f));
        continue;
      }
      m.composition.push_back({*e, *f});
    }
    std::sort(m.composition.begin(), m.composition.end(),
              [](const Component& a, const Component& b) { return a.element < b.element; });
  }

  std::optional<Element> element_from(Reader& r, const yaml::Node& sym, bool rare_earth_only) {
    const std::string& s = sym.Scalar();
    auto e = parse_element(s);
    if (!e) {
      auto& diag = r.error("E213", sym, fmt::format("unknown element symbol '{}'", s));
      std::vector<std::string> symbols;
      for (const auto& re : rare_earths()) symbols.emplace_back(re.symbol);
      if (auto note = did_you_mean(s, symbols); !note.empty()) diag.notes.push_back(note);
      return std::nullopt;
    }
    if (rare_earth_only && !is_rare_earth(*e)) {
      r.error("E213", sym, fmt::format("'{}' is not a rare-earth element", s));
      return std::nullopt;
    }
    return e;
  }

  void read_material(std::size_t d, const yaml::Node& n) {
    Reader r = reader(d);
    Material m;
    m.where = r.at(n);
    Ref id_ref;
    yaml::Node composition_key;
    if (!r.each_key(n, "a material", {"id", "name", "form", "basis", "composition"},
                    [&](const std::string& k, const yaml::Node& kn, const yaml::Node& v) {
                      if (k == "id") { if (auto id = r.id(v, kn, "material id")) { m.id = *id; id_ref = yaml_ref(std::move(*id), v, d); } }
                      else if (k == "name") m.name = r.string(v, kn, "material name").value_or("");
                      else if (k == "form") {
                        if (auto s = r.string(v, kn, "form")) {
                          if (auto f = parse_form(*s)) m.form = *f;
                          else enum_error(r, v, "form", *s, form_names());
                        }
                      } else if (k == "basis") {
                        if (auto s = r.string(v, kn, "basis")) {
                          if (auto b = parse_basis(*s)) m.basis = *b;
                          else enum_error(r, v, "basis", *s, {"REO", "product"});
                        }
                      } else if (k == "composition") {
                        composition_key.reset(kn);
                        read_composition(r, kn, v, m);
                      }
                    })) {
      return;
    }
    r.require_keys(n, "a material", {"id", "name", "form", "basis", "composition"});
    if (composition_key.IsDefined() && !m.mixed && m.composition.empty() && composition_key.IsScalar()) {
      r.error("E306", composition_key, fmt::format("composition of '{}' names no element", m.id));
    } else if (composition_key.IsDefined() && !m.mixed) {
      double re_total = 0, total = 0;
      for (const auto& c : m.composition) {
        total += c.fraction;
        if (is_rare_earth(c.element)) re_total += c.fraction;
      }
      if (!m.composition.empty() && m.basis == Basis::reo && std::abs(re_total - 1.0) > 0.01) {
        r.error("E306", composition_key,
                fmt::format("composition of REO-basis material '{}' sums to {:.4g}; the rare-earth shares must sum to 1 (+-0.01)",
                            m.id, re_total));
      } else if (m.basis == Basis::product && total > 1.001) {
        r.error("E306", composition_key,
                fmt::format("mass fractions of '{}' sum to {:.4g}, more than 1", m.id, total));
      }
    }
    ds_.materials.push_back(std::move(m));
    state_.material_ids.push_back(id_ref);
  }

  void enum_error(Reader& r, const yaml::Node& v, std::string_view what, const std::string& s,
                  const std::vector<std::string>& names) {
    auto& diag = r.error("E205", v, fmt::format("unknown {} '{}'", what, s));
    if (auto note = did_you_mean(s, names); !note.empty()) diag.notes.push_back(note);
    else diag.notes.push_back("one of: " + fmt::format("{}", fmt::join(names, ", ")));
  }

  std::optional<FigureRefs> read_figure(std::size_t d, const yaml::Node& n, bool demand, Output& out, DemandEntry& dem) {
    Reader r = reader(d);
    FigureRefs refs;
    refs.record = Site::of(n, d);
    Provenance& p = demand ? dem.provenance : out.provenance;
    p.where = r.at(n);
    const std::vector<std::string> keys = demand ? std::vector<std::string>{"material", "quantity", "year", "source"}
                                                 : std::vector<std::string>{"material", "capacity", "production", "year", "source"};
    const char* what = demand ? "a demand entry" : "an output";
    yaml::Node production_node = n;
    bool ok = r.each_key(n, what, keys, [&](const std::string& k, const yaml::Node& kn, const yaml::Node& v) {
      if (k == "material") refs.material = ref(d, v, kn, "material");
      else if (k == "source") refs.source = ref(d, v, kn, "source");
      else if (k == "year") p.year = year(r, v, kn);
      else {
        const auto x = r.amount(v, kn, k);
        if (k == "production") production_node.reset(v);
        if (k == "capacity") out.capacity = x;
        else if (k == "production") out.production = x;
        else if (k == "quantity") dem.quantity = x.value_or(0);
      }
    });
    if (!ok) return std::nullopt;
    r.require_keys(n, what, demand ? std::vector<std::string>{"material", "quantity"} : std::vector<std::string>{"material"});
    if (!demand) {
      bool has_cap = false, has_prod = false;
      for (auto it = n.begin(); it != n.end(); ++it) {
        has_cap |= it->first.Scalar() == "capacity";
        has_prod |= it->first.Scalar() == "production";
      }
      if (!has_cap && !has_prod) r.error("E202", n, "an output needs 'capacity' or 'production' (or both)");
      if (out.capacity && out.production && *out.production > *out.capacity * (1 + 1e-9)) {
        r.error("E303", production_node,
                fmt::format("production {} is above capacity {}", *out.production, *out.capacity));
      }
    }
    return refs;
  }

  void read_facility(std::size_t d, const yaml::Node& n) {
    Reader r = reader(d);
    Facility f;
    f.where = r.at(n);
    FacilityRefs refs;
    refs.record = Site::of(n, d);
    Ref id_ref;
    static const std::vector<std::string> keys = {
        "id",      "name",         "operator",     "country",  "owner_country",     "stage",    "status",
        "status_as_of", "outputs", "inputs",       "elements", "distribution",      "recovery", "priority",
        "demand",  "technology_origin", "location", "sources",  "notes", "disruption"};
    if (!r.each_key(n, "a facility", keys, [&](const std::string& k, const yaml::Node& kn, const yaml::Node& v) {
          if (k == "id") { if (auto id = r.id(v, kn, "facility id")) { f.id = *id; id_ref = yaml_ref(std::move(*id), v, d); } }
          else if (k == "name") f.name = r.string(v, kn, "facility name").value_or("");
          else if (k == "operator") f.operator_name = r.string(v, kn, "operator").value_or("");
          else if (k == "country") refs.country = ref(d, v, kn, "country");
          else if (k == "owner_country") refs.extra().owner_country = ref(d, v, kn, "owner_country");
          else if (k == "technology_origin") refs.extra().technology_origin = ref(d, v, kn, "technology_origin");
          else if (k == "stage") {
            if (auto s = r.string(v, kn, "stage")) {
              if (auto st = parse_stage(*s)) f.stage = *st;
              else enum_error(r, v, "stage", *s, stage_names());
            }
          } else if (k == "status") {
            if (auto s = r.string(v, kn, "status")) {
              if (auto st = parse_status(*s)) f.status = *st;
              else enum_error(r, v, "status", *s, status_names());
            }
          } else if (k == "status_as_of") f.status_as_of = r.date(v, kn, "status_as_of");
          else if (k == "outputs" || k == "demand") {
            const bool demand = k == "demand";
            if (!r.is_list(v, kn, k)) return;
            for (const auto& item : v) {
              Output out;
              DemandEntry dem;
              if (auto fr = read_figure(d, item, demand, out, dem)) {
                add_wide_figure(demand ? refs.demand : refs.outputs, std::move(*fr));
                if (demand) f.demand.push_back(dem);
                else f.outputs.push_back(out);
              }
            }
          } else if (k == "inputs") {
            f.inputs_given = true;
            for (auto& [m, node] : r.string_list(v, kn, "inputs")) refs.extra().inputs.push_back(yaml_ref(m, node, d));
          } else if (k == "sources") {
            for (auto& [m, node] : r.string_list(v, kn, "sources")) refs.extra().sources.push_back(yaml_ref(m, node, d));
          } else if (k == "elements") {
            f.elements_given = true;
            for (auto& [s, node] : r.string_list(v, kn, "elements")) {
              if (auto e = element_from(r, node, /*rare_earth_only=*/true)) f.elements.push_back(*e);
            }
          } else if (k == "distribution") {
            refs.extra().distribution_key = Site::of(kn, d);
            read_distribution(r, kn, v, f);
          } else if (k == "recovery" || k == "priority") {
            if (auto x = r.number(v, kn, k)) {
              if (k == "recovery" && (*x < 0 || *x > 1)) r.error("E301", v, fmt::format("recovery {} is outside 0..1", *x));
              else if (k == "priority" && *x <= 0) r.error("E301", v, fmt::format("priority {} must be above 0", *x));
              else (k == "recovery" ? f.recovery : f.priority) = *x;
            }
          } else if (k == "location") {
            Location loc;
            bool ok = r.each_key(v, "location", {"lat", "lon"}, [&](const std::string& lk, const yaml::Node& lkn, const yaml::Node& lv) {
              auto x = r.number(lv, lkn, lk);
              if (!x) return;
              const double bound = lk == "lat" ? 90 : 180;
              if (std::abs(*x) > bound) r.error("E301", lv, fmt::format("{} {} is outside -{}..{}", lk, *x, bound, bound));
              (lk == "lat" ? loc.lat : loc.lon) = *x;
            });
            if (ok) {
              r.require_keys(v, "location", {"lat", "lon"});
              f.location = loc;
            }
          } else if (k == "notes") f.notes = r.string(v, kn, "notes").value_or("");
          else if (k == "disruption") read_disruption(r, v, f.disruption);
        })) {
      return;
    }
    r.require_keys(n, "a facility", {"id", "name", "country", "stage"});
    ds_.facilities.push_back(std::move(f));
    state_.facility_refs.push_back(std::move(refs));
    add_facility_id(id_ref);
  }

  /// `disruption: {probability, severity}`, both 0..1 (E301), on a facility or a country.
  void read_disruption(Reader& r, const yaml::Node& v, DisruptionRisk& risk) {
    DisruptionRisk out;
    bool valid = true;
    const bool ok = r.each_key(v, "disruption", {"probability", "severity"},
                               [&](const std::string& k, const yaml::Node& kn, const yaml::Node& x) {
                                 auto value = r.number(x, kn, k);
                                 if (!value) {
                                   valid = false;
                                   return;
                                 }
                                 if (*value < 0 || *value > 1) {
                                   r.error("E301", x, fmt::format("{} {} is outside 0..1", k, *value));
                                   valid = false;
                                   return;
                                 }
                                 (k == "probability" ? out.probability : out.severity) = *value;
                               });
    if (!ok) return;
    r.require_keys(v, "disruption", {"probability", "severity"});
    if (!valid || !out.given()) return;  // a missing severity is an error above
    risk = out;
  }

  void read_distribution(Reader& r, const yaml::Node& kn, const yaml::Node& v, Facility& f) {
    if (!v.IsMap()) {
      r.error("E204", yaml::classify(v) == yaml::ScalarKind::null ? kn : v,
              "distribution must be a map of element symbol to % of TREO");
      return;
    }
    f.has_distribution = true;
    double total = 0;
    bool complete = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      auto e = element_from(r, it->first, /*rare_earth_only=*/true);
      auto x = r.number(it->second, it->first, fmt::format("share of {}", it->first.Scalar()));
      if (!e || !x) {
        complete = false;
        continue;
      }
      if (*x < 0 || *x > 100) {
        r.error("E301", it->second, fmt::format("share of {} is {}%; it must be within 0..100", it->first.Scalar(), *x));
        continue;
      }
      f.distribution[static_cast<std::size_t>(rare_earth_index(*e))] = *x;
      total += *x;
    }
    if (complete && std::abs(total - 100.0) > 1.0) {
      r.error("E302", kn, fmt::format("distribution sums to {:.4g}%; it must sum to 100 (+-1)", total));
    }
  }

  void add_wide_link_refs(WideLinkRefs&& refs) {
    LinkRefs compact;
    compact.record = static_cast<std::uint32_t>(state_.wide_link_refs.size());
    state_.wide_link_refs.push_back(std::move(refs));
    state_.link_refs.push_back(compact);
  }

  void read_link(std::size_t d, const yaml::Node& n) {
    Reader r = reader(d);
    Link l;
    l.where = r.at(n);
    WideLinkRefs refs;
    refs.record = Site::of(n, d);
    yaml::Node share_key = n, until_value = n;
    if (!r.each_key(n, "a link", {"from", "to", "material", "volume", "share", "status", "since", "until", "source", "notes"},
                    [&](const std::string& k, const yaml::Node& kn, const yaml::Node& v) {
                      if (k == "from") refs.from = ref(d, v, kn, "from");
                      else if (k == "to") refs.to = ref(d, v, kn, "to");
                      else if (k == "material") refs.material = ref(d, v, kn, "material");
                      else if (k == "source") refs.source = ref(d, v, kn, "source");
                      else if (k == "volume") {
                        if (auto x = r.amount(v, kn, "volume")) l.volume = *x;
                      } else if (k == "share") {
                        share_key.reset(kn);
                        if (auto x = r.number(v, kn, "share")) {
                          if (*x < 0 || *x > 1) r.error("E301", v, fmt::format("share {} is outside 0..1", *x));
                          else l.share = *x;
                        }
                      } else if (k == "status") {
                        if (auto s = r.string(v, kn, "link status")) {
                          if (auto st = parse_link_status(*s)) l.status = *st;
                          else enum_error(r, v, "link status", *s, link_status_names());
                        }
                      } else if (k == "since") l.since = r.date(v, kn, "since");
                      else if (k == "until") {
                        until_value.reset(v);
                        l.until = r.date(v, kn, "until");
                      }
                      else if (k == "notes") l.notes = r.string(v, kn, "notes").value_or("");
                    })) {
      return;
    }
    r.require_keys(n, "a link", {"from", "to", "material"});
    if (l.volume && l.share) r.error("E312", share_key, "a link gives 'volume' or 'share', not both");
    if (l.since && l.until && !(*l.since < *l.until)) {
      r.error("E315", until_value, fmt::format("until {} is not after since {}", l.until->str(), l.since->str()));
    }
    ds_.links.push_back(std::move(l));
    add_wide_link_refs(std::move(refs));
  }

  // ---- CSV tables (docs/data-format.md, "CSV tables") ---------------------------------------

 public:
  /// How much of links.csv's text a side reader holds before it waits for the definitions (the
  /// main thread reads facilities.csv meanwhile): 32 MiB, about 500,000 links.
  static constexpr std::uint32_t kWaitingText = 32u << 20;

  /// Reads a CSV table, taking its rows in batches as they are parsed: the builder keeps each
  /// row's facts and the positions of its cells, never the table's cells themselves. The table's
  /// text stays for the caret lines of later diagnostics, in memory or, where given back as it
  /// is read (below), in the file.
  void add_table_file(const fs::path& file, Diagnostics& diagnostics) {
    const std::string name = file.filename().string();
    std::vector<std::size_t> cols;
    bool header_read = false;
    text_views_kept_ = false;
    // Tables whose rows keep nothing that reads their text again in a dataset without problems
    // give its pages back to the system as they are read (a diagnostic reads them from the file
    // again): distribution rows keep positions only; outputs and demand entries once the
    // definitions are indexed (index_definitions), and a side reader's links once the
    // definitions are read, look their ids up as they are read. Not a table from which a
    // reference holds a view of the text (an odd row's), nor facilities.csv, whose ids the id
    // maps view.
    const bool figures = name == "outputs.csv" || name == "demand.csv";
    const bool releasing = name == "distribution.csv" || (figures && definitions_) || (name == "links.csv" && lookup_source_);
    auto table = csv::read_table(file, options_.limits, diagnostics, [&](csv::Table& t) {
      reading_ = &t;
      if (!header_read) {
        header_read = true;
        reading_file_ = FileName(t.path);
        cols = table_columns(t, name);
      }
      if (cols.empty()) return;
      if (name == "facilities.csv") add_facility_rows(t, cols);
      else if (name == "outputs.csv") add_figure_rows<Output>(t, cols);
      else if (name == "demand.csv") add_figure_rows<DemandEntry>(t, cols);
      else if (name == "links.csv") add_link_rows(t, cols);
      else if (name == "distribution.csv") add_distribution_rows(t, cols);
      if (!releasing || text_views_kept_ || t.rows() == 0) return;
      if (name == "links.csv") {
        // Until the definitions are read the rows wait, text and all; beyond kWaitingText bytes
        // of it, the reader waits for them instead of reading on.
        if (!link_lookup_) link_lookup_ = lookup_source_(t.at(t.rows() - 1, 0).offset >= kWaitingText);
        if (!link_lookup_) return;
        resolve_read_links();
      }
      t.release_text_before(t.at(t.rows() - 1, 0).offset);
    });
    if (table->ok && !header_read) cols = table_columns(*table, name);   // a header without rows: still check it
    if (name == "facilities.csv" && (!table->ok || cols.empty())) unread_definitions_.push_back({file.generic_string(), false});
    table->release_cells();
    if (releasing && name != "links.csv" && !text_views_kept_) {   // a side reader's: finish_side_links
      table->release_text_before(std::numeric_limits<std::uint32_t>::max());
    }
    state_.tables.push_back(std::move(table));
    reading_ = nullptr;
  }

  /// A side reader: a builder that reads one links.csv on another thread while this one reads the
  /// other files (see load_dataset). `tables_before` is the number of tables read before it in
  /// the dataset's order, so that its references point at the right table.
  void set_table_base(std::size_t tables_before) { table_base_ = tables_before; }

  /// What ids are looked up in while the tables are read: the main builder's facilities, and its
  /// materials and sources indexed as resolve() will index them (the first of a repeated id keeps
  /// it). Made once the definitions are read; the main builder adds none after that.
  struct DefinitionIndex {
    const IdIndex* facilities = nullptr;
    IdIndex materials, sources;
  };
  [[nodiscard]] std::unique_ptr<DefinitionIndex> definition_index() const {
    auto lookup = std::make_unique<DefinitionIndex>();
    lookup->facilities = &state_.facilities;
    lookup->materials = index_ids(state_.material_ids);
    lookup->sources = index_ids(state_.source_ids);
    return lookup;
  }
  /// A side reader's share of resolving: its links' ids are looked up silently as the rows are
  /// read, from the moment `source` has the definitions (it is asked without waiting, and returns
  /// null until then), so that their text need not be read again; the main builder reads on.
  /// What is not found stays kNone, for resolve() to look up again and report in order.
  using LookupSource = std::function<std::unique_ptr<DefinitionIndex>(bool wait)>;
  void set_link_lookup(LookupSource source) { lookup_source_ = std::move(source); }
  /// The main builder's, once the definitions are read: outputs and demand entries then look
  /// their materials and sources up as they are read.
  void index_definitions() { definitions_ = definition_index(); }
  /// After a side reader's table: waits for the definitions, looks up the links still waiting,
  /// and gives back the table's text.
  void finish_side_links() {
    if (!lookup_source_) return;
    if (!link_lookup_) link_lookup_ = lookup_source_(true);
    resolve_read_links();
    if (!text_views_kept_ && !state_.tables.empty()) {
      state_.tables.back()->release_text_before(std::numeric_limits<std::uint32_t>::max());
    }
  }

  /// Takes over what a side reader read (its links, their references and its table), in the
  /// place of reading that table here: the result is the same as reading it in line.
  void absorb_table(DatasetBuilder&& side) {
    if (side.table_base_ != state_.tables.size()) throw std::logic_error("a side table absorbed out of order");
    // The side reader's wide references follow this builder's: their indices move up.
    const auto wide_base = static_cast<std::uint32_t>(state_.wide_link_refs.size());
    for (LinkRefs& refs : side.state_.link_refs) {
      if (refs.wide()) refs.record += wide_base;
    }
    state_.wide_link_refs.insert(state_.wide_link_refs.end(), std::make_move_iterator(side.state_.wide_link_refs.begin()),
                                 std::make_move_iterator(side.state_.wide_link_refs.end()));
    if (ds_.links.empty()) {
      ds_.links = std::move(side.ds_.links);
      state_.link_refs = std::move(side.state_.link_refs);
    } else {
      ds_.links.insert(ds_.links.end(), std::make_move_iterator(side.ds_.links.begin()),
                       std::make_move_iterator(side.ds_.links.end()));
      state_.link_refs.insert(state_.link_refs.end(), std::make_move_iterator(side.state_.link_refs.begin()),
                              std::make_move_iterator(side.state_.link_refs.end()));
    }
    for (auto& t : side.state_.tables) state_.tables.push_back(std::move(t));
  }

 private:
  static constexpr std::size_t kAbsent = static_cast<std::size_t>(-1);

  /// The table column of each known field (kAbsent when the header lacks it); empty on E202.
  std::vector<std::size_t> columns(const csv::Table& t, const std::vector<std::string>& known,
                                   const std::vector<std::string>& required, std::string_view what) {
    std::vector<std::size_t> index(known.size(), kAbsent);
    for (std::size_t c = 0; c < t.header.size(); ++c) {
      const std::string_view name = t.header[c].text;
      auto it = std::find(known.begin(), known.end(), name);
      if (it == known.end()) {
        auto& d = t.report(diags_, Severity::error, "E201", t.header[c], fmt::format("unknown column '{}' in {}", name, what));
        if (auto note = did_you_mean(name, known); !note.empty()) d.notes.push_back(note);
        continue;
      }
      index[static_cast<std::size_t>(it - known.begin())] = c;
    }
    bool complete = true;
    for (const auto& name : required) {
      if (index[static_cast<std::size_t>(std::find(known.begin(), known.end(), name) - known.begin())] != kAbsent) continue;
      t.report(diags_, Severity::error, "E202", t.header.front(), fmt::format("{} is missing required column '{}'", what, name));
      complete = false;
    }
    if (!complete) index.clear();
    return index;
  }

  /// One row of a table: its cells by field, an empty cell counting as absent.
  struct CsvRow {
    const csv::Table& table;
    const std::vector<std::size_t>& columns;
    std::size_t row;
    [[nodiscard]] const csv::Cell* operator[](std::size_t field) const {
      if (columns[field] == kAbsent) return nullptr;
      const csv::Cell& c = table.at(row, columns[field]);
      return c.empty() ? nullptr : &c;
    }
    [[nodiscard]] const csv::Cell& first() const { return table.at(row, 0); }
    /// The cell of a required field; E202 at the empty cell when it is empty.
    const csv::Cell* required(Diagnostics& diags, std::size_t field, std::string_view record, std::string_view name) const {
      const csv::Cell* c = (*this)[field];
      if (!c) {
        table.report(diags, Severity::error, "E202", table.at(row, columns[field]),
                     fmt::format("{} is missing required '{}' (the cell is empty)", record, name));
      }
      return c;
    }
  };

  /// A reference at an optional cell: none for an absent or empty one.
  Ref cell_ref(const csv::Cell* c) const { return c ? csv_ref(*c) : Ref{}; }
  /// A reference at a cell of the table being read: a view of its text, which the table keeps.
  Ref csv_ref(const csv::Cell& c) const { return Ref{c.text, csv_site(c)}; }
  Site csv_site(const csv::Cell& c) const { return Site::of(table_base_ + state_.tables.size(), c); }
  /// A row's position; the file name is interned once per table, not once per row.
  SourceLocation row_where(const csv::Table&, const csv::Cell& first) const { return {reading_file_, first.line, 1, 1}; }

  void csv_enum_error(const csv::Table& t, const csv::Cell& c, std::string_view what, const std::vector<std::string>& names) {
    auto& diag = t.report(diags_, Severity::error, "E205", c, fmt::format("unknown {} '{}'", what, c.text));
    if (auto note = did_you_mean(c.text, names); !note.empty()) diag.notes.push_back(note);
    else diag.notes.push_back("one of: " + fmt::format("{}", fmt::join(names, ", ")));
  }

  std::optional<double> csv_bounded(const csv::Table& t, const csv::Cell* c, std::string_view what, double lo, double hi) {
    if (!c) return std::nullopt;
    auto x = t.number(diags_, *c, what);
    if (x && (*x < lo || *x > hi)) {
      t.report(diags_, Severity::error, "E301", *c, fmt::format("{} {} is outside {}..{}", what, *x, lo, hi));
      return std::nullopt;
    }
    return x;
  }

  std::optional<double> csv_amount(const csv::Table& t, const csv::Cell* c, std::string_view what) {
    if (!c) return std::nullopt;
    auto x = t.number(diags_, *c, what);
    if (x && *x < 0) {
      t.report(diags_, Severity::error, "E300", *c, fmt::format("{} is negative ({})", what, *x));
      return std::nullopt;
    }
    if (x && *x > options_.limits.max_amount) {
      t.report(diags_, Severity::error, "E301", *c, yaml::amount_too_large(what, *x, options_.limits.max_amount));
      return std::nullopt;
    }
    return x;
  }

  std::optional<int> csv_year(const csv::Table& t, const csv::Cell* c) {
    if (!c) return std::nullopt;
    auto y = t.integer(diags_, *c, "year");
    if (!y) return std::nullopt;
    if (*y < 1 || *y > 9999) {
      t.report(diags_, Severity::error, "E301", *c, fmt::format("year {} is outside 1..9999", *y));
      return std::nullopt;
    }
    return static_cast<int>(*y);
  }

  // The known and required columns of each table.
  inline static const std::vector<std::string> kFacilityColumns = {
      "id", "name", "operator", "country", "owner_country", "stage", "status", "status_as_of", "recovery", "priority",
      "technology_origin", "lat", "lon", "notes"};
  inline static const std::vector<std::string> kOutputColumns = {"facility", "material", "capacity", "production", "year",
                                                                 "source"};
  inline static const std::vector<std::string> kDemandColumns = {"facility", "material", "quantity", "year", "source"};
  inline static const std::vector<std::string> kDistributionColumns = {"facility", "element", "percent"};
  inline static const std::vector<std::string> kLinkColumns = {"from", "to", "material", "volume", "share",
                                                               "status", "since", "until", "source", "notes"};

  /// The column of each known field of a table named `name`; empty when a required one is missing.
  /// Reserves room for the rows the file holds, once, on its first batch: at most a million, so
  /// that a hostile file of blank lines cannot make it reserve gigabytes (vectors grow past that).
  std::vector<std::size_t> table_columns(const csv::Table& t, const std::string& name) {
    const std::size_t n = std::min<std::size_t>(t.estimated_rows, std::size_t{1} << 20);
    if (name == "facilities.csv") {
      ds_.facilities.reserve(ds_.facilities.size() + n);
      state_.facility_refs.reserve(state_.facility_refs.size() + n);
      state_.facility_ids.reserve(state_.facility_ids.size() + n);
      state_.facilities.reserve(state_.facility_ids.size() + n);
      return columns(t, kFacilityColumns, {"id", "name", "country", "stage"}, "facilities.csv");
    }
    if (name == "outputs.csv" || name == "demand.csv") state_.figures.reserve(state_.figures.size() + n);
    if (name == "outputs.csv") return columns(t, kOutputColumns, {"facility", "material"}, "outputs.csv");
    if (name == "demand.csv") return columns(t, kDemandColumns, {"facility", "material", "quantity"}, "demand.csv");
    if (name == "distribution.csv") return columns(t, kDistributionColumns, kDistributionColumns, "distribution.csv");
    if (name == "links.csv") {
      ds_.links.reserve(ds_.links.size() + n);
      state_.link_refs.reserve(state_.link_refs.size() + n);
      return columns(t, kLinkColumns, {"from", "to", "material"}, "links.csv");
    }
    return {};
  }

  void add_facility_rows(const csv::Table& t, const std::vector<std::size_t>& cols) {
    enum : std::size_t { id, name, operator_name, country, owner_country, stage, status, status_as_of, recovery,
                         priority, technology_origin, lat, lon, notes };   // kFacilityColumns
    const std::size_t n = t.rows();
    for (std::size_t i = 0; i < n; ++i) {
      const CsvRow row{t, cols, i};
      Facility f;
      FacilityRefs refs;
      f.where = row_where(t, row.first());
      refs.record = csv_site(row.first());
      Ref id_ref;
      if (const auto* c = row.required(diags_, id, "a facility", "id")) {
        if (auto s = t.id(diags_, *c, "facility id", options_.limits.max_id_length)) {
          f.id = *s;
          id_ref = csv_ref(*c);
        }
      }
      if (const auto* c = row.required(diags_, name, "a facility", "name")) f.name = c->text;
      if (const auto* c = row[operator_name]) f.operator_name = c->text;
      refs.country = cell_ref(row.required(diags_, country, "a facility", "country"));
      if (const auto* c = row[owner_country]) refs.extra().owner_country = cell_ref(c);
      if (const auto* c = row[technology_origin]) refs.extra().technology_origin = cell_ref(c);
      if (const auto* c = row.required(diags_, stage, "a facility", "stage")) {
        if (auto s = parse_stage(c->text)) f.stage = *s;
        else csv_enum_error(t, *c, "stage", stage_names());
      }
      if (const auto* c = row[status]) {
        if (auto s = parse_status(c->text)) f.status = *s;
        else csv_enum_error(t, *c, "status", status_names());
      }
      if (const auto* c = row[status_as_of]) f.status_as_of = t.date(diags_, *c, "status_as_of");
      if (auto x = csv_bounded(t, row[recovery], "recovery", 0, 1)) f.recovery = *x;
      if (const auto* c = row[priority]) {
        if (auto x = t.number(diags_, *c, "priority")) {
          if (*x <= 0) t.report(diags_, Severity::error, "E301", *c, fmt::format("priority {} must be above 0", *x));
          else f.priority = *x;
        }
      }
      const auto* lat_cell = row[lat];
      const auto* lon_cell = row[lon];
      if (lat_cell || lon_cell) {
        auto la = csv_bounded(t, lat_cell, "lat", -90, 90);
        auto lo = csv_bounded(t, lon_cell, "lon", -180, 180);
        if (!lat_cell || !lon_cell) {
          t.report(diags_, Severity::error, "E202", lat_cell ? *lat_cell : *lon_cell,
                   fmt::format("a location needs both 'lat' and 'lon'; '{}' is empty", lat_cell ? "lon" : "lat"));
        } else if (la && lo) {
          f.location = Location{*la, *lo};
        }
      }
      if (const auto* c = row[notes]) f.notes = c->text;
      ds_.facilities.push_back(std::move(f));
      state_.facility_refs.push_back(std::move(refs));
      add_facility_id(id_ref);
    }
  }

  /// Facility ids are indexed as they are read (the first of a repeated id keeps it; E207 comes
  /// in resolve()), so that table rows can join their facility as soon as they are read.
  void add_facility_id(const Ref& id) {
    state_.facility_ids.push_back(id);
    if (id.given()) state_.facilities.insert(id.id, static_cast<Index>(state_.facility_ids.size() - 1));
  }

  /// outputs.csv (Figure = Output) and demand.csv (DemandEntry) rows, joined to their facility as
  /// they are read: every facility is known by then (load_dataset reads facility definitions first).
  template <class Figure>
  void add_figure_rows(const csv::Table& t, const std::vector<std::size_t>& cols) {
    constexpr bool demand = std::is_same_v<Figure, DemandEntry>;
    // Field positions in kOutputColumns and kDemandColumns.
    constexpr std::size_t facility = 0, material = 1, capacity = 2, production = 3, year_col = 4, source = 5;
    constexpr std::size_t quantity = 2, demand_year = 3, demand_source = 4;
    const char* what = demand ? "a demand entry" : "an output";
    for (std::size_t i = 0; i < t.rows(); ++i) {
      const CsvRow row{t, cols, i};
      Figure figure;
      const Ref facility_ref = cell_ref(row.required(diags_, facility, what, "facility"));
      const csv::Cell* const material_cell = row.required(diags_, material, what, "material");
      Provenance& p = figure.provenance;
      p.where = row_where(t, row.first());
      p.year = csv_year(t, row[demand ? demand_year : year_col]);
      const csv::Cell* const source_cell = row[demand ? demand_source : source];
      if constexpr (demand) {
        if (const auto* c = row.required(diags_, quantity, what, "quantity")) {
          figure.quantity = csv_amount(t, c, "quantity").value_or(0);
        }
      } else {
        const auto* cap = row[capacity];
        const auto* prod = row[production];
        figure.capacity = csv_amount(t, cap, "capacity");
        figure.production = csv_amount(t, prod, "production");
        if (!cap && !prod) {
          t.report(diags_, Severity::error, "E202", row.first(), "an output needs 'capacity' or 'production' (or both)");
        }
        const auto& o = figure;
        if (o.capacity && o.production && *o.production > *o.capacity * (1 + 1e-9)) {
          t.report(diags_, Severity::error, "E303", *prod,
                   fmt::format("production {} is above capacity {}", *o.production, *o.capacity));
        }
      }
      const Index f = resolve(facility_ref, state_.facilities, "facility", "E211");
      if (f == kNone) continue;
      if (definitions_) {   // what is not found is looked up again, and reported, by resolve()
        if (material_cell) figure.material = definitions_->materials.find(material_cell->text);
        if (source_cell) p.source = definitions_->sources.find(source_cell->text);
      }
      if constexpr (demand) {
        ds_.facilities[f].demand.push_back(figure);
      } else {
        ds_.facilities[f].outputs.push_back(figure);
      }
      FacilityRefs& refs = state_.facility_refs[f];
      add_csv_figure(demand ? refs.demand : refs.outputs, t, row.first(), {material_cell, source_cell});
    }
  }

  /// Appends a figure's row to a facility's chain.
  void chain_figure(FigureChain& chain, const FigureRow& row) {
    const auto at = static_cast<Index>(state_.figures.size());
    state_.figures.push_back(row);
    if (chain.last == kNone) chain.first = at;
    else state_.figures[chain.last].next = at;
    chain.last = at;
  }
  void add_wide_figure(FigureChain& chain, FigureRefs&& refs) {
    FigureRow row;
    row.record = static_cast<std::uint32_t>(state_.wide_figures.size());
    state_.wide_figures.push_back(std::move(refs));
    chain_figure(chain, row);
  }
  /// A CSV figure's references: compact when both ids are plain views of the table's text.
  void add_csv_figure(FigureChain& chain, const csv::Table& t, const csv::Cell& first,
                      const std::array<const csv::Cell*, 2>& cells) {
    FigureRow row;
    row.table = Site::kTable | static_cast<std::uint32_t>(table_base_ + state_.tables.size());
    row.record = first.offset;
    if (compact_cells(t, row.record, cells, row.after, row.length)) {
      chain_figure(chain, row);
      return;
    }
    add_wide_figure(chain, {cell_ref(cells[0]), cell_ref(cells[1]), csv_site(first)});
    text_views_kept_ = true;   // cell_ref views the text
  }

  /// Calls fn(k, row) for the k-th figure of a chain, in order.
  template <class F>
  void each_figure(const FigureChain& chain, F&& fn) const {
    std::size_t k = 0;
    for (Index i = chain.first; i != kNone; i = state_.figures[i].next) fn(k++, state_.figures[i]);
  }
  /// A figure's reference as a Ref; a CSV cell's line and column are found when it is reported.
  [[nodiscard]] Ref figure_ref(const FigureRow& row, FigureRow::Which which) const {
    if (row.wide()) {
      const FigureRefs& w = state_.wide_figures[row.record];
      return which == FigureRow::material ? w.material : w.source;
    }
    return compact_ref(row.table, row.text(which), row.length[which]);
  }
  /// Whether a figure names an id in that field, without reading the id (which may be text given back).
  [[nodiscard]] bool figure_names(const FigureRow& row, FigureRow::Which which) const {
    if (row.wide()) return figure_ref(row, which).given();
    return row.length[which] != 0;
  }
  /// Where a figure's record starts: its CSV row or its YAML mapping.
  [[nodiscard]] Site figure_site(const FigureRow& row) const {
    return row.wide() ? state_.wide_figures[row.record].record : Site{row.table, 0, 0, row.record};
  }

  /// One valid distribution.csv row.
  struct ShareRow {
    Ref facility;
    Ref element;
    int re_index = 0;
    double percent = 0;
  };

  void add_distribution_rows(const csv::Table& t, const std::vector<std::size_t>& cols) {
    enum : std::size_t { facility, element, percent };   // kDistributionColumns
    for (std::size_t i = 0; i < t.rows(); ++i) {
      const CsvRow row{t, cols, i};
      ShareRow share;
      share.facility = cell_ref(row.required(diags_, facility, "a distribution row", "facility"));
      const auto* e_cell = row.required(diags_, element, "a distribution row", "element");
      const auto* p_cell = row.required(diags_, percent, "a distribution row", "percent");
      std::optional<Element> e;
      if (e_cell) {
        e = parse_element(e_cell->text);
        if (!e || !is_rare_earth(*e)) {
          auto& diag = t.report(diags_, Severity::error, "E213", *e_cell,
                                e ? fmt::format("'{}' is not a rare-earth element", e_cell->text)
                                  : fmt::format("unknown element symbol '{}'", e_cell->text));
          if (!e) {
            std::vector<std::string> symbols;
            for (const auto& re : rare_earths()) symbols.emplace_back(re.symbol);
            if (auto note = did_you_mean(e_cell->text, symbols); !note.empty()) diag.notes.push_back(note);
          }
          e.reset();
        }
      }
      if (p_cell) {
        if (auto x = t.number(diags_, *p_cell, fmt::format("share of {}", e_cell ? e_cell->text : "the element"))) {
          if (*x < 0 || *x > 100) {
            t.report(diags_, Severity::error, "E301", *p_cell,
                     fmt::format("share of {} is {}%; it must be within 0..100", e_cell ? e_cell->text : "?", *x));
          } else if (e && share.facility.given()) {
            share.element = csv_ref(*e_cell);
            share.re_index = rare_earth_index(*e);
            share.percent = *x;
            add_share(share);
          }
        }
      }
    }
  }

  void add_link_rows(const csv::Table& t, const std::vector<std::size_t>& cols) {
    enum : std::size_t { from, to, material, volume, share, status, since, until, source, notes };   // kLinkColumns
    for (std::size_t i = 0; i < t.rows(); ++i) {
      const CsvRow row{t, cols, i};
      Link l;
      l.where = row_where(t, row.first());
      const std::array<const csv::Cell*, 4> cells{row.required(diags_, from, "a link", "from"),
                                                  row.required(diags_, to, "a link", "to"),
                                                  row.required(diags_, material, "a link", "material"), row[source]};
      l.volume = csv_amount(t, row[volume], "volume");
      l.share = csv_bounded(t, row[share], "share", 0, 1);
      if (const auto* c = row[status]) {
        if (auto s = parse_link_status(c->text)) l.status = *s;
        else csv_enum_error(t, *c, "link status", link_status_names());
      }
      if (const auto* c = row[since]) l.since = t.date(diags_, *c, "since");
      if (const auto* c = row[until]) l.until = t.date(diags_, *c, "until");
      if (const auto* c = row[notes]) l.notes = c->text;
      if (l.volume && l.share) t.report(diags_, Severity::error, "E312", *row[share], "a link gives 'volume' or 'share', not both");
      if (l.since && l.until && !(*l.since < *l.until)) {
        t.report(diags_, Severity::error, "E315", *row[until],
                 fmt::format("until {} is not after since {}", l.until->str(), l.since->str()));
      }
      ds_.links.push_back(std::move(l));
      add_csv_link_refs(t, row.first(), cells);
    }
  }

  /// Where each given cell's text starts in the table and its length (0: not given, as empty cells
  /// are absent); false when one is not a plain view of the table's text (a quoted id with ""
  /// escapes) or is longer than a compact reference holds.
  template <std::size_t N>
  static bool compact_cells(const csv::Table& t, std::uint32_t record, const std::array<const csv::Cell*, N>& cells,
                            std::array<std::uint16_t, N>& after, std::array<std::uint8_t, N>& length) {
    for (std::size_t k = 0; k < N; ++k) {
      if (cells[k] == nullptr) continue;
      const std::optional<std::uint32_t> at = t.in_text(*cells[k]);
      if (!at || *at < record || *at - record > std::numeric_limits<std::uint16_t>::max() ||
          cells[k]->text.size() > std::numeric_limits<std::uint8_t>::max()) {
        return false;
      }
      after[k] = static_cast<std::uint16_t>(*at - record);
      length[k] = static_cast<std::uint8_t>(cells[k]->text.size());
    }
    return true;
  }
  /// A compact reference's id as a Ref; its cell's line and column are found when it is reported.
  [[nodiscard]] Ref compact_ref(std::uint32_t table, std::uint32_t text, std::uint8_t length) const {
    if (length == 0) return {};
    const csv::Table& t = table_of(Site{table, 0, 0, 0});
    return Ref{t.text_at(text, length), Site{table, 0, 0, field_start(t, text)}};
  }

  /// A CSV link's references: compact when every id is a plain view of the table's text.
  void add_csv_link_refs(const csv::Table& t, const csv::Cell& first, const std::array<const csv::Cell*, 4>& cells) {
    LinkRefs refs;
    refs.table = Site::kTable | static_cast<std::uint32_t>(table_base_ + state_.tables.size());
    refs.record = first.offset;
    if (compact_cells(t, refs.record, cells, refs.after, refs.length)) {
      state_.link_refs.push_back(refs);
      return;
    }
    add_wide_link_refs({cell_ref(cells[0]), cell_ref(cells[1]), cell_ref(cells[2]), cell_ref(cells[3]), csv_site(first)});
    text_views_kept_ = true;   // cell_ref views the text
  }

  /// The id a link names (data() is null when it names none), without working out its position.
  [[nodiscard]] std::string_view link_id(const LinkRefs& refs, LinkRefs::Which which) const {
    if (refs.wide()) return wide_ref(state_.wide_link_refs[refs.record], which).id;
    if (refs.length[which] == 0) return {};
    return table_of(Site{refs.table, 0, 0, 0}).text_at(refs.text(which), refs.length[which]);
  }
  /// Whether a link names an id in that field, without reading the id (which may be text given back).
  [[nodiscard]] bool link_names(const LinkRefs& refs, LinkRefs::Which which) const {
    if (refs.wide()) return wide_ref(state_.wide_link_refs[refs.record], which).id.data() != nullptr;
    return refs.length[which] != 0;
  }
  /// A link's reference as a Ref; a CSV cell's line and column are found when it is reported.
  [[nodiscard]] Ref link_ref(const LinkRefs& refs, LinkRefs::Which which) const {
    if (refs.wide()) return wide_ref(state_.wide_link_refs[refs.record], which);
    return compact_ref(refs.table, refs.text(which), refs.length[which]);
  }
  /// Where a link's record starts: its CSV row or its YAML mapping.
  [[nodiscard]] Site link_site(const LinkRefs& refs) const {
    return refs.wide() ? state_.wide_link_refs[refs.record].record : Site{refs.table, 0, 0, refs.record};
  }
  static const Ref& wide_ref(const WideLinkRefs& w, LinkRefs::Which which) {
    switch (which) {
      case LinkRefs::from: return w.from;
      case LinkRefs::to: return w.to;
      case LinkRefs::material: return w.material;
      case LinkRefs::source: break;
    }
    return w.source;
  }
  /// The raw field (quotes included) of a text that starts at `text_offset`: a quoted field's
  /// text starts one byte after its quote.
  static std::uint32_t field_start(const csv::Table& t, std::uint32_t text_offset) {
    return text_offset > 0 && t.text_at(text_offset - 1, 1) == "\"" ? text_offset - 1 : text_offset;
  }

  /// Joins a distribution.csv row to its facility as it is read.
  void add_share(const ShareRow& share) {
    const Index f = resolve(share.facility, state_.facilities, "facility", "E211");
    if (f == kNone) return;
    Facility& fac = ds_.facilities[f];
    FacilityRefs& refs = state_.facility_refs[f];
    if (fac.has_distribution && !refs.distribution_row.in_table()) {
      report(Severity::error, "E207", share.facility,
             fmt::format("'{}' has a distribution in YAML and in distribution.csv", fac.id));
      return;
    }
    // Per facility: which elements have a row (bit per RE index) and their percent total. Flat
    // arrays, as a large dataset has millions of rows.
    static_assert(kRareEarthCount <= 32);
    if (share_elements_.size() < ds_.facilities.size()) {
      share_elements_.resize(ds_.facilities.size(), 0);
      share_total_.resize(ds_.facilities.size(), 0.0);
    }
    const std::uint32_t bit = std::uint32_t{1} << share.re_index;
    if (share_elements_[f] & bit) {
      report(Severity::error, "E207", share.element,
             fmt::format("a second distribution row for {} of '{}'", share.element.id, fac.id));
      return;
    }
    if (share_elements_[f] == 0) refs.distribution_row = share.facility.at;   // where E302 points
    share_elements_[f] |= bit;
    fac.has_distribution = true;
    fac.distribution[static_cast<std::size_t>(share.re_index)] = share.percent;
    share_total_[f] += share.percent;
  }

  /// E302 for each facility whose distribution.csv rows do not sum to 100.
  void check_distribution_totals() {
    for (std::size_t f = 0; f < share_elements_.size(); ++f) {
      if (share_elements_[f] != 0 && std::abs(share_total_[f] - 100.0) > 1.0) {
        report(Severity::error, "E302", state_.facility_refs[f].distribution_row,
               fmt::format("distribution of '{}' sums to {:.4g}%; it must sum to 100 (+-1)", ds_.facilities[f].id,
                           share_total_[f]));
      }
    }
  }

  /// What only reading and checking need (references, positions, id maps, the tables' text, the
  /// files' lines), kept together so that release_reading_state() can hand it all over: none of it
  /// is still held once the dataset's own indexes are built (on a large dataset the two together
  /// made the loader's peak memory). The caller frees it, on any thread.
  struct ReadingState {
    std::vector<yaml::Document> docs;
    std::vector<Ref> source_ids, country_ids, group_ids, material_ids, facility_ids;
    std::vector<CountryRefs> country_refs;
    std::vector<GroupRefs> group_refs;
    std::vector<FacilityRefs> facility_refs;
    std::vector<LinkRefs> link_refs;
    std::vector<WideLinkRefs> wide_link_refs;   ///< YAML links' references and odd CSV ones
    std::vector<FigureRow> figures;             ///< outputs' and demand entries' references
    std::vector<FigureRefs> wide_figures;       ///< YAML figures' references and odd CSV ones
    IdIndex sources, countries, materials, facilities, groups;
    std::vector<std::unique_ptr<csv::Table>> tables;
    std::deque<std::string> yaml_ids;   ///< the ids references written in YAML view
  };
  /// Moves the reading state out of the builder (leaving it empty).
  std::unique_ptr<ReadingState> release_reading_state() {
    auto state = std::make_unique<ReadingState>(std::move(state_));
    state_ = ReadingState{};
    reading_ = nullptr;
    return state;
  }

  /// Runs `work` on a second thread, or here (deferred to get()) when no thread can be started.
  /// In that case the attempt may already have taken `work`'s captures and destroyed them: give it
  /// only work for which that is harmless (a `this` pointer; state that is only to be freed).
  template <class F>
  static auto in_background(F&& work) -> std::future<decltype(work())> {
    try {
      return std::async(std::launch::async, std::forward<F>(work));
    } catch (const std::system_error&) {
      return std::async(std::launch::deferred, std::forward<F>(work));
    }
  }

  /// The table a site points into (the one being read when it is not stored yet).
  /// Sites hold a table's place among the dataset's tables; a side reader's first is table_base_.
  const csv::Table& table_of(const Site& at) const {
    const std::size_t k = at.table() - table_base_;
    return k < state_.tables.size() ? *state_.tables[k] : *reading_;
  }
  /// A site's cell; a site that keeps no line (a compact link reference's) has it worked out.
  csv::Cell cell_of(const Site& at) const {
    if (at.line <= 0) return table_of(at).cell_at(at.offset);
    return {{}, at.offset, table_of(at).raw_field_bytes(at.offset), at.line, at.column};
  }

  /// A diagnostic at a site: its CSV cell or its YAML node.
  Diagnostic& report(Severity severity, std::string code, const Site& at, std::string message) {
    if (at.in_table()) return table_of(at).report(diags_, severity, std::move(code), cell_of(at), std::move(message));
    if (at.origin == Site::kNowhere) {
      return severity == Severity::warning ? diags_.warning(std::move(code), {first_path(), 0, 0, 1}, std::move(message))
                                           : diags_.error(std::move(code), {first_path(), 0, 0, 1}, std::move(message));
    }
    return reader(at.doc()).report(severity, std::move(code), at.line, at.column, std::move(message));
  }
  Diagnostic& report(Severity severity, std::string code, const Ref& ref, std::string message) {
    return report(severity, std::move(code), ref.at, std::move(message));
  }

  SourceLocation where(const Ref& ref) {
    if (ref.at.in_table()) return table_of(ref.at).location(cell_of(ref.at));
    if (ref.at.origin == Site::kNowhere) return {first_path(), 0, 0, 1};
    return reader(ref.at.doc()).at(ref.at.line, ref.at.column);
  }

  /// Where a record starts: its CSV row or its YAML mapping.
  template <class Refs>
  static const Site& site(const Refs& refs) {
    return refs.record;
  }

  // ---- cross-file checks -------------------------------------------------------------------

  void check_limits() {
    if (ds_.facilities.size() > options_.limits.max_facilities) {
      diags_.error("E005", {first_path(), 0, 0, 1},
                   fmt::format("{} facilities; the limit is {}", ds_.facilities.size(), options_.limits.max_facilities));
    }
    if (ds_.links.size() > options_.limits.max_links) {
      diags_.error("E005", {first_path(), 0, 0, 1},
                   fmt::format("{} links; the limit is {}", ds_.links.size(), options_.limits.max_links));
    }
  }

  /// Indexes ids by position (the first of a repeated id keeps it).
  static IdIndex index_ids(const std::vector<Ref>& ids) {
    IdIndex map;
    map.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (ids[i].given()) map.insert(ids[i].id, static_cast<Index>(i));
    }
    return map;
  }
  /// The same, and reports repeats (E207).
  IdIndex unique_ids(const std::vector<Ref>& ids, std::string_view what) {
    IdIndex map = index_ids(ids);
    check_unique(ids, map, what);
    return map;
  }

  /// E207 for each id that repeats an earlier one or differs from an earlier one only in case;
  /// `map` holds every id of `ids` by position, the first of a repeated id keeping it.
  void check_unique(const std::vector<Ref>& ids, const IdIndex& map, std::string_view what) {
    // Ids that differ only in case are confusing in reports. `folded` holds the lower-case form
    // of each id with an upper-case letter; an all-lower-case id is its own folded form, in `map`.
    std::unordered_map<std::string, std::size_t, IdHash, std::equal_to<>> folded;
    constexpr std::size_t kAhead = 8;  // overlap the lookups' cache misses, as in resolve()
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (i + kAhead < ids.size() && ids[i + kAhead].given()) map.prefetch(ids[i + kAhead].id);
      const Ref& id = ids[i];
      if (!id.given()) continue;
      if (const Index existing = map.find(id.id); existing != i) {
        const Ref& first = ids[existing];
        auto& diag = report(Severity::error, "E207", id, fmt::format("duplicate {} id '{}'", what, id.id));
        const auto where = this->where(first);
        diag.notes.push_back(fmt::format("first defined at {}:{}:{}", where.file, where.line, where.column));
        continue;
      }
      const bool has_upper = std::any_of(id.id.begin(), id.id.end(), [](unsigned char c) { return std::isupper(c); });
      std::size_t earlier = ids.size();   // the first earlier id with the same folded form
      if (has_upper) {
        std::string key(id.id);
        std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
        if (Index lower = map.find(key); lower != kNone && lower < i) earlier = lower;
        auto [fit, fresh] = folded.emplace(std::move(key), i);
        if (!fresh) earlier = std::min(earlier, fit->second);
      } else if (!folded.empty()) {
        if (auto fit = folded.find(id.id); fit != folded.end()) earlier = fit->second;
      }
      if (earlier < ids.size()) {
        const Ref& other = ids[earlier];
        auto& diag = report(Severity::error, "E207", id, fmt::format("{} id '{}' differs only in case from '{}'", what, id.id,
                                                                     other.id));
        const auto where = this->where(other);
        diag.notes.push_back(fmt::format("defined at {}:{}:{}", where.file, where.line, where.column));
      }
    }
  }

  Index resolve(const Ref& ref, const IdIndex& ids, std::string_view what, const char* code) {
    if (!ref.given()) return kNone;
    if (Index found = ids.find(ref.id); found != kNone) return found;
    auto& diag = report(Severity::error, code, ref, fmt::format("unknown {} '{}'", what, ref.id));
    // A suggestion scans every id: offer one for the first few unknown references only, so that a
    // file full of bad references against a million ids still loads in linear time.
    if (suggestions_left_ > 0) {
      --suggestions_left_;
      // The likely cause first: a file that could define it did not load (a YAML file any id, a
      // facilities.csv facilities).
      std::vector<std::string> unread;
      for (const auto& [file, yaml] : unread_definitions_) {
        if (yaml || what == "facility") unread.push_back(file);
      }
      if (!unread.empty()) {
        const std::size_t shown = std::min<std::size_t>(unread.size(), 3);
        diag.notes.push_back(fmt::format("it may be defined in {}{}, which did not load (see {} error)",
                                         fmt::join(unread.begin(), unread.begin() + static_cast<std::ptrdiff_t>(shown), ", "),
                                         unread.size() > shown ? fmt::format(" and {} more files", unread.size() - shown) : "",
                                         unread.size() == 1 ? "its" : "their"));
      }
      std::vector<std::string> names;
      names.reserve(ids.size());
      for (std::string_view name : ids.ids()) names.emplace_back(name);
      std::sort(names.begin(), names.end());
      if (auto note = did_you_mean(ref.id, names); !note.empty()) diag.notes.push_back(note);
    }
    return kNone;
  }

  void resolve() {
    state_.sources = unique_ids(state_.source_ids, "source");
    state_.countries = unique_ids(state_.country_ids, "country");
    state_.materials = unique_ids(state_.material_ids, "material");
    check_unique(state_.facility_ids, state_.facilities, "facility");   // indexed as they were read
    state_.groups = unique_ids(state_.group_ids, "group");
    check_distribution_totals();
    for (std::size_t i = 0; i < ds_.countries.size(); ++i) {
      ds_.countries[i].source = resolve(state_.country_refs[i].source, state_.sources, "source", "E212");
    }
    for (std::size_t i = 0; i < ds_.groups.size(); ++i) {
      for (const auto& m : state_.group_refs[i].members) {
        if (Index c = resolve(m, state_.countries, "country", "E210"); c != kNone) ds_.groups[i].members.push_back(c);
      }
    }
    for (std::size_t i = 0; i < ds_.facilities.size(); ++i) resolve_facility(ds_.facilities[i], state_.facility_refs[i]);
    // Links are most of the references: start loading the slots of a few links ahead, so that
    // the cache misses of several lookups overlap.
    constexpr std::size_t kAhead = 8;
    LastResolved last_material, last_source;
    for (std::size_t i = 0; i < ds_.links.size(); ++i) {
      if (i + kAhead < ds_.links.size() && ds_.links[i + kAhead].from == kNone) {
        state_.facilities.prefetch(link_id(state_.link_refs[i + kAhead], LinkRefs::from));
        state_.facilities.prefetch(link_id(state_.link_refs[i + kAhead], LinkRefs::to));
      }
      Link& l = ds_.links[i];
      const LinkRefs& refs = state_.link_refs[i];
      // A side reader found its links' ids as it read them (resolve_read_links); what it did not
      // find is looked up again here, where unknown ids are reported in link order.
      if (l.from == kNone) l.from = resolve_link(refs, LinkRefs::from, state_.facilities, "facility", "E211");
      if (l.to == kNone) l.to = resolve_link(refs, LinkRefs::to, state_.facilities, "facility", "E211");
      if (l.material == kNone) l.material = resolve_link(refs, LinkRefs::material, state_.materials, "material", "E203", &last_material);
      if (l.source == kNone) l.source = resolve_link(refs, LinkRefs::source, state_.sources, "source", "E212", &last_source);
    }
  }

  /// A side reader's links read since the last call: their ids looked up in link_lookup_.
  void resolve_read_links() {
    constexpr std::size_t kAhead = 8;
    const IdIndex& facilities = *link_lookup_->facilities;
    const auto find = [&](const IdIndex& ids, const LinkRefs& refs, LinkRefs::Which which) {
      const std::string_view id = link_id(refs, which);
      return id.data() == nullptr ? kNone : ids.find(id);
    };
    for (std::size_t i = links_resolved_; i < ds_.links.size(); ++i) {
      if (i + kAhead < ds_.links.size()) {
        facilities.prefetch(link_id(state_.link_refs[i + kAhead], LinkRefs::from));
        facilities.prefetch(link_id(state_.link_refs[i + kAhead], LinkRefs::to));
      }
      const LinkRefs& refs = state_.link_refs[i];
      Link& l = ds_.links[i];
      l.from = find(facilities, refs, LinkRefs::from);
      l.to = find(facilities, refs, LinkRefs::to);
      l.material = find(link_lookup_->materials, refs, LinkRefs::material);
      l.source = find(link_lookup_->sources, refs, LinkRefs::source);
    }
    links_resolved_ = ds_.links.size();
  }

  /// The last id a run of references resolved: consecutive links mostly name the same material
  /// and source, and comparing two short strings is cheaper than a lookup.
  struct LastResolved {
    std::string_view id;
    Index index = kNone;
  };
  /// A link's reference resolved: the id alone is looked up; the full Ref (its cell's position) is
  /// made only to report an unknown id.
  Index resolve_link(const LinkRefs& refs, LinkRefs::Which which, const IdIndex& ids, std::string_view what,
                     const char* code, LastResolved* last = nullptr) {
    const std::string_view id = link_id(refs, which);
    if (id.data() == nullptr) return kNone;
    if (last != nullptr && last->index != kNone && id == last->id) return last->index;
    Index found = ids.find(id);
    if (found == kNone) found = resolve(link_ref(refs, which), ids, what, code);   // reports it
    if (found != kNone && last != nullptr) *last = {id, found};
    return found;
  }

  void resolve_facility(Facility& f, const FacilityRefs& refs) {
    f.country = resolve(refs.country, state_.countries, "country", "E210");
    const FacilityExtraRefs& extra = refs.extras();
    f.owner_country = resolve(extra.owner_country, state_.countries, "country", "E210");
    f.technology_origin = resolve(extra.technology_origin, state_.countries, "country", "E210");
    for (const auto& in : extra.inputs) {
      if (Index m = resolve(in, state_.materials, "material", "E203"); m != kNone) f.inputs.push_back(m);
    }
    for (const auto& s : extra.sources) {
      if (Index x = resolve(s, state_.sources, "source", "E212"); x != kNone) f.sources.push_back(x);
    }
    // CSV figures read after the definitions were looked up as they were read; the rest here.
    const auto figure = [&](const FigureRow& row, Index& material, Index& source) {
      if (material == kNone) material = resolve(figure_ref(row, FigureRow::material), state_.materials, "material", "E203");
      if (source == kNone) source = resolve(figure_ref(row, FigureRow::source), state_.sources, "source", "E212");
    };
    each_figure(refs.outputs, [&](std::size_t k, const FigureRow& row) {
      figure(row, f.outputs[k].material, f.outputs[k].provenance.source);
    });
    each_figure(refs.demand, [&](std::size_t k, const FigureRow& row) {
      figure(row, f.demand[k].material, f.demand[k].provenance.source);
    });
  }

  const Material* material(Index m) const { return m == kNone ? nullptr : &ds_.materials[m]; }

  void check_semantics() {
    // The repeated-link search reads only the links and reports nothing: it runs on a second
    // thread while the facilities are checked here.
    std::future<std::vector<bool>> repeated_later = in_background([this] { return repeated_links(); });
    for (std::size_t i = 0; i < ds_.facilities.size(); ++i) check_facility(ds_.facilities[i], state_.facility_refs[i]);
    // Each link's own checks read its two facilities, scattered in memory: the links are marked
    // in two halves on two threads, then reported here in link order, as one pass would.
    std::vector<std::uint8_t> problems(ds_.links.size(), 0);
    const std::size_t half = ds_.links.size() / 2;
    std::future<void> marked_later = in_background([&] { mark_link_problems(half, ds_.links.size(), problems); });
    mark_link_problems(0, half, problems);
    marked_later.get();
    const std::vector<bool> repeated = repeated_later.get();
    std::map<std::pair<Index, Index>, double> share_sum;
    std::map<std::pair<Index, Index>, const LinkRefs*> share_first;
    for (std::size_t i = 0; i < ds_.links.size(); ++i) {
      const Link& l = ds_.links[i];
      if (l.from == kNone || l.to == kNone || l.material == kNone) continue;
      if (problems[i] != 0 || repeated[i]) report_link_problems(l, state_.link_refs[i], problems[i], repeated[i]);
      if (l.share && l.status != LinkStatus::ended) {
        auto key = std::make_pair(l.from, l.material);
        share_sum[key] += *l.share;
        share_first.emplace(key, &state_.link_refs[i]);
      }
    }
    for (const auto& [key, sum] : share_sum) {
      if (sum > 1.0 + 1e-9) {
        const LinkRefs* refs = share_first[key];
        report(Severity::error, "E312", link_site(*refs),
                                     fmt::format("shares of '{}' from '{}' sum to {:.4g}, more than 1",
                                                 ds_.materials[key.second].id, ds_.facilities[key.first].id, sum));
      }
    }
  }

  static constexpr std::uint8_t kLinkToItself = 1, kLinkNotProduced = 2, kLinkNotAccepted = 4;

  void report_link_problems(const Link& l, const LinkRefs& refs, std::uint8_t problems, bool repeated) {
    const Facility& from = ds_.facilities[l.from];
    const Facility& to = ds_.facilities[l.to];
    const Material& m = ds_.materials[l.material];
    if (problems & kLinkToItself) {
      report(Severity::error, "E309", link_ref(refs, LinkRefs::to), fmt::format("link from '{}' to itself", from.id));
    }
    if (problems & kLinkNotProduced) {
      auto& diag = report(Severity::error, "E304", link_ref(refs, LinkRefs::material),
                          fmt::format("'{}' does not list '{}' among its outputs", from.id, m.id));
      std::vector<std::string> outs;
      for (const auto& o : from.outputs) if (o.material != kNone) outs.push_back(ds_.materials[o.material].id);
      if (!outs.empty()) diag.notes.push_back(fmt::format("its outputs: {}", fmt::join(outs, ", ")));
    }
    if (problems & kLinkNotAccepted) {
      auto& diag = report(Severity::error, "E305", link_ref(refs, LinkRefs::material),
                          fmt::format("'{}' ({} stage) does not accept '{}' ({})", to.id, stage_name(to.stage), m.id,
                                      form_name(m.form)));
      diag.notes.push_back(to.inputs_given ? "add it to the facility's 'inputs'"
                                           : "list it in the facility's 'inputs' to accept other forms than its stage's defaults");
    }
    if (repeated) {
      report(Severity::error, "E316", link_site(refs), fmt::format("a second link from '{}' to '{}' for '{}'", from.id, to.id, m.id));
    }
  }
  /// Marks the problems of links [begin, end) that are the link's alone (kLink...); reads only.
  void mark_link_problems(std::size_t begin, std::size_t end, std::vector<std::uint8_t>& problems) const {
    for (std::size_t i = begin; i < end; ++i) {
      if (constexpr std::size_t kAhead = 8; i + kAhead < end) {  // overlap the misses, as in resolve()
        const Link& ahead = ds_.links[i + kAhead];
        if (ahead.from < ds_.facilities.size()) __builtin_prefetch(&ds_.facilities[ahead.from]);
        if (ahead.to < ds_.facilities.size()) __builtin_prefetch(&ds_.facilities[ahead.to]);
      }
      const Link& l = ds_.links[i];
      if (l.from == kNone || l.to == kNone || l.material == kNone) continue;
      std::uint8_t p = 0;
      if (l.from == l.to) p |= kLinkToItself;
      if (!ds_.produces(l.from, l.material)) p |= kLinkNotProduced;
      if (!ds_.accepts(l.to, l.material)) p |= kLinkNotAccepted;
      problems[i] = p;
    }
  }

  /// For each link, whether an earlier link has the same from, to and material. Links are grouped
  /// by their supplier (a counting sort), then each supplier's few links are compared: linear time.
  std::vector<bool> repeated_links() const {
    const std::size_t nf = ds_.facilities.size();
    std::vector<std::uint32_t> start(nf + 1, 0);
    for (const Link& l : ds_.links) {
      if (l.from != kNone && l.to != kNone && l.material != kNone) ++start[l.from + 1];
    }
    for (std::size_t f = 0; f < nf; ++f) start[f + 1] += start[f];
    std::vector<std::uint32_t> order(start[nf]);
    std::vector<std::uint32_t> next(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < ds_.links.size(); ++i) {
      const Link& l = ds_.links[i];
      if (l.from != kNone && l.to != kNone && l.material != kNone) order[next[l.from]++] = static_cast<std::uint32_t>(i);
    }
    std::vector<bool> repeated(ds_.links.size(), false);
    for (std::size_t f = 0; f < nf; ++f) {
      const auto begin = order.begin() + start[f], end = order.begin() + start[f + 1];
      std::sort(begin, end, [&](std::uint32_t a, std::uint32_t b) {
        const Link& x = ds_.links[a];
        const Link& y = ds_.links[b];
        return std::tie(x.to, x.material, a) < std::tie(y.to, y.material, b);
      });
      for (auto it = begin; it != end && it + 1 != end; ++it) {
        const Link& x = ds_.links[*it];
        const Link& y = ds_.links[*(it + 1)];
        if (x.to == y.to && x.material == y.material) repeated[*(it + 1)] = true;
      }
    }
    return repeated;
  }

  void check_facility(const Facility& f, const FacilityRefs& refs) {
    bool mixed_output = false;
    for (const auto& o : f.outputs) mixed_output |= material(o.material) && material(o.material)->mixed;
    if (f.stage == Stage::mine && mixed_output && !f.has_distribution) {
      report(Severity::error, "E310", site(refs), fmt::format("mine '{}' has a mixed output but no 'distribution' of elements", f.id));
    }
    if (f.stage != Stage::mine && f.has_distribution) {
      if (refs.distribution_row.in_table()) report(Severity::error, "E311", refs.distribution_row, "'distribution' is only for mines");
      else report(Severity::error, "E311", refs.extras().distribution_key, "'distribution' is only for mines");
    }
    if (f.stage != Stage::demand && !f.demand.empty()) {
      report(Severity::error, "E311", figure_site(state_.figures[refs.demand.first]),
             "'demand' is only for facilities with stage: demand");
    }
    if (f.stage == Stage::demand && !f.outputs.empty()) {
      report(Severity::error, "E311", figure_site(state_.figures[refs.outputs.first]), "a demand sink has no outputs");
    }
    if (f.stage == Stage::demand && f.demand.empty() && is_producing(f.status)) {
      report(Severity::warning, "W403", site(refs), fmt::format("demand sink '{}' lists no demand", f.id));
    }
    each_figure(refs.demand, [&](std::size_t k, const FigureRow& row) {
      const Index m = f.demand[k].material;
      if (m != kNone && f.inputs_given && !ds_.accepts(static_cast<Index>(&f - ds_.facilities.data()), m)) {
        report(Severity::error, "E305", figure_ref(row, FigureRow::material),
                fmt::format("demand for '{}' that the facility's inputs do not accept", ds_.materials[m].id));
      }
    });
  }

  void check_strict() {
    const int as_of_year = ds_.info.as_of ? ds_.info.as_of->year : 0;
    const auto figure = [&](const FigureRow& row, const Provenance& p, std::string_view what, const std::string& owner) {
      if (p.source == kNone && !figure_names(row, FigureRow::source)) {
        report(Severity::warning, "W400", figure_site(row), fmt::format("{} of '{}' cites no source", what, owner));
      }
      if (p.year && as_of_year && *p.year < as_of_year - 5) {
        report(Severity::warning, "W401", figure_site(row), fmt::format("{} of '{}' is from {}, more than five years before as_of {}", what,
                                                 owner, *p.year, ds_.info.as_of->str()));
      }
    };
    for (std::size_t i = 0; i < ds_.facilities.size(); ++i) {
      const Facility& f = ds_.facilities[i];
      const FacilityRefs& refs = state_.facility_refs[i];
      each_figure(refs.outputs, [&](std::size_t k, const FigureRow& row) { figure(row, f.outputs[k].provenance, "output", f.id); });
      each_figure(refs.demand, [&](std::size_t k, const FigureRow& row) { figure(row, f.demand[k].provenance, "demand", f.id); });
    }
    for (std::size_t i = 0; i < ds_.links.size(); ++i) {
      const LinkRefs& refs = state_.link_refs[i];
      if (!link_names(refs, LinkRefs::source) && link_site(refs).known()) {
        report(Severity::warning, "W400", link_site(refs), "link cites no source");
      }
    }
    for (std::size_t i = 0; i < ds_.countries.size(); ++i) {
      if (ds_.countries[i].wgi && !state_.country_refs[i].source.given()) {
        report(Severity::warning, "W400", state_.country_refs[i].wgi_key,
               fmt::format("wgi of '{}' cites no source", ds_.countries[i].code));
      }
    }
  }

  struct InfoKey {
    bool doc_set = false;
    SourceLocation where;
  };

  const LoadOptions& options_;
  Diagnostics& diags_;
  Dataset ds_;
  InfoKey info_key_;
  ReadingState state_;                    ///< what reading and checking need, freed before the indexes
  int suggestions_left_ = 100;
  /// Files that could define ids and did not load: (path, whether YAML, which can define any id).
  std::vector<std::pair<std::string, bool>> unread_definitions_;
  const csv::Table* reading_ = nullptr;   ///< the table whose rows are being read (not in state_.tables yet)
  LookupSource lookup_source_;                ///< a side reader's: where its lookups come from
  std::unique_ptr<DefinitionIndex> link_lookup_;   ///< a side reader's, once the definitions are read
  std::unique_ptr<DefinitionIndex> definitions_;   ///< the main builder's, once the definitions are read
  std::size_t links_resolved_ = 0;            ///< a side reader's links looked up so far
  bool text_views_kept_ = false;   ///< a reference made from the table being read views its text
  FileName reading_file_;                 ///< its name
  std::size_t table_base_ = 0;            ///< a side reader's: the number of tables read before its own
  std::vector<std::uint32_t> share_elements_;   ///< per facility: RE indices with a distribution.csv row
  std::vector<double> share_total_;             ///< per facility: their percent total
};

bool is_yaml_file(const fs::path& p) {
  const auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

/// The CSV tables a dataset reads (docs/data-format.md); other .csv files get W404.
bool is_table_file(const fs::path& p) {
  static const std::set<std::string> names = {"facilities.csv", "outputs.csv", "links.csv", "demand.csv",
                                              "distribution.csv"};
  return names.count(p.filename().string()) > 0;
}

}  // namespace

std::vector<fs::path> dataset_files(const fs::path& path, const LoadLimits& limits, Diagnostics& diagnostics) {
  std::vector<fs::path> files;
  std::error_code ec;
  const std::string shown = path.generic_string();
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    const bool dangling = fs::is_symlink(fs::symlink_status(path, ec));
    diagnostics.error("E001", {shown, 0, 0, 1}, dangling ? "dangling symbolic link" : "no such file or directory");
    return files;
  }
  if (fs::is_regular_file(status)) {
    // A YAML file of a directory dataset, given alone, reads without the tables beside it: say so,
    // as the facilities and links they hold would silently be missing from every result.
    if (is_yaml_file(path)) {
      std::vector<std::string> tables;
      const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
      for (fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
           it.increment(ec)) {
        if (is_table_file(it->path()) && !it->is_directory(ec)) tables.push_back(it->path().filename().string());
      }
      if (!tables.empty()) {
        std::sort(tables.begin(), tables.end());
        diagnostics.warning("W405", {shown, 0, 0, 1},
                            fmt::format("the dataset is this one file, so the CSV tables beside it ({}) are not "
                                        "read; to read them, give the directory '{}' as the dataset",
                                        fmt::join(tables, ", "), dir.generic_string()));
      }
    }
    return {path};
  }
  if (!fs::is_directory(status)) {
    diagnostics.error("E003", {shown, 0, 0, 1}, "not a regular file or directory");
    return files;
  }
  try {
    for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied);
         it != fs::recursive_directory_iterator(); ++it) {
      const auto name = it->path().filename().string();
      if (!name.empty() && name[0] == '.') {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (!it->is_directory() && it->path().extension() == ".csv") {
        if (is_table_file(it->path())) files.push_back(it->path());
        else diagnostics.warning("W404", {it->path().generic_string(), 0, 0, 1},
                                 "ignored CSV file: a dataset reads only facilities.csv, outputs.csv, links.csv, "
                                 "demand.csv and distribution.csv");
      }
      if (is_yaml_file(it->path()) && !it->is_directory()) files.push_back(it->path());
      if (files.size() > limits.max_files) {
        diagnostics.error("E005", {shown, 0, 0, 1},
                          fmt::format("more than {} YAML files in the dataset directory", limits.max_files));
        return {};
      }
    }
  } catch (const fs::filesystem_error& e) {
    diagnostics.error("E001", {shown, 0, 0, 1}, std::string("cannot read directory: ") + e.code().message());
    return {};
  }
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.generic_string() < b.generic_string(); });
  if (files.empty()) diagnostics.error("E003", {shown, 0, 0, 1}, "directory holds no .yaml or .yml files");
  return files;
}

DatasetLoad load_dataset(const fs::path& path, const LoadOptions& options) {
  DatasetLoad result;
  result.diagnostics.set_limit(options.max_per_code);
  try {
    auto files = dataset_files(path, options.limits, result.diagnostics);
    if (files.empty()) return result;
    // Facility definitions first (YAML files and facilities.csv, in path order), then the other
    // tables: their rows join a facility as they are read instead of waiting in memory. The order
    // changes no result (diagnostics are sorted by position).
    std::stable_partition(files.begin(), files.end(), [](const fs::path& f) {
      return f.extension() != ".csv" || f.filename() == "facilities.csv";
    });
    DatasetBuilder builder(options, result.diagnostics);
    // links.csv, the largest table of a large chain, needs nothing from the other files while it
    // is read but the definitions (facilities, materials, sources) to look its ids up: a second
    // thread reads it while this one reads the rest, looks the ids up batch by batch once the
    // definitions are read (so that the text of the rows looked up can go), and its links join
    // in their place in the file order. Not when the dataset is over
    // the size limit, which stops the reading at the file that crosses it.
    struct SideRead {
      std::unique_ptr<Diagnostics> diagnostics = std::make_unique<Diagnostics>();
      std::unique_ptr<DatasetBuilder> builder;
    };
    std::future<SideRead> side;
    // Set once the definitions are read (they come first): the side reader then looks its ids up. Declared after `side`, so that an early return breaks the promise
    // (the side reader stops) before `side` waits for the thread.
    std::promise<void> definitions_read;
    std::shared_future<void> definitions = definitions_read.get_future().share();
    bool definitions_signalled = false;
    std::size_t side_file = files.size(), absorb_at = files.size();
    {
      // Every size known and the sum within the limit (no step can wrap around).
      bool within_limit = true;
      std::uintmax_t all = 0;
      for (const auto& f : files) {
        std::error_code ec;
        const std::uintmax_t size = fs::file_size(f, ec);
        within_limit = within_limit && !ec && size <= options.limits.max_total_bytes - all;
        if (!within_limit) break;
        all += size;
      }
      // The side reader's links join the others just before the next links.csv, or after the
      // last table (links come from YAML files, read first, and links.csv files only; diagnostics
      // are sorted by position): the tables before that are read first, giving the second thread
      // their time to read its table in.
      for (std::size_t i = 0; i < files.size() && within_limit; ++i) {
        if (files[i].filename() == "links.csv") {
          absorb_at = i + 1;
          while (absorb_at < files.size() && files[absorb_at].filename() != "links.csv") ++absorb_at;
          std::size_t tables_before = 0;
          for (std::size_t k = 0; k < absorb_at; ++k) tables_before += k != i && files[k].extension() == ".csv";
          side_file = i;
          side = std::async(std::launch::async, [&options, &builder, definitions, file = files[i], tables_before] {
            SideRead s;
            s.diagnostics->set_limit(options.max_per_code);   // its first of each code come first when appended
            s.builder = std::make_unique<DatasetBuilder>(options, *s.diagnostics);
            s.builder->set_table_base(tables_before);
            s.builder->set_link_lookup([&builder, definitions](bool wait) -> std::unique_ptr<DatasetBuilder::DefinitionIndex> {
              if (!wait && definitions.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return nullptr;
              definitions.get();   // throws if the main thread gave up
              return builder.definition_index();
            });
            s.builder->add_table_file(file, *s.diagnostics);
            s.builder->finish_side_links();
            return s;
          });
          break;
        }
      }
    }
    const auto absorb_side = [&] {
      SideRead s = side.get();
      builder.absorb_table(std::move(*s.builder));
      result.diagnostics.append(std::move(*s.diagnostics));
    };
    std::size_t total = 0;
    for (std::size_t i = 0; i < files.size(); ++i) {
      const fs::path& file = files[i];
      if (i == absorb_at) absorb_side();
      result.files.push_back(file.generic_string());
      std::error_code ec;
      total += fs::file_size(file, ec);
      if (total > options.limits.max_total_bytes) {
        result.diagnostics.error("E004", {path.generic_string(), 0, 0, 1},
                                 fmt::format("dataset is larger than {} bytes", options.limits.max_total_bytes));
        return result;
      }
      const bool definition = file.extension() != ".csv" || file.filename() == "facilities.csv";
      if (!definition && !definitions_signalled) {
        definitions_signalled = true;
        builder.index_definitions();
        definitions_read.set_value();
      }
      if (i == side_file) {
        continue;   // absorbed at absorb_at
      } else if (file.extension() == ".csv") {
        builder.add_table_file(file, result.diagnostics);
      } else {
        builder.add_document(yaml::read_file(file, options.limits, result.diagnostics));
      }
    }
    if (side_file < files.size() && absorb_at == files.size()) absorb_side();
    result.dataset = builder.finish();
  } catch (const std::bad_alloc&) {
    result.dataset.reset();
    result.diagnostics.error("E006", {path.generic_string(), 0, 0, 1}, "out of memory while loading the dataset");
  } catch (const csv::TextChanged& changed) {
    // A table's text given back while it was read had to be read again for a diagnostic, and the
    // file is no longer what was read.
    result.dataset.reset();
    result.diagnostics.error("E001", {changed.path(), 0, 0, 1}, "file changed while the dataset was being read; run again");
  }
  return result;
}

DatasetLoad load_dataset_from_string(std::string_view text, const std::string& name, const LoadOptions& options) {
  DatasetLoad result;
  result.diagnostics.set_limit(options.max_per_code);
  try {
    DatasetBuilder builder(options, result.diagnostics);
    result.files.push_back(name);
    if (text.size() > options.limits.max_file_bytes) {
      result.diagnostics.error("E004", {name, 0, 0, 1}, "text is above the file size limit");
      return result;
    }
    builder.add_document(yaml::parse_text(std::string(text), name, options.limits, result.diagnostics));
    result.dataset = builder.finish();
  } catch (const std::bad_alloc&) {
    result.dataset.reset();
    result.diagnostics.error("E006", {name, 0, 0, 1}, "out of memory while loading the dataset");
  }
  return result;
}

}  // namespace chokepoint
