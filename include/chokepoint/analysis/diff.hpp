#pragma once
/// What a dataset change moves (`diff OLD NEW`): the facts that changed, field by field with the
/// sources they cite, and the metrics they moved: stage concentration (country shares, HHI) per
/// element, must-pass facilities and countries per consumer country, and single-country
/// dependencies crossing the threshold. Keyed by ids, never by indices: the two datasets differ.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chokepoint/analysis/concentration.hpp"
#include "chokepoint/core/diagnostic.hpp"
#include "chokepoint/model/dataset.hpp"

namespace chokepoint {

enum class FactKind : std::uint8_t { dataset, source, country, group, material, facility, link };
enum class FactChangeType : std::uint8_t { added, removed, modified };

const char* fact_kind_name(FactKind k);
const char* fact_change_name(FactChangeType c);

/// One field that differs; an absent value is "".
struct FieldChange {
  std::string field;  ///< "status", "output ndpr-oxide capacity", "distribution Dy"
  std::string old_value;
  std::string new_value;
};

/// A fact added, removed or modified.
struct FactChange {
  FactKind kind = FactKind::facility;
  FactChangeType change = FactChangeType::modified;
  std::string id;                    ///< facility id; "from -> to (material)" for a link
  std::vector<FieldChange> fields;   ///< modified: what differs, in field order
  std::vector<std::string> sources;  ///< source ids the fact cites (new side, else old), sorted
  SourceLocation where;              ///< where the fact is written (new side, else old)
};

/// A country's share of a stage in the old and new dataset, percent.
struct ShareMove {
  std::string country;
  double old_share = 0;
  double new_share = 0;
};

/// A stage's concentration for one element (or all rare earths, element -1) that moved.
struct ConcentrationChange {
  Stage stage = Stage::mine;
  int element = -1;
  std::optional<double> old_hhi, new_hhi;  ///< none: the stage had no production of the element
  std::string old_band, new_band;
  std::string old_top, new_top;  ///< largest country
  std::vector<ShareMove> moves;  ///< shares that moved, largest move first
};

/// A must-pass facility or country of a consumer that appeared or vanished, or reachability that changed.
struct MustPassChange {
  enum class Kind : std::uint8_t { facility, country, reachability } kind = Kind::facility;
  std::string consumer;  ///< country code
  int element = 0;
  std::string id;        ///< facility id or country code; empty for reachability
  bool added = true;     ///< must-pass (or reachable) in NEW and not in OLD
  std::string evidence;  ///< the analysis's sentence from the side where it holds
};

/// A consumer's dependency on one country at one stage whose flag or critical status changed.
struct DependencyChange {
  std::string consumer;  ///< country code
  int element = 0;
  Stage stage = Stage::mine;
  std::string country;  ///< country code, "" for facilities without a country
  double old_share = 0, new_share = 0;
  bool old_flagged = false, new_flagged = false;
  bool old_critical = false, new_critical = false;
};

/// Tolerances of what counts as a move.
struct DiffOptions {
  double threshold = 0.65;       ///< dependency flag (EU CRMA)
  double critical = 0.95;        ///< critical dependency
  double hhi_tolerance = 1.0;    ///< HHI points
  double share_tolerance = 0.1;  ///< percentage points
};

/// Everything that changed from OLD to NEW.
struct DatasetDiff {
  std::string old_label, new_label;
  std::vector<FactChange> facts;                   ///< kind, then change, then id
  std::vector<ConcentrationChange> concentration;  ///< stage, then element (-1 last)
  std::vector<MustPassChange> must_pass;           ///< consumer, element, kind, id
  std::vector<DependencyChange> dependencies;      ///< consumer, element, stage, country
};

/// Compares two valid datasets.
DatasetDiff diff_datasets(const Dataset& old_dataset, const Dataset& new_dataset, const DiffOptions& options = {});

/// The conditions `--fail-on` accepts, in order.
const std::vector<std::string>& diff_conditions();

/// How many times each condition happens (by diff_conditions() order); `new_errors` counts NEW's
/// validation errors.
std::vector<std::size_t> count_conditions(const DatasetDiff& diff, std::size_t new_errors);

}  // namespace chokepoint
