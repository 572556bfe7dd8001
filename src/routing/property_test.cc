// The property test of issue #4: a long random stream of commands over many agents and
// queues, with every invariant checked after every step, and the replay test.

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>

#include "kefu/routing/engine.h"
#include "test_util.h"
#include "workload.h"

namespace kefu::routing {
namespace {

using testing::Apply;
using testing::Op;
using testing::Workload;

constexpr uint64_t kSeed = 20260105;

// After every command: the engine's structure and brute-force invariants (no contact
// offered twice, no agent over capacity, no waiting contact an available eligible agent
// could take, ring stages current, timers armed), every offer verified against a brute-force
// search (priority order, agent order, aging bound: no starvation), and, from the events
// alone, no contact offered to two agents and no agent over capacity.
TEST(RoutingPropertyTest, InvariantsHoldAfterEveryStep) {
  constexpr int kOps = 120'000;
  FakeClock clock(kMonday10);
  EngineOptions options;
  options.verify_decisions = true;
  auto engine = NewEngine(&clock, options);
  Workload w(kSeed, {});
  for (const Op& op : w.Setup(clock.NowMs())) {
    KEFU_ASSERT_OK(Apply(*engine, clock, op));
  }
  ASSERT_EQ(w.Observe(engine->events()), "");
  engine->ClearEvents();
  std::array<int64_t, Op::kKindCount> ok{};
  std::array<int64_t, Op::kKindCount> failed{};
  int64_t max_waiting = 0;
  std::array<int64_t, 32> event_counts{};
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kOps; ++i) {
    const Op op = w.Next(*engine);
    const Status s = Apply(*engine, clock, op);
    ++(s.ok() ? ok : failed)[op.kind];
    for (const Event& ev : engine->events()) {
      ++event_counts[static_cast<int>(ev.type)];
    }
    const std::string bad = w.Observe(engine->events());
    ASSERT_EQ(bad, "") << "step " << i << " op " << op.kind;
    engine->ClearEvents();
    const Status inv = engine->CheckInvariants();
    ASSERT_TRUE(inv.ok()) << "step " << i << " op " << op.kind << ": " << inv.ToString();
    if (i % 1000 == 0) {
      ASSERT_EQ(w.CompareLoads(*engine), "") << "step " << i;
    }
    max_waiting = std::max(max_waiting, engine->Stats().waiting);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const EngineStats stats = engine->Stats();
  std::printf(
      "property test: %d operations in %.2f s, %lld offers, %lld decisions verified, "
      "up to %lld waiting, %.1f h of virtual time\n",
      kOps, seconds, static_cast<long long>(w.offers()),
      static_cast<long long>(stats.verified_decisions), static_cast<long long>(max_waiting),
      static_cast<double>(w.now() - kMonday10) / 3.6e6);
  std::printf("  events by type:");
  for (int t = 0; t <= static_cast<int>(EventType::kPositionChanged); ++t) {
    std::printf(" %s:%lld", std::string(EventTypeName(static_cast<EventType>(t))).c_str(),
                static_cast<long long>(event_counts[t]));
  }
  std::printf("\n");
  std::printf("  commands ok/failed by kind:");
  for (int k = 0; k < Op::kKindCount; ++k) {
    std::printf(" %d:%lld/%lld", k, static_cast<long long>(ok[k]),
                static_cast<long long>(failed[k]));
  }
  std::printf("\n");
  // Every kind of command ran, and most of them succeeded at least once.
  for (int k : {Op::kEnqueue,      Op::kAccept,        Op::kDecline,         Op::kTimeout,
                Op::kComplete,     Op::kAbandon,       Op::kCallback,        Op::kState,
                Op::kWrapUpDone,   Op::kTransferAgent, Op::kTransferQueue,   Op::kEscalate,
                Op::kConsultAgent, Op::kConsultQueue,  Op::kConsultComplete, Op::kConsultCancel,
                Op::kLogin,        Op::kLogout,        Op::kConfigureAgent,  Op::kConfigureQueue,
                Op::kRemoveQueue,  Op::kAddQueue}) {
    EXPECT_GT(ok[k], 0) << "op kind " << k << " never succeeded (" << failed[k] << " failed)";
  }
  EXPECT_GT(stats.verified_decisions, 20'000);
  // The newer rules were exercised: announcements, position updates, after-hours actions
  // (on arrival and on moves into the closed queue).
  EXPECT_GT(event_counts[static_cast<int>(EventType::kAnnounced)], 0);
  EXPECT_GT(event_counts[static_cast<int>(EventType::kPositionChanged)], 0);
  EXPECT_GT(event_counts[static_cast<int>(EventType::kAfterHours)], 0);
}

// The same commands on the same clock give the same decisions.
TEST(RoutingReplayTest, SameCommandsSameEvents) {
  constexpr int kOps = 30'000;
  FakeClock clock_a(kMonday10);
  auto a = NewEngine(&clock_a);
  Workload w(kSeed + 1, {});
  std::vector<Op> ops = w.Setup(clock_a.NowMs());
  std::vector<Event> events_a;
  std::vector<bool> status_a;
  for (const Op& op : ops) {
    KEFU_ASSERT_OK(Apply(*a, clock_a, op));
  }
  for (int i = 0; i < kOps; ++i) {
    ops.push_back(w.Next(*a));
    status_a.push_back(Apply(*a, clock_a, ops.back()).ok());
    w.Observe(a->events());
  }
  events_a = a->TakeEvents();

  FakeClock clock_b(kMonday10);
  auto b = NewEngine(&clock_b);
  std::vector<bool> status_b;
  for (size_t i = 0; i < ops.size(); ++i) {
    const bool okb = Apply(*b, clock_b, ops[i]).ok();
    if (i >= ops.size() - kOps) {
      status_b.push_back(okb);
    }
  }
  const std::vector<Event> events_b = b->TakeEvents();
  EXPECT_EQ(status_a, status_b);
  ASSERT_EQ(events_a.size(), events_b.size());
  for (size_t i = 0; i < events_a.size(); ++i) {
    ASSERT_EQ(events_a[i], events_b[i])
        << "event " << i << ": " << Describe(events_a[i]) << " vs " << Describe(events_b[i]);
  }
  EXPECT_GT(events_a.size(), 30'000u);
  EXPECT_EQ(a->Snapshot(), b->Snapshot());
}

// Aging prevents starvation: one agent, a steady flood of gold customers, and one standard
// customer who came first. With aging the standard one is served once its wait outweighs
// the gold bonus; without aging it would wait as long as the flood lasts.
int64_t StandardWaitUnderGoldFlood(int aging_per_minute) {
  FakeClock clock(kMonday10);
  auto e = NewEngine(&clock);
  QueueConfig cfg;
  cfg.tier_priority = {0, 10, 20, 30};
  cfg.aging_per_minute = aging_per_minute;
  KEFU_CHECK(e->AddQueue(1, cfg).ok());
  KEFU_CHECK(e->AddAgent(10, {}).ok());
  KEFU_CHECK(e->LoginAgentToQueue(10, 1).ok());
  KEFU_CHECK(e->SetAgentState(10, AgentState::kBreak, kReasonMeeting).ok());
  ContactSpec c;
  c.id = 1;
  c.queue = 1;
  KEFU_CHECK(e->Enqueue(c).ok());
  c.tier = Tier::kGold;
  for (int g = 0; g < 3; ++g) {  // a backlog of gold customers
    c.id = 100 + g;
    KEFU_CHECK(e->Enqueue(c).ok());
  }
  KEFU_CHECK(e->SetAgentState(10, AgentState::kAvailable).ok());
  const int64_t t0 = clock.NowMs();
  ContactId next = 1000;
  for (int minute = 0; minute < 120; ++minute) {
    // Two gold arrivals per minute, one contact served per minute.
    for (int k = 0; k < 2; ++k) {
      c.id = next++;
      KEFU_CHECK(e->Enqueue(c).ok());
    }
    auto agent = e->GetAgent(10);
    const ContactId served = agent->contacts.at(0);
    if (served == 1) {
      return clock.NowMs() - t0;
    }
    KEFU_CHECK(e->Accept(10, served).ok());
    clock.AdvanceMs(60'000);
    KEFU_CHECK(e->Complete(10, served).ok());
    KEFU_CHECK(e->CheckInvariants().ok());
  }
  return -1;  // still waiting after two hours
}

TEST(RoutingPropertyTest, AgingPreventsStarvation) {
  const int64_t with_aging = StandardWaitUnderGoldFlood(1);
  EXPECT_GT(with_aging, 0);
  // Gold's 10 points are worth 10 minutes of waiting: the standard customer is served
  // before any gold customer who came more than 10 minutes after it. Ahead of it are the
  // 3 gold in the backlog and the 2 per minute of those 10 minutes: 23 minutes of service.
  EXPECT_LE(with_aging, 23 * 60'000);
  EXPECT_EQ(StandardWaitUnderGoldFlood(0), -1);
}

}  // namespace
}  // namespace kefu::routing
