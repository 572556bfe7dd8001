// Snapshot and restore: a restarted engine keeps queue positions and, fed the same
// commands, makes the same decisions as the one that never stopped.

#include <gtest/gtest.h>

#include <random>

#include "kefu/routing/engine.h"
#include "test_util.h"
#include "workload.h"

namespace kefu::routing {
namespace {

using testing::Apply;
using testing::Op;
using testing::Workload;

std::vector<std::vector<WaitInfo>> Positions(const Engine& e, int queues) {
  std::vector<std::vector<WaitInfo>> out;
  for (int q = 1; q <= queues; ++q) {
    auto waits = e.GetQueueWaitInfo(q);  // NotFound while the workload removed it
    out.push_back(waits.ok() ? *waits : std::vector<WaitInfo>{});
  }
  return out;
}

bool SameWaits(const std::vector<std::vector<WaitInfo>>& a,
               const std::vector<std::vector<WaitInfo>>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t q = 0; q < a.size(); ++q) {
    if (a[q].size() != b[q].size()) {
      return false;
    }
    for (size_t i = 0; i < a[q].size(); ++i) {
      if (a[q][i].contact != b[q][i].contact || a[q][i].position != b[q][i].position ||
          a[q][i].ewt_ms != b[q][i].ewt_ms) {
        return false;
      }
    }
  }
  return true;
}

TEST(RoutingSnapshotTest, RestoreKeepsPositionsAndDecisions) {
  FakeClock clock_a(kMonday10);
  auto a = NewEngine(&clock_a);
  Workload w(99, {});
  for (const Op& op : w.Setup(clock_a.NowMs())) {
    KEFU_ASSERT_OK(Apply(*a, clock_a, op));
  }
  for (int i = 0; i < 15'000; ++i) {
    (void)Apply(*a, clock_a, w.Next(*a));
    w.Observe(a->events());
    a->ClearEvents();
  }
  const std::string snapshot = a->Snapshot();
  FakeClock clock_b(clock_a.NowMs());
  auto restored = RestoreEngine(&clock_b, snapshot);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  std::unique_ptr<Engine> b = std::move(restored).value();
  KEFU_ASSERT_OK(b->CheckInvariants());
  EXPECT_EQ(b->Snapshot(), snapshot);
  EXPECT_GT(a->Stats().waiting, 0);
  EXPECT_TRUE(SameWaits(Positions(*a, 12), Positions(*b, 12)));

  for (int i = 0; i < 15'000; ++i) {
    const Op op = w.Next(*a);
    const bool ok_a = Apply(*a, clock_a, op).ok();
    const bool ok_b = Apply(*b, clock_b, op).ok();
    ASSERT_EQ(ok_a, ok_b) << "step " << i;
    w.Observe(a->events());
    ASSERT_TRUE(
        std::equal(a->events().begin(), a->events().end(), b->events().begin(), b->events().end()))
        << "step " << i;
    a->ClearEvents();
    b->ClearEvents();
  }
  EXPECT_EQ(a->Snapshot(), b->Snapshot());
  EXPECT_TRUE(SameWaits(Positions(*a, 12), Positions(*b, 12)));
}

// Queue 1 with agent 10 logged in, still offline.
std::unique_ptr<Engine> OneQueueOneAgent(FakeClock* clock) {
  auto e = NewEngine(clock);
  EXPECT_TRUE(e->AddQueue(1, {}).ok());
  EXPECT_TRUE(e->AddAgent(10, {}).ok());
  EXPECT_TRUE(e->LoginAgentToQueue(10, 1).ok());
  return e;
}

TEST(RoutingSnapshotTest, SmallScenarioKeepsPlaceAcrossRestart) {
  FakeClock clock(kMonday10);
  auto a = OneQueueOneAgent(&clock);
  ContactSpec c;
  c.queue = 1;
  for (ContactId id : {3, 1, 2}) {
    c.id = id;
    KEFU_ASSERT_OK(a->Enqueue(c));
    clock.AdvanceMs(1000);
  }
  auto b = RestoreEngine(&clock, a->Snapshot());
  ASSERT_TRUE(b.ok());
  a.reset();  // the old process is gone
  KEFU_ASSERT_OK((*b)->SetAgentState(10, AgentState::kAvailable));
  EXPECT_EQ((*b)->GetContact(3)->agent, 10);
  EXPECT_EQ((*b)->GetWaitInfo(1)->position, 1);
  EXPECT_EQ((*b)->GetWaitInfo(2)->position, 2);
}

// Version 3 has the fields of version 2, so snapshots written before it still restore; a
// version from a newer engine is refused with both numbers.
TEST(RoutingSnapshotTest, ReadsVersionTwoAndRefusesNewerOnes) {
  FakeClock clock(kMonday10);
  auto a = OneQueueOneAgent(&clock);
  ContactSpec c;
  c.id = 1;
  c.queue = 1;
  KEFU_ASSERT_OK(a->Enqueue(c));
  std::string snap = a->Snapshot();
  const size_t version_at = std::string_view("KEFU-ROUTING-SNAPSHOT").size();
  ASSERT_EQ(snap[version_at], 6);  // 3, zigzag varint
  snap[version_at] = 4;            // 2
  auto old = RestoreEngine(&clock, snap);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ((*old)->GetWaitInfo(1)->position, 1);
  snap[version_at] = 8;  // 4
  auto newer = RestoreEngine(&clock, snap);
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.status().message().find("version 4"), std::string::npos)
      << newer.status().ToString();
}

TEST(RoutingSnapshotTest, CorruptSnapshotsAreErrorsNotCrashes) {
  FakeClock clock(kMonday10);
  auto a = NewEngine(&clock);
  Workload w(5, {.agents = 12, .voice_queues = 3, .chat_queues = 2, .email_queues = 1});
  for (const Op& op : w.Setup(clock.NowMs())) {
    KEFU_ASSERT_OK(Apply(*a, clock, op));
  }
  for (int i = 0; i < 3000; ++i) {
    (void)Apply(*a, clock, w.Next(*a));
  }
  const std::string good = a->Snapshot();
  EXPECT_EQ(RestoreEngine(&clock, "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RestoreEngine(&clock, "hello").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RestoreEngine(&clock, good.substr(0, good.size() / 2)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RestoreEngine(&clock, good + "x").status().code(), StatusCode::kInvalidArgument);
  std::mt19937_64 rng(11);
  int accepted = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bad = good;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      bad[21 + rng() % (bad.size() - 21)] ^= static_cast<char>(1 << (rng() % 8));
    }
    auto r = RestoreEngine(&clock, bad);
    if (r.ok()) {
      ++accepted;  // a flip that lands on a plain value (a time, an id) can be consistent
    } else {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
  EXPECT_LT(accepted, 2000);
}

}  // namespace
}  // namespace kefu::routing
