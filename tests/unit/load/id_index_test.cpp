// IdIndex against std::unordered_map: ids short and long (sharing their first 16 bytes), repeats,
// ids that are absent, and growth through many rehashes.
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

#include "chokepoint/load/id_index.hpp"

namespace chokepoint {
namespace {

std::string random_id(std::mt19937& rng) {
  static const std::string prefixes[] = {"", "f-", "facility-with-a-long-prefix-", "0123456789abcdef"};
  std::string id = prefixes[rng() % 4];
  const int tail = static_cast<int>(rng() % 6);
  for (int i = 0; i < tail; ++i) id += static_cast<char>('a' + rng() % 3);
  return id;
}

TEST(IdIndex, AgreesWithUnorderedMap) {
  std::mt19937 rng(11);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::string> ids(1 + rng() % 3000);
    for (auto& id : ids) id = random_id(rng);
    IdIndex index;
    if (round % 2 == 0) index.reserve(ids.size());
    std::unordered_map<std::string, Index> reference;
    std::vector<std::string_view> order;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      auto [value, inserted] = index.insert(ids[i], static_cast<Index>(i));
      auto [it, fresh] = reference.emplace(ids[i], static_cast<Index>(i));
      ASSERT_EQ(inserted, fresh) << ids[i];
      ASSERT_EQ(value, it->second) << ids[i];
      if (fresh) order.push_back(ids[i]);
    }
    EXPECT_EQ(index.size(), reference.size());
    EXPECT_EQ(index.ids(), order);
    for (int probe = 0; probe < 2000; ++probe) {
      const std::string id = random_id(rng);
      const auto it = reference.find(id);
      index.prefetch(id);
      EXPECT_EQ(index.find(id), it == reference.end() ? kNone : it->second) << id;
    }
  }
}

TEST(IdIndex, EmptyFindsNothing) {
  const IdIndex index;
  EXPECT_EQ(index.find("x"), kNone);
  EXPECT_EQ(index.find(""), kNone);
  index.prefetch("x");
  EXPECT_EQ(index.size(), 0u);
}

}  // namespace
}  // namespace chokepoint
