#include "chokepoint/model/scenario.hpp"

#include <algorithm>

namespace chokepoint {

const char* measure_type_name(MeasureType t) {
  switch (t) {
    case MeasureType::ban: return "ban";
    case MeasureType::license: return "license";
    case MeasureType::quota: return "quota";
    case MeasureType::tax: return "tax";
  }
  return "ban";
}

const char* event_type_name(EventType t) {
  switch (t) {
    case EventType::outage: return "outage";
    case EventType::country_outage: return "country_outage";
    case EventType::capacity: return "capacity";
    case EventType::commission: return "commission";
    case EventType::demand: return "demand";
    case EventType::link: return "link";
  }
  return "outage";
}

bool Destinations::covers(Index country) const {
  const bool listed = std::binary_search(countries.begin(), countries.end(), country);
  switch (mode) {
    case Mode::all: return true;
    case Mode::only: return listed;
    case Mode::except: return !listed;
  }
  return true;
}

bool Measure::in_force(const Date& date) const {
  if (date < effective) return false;
  if (until && !(date < *until)) return false;
  return std::none_of(suspended.begin(), suspended.end(), [&](const Period& p) { return p.contains(date); });
}

bool Event::active_on(const Date& date) const {
  if (from && date < *from) return false;
  if (until && !(date < *until)) return false;
  return true;
}

}  // namespace chokepoint
