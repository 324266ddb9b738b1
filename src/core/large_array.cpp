#include "chokepoint/core/large_array.hpp"

#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

// AddressSanitizer checks only what its own allocator hands out: under it, every block comes from
// operator new, so that overruns of these arrays are still caught.
#if defined(__SANITIZE_ADDRESS__)
#define CHOKEPOINT_LARGE_MAPPINGS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHOKEPOINT_LARGE_MAPPINGS 0
#endif
#endif
#if !defined(CHOKEPOINT_LARGE_MAPPINGS)
#if defined(__linux__)
#define CHOKEPOINT_LARGE_MAPPINGS 1
#else
#define CHOKEPOINT_LARGE_MAPPINGS 0
#endif
#endif

namespace chokepoint {

#if CHOKEPOINT_LARGE_MAPPINGS

namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

std::size_t round_up(std::size_t n) { return (n + kHugePage - 1) / kHugePage * kHugePage; }

}  // namespace

void* allocate_large(std::size_t bytes) {
  if (bytes < kLargeBlock) return ::operator new(bytes);
  if (bytes > static_cast<std::size_t>(-1) - 2 * kHugePage) throw std::bad_alloc();
  // Map one huge page more than needed and give back the ends, so that the block starts on a
  // huge-page boundary and every one of its huge pages can be backed by one.
  const std::size_t size = round_up(bytes);
  void* raw = ::mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto begin = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t start = (begin + kHugePage - 1) / kHugePage * kHugePage;
  const std::uintptr_t end = begin + size + kHugePage;
  if (start > begin) ::munmap(raw, start - begin);
  if (end > start + size) ::munmap(reinterpret_cast<void*>(start + size), end - (start + size));
  void* block = reinterpret_cast<void*>(start);
  // A hint: where the kernel has no transparent huge pages this fails, and the block is ordinary.
  (void)::madvise(block, size, MADV_HUGEPAGE);
  return block;
}

void free_large(void* block, std::size_t bytes) noexcept {
  if (block == nullptr) return;
  if (bytes < kLargeBlock) {
    ::operator delete(block);
    return;
  }
  ::munmap(block, round_up(bytes));
}

#else

void* allocate_large(std::size_t bytes) { return ::operator new(bytes); }

void free_large(void* block, std::size_t /*bytes*/) noexcept { ::operator delete(block); }

#endif

}  // namespace chokepoint
