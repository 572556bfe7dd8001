// The engine's private containers: IdMap, TimerQueue and SmallVec.

#include <gtest/gtest.h>

#include <algorithm>
#include <queue>
#include <random>
#include <unordered_map>
#include <vector>

#include "internal/huge_pages.h"
#include "internal/id_map.h"
#include "internal/small_vec.h"
#include "internal/timer_queue.h"

namespace kefu::routing::internal {
namespace {

// Against std::vector, across the move from inside to the heap and back through copies
// and moves (the agents' records are moved whenever the agent array grows).
TEST(SmallVecTest, MatchesVectorAcrossInlineAndHeap) {
  std::mt19937_64 rng(11);
  SmallVec<int32_t, 4> v;
  std::vector<int32_t> ref;
  for (int i = 0; i < 20'000; ++i) {
    const uint64_t op = rng() % 10;
    if (op < 5 || ref.empty()) {
      const auto x = static_cast<int32_t>(rng());
      v.push_back(x);
      ref.push_back(x);
    } else if (op < 8) {
      // Swap-remove of a random element, as the engine releases a contact.
      const size_t k = rng() % ref.size();
      v[k] = v.back();
      v.pop_back();
      ref[k] = ref.back();
      ref.pop_back();
    } else if (op == 8) {
      SmallVec<int32_t, 4> copy(v);
      SmallVec<int32_t, 4> moved(std::move(copy));
      EXPECT_TRUE(copy.empty());
      v = moved;
    } else if (rng() % 50 == 0) {
      v.clear();
      ref.clear();
    }
    ASSERT_EQ(v.size(), ref.size());
    ASSERT_TRUE(std::equal(v.begin(), v.end(), ref.begin(), ref.end()));
  }
  SmallVec<int32_t, 4> small;
  small.assign(3, 7);
  EXPECT_EQ(small.HeapBytes(), 0u);
  small.assign(9, 8);
  EXPECT_EQ(small.size(), 9u);
  EXPECT_GE(small.HeapBytes(), 9 * sizeof(int32_t));
  EXPECT_EQ(small.back(), 8);
  std::vector<SmallVec<int32_t, 4>> many(3);
  for (int i = 0; i < 1000; ++i) {
    many[0].push_back(i);
    many.emplace_back();  // reallocations move the elements, inline or not
  }
  EXPECT_EQ(many[0].size(), 1000u);
  EXPECT_EQ(many[0][999], 999);
}

// Blocks of every size class and beyond are 64-byte aligned, do not overlap, keep what is
// written to them, and come back for reuse once released.
TEST(HugePagesTest, BlocksAreAlignedDisjointAndReused) {
  std::mt19937_64 rng(5);
  struct Block {
    unsigned char* p;
    size_t bytes;
    unsigned char fill;
  };
  std::vector<Block> live;
  for (int i = 0; i < 3000; ++i) {
    if (!live.empty() && rng() % 3 == 0) {
      const size_t k = rng() % live.size();
      const Block b = live[k];
      for (size_t j = 0; j < b.bytes; j += 61) {
        ASSERT_EQ(b.p[j], b.fill) << "block of " << b.bytes << " bytes overwritten";
      }
      HugeDeallocate(b.p, b.bytes);
      live[k] = live.back();
      live.pop_back();
      continue;
    }
    // Mostly small, now and then past the 1 MiB classes.
    const size_t bytes = rng() % 50 == 0 ? (1u << 20) + rng() % (3u << 20) : 1 + rng() % 5000;
    auto* p = static_cast<unsigned char*>(HugeAllocate(bytes));
    ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
    const auto fill = static_cast<unsigned char>(rng());
    std::fill_n(p, bytes, fill);
    live.push_back({p, bytes, fill});
  }
  for (const Block& b : live) {
    for (size_t j = 0; j < b.bytes; j += 61) {
      ASSERT_EQ(b.p[j], b.fill);
    }
    HugeDeallocate(b.p, b.bytes);
  }
  // A released block of a class is the next one handed out for it (outside ASan).
  void* a = HugeAllocate(200);
  HugeDeallocate(a, 200);
  void* b = HugeAllocate(250);
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_EQ(b, a);  // same class (256 bytes): the free list gives the block back
#endif
  HugeDeallocate(b, 250);
  HugeVector<int64_t> v(100'000, 7);  // through the allocator, as the engine's arrays
  v.resize(300'000, 8);
  EXPECT_EQ(v[99'999], 7);
  EXPECT_EQ(v[299'999], 8);
}

TEST(IdMapTest, InsertFindErase) {
  IdMap m;
  EXPECT_EQ(m.Find(42), -1);
  m.Insert(42, 7);
  EXPECT_EQ(m.Find(42), 7);
  EXPECT_TRUE(m.Erase(42));
  EXPECT_FALSE(m.Erase(42));
  EXPECT_EQ(m.Find(42), -1);
  EXPECT_EQ(m.size(), 0u);
}

// Random churn against std::unordered_map: backward-shift deletion keeps every probe run
// intact, including runs that wrap around the end of the table.
TEST(IdMapTest, MatchesUnorderedMapUnderChurn) {
  std::mt19937_64 rng(7);
  IdMap m;
  std::unordered_map<int64_t, int32_t> ref;
  for (int i = 0; i < 200'000; ++i) {
    const int64_t key = static_cast<int64_t>(rng() % 5000) * 4096;  // clustered low bits
    if (rng() % 3 == 0) {
      EXPECT_EQ(m.Erase(key), ref.erase(key) == 1);
    } else if (ref.find(key) == ref.end()) {
      const int32_t v = static_cast<int32_t>(rng() % 1'000'000);
      m.Insert(key, v);
      ref[key] = v;
    }
    if (i % 1000 == 0) {
      for (const auto& [k, v] : ref) {
        ASSERT_EQ(m.Find(k), v);
      }
    }
  }
  EXPECT_EQ(m.size(), ref.size());
}

// Against one binary heap: lanes must not change the order, whatever mix of fixed and
// arbitrary durations, lane reuse and interleaved pops.
TEST(TimerQueueTest, SameOrderAsOneHeap) {
  std::mt19937_64 rng(3);
  TimerQueue q;
  auto later = [](const Timer& a, const Timer& b) { return Earlier(b, a); };
  std::priority_queue<Timer, std::vector<Timer>, decltype(later)> ref(later);
  const int64_t durations[] = {20'000, 10'000, 60'000, 0, 5};
  int64_t now = 1'000'000;
  uint64_t seq = 0;
  for (int i = 0; i < 200'000; ++i) {
    const uint64_t r = rng() % 10;
    if (r < 6) {
      Timer t;
      t.seq = ++seq;
      t.slot = static_cast<int32_t>(i);
      t.due = r < 4 ? now + durations[rng() % 5]
                    : now - 50 + static_cast<int64_t>(rng() % 100'000);  // any due
      q.Push(t, now);
      ref.push(t);
    } else if (r < 9 && !ref.empty()) {
      ASSERT_EQ(q.NextDue(), ref.top().due);
      const Timer got = q.Pop();
      ASSERT_EQ(got.seq, ref.top().seq) << "pop " << i;
      ref.pop();
    } else {
      now += static_cast<int64_t>(rng() % 3000);
    }
    ASSERT_EQ(q.size(), ref.size());
  }
  EXPECT_TRUE(q.Consistent());
  while (!ref.empty()) {
    ASSERT_EQ(q.Pop().seq, ref.top().seq);
    ref.pop();
  }
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.NextDue(), std::numeric_limits<int64_t>::max());
}

}  // namespace
}  // namespace kefu::routing::internal
