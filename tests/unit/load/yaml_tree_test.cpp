// The YAML tree the loaders read: built from yaml-cpp's parser events in one pass. It must give
// what yaml-cpp's own node tree (YAML::Load) gives, node for node, and keep the strict checks.
#include <random>
#include <regex>
#include <string>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "chokepoint/load/yaml_reader.hpp"

namespace chokepoint::yaml {
namespace {

Document parsed(const std::string& text, Diagnostics& diags) {
  static const LoadLimits limits;
  return parse_text(text, "t.yaml", limits, diags);
}

bool has_code(const Diagnostics& diags, const std::string& code) {
  for (const auto& d : diags.items()) {
    if (d.code == code) return true;
  }
  return false;
}

// Compares our node with yaml-cpp's, recursively: kind, text, tag, position, children in order.
void expect_same(const Node& ours, const YAML::Node& theirs, const std::string& path) {
  SCOPED_TRACE(path);
  ASSERT_EQ(ours.IsNull(), theirs.IsNull());
  ASSERT_EQ(ours.IsScalar(), theirs.IsScalar());
  ASSERT_EQ(ours.IsSequence(), theirs.IsSequence());
  ASSERT_EQ(ours.IsMap(), theirs.IsMap());
  EXPECT_EQ(ours.Scalar(), theirs.Scalar());
  if (!ours.IsNull()) {
    EXPECT_EQ(ours.Tag(), theirs.Tag());
  }
  EXPECT_EQ(ours.Mark().line, theirs.Mark().line);
  EXPECT_EQ(ours.Mark().column, theirs.Mark().column);
  ASSERT_EQ(ours.size(), theirs.size());
  if (ours.IsSequence()) {
    std::size_t i = 0;
    auto t = theirs.begin();
    for (const auto& item : ours) {
      expect_same(item, *t, path + "[" + std::to_string(i++) + "]");
      ++t;
    }
  } else if (ours.IsMap()) {
    auto t = theirs.begin();
    for (auto it = ours.begin(); it != ours.end(); ++it, ++t) {
      expect_same(it->first, t->first, path + ".key");
      expect_same(it->second, t->second, path + "." + it->first.Scalar());
    }
  }
}

TEST(YamlTree, ScalarsKeepTheirTagsAndPositions) {
  Diagnostics diags;
  const Document doc = parsed("a: 1\nb: \"1\"\nc: '1'\nd: !!str 1\ne: [x, ~, null, '']\nf:\n", diags);
  ASSERT_TRUE(doc.ok) << diags.items().size();
  const Node& root = doc.root;
  ASSERT_TRUE(root.IsMap());
  EXPECT_EQ(root.size(), 6u);
  std::vector<std::pair<std::string, Node>> entries;
  for (auto it = root.begin(); it != root.end(); ++it) entries.emplace_back(it->first.Scalar(), it->second);
  ASSERT_EQ(entries.size(), 6u);
  EXPECT_EQ(entries[0].first, "a");
  EXPECT_EQ(classify(entries[0].second), ScalarKind::integer);
  EXPECT_EQ(entries[0].second.Tag(), "?");
  EXPECT_EQ(classify(entries[1].second), ScalarKind::string);   // quoted: a string whatever it says
  EXPECT_EQ(classify(entries[2].second), ScalarKind::string);
  EXPECT_EQ(classify(entries[3].second), ScalarKind::tagged);
  EXPECT_EQ(entries[1].second.Mark().line, 1);
  EXPECT_EQ(entries[1].second.Mark().column, 3);
  const Node& list = entries[4].second;
  ASSERT_TRUE(list.IsSequence());
  ASSERT_EQ(list.size(), 4u);
  std::vector<ScalarKind> kinds;
  for (const auto& item : list) kinds.push_back(classify(item));
  EXPECT_EQ(kinds, (std::vector<ScalarKind>{ScalarKind::string, ScalarKind::null, ScalarKind::null, ScalarKind::string}));
  EXPECT_TRUE(entries[5].second.IsNull());
}

TEST(YamlTree, AnUndefinedNodeIsNothing) {
  const Node n;
  EXPECT_FALSE(n.IsDefined());
  EXPECT_FALSE(n.IsNull());
  EXPECT_FALSE(n.IsScalar());
  EXPECT_FALSE(n.IsMap());
  EXPECT_EQ(n.Scalar(), "");
  EXPECT_EQ(n.size(), 0u);
  EXPECT_TRUE(n.begin() == n.end());
  EXPECT_EQ(n.Mark().line, -1);
  EXPECT_EQ(classify(n), ScalarKind::null);
}

TEST(YamlTree, ReleasingTheTreeLeavesTheDocumentEmpty) {
  Diagnostics diags;
  Document doc = parsed("a: [1, 2]\n", diags);
  ASSERT_TRUE(doc.ok);
  doc.release_tree();
  EXPECT_FALSE(doc.root.IsDefined());
  EXPECT_EQ(doc.tree, nullptr);
}

TEST(YamlTree, DuplicateKeysFoundInSmallAndLargeMappings) {
  for (int keys : {2, 16, 17, 40, 300}) {
    std::string text = "m:\n";
    for (int k = 0; k < keys; ++k) text += "  k" + std::to_string(k) + ": {k0: 1, k1: 2}\n";
    {
      Diagnostics diags;
      parsed(text, diags);
      EXPECT_FALSE(has_code(diags, "E101")) << keys << " distinct keys (inner maps reuse the outer names)";
    }
    Diagnostics diags;
    parsed(text + "  k" + std::to_string(keys - 1) + ": again\n", diags);
    ASSERT_TRUE(has_code(diags, "E101")) << keys;
    EXPECT_EQ(diags.items().front().where.line, keys + 2);
  }
}

TEST(YamlTree, DuplicateAfterANestedMappingCloses) {
  Diagnostics diags;
  parsed("a: {x: 1, y: {z: 2}}\nb: 1\na: 3\n", diags);
  ASSERT_TRUE(has_code(diags, "E101"));
  EXPECT_EQ(diags.items().front().where.line, 3);
}

TEST(YamlTree, AnchorsAliasesAndOversizedFilesLeaveNoTree) {
  for (const char* text : {"a: &x 1\nb: 2\n", "a: 1\nb: [2, &y 3]\n", "a: &x [*x]\n"}) {
    Diagnostics diags;
    const Document doc = parsed(text, diags);
    EXPECT_FALSE(doc.ok) << text;
    EXPECT_FALSE(doc.root.IsDefined()) << text;
    EXPECT_TRUE(has_code(diags, "E102")) << text;
  }
  LoadLimits small;
  small.max_nodes_per_file = 10;
  Diagnostics diags;
  const Document doc = parse_text("a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n", "t.yaml", small, diags);
  EXPECT_FALSE(doc.ok);
  EXPECT_TRUE(has_code(diags, "E104"));
}

// A random document: nested mappings and sequences in block and flow style, with plain, quoted,
// numeric, empty and null scalars. yaml-cpp's emitter writes it; both trees read it back.
YAML::Node random_node(std::mt19937& rng, int depth) {
  std::uniform_int_distribution<int> pick(0, depth >= 4 ? 5 : 8);
  const int kind = pick(rng);
  const auto small = [&](int n) { return std::uniform_int_distribution<int>(0, n)(rng); };
  switch (kind) {
    case 0: return YAML::Node(std::string("word") + std::to_string(small(99)));
    case 1: return YAML::Node(small(100000) - 500);
    case 2: return YAML::Node(small(1000) / 8.0);
    case 3: return YAML::Node("two words: and \"quotes\"");
    case 4: return YAML::Node(YAML::NodeType::Null);
    case 5: return YAML::Node(std::string(small(2) == 0 ? "" : "true"));
    case 6:
    case 7: {
      YAML::Node map(YAML::NodeType::Map);
      const int n = small(5);
      for (int k = 0; k < n; ++k) map["key-" + std::to_string(k)] = random_node(rng, depth + 1);
      if (small(2) == 0) map.SetStyle(YAML::EmitterStyle::Flow);
      return map;
    }
    default: {
      YAML::Node seq(YAML::NodeType::Sequence);
      const int n = small(5);
      for (int k = 0; k < n; ++k) seq.push_back(random_node(rng, depth + 1));
      if (small(2) == 0) seq.SetStyle(YAML::EmitterStyle::Flow);
      return seq;
    }
  }
}

TEST(YamlTree, SameTreeAsYamlCppOnRandomDocuments) {
  std::mt19937 rng(20261128);
  for (int round = 0; round < 300; ++round) {
    YAML::Node root(YAML::NodeType::Map);
    const int sections = 1 + static_cast<int>(rng() % 4);
    for (int s = 0; s < sections; ++s) root["section-" + std::to_string(s)] = random_node(rng, 0);
    YAML::Emitter out;
    out << root;
    const std::string text = std::string(out.c_str()) + "\n";
    SCOPED_TRACE(text);
    Diagnostics diags;
    const Document doc = parsed(text, diags);
    ASSERT_TRUE(doc.ok);
    EXPECT_TRUE(diags.items().empty());
    expect_same(doc.root, YAML::Load(text), "root");
  }
}

// classify() matches the core schema's number patterns by hand; here against the spec's regexes.
TEST(YamlTree, ScalarClassesAgreeWithTheCoreSchemaRegexes) {
  const std::regex int_re(R"([-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)");
  const std::regex float_re(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  const std::regex special_re(R"([-+]?(\.inf|\.Inf|\.INF)|\.nan|\.NaN|\.NAN)");
  const std::string alphabet = "0123456789+-.eEoxaAfFinINn";
  std::mt19937 rng(7);
  int compared = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const int length = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < length; ++i) s += alphabet[rng() % alphabet.size()];
    if (s[0] == '-' && (s.size() == 1 || s[1] == ' ')) continue;  // a sequence entry, not a scalar
    Diagnostics diags;
    const Document doc = parsed("k: " + s + "\n", diags);
    if (!doc.ok) continue;
    const Node value = doc.root.begin()->second;
    if (!value.IsScalar()) continue;   // null, true, ...: not numbers either way
    const ScalarKind expected = std::regex_match(s, int_re) ? ScalarKind::integer
                                : std::regex_match(s, float_re) || std::regex_match(s, special_re) ? ScalarKind::floating
                                : ScalarKind::string;
    ASSERT_EQ(classify(value), expected) << s;
    ++compared;
  }
  EXPECT_GT(compared, 15000);
}

}  // namespace
}  // namespace chokepoint::yaml
