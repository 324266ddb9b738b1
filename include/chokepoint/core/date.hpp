#pragma once
/// ISO calendar dates (YYYY-MM-DD), compared as days.

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace chokepoint {

struct Date {
  int year = 0;
  int month = 0;
  int day = 0;
  auto operator<=>(const Date&) const = default;
  /// Days since 1970-01-01 (proleptic Gregorian).
  [[nodiscard]] long days() const;
  [[nodiscard]] std::string str() const;
  static Date from_days(long days);
};

/// Parses exactly YYYY-MM-DD with a valid calendar day.
std::optional<Date> parse_iso_date(std::string_view s);
/// Adds months, clamping the day to the month's length.
Date add_months(const Date& d, int months);

}  // namespace chokepoint
