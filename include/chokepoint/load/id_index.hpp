#pragma once
/// Ids to indexes for resolving references: a flat open-addressing table (linear probing) whose
/// slots hold an id's first 16 bytes, its length and its hash, so that finding an id of up to 16
/// characters reads one slot and nothing else. A million-facility dataset resolves about eight
/// million references; with std::unordered_map each one chased a bucket, a node and a key,
/// which made resolving a fifth of loading the whole dataset.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

#include "chokepoint/model/dataset.hpp"

namespace chokepoint {

class IdIndex {
 public:
  /// Makes room for `count` ids without rehashing.
  void reserve(std::size_t count) {
    std::size_t capacity = 16;
    while (capacity * 7 < count * 10) capacity *= 2;   // load factor at most 0.7
    if (capacity > slots_.size()) rehash(capacity);
    keys_.reserve(count);
  }

  /// Adds `id` -> `value` unless the id is there; returns the value it has and whether it was
  /// added. The id is viewed, not copied: its text must outlive the index.
  std::pair<Index, bool> insert(std::string_view id, Index value) {
    if ((keys_.size() + 1) * 10 > slots_.size() * 7) rehash(std::max<std::size_t>(16, slots_.size() * 2));
    const std::uint64_t h = hash(id);
    for (std::size_t s = h & mask_;; s = (s + 1) & mask_) {
      Slot& slot = slots_[s];
      if (slot.value == kNone) {
        fill(slot, id, h, value);
        keys_.push_back(id);
        return {value, true};
      }
      if (matches(slot, id, h)) return {slot.value, false};
    }
  }

  /// The value of `id`, or kNone.
  [[nodiscard]] Index find(std::string_view id) const {
    if (slots_.empty()) return kNone;
    const std::uint64_t h = hash(id);
    for (std::size_t s = h & mask_;; s = (s + 1) & mask_) {
      const Slot& slot = slots_[s];
      if (slot.value == kNone) return kNone;
      if (matches(slot, id, h)) return slot.value;
    }
  }

  /// Starts loading the slot where `id` would be, for a find() a little later.
  void prefetch(std::string_view id) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash(id) & mask_]);
  }

  /// Every id, in the order they were added.
  [[nodiscard]] const std::vector<std::string_view>& ids() const { return keys_; }
  [[nodiscard]] std::size_t size() const { return keys_.size(); }

 private:
  static constexpr std::size_t kPrefix = 16;
  struct Slot {
    char prefix[kPrefix];     // the id's first bytes, zero-padded
    std::uint32_t length;
    std::uint32_t hash_high;  // the hash's upper half: most mismatches end here
    std::uint32_t key;        // position in keys_, for ids longer than the prefix
    Index value = kNone;      // kNone: empty slot
  };

  static std::uint64_t hash(std::string_view id) { return std::hash<std::string_view>{}(id); }

  void fill(Slot& slot, std::string_view id, std::uint64_t h, Index value) const {
    std::memset(slot.prefix, 0, kPrefix);
    std::memcpy(slot.prefix, id.data(), std::min(id.size(), kPrefix));
    slot.length = static_cast<std::uint32_t>(id.size());
    slot.hash_high = static_cast<std::uint32_t>(h >> 32);
    slot.key = static_cast<std::uint32_t>(keys_.size());
    slot.value = value;
  }

  bool matches(const Slot& slot, std::string_view id, std::uint64_t h) const {
    if (slot.hash_high != static_cast<std::uint32_t>(h >> 32) || slot.length != id.size()) return false;
    if (std::memcmp(slot.prefix, id.data(), std::min(id.size(), kPrefix)) != 0) return false;
    return id.size() <= kPrefix || keys_[slot.key] == id;
  }

  void rehash(std::size_t capacity) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (const Slot& slot : old) {
      if (slot.value == kNone) continue;
      const std::uint64_t h = hash(keys_[slot.key]);
      std::size_t s = h & mask_;
      while (slots_[s].value != kNone) s = (s + 1) & mask_;
      slots_[s] = slot;
    }
  }

  std::vector<Slot> slots_;
  std::vector<std::string_view> keys_;
  std::size_t mask_ = 0;
};

}  // namespace chokepoint
