#include "kefu/core/id.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>
#include <vector>

namespace kefu {
namespace {

TEST(IdTest, EncodesTimeAndNode) {
  FakeClock clock;
  IdGenerator gen(&clock, 7);
  int64_t id = gen.Next();
  EXPECT_GT(id, 0);
  EXPECT_EQ(IdGenerator::TimestampMs(id), clock.NowMs());
  EXPECT_EQ(IdGenerator::NodeId(id), 7);
  EXPECT_LE(IdGenerator::MinIdAt(clock.NowMs()), id);
  EXPECT_GT(IdGenerator::MinIdAt(clock.NowMs() + 1), id);
}

TEST(IdTest, StrictlyIncreasingWithinOneMillisecond) {
  FakeClock clock;
  IdGenerator gen(&clock, 1);
  int64_t prev = gen.Next();
  // More than 4096 in one millisecond: the generator borrows the next millisecond.
  for (int i = 0; i < 10000; ++i) {
    int64_t id = gen.Next();
    ASSERT_GT(id, prev);
    prev = id;
  }
}

TEST(IdTest, MonotonicWhenTheClockStepsBack) {
  FakeClock clock;
  IdGenerator gen(&clock, 1);
  int64_t a = gen.Next();
  clock.AdvanceMs(-5000);
  int64_t b = gen.Next();
  EXPECT_GT(b, a);
  clock.AdvanceMs(10000);
  int64_t c = gen.Next();
  EXPECT_GT(c, b);
  EXPECT_EQ(IdGenerator::TimestampMs(c), clock.NowMs());
}

TEST(IdTest, TwoNodesNeverCollide) {
  FakeClock clock;
  IdGenerator a(&clock, 1);
  IdGenerator b(&clock, 2);
  std::set<int64_t> seen;
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(seen.insert(a.Next()).second);
    ASSERT_TRUE(seen.insert(b.Next()).second);
  }
}

TEST(IdTest, UniqueAcrossThreads) {
  SystemClock clock;
  IdGenerator gen(&clock, 3);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20000;
  std::vector<std::vector<int64_t>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        ids[t].push_back(gen.Next());
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  std::vector<int64_t> all;
  for (auto& v : ids) {
    EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
    all.insert(all.end(), v.begin(), v.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
}

TEST(IdTest, NodeIdValidation) {
  EXPECT_TRUE(IdGenerator::CheckNodeId(0).ok());
  EXPECT_TRUE(IdGenerator::CheckNodeId(1023).ok());
  EXPECT_EQ(IdGenerator::CheckNodeId(1024).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(IdGenerator::CheckNodeId(-1).status().code(), StatusCode::kInvalidArgument);
}

TEST(ClockTest, FakeClockMovesOnlyWhenTold) {
  FakeClock clock(1000);
  EXPECT_EQ(clock.NowMs(), 1000);
  clock.AdvanceMs(250);
  EXPECT_EQ(clock.NowMs(), 1250);
  clock.SetMs(5);
  EXPECT_EQ(clock.NowMs(), 5);
  EXPECT_GT(SystemClock::Get()->NowMs(), 1'700'000'000'000);
}

}  // namespace
}  // namespace kefu
