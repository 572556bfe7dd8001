#pragma once

// Helpers shared by the routing tests.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kefu/core/clock.h"
#include "kefu/routing/engine.h"

namespace kefu::routing {

#define KEFU_EXPECT_OK(expr)                                \
  do {                                                      \
    ::kefu::Status s_ = (expr);                             \
    EXPECT_TRUE(s_.ok()) << #expr << ": " << s_.ToString(); \
  } while (false)
#define KEFU_ASSERT_OK(expr)                                \
  do {                                                      \
    ::kefu::Status s_ = (expr);                             \
    ASSERT_TRUE(s_.ok()) << #expr << ": " << s_.ToString(); \
  } while (false)

// Monday 2026-01-05 10:00 in Asia/Shanghai.
inline constexpr int64_t kMonday10 = 1'767'578'400'000;

inline std::string Describe(const Event& e) {
  std::string s(EventTypeName(e.type));
  s += " c=" + std::to_string(e.contact) + " a=" + std::to_string(e.agent) +
       " q=" + std::to_string(e.queue);
  if (e.other_agent != 0) {
    s += " oa=" + std::to_string(e.other_agent);
  }
  if (e.other_queue != 0) {
    s += " oq=" + std::to_string(e.other_queue);
  }
  s += " d=" + std::to_string(e.detail) + " v=" + std::to_string(e.value);
  return s;
}

class RoutingTest : public ::testing::Test {
 protected:
  RoutingTest() : clock_(kMonday10) {
    EngineOptions options;
    options.verify_decisions = true;
    engine_ = NewEngine(&clock_, options);
  }

  void TearDown() override { KEFU_EXPECT_OK(engine_->CheckInvariants()); }

  Engine& e() { return *engine_; }

  void AddQueue(QueueId id, QueueConfig config = {}) {
    KEFU_ASSERT_OK(engine_->AddQueue(id, config));
  }

  // An agent logged into `queues` (priority 1) and available.
  void AddAgent(AgentId id, std::vector<QueueId> queues, std::vector<SkillLevel> skills = {},
                AgentConfig config = {}) {
    config.skills = std::move(skills);
    KEFU_ASSERT_OK(engine_->AddAgent(id, config));
    for (QueueId q : queues) {
      KEFU_ASSERT_OK(engine_->LoginAgentToQueue(id, q, 1));
    }
    KEFU_ASSERT_OK(engine_->SetAgentState(id, AgentState::kAvailable));
  }

  Status Enqueue(ContactId id, QueueId queue, Tier tier = Tier::kStandard,
                 std::vector<SkillRequirement> skills = {}) {
    skills_keep_.push_back(std::move(skills));
    ContactSpec spec;
    spec.id = id;
    spec.queue = queue;
    spec.channel = ChannelOf(queue);
    spec.tier = tier;
    spec.skills = skills_keep_.back();
    return engine_->Enqueue(spec);
  }

  Status Enqueue(ContactSpec spec) {
    spec.channel = ChannelOf(spec.queue);
    return engine_->Enqueue(spec);
  }

  Channel ChannelOf(QueueId queue) {
    auto it = channels_.find(queue);
    return it == channels_.end() ? Channel::kVoice : it->second;
  }
  void SetChannel(QueueId queue, Channel ch) { channels_[queue] = ch; }

  // Advances the clock and runs the timers.
  void Wait(int64_t ms) {
    clock_.AdvanceMs(ms);
    engine_->Tick();
  }

  std::vector<Event> Drain() { return engine_->TakeEvents(); }

  // The events of one type since the last Drain (not draining).
  std::vector<Event> Of(EventType type) {
    std::vector<Event> out;
    for (const Event& ev : engine_->events()) {
      if (ev.type == type) {
        out.push_back(ev);
      }
    }
    return out;
  }

  // The agent holding the contact (offered or connected), 0 if none.
  AgentId AgentOf(ContactId contact) {
    auto v = engine_->GetContact(contact);
    return v.ok() ? v->agent : 0;
  }

  ContactState StateOf(ContactId contact) {
    auto v = engine_->GetContact(contact);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? v->state : ContactState::kWaiting;
  }

  bool Exists(ContactId contact) { return engine_->GetContact(contact).ok(); }

  AgentState AgentStateOf(AgentId agent) { return engine_->GetAgent(agent)->state; }

  // Accepts and completes, for moving agents along.
  void Serve(AgentId agent, ContactId contact) {
    KEFU_ASSERT_OK(engine_->Accept(agent, contact));
    KEFU_ASSERT_OK(engine_->Complete(agent, contact));
  }

  FakeClock clock_;
  std::unique_ptr<Engine> engine_;
  std::vector<std::vector<SkillRequirement>> skills_keep_;
  std::map<QueueId, Channel> channels_;
};

}  // namespace kefu::routing
