#include "chokepoint/load/yaml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <tuple>
#include <unordered_set>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include "chokepoint/core/text.hpp"

namespace chokepoint::yaml {

/// The nodes of one parsed file. A collection's children are one contiguous run of `children`
/// (a mapping's as key, value, key, value, ...); texts and tags live in `strings`, whose elements
/// never move (a deque), so views of them stay valid while the tree grows.
struct Tree {
  enum class Kind : std::uint8_t { null, scalar, sequence, map };
  struct Data {
    Kind kind;
    std::uint32_t tag;      // index into strings: 0 "", 1 "?" (plain), 2 "!" (quoted), else explicit
    std::int32_t line, column;
    std::uint32_t a;        // scalar: index of its text in strings; collection: first child in children
    std::uint32_t count;    // collection: number of entries in children
  };
  std::vector<Data> nodes;
  std::vector<std::uint32_t> children;
  std::deque<std::string> strings;
  std::uint32_t root = 0;

  [[nodiscard]] const Data& at(std::uint32_t i) const { return nodes[i]; }
};

bool Node::IsNull() const { return tree_ && tree_->at(index_).kind == Tree::Kind::null; }
bool Node::IsScalar() const { return tree_ && tree_->at(index_).kind == Tree::Kind::scalar; }
bool Node::IsSequence() const { return tree_ && tree_->at(index_).kind == Tree::Kind::sequence; }
bool Node::IsMap() const { return tree_ && tree_->at(index_).kind == Tree::Kind::map; }

const std::string& Node::Scalar() const {
  static const std::string empty;
  return IsScalar() ? tree_->strings[tree_->at(index_).a] : empty;
}

const std::string& Node::Tag() const {
  static const std::string empty;
  return tree_ ? tree_->strings[tree_->at(index_).tag] : empty;
}

Mark Node::Mark() const {
  if (!tree_) return {};
  const Tree::Data& d = tree_->at(index_);
  return {d.line, d.column};
}

std::size_t Node::size() const { return IsMap() ? tree_->at(index_).count / 2 : IsSequence() ? tree_->at(index_).count : 0; }

Node::iterator Node::begin() const {
  if (!IsMap() && !IsSequence()) return {tree_, nullptr, false};
  return {tree_, tree_->children.data() + tree_->at(index_).a, IsMap()};
}

Node::iterator Node::end() const {
  if (!IsMap() && !IsSequence()) return {tree_, nullptr, false};
  const Tree::Data& d = tree_->at(index_);
  return {tree_, tree_->children.data() + d.a + d.count, IsMap()};
}

Node::Item Node::iterator::make() const {
  Item item;
  if (pairs_) {
    item.first = Node(tree_, child_[0]);
    item.second = Node(tree_, child_[1]);
  } else {
    static_cast<Node&>(item) = Node(tree_, child_[0]);
  }
  return item;
}

namespace {

namespace fs = std::filesystem;

SourceLocation location(const Document& doc, int line0, int byte_col0) {
  SourceLocation where{doc.path, 0, 0, 1};
  if (line0 < 0) return where;
  where.line = line0 + 1;
  if (static_cast<std::size_t>(line0) < doc.lines.size()) {
    const std::string& text = doc.lines[static_cast<std::size_t>(line0)];
    where.set_column(byte_to_codepoint_column(text, byte_col0));
    where.set_length(token_length_at(text, where.column));
  } else {
    where.set_column(byte_col0 + 1);
  }
  return where;
}

Diagnostic& report(Diagnostics& out, const Document& doc, Severity sev, std::string code, Mark mark,
                   std::string message) {
  SourceLocation where = location(doc, mark.line, mark.column);
  Diagnostic d{sev, std::move(code), where, std::move(message), {}, {}};
  if (where.line > 0 && static_cast<std::size_t>(where.line) <= doc.lines.size()) {
    d.source_line = doc.lines[static_cast<std::size_t>(where.line - 1)];
  }
  return out.add(std::move(d));
}

Diagnostic& report(Diagnostics& out, const Document& doc, Severity sev, std::string code, const YAML::Mark& mark,
                   std::string message) {
  return report(out, doc, sev, std::move(code), Mark{mark.line, mark.column}, std::move(message));
}

// yaml-cpp reports an unclosed '[' or '{' where it gave up looking for the end, often lines
// later. The bracket itself: scanning the text up to there, skipping comments and quoted scalars,
// the innermost bracket of that kind still open. (A quote counts as opening a quoted scalar only
// at the start of a value, so the apostrophe of a plain "O'Brien" does not.) `open` 0 takes either
// kind. 1-based line and byte column, or line 0 when none is found.
std::pair<int, int> unclosed_bracket(const std::vector<std::string>& lines, int stop_line0, int stop_col0,
                                     char open) {
  std::vector<std::tuple<char, int, int>> stack;
  for (int l = 0; l < static_cast<int>(lines.size()) && l <= stop_line0; ++l) {
    const std::string& text = lines[static_cast<std::size_t>(l)];
    const int end = l == stop_line0 ? std::min<int>(stop_col0, static_cast<int>(text.size())) : static_cast<int>(text.size());
    char quote = 0;
    for (int c = 0; c < end; ++c) {
      const char ch = text[static_cast<std::size_t>(c)];
      if (quote != 0) {
        if (quote == '"' && ch == '\\') ++c;
        else if (ch == quote) quote = 0;   // '' inside single quotes closes and reopens: same result
        continue;
      }
      int p = c - 1;
      while (p >= 0 && text[static_cast<std::size_t>(p)] == ' ') --p;
      const char before = p < 0 ? ' ' : text[static_cast<std::size_t>(p)];
      if (ch == '#' && (c == 0 || text[static_cast<std::size_t>(c - 1)] == ' ')) break;
      if ((ch == '\'' || ch == '"') && (p < 0 || std::string_view("[{,:-?").find(before) != std::string_view::npos)) {
        quote = ch;
      } else if (ch == '[' || ch == '{') {
        stack.emplace_back(ch, l + 1, c + 1);
      } else if ((ch == ']' || ch == '}') && !stack.empty()) {
        stack.pop_back();
      }
    }
  }
  for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
    if (open == 0 || std::get<0>(*it) == open) return {std::get<1>(*it), std::get<2>(*it)};
  }
  return {0, 0};
}

// Spaces at the start of a line.
int indentation(const std::string& line) {
  int n = 0;
  while (n < static_cast<int>(line.size()) && line[static_cast<std::size_t>(n)] == ' ') ++n;
  return n;
}

// Does `line` start a list item ("- ")?
bool list_item(const std::string& line) {
  const auto in = static_cast<std::size_t>(indentation(line));
  return line.compare(in, 2, "- ") == 0 || (in + 1 == line.size() && line[in] == '-');
}

// The 1-based column of a line's key: past its indentation, and past the "- " of a list item.
int key_column(const std::string& line) {
  auto i = static_cast<std::size_t>(indentation(line));
  if (list_item(line)) {
    ++i;
    while (i < line.size() && line[i] == ' ') ++i;
  }
  return static_cast<int>(i) + 1;
}

// When `line` does not line up with the line above it: two list items by their '-', else by
// their keys (a list item's key comes after its "- "). Empty when they line up.
std::string misaligned(const std::string& line, const std::string& prev) {
  if (list_item(line) && list_item(prev)) {
    const int a = indentation(line) + 1, b = indentation(prev) + 1;
    if (a == b) return {};
    return fmt::format("this list item's '-' is in column {} and the one above it in column {}: YAML nests by "
                       "indentation, so the items of one list line up",
                       a, b);
  }
  const int a = key_column(line), b = key_column(prev);
  if (a == b) return {};
  return fmt::format("this line's key is in column {} and the key above it in column {}: YAML nests by indentation, "
                     "so the keys of one mapping line up",
                     a, b);
}

// What usually causes each of yaml-cpp's syntax errors that people meet editing a dataset, said
// about the line at hand. yaml-cpp's messages name the grammar rule that failed, not the slip.
std::vector<std::string> syntax_hints(const std::vector<std::string>& lines, int line0, int column0,
                                      const std::string& message) {
  std::vector<std::string> notes;
  const bool known_line = line0 >= 0 && line0 < static_cast<int>(lines.size());
  const std::string empty;
  const std::string& text = known_line ? lines[static_cast<std::size_t>(line0)] : empty;
  const auto column = static_cast<std::size_t>(std::clamp<int>(column0, 0, static_cast<int>(text.size())));
  // The nearest line above that holds something (not blank, not only a comment).
  const auto above = [&]() -> const std::string* {
    for (int l = line0 - 1; l >= 0 && l < static_cast<int>(lines.size()); --l) {
      const std::string& t = lines[static_cast<std::size_t>(l)];
      const int in = indentation(t);
      if (in < static_cast<int>(t.size()) && t[static_cast<std::size_t>(in)] != '#') return &t;
    }
    return nullptr;
  };
  // 'it's': the apostrophe ends the quoted scalar early (said first: the likely cause of what
  // follows). Only when the line's first quote opens a value, so a plain O'Brien's says nothing.
  const std::size_t first_quote = text.find('\'');
  std::size_t before_quote = first_quote;
  while (before_quote != std::string::npos && before_quote > 0 && text[before_quote - 1] == ' ') --before_quote;
  const bool opens_value = first_quote != std::string::npos &&
                           (before_quote == 0 || std::string_view(":[{,-").find(text[before_quote - 1]) != std::string_view::npos);
  for (std::size_t i = first_quote == std::string::npos ? text.size() : first_quote + 1; opens_value && i + 1 < text.size(); ++i) {
    if (text[i] == '\'' && std::isalpha(static_cast<unsigned char>(text[i - 1])) != 0 &&
        std::isalpha(static_cast<unsigned char>(text[i + 1])) != 0) {
      notes.push_back("inside single quotes an apostrophe is written twice ('it''s'), or quote with \" instead");
      break;
    }
  }
  const bool sequence = message.find("end of sequence flow") != std::string::npos;
  if (sequence || message.find("end of map flow") != std::string::npos) {
    const auto [line, byte_column] = unclosed_bracket(lines, line0, column0, sequence ? '[' : '{');
    if (line > 0) {
      const std::string& opened = lines[static_cast<std::size_t>(line - 1)];
      notes.push_back(fmt::format("the '{}' on line {}, column {} is not closed: {}", sequence ? '[' : '{', line,
                                  byte_to_codepoint_column(opened, byte_column - 1), opened));
    }
  }
  if (message.find("illegal block entry") != std::string::npos) {
    // A "- " list item inside a flow collection ("facilities: [" then block items).
    const auto [line, byte_column] = unclosed_bracket(lines, line0, column0, 0);
    if (line > 0) {
      const std::string& opened = lines[static_cast<std::size_t>(line - 1)];
      const char bracket = opened[static_cast<std::size_t>(byte_column - 1)];
      notes.push_back(fmt::format("a '- ' list item cannot stand inside the '{}' opened on line {}, column {}: {}",
                                  bracket, line, byte_to_codepoint_column(opened, byte_column - 1), opened));
    }
  }
  if (message.find("illegal tab") != std::string::npos) {
    notes.push_back("YAML indents with spaces only: replace the tab at the start of this line with spaces");
  } else if (message.find("illegal map value") != std::string::npos && known_line) {
    // A second ': ' on the line, before the one that failed, means the value holds one.
    const std::size_t first = text.find(": ");
    if (first != std::string::npos && first + 1 < column) {
      notes.push_back("a ': ' inside a value starts a mapping: put the value in quotes, e.g. \"" +
                      text.substr(std::min(text.size(), static_cast<std::size_t>(first) + 2)) + "\"");
    } else if (const std::string* prev = above(); prev != nullptr) {
      if (auto note = misaligned(text, *prev); !note.empty()) notes.push_back(std::move(note));
    }
  } else if (message.find("end of map not found") != std::string::npos ||
             message.find("end of sequence not found") != std::string::npos) {
    if (const std::string* prev = above(); prev != nullptr && known_line) {
      if (auto note = misaligned(text, *prev); !note.empty()) notes.push_back(std::move(note));
    }
  }
  return notes;
}

// The whole parse, in one pass over yaml-cpp's parser events (no yaml-cpp node tree): builds our
// compact Tree and checks, as the events arrive, duplicate keys, anchors and aliases, non-scalar
// keys, depth and node budget (yaml-cpp would build cyclic trees from `&a [*a]`). A yaml-cpp node
// tree costs several hundred bytes per node and a second parse; a Tree node is 24 bytes.
class TreeBuilder : public YAML::EventHandler {
 public:
  TreeBuilder(const Document& doc, const LoadLimits& limits) : doc_(doc), limits_(limits) {
    tree_ = std::make_shared<Tree>();
    tree_->strings = {"", "?", "!"};
  }

  void OnDocumentStart(const YAML::Mark& m) override { last_document_ = m; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t a) override {
    count(m);
    anchor(m, a);
    key_slot(m, false, "~");
    add(m, Tree::Kind::null, 0, 0);
  }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override {
    fatal("E102", m, "aliases (*name) are not allowed; write the value out");
    count(m);
    key_slot(m, false, "*");
    add(m, Tree::Kind::null, 0, 0);
  }
  void OnScalar(const YAML::Mark& m, const std::string& tag, YAML::anchor_t a, const std::string& value) override {
    count(m);
    anchor(m, a);
    if (!building()) {
      key_slot(m, false, value);
      return;
    }
    const auto text = static_cast<std::uint32_t>(tree_->strings.size());
    const std::string& stored = tree_->strings.emplace_back(value);
    key_slot(m, false, stored);
    add(m, Tree::Kind::scalar, tag_index(tag), text);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string& tag, YAML::anchor_t a,
                       YAML::EmitterStyle::value) override {
    open(m, tag, a, false);
  }
  void OnMapStart(const YAML::Mark& m, const std::string& tag, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, tag, a, true);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapEnd() override { close(); }

  /// The tree of the first document; null when a fatal problem means it must not be used.
  std::shared_ptr<const Tree> take() {
    if (fatal_ || !has_root_) return nullptr;
    return std::move(tree_);
  }

  Diagnostics diagnostics;
  bool fatal_ = false;   ///< the tree must not be used (aliases, budget, depth)
  YAML::Mark last_document_;
  bool too_deep_ = false;
  YAML::Mark too_deep_at_;

 private:
  struct Frame {
    bool is_map;
    bool expect_key;
    std::uint32_t node;         // index of the collection's node
    std::size_t first_child;    // where its children start in pending_
    std::size_t first_key;      // where its keys start in keys_
    std::unique_ptr<std::unordered_set<std::string_view>> many_keys;  // once it has many keys
  };
  // Up to this many keys a mapping is checked for duplicates by scanning; beyond, by hashing.
  static constexpr std::size_t kScanKeys = 16;

  bool building() const { return !fatal_; }

  std::uint32_t tag_index(const std::string& tag) {
    if (tag == "?") return 1;
    if (tag == "!") return 2;
    if (tag.empty()) return 0;
    tree_->strings.emplace_back(tag);
    return static_cast<std::uint32_t>(tree_->strings.size() - 1);
  }

  // Appends a node and makes it a child of the open collection (or the root).
  std::uint32_t add(const YAML::Mark& m, Tree::Kind kind, std::uint32_t tag, std::uint32_t a) {
    if (!building()) return 0;
    const auto index = static_cast<std::uint32_t>(tree_->nodes.size());
    tree_->nodes.push_back({kind, tag, m.line, m.column, a, 0});
    if (stack_.empty()) {
      if (!has_root_) tree_->root = index;
      has_root_ = true;
    } else {
      pending_.push_back(index);
    }
    return index;
  }

  void fatal(const char* code, const YAML::Mark& m, std::string message) {
    fatal_ = true;
    if (reported_fatal_.insert(code).second) report(diagnostics, doc_, Severity::error, code, m, std::move(message));
  }
  void count(const YAML::Mark& m) {
    if (++nodes_ > limits_.max_nodes_per_file) {
      fatal("E104", m, fmt::format("file has more than {} YAML nodes; split it into several files",
                                   limits_.max_nodes_per_file));
    }
  }
  void anchor(const YAML::Mark& m, YAML::anchor_t a) {
    if (a) fatal("E102", m, "anchors (&name) are not allowed; write the value out");
  }
  bool seen_key(Frame& f, std::string_view text) {
    if (f.many_keys) return !f.many_keys->insert(text).second;
    if (std::find(keys_.begin() + static_cast<std::ptrdiff_t>(f.first_key), keys_.end(), text) != keys_.end()) return true;
    keys_.push_back(text);
    if (keys_.size() - f.first_key > kScanKeys) {
      f.many_keys = std::make_unique<std::unordered_set<std::string_view>>(
          keys_.begin() + static_cast<std::ptrdiff_t>(f.first_key), keys_.end());
      keys_.resize(f.first_key);
    }
    return false;
  }
  // `text` must outlive the frame (a string of the tree, or a literal).
  void key_slot(const YAML::Mark& m, bool is_collection, std::string_view text) {
    if (stack_.empty() || !stack_.back().is_map) return;
    Frame& f = stack_.back();
    if (f.expect_key) {
      if (is_collection) {
        report(diagnostics, doc_, Severity::error, "E106", m, "mapping keys must be plain scalars");
      } else if (building() && seen_key(f, text)) {
        report(diagnostics, doc_, Severity::error, "E101", m, fmt::format("duplicate key '{}'", text))
            .notes.push_back("yaml-cpp would silently keep the first value; remove one of them");
      }
    }
    f.expect_key = !f.expect_key;
  }
  void open(const YAML::Mark& m, const std::string& tag, YAML::anchor_t a, bool is_map) {
    count(m);
    anchor(m, a);
    key_slot(m, true, {});
    if (static_cast<int>(stack_.size()) >= limits_.max_depth) {
      if (!too_deep_) too_deep_at_ = m;
      too_deep_ = true;
      fatal("E103", m, fmt::format("nesting deeper than {} levels", limits_.max_depth));
    }
    const std::uint32_t node = add(m, is_map ? Tree::Kind::map : Tree::Kind::sequence, building() ? tag_index(tag) : 0, 0);
    stack_.push_back({is_map, true, node, pending_.size(), keys_.size(), nullptr});
  }
  // Moves the finished collection's children into one contiguous run of the tree.
  void close() {
    if (stack_.empty()) return;
    const Frame& f = stack_.back();
    if (building()) {
      Tree::Data& data = tree_->nodes[f.node];
      data.a = static_cast<std::uint32_t>(tree_->children.size());
      data.count = static_cast<std::uint32_t>(pending_.size() - f.first_child);
      tree_->children.insert(tree_->children.end(), pending_.begin() + static_cast<std::ptrdiff_t>(f.first_child),
                             pending_.end());
    }
    pending_.resize(std::min(pending_.size(), f.first_child));
    keys_.resize(std::min(keys_.size(), f.first_key));
    stack_.pop_back();
  }

  const Document& doc_;
  const LoadLimits& limits_;
  std::shared_ptr<Tree> tree_;
  bool has_root_ = false;
  std::vector<Frame> stack_;
  std::vector<std::uint32_t> pending_;     // children of the open collections, innermost last
  std::vector<std::string_view> keys_;     // keys of the open mappings, innermost last
  std::size_t nodes_ = 0;
  std::set<std::string> reported_fatal_;
};

// The core schema's number patterns (YAML 1.2, 10.3.2), matched by hand: std::regex took a
// tenth of the time of loading a large YAML file.
bool all_of(std::string_view s, bool (*ok)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), ok);
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_octal(char c) { return c >= '0' && c <= '7'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
std::string_view unsigned_part(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return s;
}

// [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+
bool is_integer_text(std::string_view s) {
  if (s.starts_with("0o")) return all_of(s.substr(2), is_octal);
  if (s.starts_with("0x")) return all_of(s.substr(2), is_hex);
  return all_of(unsigned_part(s), is_digit);
}

// [-+]? ( \.[0-9]+ | [0-9]+ ( \.[0-9]* )? ) ( [eE][-+]?[0-9]+ )?
bool is_float_text(std::string_view s) {
  s = unsigned_part(s);
  const auto digits = [&] {
    std::size_t n = 0;
    while (n < s.size() && is_digit(s[n])) ++n;
    s.remove_prefix(n);
    return n;
  };
  if (s.starts_with('.')) {
    s.remove_prefix(1);
    if (digits() == 0) return false;
  } else {
    if (digits() == 0) return false;
    if (s.starts_with('.')) {
      s.remove_prefix(1);
      digits();
    }
  }
  if (s.starts_with('e') || s.starts_with('E')) {
    s = unsigned_part(s.substr(1));
    return all_of(s, is_digit);
  }
  return s.empty();
}

// [-+]? ( \.inf | \.Inf | \.INF ) | \.nan | \.NaN | \.NAN
bool is_special_float_text(std::string_view s) {
  const std::string_view u = unsigned_part(s);
  return u == ".inf" || u == ".Inf" || u == ".INF" || s == ".nan" || s == ".NaN" || s == ".NAN";
}

bool is_plain(const Node& n) { return n.Tag() == "?"; }

std::string shown(const Node& n) {
  std::string s = n.Scalar();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

}  // namespace

ScalarKind classify(const Node& node) {
  if (!node.IsDefined() || node.IsNull()) return ScalarKind::null;
  if (!node.IsScalar()) return ScalarKind::non_scalar;
  if (node.Tag() != "?" && node.Tag() != "!") return ScalarKind::tagged;
  if (!is_plain(node)) return ScalarKind::string;
  const std::string& s = node.Scalar();
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE") {
    return ScalarKind::boolean;
  }
  if (s == "null" || s == "Null" || s == "NULL" || s == "~" || s.empty()) return ScalarKind::null;
  if (is_integer_text(s)) return ScalarKind::integer;
  if (is_float_text(s) || is_special_float_text(s)) return ScalarKind::floating;
  return ScalarKind::string;
}

const char* kind_name(ScalarKind k) {
  switch (k) {
    case ScalarKind::null: return "an empty value";
    case ScalarKind::boolean: return "a boolean";
    case ScalarKind::integer: return "an integer";
    case ScalarKind::floating: return "a number";
    case ScalarKind::string: return "a string";
    case ScalarKind::non_scalar: return "a list or mapping";
    case ScalarKind::tagged: return "an explicitly tagged value (YAML tags such as !!int are not supported)";
  }
  return "a value";
}

Document parse_text(std::string text, const std::string& path, const LoadLimits& limits, Diagnostics& diagnostics) {
  Document doc;
  doc.path = path;
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
  doc.lines = split_lines(text);
  std::size_t bad = 0;
  if (!is_valid_utf8(text, &bad)) {
    const std::size_t line0 = static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(bad), '\n'));
    const std::size_t line_start = text.rfind('\n', bad == 0 ? 0 : bad - 1);
    const int col0 = static_cast<int>(bad - (line_start == std::string::npos || bad == 0 ? 0 : line_start + 1));
    Diagnostic d{Severity::error, "E108", {path, static_cast<int>(line0) + 1, col0 + 1, 1},
                 "file is not valid UTF-8 (is it a binary file?)", {}, {}};
    diagnostics.add(std::move(d));
    doc.lines.clear();
    return doc;
  }
  if (text.find('\0') != std::string::npos) {
    diagnostics.error("E108", {path, 0, 0, 1}, "file contains NUL bytes (is it a binary file?)");
    return doc;
  }

  TreeBuilder checker(doc, limits);
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    int documents = 0;
    // Never LoadAll: it loops forever on ",". One document per file, checked here.
    while (parser.HandleNextDocument(checker)) {
      if (++documents > 1) {
        report(diagnostics, doc, Severity::error, "E105", checker.last_document_,
               "a file may hold only one YAML document; this starts a second one (a '---', or text outside the "
               "top-level mapping)");
        return doc;
      }
    }
  } catch (const YAML::DeepRecursion& e) {
    report(diagnostics, doc, Severity::error, "E103", checker.too_deep_ ? checker.too_deep_at_ : e.mark,
           fmt::format("nesting deeper than {} levels", limits.max_depth));
    return doc;
  } catch (const YAML::Exception& e) {
    // Events before a syntax error can be garbage, so the checker's findings are dropped.
    Diagnostic& d = report(diagnostics, doc, Severity::error, "E100", e.mark, "YAML syntax error: " + e.msg);
    d.notes = syntax_hints(doc.lines, e.mark.line, e.mark.column, e.msg);
    return doc;
  } catch (const std::exception& e) {
    diagnostics.error("E100", {path, 0, 0, 1}, std::string("YAML could not be parsed: ") + e.what());
    return doc;
  }
  diagnostics.append(checker.diagnostics);
  if (checker.fatal_) return doc;
  doc.tree = checker.take();
  if (doc.tree) doc.root = Node(doc.tree.get(), doc.tree->root);
  if (!doc.root.IsDefined() || doc.root.IsNull()) {
    diagnostics.error("E107", {path, 0, 0, 1}, "file is empty (it has no sections)");
    return doc;
  }
  if (!doc.root.IsMap()) {
    report(diagnostics, doc, Severity::error, "E107", doc.root.Mark(),
           "a data file must be a mapping of sections (dataset, sources, ...)");
    return doc;
  }
  doc.ok = true;
  return doc;
}

Document read_file(const fs::path& path, const LoadLimits& limits, Diagnostics& diagnostics) {
  Document doc;
  doc.path = path.generic_string();
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    diagnostics.error("E001", {doc.path, 0, 0, 1},
                      fs::is_symlink(fs::symlink_status(path, ec)) ? "dangling symbolic link" : "no such file");
    return doc;
  }
  if (!fs::is_regular_file(status)) {
    diagnostics.error("E003", {doc.path, 0, 0, 1}, "not a regular file");
    return doc;
  }
  const auto size = fs::file_size(path, ec);
  if (!ec && size > limits.max_file_bytes) {
    diagnostics.error("E004", {doc.path, 0, 0, 1},
                      fmt::format("file is {} bytes, above the limit of {} bytes", size, limits.max_file_bytes));
    return doc;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diagnostics.error("E001", {doc.path, 0, 0, 1}, "cannot open file for reading");
    return doc;
  }
  std::string text;
  text.resize(static_cast<std::size_t>(size));
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (in.gcount() != static_cast<std::streamsize>(size) && !in.eof()) {
    diagnostics.error("E001", {doc.path, 0, 0, 1}, "cannot read file");
    return doc;
  }
  text.resize(static_cast<std::size_t>(in.gcount()));
  return parse_text(std::move(text), doc.path, limits, diagnostics);
}

SourceLocation Reader::at(const Node& node) const {
  if (!node.IsDefined()) return {doc_.path, 0, 0, 1};
  const Mark m = node.Mark();
  return location(doc_, m.line, m.column);
}

SourceLocation Reader::at(int line0, int byte_column0) const {
  if (line0 < 0) return {doc_.path, 0, 0, 1};
  return location(doc_, line0, byte_column0);
}

Diagnostic& Reader::report(Severity severity, std::string code, int line0, int byte_column0, std::string message) {
  SourceLocation where = at(line0, byte_column0);
  Diagnostic& d = severity == Severity::warning ? diagnostics_.warning(std::move(code), where, std::move(message))
                                                : diagnostics_.error(std::move(code), where, std::move(message));
  d.source_line = line_text(where.line);
  return d;
}

const std::string& Reader::line_text(int line) const {
  static const std::string empty;
  return line > 0 && static_cast<std::size_t>(line) <= doc_.lines.size() ? doc_.lines[static_cast<std::size_t>(line - 1)]
                                                                          : empty;
}

Diagnostic& Reader::error(std::string code, const Node& node, std::string message) {
  SourceLocation where = at(node);
  Diagnostic& d = diagnostics_.error(std::move(code), where, std::move(message));
  d.source_line = line_text(where.line);
  return d;
}

Diagnostic& Reader::warning(std::string code, const Node& node, std::string message) {
  SourceLocation where = at(node);
  Diagnostic& d = diagnostics_.warning(std::move(code), where, std::move(message));
  d.source_line = line_text(where.line);
  return d;
}

bool Reader::each_key(const Node& map, std::string_view what, const std::vector<std::string>& known,
                      const std::function<void(const std::string&, const Node&, const Node&)>& on_key,
                      const char* unknown_code, const std::function<std::string(const std::string&)>& hint) {
  if (!map.IsMap()) {
    error("E204", map, fmt::format("{} must be a mapping, got {}", what, kind_name(classify(map))));
    return false;
  }
  for (auto it = map.begin(); it != map.end(); ++it) {
    const Node key = it->first;
    if (!key.IsScalar()) continue;  // reported by the strict checker (E106)
    const std::string& name = key.Scalar();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      auto& d = error(unknown_code, key, fmt::format("unknown {} '{}' in {}",
                                                     std::string_view(unknown_code) == "E200" ? "section" : "key", name, what));
      if (std::string note = hint ? hint(name) : std::string(); !note.empty()) d.notes.push_back(std::move(note));
      else if (auto mean = did_you_mean(name, known); !mean.empty()) d.notes.push_back(mean);
      continue;
    }
    on_key(name, key, it->second);
  }
  return true;
}

void Reader::require_keys(const Node& map, std::string_view what, const std::vector<std::string>& required) {
  if (!map.IsMap()) return;
  for (const auto& name : required) {
    bool found = false;
    for (auto it = map.begin(); it != map.end() && !found; ++it) {
      found = it->first.IsScalar() && it->first.Scalar() == name;
    }
    if (!found) error("E202", map, fmt::format("{} is missing required key '{}'", what, name));
  }
}

std::optional<std::string> Reader::string(const Node& value, const Node& key, std::string_view what) {
  const ScalarKind k = classify(value);
  if (k == ScalarKind::string) return value.Scalar();
  auto& d = error("E204", k == ScalarKind::null ? key : value,
                  fmt::format("{} must be a string, got {}", what, kind_name(k)));
  if (k == ScalarKind::integer || k == ScalarKind::floating || k == ScalarKind::boolean) {
    d.notes.push_back(fmt::format("quote it: \"{}\"", shown(value)));
  }
  return std::nullopt;
}

std::optional<double> Reader::number(const Node& value, const Node& key, std::string_view what) {
  const ScalarKind k = classify(value);
  if (k == ScalarKind::integer || k == ScalarKind::floating) {
    const std::string& s = value.Scalar();
    if (s.rfind("0x", 0) == 0 || s.rfind("0o", 0) == 0) {
      error("E204", value, fmt::format("{} must be a decimal number, got '{}'", what, s));
      return std::nullopt;
    }
    double v = 0;
    const char* begin = s.data() + (s.size() > 0 && s[0] == '+' ? 1 : 0);
    auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), v);
    if (ec == std::errc::result_out_of_range) {
      // Underflow (1e-400) is a tiny number, not an error; overflow is.
      const double approx = std::strtod(s.c_str(), nullptr);
      if (std::abs(approx) < 1.0) return approx;
    }
    if (ec == std::errc::result_out_of_range || (ec == std::errc() && !std::isfinite(v))) {
      error("E204", value, fmt::format("{} '{}' is out of range for a number", what, shown(value)));
      return std::nullopt;
    }
    if (ec != std::errc() || ptr != s.data() + s.size()) {
      error("E204", value, fmt::format("{} must be a finite number, got '{}'", what, shown(value)));
      return std::nullopt;
    }
    return v;
  }
  auto& d = error("E204", k == ScalarKind::null ? key : value,
                  fmt::format("{} must be a number, got {}", what, kind_name(k)));
  if (k == ScalarKind::string && is_float_text(value.Scalar())) {
    d.notes.push_back("a quoted number is a string; remove the quotes");
  }
  return std::nullopt;
}

std::optional<double> Reader::amount(const Node& value, const Node& key, std::string_view what) {
  const std::optional<double> x = number(value, key, what);
  if (x && *x < 0) {
    error("E300", value, fmt::format("{} is negative ({})", what, *x));
    return std::nullopt;
  }
  if (x && *x > limits_.max_amount) {
    error("E301", value, amount_too_large(what, *x, limits_.max_amount));
    return std::nullopt;
  }
  return x;
}

std::string amount_too_large(std::string_view what, double value, double limit) {
  return fmt::format("{} {:g} is above {:g} tonnes a year, the largest amount a dataset may hold", what, value, limit);
}

std::optional<long long> Reader::integer(const Node& value, const Node& key, std::string_view what) {
  const ScalarKind k = classify(value);
  if (k != ScalarKind::integer) {
    error("E204", k == ScalarKind::null ? key : value, fmt::format("{} must be an integer, got {}", what, kind_name(k)));
    return std::nullopt;
  }
  const std::string& s = value.Scalar();
  long long v = 0;
  const char* begin = s.data() + (s.size() > 0 && s[0] == '+' ? 1 : 0);
  auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    error("E204", value, fmt::format("{} must be a decimal integer, got '{}'", what, shown(value)));
    return std::nullopt;
  }
  return v;
}

std::optional<Date> Reader::date(const Node& value, const Node& key, std::string_view what) {
  const ScalarKind k = classify(value);
  if (k != ScalarKind::string) {
    error("E208", k == ScalarKind::null ? key : value,
          fmt::format("{} must be an ISO date (YYYY-MM-DD), got {}", what, kind_name(k)));
    return std::nullopt;
  }
  auto d = parse_iso_date(value.Scalar());
  if (!d) {
    error("E208", value, fmt::format("{} '{}' is not an ISO date (YYYY-MM-DD) on the calendar", what, shown(value)));
  }
  return d;
}

std::optional<std::string> Reader::id(const Node& value, const Node& key, std::string_view what) {
  auto s = string(value, key, what);
  if (!s) return std::nullopt;
  if (s->size() > limits_.max_id_length) {
    error("E206", value, fmt::format("{} is {} characters long; the limit is {}", what, s->size(), limits_.max_id_length));
    return std::nullopt;
  }
  if (!is_kebab_id(*s)) {
    error("E206", value, fmt::format("{} '{}' must be lower-case kebab-case (a-z, 0-9 and single '-')", what, shown(value)));
    return std::nullopt;
  }
  return s;
}

bool Reader::is_list(const Node& value, const Node& key, std::string_view what) {
  if (value.IsSequence()) return true;
  const ScalarKind k = classify(value);
  error("E204", k == ScalarKind::null ? key : value,
        fmt::format("{} must be a list, got {}", what, value.IsMap() ? "a mapping" : kind_name(k)));
  return false;
}

std::vector<std::pair<std::string, Node>> Reader::string_list(const Node& value, const Node& key,
                                                                    std::string_view what) {
  std::vector<std::pair<std::string, Node>> items;
  if (!is_list(value, key, what)) return items;
  for (const auto& item : value) {
    if (auto s = string(item, item, fmt::format("each item of {}", what))) items.emplace_back(*s, item);
  }
  return items;
}

}  // namespace chokepoint::yaml
