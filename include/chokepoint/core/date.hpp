#pragma once
/// ISO calendar dates (YYYY-MM-DD), compared as days.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chokepoint {

/// Four bytes: three million links carry two each. The calendar years it is used for (1..9999,
/// see parse_iso_date) fit 16 bits, months and days 8.
struct Date {
  std::int16_t year = 0;
  std::int8_t month = 0;
  std::int8_t day = 0;

  constexpr Date() = default;
  constexpr Date(int y, int m, int d)
      : year(static_cast<std::int16_t>(y)), month(static_cast<std::int8_t>(m)), day(static_cast<std::int8_t>(d)) {}
  auto operator<=>(const Date&) const = default;
  /// Days since 1970-01-01 (proleptic Gregorian).
  [[nodiscard]] long days() const;
  [[nodiscard]] std::string str() const;
  static Date from_days(long days);
};

/// An optional Date in four bytes (std::optional<Date> takes six): year 0, which no parsed date
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

/// An optional calendar year (1..9999, as the loaders take them) in two bytes (std::optional<int>
/// takes eight): 0 means "absent". Every output and demand entry of a large chain carries one.
/// Reads like std::optional<int> and converts to and from it.
class OptionalYear {
 public:
  constexpr OptionalYear() = default;
  constexpr OptionalYear(std::nullopt_t) {}                                  // NOLINT(google-explicit-constructor)
  constexpr OptionalYear(int y) : y_(static_cast<std::int16_t>(y)) {}        // NOLINT(google-explicit-constructor)
  constexpr OptionalYear(const std::optional<int>& o) : y_(static_cast<std::int16_t>(o ? *o : 0)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] constexpr bool has_value() const { return y_ != 0; }
  constexpr explicit operator bool() const { return has_value(); }
  /// The year; 0 when absent.
  [[nodiscard]] constexpr int operator*() const { return y_; }
  operator std::optional<int>() const {                                     // NOLINT(google-explicit-constructor)
    return has_value() ? std::optional<int>(y_) : std::nullopt;
  }
  friend constexpr bool operator==(const OptionalYear& a, const OptionalYear& b) { return a.y_ == b.y_; }
  friend constexpr bool operator==(const OptionalYear& a, std::nullopt_t) { return !a.has_value(); }

 private:
  std::int16_t y_ = 0;
};

/// Parses exactly YYYY-MM-DD with a valid calendar day.
std::optional<Date> parse_iso_date(std::string_view s);
/// Adds months, clamping the day to the month's length.
Date add_months(const Date& d, int months);

}  // namespace chokepoint
