#pragma once
/// Storage for the large arrays the graph algorithms read at random (rows of a graph, search state,
/// residual networks): on Linux each block of at least kLargeBlock bytes gets a mapping of its own,
/// aligned to 2 MiB and marked for transparent huge pages (madvise(MADV_HUGEPAGE)).
///
/// Why: at a million facilities these arrays are 4-80 MiB and are read at scattered places. With
/// 4 KiB pages nearly every such read also misses the TLB, and every first touch of fresh memory is
/// a page fault; with 2 MiB pages the translations of a whole array stay cached and a fault maps 512
/// times as much. On the benchmark machine, at 10^6 facilities, articulation points and bridges went
/// from 0.087-0.089 to 0.073 s and the whole-graph max-flow from 0.86-0.91 to 0.79-0.86 s
/// (docs/performance.md, run L). The kernel may decline (THP off, no free huge page): the memory is
/// then ordinary pages, and nothing else changes. A freed block is unmapped at once, so its memory
/// goes back to the system instead of staying in the allocator's free lists.
///
/// Smaller blocks, other systems and builds with AddressSanitizer (whose checks need its own
/// allocator) use operator new.

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

namespace chokepoint {

/// Blocks of at least this many bytes are mapped on their own.
inline constexpr std::size_t kLargeBlock = std::size_t{2} << 20;

/// `bytes` of memory aligned for any fundamental type; throws std::bad_alloc.
void* allocate_large(std::size_t bytes);
/// Frees what allocate_large(bytes) returned (the same `bytes`); nullptr is ignored.
void free_large(void* block, std::size_t bytes) noexcept;

/// A std::allocator for allocate_large: `LargeVector<T>` is a std::vector on huge pages.
template <class T>
class LargeAllocator {
 public:
  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "LargeAllocator: over-aligned type");
  using value_type = T;

  LargeAllocator() noexcept = default;
  template <class U>
  LargeAllocator(const LargeAllocator<U>& /*other*/) noexcept {}  // NOLINT(google-explicit-constructor)

  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(allocate_large(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { free_large(p, n * sizeof(T)); }

  template <class U>
  friend bool operator==(const LargeAllocator& /*a*/, const LargeAllocator<U>& /*b*/) noexcept {
    return true;
  }
};

template <class T>
using LargeVector = std::vector<T, LargeAllocator<T>>;

/// A fixed-size array of trivial values on allocate_large, left uninitialised (as
/// std::make_unique_for_overwrite<T[]>): for buffers whose every entry is written before it is read.
template <class T>
class LargeArray {
 public:
  static_assert(std::is_trivially_default_constructible_v<T> && std::is_trivially_destructible_v<T>,
                "LargeArray: trivial types only");

  LargeArray() = default;
  explicit LargeArray(std::size_t n)
      : data_(n == 0 ? nullptr : LargeAllocator<T>().allocate(n)), size_(n) {}
  LargeArray(LargeArray&& other) noexcept : data_(other.data_), size_(other.size_) {
    other.data_ = nullptr;
    other.size_ = 0;
  }
  LargeArray& operator=(LargeArray&& other) noexcept {
    if (this != &other) {
      release();
      data_ = other.data_;
      size_ = other.size_;
      other.data_ = nullptr;
      other.size_ = 0;
    }
    return *this;
  }
  LargeArray(const LargeArray&) = delete;
  LargeArray& operator=(const LargeArray&) = delete;
  ~LargeArray() { release(); }

  [[nodiscard]] T* get() const { return data_; }
  [[nodiscard]] std::size_t size() const { return size_; }
  T& operator[](std::size_t i) const { return data_[i]; }

 private:
  void release() noexcept {
    if (data_ != nullptr) LargeAllocator<T>().deallocate(data_, size_);
    data_ = nullptr;
    size_ = 0;
  }
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace chokepoint
