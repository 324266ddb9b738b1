#pragma once
/// ISO calendar dates (YYYY-MM-DD), compared as days.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chokepoint {

/// Six bytes, so that an optional date is eight: a million links carry two each. The calendar
/// years it is used for (1..9999, see parse_iso_date) fit 16 bits with room to spare.
struct Date {
  std::int16_t year = 0;
  std::int16_t month = 0;
  std::int16_t day = 0;

  constexpr Date() = default;
  constexpr Date(int y, int m, int d)
      : year(static_cast<std::int16_t>(y)), month(static_cast<std::int16_t>(m)), day(static_cast<std::int16_t>(d)) {}
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
