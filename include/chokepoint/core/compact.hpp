#pragma once
/// Compact stand-ins for std::optional<double> and std::string in records a dataset holds by the
/// million (links, outputs, facilities). At 1e6 facilities and 3e6 links every byte of a Link is
/// 3 MB, and the memory target (2 GB end to end) is what these are for.

#include <cmath>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chokepoint {

/// An optional finite double in 8 bytes (std::optional<double> takes 16): NaN means "absent".
/// The loaders refuse non-finite numbers, so no given figure is NaN; assigning NaN empties it.
/// Reads like std::optional<double> and converts to and from it.
class OptionalDouble {
 public:
  constexpr OptionalDouble() = default;
  constexpr OptionalDouble(std::nullopt_t) {}                          // NOLINT(google-explicit-constructor)
  constexpr OptionalDouble(double v) : v_(v) {}                        // NOLINT(google-explicit-constructor)
  constexpr OptionalDouble(const std::optional<double>& o) : v_(o ? *o : kAbsent) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool has_value() const { return !std::isnan(v_); }
  explicit operator bool() const { return has_value(); }
  /// The value; undefined when absent, like std::optional.
  [[nodiscard]] const double& operator*() const { return v_; }
  [[nodiscard]] double value() const {
    if (!has_value()) throw std::bad_optional_access();
    return v_;
  }
  [[nodiscard]] double value_or(double fallback) const { return has_value() ? v_ : fallback; }
  void reset() { v_ = kAbsent; }
  operator std::optional<double>() const {                            // NOLINT(google-explicit-constructor)
    return has_value() ? std::optional<double>(v_) : std::nullopt;
  }

  friend bool operator==(const OptionalDouble& a, std::nullopt_t) { return !a.has_value(); }
  friend bool operator==(const OptionalDouble& a, const OptionalDouble& b) {
    return a.has_value() == b.has_value() && (!a.has_value() || a.v_ == b.v_);
  }

 private:
  static constexpr double kAbsent = std::numeric_limits<double>::quiet_NaN();
  double v_ = kAbsent;
};

/// A string that is usually empty, in 8 bytes (std::string takes 32): notes and similar free
/// text that one record in a thousand carries. Empty costs no allocation.
class RareString {
 public:
  RareString() = default;
  RareString(std::string_view s)                                       // NOLINT(google-explicit-constructor)
      : s_(s.empty() ? nullptr : std::make_unique<std::string>(s)) {}
  RareString(const std::string& s) : RareString(std::string_view(s)) {}  // NOLINT(google-explicit-constructor)
  RareString(const char* s) : RareString(std::string_view(s)) {}       // NOLINT(google-explicit-constructor)
  RareString(const RareString& o) : RareString(o.view()) {}
  RareString(RareString&&) noexcept = default;
  RareString& operator=(const RareString& o) {
    if (this != &o) *this = RareString(o.view());
    return *this;
  }
  RareString& operator=(RareString&&) noexcept = default;
  ~RareString() = default;

  [[nodiscard]] const std::string& str() const { return s_ ? *s_ : empty_string(); }
  operator const std::string&() const { return str(); }               // NOLINT(google-explicit-constructor)
  operator std::string_view() const { return str(); }                  // NOLINT(google-explicit-constructor)
  [[nodiscard]] std::string_view view() const { return str(); }
  [[nodiscard]] bool empty() const { return s_ == nullptr; }
  [[nodiscard]] std::size_t size() const { return str().size(); }
  [[nodiscard]] const char* c_str() const { return str().c_str(); }

  friend bool operator==(const RareString& a, const RareString& b) { return a.view() == b.view(); }
  friend bool operator==(const RareString& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const RareString& a, const char* b) { return a.view() == b; }

 private:
  static const std::string& empty_string() {
    static const std::string kEmpty;
    return kEmpty;
  }
  std::unique_ptr<std::string> s_;
};

/// A list that is usually empty, in 8 bytes (std::vector takes 24): a facility's explicit inputs,
/// capabilities, extra sources and demand entries, which most of a million facilities lack. Empty
/// costs no allocation. Iterators are pointers; reads like a std::vector and converts to a const
/// one (a shared empty vector when empty).
template <class T>
class RareVector {
 public:
  using value_type = T;
  using size_type = std::size_t;
  using iterator = T*;
  using const_iterator = const T*;

  RareVector() = default;
  RareVector(std::initializer_list<T> init) { assign(std::vector<T>(init)); }
  RareVector(std::vector<T> v) { assign(std::move(v)); }                // NOLINT(google-explicit-constructor)
  RareVector(const RareVector& o) : v_(o.v_ ? std::make_unique<std::vector<T>>(*o.v_) : nullptr) {}
  RareVector(RareVector&&) noexcept = default;
  RareVector& operator=(const RareVector& o) {
    if (this != &o) v_ = o.v_ ? std::make_unique<std::vector<T>>(*o.v_) : nullptr;
    return *this;
  }
  RareVector& operator=(RareVector&&) noexcept = default;
  RareVector& operator=(std::vector<T> v) {
    assign(std::move(v));
    return *this;
  }
  RareVector& operator=(std::initializer_list<T> init) {
    assign(std::vector<T>(init));
    return *this;
  }
  ~RareVector() = default;

  [[nodiscard]] std::size_t size() const { return v_ ? v_->size() : 0; }
  [[nodiscard]] bool empty() const { return size() == 0; }
  [[nodiscard]] const T* data() const { return v_ ? v_->data() : nullptr; }
  [[nodiscard]] T* data() { return v_ ? v_->data() : nullptr; }
  [[nodiscard]] const T* begin() const { return data(); }
  [[nodiscard]] const T* end() const { return data() + size(); }
  [[nodiscard]] T* begin() { return data(); }
  [[nodiscard]] T* end() { return data() + size(); }
  [[nodiscard]] const T& operator[](std::size_t i) const { return (*v_)[i]; }
  [[nodiscard]] T& operator[](std::size_t i) { return (*v_)[i]; }
  [[nodiscard]] const T& front() const { return v_->front(); }
  [[nodiscard]] const T& back() const { return v_->back(); }
  [[nodiscard]] T& front() { return v_->front(); }
  [[nodiscard]] T& back() { return v_->back(); }

  void push_back(const T& x) { grow().push_back(x); }
  void push_back(T&& x) { grow().push_back(std::move(x)); }
  template <class... Args>
  T& emplace_back(Args&&... args) {
    return grow().emplace_back(std::forward<Args>(args)...);
  }
  void clear() { v_.reset(); }

  /// The entries as a vector (a shared empty one when there are none).
  [[nodiscard]] const std::vector<T>& vec() const { return v_ ? *v_ : empty_vector(); }
  operator const std::vector<T>&() const { return vec(); }             // NOLINT(google-explicit-constructor)

  friend bool operator==(const RareVector& a, const RareVector& b) { return a.vec() == b.vec(); }

 private:
  void assign(std::vector<T> v) {
    if (v.empty()) v_.reset();
    else v_ = std::make_unique<std::vector<T>>(std::move(v));
  }
  std::vector<T>& grow() {
    if (!v_) v_ = std::make_unique<std::vector<T>>();
    return *v_;
  }
  static const std::vector<T>& empty_vector() {
    static const std::vector<T> kEmpty;
    return kEmpty;
  }
  std::unique_ptr<std::vector<T>> v_;
};

}  // namespace chokepoint
