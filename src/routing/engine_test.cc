// One test (or a few) per rule of issue #4. Every test runs with decision verification on
// and ends with CheckInvariants (RoutingTest::TearDown).

#include "kefu/routing/engine.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace kefu::routing {
namespace {

using AgentsTest = RoutingTest;

// ---- agents -----------------------------------------------------------------------------

TEST_F(AgentsTest, SkillProficiencyDecides) {
  AddQueue(1);
  AddAgent(10, {1}, {{7, 2}});
  AddAgent(11, {1}, {{7, 4}});
  KEFU_ASSERT_OK(Enqueue(100, 1, Tier::kStandard, {{7, 3}}));
  EXPECT_EQ(AgentOf(100), 11);  // 10 idles longer but has level 2 only
  KEFU_ASSERT_OK(Enqueue(101, 1, Tier::kStandard, {{7, 3}}));
  EXPECT_EQ(StateOf(101), ContactState::kWaiting);
  EXPECT_FALSE(e().CanTake(10, 101));
  KEFU_ASSERT_OK(Enqueue(102, 1, Tier::kStandard, {{7, 1}}));
  EXPECT_EQ(AgentOf(102), 10);
  KEFU_ASSERT_OK(Enqueue(103, 1, Tier::kStandard, {{8, 1}}));  // nobody has skill 8
  EXPECT_EQ(StateOf(103), ContactState::kWaiting);
}

TEST_F(AgentsTest, CapacityPerChannelDefaults) {
  AddQueue(1);
  QueueConfig chat;
  chat.channel = Channel::kChat;
  AddQueue(2, chat);
  SetChannel(2, Channel::kChat);
  QueueConfig mail;
  mail.channel = Channel::kEmail;
  AddQueue(3, mail);
  SetChannel(3, Channel::kEmail);
  AddAgent(10, {1});
  AddAgent(20, {2});
  AddAgent(30, {3});
  for (int i = 0; i < 2; ++i) {
    KEFU_ASSERT_OK(Enqueue(100 + i, 1));
  }
  for (int i = 0; i < 5; ++i) {
    KEFU_ASSERT_OK(Enqueue(200 + i, 2));
  }
  for (int i = 0; i < 6; ++i) {
    KEFU_ASSERT_OK(Enqueue(300 + i, 3));
  }
  EXPECT_EQ(e().GetAgent(10)->load[0], 1);  // voice 1
  EXPECT_EQ(e().GetAgent(20)->load[1], 4);  // chat 4
  EXPECT_EQ(e().GetAgent(30)->load[2], 5);  // email 5
  EXPECT_EQ(StateOf(101), ContactState::kWaiting);
  EXPECT_EQ(StateOf(204), ContactState::kWaiting);
  EXPECT_EQ(StateOf(305), ContactState::kWaiting);
  Serve(20, 200);
  EXPECT_EQ(AgentOf(204), 20);
}

TEST_F(AgentsTest, VoiceExcludesChatUnlessConfigured) {
  AddQueue(1);
  QueueConfig chat;
  chat.channel = Channel::kChat;
  AddQueue(2, chat);
  SetChannel(2, Channel::kChat);
  AddAgent(10, {1, 2});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  EXPECT_EQ(AgentOf(100), 10);
  KEFU_ASSERT_OK(Enqueue(200, 2));
  EXPECT_EQ(StateOf(200), ContactState::kWaiting);  // a voice contact excludes chats
  Serve(10, 100);
  EXPECT_EQ(AgentOf(200), 10);
  KEFU_ASSERT_OK(Enqueue(101, 1));
  EXPECT_EQ(StateOf(101), ContactState::kWaiting);  // and a chat excludes voice

  KEFU_ASSERT_OK(e().SetAgentState(10, AgentState::kBreak, kReasonMeal));
  AgentConfig blended;
  blended.chat_with_voice = true;
  AddAgent(11, {1, 2}, {}, blended);
  EXPECT_EQ(AgentOf(101), 11);
  KEFU_ASSERT_OK(Enqueue(201, 2));
  EXPECT_EQ(AgentOf(201), 11);  // voice and chat at once when configured
}

TEST_F(AgentsTest, BreakWithReasonAndOffline) {
  AddQueue(1);
  AddAgent(10, {1});
  Drain();
  KEFU_ASSERT_OK(e().SetAgentState(10, AgentState::kBreak, kReasonMeal));
  auto changes = Of(EventType::kAgentStateChanged);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].detail, static_cast<int>(AgentState::kBreak));
  EXPECT_EQ(changes[0].value, kReasonMeal);
  EXPECT_EQ(e().GetAgent(10)->reason, kReasonMeal);
  KEFU_ASSERT_OK(Enqueue(100, 1));
  EXPECT_EQ(StateOf(100), ContactState::kWaiting);
  EXPECT_EQ(e().GetQueueStats(1)->staffed, 1);
  EXPECT_EQ(e().GetQueueStats(1)->ready, 0);
  KEFU_ASSERT_OK(e().SetAgentState(10, AgentState::kAvailable));
  EXPECT_EQ(AgentOf(100), 10);
  KEFU_ASSERT_OK(e().Accept(10, 100));
  EXPECT_EQ(e().SetAgentState(10, AgentState::kOffline).code(), StatusCode::kFailedPrecondition);
  // A break while connected is fine: the customer stays, no new offers.
  KEFU_ASSERT_OK(e().SetAgentState(10, AgentState::kBreak, kReasonTraining));
  KEFU_ASSERT_OK(e().Complete(10, 100));
  KEFU_ASSERT_OK(e().SetAgentState(10, AgentState::kOffline));
  EXPECT_EQ(e().GetQueueStats(1)->staffed, 0);
  KEFU_ASSERT_OK(Enqueue(101, 1));
  EXPECT_EQ(e().GetWaitInfo(101)->ewt_ms, kEwtUnbounded);
}

TEST_F(AgentsTest, BreakRescindsPendingOffers) {
  AddQueue(1);
  AddAgent(10, {1});
  AddAgent(11, {1});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  EXPECT_EQ(AgentOf(100), 10);
  KEFU_ASSERT_OK(e().SetAgentState(10, AgentState::kBreak, kReasonMeeting));
  EXPECT_EQ(Of(EventType::kOfferRescinded).size(), 1u);
  EXPECT_EQ(AgentOf(100), 11);
}

TEST_F(AgentsTest, WrapUpIsTimedPerQueue) {
  QueueConfig cfg;
  cfg.wrap_up_ms = 30'000;
  AddQueue(1, cfg);
  AddQueue(2);  // no wrap-up
  AddAgent(10, {1, 2});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  Serve(10, 100);
  EXPECT_EQ(AgentStateOf(10), AgentState::kWrapUp);
  EXPECT_EQ(e().GetAgent(10)->wrap_up_until_ms, clock_.NowMs() + 30'000);
  KEFU_ASSERT_OK(Enqueue(101, 1));
  EXPECT_EQ(StateOf(101), ContactState::kWaiting);
  Wait(29'999);
  EXPECT_EQ(StateOf(101), ContactState::kWaiting);
  Wait(1);
  EXPECT_EQ(AgentStateOf(10), AgentState::kAvailable);
  EXPECT_EQ(AgentOf(101), 10);
  Serve(10, 101);
  EXPECT_EQ(AgentStateOf(10), AgentState::kWrapUp);
  KEFU_ASSERT_OK(e().WrapUpDone(10));
  EXPECT_EQ(AgentStateOf(10), AgentState::kAvailable);
  EXPECT_EQ(e().WrapUpDone(10).code(), StatusCode::kFailedPrecondition);
  KEFU_ASSERT_OK(Enqueue(200, 2));
  Serve(10, 200);
  EXPECT_EQ(AgentStateOf(10), AgentState::kAvailable);  // queue 2 has no wrap-up
}

TEST_F(AgentsTest, AgentPrefersItsFirstPriorityQueue) {
  AddQueue(1);
  AddQueue(2);
  KEFU_ASSERT_OK(e().AddAgent(10, {}));
  KEFU_ASSERT_OK(e().LoginAgentToQueue(10, 1, 2));
  KEFU_ASSERT_OK(e().LoginAgentToQueue(10, 2, 1));
  KEFU_ASSERT_OK(Enqueue(100, 1));
  Wait(600'000);
  KEFU_ASSERT_OK(Enqueue(200, 2));
  KEFU_ASSERT_OK(e().SetAgentState(10, AgentState::kAvailable));
  EXPECT_EQ(AgentOf(200), 10);  // queue 2 is its priority 1, though 100 waited longer
  Serve(10, 200);
  EXPECT_EQ(AgentOf(100), 10);
}

TEST_F(AgentsTest, QueuePrefersItsFirstPriorityAgents) {
  AddQueue(1);
  KEFU_ASSERT_OK(e().AddAgent(10, {}));
  KEFU_ASSERT_OK(e().LoginAgentToQueue(10, 1, 2));
  KEFU_ASSERT_OK(e().SetAgentState(10, AgentState::kAvailable));
  Wait(60'000);
  KEFU_ASSERT_OK(e().AddAgent(11, {}));
  KEFU_ASSERT_OK(e().LoginAgentToQueue(11, 1, 1));
  KEFU_ASSERT_OK(e().SetAgentState(11, AgentState::kAvailable));
  KEFU_ASSERT_OK(Enqueue(100, 1));
  EXPECT_EQ(AgentOf(100), 11);  // 10 idles longer but is a second-line agent here
  KEFU_ASSERT_OK(Enqueue(101, 1));
  EXPECT_EQ(AgentOf(101), 10);
  EXPECT_EQ(e().GetAgent(10)->queues, (std::vector<std::pair<QueueId, int>>{{1, 2}}));
}

// ---- order ------------------------------------------------------------------------------

class OrderTest : public RoutingTest {
 protected:
  // One agent on break while the contacts arrive; then the order it gets them in.
  std::vector<ContactId> ServeAll() {
    std::vector<ContactId> order;
    KEFU_EXPECT_OK(e().SetAgentState(10, AgentState::kAvailable));
    for (int i = 0; i < 20; ++i) {
      auto agent = e().GetAgent(10);
      if (agent->contacts.empty()) {
        break;
      }
      order.push_back(agent->contacts[0]);
      Serve(10, agent->contacts[0]);
    }
    return order;
  }
  void Setup(QueueConfig cfg) {
    AddQueue(1, cfg);
    AddAgent(10, {1});
    KEFU_ASSERT_OK(e().SetAgentState(10, AgentState::kBreak, kReasonMeeting));
  }
};

TEST_F(OrderTest, StrictClassBeatsAnyWait) {
  QueueConfig cfg;
  cfg.tier_class = {0, 0, 0, 1};  // 私人银行 is a strict class above the rest
  Setup(cfg);
  KEFU_ASSERT_OK(Enqueue(100, 1, Tier::kStandard));
  Wait(3'600'000);
  KEFU_ASSERT_OK(Enqueue(101, 1, Tier::kPrivate));
  EXPECT_EQ(ServeAll(), (std::vector<ContactId>{101, 100}));
}

TEST_F(OrderTest, AgingLetsLongWaitersOvertakeVip) {
  QueueConfig cfg;
  cfg.tier_priority = {0, 10, 20, 30};
  cfg.aging_per_minute = 1;
  Setup(cfg);
  KEFU_ASSERT_OK(Enqueue(100, 1, Tier::kStandard));  // t0
  Wait(11 * 60'000);
  KEFU_ASSERT_OK(Enqueue(101, 1, Tier::kGold));      // t0+11m
  KEFU_ASSERT_OK(Enqueue(102, 1, Tier::kStandard));  // t0+11m
  Wait(5 * 60'000);
  KEFU_ASSERT_OK(Enqueue(103, 1, Tier::kGold));  // t0+16m
  // At t0+16m: 100 = 16, 101 = 10 + 5 = 15, 103 = 10, 102 = 5.
  auto waiting = e().GetQueueWaitInfo(1);
  ASSERT_TRUE(waiting.ok());
  std::vector<ContactId> ids;
  for (const WaitInfo& w : *waiting) {
    ids.push_back(w.contact);
  }
  EXPECT_EQ(ids, (std::vector<ContactId>{100, 101, 103, 102}));
  EXPECT_EQ(ServeAll(), (std::vector<ContactId>{100, 101, 103, 102}));
}

TEST_F(OrderTest, FirstComeFirstServedWithinEqualPriority) {
  Setup({});
  for (ContactId id : {103, 101, 102}) {
    KEFU_ASSERT_OK(Enqueue(id, 1));
  }
  EXPECT_EQ(ServeAll(), (std::vector<ContactId>{103, 101, 102}));
}

TEST_F(OrderTest, ElderlyAndComplaintRules) {
  QueueConfig cfg;
  cfg.elderly_priority = 15;
  cfg.complaint_class = 1;
  Setup(cfg);
  KEFU_ASSERT_OK(Enqueue(100, 1));
  Wait(60'000);
  ContactSpec elderly;
  elderly.id = 101;
  elderly.queue = 1;
  elderly.elderly = true;
  KEFU_ASSERT_OK(Enqueue(elderly));
  ContactSpec complaint;
  complaint.id = 102;
  complaint.queue = 1;
  complaint.complaint = true;
  KEFU_ASSERT_OK(Enqueue(complaint));
  EXPECT_EQ(e().GetContact(102)->priority_class, 1);
  EXPECT_EQ(e().GetContact(101)->base_priority, 15);
  EXPECT_EQ(ServeAll(), (std::vector<ContactId>{102, 101, 100}));
}

TEST_F(OrderTest, IvrBonusRaisesPriority) {
  Setup({});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  ContactSpec urgent;  // e.g. 挂失 (lost card) chosen in the IVR
  urgent.id = 101;
  urgent.queue = 1;
  urgent.priority_bonus = 50;
  KEFU_ASSERT_OK(Enqueue(urgent));
  EXPECT_EQ(ServeAll(), (std::vector<ContactId>{101, 100}));
}

// ---- agent choice -----------------------------------------------------------------------

class ChoiceTest : public RoutingTest {
 protected:
  // Queue 2: chat, least occupied.
  void AddLeastOccupiedChatQueue() {
    QueueConfig cfg;
    cfg.channel = Channel::kChat;
    cfg.strategy = Strategy::kLeastOccupied;
    AddQueue(2, cfg);
    SetChannel(2, Channel::kChat);
  }
};

TEST_F(ChoiceTest, LongestIdleByDefault) {
  AddQueue(1);
  for (AgentId a : {10, 11, 12}) {
    AddAgent(a, {1});
    Wait(1000);
  }
  KEFU_ASSERT_OK(Enqueue(100, 1));
  EXPECT_EQ(AgentOf(100), 10);
  Serve(10, 100);
  Wait(1000);
  KEFU_ASSERT_OK(Enqueue(101, 1));
  EXPECT_EQ(AgentOf(101), 11);
  KEFU_ASSERT_OK(Enqueue(102, 1));
  EXPECT_EQ(AgentOf(102), 12);
  KEFU_ASSERT_OK(Enqueue(103, 1));
  EXPECT_EQ(AgentOf(103), 10);  // released first of the three
}

TEST_F(ChoiceTest, MostSkilled) {
  QueueConfig cfg;
  cfg.strategy = Strategy::kMostSkilled;
  cfg.skills = {{5, 1}};
  AddQueue(1, cfg);
  AddAgent(10, {1}, {{5, 2}});
  AddAgent(11, {1}, {{5, 5}});
  AddAgent(12, {1}, {{5, 3}});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  EXPECT_EQ(AgentOf(100), 11);
  KEFU_ASSERT_OK(Enqueue(101, 1));
  EXPECT_EQ(AgentOf(101), 12);
}

TEST_F(ChoiceTest, LeastOccupied) {
  AddLeastOccupiedChatQueue();
  AgentConfig four;
  AgentConfig two;
  two.capacity = {1, 2, 5};
  AddAgent(10, {2}, {}, four);
  AddAgent(11, {2}, {}, two);
  KEFU_ASSERT_OK(Enqueue(200, 2));
  EXPECT_EQ(AgentOf(200), 10);  // both empty: longest idle
  KEFU_ASSERT_OK(Enqueue(201, 2));
  EXPECT_EQ(AgentOf(201), 11);  // 10 is at 25 %, 11 at 0 %
  KEFU_ASSERT_OK(Enqueue(202, 2));
  EXPECT_EQ(AgentOf(202), 10);  // 25 % < 50 %
}

// A chat agent below capacity stays in the ready lists while it takes and ends chats; its
// entries are not renewed then, so equal occupancy must still go to the longest idle.
TEST_F(ChoiceTest, LeastOccupiedTiesGoToTheLongestIdle) {
  AddLeastOccupiedChatQueue();
  AddAgent(10, {2});  // first in the ready list
  Wait(1000);
  AddAgent(11, {2});
  Wait(1000);
  KEFU_ASSERT_OK(Enqueue(200, 2));
  EXPECT_EQ(AgentOf(200), 10);  // both empty: 10 idle longer
  KEFU_ASSERT_OK(e().Accept(10, 200));
  Wait(1000);
  KEFU_ASSERT_OK(Enqueue(201, 2));
  EXPECT_EQ(AgentOf(201), 11);  // 10 is busier
  KEFU_ASSERT_OK(e().Accept(11, 201));
  Wait(1000);
  KEFU_ASSERT_OK(e().Complete(11, 201));  // 11 idle from now
  Wait(1000);
  KEFU_ASSERT_OK(e().Complete(10, 200));  // 10 idle from now: later
  Wait(1000);
  KEFU_ASSERT_OK(Enqueue(202, 2));
  EXPECT_EQ(AgentOf(202), 11);
  KEFU_ASSERT_OK(e().CheckInvariants());
}

TEST_F(ChoiceTest, RoundRobinKeepsTurnAcrossBreaks) {
  QueueConfig cfg;
  cfg.strategy = Strategy::kRoundRobin;
  AddQueue(1, cfg);
  AddAgent(10, {1});
  AddAgent(11, {1});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  EXPECT_EQ(AgentOf(100), 10);
  Serve(10, 100);
  // A break would send 11 to the back under longest idle; round robin keeps its turn.
  KEFU_ASSERT_OK(e().SetAgentState(11, AgentState::kBreak, kReasonMeal));
  KEFU_ASSERT_OK(e().SetAgentState(11, AgentState::kAvailable));
  KEFU_ASSERT_OK(Enqueue(101, 1));
  EXPECT_EQ(AgentOf(101), 11);
  Serve(11, 101);
  KEFU_ASSERT_OK(Enqueue(102, 1));
  EXPECT_EQ(AgentOf(102), 10);
}

TEST_F(ChoiceTest, SkillRingsWidenWithWaiting) {
  QueueConfig cfg;
  cfg.skills = {{7, 1}};
  cfg.rings = {{0, 4}, {20'000, 2}, {40'000, 1}};
  AddQueue(1, cfg);
  AddAgent(10, {1}, {{7, 2}});
  AddAgent(11, {1}, {{7, 1}});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  EXPECT_EQ(StateOf(100), ContactState::kWaiting);
  EXPECT_EQ(e().GetContact(100)->ring_min_level, 4);
  Wait(19'999);
  EXPECT_EQ(StateOf(100), ContactState::kWaiting);
  Drain();
  Wait(1);
  auto widened = Of(EventType::kRingWidened);
  ASSERT_EQ(widened.size(), 1u);
  EXPECT_EQ(widened[0].detail, 2);
  EXPECT_EQ(AgentOf(100), 10);
  KEFU_ASSERT_OK(e().Accept(10, 100));
  KEFU_ASSERT_OK(Enqueue(101, 1));
  Wait(20'000);  // level 2: 10 is busy, 11 has level 1
  EXPECT_EQ(StateOf(101), ContactState::kWaiting);
  Wait(20'000);  // any level
  EXPECT_EQ(AgentOf(101), 11);
}

TEST_F(ChoiceTest, RingTimersDoNotDependOnTicks) {
  // Without a Tick in between, the next command first runs the due ring step at its time.
  QueueConfig cfg;
  cfg.skills = {{7, 1}};
  cfg.rings = {{0, 3}, {10'000, 1}};
  AddQueue(1, cfg);
  AddAgent(10, {1}, {{7, 1}});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  clock_.AdvanceMs(25'000);
  KEFU_ASSERT_OK(Enqueue(101, 1));
  auto offers = Of(EventType::kOffered);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].contact, 100);
  EXPECT_EQ(offers[0].time_ms, kMonday10 + 10'000);
}

// ---- owners and affinity ----------------------------------------------------------------

using OwnerTest = RoutingTest;

TEST_F(OwnerTest, OwnerFirstWhenAvailable) {
  AddQueue(1);
  AddAgent(10, {1});
  AddAgent(11, {1});
  ContactSpec c;
  c.id = 100;
  c.queue = 1;
  c.owner = 11;
  KEFU_ASSERT_OK(Enqueue(c));
  EXPECT_EQ(AgentOf(100), 11);  // 10 idles longer
}

TEST_F(OwnerTest, WaitsForBusyOwnerThenPool) {
  QueueConfig cfg;
  cfg.owner_wait_ms = 30'000;
  AddQueue(1, cfg);
  AddAgent(11, {1});
  AddAgent(10, {1});
  KEFU_ASSERT_OK(Enqueue(50, 1));
  EXPECT_EQ(AgentOf(50), 11);
  KEFU_ASSERT_OK(e().Accept(11, 50));
  ContactSpec c;
  c.id = 100;
  c.queue = 1;
  c.owner = 11;
  KEFU_ASSERT_OK(Enqueue(c));
  EXPECT_EQ(e().GetContact(100)->waiting_for, 11);
  EXPECT_FALSE(e().CanTake(10, 100));  // 10 is idle, but the customer waits for the owner
  Wait(29'999);
  EXPECT_EQ(StateOf(100), ContactState::kWaiting);
  Wait(1);
  EXPECT_EQ(Of(EventType::kTargetExpired).size(), 1u);
  EXPECT_EQ(AgentOf(100), 10);

  // The owner frees up within the limit and gets the contact.
  c.id = 101;
  KEFU_ASSERT_OK(Enqueue(c));
  Wait(10'000);
  KEFU_ASSERT_OK(e().Complete(11, 50));
  EXPECT_EQ(AgentOf(101), 11);
}

TEST_F(OwnerTest, OfflineOwnerMeansPoolAtOnce) {
  QueueConfig cfg;
  cfg.owner_wait_ms = 30'000;
  AddQueue(1, cfg);
  AddAgent(10, {1});
  KEFU_ASSERT_OK(e().AddAgent(11, {}));  // offline
  ContactSpec c;
  c.id = 100;
  c.queue = 1;
  c.owner = 11;
  KEFU_ASSERT_OK(Enqueue(c));
  EXPECT_EQ(AgentOf(100), 10);
}

TEST_F(OwnerTest, OwnerGoingOfflineReleasesWaiters) {
  QueueConfig cfg;
  cfg.owner_wait_ms = 300'000;
  AddQueue(1, cfg);
  AddAgent(10, {1});
  KEFU_ASSERT_OK(e().AddAgent(11, {}));
  KEFU_ASSERT_OK(e().SetAgentState(11, AgentState::kBreak, kReasonMeal));
  KEFU_ASSERT_OK(Enqueue(50, 1));  // keeps 10 busy
  ContactSpec c;
  c.id = 100;
  c.queue = 1;
  c.owner = 11;
  KEFU_ASSERT_OK(Enqueue(c));
  EXPECT_EQ(e().GetContact(100)->waiting_for, 11);
  KEFU_ASSERT_OK(e().SetAgentState(11, AgentState::kOffline));
  EXPECT_EQ(e().GetContact(100)->waiting_for, 0);
  Serve(10, 50);
  EXPECT_EQ(AgentOf(100), 10);
}

TEST_F(OwnerTest, LastAgentAffinity) {
  QueueConfig cfg;
  cfg.last_agent_first = true;
  cfg.last_agent_wait_ms = 10'000;
  AddQueue(1, cfg);
  AddAgent(10, {1});
  AddAgent(11, {1});
  AddAgent(12, {1});
  ContactSpec c;
  c.id = 100;
  c.queue = 1;
  c.last_agent = 12;
  KEFU_ASSERT_OK(Enqueue(c));
  EXPECT_EQ(AgentOf(100), 12);
  KEFU_ASSERT_OK(e().Accept(12, 100));
  c.id = 101;
  KEFU_ASSERT_OK(Enqueue(c));
  EXPECT_EQ(e().GetContact(101)->waiting_for, 12);
  Wait(10'000);
  EXPECT_EQ(AgentOf(101), 10);
}

// ---- expert escalation ------------------------------------------------------------------

TEST_F(RoutingTest, ExpertEscalationKeepsArrival) {
  AddQueue(1);
  AddQueue(9);  // 专家座席
  AddAgent(10, {1});
  AddAgent(20, {9}, {{3, 5}});
  KEFU_ASSERT_OK(e().SetAgentState(20, AgentState::kBreak, kReasonTraining));
  const int64_t t0 = clock_.NowMs();
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(e().Accept(10, 100));
  Wait(60'000);
  KEFU_ASSERT_OK(Enqueue(900, 9));
  Wait(60'000);
  Drain();
  const SkillRequirement expert_skill[] = {{3, 4}};
  KEFU_ASSERT_OK(e().Escalate(100, 9, expert_skill));
  auto moved = Of(EventType::kTransferred);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].detail, static_cast<int>(TransferMode::kEscalation));
  EXPECT_EQ(moved[0].queue, 9);
  EXPECT_EQ(moved[0].other_queue, 1);
  EXPECT_EQ(moved[0].other_agent, 10);
  EXPECT_EQ(e().GetContact(100)->arrival_ms, t0);
  EXPECT_EQ(e().GetWaitInfo(100)->position, 1);  // ahead of 900, which came later
  KEFU_ASSERT_OK(e().SetAgentState(20, AgentState::kAvailable));
  EXPECT_EQ(AgentOf(100), 20);
}

// ---- overflow and limits ----------------------------------------------------------------

using LimitTest = RoutingTest;

TEST_F(LimitTest, OverflowAfterWait) {
  QueueConfig cfg;
  cfg.overflow_queue = 2;
  cfg.overflow_after_ms = 60'000;
  AddQueue(1, cfg);
  AddQueue(2);
  AddAgent(10, {1});
  AddAgent(20, {2});
  KEFU_ASSERT_OK(e().SetAgentState(20, AgentState::kBreak, kReasonMeal));
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(e().Accept(10, 100));
  KEFU_ASSERT_OK(Enqueue(101, 1));
  Wait(10'000);
  KEFU_ASSERT_OK(Enqueue(200, 2));  // waits in queue 2 already, but came later than 101
  Wait(50'000);
  auto overflows = Of(EventType::kOverflowed);
  ASSERT_EQ(overflows.size(), 1u);
  EXPECT_EQ(overflows[0].contact, 101);
  EXPECT_EQ(overflows[0].queue, 2);
  EXPECT_EQ(overflows[0].other_queue, 1);
  EXPECT_EQ(overflows[0].detail, static_cast<int>(LimitKind::kOverflowAfter));
  EXPECT_EQ(e().GetWaitInfo(101)->position, 1);  // overflow keeps the place
  KEFU_ASSERT_OK(e().SetAgentState(20, AgentState::kAvailable));
  EXPECT_EQ(AgentOf(101), 20);
}

TEST_F(LimitTest, OverflowWhenExpectedWaitTooLong) {
  QueueConfig cfg;
  cfg.overflow_queue = 2;
  cfg.overflow_ewt_ms = 100'000;
  cfg.default_handle_ms = 180'000;
  AddQueue(1, cfg);
  AddQueue(2);
  AddAgent(10, {1});
  AddAgent(20, {2});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  EXPECT_EQ(AgentOf(100), 10);
  KEFU_ASSERT_OK(Enqueue(101, 1));  // EWT 180 s with one agent > 100 s
  auto overflows = Of(EventType::kOverflowed);
  ASSERT_EQ(overflows.size(), 1u);
  EXPECT_EQ(overflows[0].detail, static_cast<int>(LimitKind::kOverflowEwt));
  EXPECT_EQ(AgentOf(101), 20);
}

TEST_F(LimitTest, MaxWaitingLeavesMessage) {
  QueueConfig cfg;
  cfg.max_waiting = 2;
  cfg.max_waiting_action = LimitAction::kLeaveMessage;
  AddQueue(1, cfg);
  AddAgent(10, {1});
  for (ContactId id : {100, 101, 102, 103}) {
    KEFU_ASSERT_OK(Enqueue(id, 1));
  }
  auto limits = Of(EventType::kLimitReached);
  ASSERT_EQ(limits.size(), 1u);
  EXPECT_EQ(limits[0].contact, 103);
  EXPECT_EQ(limits[0].detail, static_cast<int>(LimitKind::kMaxWaiting));
  EXPECT_EQ(limits[0].value, static_cast<int>(LimitAction::kLeaveMessage));
  EXPECT_FALSE(Exists(103));
  EXPECT_EQ(e().GetQueueStats(1)->waiting, 2);
}

TEST_F(LimitTest, MaxWaitTurnsIntoCallbackKeepingPlace) {
  QueueConfig cfg;
  cfg.max_wait_ms = 60'000;
  cfg.max_wait_action = LimitAction::kCallback;
  AddQueue(1, cfg);
  AddAgent(10, {1});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(e().Accept(10, 100));
  KEFU_ASSERT_OK(Enqueue(101, 1));
  Wait(30'000);
  KEFU_ASSERT_OK(Enqueue(102, 1));
  Wait(30'000);
  ASSERT_EQ(Of(EventType::kLimitReached).size(), 1u);
  ASSERT_EQ(Of(EventType::kCallbackRequested).size(), 1u);
  EXPECT_TRUE(e().GetContact(101)->callback);
  EXPECT_EQ(e().GetQueueStats(1)->callbacks, 1);
  Drain();
  KEFU_ASSERT_OK(e().Complete(10, 100));
  auto offers = Of(EventType::kOffered);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].contact, 101);
  EXPECT_EQ(offers[0].flags & kEventFlagCallback, kEventFlagCallback);
}

TEST_F(LimitTest, MaxWaitAnnounceKeepsTheContactQueued) {
  QueueConfig cfg;
  cfg.max_wait_ms = 60'000;
  cfg.max_wait_action = LimitAction::kAnnounce;
  AddQueue(1, cfg);
  AddAgent(10, {1});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(e().Accept(10, 100));
  KEFU_ASSERT_OK(Enqueue(101, 1));
  KEFU_ASSERT_OK(Enqueue(102, 1));
  Drain();
  Wait(60'000);
  auto limits = Of(EventType::kLimitReached);
  ASSERT_EQ(limits.size(), 2u);
  EXPECT_EQ(limits[0].value, static_cast<int>(LimitAction::kAnnounce));
  auto announced = Of(EventType::kAnnounced);
  ASSERT_EQ(announced.size(), 2u);
  EXPECT_EQ(announced[0].contact, 101);
  EXPECT_EQ(announced[0].detail, static_cast<int>(LimitKind::kMaxWait));
  EXPECT_EQ(announced[0].position, 1);
  EXPECT_EQ(announced[1].contact, 102);
  EXPECT_EQ(announced[1].position, 2);
  EXPECT_GT(announced[1].value, 0);  // EWT
  EXPECT_EQ(StateOf(101), ContactState::kWaiting);
  EXPECT_TRUE(Exists(100));  // connected, not waiting: limits apply to waiting only
  // Announced once: no further limit events however long it waits, and it keeps its place.
  Drain();
  Wait(600'000);
  EXPECT_TRUE(Of(EventType::kLimitReached).empty());
  EXPECT_TRUE(Of(EventType::kAnnounced).empty());
  KEFU_ASSERT_OK(e().Complete(10, 100));
  EXPECT_EQ(AgentOf(101), 10);
}

TEST_F(LimitTest, MaxWaitingAnnounceKeepsTheContactQueued) {
  QueueConfig cfg;
  cfg.max_waiting = 1;
  cfg.max_waiting_action = LimitAction::kAnnounce;
  AddQueue(1, cfg);
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(Enqueue(101, 1));
  auto announced = Of(EventType::kAnnounced);
  ASSERT_EQ(announced.size(), 1u);
  EXPECT_EQ(announced[0].contact, 101);
  EXPECT_EQ(announced[0].detail, static_cast<int>(LimitKind::kMaxWaiting));
  EXPECT_EQ(announced[0].position, 2);
  EXPECT_EQ(announced[0].value, kEwtUnbounded);  // nobody logged in
  EXPECT_EQ(e().GetQueueStats(1)->waiting, 2);
}

TEST_F(LimitTest, LimitOverflowWithoutTargetAnnounces) {
  QueueConfig cfg;
  cfg.max_waiting = 1;
  cfg.max_waiting_action = LimitAction::kOverflow;  // but no overflow queue
  AddQueue(1, cfg);
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(Enqueue(101, 1));
  auto limits = Of(EventType::kLimitReached);
  ASSERT_EQ(limits.size(), 1u);
  EXPECT_EQ(limits[0].value, static_cast<int>(LimitAction::kAnnounce));
  EXPECT_EQ(Of(EventType::kAnnounced).size(), 1u);
  EXPECT_TRUE(Exists(101));
}

// ---- business hours ---------------------------------------------------------------------

class HoursTest : public RoutingTest {
 protected:
  void Setup(AfterHoursAction action) {
    BusinessCalendar cal = BusinessCalendar::Weekdays({9 * 60, 18 * 60});
    cal.exceptions.push_back({20260217, {}});                   // 春节 (a Tuesday)
    cal.exceptions.push_back({20260214, {{9 * 60, 18 * 60}}});  // Saturday make-up day (调休)
    KEFU_ASSERT_OK(e().SetCalendar(1, cal));
    QueueConfig cfg;
    cfg.calendar = 1;
    cfg.after_hours_action = action;
    cfg.after_hours_fallback = AfterHoursAction::kLeaveMessage;
    AddQueue(1, cfg);
    AddAgent(10, {1});
  }
};

TEST_F(HoursTest, OpenDuringHours) {
  Setup(AfterHoursAction::kLeaveMessage);
  EXPECT_TRUE(*e().IsOpen(1));
  KEFU_ASSERT_OK(Enqueue(100, 1));
  EXPECT_EQ(AgentOf(100), 10);
}

TEST_F(HoursTest, ForwardToOwnerAfterHours) {
  Setup(AfterHoursAction::kForwardToOwner);
  clock_.SetMs(LocalToUtcMs(20260105, 20, 0, 480));  // Monday 20:00
  EXPECT_FALSE(*e().IsOpen(1));
  ContactSpec c;
  c.id = 100;
  c.queue = 1;
  c.owner = 77;
  KEFU_ASSERT_OK(Enqueue(c));
  auto after = Of(EventType::kAfterHours);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].detail, static_cast<int>(AfterHoursAction::kForwardToOwner));
  EXPECT_EQ(after[0].agent, 77);
  EXPECT_FALSE(Exists(100));
  KEFU_ASSERT_OK(Enqueue(101, 1));  // no owner: the fallback
  after = Of(EventType::kAfterHours);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[1].detail, static_cast<int>(AfterHoursAction::kLeaveMessage));
}

TEST_F(HoursTest, HolidayClosedMakeUpDayOpen) {
  Setup(AfterHoursAction::kAnnounce);
  clock_.SetMs(LocalToUtcMs(20260214, 10, 0, 480));  // Saturday, but a working day
  KEFU_ASSERT_OK(Enqueue(101, 1));
  EXPECT_EQ(AgentOf(101), 10);
  Serve(10, 101);
  clock_.SetMs(LocalToUtcMs(20260217, 10, 0, 480));  // Tuesday, 春节
  KEFU_ASSERT_OK(Enqueue(100, 1));
  EXPECT_FALSE(Exists(100));
  EXPECT_EQ(Of(EventType::kAfterHours)[0].detail, static_cast<int>(AfterHoursAction::kAnnounce));
  clock_.SetMs(LocalToUtcMs(20260218, 10, 0, 480));  // Wednesday: no exception, open
  KEFU_ASSERT_OK(Enqueue(102, 1));
  EXPECT_EQ(AgentOf(102), 10);
}

TEST_F(HoursTest, CallbackAfterHours) {
  Setup(AfterHoursAction::kCallback);
  KEFU_ASSERT_OK(e().SetAgentState(10, AgentState::kOffline));
  clock_.SetMs(LocalToUtcMs(20260105, 23, 30, 480));
  KEFU_ASSERT_OK(Enqueue(100, 1));
  EXPECT_TRUE(e().GetContact(100)->callback);
  clock_.SetMs(LocalToUtcMs(20260106, 9, 0, 480));
  KEFU_ASSERT_OK(e().SetAgentState(10, AgentState::kAvailable));
  EXPECT_EQ(AgentOf(100), 10);
}

// A transfer, escalation or overflow into a closed queue applies that queue's after-hours
// action, as an arrival would.
class HoursOnMoveTest : public RoutingTest {
 protected:
  // Queue 1 always open; queue 2 open 9:00-18:00 on weekdays with `action`.
  void Setup(AfterHoursAction action, QueueConfig first = {}) {
    KEFU_ASSERT_OK(e().SetCalendar(1, BusinessCalendar::Weekdays({9 * 60, 18 * 60})));
    AddQueue(1, first);
    QueueConfig cfg;
    cfg.calendar = 1;
    cfg.after_hours_action = action;
    AddQueue(2, cfg);
    AddAgent(10, {1});
    AddAgent(20, {2});
    clock_.SetMs(LocalToUtcMs(20260105, 19, 0, 480));  // Monday 19:00: queue 2 closed
  }
};

TEST_F(HoursOnMoveTest, TransferToClosedQueueLeavesAMessage) {
  Setup(AfterHoursAction::kLeaveMessage);
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(e().Accept(10, 100));
  Drain();
  KEFU_ASSERT_OK(e().TransferToQueue(100, 2));
  ASSERT_EQ(Of(EventType::kTransferred).size(), 1u);
  auto after = Of(EventType::kAfterHours);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].queue, 2);
  EXPECT_EQ(after[0].detail, static_cast<int>(AfterHoursAction::kLeaveMessage));
  EXPECT_FALSE(Exists(100));
  EXPECT_TRUE(Of(EventType::kOffered).empty());  // agent 20 is there, but the queue is closed
}

TEST_F(HoursOnMoveTest, EscalationToClosedQueueBecomesACallback) {
  Setup(AfterHoursAction::kCallback);
  KEFU_ASSERT_OK(e().SetAgentState(10, AgentState::kBreak, kReasonMeal));
  KEFU_ASSERT_OK(Enqueue(100, 1));
  Drain();
  KEFU_ASSERT_OK(e().Escalate(100, 2));
  ASSERT_EQ(Of(EventType::kAfterHours).size(), 1u);
  ASSERT_EQ(Of(EventType::kCallbackRequested).size(), 1u);
  auto v = e().GetContact(100);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->callback);
  EXPECT_EQ(v->queue, 2);
  // Agent 20 is logged in and available, so the callback task is offered (callbacks are
  // work for the agents who are there).
  EXPECT_EQ(AgentOf(100), 20);
}

TEST_F(HoursOnMoveTest, OverflowIntoClosedQueueAnnounces) {
  QueueConfig first;
  first.overflow_queue = 2;
  first.overflow_after_ms = 30'000;
  Setup(AfterHoursAction::kAnnounce, first);
  KEFU_ASSERT_OK(e().SetAgentState(10, AgentState::kBreak, kReasonMeal));
  KEFU_ASSERT_OK(Enqueue(100, 1));
  Drain();
  Wait(30'000);
  ASSERT_EQ(Of(EventType::kOverflowed).size(), 1u);
  auto after = Of(EventType::kAfterHours);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].detail, static_cast<int>(AfterHoursAction::kAnnounce));
  EXPECT_FALSE(Exists(100));
}

TEST_F(HoursOnMoveTest, OpenTargetRoutesAndConsultToClosedQueueFails) {
  Setup(AfterHoursAction::kLeaveMessage);
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(e().Accept(10, 100));
  EXPECT_EQ(e().ConsultQueue(100, 2).code(), StatusCode::kFailedPrecondition);
  clock_.SetMs(LocalToUtcMs(20260106, 10, 0, 480));  // Tuesday 10:00: open
  KEFU_ASSERT_OK(e().TransferToQueue(100, 2));
  EXPECT_TRUE(Of(EventType::kAfterHours).empty());
  EXPECT_EQ(AgentOf(100), 20);
}

// ---- offers -----------------------------------------------------------------------------

using OfferTest = RoutingTest;

TEST_F(OfferTest, TimeoutSendsAgentToBreakAndKeepsPlace) {
  QueueConfig cfg;
  cfg.offer_timeout_ms = 15'000;
  AddQueue(1, cfg);
  AddAgent(11, {1});
  AddAgent(10, {1});
  KEFU_ASSERT_OK(Enqueue(50, 1));
  EXPECT_EQ(AgentOf(50), 11);
  KEFU_ASSERT_OK(e().Accept(11, 50));
  KEFU_ASSERT_OK(Enqueue(100, 1));
  EXPECT_EQ(AgentOf(100), 10);
  Wait(1000);
  KEFU_ASSERT_OK(Enqueue(101, 1));
  Wait(14'000);
  ASSERT_EQ(Of(EventType::kOfferTimedOut).size(), 1u);
  ASSERT_EQ(Of(EventType::kRequeued).size(), 1u);
  EXPECT_EQ(AgentStateOf(10), AgentState::kBreak);
  EXPECT_EQ(e().GetAgent(10)->reason, kReasonMissedOffer);
  EXPECT_EQ(e().GetWaitInfo(100)->position, 1);  // still ahead of 101
  KEFU_ASSERT_OK(e().Complete(11, 50));
  EXPECT_EQ(AgentOf(100), 11);
}

TEST_F(OfferTest, DeclineReoffersElsewhereNeverToTheSameAgent) {
  AddQueue(1);
  AddAgent(10, {1});
  AddAgent(11, {1});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  EXPECT_EQ(AgentOf(100), 10);
  KEFU_ASSERT_OK(e().Decline(10, 100));
  EXPECT_EQ(AgentOf(100), 11);
  EXPECT_EQ(AgentStateOf(10), AgentState::kAvailable);  // the default after a decline
  KEFU_ASSERT_OK(e().Decline(11, 100));
  EXPECT_EQ(StateOf(100), ContactState::kWaiting);  // both declined: it waits
  EXPECT_FALSE(e().CanTake(10, 100));
  KEFU_ASSERT_OK(Enqueue(101, 1));
  EXPECT_EQ(AgentOf(101), 10);
}

// Exclusion has no fixed size: a contact declined by many agents never returns to any of
// them (it used to forget all but the last four).
TEST_F(OfferTest, DeclinedByManyAgentsNeverReturnsToAny) {
  constexpr int kAgents = 12;
  AddQueue(1);
  for (int i = 0; i < kAgents; ++i) {
    AddAgent(10 + i, {1});
  }
  KEFU_ASSERT_OK(Enqueue(100, 1));
  std::vector<AgentId> declined;
  for (int i = 0; i < kAgents; ++i) {
    const AgentId a = AgentOf(100);
    ASSERT_NE(a, 0) << "after " << i << " declines";
    for (AgentId d : declined) {
      EXPECT_NE(a, d);
    }
    declined.push_back(a);
    KEFU_ASSERT_OK(e().Decline(a, 100));  // after_decline: available again
  }
  // Every agent declined and is available: the contact waits, offered to none of them.
  EXPECT_EQ(StateOf(100), ContactState::kWaiting);
  for (AgentId a : declined) {
    EXPECT_FALSE(e().CanTake(a, 100));
  }
  // A new agent takes it.
  AddAgent(99, {1});
  EXPECT_EQ(AgentOf(100), 99);
}

// The list stays bounded: agents removed since are forgotten as it grows. 2,000 declines
// by agents that come and go: the engine's memory does not grow with them (an id list
// would add 8 KB between the two measurements).
TEST_F(OfferTest, ExclusionsForgetRemovedAgents) {
  AddQueue(1);
  KEFU_ASSERT_OK(Enqueue(100, 1));
  int64_t half = 0;
  for (int round = 0; round < 2'000; ++round) {
    const AgentId a = 1000 + round;
    AddAgent(a, {1});
    ASSERT_EQ(AgentOf(100), a);
    KEFU_ASSERT_OK(e().Decline(a, 100));
    KEFU_ASSERT_OK(e().RemoveAgent(a));
    Wait(21'000);  // the offer timers (stale now) pop instead of piling up
    Drain();
    if (round == 999) {
      half = e().Stats().memory_bytes;
    }
  }
  EXPECT_LT(e().Stats().memory_bytes - half, 1024);
  AddAgent(5000, {1});
  EXPECT_EQ(AgentOf(100), 5000);
}

TEST_F(OfferTest, DeclinePolicyIsConfigurable) {
  QueueConfig cfg;
  cfg.after_decline = {AgentState::kBreak, kReasonDeclinedOffer};
  AddQueue(1, cfg);
  AddAgent(10, {1});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(e().Decline(10, 100));
  EXPECT_EQ(AgentStateOf(10), AgentState::kBreak);
  EXPECT_EQ(e().GetAgent(10)->reason, kReasonDeclinedOffer);
}

TEST_F(OfferTest, RingNoAnswerFromTheMediaLayer) {
  AddQueue(1);
  AddAgent(10, {1});
  AddAgent(11, {1});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(e().OfferTimedOut(10, 100));
  EXPECT_EQ(AgentStateOf(10), AgentState::kBreak);
  EXPECT_EQ(AgentOf(100), 11);
}

TEST_F(OfferTest, OwnerDecliningSendsToPool) {
  QueueConfig cfg;
  cfg.owner_wait_ms = 60'000;
  AddQueue(1, cfg);
  AddAgent(10, {1});
  AddAgent(11, {1});
  ContactSpec c;
  c.id = 100;
  c.queue = 1;
  c.owner = 11;
  KEFU_ASSERT_OK(Enqueue(c));
  EXPECT_EQ(AgentOf(100), 11);
  KEFU_ASSERT_OK(e().Decline(11, 100));
  EXPECT_EQ(AgentOf(100), 10);
}

// ---- transfers --------------------------------------------------------------------------

using TransferTest = RoutingTest;

TEST_F(TransferTest, BlindToAgentWaitsThenPool) {
  QueueConfig cfg;
  cfg.transfer_wait_ms = 20'000;
  AddQueue(1, cfg);
  AddAgent(10, {1});
  AddAgent(11, {1});
  AddAgent(12, {1});
  const int64_t t0 = clock_.NowMs();
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(Enqueue(101, 1));
  KEFU_ASSERT_OK(e().Accept(10, 100));
  KEFU_ASSERT_OK(e().Accept(11, 101));
  Wait(5000);
  Drain();
  KEFU_ASSERT_OK(e().TransferToAgent(100, 11));  // 11 is busy
  auto moved = Of(EventType::kTransferred);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].detail, static_cast<int>(TransferMode::kBlindToAgent));
  EXPECT_EQ(moved[0].agent, 11);
  EXPECT_EQ(moved[0].other_agent, 10);
  EXPECT_EQ(e().GetContact(100)->waiting_for, 11);
  EXPECT_EQ(e().GetAgent(10)->contacts.size(), 0u);
  Wait(20'000);
  EXPECT_EQ(AgentOf(100), 12);  // the pool, without the agent who transferred it
  EXPECT_EQ(e().GetContact(100)->arrival_ms, t0);
}

TEST_F(TransferTest, BlindToAvailableAgentIsImmediate) {
  AddQueue(1);
  AddAgent(10, {1});
  AddAgent(11, {1});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(e().Accept(10, 100));
  KEFU_ASSERT_OK(e().TransferToAgent(100, 11));
  EXPECT_EQ(AgentOf(100), 11);
  EXPECT_EQ(e().TransferToAgent(100, 10).code(), StatusCode::kFailedPrecondition);  // offered
}

TEST_F(TransferTest, BlindToQueueKeepsArrivalForReporting) {
  AddQueue(1);
  AddQueue(2);
  AddAgent(10, {1});
  AddAgent(20, {2});
  const int64_t t0 = clock_.NowMs();
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(e().Accept(10, 100));
  Wait(90'000);
  KEFU_ASSERT_OK(e().TransferToQueue(100, 2));
  auto moved = Of(EventType::kTransferred);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].detail, static_cast<int>(TransferMode::kBlindToQueue));
  EXPECT_EQ(moved[0].queue, 2);
  EXPECT_EQ(moved[0].other_queue, 1);
  EXPECT_EQ(AgentOf(100), 20);
  EXPECT_EQ(e().GetContact(100)->arrival_ms, t0);
  EXPECT_EQ(e().GetContact(100)->queue_entry_ms, t0 + 90'000);
}

TEST_F(TransferTest, ConsultThenComplete) {
  QueueConfig cfg;
  cfg.wrap_up_ms = 10'000;
  AddQueue(1, cfg);
  AddAgent(10, {1});
  AddAgent(11, {1});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(e().Accept(10, 100));
  Drain();
  KEFU_ASSERT_OK(e().ConsultAgent(100, 11));
  ASSERT_EQ(Of(EventType::kConsultStarted).size(), 1u);
  auto offers = Of(EventType::kOffered);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].agent, 11);
  EXPECT_EQ(offers[0].flags & kEventFlagConsult, kEventFlagConsult);
  EXPECT_TRUE(e().GetContact(100)->in_consult);
  KEFU_ASSERT_OK(e().Accept(11, 100));
  EXPECT_EQ(AgentOf(100), 10);  // the customer is still with the first agent, on hold
  EXPECT_EQ(e().Complete(11, 100).code(), StatusCode::kFailedPrecondition);
  KEFU_ASSERT_OK(e().CompleteConsult(100));
  auto moved = Of(EventType::kTransferred);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].detail, static_cast<int>(TransferMode::kConsult));
  EXPECT_EQ(moved[0].agent, 11);
  EXPECT_EQ(moved[0].other_agent, 10);
  EXPECT_EQ(AgentOf(100), 11);
  EXPECT_EQ(StateOf(100), ContactState::kConnected);
  EXPECT_EQ(AgentStateOf(10), AgentState::kWrapUp);
  KEFU_ASSERT_OK(e().Complete(11, 100));
}

TEST_F(TransferTest, ConsultCancelReturnsToFirstAgent) {
  AddQueue(1);
  AddAgent(10, {1});
  AddAgent(11, {1});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(e().Accept(10, 100));
  KEFU_ASSERT_OK(e().ConsultAgent(100, 11));
  KEFU_ASSERT_OK(e().Accept(11, 100));
  KEFU_ASSERT_OK(e().CancelConsult(100));
  EXPECT_EQ(Of(EventType::kConsultCancelled).size(), 1u);
  EXPECT_EQ(e().GetAgent(11)->contacts.size(), 0u);
  EXPECT_EQ(AgentOf(100), 10);
  EXPECT_FALSE(e().GetContact(100)->in_consult);
  KEFU_ASSERT_OK(e().Complete(10, 100));
}

TEST_F(TransferTest, ConsultDeclinedEndsConsult) {
  AddQueue(1);
  AddAgent(10, {1});
  AddAgent(11, {1});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(e().Accept(10, 100));
  KEFU_ASSERT_OK(e().ConsultAgent(100, 11));
  KEFU_ASSERT_OK(e().Decline(11, 100));
  EXPECT_EQ(Of(EventType::kConsultCancelled).size(), 1u);
  EXPECT_FALSE(e().GetContact(100)->in_consult);
  EXPECT_EQ(AgentOf(100), 10);
}

TEST_F(TransferTest, ConsultQueueRoutesLikeAContact) {
  AddQueue(1);
  AddQueue(9);
  AddAgent(10, {1, 9});
  AddAgent(20, {9});
  KEFU_ASSERT_OK(e().SetAgentState(20, AgentState::kBreak, kReasonMeal));
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(e().Accept(10, 100));
  KEFU_ASSERT_OK(e().ConsultQueue(100, 9));
  EXPECT_EQ(e().GetAgent(20)->contacts.size(), 0u);
  KEFU_ASSERT_OK(e().SetAgentState(20, AgentState::kAvailable));
  EXPECT_EQ(e().GetAgent(20)->contacts, std::vector<ContactId>{100});
  KEFU_ASSERT_OK(e().Accept(20, 100));
  KEFU_ASSERT_OK(e().CompleteConsult(100));
  EXPECT_EQ(AgentOf(100), 20);
  EXPECT_EQ(e().GetContact(100)->queue, 9);
}

TEST_F(TransferTest, ConsultNeedsAnAvailableAgent) {
  AddQueue(1);
  AddAgent(10, {1});
  AddAgent(11, {1});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(Enqueue(101, 1));
  KEFU_ASSERT_OK(e().Accept(10, 100));
  EXPECT_EQ(e().ConsultAgent(100, 11).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(e().ConsultAgent(100, 10).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(e().CompleteConsult(100).code(), StatusCode::kFailedPrecondition);
}

// ---- callbacks --------------------------------------------------------------------------

using CallbackTest = RoutingTest;

TEST_F(CallbackTest, VirtualHoldKeepsPlace) {
  AddQueue(1);
  AddAgent(10, {1});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(Enqueue(101, 1));
  Wait(1000);
  KEFU_ASSERT_OK(Enqueue(102, 1));
  KEFU_ASSERT_OK(e().RequestCallback(101));
  EXPECT_EQ(Of(EventType::kCallbackRequested).size(), 1u);
  EXPECT_EQ(e().GetQueueStats(1)->waiting, 1);
  EXPECT_EQ(e().GetQueueStats(1)->callbacks, 1);
  EXPECT_EQ(e().GetWaitInfo(101)->position, 1);
  Drain();
  Serve(10, 100);
  auto offers = Of(EventType::kOffered);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].contact, 101);
  EXPECT_TRUE(offers[0].flags & kEventFlagCallback);
  EXPECT_EQ(e().RequestCallback(101).code(), StatusCode::kFailedPrecondition);  // offered
}

TEST_F(CallbackTest, ScheduledCallbackEntersAtItsTime) {
  AddQueue(1);
  AddAgent(10, {1});
  KEFU_ASSERT_OK(e().SetAgentState(10, AgentState::kBreak, kReasonMeal));
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(e().RequestCallback(100, clock_.NowMs() + 3'600'000));
  EXPECT_EQ(StateOf(100), ContactState::kScheduled);
  KEFU_ASSERT_OK(e().SetAgentState(10, AgentState::kAvailable));
  EXPECT_EQ(StateOf(100), ContactState::kScheduled);
  EXPECT_EQ(e().NextDeadlineMs(), clock_.NowMs() + 3'600'000);
  Wait(3'600'000);
  EXPECT_EQ(Of(EventType::kCallbackDue).size(), 1u);
  EXPECT_EQ(AgentOf(100), 10);
}

TEST_F(CallbackTest, OfferedWhenTheWaitIsLong) {
  QueueConfig cfg;
  cfg.callback_offer_ewt_ms = 60'000;
  cfg.default_handle_ms = 120'000;
  AddQueue(1, cfg);
  AddAgent(10, {1});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  EXPECT_TRUE(Of(EventType::kCallbackOffered).empty());
  KEFU_ASSERT_OK(Enqueue(101, 1));
  auto offered = Of(EventType::kCallbackOffered);
  ASSERT_EQ(offered.size(), 1u);
  EXPECT_EQ(offered[0].contact, 101);
  EXPECT_EQ(offered[0].value, 120'000);
}

// ---- position and expected wait ---------------------------------------------------------

TEST_F(RoutingTest, PositionAndExpectedWaitFollowTheQueue) {
  QueueConfig cfg;
  cfg.default_handle_ms = 180'000;
  AddQueue(1, cfg);
  AddAgent(10, {1});
  AddAgent(11, {1});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(Enqueue(101, 1));
  Drain();
  for (ContactId id : {200, 201, 202}) {
    KEFU_ASSERT_OK(Enqueue(id, 1));
  }
  auto queued = Of(EventType::kQueued);
  ASSERT_EQ(queued.size(), 3u);
  EXPECT_EQ(queued[2].position, 3);
  EXPECT_EQ(queued[2].value, 270'000);  // 3 * 180 s / 2 agents
  EXPECT_EQ(e().GetWaitInfo(201)->position, 2);
  EXPECT_EQ(e().GetWaitInfo(201)->ewt_ms, 180'000);
  Serve(10, 100);
  EXPECT_EQ(e().GetWaitInfo(201)->position, 1);
  EXPECT_EQ(e().GetWaitInfo(202)->position, 2);
  EXPECT_EQ(e().GetWaitInfo(200)->position, 0);  // offered
  // The handle time follows completed contacts.
  KEFU_ASSERT_OK(e().Accept(10, 200));
  Wait(20'000);
  KEFU_ASSERT_OK(e().Complete(10, 200));
  EXPECT_LT(e().GetQueueStats(1)->handle_ms, 180'000);
}

// Opt-in position updates: a kPositionChanged when the position differs from the last one
// the customer was told, checked once per period (so at most one per contact per period).
TEST_F(RoutingTest, PositionUpdatesWhenThePlaceChangesAtMostOncePerPeriod) {
  QueueConfig cfg;
  cfg.default_handle_ms = 180'000;
  cfg.position_update_ms = 10'000;
  AddQueue(1, cfg);
  AddAgent(10, {1});
  KEFU_ASSERT_OK(Enqueue(100, 1));  // offered at once
  KEFU_ASSERT_OK(e().Accept(10, 100));
  for (ContactId id : {200, 201, 202}) {
    KEFU_ASSERT_OK(Enqueue(id, 1));
  }
  Drain();
  Wait(10'000);
  EXPECT_TRUE(Of(EventType::kPositionChanged).empty());  // nobody moved
  // Two customers ahead of 202 leave within one period: one update, not two.
  KEFU_ASSERT_OK(e().Abandon(200));
  Wait(1'000);
  KEFU_ASSERT_OK(e().Abandon(201));
  Wait(8'999);
  EXPECT_TRUE(Of(EventType::kPositionChanged).empty());
  Wait(1);
  auto moved = Of(EventType::kPositionChanged);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].contact, 202);
  EXPECT_EQ(moved[0].position, 1);
  EXPECT_EQ(moved[0].value, 180'000);  // EWT
  Drain();
  Wait(60'000);
  EXPECT_TRUE(Of(EventType::kPositionChanged).empty());
}

TEST_F(RoutingTest, PositionUpdatesAreOffByDefaultAndSkipCallbacks) {
  QueueConfig cfg;
  AddQueue(1, cfg);
  cfg.position_update_ms = 5'000;
  AddQueue(2, cfg);
  for (ContactId id : {100, 101, 200, 201}) {
    KEFU_ASSERT_OK(Enqueue(id, id < 200 ? 1 : 2));
  }
  KEFU_ASSERT_OK(e().RequestCallback(201));
  KEFU_ASSERT_OK(e().Abandon(100));
  KEFU_ASSERT_OK(e().Abandon(200));
  Drain();
  Wait(60'000);
  EXPECT_TRUE(Of(EventType::kPositionChanged).empty());
  cfg.position_update_ms = 999;
  EXPECT_EQ(e().AddQueue(3, cfg).code(), StatusCode::kInvalidArgument);
}

// ---- removing queues --------------------------------------------------------------------

TEST_F(RoutingTest, RemoveQueueRequiresNoContactsAndLogsAgentsOut) {
  AddQueue(1);
  AddQueue(2);
  AddAgent(10, {1, 2});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  EXPECT_EQ(AgentOf(100), 10);
  EXPECT_EQ(e().RemoveQueue(1).code(), StatusCode::kFailedPrecondition);  // offered
  KEFU_ASSERT_OK(e().Accept(10, 100));
  EXPECT_EQ(e().RemoveQueue(1).code(), StatusCode::kFailedPrecondition);  // connected
  KEFU_ASSERT_OK(Enqueue(101, 1));
  KEFU_ASSERT_OK(e().Complete(10, 100));
  EXPECT_EQ(AgentOf(101), 10);
  KEFU_ASSERT_OK(e().Accept(10, 101));
  KEFU_ASSERT_OK(e().Complete(10, 101));
  KEFU_ASSERT_OK(e().RemoveQueue(1));
  EXPECT_EQ(e().RemoveQueue(1).code(), StatusCode::kNotFound);
  EXPECT_EQ(Enqueue(102, 1).code(), StatusCode::kNotFound);
  auto agent = e().GetAgent(10);
  ASSERT_EQ(agent->queues.size(), 1u);
  EXPECT_EQ(agent->queues[0].first, 2);
  EXPECT_EQ(e().Stats().queues, 1);
  // The id can come back, as a new queue with new rules; the agent logs in again.
  QueueConfig chat;
  chat.channel = Channel::kChat;
  SetChannel(1, Channel::kChat);
  KEFU_ASSERT_OK(e().AddQueue(1, chat));
  KEFU_ASSERT_OK(e().LoginAgentToQueue(10, 1));
  KEFU_ASSERT_OK(Enqueue(103, 1));
  EXPECT_EQ(AgentOf(103), 10);
}

TEST_F(RoutingTest, RemoveQueueWithWaitingOrCallbacksFailsAndOverflowStops) {
  QueueConfig first;
  first.overflow_queue = 2;
  first.overflow_after_ms = 30'000;
  AddQueue(1, first);
  AddQueue(2);
  KEFU_ASSERT_OK(Enqueue(200, 2));
  EXPECT_EQ(e().RemoveQueue(2).code(), StatusCode::kFailedPrecondition);  // waiting
  KEFU_ASSERT_OK(e().RequestCallback(200, clock_.NowMs() + 60'000));
  EXPECT_EQ(e().RemoveQueue(2).code(), StatusCode::kFailedPrecondition);  // scheduled
  KEFU_ASSERT_OK(e().Abandon(200));
  KEFU_ASSERT_OK(e().RemoveQueue(2));
  KEFU_ASSERT_OK(Enqueue(100, 1));
  Wait(60'000);
  EXPECT_TRUE(Of(EventType::kOverflowed).empty());  // nowhere to overflow to
  EXPECT_EQ(StateOf(100), ContactState::kWaiting);
  // Back again: contact 100, already past the overflow time, overflows at once.
  AddQueue(2);
  EXPECT_EQ(Of(EventType::kOverflowed).size(), 1u);
  EXPECT_EQ(e().GetContact(100)->queue, 2);
}

// ---- events and errors ------------------------------------------------------------------

TEST_F(RoutingTest, EveryDecisionIsAnEvent) {
  AddQueue(1);
  AddAgent(10, {1});
  Drain();
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(e().Accept(10, 100));
  Wait(30'000);
  KEFU_ASSERT_OK(e().Complete(10, 100));
  KEFU_ASSERT_OK(Enqueue(101, 1));
  KEFU_ASSERT_OK(Enqueue(102, 1));
  Wait(5000);
  KEFU_ASSERT_OK(e().Abandon(102));
  KEFU_ASSERT_OK(e().Abandon(101));  // while offered: the agent is free again
  std::vector<std::string> got;
  for (const Event& ev : Drain()) {
    got.push_back(Describe(ev));
  }
  std::vector<std::string> want = {
      "queued c=100 a=0 q=1 d=0 v=0",        "offered c=100 a=10 q=1 d=0 v=0",
      "accepted c=100 a=10 q=1 d=0 v=0",     "completed c=100 a=10 q=1 d=0 v=30000",
      "queued c=101 a=0 q=1 d=0 v=0",        "offered c=101 a=10 q=1 d=0 v=0",
      "queued c=102 a=0 q=1 d=0 v=161250",   "abandoned c=102 a=0 q=1 d=0 v=5000",
      "abandoned c=101 a=10 q=1 d=0 v=5000",
  };
  EXPECT_EQ(got, want);
  EXPECT_EQ(e().GetAgent(10)->contacts.size(), 0u);
  EXPECT_EQ(e().Abandon(101).code(), StatusCode::kNotFound);
}

TEST_F(RoutingTest, BadCommandsAreStatusesAndChangeNothing) {
  AddQueue(1);
  AddAgent(10, {1});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  const std::string before = e().Snapshot();
  EXPECT_EQ(e().Accept(99, 100).code(), StatusCode::kNotFound);
  EXPECT_EQ(e().Accept(10, 99).code(), StatusCode::kNotFound);
  EXPECT_EQ(e().Complete(10, 100).code(), StatusCode::kFailedPrecondition);  // not accepted
  EXPECT_EQ(Enqueue(100, 1).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Enqueue(101, 2).code(), StatusCode::kNotFound);
  EXPECT_EQ(Enqueue(101, 1, Tier::kStandard, {{7, 6}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Enqueue(101, 1, Tier::kStandard, {{7, 1}, {7, 2}}).code(),
            StatusCode::kInvalidArgument);
  ContactSpec chat;
  chat.id = 101;
  chat.queue = 1;
  chat.channel = Channel::kChat;
  EXPECT_EQ(e().Enqueue(chat).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(e().AddAgent(10, {}).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(e().RemoveAgent(10).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(e().LogoutAgentFromQueue(10, 5).code(), StatusCode::kNotFound);
  EXPECT_EQ(e().SetAgentState(10, AgentState::kWrapUp).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(e().LoginAgentToQueue(10, 1, 0).code(), StatusCode::kInvalidArgument);
  QueueConfig bad;
  bad.rings = {{0, 2}, {10, 4}};  // rings must widen
  EXPECT_EQ(e().AddQueue(2, bad).code(), StatusCode::kInvalidArgument);
  bad = {};
  bad.calendar = 5;
  EXPECT_EQ(e().AddQueue(2, bad).code(), StatusCode::kNotFound);
  QueueConfig chat_queue;
  chat_queue.channel = Channel::kChat;
  EXPECT_EQ(e().ConfigureQueue(1, chat_queue).code(), StatusCode::kFailedPrecondition);
  AgentConfig over;
  over.capacity = {1, 400, 5};
  EXPECT_EQ(e().AddAgent(11, over).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(e().TransferToQueue(100, 1).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(e().Escalate(100, 1, std::vector<SkillRequirement>{{0, 1}}).code(),
            StatusCode::kFailedPrecondition);  // offered, not waiting
  EXPECT_EQ(e().RequestCallback(100).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(before, e().Snapshot());
}

TEST_F(RoutingTest, ConfigureQueueReordersWaiting) {
  AddQueue(1);
  AddAgent(10, {1}, {{7, 2}});
  KEFU_ASSERT_OK(e().SetAgentState(10, AgentState::kBreak, kReasonMeal));
  KEFU_ASSERT_OK(Enqueue(100, 1, Tier::kGold));
  KEFU_ASSERT_OK(Enqueue(101, 1, Tier::kStandard));
  EXPECT_EQ(e().GetWaitInfo(100)->position, 1);
  QueueConfig cfg;
  cfg.tier_priority = {50, 0, 0, 0};
  KEFU_ASSERT_OK(e().ConfigureQueue(1, cfg));
  EXPECT_EQ(e().GetWaitInfo(101)->position, 1);
  cfg.skills = {{7, 3}};
  KEFU_ASSERT_OK(e().ConfigureQueue(1, cfg));
  KEFU_ASSERT_OK(e().SetAgentState(10, AgentState::kAvailable));
  EXPECT_EQ(StateOf(101), ContactState::kWaiting);  // level 3 needed, 10 has 2
  cfg.rings = {{0, 3}, {1000, 1}};
  cfg.skills = {{7, 1}};
  Wait(2000);
  KEFU_ASSERT_OK(e().ConfigureQueue(1, cfg));  // they have waited over 1 s: ring is open
  EXPECT_EQ(AgentOf(101), 10);
}

TEST_F(RoutingTest, ReconfiguredSkillsAndQueuesRouteAtOnce) {
  QueueConfig skilled;
  skilled.skills = {{7, 3}};
  AddQueue(1, skilled);
  AddQueue(2);
  AddAgent(10, {2});
  KEFU_ASSERT_OK(Enqueue(100, 1));
  KEFU_ASSERT_OK(e().LoginAgentToQueue(10, 1));
  EXPECT_EQ(StateOf(100), ContactState::kWaiting);
  AgentConfig cfg;
  cfg.skills = {{7, 3}};
  KEFU_ASSERT_OK(e().ConfigureAgent(10, cfg));
  EXPECT_EQ(AgentOf(100), 10);
  Serve(10, 100);
  KEFU_ASSERT_OK(e().LogoutAgentFromQueue(10, 1));
  KEFU_ASSERT_OK(Enqueue(101, 1));
  EXPECT_EQ(StateOf(101), ContactState::kWaiting);
  KEFU_ASSERT_OK(e().SetAgentState(10, AgentState::kOffline));
  KEFU_ASSERT_OK(e().RemoveAgent(10));
  EXPECT_EQ(e().GetAgent(10).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace kefu::routing
