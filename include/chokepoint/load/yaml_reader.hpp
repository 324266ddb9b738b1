#pragma once
/// Safe YAML reading for every loader: one document, no anchors, no duplicate keys, bounded size
/// and depth, and YAML 1.2 core-schema scalars. Only load/ sees yaml-cpp, and only yaml_reader.cpp
/// calls it: a file is parsed once, through yaml-cpp's event API, into a compact tree of our own.

#include <filesystem>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chokepoint/core/date.hpp"
#include "chokepoint/core/diagnostic.hpp"
#include "chokepoint/load/loader.hpp"

namespace chokepoint::yaml {

/// A 0-based position in a file: line and byte column (-1: unknown).
struct Mark {
  int line = -1;
  int column = -1;
};

struct Tree;

/// A node of a parsed file: a cheap handle into its file's tree (which must outlive it), with
/// the part of yaml-cpp's Node interface the loaders use. A default Node is undefined: not null,
/// not a scalar, not a collection, at no position.
class Node {
 public:
  class iterator;
  /// What iteration yields: for a sequence, the item itself; for a mapping, the key and the value
  /// as `first` and `second`.
  struct Item;

  Node() = default;
  Node(const Tree* tree, std::uint32_t index) : tree_(tree), index_(index) {}

  [[nodiscard]] bool IsDefined() const { return tree_ != nullptr; }
  [[nodiscard]] bool IsNull() const;
  [[nodiscard]] bool IsScalar() const;
  [[nodiscard]] bool IsSequence() const;
  [[nodiscard]] bool IsMap() const;
  /// The text of a scalar; empty for anything else.
  [[nodiscard]] const std::string& Scalar() const;
  /// "?" for a plain scalar, "!" for a quoted one, else the explicit tag ("" for null).
  [[nodiscard]] const std::string& Tag() const;
  [[nodiscard]] yaml::Mark Mark() const;
  /// Items of a sequence or pairs of a mapping; 0 for anything else.
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] iterator begin() const;
  [[nodiscard]] iterator end() const;
  /// Makes this handle refer to `other`.
  void reset(const Node& other) { *this = other; }
  /// Makes this handle undefined.
  void reset() {
    tree_ = nullptr;
    index_ = 0;
  }

 private:
  const Tree* tree_ = nullptr;
  std::uint32_t index_ = 0;
};

struct Node::Item : Node {
  Node first, second;
};

class Node::iterator {
 public:
  iterator(const Tree* tree, const std::uint32_t* child, bool pairs) : tree_(tree), child_(child), pairs_(pairs) {}
  const Item& operator*() const { return item_ = make(); }
  const Item* operator->() const { return &(item_ = make()); }
  iterator& operator++() {
    child_ += pairs_ ? 2 : 1;
    return *this;
  }
  bool operator==(const iterator& o) const { return child_ == o.child_; }
  bool operator!=(const iterator& o) const { return child_ != o.child_; }

 private:
  [[nodiscard]] Item make() const;

  const Tree* tree_;
  const std::uint32_t* child_;
  bool pairs_;
  mutable Item item_;
};

/// A parsed file: its text split into lines (for carets) and the root node (null on failure).
struct Document {
  std::string path;
  std::vector<std::string> lines;
  std::shared_ptr<const Tree> tree;
  Node root;   ///< undefined on failure
  bool ok = false;

  /// Frees the node tree (positions kept elsewhere stay valid); `root` becomes undefined.
  void release_tree() {
    root.reset();
    tree.reset();
  }
};

/// Reads and parses a file; every problem becomes a diagnostic.
Document read_file(const std::filesystem::path& path, const LoadLimits& limits, Diagnostics& diagnostics);
/// Parses text already in memory.
Document parse_text(std::string text, const std::string& path, const LoadLimits& limits, Diagnostics& diagnostics);

/// How a YAML 1.2 core schema resolves a scalar.
enum class ScalarKind { null, boolean, integer, floating, string, non_scalar, tagged };
ScalarKind classify(const Node& node);
const char* kind_name(ScalarKind k);

/// The message of an amount above LoadLimits::max_amount (YAML and CSV say the same).
std::string amount_too_large(std::string_view what, double value, double limit);

/// Reads nodes of one document with positions, reporting into `diagnostics`.
class Reader {
 public:
  Reader(const Document& doc, Diagnostics& diagnostics, const LoadLimits& limits)
      : doc_(doc), diagnostics_(diagnostics), limits_(limits) {}

  /// The 1-based location of a node (code-point column, token length, source line).
  [[nodiscard]] SourceLocation at(const Node& node) const;
  /// The location of a 0-based mark (line -1: the whole file).
  [[nodiscard]] SourceLocation at(int line0, int byte_column0) const;
  Diagnostic& error(std::string code, const Node& node, std::string message);
  /// A diagnostic at a 0-based mark, for positions kept after the node was read.
  Diagnostic& report(Severity severity, std::string code, int line0, int byte_column0, std::string message);
  Diagnostic& warning(std::string code, const Node& node, std::string message);
  [[nodiscard]] const std::string& line_text(int line) const;

  /// Walks a mapping, calling `on_key` for each known key; unknown keys get E201 with a note
  /// (the closest known key, or what `hint` says about that key when it says something).
  /// Returns false when the node is not a mapping (E204 reported).
  bool each_key(const Node& map, std::string_view what, const std::vector<std::string>& known,
                const std::function<void(const std::string& key, const Node& key_node,
                                         const Node& value)>& on_key,
                const char* unknown_code = "E201",
                const std::function<std::string(const std::string& unknown)>& hint = {});
  /// Reports E202 for each `required` key that the mapping lacks.
  void require_keys(const Node& map, std::string_view what, const std::vector<std::string>& required);

  std::optional<std::string> string(const Node& value, const Node& key, std::string_view what);
  std::optional<double> number(const Node& value, const Node& key, std::string_view what);
  /// A number that is an amount (tonnes a year): negative is E300, above LoadLimits::max_amount E301.
  std::optional<double> amount(const Node& value, const Node& key, std::string_view what);
  std::optional<long long> integer(const Node& value, const Node& key, std::string_view what);
  std::optional<Date> date(const Node& value, const Node& key, std::string_view what);
  /// A kebab-case id within the id length limit.
  std::optional<std::string> id(const Node& value, const Node& key, std::string_view what);
  /// A list of strings; each failing item is reported and skipped.
  std::vector<std::pair<std::string, Node>> string_list(const Node& value, const Node& key,
                                                              std::string_view what);
  /// A sequence; reports E204 otherwise.
  bool is_list(const Node& value, const Node& key, std::string_view what);

 private:
  const Document& doc_;
  Diagnostics& diagnostics_;
  const LoadLimits& limits_;
};

}  // namespace chokepoint::yaml
