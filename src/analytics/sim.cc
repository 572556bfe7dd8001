#include "kefu/analytics/sim.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <queue>

#include "kefu/core/clock.h"
#include "kefu/routing/engine.h"

namespace kefu::analytics {
namespace {

using routing::AgentState;
using routing::Event;
using routing::EventType;

constexpr int64_t kInf = std::numeric_limits<int64_t>::max();
constexpr routing::ReasonCode kReasonEndOfShift = 100;
// With a drawn wrap-up the engine's own wrap-up timer is set beyond any draw the simulator
// makes; the simulator ends wrap-up with WrapUpDone.
constexpr int64_t kLongWrapUpMs = 30LL * 86'400'000;

// A clock the simulator moves; the engine reads it. Not atomic: one thread owns the run.
class VirtualClock final : public Clock {
 public:
  int64_t NowMs() const override { return now_ms_; }
  void Set(int64_t ms) { now_ms_ = ms; }

 private:
  int64_t now_ms_ = 0;
};

enum class Phase : uint8_t { kWaiting, kConnected, kDone };

struct ContactSim {
  int64_t arrival_ms = 0;
  int64_t answered_ms = -1;
  int64_t abandoned_ms = -1;
  int64_t talk_ms = 0;
  int64_t handle_ms = 0;
  int64_t wrap_up_ms = 0;
  int32_t agent = -1;
  int16_t queue = 0;
  routing::Tier tier = routing::Tier::kStandard;
  Phase phase = Phase::kWaiting;
};

struct AgentSim {
  int group = 0;
  int connected = 0;
  bool want_offline = false;
};

enum class Kind : uint8_t { kArrival, kComplete, kAbandon, kOnDuty, kOffDuty, kBreak, kWrapUpDone };

struct SimEvent {
  int64_t t;
  uint64_t seq;
  Kind kind;
  int32_t a;  // queue (arrival) or agent index
  int64_t b;  // contact index
};

struct Later {
  bool operator()(const SimEvent& x, const SimEvent& y) const {
    return x.t != y.t ? x.t > y.t : x.seq > y.seq;
  }
};

Status Bad(const std::string& field, const std::string& what) {
  return InvalidArgumentError(field + ": " + what, field);
}

class Simulation {
 public:
  Simulation(const Scenario& s, uint64_t seed, const SimProgress& progress)
      : s_(s), rng_(seed), progress_(progress) {
    interval_ms_ = int64_t{s.interval_minutes} * 60'000;
    intervals_ = static_cast<int>((s.duration_ms + interval_ms_ - 1) / interval_ms_);
    end_ms_ = s.start_ms + s.duration_ms;
    expected_ = ExpectedContacts(s);
  }

  Result<SimRun> Run() {
    clock_.Set(s_.start_ms);
    engine_ = routing::NewEngine(&clock_);
    for (size_t q = 0; q < s_.queues.size(); ++q) {
      routing::QueueConfig config = s_.queues[q].config;
      if (s_.queues[q].wrap_up.kind() != Distribution::Kind::kNever) {
        config.wrap_up_ms = kLongWrapUpMs;
      }
      KEFU_RETURN_IF_ERROR(Engine(engine_->AddQueue(QueueId(q), config)));
    }
    KEFU_RETURN_IF_ERROR(SetUpAgents());
    if (s_.arrivals.empty()) {
      next_arrival_ms_.assign(s_.queues.size(), static_cast<double>(s_.start_ms));
      for (size_t q = 0; q < s_.queues.size(); ++q) {
        PushArrival(static_cast<int>(q));
      }
    } else {
      replay_ = &s_.arrivals;
    }
    contacts_.reserve(static_cast<size_t>(expected_ + expected_ / 8 + 16));
    engine_->ClearEvents();

    for (;;) {
      const int64_t deadline = engine_->NextDeadlineMs();
      int64_t next = heap_.empty() ? kInf : heap_.top().t;
      const bool replay_next = replay_ != nullptr && replay_pos_ < replay_->size() &&
                               (*replay_)[replay_pos_].time_ms <= next;
      if (replay_next) {
        next = (*replay_)[replay_pos_].time_ms;
      }
      if (next == kInf && (deadline == routing::kNever || deadline > end_ms_ + 7 * 86'400'000LL)) {
        break;
      }
      if (deadline <= next) {
        clock_.Set(std::max(deadline, clock_.NowMs()));
        engine_->Tick();
        ++commands_;
      } else if (replay_next) {
        const SimArrival& a = (*replay_)[replay_pos_++];
        clock_.Set(std::max(a.time_ms, clock_.NowMs()));
        KEFU_RETURN_IF_ERROR(Arrive(a.queue, a.tier, a.handle_ms, a.patience_ms));
      } else {
        const SimEvent e = heap_.top();
        heap_.pop();
        clock_.Set(std::max(e.t, clock_.NowMs()));
        KEFU_RETURN_IF_ERROR(Execute(e));
      }
      KEFU_RETURN_IF_ERROR(Drain());
    }
    if (progress_) {
      progress_(static_cast<int64_t>(contacts_.size()), expected_);
    }
    return Finish();
  }

 private:
  static routing::QueueId QueueId(size_t q) { return static_cast<routing::QueueId>(q + 1); }
  static routing::AgentId AgentId(size_t a) { return static_cast<routing::AgentId>(a + 1); }

  static Status Engine(const Status& status) {
    if (status.ok()) {
      return status;
    }
    return InternalError("routing engine refused a simulator command: " + status.ToString());
  }

  void Push(int64_t t, Kind kind, int32_t a, int64_t b) {
    heap_.push(SimEvent{t, ++seq_, kind, a, b});
  }

  // Piecewise-constant Poisson process: an exponential gap at the current interval's rate;
  // crossing into the next interval restarts there (memoryless), at that interval's rate.
  void PushArrival(int q) {
    const SimQueue& queue = s_.queues[static_cast<size_t>(q)];
    double t = next_arrival_ms_[static_cast<size_t>(q)];
    const double ims = static_cast<double>(interval_ms_);
    for (;;) {
      const int i = static_cast<int>((t - static_cast<double>(s_.start_ms)) / ims);
      if (i >= intervals_ || i >= static_cast<int>(queue.volume.size())) {
        return;
      }
      const double interval_end = static_cast<double>(s_.start_ms) + ims * (i + 1);
      const double rate = queue.volume[static_cast<size_t>(i)] / ims;  // per ms
      if (rate <= 0) {
        t = interval_end;
        continue;
      }
      const double next = t + rng_.Exponential(1.0 / rate);
      if (next < interval_end && next < static_cast<double>(end_ms_)) {
        next_arrival_ms_[static_cast<size_t>(q)] = next;
        Push(static_cast<int64_t>(next), Kind::kArrival, q, 0);
        return;
      }
      t = interval_end;
    }
  }

  Status SetUpAgents() {
    // Staffed time per (group, interval).
    staffed_ms_.assign(
        s_.groups.size() * static_cast<size_t>(std::max(intervals_, 1)) + s_.groups.size(), 0);
    for (size_t g = 0; g < s_.groups.size(); ++g) {
      const SimAgentGroup& group = s_.groups[g];
      std::vector<std::vector<std::pair<int64_t, int64_t>>> periods;  // per agent, on duty
      if (!group.shifts.empty()) {
        // A shift that starts after another ended reuses its agents: one person, one agent,
        // never two at once.
        std::vector<const SimShift*> by_start;
        for (const SimShift& shift : group.shifts) {
          by_start.push_back(&shift);
        }
        std::stable_sort(
            by_start.begin(), by_start.end(),
            [](const SimShift* a, const SimShift* b) { return a->start_ms < b->start_ms; });
        for (const SimShift* shift_ptr : by_start) {
          const SimShift& shift = *shift_ptr;
          size_t reuse = 0;
          for (int k = 0; k < shift.agents; ++k) {
            std::vector<std::pair<int64_t, int64_t>> p;
            int64_t from = s_.start_ms + shift.start_ms;
            const int64_t to = s_.start_ms + shift.end_ms;
            std::vector<SimBreak> breaks = shift.breaks;
            std::sort(breaks.begin(), breaks.end(), [](const SimBreak& a, const SimBreak& b) {
              return a.offset_ms < b.offset_ms;
            });
            for (const SimBreak& b : breaks) {
              const int64_t bs =
                  s_.start_ms + shift.start_ms + b.offset_ms + (k % 4) * shift.break_stagger_ms;
              const int64_t be = std::min(to, bs + b.duration_ms);
              if (bs > from && bs < to) {
                p.emplace_back(from, bs);
              }
              from = std::max(from, be);
            }
            if (from < to) {
              p.emplace_back(from, to);
            }
            if (p.empty()) {
              continue;
            }
            while (reuse < periods.size() && !periods[reuse].empty() &&
                   periods[reuse].back().second > p.front().first) {
              ++reuse;
            }
            if (reuse < periods.size()) {
              periods[reuse].insert(periods[reuse].end(), p.begin(), p.end());
              ++reuse;
            } else {
              periods.push_back(std::move(p));
              reuse = periods.size();
            }
          }
        }
      } else {
        int most = 0;
        for (int n : group.staffing) {
          most = std::max(most, n);
        }
        periods.resize(static_cast<size_t>(most));
        const int n_int = std::min<int>(intervals_, static_cast<int>(group.staffing.size()));
        for (int i = 0; i < n_int; ++i) {
          const int64_t from = s_.start_ms + i * interval_ms_;
          const bool last = i == n_int - 1;
          const int64_t to = last ? kInf : from + interval_ms_;
          for (int k = 0; k < group.staffing[static_cast<size_t>(i)]; ++k) {
            auto& p = periods[static_cast<size_t>(k)];
            if (!p.empty() && p.back().second == from) {
              p.back().second = to;
            } else {
              p.emplace_back(from, to);
            }
          }
        }
      }
      routing::AgentConfig config = group.config;
      for (auto& p : periods) {
        const size_t a = agents_.size();
        agents_.push_back(AgentSim{static_cast<int>(g), 0, false});
        wrap_up_token_.push_back(0);
        KEFU_RETURN_IF_ERROR(Engine(engine_->AddAgent(AgentId(a), config)));
        for (const auto& [q, priority] : group.queues) {
          KEFU_RETURN_IF_ERROR(Engine(
              engine_->LoginAgentToQueue(AgentId(a), QueueId(static_cast<size_t>(q)), priority)));
        }
        for (size_t j = 0; j < p.size(); ++j) {
          const auto [on, off] = p[j];
          Push(on, Kind::kOnDuty, static_cast<int32_t>(a), 0);
          if (off != kInf) {
            // Between two periods of one shift the agent is on break, at the end off duty.
            const bool more = j + 1 < p.size();
            Push(off, more ? Kind::kBreak : Kind::kOffDuty, static_cast<int32_t>(a), 0);
          }
          AddStaffed(g, on, off);
        }
      }
    }
    return OkStatus();
  }

  void AddStaffed(size_t g, int64_t on, int64_t off) {
    const int64_t end = s_.start_ms + int64_t{intervals_} * interval_ms_;
    on = std::max(on, s_.start_ms);
    off = std::min(off, end);
    while (on < off) {
      const int64_t i = (on - s_.start_ms) / interval_ms_;
      const int64_t interval_end = s_.start_ms + (i + 1) * interval_ms_;
      const int64_t until = std::min(off, interval_end);
      staffed_ms_[g * static_cast<size_t>(intervals_) + static_cast<size_t>(i)] += until - on;
      on = until;
    }
  }

  Status Arrive(int q, routing::Tier tier, int64_t handle_ms, int64_t patience_ms) {
    const SimQueue& queue = s_.queues[static_cast<size_t>(q)];
    const bool priority = tier != routing::Tier::kStandard;
    const Distribution& handle =
        priority && queue.priority_handle.kind() != Distribution::Kind::kNever
            ? queue.priority_handle
            : queue.handle;
    const Distribution& patience =
        priority && queue.priority_patience.kind() != Distribution::Kind::kNever
            ? queue.priority_patience
            : queue.patience;
    ContactSim c;
    c.arrival_ms = clock_.NowMs();
    c.queue = static_cast<int16_t>(q);
    c.tier = tier;
    c.handle_ms = handle_ms >= 0 ? handle_ms : std::max<int64_t>(1, handle.SampleMs(rng_));
    if (queue.wrap_up.kind() != Distribution::Kind::kNever) {
      c.wrap_up_ms = std::min<int64_t>(queue.wrap_up.SampleMs(rng_), kLongWrapUpMs / 2);
    } else {
      c.wrap_up_ms = queue.config.wrap_up_ms;
    }
    if (patience_ms < 0) {
      patience_ms = patience.SampleMs(rng_);
    }
    const size_t index = contacts_.size();
    contacts_.push_back(c);
    routing::ContactSpec spec;
    spec.id = static_cast<routing::ContactId>(index + 1);
    spec.queue = QueueId(static_cast<size_t>(q));
    spec.channel = queue.config.channel;
    spec.tier = tier;
    KEFU_RETURN_IF_ERROR(Engine(engine_->Enqueue(spec)));
    ++commands_;
    if (patience_ms != kInf) {
      Push(c.arrival_ms + patience_ms, Kind::kAbandon, 0, static_cast<int64_t>(index));
    }
    if (progress_ && (index & 0x3fff) == 0) {
      progress_(static_cast<int64_t>(index), expected_);
    }
    return OkStatus();
  }

  Status Execute(const SimEvent& e) {
    switch (e.kind) {
      case Kind::kArrival: {
        const SimQueue& queue = s_.queues[static_cast<size_t>(e.a)];
        const routing::Tier tier = queue.priority_share > 0 && rng_.Uniform() < queue.priority_share
                                       ? queue.priority_tier
                                       : routing::Tier::kStandard;
        KEFU_RETURN_IF_ERROR(Arrive(e.a, tier, -1, -1));
        PushArrival(e.a);
        return OkStatus();
      }
      case Kind::kComplete: {
        ++commands_;
        return Engine(engine_->Complete(AgentId(static_cast<size_t>(e.a)),
                                        static_cast<routing::ContactId>(e.b + 1)));
      }
      case Kind::kAbandon: {
        if (contacts_[static_cast<size_t>(e.b)].phase != Phase::kWaiting) {
          return OkStatus();
        }
        ++commands_;
        return Engine(engine_->Abandon(static_cast<routing::ContactId>(e.b + 1)));
      }
      case Kind::kOnDuty: {
        AgentSim& a = agents_[static_cast<size_t>(e.a)];
        a.want_offline = false;
        ++commands_;
        return Engine(
            engine_->SetAgentState(AgentId(static_cast<size_t>(e.a)), AgentState::kAvailable));
      }
      case Kind::kWrapUpDone: {
        // The agent may have left wrap-up already (a break or the end of the shift).
        const routing::AgentId id = AgentId(static_cast<size_t>(e.a));
        if (wrap_up_token_[static_cast<size_t>(e.a)] != e.b) {
          return OkStatus();
        }
        ++commands_;
        Status st = engine_->WrapUpDone(id);
        if (!st.ok() && st.code() != StatusCode::kFailedPrecondition) {
          return Engine(st);
        }
        return OkStatus();
      }
      case Kind::kBreak:
        ++commands_;
        return Engine(engine_->SetAgentState(AgentId(static_cast<size_t>(e.a)), AgentState::kBreak,
                                             routing::kReasonMeal));
      case Kind::kOffDuty: {
        AgentSim& a = agents_[static_cast<size_t>(e.a)];
        ++commands_;
        if (a.connected > 0) {
          // Offline needs the calls finished: stop new offers now, log out after the last.
          a.want_offline = true;
          return Engine(engine_->SetAgentState(AgentId(static_cast<size_t>(e.a)),
                                               AgentState::kBreak, kReasonEndOfShift));
        }
        return Engine(
            engine_->SetAgentState(AgentId(static_cast<size_t>(e.a)), AgentState::kOffline));
      }
    }
    return OkStatus();
  }

  // Reacts to the engine's decisions until it has nothing more to say: offers are answered
  // at once (no ring time), completions free agents who may be due to log out.
  Status Drain() {
    while (!engine_->events().empty()) {
      const auto events = engine_->events();
      buffer_.assign(events.begin(), events.end());
      engine_->ClearEvents();
      for (const Event& e : buffer_) {
        if ((e.flags & routing::kEventFlagConsult) != 0 || e.contact <= 0) {
          continue;
        }
        const size_t ci = static_cast<size_t>(e.contact - 1);
        switch (e.type) {
          case EventType::kOffered: {
            ++commands_;
            KEFU_RETURN_IF_ERROR(Engine(engine_->Accept(e.agent, e.contact)));
            break;
          }
          case EventType::kAccepted: {
            ContactSim& c = contacts_[ci];
            c.phase = Phase::kConnected;
            c.answered_ms = e.time_ms;
            const size_t a = static_cast<size_t>(e.agent - 1);
            c.agent = static_cast<int32_t>(a);
            ++agents_[a].connected;
            Push(e.time_ms + c.handle_ms, Kind::kComplete, static_cast<int32_t>(a),
                 static_cast<int64_t>(ci));
            break;
          }
          case EventType::kCompleted: {
            ContactSim& c = contacts_[ci];
            c.phase = Phase::kDone;
            c.talk_ms = e.value;
            const size_t a = static_cast<size_t>(e.agent - 1);
            AgentSim& agent = agents_[a];
            --agent.connected;
            if (s_.queues[static_cast<size_t>(c.queue)].wrap_up.kind() !=
                Distribution::Kind::kNever) {
              // A token per agent: only the latest contact's wrap-up end counts.
              const int64_t token = ++wrap_up_token_[a];
              Push(e.time_ms + c.wrap_up_ms, Kind::kWrapUpDone, static_cast<int32_t>(a), token);
            }
            if (agent.want_offline && agent.connected == 0) {
              agent.want_offline = false;
              ++commands_;
              KEFU_RETURN_IF_ERROR(Engine(engine_->SetAgentState(e.agent, AgentState::kOffline)));
            }
            break;
          }
          case EventType::kAbandoned: {
            ContactSim& c = contacts_[ci];
            c.phase = Phase::kDone;
            c.abandoned_ms = e.time_ms;
            break;
          }
          case EventType::kLimitReached:
            // Only "leave a message" ends the wait: announce and callback keep the place,
            // overflow moves it.
            if (static_cast<routing::LimitAction>(e.value) == routing::LimitAction::kLeaveMessage) {
              contacts_[ci].phase = Phase::kDone;
            }
            break;
          case EventType::kAfterHours:
            if (static_cast<routing::AfterHoursAction>(e.detail) !=
                routing::AfterHoursAction::kCallback) {
              contacts_[ci].phase = Phase::kDone;
            }
            break;
          default:
            break;
        }
      }
    }
    return OkStatus();
  }

  Result<SimRun> Finish() {
    SimRun run;
    run.contacts = static_cast<int64_t>(contacts_.size());
    run.engine_commands = commands_;
    const int64_t count_from = s_.start_ms + s_.warmup_ms;
    std::vector<std::string> queue_names;
    std::vector<std::string> channel_names;
    for (const SimQueue& q : s_.queues) {
      queue_names.push_back(q.name);
      channel_names.emplace_back(routing::ChannelName(q.config.channel));
    }
    run.records.reserve(contacts_.size());
    run.tiers.reserve(contacts_.size());
    for (const ContactSim& c : contacts_) {
      if (c.arrival_ms < count_from) {
        continue;
      }
      ContactRecord r;
      r.offered_ms = c.arrival_ms;
      if (c.answered_ms >= 0) {
        r.answered_ms = c.answered_ms;
        r.talk_ms = c.phase == Phase::kDone ? c.talk_ms : 0;
        r.wrap_up_ms = c.phase == Phase::kDone ? c.wrap_up_ms : 0;
        r.agent = "a" + std::to_string(c.agent + 1);
      } else if (c.abandoned_ms >= 0) {
        r.abandoned_ms = c.abandoned_ms;
      }
      r.queue = queue_names[static_cast<size_t>(c.queue)];
      r.channel = channel_names[static_cast<size_t>(c.queue)];
      run.records.push_back(std::move(r));
      run.tiers.push_back(c.tier);
    }
    for (size_t g = 0; g < s_.groups.size(); ++g) {
      for (int i = 0; i < intervals_; ++i) {
        const int64_t start = s_.start_ms + i * interval_ms_;
        const int64_t ms =
            staffed_ms_[g * static_cast<size_t>(intervals_) + static_cast<size_t>(i)];
        if (ms > 0 && start + interval_ms_ > count_from) {
          run.staffed.push_back(StaffedTime{start, s_.groups[g].name, ms});
        }
      }
    }
    return run;
  }

  const Scenario& s_;
  Rng rng_;
  const SimProgress& progress_;
  VirtualClock clock_;
  std::unique_ptr<routing::Engine> engine_;
  int64_t interval_ms_ = 0;
  int intervals_ = 0;
  int64_t end_ms_ = 0;
  int64_t expected_ = 0;
  int64_t commands_ = 0;
  uint64_t seq_ = 0;
  std::priority_queue<SimEvent, std::vector<SimEvent>, Later> heap_;
  std::vector<double> next_arrival_ms_;
  const std::vector<SimArrival>* replay_ = nullptr;
  size_t replay_pos_ = 0;
  std::vector<ContactSim> contacts_;
  std::vector<AgentSim> agents_;
  std::vector<int64_t> wrap_up_token_;
  std::vector<int64_t> staffed_ms_;
  std::vector<Event> buffer_;
};

// Two-sided 95 % Student t quantile for df degrees of freedom.
double T95(int df) {
  static constexpr double kTable[] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365,
                                      2.306, 2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                                      2.120, 2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069,
                                      2.064, 2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (df <= 0) {
    return 0;
  }
  if (df <= 30) {
    return kTable[df];
  }
  return 1.96 + 2.4 / df;
}

}  // namespace

Status ValidateScenario(const Scenario& s) {
  if (s.interval_minutes != 15 && s.interval_minutes != 30 && s.interval_minutes != 60) {
    return Bad("interval_minutes", "must be 15, 30 or 60");
  }
  const int64_t ims = int64_t{s.interval_minutes} * 60'000;
  if (s.start_ms < 0 || s.start_ms % ims != 0) {
    return Bad("start", "must be aligned to the interval (e.g. a whole hour)");
  }
  if (s.duration_ms <= 0 || s.duration_ms > 400LL * 86'400'000) {
    return Bad("duration", "must be > 0 and at most 400 days");
  }
  if (s.warmup_ms < 0 || s.warmup_ms >= s.duration_ms) {
    return Bad("warmup", "must be >= 0 and shorter than the duration");
  }
  if (s.replications < 1 || s.replications > 10'000) {
    return Bad("replications", "must be in [1, 10000]");
  }
  if (s.queues.empty()) {
    return Bad("queues", "at least one queue is needed");
  }
  if (s.queues.size() > 30'000) {
    return Bad("queues", "too many queues");
  }
  for (size_t q = 0; q < s.queues.size(); ++q) {
    const SimQueue& queue = s.queues[q];
    const std::string f = fmt::format("queues[{}]", q);
    if (queue.name.empty()) {
      return Bad(f + ".name", "must not be empty");
    }
    for (size_t p = 0; p < q; ++p) {
      if (s.queues[p].name == queue.name) {
        return Bad(f + ".name", "duplicate queue name '" + queue.name + "'");
      }
    }
    if (queue.handle.kind() == Distribution::Kind::kNever) {
      return Bad(f + ".handle", "a handle-time distribution is needed");
    }
    for (size_t i = 0; i < queue.volume.size(); ++i) {
      if (!std::isfinite(queue.volume[i]) || queue.volume[i] < 0) {
        return Bad(fmt::format("{}.volume[{}]", f, i), "must be a number >= 0");
      }
    }
    if (!(queue.priority_share >= 0 && queue.priority_share <= 1)) {
      return Bad(f + ".priority_share", "must be in [0, 1]");
    }
  }
  for (size_t g = 0; g < s.groups.size(); ++g) {
    const SimAgentGroup& group = s.groups[g];
    const std::string f = fmt::format("groups[{}]", g);
    if (group.name.empty()) {
      return Bad(f + ".name", "must not be empty");
    }
    if (group.queues.empty()) {
      return Bad(f + ".queues", "the group serves no queue");
    }
    for (size_t j = 0; j < group.queues.size(); ++j) {
      const auto [q, priority] = group.queues[j];
      if (q < 0 || q >= static_cast<int>(s.queues.size())) {
        return Bad(fmt::format("{}.queues[{}]", f, j), "unknown queue");
      }
      if (priority < 1) {
        return Bad(fmt::format("{}.queues[{}].priority", f, j), "must be >= 1");
      }
    }
    if (!group.staffing.empty() && !group.shifts.empty()) {
      return Bad(f, "give either staffing or shifts, not both");
    }
    for (size_t i = 0; i < group.staffing.size(); ++i) {
      if (group.staffing[i] < 0 || group.staffing[i] > 200'000) {
        return Bad(fmt::format("{}.staffing[{}]", f, i), "must be in [0, 200000]");
      }
    }
    for (size_t k = 0; k < group.shifts.size(); ++k) {
      const SimShift& shift = group.shifts[k];
      const std::string sf = fmt::format("{}.shifts[{}]", f, k);
      if (shift.agents < 0 || shift.agents > 200'000) {
        return Bad(sf + ".agents", "must be in [0, 200000]");
      }
      if (shift.end_ms <= shift.start_ms) {
        return Bad(sf + ".end", "must be after the start");
      }
      for (size_t b = 0; b < shift.breaks.size(); ++b) {
        if (shift.breaks[b].offset_ms < 0 || shift.breaks[b].duration_ms <= 0) {
          return Bad(fmt::format("{}.breaks[{}]", sf, b),
                     "needs a start in the shift and a length");
        }
      }
      if (shift.break_stagger_ms < 0) {
        return Bad(sf + ".break_stagger", "must be >= 0");
      }
    }
  }
  for (size_t i = 0; i < s.arrivals.size(); ++i) {
    const SimArrival& a = s.arrivals[i];
    if (a.queue < 0 || a.queue >= static_cast<int>(s.queues.size())) {
      return Bad(fmt::format("arrivals[{}].queue", i), "unknown queue");
    }
    if (a.time_ms < s.start_ms || a.time_ms >= s.start_ms + s.duration_ms ||
        (i > 0 && a.time_ms < s.arrivals[i - 1].time_ms)) {
      return Bad(fmt::format("arrivals[{}].time", i),
                 "must be within the scenario and in time order");
    }
  }
  return OkStatus();
}

int64_t ExpectedContacts(const Scenario& s) {
  if (!s.arrivals.empty()) {
    return static_cast<int64_t>(s.arrivals.size());
  }
  double total = 0;
  const int64_t ims = int64_t{s.interval_minutes} * 60'000;
  const size_t intervals = static_cast<size_t>((s.duration_ms + ims - 1) / ims);
  for (const SimQueue& q : s.queues) {
    for (size_t i = 0; i < q.volume.size() && i < intervals; ++i) {
      total += q.volume[i];
    }
  }
  return static_cast<int64_t>(std::llround(total));
}

Result<SimRun> Simulate(const Scenario& scenario, uint64_t seed, const SimProgress& progress) {
  KEFU_RETURN_IF_ERROR(ValidateScenario(scenario));
  Simulation sim(scenario, seed, progress);
  return sim.Run();
}

Estimate EstimateMean(std::span<const double> values) {
  Estimate e;
  e.n = static_cast<int>(values.size());
  if (values.empty()) {
    return e;
  }
  double sum = 0;
  for (double v : values) {
    sum += v;
  }
  e.mean = sum / e.n;
  if (e.n < 2) {
    return e;
  }
  double ss = 0;
  for (double v : values) {
    ss += (v - e.mean) * (v - e.mean);
  }
  const double sd = std::sqrt(ss / (e.n - 1));
  e.half_width = T95(e.n - 1) * sd / std::sqrt(static_cast<double>(e.n));
  return e;
}

Result<KpiReport> RunKpis(const Scenario& scenario, const SimRun& run) {
  KpiConfig config = scenario.kpi;
  config.interval_minutes = scenario.interval_minutes;
  config.group_by = GroupBy::kNone;
  return ComputeKpis(run.records, run.staffed, config);
}

Result<ReplicationSummary> RunReplications(const Scenario& scenario, const SimProgress& progress) {
  KEFU_RETURN_IF_ERROR(ValidateScenario(scenario));
  ReplicationSummary out;
  out.kpi = scenario.kpi;
  out.kpi.interval_minutes = scenario.interval_minutes;
  out.replications = scenario.replications;
  const int64_t per_run = ExpectedContacts(scenario);
  const int64_t total = per_run * scenario.replications;
  std::vector<double> sl, ar, ab, asa, aht, occ;
  struct Acc {
    double offered = 0, answered = 0, abandoned = 0, staffed_ms = 0;
    std::vector<double> sl, asa, ab, occ;
  };
  std::map<int64_t, Acc> by_interval;
  for (int r = 0; r < scenario.replications; ++r) {
    SimProgress inner;
    if (progress) {
      inner = [&, r](int64_t done, int64_t) {
        progress(per_run * r + std::min(done, per_run), total);
      };
    }
    KEFU_ASSIGN_OR_RETURN(SimRun run,
                          Simulate(scenario, scenario.seed + static_cast<uint64_t>(r), inner));
    out.contacts += run.contacts;
    KEFU_ASSIGN_OR_RETURN(KpiReport report, RunKpis(scenario, run));
    if (!report.overall.empty()) {
      const KpiRow& o = report.overall.front();
      auto add = [](std::vector<double>& v, const std::optional<double>& x) {
        if (x) {
          v.push_back(*x);
        }
      };
      add(sl, o.service_level);
      add(ar, o.answer_rate);
      add(ab, o.abandon_rate);
      add(asa, o.asa_s);
      add(aht, o.aht_s);
      add(occ, o.occupancy);
    }
    for (const KpiRow& row : report.intervals) {
      Acc& a = by_interval[*row.interval_start_ms];
      a.offered += static_cast<double>(row.offered);
      a.answered += static_cast<double>(row.answered);
      a.abandoned += static_cast<double>(row.abandoned);
      a.staffed_ms += static_cast<double>(row.staffed_ms);
      if (row.service_level) {
        a.sl.push_back(*row.service_level);
      }
      if (row.asa_s) {
        a.asa.push_back(*row.asa_s);
      }
      if (row.abandon_rate) {
        a.ab.push_back(*row.abandon_rate);
      }
      if (row.occupancy) {
        a.occ.push_back(*row.occupancy);
      }
    }
    out.reports.push_back(std::move(report));
  }
  if (progress) {
    progress(total, total);
  }
  out.service_level = EstimateMean(sl);
  out.answer_rate = EstimateMean(ar);
  out.abandon_rate = EstimateMean(ab);
  out.asa_s = EstimateMean(asa);
  out.aht_s = EstimateMean(aht);
  out.occupancy = EstimateMean(occ);
  const double n = scenario.replications;
  const double ims = static_cast<double>(scenario.interval_minutes) * 60'000.0;
  for (const auto& [start, a] : by_interval) {
    IntervalSummary s;
    s.interval_start_ms = start;
    s.offered = a.offered / n;
    s.answered = a.answered / n;
    s.abandoned = a.abandoned / n;
    s.staffed_agents = a.staffed_ms / n / ims;
    s.service_level = EstimateMean(a.sl);
    s.asa_s = EstimateMean(a.asa);
    s.abandon_rate = EstimateMean(a.ab);
    s.occupancy = EstimateMean(a.occ);
    out.intervals.push_back(std::move(s));
  }
  return out;
}

}  // namespace kefu::analytics
