#pragma once

// A random but reproducible stream of routing commands over many agents and queues, for the
// property, replay and snapshot tests. Commands are plain data (Op) so that one stream can be
// applied to several engines. The generator also keeps a shadow of who holds which contact,
// built from the events alone, to check two invariants independently of the engine's own
// bookkeeping: no contact is offered to two agents, and no agent goes over capacity.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "kefu/core/clock.h"
#include "kefu/routing/engine.h"

namespace kefu::routing::testing {

struct Op {
  enum Kind {
    kSetCalendar,
    kAddQueue,
    kConfigureQueue,
    kAddAgent,
    kConfigureAgent,
    kLogin,
    kLogout,
    kState,
    kWrapUpDone,
    kEnqueue,
    kAccept,
    kDecline,
    kTimeout,
    kComplete,
    kAbandon,
    kCallback,
    kTransferAgent,
    kTransferQueue,
    kEscalate,
    kConsultAgent,
    kConsultQueue,
    kConsultComplete,
    kConsultCancel,
    kTick,
    kRemoveQueue,
    kKindCount,
  };
  Kind kind = kTick;
  int64_t time_ms = 0;
  ContactId contact = 0;
  AgentId agent = 0;
  QueueId queue = 0;
  int priority = 1;
  int64_t when_ms = 0;
  AgentState state = AgentState::kAvailable;
  ReasonCode reason = kReasonNone;
  ContactSpec spec;
  std::vector<SkillRequirement> skills;  // spec.skills / escalation skills
  AgentConfig agent_config;
  QueueConfig queue_config;
  BusinessCalendar calendar;
};

inline Status Apply(Engine& e, FakeClock& clock, const Op& op) {
  clock.SetMs(op.time_ms);
  switch (op.kind) {
    case Op::kSetCalendar:
      return e.SetCalendar(1, op.calendar);
    case Op::kAddQueue:
      return e.AddQueue(op.queue, op.queue_config);
    case Op::kConfigureQueue:
      return e.ConfigureQueue(op.queue, op.queue_config);
    case Op::kAddAgent:
      return e.AddAgent(op.agent, op.agent_config);
    case Op::kConfigureAgent:
      return e.ConfigureAgent(op.agent, op.agent_config);
    case Op::kLogin:
      return e.LoginAgentToQueue(op.agent, op.queue, op.priority);
    case Op::kLogout:
      return e.LogoutAgentFromQueue(op.agent, op.queue);
    case Op::kState:
      return e.SetAgentState(op.agent, op.state, op.reason);
    case Op::kWrapUpDone:
      return e.WrapUpDone(op.agent);
    case Op::kEnqueue: {
      ContactSpec spec = op.spec;
      spec.skills = op.skills;
      return e.Enqueue(spec);
    }
    case Op::kAccept:
      return e.Accept(op.agent, op.contact);
    case Op::kDecline:
      return e.Decline(op.agent, op.contact);
    case Op::kTimeout:
      return e.OfferTimedOut(op.agent, op.contact);
    case Op::kComplete:
      return e.Complete(op.agent, op.contact);
    case Op::kAbandon:
      return e.Abandon(op.contact);
    case Op::kCallback:
      return e.RequestCallback(op.contact, op.when_ms);
    case Op::kTransferAgent:
      return e.TransferToAgent(op.contact, op.agent);
    case Op::kTransferQueue:
      return e.TransferToQueue(op.contact, op.queue);
    case Op::kEscalate:
      return e.Escalate(op.contact, op.queue, op.skills);
    case Op::kConsultAgent:
      return e.ConsultAgent(op.contact, op.agent);
    case Op::kConsultQueue:
      return e.ConsultQueue(op.contact, op.queue);
    case Op::kConsultComplete:
      return e.CompleteConsult(op.contact);
    case Op::kConsultCancel:
      return e.CancelConsult(op.contact);
    case Op::kTick:
      e.Tick();
      return OkStatus();
    case Op::kRemoveQueue:
      return e.RemoveQueue(op.queue);
    case Op::kKindCount:
      break;
  }
  return InternalError("unknown op");
}

class Workload {
 public:
  struct Sizes {
    int agents = 40;
    int voice_queues = 8;
    int chat_queues = 3;
    int email_queues = 1;
    int skills = 10;
  };

  Workload(uint64_t seed, Sizes sizes) : rng_(seed), sizes_(sizes) {}

  // The configuration commands: calendar, queues, agents, logins, states.
  std::vector<Op> Setup(int64_t t0) {
    now_ = t0;
    std::vector<Op> ops;
    Op cal = At(Op::kSetCalendar);
    cal.calendar = BusinessCalendar::Weekdays({8 * 60, 20 * 60});
    cal.calendar.weekly[5] = {{9 * 60, 12 * 60}};
    cal.calendar.exceptions.push_back({20260106, {}});
    ops.push_back(cal);
    const int nq = sizes_.voice_queues + sizes_.chat_queues + sizes_.email_queues;
    for (int q = 1; q <= nq; ++q) {
      Op op = At(Op::kAddQueue);
      op.queue = q;
      op.queue_config = RandomQueueConfig(q);
      channel_[q] = op.queue_config.channel;
      ops.push_back(op);
    }
    for (int a = 1; a <= sizes_.agents; ++a) {
      Op op = At(Op::kAddAgent);
      op.agent = 1000 + a;
      op.agent_config = RandomAgentConfig();
      capacity_[op.agent] = op.agent_config.capacity;
      blended_[op.agent] = op.agent_config.chat_with_voice;
      ops.push_back(op);
      std::vector<int> queues;
      const int n = 3 + static_cast<int>(Rand(4));
      for (int i = 0; i < n; ++i) {
        Op login = At(Op::kLogin);
        login.agent = op.agent;
        login.queue = 1 + static_cast<int>(Rand(nq));
        login.priority = 1 + static_cast<int>(Rand(3));
        ops.push_back(login);
      }
      Op state = At(Op::kState);
      state.agent = op.agent;
      state.state = AgentState::kAvailable;
      ops.push_back(state);
    }
    return ops;
  }

  // The next command, chosen from what the engine holds now.
  Op Next(const Engine& e) {
    const uint64_t r = Rand(1000);
    if (r < 120) {
      Op op = At(Op::kTick);
      // Mostly seconds; now and then half an hour, to cross business hours and let every
      // long timer (max wait, scheduled callbacks, offer timeouts) fire.
      now_ += static_cast<int64_t>(Rand(100) < 3 ? Rand(1'800'000) : Rand(4'000));
      op.time_ms = now_;
      return op;
    }
    now_ += static_cast<int64_t>(Rand(200));
    if (r < 340) {
      return live_.size() > 160 ? Abandon(e) : Enqueue();
    }
    if (r < 560) {
      if (auto op = PickHeld(false, Op::kAccept)) {
        return *op;
      }
      return Enqueue();
    }
    if (r < 760) {
      if (auto op = PickHeld(true, Op::kComplete)) {
        return *op;
      }
      return Enqueue();
    }
    if (r < 780) {
      if (auto op = PickHeld(false, Op::kDecline)) {
        return *op;
      }
    }
    if (r < 790) {
      if (auto op = PickHeld(false, Op::kTimeout)) {
        return *op;
      }
    }
    if (r < 830) {
      return Abandon(e);
    }
    if (r < 870) {
      Op op = At(Op::kState);
      op.agent = RandomAgent();
      // Agents come back from breaks more often than they take them, as on a real floor.
      const auto view = e.GetAgent(op.agent);
      const bool away = view.ok() && view->state != AgentState::kAvailable;
      const uint64_t s = Rand(10);
      op.state = away ? (s < 8 ? AgentState::kAvailable : AgentState::kBreak)
                      : (s < 7 ? AgentState::kBreak : AgentState::kOffline);
      op.reason = op.state == AgentState::kBreak ? static_cast<ReasonCode>(1 + Rand(3)) : 0;
      return op;
    }
    if (r < 885) {
      Op op = At(Op::kWrapUpDone);
      op.agent = RandomAgent();
      return op;
    }
    if (r < 905) {
      Op op = At(Op::kCallback);
      op.contact = RandomLive();
      op.when_ms = Rand(3) == 0 ? now_ + static_cast<int64_t>(Rand(120'000)) : 0;
      return op;
    }
    if (r < 955) {
      return Transfer();
    }
    if (r < 970) {
      Op op = At(Rand(2) == 0 ? Op::kLogin : Op::kLogout);
      op.agent = RandomAgent();
      op.queue = RandomQueue();
      if (!relogin_.empty()) {  // a queue just added again
        op.kind = Op::kLogin;
        op.queue = relogin_.back();
        relogin_.pop_back();
      }
      op.priority = 1 + static_cast<int>(Rand(3));
      return op;
    }
    if (r < 980) {
      Op op = At(Op::kConfigureAgent);
      op.agent = RandomAgent();
      op.agent_config = RandomAgentConfig();
      // Capacity and blending stay, so that no load can exceed them.
      op.agent_config.capacity = capacity_[op.agent];
      op.agent_config.chat_with_voice = blended_[op.agent];
      return op;
    }
    if (r < 985) {
      Op op = At(Op::kConfigureQueue);
      op.queue = RandomQueue();
      op.queue_config = RandomQueueConfig(op.queue);
      op.queue_config.channel = channel_[op.queue];
      return op;
    }
    if (r < 987) {
      // Now and then remove the queue with the fewest waiting (it fails while it has any
      // contact), or bring a removed one back, with new rules; agents log into it again.
      QueueId pick = 0;
      int fewest = 0;
      for (const auto& [q, ch] : channel_) {
        auto stats = e.GetQueueStats(q);
        if (!stats.ok()) {
          Op op = At(Op::kAddQueue);
          op.queue = q;
          op.queue_config = RandomQueueConfig(q);
          op.queue_config.channel = ch;
          relogin_.assign(8, q);
          return op;
        }
        const int n = stats->waiting + stats->callbacks;
        if (pick == 0 || n < fewest) {
          pick = q;
          fewest = n;
        }
      }
      if (r < 986) {
        return Enqueue();
      }
      Op op = At(Op::kRemoveQueue);
      op.queue = pick;
      return op;
    }
    return Enqueue();
  }

  // Folds one command's events into the shadow. Returns "" or what went wrong.
  std::string Observe(std::span<const Event> events) {
    for (const Event& ev : events) {
      if (ev.time_ms < last_time_) {
        return "event time went backwards";
      }
      last_time_ = ev.time_ms;
      const bool leg = (ev.flags & kEventFlagConsult) != 0;
      const Key key{ev.contact, leg};
      switch (ev.type) {
        case EventType::kAgentStateChanged:
          agent_state_[ev.agent] = static_cast<AgentState>(ev.detail);
          break;
        case EventType::kOffered: {
          if (held_.count(key) != 0) {
            return "contact " + std::to_string(ev.contact) + " offered while held by agent " +
                   std::to_string(held_[key].agent);
          }
          if (agent_state_[ev.agent] != AgentState::kAvailable) {
            return "offer to an agent that is not available";
          }
          held_[key] = {ev.agent, false};
          const int ch = static_cast<int>(channel_of_[ev.contact]);
          if (++load_[ev.agent][ch] > capacity_[ev.agent][ch]) {
            return "agent " + std::to_string(ev.agent) + " over capacity";
          }
          ++offers_;
          break;
        }
        case EventType::kAccepted:
          if (held_.count(key) == 0 || held_[key].agent != ev.agent || held_[key].connected) {
            return "accept of a contact not offered to the agent";
          }
          held_[key].connected = true;
          break;
        case EventType::kDeclined:
        case EventType::kOfferTimedOut:
        case EventType::kOfferRescinded:
          if (held_.count(key) == 0 || held_[key].agent != ev.agent || held_[key].connected) {
            return "missed offer not held";
          }
          Release(key);
          break;
        case EventType::kAbandoned:
          if (ev.agent != 0) {
            Release(key);
          }
          break;
        case EventType::kCompleted:
          Release(key);
          break;
        case EventType::kTransferred:
          if (ev.other_agent != 0) {
            const Key main{ev.contact, false};
            if (held_.count(main) == 0 || held_[main].agent != ev.other_agent) {
              return "transfer from an agent not holding the contact";
            }
            Release(main);
            if (ev.detail == static_cast<int>(TransferMode::kConsult)) {
              const Key l{ev.contact, true};
              held_[main] = held_[l];
              held_.erase(l);
            }
          }
          break;
        case EventType::kConsultCancelled:
          if (ev.other_agent != 0) {
            Release(Key{ev.contact, true});
          }
          break;
        default:
          break;
      }
    }
    return "";
  }

  // Cross-checks the shadow loads against the engine's.
  std::string CompareLoads(const Engine& e) {
    for (const auto& [agent, cap] : capacity_) {
      auto view = e.GetAgent(agent);
      if (!view.ok()) {
        return "agent missing";
      }
      for (int ch = 0; ch < kChannelCount; ++ch) {
        if (view->load[ch] != load_[agent][ch]) {
          return "load of agent " + std::to_string(agent) + " differs from the events";
        }
      }
    }
    return "";
  }

  int64_t now() const { return now_; }
  int64_t offers() const { return offers_; }

 private:
  struct Key {
    ContactId contact;
    bool leg;
    bool operator<(const Key& o) const {
      return contact != o.contact ? contact < o.contact : leg < o.leg;
    }
  };
  struct Held {
    AgentId agent = 0;
    bool connected = false;
  };

  uint64_t Rand(uint64_t n) { return rng_() % n; }

  Op At(Op::Kind kind) {
    Op op;
    op.kind = kind;
    op.time_ms = now_;
    return op;
  }

  AgentId RandomAgent() { return 1000 + 1 + static_cast<AgentId>(Rand(sizes_.agents)); }
  QueueId RandomQueue() { return 1 + static_cast<QueueId>(Rand(channel_.size())); }
  ContactId RandomLive() { return live_.empty() ? 1 : live_[Rand(live_.size())]; }

  void Release(const Key& key) {
    auto it = held_.find(key);
    if (it == held_.end()) {
      return;
    }
    --load_[it->second.agent][static_cast<int>(channel_of_[key.contact])];
    held_.erase(it);
  }

  // A random offered (or connected) contact and the agent holding it.
  std::optional<Op> PickHeld(bool connected, Op::Kind kind) {
    std::vector<std::pair<Key, Held>> c;
    for (const auto& [k, h] : held_) {
      if (h.connected == connected && (!k.leg || kind != Op::kComplete)) {
        c.emplace_back(k, h);
      }
    }
    if (c.empty()) {
      return std::nullopt;
    }
    const auto& [k, h] = c[Rand(c.size())];
    Op op = At(kind);
    op.contact = k.contact;
    op.agent = h.agent;
    return op;
  }

  Op Enqueue() {
    Op op = At(Op::kEnqueue);
    op.spec.id = next_contact_++;
    op.spec.queue = RandomQueue();
    op.spec.channel = channel_[op.spec.queue];
    if (Rand(3) == 0) {
      op.skills.push_back({9 + static_cast<SkillId>(Rand(2)), 1 + static_cast<int>(Rand(2))});
    }
    const uint64_t t = Rand(100);
    op.spec.tier = t < 70   ? Tier::kStandard
                   : t < 88 ? Tier::kGold
                   : t < 97 ? Tier::kPlatinum
                            : Tier::kPrivate;
    op.spec.elderly = Rand(20) == 0;
    op.spec.complaint = Rand(30) == 0;
    op.spec.owner = Rand(10) == 0 ? RandomAgent() : 0;
    op.spec.last_agent = Rand(10) == 0 ? RandomAgent() : 0;
    op.spec.callback = Rand(40) == 0;
    channel_of_[op.spec.id] = op.spec.channel;
    live_.push_back(op.spec.id);
    return op;
  }

  Op Abandon(const Engine& e) {
    // Forget contacts that are gone, then abandon one of the rest.
    for (int i = 0; i < 4 && !live_.empty(); ++i) {
      const size_t k = Rand(live_.size());
      if (!e.GetContact(live_[k]).ok()) {
        live_[k] = live_.back();
        live_.pop_back();
      }
    }
    Op op = At(Op::kAbandon);
    op.contact = RandomLive();
    return op;
  }

  Op Transfer() {
    // Finish a consult in progress half of the time.
    for (const auto& [k, h] : held_) {
      if (k.leg && h.connected && Rand(2) == 0) {
        Op op = At(Rand(3) == 0 ? Op::kConsultCancel : Op::kConsultComplete);
        op.contact = k.contact;
        return op;
      }
    }
    const uint64_t k = Rand(8);
    auto held = PickHeld(true, Op::kComplete);
    Op op = At(Op::kTick);
    if (!held) {
      return op;
    }
    op.contact = held->contact;
    switch (k) {
      case 0:
        op.kind = Op::kTransferAgent;
        op.agent = RandomAgent();
        break;
      case 1:
        op.kind = Op::kTransferQueue;
        op.queue = RandomQueue();
        break;
      case 2:
        op.kind = Op::kEscalate;
        op.queue = RandomQueue();
        if (Rand(2) == 0) {
          op.skills.push_back({1 + static_cast<SkillId>(Rand(sizes_.skills)), 2});
        }
        break;
      case 3:
        op.kind = Op::kConsultAgent;
        op.agent = RandomAgent();
        break;
      case 4:
        op.kind = Op::kConsultQueue;
        op.queue = RandomQueue();
        break;
      case 5:
      case 6:
        op.kind = Op::kConsultComplete;
        break;
      default:
        op.kind = Op::kConsultCancel;
        break;
    }
    return op;
  }

  AgentConfig RandomAgentConfig() {
    AgentConfig c;
    for (int s = 1; s <= sizes_.skills; ++s) {
      if (Rand(10) < 7) {
        c.skills.push_back({s, 1 + static_cast<int>(Rand(5))});
      }
    }
    c.capacity = {1, 1 + static_cast<int>(Rand(4)), 1 + static_cast<int>(Rand(5))};
    c.chat_with_voice = Rand(4) == 0;
    return c;
  }

  QueueConfig RandomQueueConfig(QueueId q) {
    QueueConfig c;
    const int voice = sizes_.voice_queues;
    const int chat = sizes_.chat_queues;
    c.channel = q <= voice ? Channel::kVoice : q <= voice + chat ? Channel::kChat : Channel::kEmail;
    c.strategy = static_cast<Strategy>(Rand(4));
    c.skills = {{1 + static_cast<SkillId>((q - 1) % 8), 1 + static_cast<int>(Rand(2))}};
    if (Rand(2) == 0) {
      c.rings = {{0, 3}, {15'000, 2}, {30'000, 1}};
    }
    c.tier_class = {0, 0, 0, static_cast<int>(Rand(2))};
    c.elderly_priority = static_cast<int>(Rand(20));
    c.complaint_class = static_cast<int>(Rand(2));
    c.aging_per_minute = static_cast<int>(Rand(4));
    c.offer_timeout_ms = 15'000 + static_cast<int64_t>(Rand(30'000));
    c.after_decline = {Rand(4) != 0 ? AgentState::kAvailable : AgentState::kBreak,
                       kReasonDeclinedOffer};
    const uint64_t t = Rand(20);
    c.after_offer_timeout = {t < 8    ? AgentState::kAvailable
                             : t < 17 ? AgentState::kBreak
                                      : AgentState::kOffline,
                             kReasonMissedOffer};
    c.wrap_up_ms = Rand(2) == 0 ? 0 : static_cast<int64_t>(Rand(30'000));
    c.owner_wait_ms = static_cast<int64_t>(Rand(3)) * 20'000;
    c.last_agent_first = Rand(2) == 0;
    c.last_agent_wait_ms = static_cast<int64_t>(Rand(2)) * 10'000;
    c.transfer_wait_ms = static_cast<int64_t>(Rand(3)) * 10'000;
    // Overflow to the next queue of the same channel.
    const int first = c.channel == Channel::kVoice  ? 1
                      : c.channel == Channel::kChat ? voice + 1
                                                    : 0;
    const int count = c.channel == Channel::kVoice ? voice : c.channel == Channel::kChat ? chat : 0;
    if (count > 1 && Rand(2) == 0) {
      c.overflow_queue = first + ((q - first + 1) % count);
      c.overflow_after_ms = Rand(2) == 0 ? 0 : 30'000 + static_cast<int64_t>(Rand(60'000));
      c.overflow_ewt_ms = Rand(2) == 0 ? 0 : 200'000 + static_cast<int64_t>(Rand(400'000));
    }
    if (Rand(3) == 0) {
      c.max_waiting = 5 + static_cast<int>(Rand(10));
      c.max_waiting_action = static_cast<LimitAction>(Rand(4));
    }
    if (Rand(3) == 0) {
      c.max_wait_ms = 60'000 + static_cast<int64_t>(Rand(120'000));
      c.max_wait_action = static_cast<LimitAction>(Rand(4));
    }
    c.callback_offer_ewt_ms = Rand(2) == 0 ? 0 : 120'000;
    if (q == 3) {
      c.calendar = 1;
      c.after_hours_action = static_cast<AfterHoursAction>(Rand(4));
    }
    c.default_handle_ms = 60'000 + static_cast<int64_t>(Rand(120'000));
    c.position_update_ms = Rand(2) == 0 ? 0 : 5'000 + static_cast<int64_t>(Rand(30'000));
    return c;
  }

  std::mt19937_64 rng_;
  Sizes sizes_;
  int64_t now_ = 0;
  int64_t last_time_ = 0;
  ContactId next_contact_ = 1;
  std::vector<ContactId> live_;
  std::vector<QueueId> relogin_;  // logins owed to a queue added again
  std::map<QueueId, Channel> channel_;
  std::map<ContactId, Channel> channel_of_;
  std::map<AgentId, std::array<int, kChannelCount>> capacity_;
  std::map<AgentId, bool> blended_;
  std::map<AgentId, std::array<int, kChannelCount>> load_;
  std::map<AgentId, AgentState> agent_state_;
  std::map<Key, Held> held_;
  int64_t offers_ = 0;
};

}  // namespace kefu::routing::testing
