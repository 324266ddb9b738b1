#pragma once
/// The validated, immutable Dataset: what the loaders produce and every analysis reads.
/// Cross-references are indices into the Dataset's vectors; ids are the user's names.

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chokepoint/core/compact.hpp"
#include "chokepoint/core/date.hpp"
#include "chokepoint/core/diagnostic.hpp"
#include "chokepoint/core/elements.hpp"

namespace chokepoint {

using Index = std::uint32_t;
inline constexpr Index kNone = 0xFFFFFFFFu;

enum class Stage : std::uint8_t {
  mine, processing, separation, metal, alloy, magnet, manufacturing, recycling, demand
};
inline constexpr int kStageCount = 9;

enum class Status : std::uint8_t { operating, ramping, construction, planned, idle, closed };
inline constexpr int kStatusCount = 6;

enum class Form : std::uint8_t {
  ore, concentrate, mixed_compound, oxide, metal, alloy, magnet, product, scrap
};
inline constexpr int kFormCount = 9;

enum class Basis : std::uint8_t { reo, product };

enum class LinkStatus : std::uint8_t { active, planned, ended };

const char* stage_name(Stage s);
const char* status_name(Status s);
const char* form_name(Form f);
const char* basis_name(Basis b);
const char* link_status_name(LinkStatus s);
std::optional<Stage> parse_stage(std::string_view s);
std::optional<Status> parse_status(std::string_view s);
std::optional<Form> parse_form(std::string_view s);
std::optional<Basis> parse_basis(std::string_view s);
std::optional<LinkStatus> parse_link_status(std::string_view s);
/// Every name of the enum, in order (for "did you mean" notes and docs).
std::vector<std::string> stage_names();
std::vector<std::string> status_names();
std::vector<std::string> form_names();
std::vector<std::string> link_status_names();

/// True for statuses whose output exists today (operating, ramping).
bool is_producing(Status s);

struct DatasetInfo {
  std::string name;
  std::string version;
  std::optional<Date> as_of;
  std::string description;
  std::string license;
  SourceLocation where;
};

struct Source {
  std::string id;
  std::string title;
  std::string publisher;
  std::optional<int> year;
  std::string url;
  std::optional<Date> accessed;
  std::string note;
  SourceLocation where;
};

/// A yearly outage risk: in a sample, with `probability` the holder loses `severity` of its capacity.
/// 16 bytes (every facility holds one): a NaN severity marks a risk not given, which reads as
/// probability 0.
struct DisruptionRisk {
  double probability = 0.0;                                  ///< 0..1
  double severity = std::numeric_limits<double>::quiet_NaN();///< 0..1, share of capacity lost
  [[nodiscard]] bool given() const { return !std::isnan(severity); }
};

struct Country {
  std::string code;   ///< ISO 3166-1 alpha-2, upper case
  std::string name;
  std::optional<double> wgi;  ///< mean of the six World Governance Indicators, -2.5..2.5
  Index source = kNone;
  DisruptionRisk disruption;  ///< applies to all its facilities
  SourceLocation where;
};

struct Group {
  std::string id;     ///< e.g. "EU", "G7"
  std::string name;
  std::vector<Index> members;  ///< country indices
  SourceLocation where;
};

/// One element's share of a material: REO basis: share of the oxide total; product basis: mass fraction.
struct Component {
  Element element = 0;
  double fraction = 0.0;
};

struct Material {
  std::string id;
  std::string name;
  Form form = Form::product;
  Basis basis = Basis::product;
  bool mixed = false;                   ///< composition: mixed (set by the supplier's stream)
  std::vector<Component> composition;   ///< sorted by element; empty when mixed
  SourceLocation where;

  /// Tonnes of contained rare-earth element per tonne of material, by RE index (0 when mixed).
  [[nodiscard]] ReVector element_content() const;
  /// True when the fixed composition carries this rare earth (RE index).
  [[nodiscard]] bool carries(int re_index) const;
};

/// A figure's provenance: where it was written and which source it cites (20 bytes).
struct Provenance {
  Index source = kNone;
  OptionalYear year;
  SourceLocation where;
};

/// 40 bytes, so that a facility's usual single output takes a 48-byte block of the heap, not 64.
struct Output {
  Index material = kNone;
  Provenance provenance;
  OptionalDouble capacity;    ///< t/yr in the material's basis
  OptionalDouble production;  ///< t in `year`, what the baseline uses
};
static_assert(sizeof(Output) == 40, "Output grew: a large chain holds a million");

struct DemandEntry {
  Index material = kNone;
  Provenance provenance;
  double quantity = 0.0;             ///< t/yr in the material's basis
};
static_assert(sizeof(DemandEntry) == 32, "DemandEntry grew: a large chain holds a quarter of a million");

struct Location {
  double lat = 0.0;
  double lon = 0.0;
};

/// An optional Location in 16 bytes (std::optional<Location> takes 24): a NaN latitude means
/// "absent" (the loaders take finite coordinates only). Reads like std::optional<Location>.
class OptionalLocation {
 public:
  OptionalLocation() = default;
  OptionalLocation(std::nullopt_t) {}                                  // NOLINT(google-explicit-constructor)
  OptionalLocation(const Location& l) : l_(l) {}                       // NOLINT(google-explicit-constructor)
  [[nodiscard]] bool has_value() const { return !std::isnan(l_.lat); }
  explicit operator bool() const { return has_value(); }
  [[nodiscard]] const Location& operator*() const { return l_; }
  [[nodiscard]] const Location* operator->() const { return &l_; }

 private:
  static Location absent() { return {std::numeric_limits<double>::quiet_NaN(), 0.0}; }
  Location l_ = absent();
};

/// A mine's distribution: % of TREO by RE index. Kept out of line, as most facilities have none
/// (inline it was a quarter of every Facility); an empty one reads as zeros.
class Distribution {
 public:
  Distribution() = default;
  Distribution(const Distribution& other) : values_(copy(other)) {}
  Distribution(Distribution&&) noexcept = default;
  Distribution& operator=(const Distribution& other) {
    if (this != &other) values_ = copy(other);
    return *this;
  }
  Distribution& operator=(Distribution&&) noexcept = default;
  Distribution& operator=(const ReVector& values) {
    values_ = std::make_unique<ReVector>(values);
    return *this;
  }
  ~Distribution() = default;

  [[nodiscard]] double operator[](std::size_t re) const { return values_ ? (*values_)[re] : 0.0; }
  /// Writable share; makes room on first write.
  double& operator[](std::size_t re) {
    if (!values_) values_ = std::make_unique<ReVector>();
    return (*values_)[re];
  }
  [[nodiscard]] static constexpr std::size_t size() { return kRareEarthCount; }
  [[nodiscard]] const ReVector& values() const {
    static const ReVector zero{};
    return values_ ? *values_ : zero;
  }
  [[nodiscard]] const double* begin() const { return values().data(); }
  [[nodiscard]] const double* end() const { return values().data() + kRareEarthCount; }
  friend bool operator==(const Distribution& a, const Distribution& b) { return a.values() == b.values(); }

 private:
  static std::unique_ptr<ReVector> copy(const Distribution& d) {
    return d.values_ ? std::make_unique<ReVector>(*d.values_) : nullptr;
  }
  std::unique_ptr<ReVector> values_;
};

/// Fields are ordered to leave one byte of padding (224 bytes; the three flags share a byte): a
/// large chain has a million of them. Lists most facilities lack (explicit inputs, capabilities,
/// extra sources, demand) are RareVectors.
struct Facility {
  std::string id;
  std::string name;
  RareString operator_name;
  Index country = kNone;
  Index owner_country = kNone;       ///< kNone: same as `country`
  Index technology_origin = kNone;
  SourceLocation where;
  Stage stage = Stage::mine;
  Status status = Status::operating;
  bool inputs_given : 1 = false;
  bool elements_given : 1 = false;
  bool has_distribution : 1 = false;
  OptionalDate status_as_of;
  std::vector<Output> outputs;
  RareVector<Index> inputs;          ///< explicit accepted materials; empty: the stage's default forms
  RareVector<Element> elements;      ///< capability (separation/metal/alloy); empty: from outputs
  Distribution distribution;         ///< mines: % of TREO by RE index
  double recovery = 1.0;
  double priority = 1.0;             ///< demand sinks: weight in the market bound
  RareVector<DemandEntry> demand;
  OptionalLocation location;
  RareVector<Index> sources;
  RareString notes;
  DisruptionRisk disruption;

  [[nodiscard]] Index owner() const { return owner_country == kNone ? country : owner_country; }
};
static_assert(sizeof(Facility) == 224, "Facility grew: a large chain holds a million");

/// Kept small (64 bytes, fields ordered to leave 3 of padding): a large chain has three links per
/// facility.
struct Link {
  Index from = kNone;   ///< facility
  Index to = kNone;     ///< facility
  Index material = kNone;
  Index source = kNone;
  OptionalDouble volume;   ///< t/yr in the material's basis
  OptionalDouble share;    ///< share of the supplier's output of the material, 0..1
  RareString notes;
  SourceLocation where;
  OptionalDate since;
  OptionalDate until;
  LinkStatus status = LinkStatus::active;

  /// Active on `date` (status active, since <= date < until); no date: status active.
  [[nodiscard]] bool active_on(const std::optional<Date>& date) const;
};
static_assert(sizeof(Link) == 64, "Link grew: a large chain holds three million");

/// The whole dataset. Built by the loader and immutable afterwards.
class Dataset {
 public:
  DatasetInfo info;
  std::vector<Source> sources;
  std::vector<Country> countries;
  std::vector<Group> groups;
  std::vector<Material> materials;
  std::vector<Facility> facilities;
  std::vector<Link> links;

  /// Builds the id -> index maps; called once by the loader after everything is in place.
  void build_indexes();

  [[nodiscard]] Index find_source(std::string_view id) const {
    return source_ix_.find(id, sources);
  }
  [[nodiscard]] Index find_country(std::string_view code) const {
    return country_ix_.find(code, countries);
  }
  [[nodiscard]] Index find_group(std::string_view id) const {
    return group_ix_.find(id, groups);
  }
  [[nodiscard]] Index find_material(std::string_view id) const {
    return material_ix_.find(id, materials);
  }
  [[nodiscard]] Index find_facility(std::string_view id) const {
    return facility_ix_.find(id, facilities);
  }

  /// Does facility f accept material m as an input (explicit inputs or the stage's default forms)?
  [[nodiscard]] bool accepts(Index facility, Index material) const;
  /// Does facility f list material m among its outputs?
  [[nodiscard]] bool produces(Index facility, Index material) const;
  /// The rare earths (RE indices) facility f can separate or convert.
  [[nodiscard]] std::vector<int> capability(Index facility) const;
  /// Links leaving / entering each facility, in link order.
  [[nodiscard]] std::span<const Index> out_links(Index facility) const {
    return std::span<const Index>(out_links_).subspan(out_first_[facility], out_first_[facility + 1] - out_first_[facility]);
  }
  [[nodiscard]] std::span<const Index> in_links(Index facility) const {
    return std::span<const Index>(in_links_).subspan(in_first_[facility], in_first_[facility + 1] - in_first_[facility]);
  }
  /// Countries of a group, or the one country, from a consumer spec ("US", "EU").
  [[nodiscard]] std::vector<Index> resolve_countries(std::string_view country_or_group) const;
  /// Dataset name and version in one string, for report headers.
  [[nodiscard]] std::string label() const;

 private:
  static const std::string& id_of(const Source& x) { return x.id; }
  static const std::string& id_of(const Country& x) { return x.code; }
  static const std::string& id_of(const Group& x) { return x.id; }
  static const std::string& id_of(const Material& x) { return x.id; }
  static const std::string& id_of(const Facility& x) { return x.id; }
  /// Ids to positions: open addressing over (hash, position) pairs. An id is compared with the
  /// item at the position, so the index holds no strings and stays right when the Dataset is copied.
  class PositionIndex {
   public:
    template <class Item>
    void build(const std::vector<Item>& items) {
      std::size_t capacity = 16;
      while (capacity < items.size() * 2) capacity *= 2;
      slots_.assign(capacity, 0);
      mask_ = capacity - 1;
      for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string_view id = id_of(items[i]);
        const std::uint64_t h = hash(id);
        std::size_t s = h & mask_;
        for (; slots_[s] != 0; s = (s + 1) & mask_) {
          if (same(slots_[s], id, h, items)) break;   // a repeated id: the first keeps it
        }
        if (slots_[s] == 0) slots_[s] = (h >> 32 << 32) | (i + 1);
      }
    }
    template <class Item>
    [[nodiscard]] Index find(std::string_view id, const std::vector<Item>& items) const {
      if (slots_.empty()) return kNone;
      const std::uint64_t h = hash(id);
      for (std::size_t s = h & mask_; slots_[s] != 0; s = (s + 1) & mask_) {
        if (same(slots_[s], id, h, items)) return static_cast<Index>((slots_[s] & 0xFFFFFFFFu) - 1);
      }
      return kNone;
    }

   private:
    static std::uint64_t hash(std::string_view id) { return std::hash<std::string_view>{}(id); }
    template <class Item>
    static bool same(std::uint64_t slot, std::string_view id, std::uint64_t h, const std::vector<Item>& items) {
      return (slot >> 32) == (h >> 32) && id_of(items[(slot & 0xFFFFFFFFu) - 1]) == id;
    }
    std::vector<std::uint64_t> slots_;   // (hash's upper half << 32) | (position + 1); 0: empty
    std::size_t mask_ = 0;
  };
  PositionIndex source_ix_, country_ix_, group_ix_, material_ix_, facility_ix_;
  // Links by facility, compressed: facility f's are out_links_[out_first_[f] .. out_first_[f + 1]).
  std::vector<Index> out_first_, in_first_;   // Index: build_indexes refuses 2^32 links or more
  std::vector<Index> out_links_, in_links_;
};

/// Whether a stage accepts form f when a facility gives no explicit `inputs` (the table in
/// docs/data-format.md). No allocation: the loader asks it for every link.
bool accepts_by_default(Stage s, Form f);

}  // namespace chokepoint
