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

/// An optional Date in six bytes (std::optional<Date> takes eight): year 0, which no parsed date
/// has (parse_iso_date takes 1..9999), means "absent". A link carries two, so a Link is 8 bytes
/// smaller. Reads like std::optional<Date> and converts to and from it.
class OptionalDate {
 public:
  constexpr OptionalDate() = default;
  constexpr OptionalDate(std::nullopt_t) {}                                  // NOLINT(google-explicit-constructor)
  constexpr OptionalDate(const Date& d) : d_(d) {}                           // NOLINT(google-explicit-constructor)
  constexpr OptionalDate(const std::optional<Date>& o) : d_(o ? *o : Date{}) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] constexpr bool has_value() const { return d_.year != 0; }
  constexpr explicit operator bool() const { return has_value(); }
  /// The date; undefined when absent, like std::optional.
  [[nodiscard]] constexpr const Date& operator*() const { return d_; }
  [[nodiscard]] constexpr const Date* operator->() const { return &d_; }
  [[nodiscard]] const Date& value() const {
    if (!has_value()) throw std::bad_optional_access();
    return d_;
  }
  void reset() { d_ = Date{}; }
  operator std::optional<Date>() const {                                    // NOLINT(google-explicit-constructor)
    return has_value() ? std::optional<Date>(d_) : std::nullopt;
  }
  friend constexpr bool operator==(const OptionalDate& a, const OptionalDate& b) { return a.d_ == b.d_; }
  friend constexpr bool operator==(const OptionalDate& a, std::nullopt_t) { return !a.has_value(); }

 private:
  Date d_{};
};

/// Parses exactly YYYY-MM-DD with a valid calendar day.
std::optional<Date> parse_iso_date(std::string_view s);
/// Adds months, clamping the day to the month's length.
Date add_months(const Date& d, int months);

}  // namespace chokepoint
