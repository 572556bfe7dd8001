#pragma once

// A simulated bank call center that drives the routing engine the way the server will:
// Poisson arrivals with random skills and tiers, agents who answer after a ring, talk for
// an exponential handle time and sometimes decline, customers who hang up when their
// patience runs out, and the engine's own timers (wrap-up, rings, overflow, owners).
// Time is virtual (FakeClock); only the engine calls are timed.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <queue>
#include <random>
#include <vector>

#include "kefu/core/check.h"
#include "kefu/core/clock.h"
#include "kefu/routing/engine.h"

namespace kefu::routing::bench {

struct CallCenterOptions {
  int agents = 10'000;  // in teams of 100, each team serving 10 queues
  int skills = 200;     // 180 product skills, 20 language skills (181 = Mandarin)
  double load = 0.95;   // offered load over nominal capacity
  uint64_t seed = 20260105;
};

// Latency samples of engine calls, in nanoseconds.
struct Samples {
  std::vector<uint32_t> decisions;   // Enqueue, Complete, Decline, Abandon
  std::vector<uint32_t> all;         // every engine call, Accept and Tick included
  std::vector<uint32_t> by_kind[5];  // Enqueue, Accept, Complete, Tick, other
  double decision_seconds = 0;
  double all_seconds = 0;
  int64_t offers = 0;
  int64_t enqueues = 0;
  int64_t waiting_sum = 0;  // sampled by the caller between runs
  int64_t waiting_samples = 0;

  void Clear() { *this = Samples{}; }
};

// One engine call as data, for replaying a recorded stream without the simulator.
struct Command {
  enum Kind : uint8_t { kEnqueue, kAccept, kDecline, kComplete, kAbandon, kTick };
  Kind kind = kTick;
  Tier tier = Tier::kStandard;
  bool elderly = false;
  bool has_skill = false;
  Channel channel = Channel::kVoice;
  SkillRequirement skill;
  int64_t time_ms = 0;
  ContactId contact = 0;
  AgentId agent = 0;
  QueueId queue = 0;
  AgentId owner = 0;

  bool decision() const { return kind != kAccept && kind != kTick; }
};

inline Status Replay(Engine& e, FakeClock& clock, const Command& c) {
  clock.SetMs(c.time_ms);
  switch (c.kind) {
    case Command::kEnqueue: {
      ContactSpec spec;
      spec.id = c.contact;
      spec.queue = c.queue;
      spec.channel = c.channel;
      spec.tier = c.tier;
      spec.elderly = c.elderly;
      spec.owner = c.owner;
      if (c.has_skill) {
        spec.skills = std::span<const SkillRequirement>(&c.skill, 1);
      }
      return e.Enqueue(spec);
    }
    case Command::kAccept:
      return e.Accept(c.agent, c.contact);
    case Command::kDecline:
      return e.Decline(c.agent, c.contact);
    case Command::kComplete:
      return e.Complete(c.agent, c.contact);
    case Command::kAbandon:
      return e.Abandon(c.contact);
    case Command::kTick:
      e.Tick();
      return OkStatus();
  }
  return InternalError("unknown command");
}

inline uint32_t Percentile(std::vector<uint32_t> v, double p) {
  if (v.empty()) {
    return 0;
  }
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

class CallCenter {
 public:
  static constexpr int kTeamSize = 100;
  static constexpr int kQueuesPerTeam = 10;
  static constexpr SkillId kMandarin = 181;

  explicit CallCenter(CallCenterOptions options)
      : options_(options), clock_(1'767'578'400'000), rng_(options.seed) {
    engine_ = NewEngine(&clock_);
    teams_ = options_.agents / kTeamSize;
    for (int t = 0; t < teams_; ++t) {
      SetUpTeam(t);
    }
    // Arrival rate: the offered load over what the agents can handle, per team.
    double capacity = 0;
    for (int t = 0; t < teams_; ++t) {
      capacity += TeamCapacityPerSecond(t);
      team_weight_.push_back(capacity);
    }
    arrivals_per_ms_ = options_.load * capacity / 1000.0;
    Push(clock_.NowMs(), Sim::kArrival, 0, 0);
  }

  Engine& engine() { return *engine_; }
  FakeClock& clock() { return clock_; }
  // While set, every engine call is also appended here.
  void Record(std::vector<Command>* trace) { trace_ = trace; }
  int64_t now() const { return clock_.NowMs(); }

  // Runs until `calls` more engine calls were made. Times them into `samples` if given.
  void Run(int64_t calls, Samples* samples) {
    for (int64_t n = 0; n < calls; ++n) {
      const int64_t deadline = engine_->NextDeadlineMs();
      if (deadline <= sim_.top().t) {
        clock_.SetMs(deadline);
        Timed(
            samples, false, [&] { engine_->Tick(); }, kTick);
        if (trace_ != nullptr) {
          Command c;
          c.time_ms = deadline;
          trace_->push_back(c);
        }
      } else {
        const Sim s = sim_.top();
        sim_.pop();
        clock_.SetMs(s.t);
        Execute(s, samples);
      }
      Observe(samples);
    }
  }

 private:
  struct Sim {
    enum Kind : uint8_t { kArrival, kAnswer, kHangUp, kAbandon };
    int64_t t;
    uint64_t seq;
    Kind kind;
    int64_t contact;
    AgentId agent;
    bool operator>(const Sim& o) const { return t != o.t ? t > o.t : seq > o.seq; }
  };
  enum class Phase : uint8_t { kNone, kWaiting, kOffered, kConnected, kDone };

  Channel TeamChannel(int t) const {
    const int voice = teams_ * 80 / 100;
    const int chat = teams_ * 95 / 100;
    return t < voice ? Channel::kVoice : t < chat ? Channel::kChat : Channel::kEmail;
  }
  static int64_t HandleMs(Channel ch) {
    return ch == Channel::kVoice ? 180'000 : ch == Channel::kChat ? 300'000 : 600'000;
  }
  double TeamCapacityPerSecond(int t) const {
    const Channel ch = TeamChannel(t);
    const AgentConfig defaults;
    const double per_agent = defaults.capacity[static_cast<int>(ch)];
    const double wrap = ch == Channel::kVoice ? 10'000 : 0;
    return kTeamSize * per_agent * 1000.0 / (static_cast<double>(HandleMs(ch)) + wrap);
  }
  static QueueId QueueOf(int team, int k) { return team * kQueuesPerTeam + k + 1; }
  static AgentId AgentOf(int team, int m) { return 100'000 + team * kTeamSize + m; }
  SkillId ProductSkill(QueueId q) const {
    return 1 + static_cast<SkillId>((q - 1) % (options_.skills - 20));
  }
  uint64_t Rand(uint64_t n) { return rng_() % n; }
  double Uniform() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  int64_t Exponential(double mean_ms) {
    return 1 + static_cast<int64_t>(-std::log(1.0 - Uniform()) * mean_ms);
  }

  void SetUpTeam(int t) {
    const Channel ch = TeamChannel(t);
    for (int k = 0; k < kQueuesPerTeam; ++k) {
      const QueueId q = QueueOf(t, k);
      QueueConfig cfg;
      cfg.channel = ch;
      cfg.strategy = ch == Channel::kChat ? Strategy::kLeastOccupied
                     : k == 7             ? Strategy::kMostSkilled
                     : k == 8             ? Strategy::kRoundRobin
                                          : Strategy::kLongestIdle;
      cfg.skills = {{ProductSkill(q), 1}, {kMandarin, 1}};
      if (k % 3 == 0) {
        cfg.rings = {{0, 3}, {20'000, 2}, {40'000, 1}};
      }
      cfg.tier_class = {0, 0, 0, 1};
      cfg.elderly_priority = 15;
      cfg.wrap_up_ms = ch == Channel::kVoice ? 10'000 : 0;
      cfg.owner_wait_ms = 20'000;
      if (k == 9) {
        cfg.overflow_queue = QueueOf(t, 8);
        cfg.overflow_after_ms = 60'000;
      }
      cfg.default_handle_ms = HandleMs(ch);
      KEFU_CHECK(engine_->AddQueue(q, cfg).ok());
    }
    for (int m = 0; m < kTeamSize; ++m) {
      AgentConfig cfg;
      for (int k = 0; k < kQueuesPerTeam; ++k) {
        if (Rand(10) < 8) {
          cfg.skills.push_back({ProductSkill(QueueOf(t, k)), 1 + static_cast<int>(Rand(5))});
        }
      }
      std::sort(cfg.skills.begin(), cfg.skills.end(),
                [](const SkillLevel& a, const SkillLevel& b) { return a.skill < b.skill; });
      cfg.skills.erase(
          std::unique(cfg.skills.begin(), cfg.skills.end(),
                      [](const SkillLevel& a, const SkillLevel& b) { return a.skill == b.skill; }),
          cfg.skills.end());
      cfg.skills.push_back({kMandarin, 3 + static_cast<int>(Rand(3))});
      for (int l = 0; l < 2; ++l) {
        const SkillId lang = 182 + static_cast<SkillId>(Rand(options_.skills - 181));
        bool have = false;
        for (const SkillLevel& s : cfg.skills) {
          have = have || s.skill == lang;
        }
        if (!have) {
          cfg.skills.push_back({lang, 1 + static_cast<int>(Rand(5))});
        }
      }
      const AgentId a = AgentOf(t, m);
      KEFU_CHECK(engine_->AddAgent(a, cfg).ok());
      for (int k = 0; k < kQueuesPerTeam; ++k) {
        KEFU_CHECK(engine_->LoginAgentToQueue(a, QueueOf(t, k), Rand(2) == 0 ? 1 : 2).ok());
      }
      KEFU_CHECK(engine_->SetAgentState(a, AgentState::kAvailable).ok());
    }
    engine_->ClearEvents();
  }

  void Push(int64_t t, Sim::Kind kind, int64_t contact, AgentId agent) {
    sim_.push(Sim{t, ++seq_, kind, contact, agent});
  }

  enum Kind { kEnqueue, kAccept, kComplete, kTick, kOther };

  template <typename F>
  void Timed(Samples* samples, bool decision, F&& f, Kind kind = kOther) {
    if (samples == nullptr) {
      f();
      return;
    }
    const auto start = std::chrono::steady_clock::now();
    f();
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    const double s = static_cast<double>(ns) * 1e-9;
    samples->all.push_back(static_cast<uint32_t>(ns));
    samples->by_kind[kind].push_back(static_cast<uint32_t>(ns));
    samples->all_seconds += s;
    if (decision) {
      samples->decisions.push_back(static_cast<uint32_t>(ns));
      samples->decision_seconds += s;
    }
  }

  void Execute(const Sim& s, Samples* samples) {
    switch (s.kind) {
      case Sim::kArrival: {
        Push(s.t + Exponential(1.0 / arrivals_per_ms_), Sim::kArrival, 0, 0);
        const double pick = Uniform() * team_weight_.back();
        const int team =
            static_cast<int>(std::lower_bound(team_weight_.begin(), team_weight_.end(), pick) -
                             team_weight_.begin());
        const Channel ch = TeamChannel(team);
        ContactSpec spec;
        spec.id = static_cast<ContactId>(phase_.size()) + 1;
        spec.queue = QueueOf(team, static_cast<int>(Rand(kQueuesPerTeam)));
        spec.channel = ch;
        const uint64_t tier = Rand(100);
        spec.tier = tier < 70   ? Tier::kStandard
                    : tier < 90 ? Tier::kGold
                    : tier < 98 ? Tier::kPlatinum
                                : Tier::kPrivate;
        spec.elderly = Rand(20) == 0;
        SkillRequirement extra[1] = {};
        if (Rand(10) < 3) {
          // Dialects and languages: the first few are common, the rest rare.
          const SkillId lang =
              182 + static_cast<SkillId>(Rand(4) == 0 ? Rand(options_.skills - 181) : Rand(4));
          extra[0] = {lang, 1 + static_cast<int>(Rand(2))};
          spec.skills = std::span<const SkillRequirement>(extra, 1);
        }
        if (Rand(100) < 3) {
          spec.owner = AgentOf(team, static_cast<int>(Rand(kTeamSize)));
        }
        phase_.push_back(Phase::kWaiting);
        channel_.push_back(ch);
        Timed(
            samples, true, [&] { KEFU_CHECK(engine_->Enqueue(spec).ok()); }, kEnqueue);
        if (trace_ != nullptr) {
          Command c;
          c.kind = Command::kEnqueue;
          c.time_ms = s.t;
          c.contact = spec.id;
          c.queue = spec.queue;
          c.channel = spec.channel;
          c.tier = spec.tier;
          c.elderly = spec.elderly;
          c.owner = spec.owner;
          c.has_skill = !spec.skills.empty();
          c.skill = extra[0];
          trace_->push_back(c);
        }
        if (samples != nullptr) {
          ++samples->enqueues;
        }
        if (ch != Channel::kEmail) {
          Push(s.t + Exponential(ch == Channel::kVoice ? 240'000 : 600'000), Sim::kAbandon, spec.id,
               0);
        }
        break;
      }
      case Sim::kAnswer:
        if (phase_[s.contact - 1] != Phase::kOffered) {
          break;
        }
        if (Rand(100) < 2) {
          Timed(samples, true, [&] { KEFU_CHECK(engine_->Decline(s.agent, s.contact).ok()); });
          Trace(Command::kDecline, s);
          phase_[s.contact - 1] = Phase::kWaiting;
        } else {
          Timed(
              samples, false, [&] { KEFU_CHECK(engine_->Accept(s.agent, s.contact).ok()); },
              kAccept);
          Trace(Command::kAccept, s);
          phase_[s.contact - 1] = Phase::kConnected;
          Push(s.t + Exponential(static_cast<double>(HandleMs(channel_[s.contact - 1]))),
               Sim::kHangUp, s.contact, s.agent);
        }
        break;
      case Sim::kHangUp:
        Timed(
            samples, true, [&] { KEFU_CHECK(engine_->Complete(s.agent, s.contact).ok()); },
            kComplete);
        Trace(Command::kComplete, s);
        phase_[s.contact - 1] = Phase::kDone;
        break;
      case Sim::kAbandon:
        if (phase_[s.contact - 1] == Phase::kWaiting) {
          Timed(samples, true, [&] { KEFU_CHECK(engine_->Abandon(s.contact).ok()); });
          Trace(Command::kAbandon, s);
          phase_[s.contact - 1] = Phase::kDone;
        }
        break;
    }
  }

  void Trace(Command::Kind kind, const Sim& s) {
    if (trace_ != nullptr) {
      Command c;
      c.kind = kind;
      c.time_ms = s.t;
      c.contact = s.contact;
      c.agent = s.agent;
      trace_->push_back(c);
    }
  }

  void Observe(Samples* samples) {
    for (const Event& e : engine_->events()) {
      switch (e.type) {
        case EventType::kOffered:
          phase_[e.contact - 1] = Phase::kOffered;
          Push(e.time_ms + 1000 + static_cast<int64_t>(Rand(2000)), Sim::kAnswer, e.contact,
               e.agent);
          if (samples != nullptr) {
            ++samples->offers;
          }
          break;
        case EventType::kRequeued:
          phase_[e.contact - 1] = Phase::kWaiting;
          break;
        case EventType::kLimitReached:
          // Only leaving a message ends the wait (announce and callback keep the place;
          // overflow moves it). The floor configures no limits; this keeps it honest if one
          // is added.
          if (e.value == static_cast<int64_t>(LimitAction::kLeaveMessage)) {
            phase_[e.contact - 1] = Phase::kDone;
          }
          break;
        case EventType::kAfterHours:
          if (e.detail != static_cast<int32_t>(AfterHoursAction::kCallback)) {
            phase_[e.contact - 1] = Phase::kDone;
          }
          break;
        case EventType::kAbandoned:
          phase_[e.contact - 1] = Phase::kDone;
          break;
        default:
          break;
      }
    }
    engine_->ClearEvents();
  }

  CallCenterOptions options_;
  FakeClock clock_;
  std::mt19937_64 rng_;
  std::unique_ptr<Engine> engine_;
  int teams_ = 0;
  std::vector<double> team_weight_;
  double arrivals_per_ms_ = 0;
  std::priority_queue<Sim, std::vector<Sim>, std::greater<Sim>> sim_;
  uint64_t seq_ = 0;
  std::vector<Phase> phase_;      // by contact id - 1
  std::vector<Channel> channel_;  // by contact id - 1
  std::vector<Command>* trace_ = nullptr;
};

}  // namespace kefu::routing::bench
