#pragma once
/// A scenario: trade measures and events applied to a dataset (../shared/spec/scenarios.md).
/// Built by the scenario loader against one Dataset; ids are resolved to its indices.

#include <optional>
#include <string>
#include <vector>

#include "chokepoint/core/date.hpp"
#include "chokepoint/core/diagnostic.hpp"
#include "chokepoint/model/dataset.hpp"

namespace chokepoint {

enum class MeasureType : std::uint8_t { ban, license, quota, tax };
enum class EventType : std::uint8_t { outage, country_outage, capacity, commission, demand, link };

const char* measure_type_name(MeasureType t);
const char* event_type_name(EventType t);

/// A half-open period [from, until); no `until` means open-ended.
struct Period {
  Date from;
  std::optional<Date> until;
  [[nodiscard]] bool contains(const Date& d) const { return !(d < from) && (!until || d < *until); }
};

/// Which customer countries a measure covers; the issuer's own facilities never count.
struct Destinations {
  enum class Mode : std::uint8_t { all, only, except } mode = Mode::all;
  std::vector<Index> countries;   ///< sorted country indices (groups expanded)
  [[nodiscard]] bool covers(Index country) const;
};

/// A trade measure by a country.
struct Measure {
  std::string id;
  std::string title;
  MeasureType type = MeasureType::ban;
  Index issuer = kNone;                 ///< country
  std::vector<int> elements;            ///< RE indices, sorted
  std::vector<Form> forms;              ///< empty: every form
  double min_content = 0.0;             ///< mass fraction at or above which a product is covered
  Destinations destinations;
  double approval_rate = 0.0;           ///< license: share of baseline volume still approved
  std::optional<double> quota;          ///< quota: t/yr of covered links' materials, pro rata
  std::optional<double> rate;           ///< tax: ad valorem, reported only
  Date effective;
  std::vector<Period> suspended;
  std::optional<Date> until;
  std::vector<std::string> sources;
  std::string notes;
  SourceLocation where;

  /// In force on `date`: effective on or before it, not ended, not suspended.
  [[nodiscard]] bool in_force(const Date& date) const;
};

/// Something that happens to a facility, a country, demand or a link.
struct Event {
  EventType type = EventType::outage;
  Index facility = kNone;     ///< outage, capacity, commission, demand
  Index country = kNone;      ///< country_outage
  double factor = 0.0;        ///< outage, country_outage: capacity factor; demand: demand factor
  Index output = kNone;       ///< capacity: the material whose capacity changes (kNone: all outputs)
  double capacity = 0.0;      ///< capacity: new capacity in the material's basis
  Index link = kNone;         ///< link: the dataset link (from, to, material)
  LinkStatus status = LinkStatus::ended;
  std::optional<Date> from, until;
  std::vector<std::string> sources;
  std::string notes;
  SourceLocation where;

  /// Active on `date` (no dates: always).
  [[nodiscard]] bool active_on(const Date& date) const;
};

/// A scenario with its includes already merged (later files override measures with the same id).
struct Scenario {
  std::string id;
  std::string title;
  std::string description;
  std::optional<Date> as_of;
  std::vector<std::string> sources;     ///< source ids cited by the scenario as a whole
  std::vector<Source> own_sources;      ///< sources defined in the scenario files
  std::vector<Measure> measures;
  std::vector<Event> events;
  std::vector<std::string> files;       ///< every file read, includes first
};

}  // namespace chokepoint
