#pragma once
/// The origin tracer's store of rows (flow_trace.cpp); here to be tested on its own.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "chokepoint/model/dataset.hpp"

namespace chokepoint::flow_detail {

/// The rows an element's trace must keep while it runs, in one store of a few large blocks with
/// keys and shares apart: 12 bytes an entry where a vector per row took 16 and a heap block (at
/// 10^6 facilities, 8 million entries in 600,000 rows: the trace's peak was 250 MiB over the
/// flow's). Blocks are kept from one element to the next.
class RowStore {
 public:
  struct Ref {
    std::uint32_t block = 0;
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
  };

  /// Blocks of `block` entries (a longer row gets a block of its own length).
  explicit RowStore(std::size_t block = std::size_t{1} << 16) : block_size_(std::max<std::size_t>(block, 1)) {}

  /// Forgets every row; keeps the blocks.
  void clear() {
    block_ = 0;
    used_ = 0;
  }

  /// Stores a row (keys and shares of one length) at `into`: in place when no longer than the row
  /// there, else at the end.
  void put(Ref& into, std::span<const Index> keys, std::span<const double> shares) {
    const auto n = static_cast<std::uint32_t>(keys.size());
    if (n > into.size) {
      if (block_ < blocks_.size() && used_ + n > blocks_[block_].capacity) {
        ++block_;
        used_ = 0;
      }
      while (block_ < blocks_.size() && n > blocks_[block_].capacity) ++block_;   // a rare long row
      if (block_ == blocks_.size()) {
        const std::size_t capacity = std::max<std::size_t>(block_size_, n);
        blocks_.push_back({std::unique_ptr<Index[]>(new Index[capacity]),
                           std::unique_ptr<double[]>(new double[capacity]), capacity});
      }
      into.block = static_cast<std::uint32_t>(block_);
      into.offset = used_;
      used_ += n;
    }
    into.size = n;
    if (n == 0) return;   // no block to touch (there may be none yet)
    const Block& b = blocks_[into.block];
    std::copy(keys.begin(), keys.end(), b.keys.get() + into.offset);
    std::copy(shares.begin(), shares.end(), b.shares.get() + into.offset);
  }

  /// A stored row's keys and shares; empty for a row never stored.
  [[nodiscard]] std::span<const Index> keys(const Ref& r) const {
    return r.size == 0 ? std::span<const Index>{} : std::span<const Index>(blocks_[r.block].keys.get() + r.offset, r.size);
  }
  [[nodiscard]] std::span<const double> shares(const Ref& r) const {
    return r.size == 0 ? std::span<const double>{}
                       : std::span<const double>(blocks_[r.block].shares.get() + r.offset, r.size);
  }

 private:
  struct Block {
    std::unique_ptr<Index[]> keys;
    std::unique_ptr<double[]> shares;
    std::size_t capacity = 0;
  };
  std::size_t block_size_;
  std::vector<Block> blocks_;
  std::size_t block_ = 0;
  std::uint32_t used_ = 0;
};

}  // namespace chokepoint::flow_detail
