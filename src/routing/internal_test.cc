// The engine's private containers: IdMap and TimerQueue.

#include <gtest/gtest.h>

#include <queue>
#include <random>
#include <unordered_map>
#include <vector>

#include "internal/id_map.h"
#include "internal/timer_queue.h"

namespace kefu::routing::internal {
namespace {

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
