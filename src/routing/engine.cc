// Commands of the routing engine. The data structures and the invariant they keep are
// described in engine_impl.h; the routing core (placing, matching, offers) is in route.cc.

#include <algorithm>
#include <string>

#include "engine_impl.h"
#include "kefu/core/check.h"

namespace kefu::routing {
namespace internal {
namespace {

std::string Str(int64_t v) { return std::to_string(v); }

bool ValidLevel(int level) { return level >= 1 && level <= 5; }

}  // namespace

QueueCopies CopiesOf(const QueueConfig& config) {
  QueueCopies c;
  c.wrap_up_ms = config.wrap_up_ms;
  c.offer_timeout_ms = config.offer_timeout_ms;
  c.max_wait_ms = config.max_wait_ms;
  c.position_update_ms = config.position_update_ms;
  c.channel = config.channel;
  c.strategy = config.strategy;
  c.owner_first = config.owner_first;
  c.last_agent_first = config.last_agent_first;
  c.has_calendar = config.calendar != 0;
  c.overflow_after = config.overflow_after_ms > 0;
  c.rings = static_cast<uint8_t>(config.rings.size());
  return c;
}

ArrivalCopies ArrivalOf(const QueueConfig& config, const std::vector<uint32_t>& skills) {
  ArrivalCopies a;
  a.tier_class = config.tier_class;
  a.tier_priority = config.tier_priority;
  a.elderly_class = config.elderly_class;
  a.elderly_priority = config.elderly_priority;
  a.complaint_class = config.complaint_class;
  a.complaint_priority = config.complaint_priority;
  a.ring1_after_ms = config.rings.size() > 1 ? config.rings[1].after_ms : kNever;
  a.ring0_level = config.rings.empty() ? 1 : static_cast<uint8_t>(config.rings[0].min_level);
  a.nskills = static_cast<uint8_t>(skills.size());
  std::copy(skills.begin(), skills.end(), a.skills.begin());
  return a;
}

void CopyTiers(Queue& q) {
  for (size_t i = 0; i < q.first_tiers.size(); ++i) {
    q.first_tiers[i] = i < q.tiers.size() ? q.tiers[i] : kNil;
  }
}

void SetCopies(Queue& q) {
  q.aging = q.config.aging_per_minute;
  q.copies = CopiesOf(q.config);
  q.arrival = ArrivalOf(q.config, q.skills);
}

EngineImpl::EngineImpl(const Clock* clock, EngineOptions options)
    : clock_(clock), options_(options), now_(clock->NowMs()) {}

// ---- lookups and validation -------------------------------------------------------------

Result<int32_t> EngineImpl::FindQueue(QueueId id) const {
  int32_t q = queue_index_.Find(id);
  if (q < 0) {
    return NotFoundError("queue " + Str(id) + " not found");
  }
  return q;
}

Result<int32_t> EngineImpl::FindAgent(AgentId id) const {
  int32_t a = agent_index_.Find(id);
  if (a < 0) {
    return NotFoundError("agent " + Str(id) + " not found");
  }
  return a;
}

Result<int32_t> EngineImpl::FindContact(ContactId id) const {
  int32_t c = contact_index_.Find(id);
  if (c < 0) {
    return NotFoundError("contact " + Str(id) + " not found");
  }
  return c;
}

int32_t EngineImpl::InternSkill(SkillId id) {
  int32_t s = skill_index_.Find(id);
  if (s < 0) {
    s = static_cast<int32_t>(skill_ids_.size());
    skill_ids_.push_back(id);
    skill_index_.Insert(id, s);
  }
  return s;
}

Status EngineImpl::PackSkills(std::span<const SkillRequirement> skills,
                              std::vector<uint32_t>* out) {
  if (skills.size() > static_cast<size_t>(kMaxRequiredSkills)) {
    return InvalidArgumentError("at most " + Str(kMaxRequiredSkills) + " required skills",
                                "skills");
  }
  for (size_t i = 0; i < skills.size(); ++i) {
    if (skills[i].skill <= 0) {
      return InvalidArgumentError("skill id must be > 0", "skills");
    }
    if (!ValidLevel(skills[i].min_level)) {
      return InvalidArgumentError("skill level must be 1-5", "skills");
    }
    for (size_t j = 0; j < i; ++j) {
      if (skills[j].skill == skills[i].skill) {
        return InvalidArgumentError("skill " + Str(skills[i].skill) + " listed twice", "skills");
      }
    }
  }
  out->clear();
  for (const SkillRequirement& r : skills) {
    out->push_back((static_cast<uint32_t>(InternSkill(r.skill)) << 8) |
                   static_cast<uint32_t>(r.min_level));
  }
  return OkStatus();
}

int EngineImpl::CountUnion(const std::vector<uint32_t>& queue_skills, const Contact& c) {
  int n = static_cast<int>(queue_skills.size());
  for (int i = 0; i < c.nreq; ++i) {
    bool dup = false;
    for (uint32_t qs : queue_skills) {
      dup = dup || (qs >> 8) == (c.req[i] >> 8);
    }
    n += dup ? 0 : 1;
  }
  return n;
}

Status EngineImpl::ValidateQueueConfig(QueueId id, const QueueConfig& cfg) const {
  auto bad = [](const std::string& what, const std::string& field) {
    return InvalidArgumentError(what, field);
  };
  if (static_cast<int>(cfg.channel) >= kChannelCount) {
    return bad("unknown channel", "channel");
  }
  if (static_cast<int>(cfg.strategy) > static_cast<int>(Strategy::kRoundRobin)) {
    return bad("unknown strategy", "strategy");
  }
  if (cfg.skills.size() > static_cast<size_t>(kMaxRequiredSkills)) {
    return bad("too many skills", "skills");
  }
  for (size_t i = 0; i < cfg.skills.size(); ++i) {
    if (cfg.skills[i].skill <= 0 || !ValidLevel(cfg.skills[i].min_level)) {
      return bad("skill id must be > 0 and level 1-5", "skills");
    }
    for (size_t j = 0; j < i; ++j) {
      if (cfg.skills[j].skill == cfg.skills[i].skill) {
        return bad("skill listed twice", "skills");
      }
    }
  }
  if (cfg.rings.size() > 16) {
    return bad("at most 16 ring steps", "rings");
  }
  for (size_t i = 0; i < cfg.rings.size(); ++i) {
    const RingStep& r = cfg.rings[i];
    if (!ValidLevel(r.min_level)) {
      return bad("ring level must be 1-5", "rings");
    }
    if (i == 0 ? r.after_ms != 0 : r.after_ms <= cfg.rings[i - 1].after_ms) {
      return bad("ring steps start at 0 ms and strictly increase", "rings");
    }
    if (i > 0 && r.min_level > cfg.rings[i - 1].min_level) {
      return bad("rings widen: min levels must not increase", "rings");
    }
  }
  auto prio_ok = [](int v) { return v >= -kMaxAbsPriority && v <= kMaxAbsPriority; };
  for (int t = 0; t < kTierCount; ++t) {
    if (!prio_ok(cfg.tier_class[t]) || !prio_ok(cfg.tier_priority[t])) {
      return bad("priority out of range", "tier_priority");
    }
  }
  if (!prio_ok(cfg.elderly_class) || !prio_ok(cfg.elderly_priority) ||
      !prio_ok(cfg.complaint_class) || !prio_ok(cfg.complaint_priority)) {
    return bad("priority out of range", "elderly_priority");
  }
  if (cfg.aging_per_minute < 0 || cfg.aging_per_minute > 60'000) {
    return bad("aging must be 0..60000 points per minute", "aging_per_minute");
  }
  if (cfg.offer_timeout_ms <= 0) {
    return bad("offer timeout must be > 0", "offer_timeout_ms");
  }
  for (const MissedOfferPolicy* p : {&cfg.after_decline, &cfg.after_offer_timeout}) {
    if (p->state == AgentState::kWrapUp || static_cast<int>(p->state) > 3) {
      return bad("after a missed offer: available, break or offline", "after_decline");
    }
  }
  const int64_t kMaxMs = int64_t{366} * 86'400'000;
  for (int64_t ms : {cfg.wrap_up_ms, cfg.owner_wait_ms, cfg.last_agent_wait_ms,
                     cfg.transfer_wait_ms, cfg.overflow_after_ms, cfg.overflow_ewt_ms,
                     cfg.max_wait_ms, cfg.callback_offer_ewt_ms, cfg.offer_timeout_ms}) {
    if (ms < 0 || ms > kMaxMs) {
      return bad("durations must be 0..366 days", "ms");
    }
  }
  if (cfg.default_handle_ms <= 0 || cfg.default_handle_ms > kMaxMs) {
    return bad("default handle time must be > 0", "default_handle_ms");
  }
  if (cfg.position_update_ms != 0 &&
      (cfg.position_update_ms < 1'000 || cfg.position_update_ms > 86'400'000)) {
    return bad("position updates: 0 (off) or 1000..86400000 ms", "position_update_ms");
  }
  if (cfg.overflow_queue < 0 || (cfg.overflow_queue != 0 && cfg.overflow_queue == id)) {
    return bad("a queue cannot overflow to itself", "overflow_queue");
  }
  if (cfg.max_waiting < 0) {
    return bad("max waiting must be >= 0", "max_waiting");
  }
  if (static_cast<int>(cfg.max_waiting_action) > 3 || static_cast<int>(cfg.max_wait_action) > 3 ||
      static_cast<int>(cfg.after_hours_action) > 3 ||
      static_cast<int>(cfg.after_hours_fallback) > 3) {
    return bad("unknown action", "action");
  }
  if (cfg.calendar != 0) {
    bool found = false;
    for (const Calendar& c : calendars_) {
      found = found || c.id == cfg.calendar;
    }
    if (!found) {
      return NotFoundError("calendar " + Str(cfg.calendar) + " not found");
    }
  }
  return OkStatus();
}

Status EngineImpl::ValidateAgentConfig(const AgentConfig& cfg) const {
  for (int ch = 0; ch < kChannelCount; ++ch) {
    if (cfg.capacity[ch] < 0 || cfg.capacity[ch] > 100) {
      return InvalidArgumentError("capacity must be 0..100", "capacity");
    }
  }
  for (size_t i = 0; i < cfg.skills.size(); ++i) {
    if (cfg.skills[i].skill <= 0 || !ValidLevel(cfg.skills[i].level)) {
      return InvalidArgumentError("skill id must be > 0 and level 1-5", "skills");
    }
    for (size_t j = 0; j < i; ++j) {
      if (cfg.skills[j].skill == cfg.skills[i].skill) {
        return InvalidArgumentError("skill listed twice", "skills");
      }
    }
  }
  return OkStatus();
}

const BusinessCalendar* EngineImpl::CalendarOf(const Queue& q) const {
  if (!q.copies.has_calendar) {
    return nullptr;
  }
  for (const Calendar& c : calendars_) {
    if (c.id == q.config.calendar) {
      return &c.calendar;
    }
  }
  return nullptr;
}

// ---- configuration ----------------------------------------------------------------------

Status EngineImpl::SetCalendar(CalendarId id, const BusinessCalendar& calendar) {
  const CommandScope scope(this);
  if (id <= 0) {
    return InvalidArgumentError("calendar id must be > 0", "id");
  }
  KEFU_RETURN_IF_ERROR(calendar.Validate());
  for (Calendar& c : calendars_) {
    if (c.id == id) {
      c.calendar = calendar;
      return OkStatus();
    }
  }
  calendars_.push_back({id, calendar});
  return OkStatus();
}

Status EngineImpl::AddQueue(QueueId id, const QueueConfig& config) {
  const CommandScope scope(this);
  if (id <= 0) {
    return InvalidArgumentError("queue id must be > 0", "id");
  }
  if (queue_index_.Find(id) >= 0) {
    return AlreadyExistsError("queue " + Str(id) + " exists");
  }
  KEFU_RETURN_IF_ERROR(ValidateQueueConfig(id, config));
  Queue q;
  q.id = id;
  q.config = config;
  KEFU_RETURN_IF_ERROR(PackSkills(config.skills, &q.skills));
  q.handle_ms = config.default_handle_ms;
  SetCopies(q);
  int32_t slot;
  if (!free_queues_.empty()) {
    // A removed queue's slot: its (empty) ready lists stay with it.
    slot = free_queues_.back();
    free_queues_.pop_back();
    q.tiers = std::move(queues_[slot].tiers);
    CopyTiers(q);
    queues_[slot] = std::move(q);
  } else {
    slot = static_cast<int32_t>(queues_.size());
    queues_.push_back(std::move(q));
    pool_.push_back(0);
    waiting_.emplace_back();
  }
  queue_index_.Insert(id, slot);
  // Queues that name this one as their overflow now overflow: their contacts' deadlines may
  // come earlier.
  std::vector<char> overflowing(queues_.size(), 0);
  bool any = false;
  for (size_t i = 0; i < queues_.size(); ++i) {
    if (queues_[i].id != 0 && queues_[i].config.overflow_queue == id) {
      overflowing[i] = 1;
      any = true;
    }
  }
  if (any) {
    for (size_t c = 0; c < contacts_.size(); ++c) {
      if (contacts_[c].state != CState::kFree && overflowing[contacts_[c].queue]) {
        ScheduleContactTimer(static_cast<int32_t>(c));
      }
    }
  }
  return OkStatus();
}

Status EngineImpl::RemoveQueue(QueueId id) {
  const CommandScope scope(this);
  KEFU_ASSIGN_OR_RETURN(int32_t q, FindQueue(id));
  int64_t held = 0;
  for (const Contact& c : contacts_) {
    held += (c.state != CState::kFree && c.queue == q) ? 1 : 0;
  }
  if (held > 0) {
    return FailedPreconditionError("queue " + Str(id) + " still has " + Str(held) +
                                   " contacts (waiting, callbacks, offered or connected)");
  }
  FlushDeferred();
  for (int32_t a = 0; a < static_cast<int32_t>(agents_.size()); ++a) {
    Agent& ag = agents_[a];
    const int32_t seat = ag.alive ? SeatOf(ag, q) : kNil;
    if (seat == kNil) {
      continue;
    }
    --lists_[ag.seats[seat].list].members;
    ag.seats.erase(ag.seats.begin() + seat);
    UpdateSeatSummary(a);
    Reseat(a);  // its entry in the queue's list goes stale
  }
  Queue& qu = queues_[q];
  std::vector<int32_t> tiers = std::move(qu.tiers);
  for (int32_t li : tiers) {
    lists_[li].entries.clear();
    lists_[li].head = 0;
  }
  queue_index_.Erase(id);
  qu = Queue{};
  SetCopies(qu);
  qu.tiers = std::move(tiers);
  CopyTiers(qu);
  pool_[q] = 0;
  waiting_[q] = Waiting{};
  free_queues_.push_back(q);
  return OkStatus();
}

Status EngineImpl::ConfigureQueue(QueueId id, const QueueConfig& config) {
  const CommandScope scope(this);
  KEFU_ASSIGN_OR_RETURN(int32_t q, FindQueue(id));
  KEFU_RETURN_IF_ERROR(ValidateQueueConfig(id, config));
  if (config.channel != queues_[q].config.channel) {
    return FailedPreconditionError("a queue's channel cannot change");
  }
  std::vector<uint32_t> skills;
  KEFU_RETURN_IF_ERROR(PackSkills(config.skills, &skills));
  // Contacts already waiting must still fit kMaxRequiredSkills with the new queue skills.
  for (const Contact& c : contacts_) {
    if (c.state != CState::kFree && c.queue == q && CountUnion(skills, c) > kMaxRequiredSkills) {
      return FailedPreconditionError("contact " + Str(c.id) + " would need more than " +
                                     Str(kMaxRequiredSkills) + " skills");
    }
  }
  // New keys (strategy) or new skills (the levels seats and entries carry): rebuild the
  // queue's ready lists.
  const bool regroup = config.strategy != queues_[q].config.strategy || skills != queues_[q].skills;
  queues_[q].config = config;
  queues_[q].skills = std::move(skills);
  SetCopies(queues_[q]);
  if (regroup) {
    RegroupAll(q);
  }
  Resettle(q);
  return OkStatus();
}

Status EngineImpl::AddAgent(AgentId id, const AgentConfig& config) {
  const CommandScope scope(this);
  if (id <= 0) {
    return InvalidArgumentError("agent id must be > 0", "id");
  }
  if (agent_index_.Find(id) >= 0) {
    return AlreadyExistsError("agent " + Str(id) + " exists");
  }
  KEFU_RETURN_IF_ERROR(ValidateAgentConfig(config));
  int32_t a;
  if (!free_agents_.empty()) {
    a = free_agents_.back();
    free_agents_.pop_back();
  } else {
    a = static_cast<int32_t>(agents_.size());
    agents_.emplace_back();
    epoch_.push_back(0);
    agent_id_.push_back(0);
    load_capacity_.emplace_back();
  }
  agent_id_[a] = id;
  Agent& ag = agents_[a];
  const uint32_t gen = ag.gen;
  ag = Agent{};
  ag.gen = gen + 1;  // stale timers of a previous occupant stay stale
  ag.id = id;
  ag.alive = true;
  ag.activity_ms = now_;
  for (int ch = 0; ch < kChannelCount; ++ch) {
    ag.capacity[ch] = static_cast<int16_t>(config.capacity[ch]);
  }
  ag.chat_with_voice = config.chat_with_voice;
  load_capacity_[a] = {ag.load, ag.capacity, ag.activity_ms};
  for (const SkillLevel& s : config.skills) {
    int32_t si = InternSkill(s.skill);
    if (agents_[a].levels.size() <= static_cast<size_t>(si)) {
      agents_[a].levels.resize(si + 1, 0);
    }
    agents_[a].levels[si] = static_cast<uint8_t>(s.level);
  }
  SetLevelRow(a);
  agent_index_.Insert(id, a);
  return OkStatus();
}

Status EngineImpl::ConfigureAgent(AgentId id, const AgentConfig& config) {
  const CommandScope scope(this);
  KEFU_ASSIGN_OR_RETURN(int32_t a, FindAgent(id));
  KEFU_RETURN_IF_ERROR(ValidateAgentConfig(config));
  std::vector<uint8_t> levels;
  for (const SkillLevel& s : config.skills) {
    int32_t si = InternSkill(s.skill);
    if (levels.size() <= static_cast<size_t>(si)) {
      levels.resize(si + 1, 0);
    }
    levels[si] = static_cast<uint8_t>(s.level);
  }
  Agent& ag = agents_[a];
  ag.levels = std::move(levels);
  SetLevelRow(a);
  for (int ch = 0; ch < kChannelCount; ++ch) {
    ag.capacity[ch] = static_cast<int16_t>(config.capacity[ch]);
  }
  ag.chat_with_voice = config.chat_with_voice;
  load_capacity_[a].capacity = ag.capacity;
  for (Seat& seat : ag.seats) {
    seat.levels = SeatLevels(ag, queues_[seat.queue]);
  }
  Reseat(a);  // entries carry the levels: new ones
  Fill(a);
  return OkStatus();
}

Status EngineImpl::RemoveAgent(AgentId id) {
  const CommandScope scope(this);
  KEFU_ASSIGN_OR_RETURN(int32_t a, FindAgent(id));
  if (!agents_[a].assigned.empty()) {
    return FailedPreconditionError("agent " + Str(id) + " still holds contacts");
  }
  SetAgentStateFull(a, AgentState::kOffline, kReasonNone);
  Agent& ag = agents_[a];
  for (const Seat& seat : ag.seats) {
    --lists_[seat.list].members;
  }
  ag.seats.clear();
  ag.keyed = false;
  ag.seat_channels = 0;
  KEFU_CHECK(ag.ready_mask == 0);
  ++epoch_[a];
  KEFU_CHECK(ag.personal.empty());
  ag.alive = false;
  agent_id_[a] = 0;
  ++ag.gen;
  ag.timer_due = kNever;
  agent_index_.Erase(id);
  free_agents_.push_back(a);
  return OkStatus();
}

Status EngineImpl::LoginAgentToQueue(AgentId agent, QueueId queue, int priority) {
  const CommandScope scope(this);
  KEFU_ASSIGN_OR_RETURN(int32_t a, FindAgent(agent));
  KEFU_ASSIGN_OR_RETURN(int32_t q, FindQueue(queue));
  if (priority < 1 || priority > 1000) {
    return InvalidArgumentError("priority must be 1..1000", "priority");
  }
  const int32_t existing = SeatOf(agents_[a], q);
  HugeVector<Seat>& seats = agents_[a].seats;
  if (existing != kNil) {
    Seat& seat = seats[existing];
    if (seat.priority == priority) {
      return OkStatus();
    }
    --lists_[seat.list].members;
    seat.priority = priority;
    seat.list = ListFor(q, priority);
    ++lists_[seat.list].members;
  } else {
    Seat seat;
    seat.queue = q;
    seat.priority = priority;
    seat.list = ListFor(q, priority);
    seat.channel = queues_[q].config.channel;
    seat.round_robin = queues_[q].config.strategy == Strategy::kRoundRobin;
    seat.levels = SeatLevels(agents_[a], queues_[q]);
    ++lists_[seat.list].members;
    seats.push_back(seat);
    if (agents_[a].state != AgentState::kOffline) {
      ++queues_[q].staffed;
    }
  }
  std::sort(seats.begin(), seats.end(), [](const Seat& x, const Seat& y) {
    return x.priority != y.priority ? x.priority < y.priority : x.queue < y.queue;
  });
  UpdateSeatSummary(a);
  // A fresh epoch: entries under the old priority go stale, the new seat gets one.
  Reseat(a);
  Fill(a);
  return OkStatus();
}

Status EngineImpl::LogoutAgentFromQueue(AgentId agent, QueueId queue) {
  const CommandScope scope(this);
  KEFU_ASSIGN_OR_RETURN(int32_t a, FindAgent(agent));
  KEFU_ASSIGN_OR_RETURN(int32_t q, FindQueue(queue));
  const int32_t seat = SeatOf(agents_[a], q);
  if (seat == kNil) {
    return NotFoundError("agent " + Str(agent) + " is not logged into queue " + Str(queue));
  }
  HugeVector<Seat>& seats = agents_[a].seats;
  --lists_[seats[seat].list].members;
  seats.erase(seats.begin() + seat);
  if (agents_[a].state != AgentState::kOffline) {
    --queues_[q].staffed;
  }
  UpdateSeatSummary(a);
  Reseat(a);  // its entry in the queue's list goes stale
  return OkStatus();
}

// ---- agent commands ---------------------------------------------------------------------

Status EngineImpl::SetAgentState(AgentId agent, AgentState state, ReasonCode reason) {
  const CommandScope scope(this);
  KEFU_ASSIGN_OR_RETURN(int32_t a, FindAgent(agent));
  if (state != AgentState::kAvailable && state != AgentState::kBreak &&
      state != AgentState::kOffline) {
    return InvalidArgumentError("an agent can set available, break or offline", "state");
  }
  if (state == AgentState::kOffline) {
    for (int32_t slot : agents_[a].assigned) {
      if (contacts_[slot].state == CState::kConnected) {
        return FailedPreconditionError("agent " + Str(agent) + " has connected contacts");
      }
    }
  }
  if (state == AgentState::kAvailable) {
    reason = kReasonNone;
  }
  const Agent& ag = agents_[a];
  if (ag.state == state && ag.reason == reason) {
    return OkStatus();
  }
  SetAgentStateFull(a, state, reason);
  Fill(a);
  return OkStatus();
}

Status EngineImpl::WrapUpDone(AgentId agent) {
  const CommandScope scope(this);
  KEFU_ASSIGN_OR_RETURN(int32_t a, FindAgent(agent));
  if (agents_[a].state != AgentState::kWrapUp) {
    return FailedPreconditionError("agent " + Str(agent) + " is not in wrap-up");
  }
  SetAgentStateRaw(a, AgentState::kAvailable, kReasonNone);
  Fill(a);
  return OkStatus();
}

// ---- contact commands -------------------------------------------------------------------

Status EngineImpl::Enqueue(const ContactSpec& spec) {
  // The record the contact will take (AllocContact reuses the last freed slot), cold by
  // now: its lines are requested for writing while the checks below run.
  if (!free_contacts_.empty()) {
    const int32_t next = free_contacts_.back();
    const char* record = reinterpret_cast<const char*>(&contacts_[next]);
    __builtin_prefetch(record, 1);
    __builtin_prefetch(record + 64, 1);
    __builtin_prefetch(&contact_tag_[next], 1);
  }
  const CommandScope scope(this);
  if (spec.id <= 0) {
    return InvalidArgumentError("contact id must be > 0", "id");
  }
  if (contact_index_.Find(spec.id) >= 0) {
    return AlreadyExistsError("contact " + Str(spec.id) + " exists");
  }
  // Not FindQueue: its Result (a Status with two strings) costs more than the lookup.
  const int32_t q = queue_index_.Find(spec.queue);
  if (q < 0) {
    return FindQueue(spec.queue).status();
  }
  // Routing reads the queue's first three lines (counters, arrival rules, ready-list tiers):
  // requested together rather than as each is reached.
  {
    const char* record = reinterpret_cast<const char*>(&queues_[q]);
    __builtin_prefetch(record + 64);
    __builtin_prefetch(record + 128);
  }
  if (spec.channel != queues_[q].copies.channel) {
    return InvalidArgumentError("contact channel differs from the queue's", "channel");
  }
  if (static_cast<int>(spec.tier) >= kTierCount) {
    return InvalidArgumentError("unknown tier", "tier");
  }
  if (spec.owner < 0 || spec.last_agent < 0) {
    return InvalidArgumentError("agent ids must be >= 0", "owner");
  }
  if (spec.priority_bonus < -kMaxAbsPriority || spec.priority_bonus > kMaxAbsPriority) {
    return InvalidArgumentError("priority bonus out of range", "priority_bonus");
  }
  if (spec.arrival_ms < 0 || spec.arrival_ms > now_) {
    return InvalidArgumentError("arrival must not be in the future", "arrival_ms");
  }
  // Validate the skills before interning them, so a bad command changes nothing.
  if (spec.skills.size() > static_cast<size_t>(kMaxRequiredSkills)) {
    return InvalidArgumentError("too many skills", "skills");
  }
  for (size_t i = 0; i < spec.skills.size(); ++i) {
    const SkillRequirement& r = spec.skills[i];
    if (r.skill <= 0 || !ValidLevel(r.min_level)) {
      return InvalidArgumentError("skill id must be > 0 and level 1-5", "skills");
    }
    for (size_t j = 0; j < i; ++j) {
      if (spec.skills[j].skill == r.skill) {
        return InvalidArgumentError("skill listed twice", "skills");
      }
    }
  }
  {
    // Union with the queue's skills (interned, so a skill not interned yet is new).
    const ArrivalCopies& qa = queues_[q].arrival;
    int n = qa.nskills;
    for (const SkillRequirement& r : spec.skills) {
      const int32_t si = skill_index_.Find(r.skill);
      bool dup = false;
      for (int i = 0; i < qa.nskills; ++i) {
        dup = dup || (si >= 0 && static_cast<int32_t>(qa.skills[i] >> 8) == si);
      }
      n += dup ? 0 : 1;
    }
    if (n > kMaxRequiredSkills) {
      return InvalidArgumentError(
          "more than " + Str(kMaxRequiredSkills) + " skills with the queue's", "skills");
    }
  }

  const int32_t slot = AllocContact();
  Contact& c = contacts_[slot];
  c.id = spec.id;
  c.channel = spec.channel;
  c.tier = spec.tier;
  c.elderly = spec.elderly;
  c.complaint = spec.complaint;
  c.callback = spec.callback;
  c.owner = spec.owner;
  c.last_agent = spec.last_agent;
  c.priority_bonus = spec.priority_bonus;
  c.queue = q;
  c.arrival_ms = spec.arrival_ms > 0 ? spec.arrival_ms : now_;
  c.order_ms = c.arrival_ms;
  c.queue_entry_ms = now_;
  c.phase = kPhaseOwner;
  c.state = CState::kLimbo;
  c.nreq = static_cast<uint8_t>(spec.skills.size());
  for (size_t i = 0; i < spec.skills.size(); ++i) {
    c.req[i] = (static_cast<uint32_t>(InternSkill(spec.skills[i].skill)) << 8) |
               static_cast<uint32_t>(spec.skills[i].min_level);
  }
  ComputePriority(contacts_[slot]);
  contact_index_.Insert(spec.id, slot);

  if (Closed(q) && !AfterHours(slot)) {
    return OkStatus();
  }
  const size_t queued = events_.size();
  Emit(EventType::kQueued, contacts_[slot]);
  Route(slot);
  PostArrival(slot, queued, 0);
  return OkStatus();
}

// The slot of the contact or of its consult leg that is in `state` with the agent whose id
// is `agent`, or kNil. Going through the contact avoids a lookup of the agent by id.
static int32_t HeldBy(const HugeVector<Contact>& contacts, int32_t slot, AgentId agent,
                      CState state) {
  const Contact& c = contacts[slot];
  if (c.state == state && c.holder == agent) {
    return slot;
  }
  if (c.link != kNil) {
    const Contact& leg = contacts[c.link];
    if (leg.state == state && leg.holder == agent) {
      return c.link;
    }
  }
  return kNil;
}

int32_t EngineImpl::Held(AgentId agent, ContactId contact, bool connected) const {
  const int32_t slot = contact_index_.Find(contact);
  if (slot < 0) {
    return kNil;
  }
  return HeldBy(contacts_, slot, agent, connected ? CState::kConnected : CState::kOffered);
}

Status EngineImpl::NotHeld(AgentId agent, ContactId contact, bool connected) const {
  KEFU_RETURN_IF_ERROR(FindAgent(agent));
  KEFU_RETURN_IF_ERROR(FindContact(contact));
  return FailedPreconditionError("contact " + Str(contact) + " is not " +
                                 (connected ? "connected with" : "offered to") + " agent " +
                                 Str(agent));
}

Status EngineImpl::Accept(AgentId agent, ContactId contact) {
  const CommandScope scope(this);
  const int32_t s = Held(agent, contact, false);
  if (s == kNil) {
    return NotHeld(agent, contact, false);
  }
  Contact& c = contacts_[s];
  c.state = CState::kConnected;
  c.accepted_ms = now_;
  Emit(EventType::kAccepted, c).agent = agent;
  ScheduleContactTimer(s);
  return OkStatus();
}

Status EngineImpl::Decline(AgentId agent, ContactId contact) {
  const CommandScope scope(this);
  const int32_t s = Held(agent, contact, false);
  if (s == kNil) {
    return NotHeld(agent, contact, false);
  }
  MissOffer(s, EventType::kDeclined);
  return OkStatus();
}

Status EngineImpl::OfferTimedOut(AgentId agent, ContactId contact) {
  const CommandScope scope(this);
  const int32_t s = Held(agent, contact, false);
  if (s == kNil) {
    return NotHeld(agent, contact, false);
  }
  MissOffer(s, EventType::kOfferTimedOut);
  return OkStatus();
}

Status EngineImpl::Complete(AgentId agent, ContactId contact) {
  // The agent's record, found by its id while the contact's is on its way: otherwise its
  // slot is known only from the contact's record, and each waits for the other.
  if (const int32_t a = agent_index_.Find(agent); a >= 0) {
    const char* record = reinterpret_cast<const char*>(&agents_[a]);
    __builtin_prefetch(record);
    __builtin_prefetch(record + 64);
    __builtin_prefetch(&load_capacity_[a]);
    __builtin_prefetch(&epoch_[a]);
    // And its seats, which the search for its next contact (Fill) reads first: their
    // address waits for the record's second line, but the lookup of the contact goes on
    // meanwhile.
    PrefetchSeats(agents_[a]);
  }
  const CommandScope scope(this);
  const int32_t slot = Held(agent, contact, true);
  if (slot == kNil) {
    return NotHeld(agent, contact, true);
  }
  if (contacts_[slot].leg) {
    return FailedPreconditionError("agent " + Str(agent) +
                                   " holds the consult leg: CompleteConsult or CancelConsult");
  }
  const int32_t a = contacts_[slot].agent;
  // What the release reads next, each a likely cache miss whose address is known now:
  // requested together instead of one after another.
  __builtin_prefetch(&queues_[contacts_[slot].queue]);
  __builtin_prefetch(&contact_tag_[slot]);
  if (contacts_[slot].link != kNil) {
    EndLeg(contacts_[slot].link, true);
  }
  Contact& c = contacts_[slot];
  Queue& q = queues_[c.queue];
  const int64_t handle = now_ - c.accepted_ms;
  // Moving average over about the last 8 contacts, wrap-up included (EWT uses it).
  q.handle_ms += (handle + q.copies.wrap_up_ms - q.handle_ms) / 8;
  if (q.handle_ms < 1) {
    q.handle_ms = 1;
  }
  Event& e = Emit(EventType::kCompleted, c);
  e.agent = agent;
  e.value = handle;
  ReleaseAfterWork(a, slot);
  contacts_[slot].state = CState::kLimbo;
  contacts_[slot].agent = kNil;
  FreeContact(slot);
  Fill(a);
  return OkStatus();
}

Status EngineImpl::Abandon(ContactId contact) {
  const CommandScope scope(this);
  KEFU_ASSIGN_OR_RETURN(int32_t slot, FindContact(contact));
  Contact& c = contacts_[slot];
  int32_t a = kNil;
  switch (c.state) {
    case CState::kScheduled:
    case CState::kTargeted:
    case CState::kWaiting:
      break;
    case CState::kOffered:
      a = c.agent;
      break;
    default:
      return FailedPreconditionError("contact " + Str(contact) +
                                     " is connected: the agent completes it");
  }
  Event& e = Emit(EventType::kAbandoned, c);
  e.value = now_ - c.queue_entry_ms;
  if (a != kNil) {
    e.agent = agents_[a].id;
    ReleaseLoad(a, slot, false);
    contacts_[slot].state = CState::kLimbo;
    contacts_[slot].agent = kNil;
  } else {
    Unplace(slot);
  }
  FreeContact(slot);
  if (a != kNil) {
    Fill(a);
  }
  return OkStatus();
}

Status EngineImpl::RequestCallback(ContactId contact, int64_t not_before_ms) {
  const CommandScope scope(this);
  KEFU_ASSIGN_OR_RETURN(int32_t slot, FindContact(contact));
  Contact& c = contacts_[slot];
  if (not_before_ms < 0) {
    return InvalidArgumentError("callback time must be >= 0", "not_before_ms");
  }
  const bool scheduled = not_before_ms > now_;
  if (c.state == CState::kScheduled) {
    if (!scheduled) {
      return InvalidArgumentError("a scheduled callback can only move to a future time",
                                  "not_before_ms");
    }
    c.not_before_ms = not_before_ms;
  } else if (c.state == CState::kWaiting || c.state == CState::kTargeted) {
    if (c.callback && !scheduled) {
      return FailedPreconditionError("contact " + Str(contact) + " is already a callback");
    }
    if (scheduled) {
      Unplace(slot);
      c.callback = true;
      c.state = CState::kScheduled;
      c.not_before_ms = not_before_ms;
      Count(c, +1);
    } else {
      Count(c, -1);
      c.callback = true;
      Count(c, +1);
    }
  } else {
    return FailedPreconditionError("contact " + Str(contact) + " is not waiting");
  }
  Emit(EventType::kCallbackRequested, contacts_[slot]).value = scheduled ? not_before_ms : 0;
  ScheduleContactTimer(slot);
  return OkStatus();
}

// ---- transfers --------------------------------------------------------------------------

Status EngineImpl::TransferToAgent(ContactId contact, AgentId to) {
  const CommandScope scope(this);
  KEFU_ASSIGN_OR_RETURN(int32_t slot, FindContact(contact));
  KEFU_RETURN_IF_ERROR(FindAgent(to));
  Contact& c = contacts_[slot];
  if (c.state != CState::kConnected) {
    return FailedPreconditionError("contact " + Str(contact) + " is not connected");
  }
  if (c.link != kNil) {
    return FailedPreconditionError("contact " + Str(contact) + " is in a consult");
  }
  const int32_t from = c.agent;
  const AgentId from_id = agents_[from].id;
  if (from_id == to) {
    return InvalidArgumentError("cannot transfer to the same agent", "to");
  }
  Event& e = Emit(EventType::kTransferred, c);
  e.detail = static_cast<int32_t>(TransferMode::kBlindToAgent);
  e.agent = to;
  e.other_agent = from_id;
  e.other_queue = e.queue;
  ReleaseAfterWork(from, slot);
  Contact& t = contacts_[slot];
  t.state = CState::kLimbo;
  t.agent = kNil;
  t.transfer_to = to;
  t.phase = kPhaseTransfer;
  t.last_agent = from_id;
  t.queue_entry_ms = now_;
  t.max_wait_done = false;
  t.order_ms = now_;
  ClearExclusions(t);
  AddExclusion(t, from_id);
  ComputePriority(t);
  Route(slot);
  Fill(from);
  return OkStatus();
}

Status EngineImpl::TransferToQueue(ContactId contact, QueueId to) {
  const CommandScope scope(this);
  KEFU_ASSIGN_OR_RETURN(int32_t slot, FindContact(contact));
  KEFU_ASSIGN_OR_RETURN(int32_t q, FindQueue(to));
  Contact& c = contacts_[slot];
  if (c.state != CState::kConnected) {
    return FailedPreconditionError("contact " + Str(contact) + " is not connected");
  }
  if (c.link != kNil) {
    return FailedPreconditionError("contact " + Str(contact) + " is in a consult");
  }
  if (queues_[q].config.channel != c.channel) {
    return InvalidArgumentError("queue " + Str(to) + " serves another channel", "to");
  }
  if (CountUnion(queues_[q].skills, c) > kMaxRequiredSkills) {
    return InvalidArgumentError("too many skills with the queue's", "to");
  }
  const int32_t from = c.agent;
  const AgentId from_id = agents_[from].id;
  Event& e = Emit(EventType::kTransferred, c);
  e.detail = static_cast<int32_t>(TransferMode::kBlindToQueue);
  e.other_agent = from_id;
  e.other_queue = e.queue;
  e.queue = to;
  ReleaseAfterWork(from, slot);
  Contact& t = contacts_[slot];
  t.state = CState::kLimbo;
  t.agent = kNil;
  t.last_agent = from_id;
  ClearExclusions(t);
  AddExclusion(t, from_id);
  MoveToQueue(slot, q, now_);
  Fill(from);
  return OkStatus();
}

Status EngineImpl::Escalate(ContactId contact, QueueId expert_queue,
                            std::span<const SkillRequirement> extra_skills) {
  const CommandScope scope(this);
  KEFU_ASSIGN_OR_RETURN(int32_t slot, FindContact(contact));
  KEFU_ASSIGN_OR_RETURN(int32_t q, FindQueue(expert_queue));
  Contact& c = contacts_[slot];
  if (c.state != CState::kWaiting && c.state != CState::kTargeted &&
      c.state != CState::kConnected) {
    return FailedPreconditionError("contact " + Str(contact) + " is not waiting or connected");
  }
  if (c.link != kNil) {
    return FailedPreconditionError("contact " + Str(contact) + " is in a consult");
  }
  if (queues_[q].config.channel != c.channel) {
    return InvalidArgumentError("queue " + Str(expert_queue) + " serves another channel",
                                "expert_queue");
  }
  // Validate everything before interning, so a bad command changes nothing.
  std::vector<SkillId> distinct;
  for (const SkillRequirement& r : queues_[q].config.skills) {
    distinct.push_back(r.skill);
  }
  for (int i = 0; i < c.nreq; ++i) {
    distinct.push_back(skill_ids_[c.req[i] >> 8]);
  }
  for (size_t i = 0; i < extra_skills.size(); ++i) {
    const SkillRequirement& r = extra_skills[i];
    if (r.skill <= 0 || !ValidLevel(r.min_level)) {
      return InvalidArgumentError("skill id must be > 0 and level 1-5", "extra_skills");
    }
    for (size_t j = 0; j < i; ++j) {
      if (extra_skills[j].skill == r.skill) {
        return InvalidArgumentError("skill listed twice", "extra_skills");
      }
    }
    distinct.push_back(r.skill);
  }
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  if (distinct.size() > static_cast<size_t>(kMaxRequiredSkills)) {
    return InvalidArgumentError("more than " + Str(kMaxRequiredSkills) + " skills with the queue's",
                                "extra_skills");
  }
  for (const SkillRequirement& r : extra_skills) {
    const uint32_t si = static_cast<uint32_t>(InternSkill(r.skill));
    Contact& m = contacts_[slot];
    bool found = false;
    for (int i = 0; i < m.nreq; ++i) {
      if ((m.req[i] >> 8) == si) {
        found = true;
        m.req[i] = (si << 8) | std::max<uint32_t>(m.req[i] & 0xff, r.min_level);
      }
    }
    if (!found) {
      m.req[m.nreq++] = (si << 8) | static_cast<uint32_t>(r.min_level);
    }
  }
  const int32_t from_agent = c.state == CState::kConnected ? c.agent : kNil;
  Event& e = Emit(EventType::kTransferred, c);
  e.detail = static_cast<int32_t>(TransferMode::kEscalation);
  e.other_queue = e.queue;
  e.queue = expert_queue;
  if (from_agent != kNil) {
    e.other_agent = agents_[from_agent].id;
    ReleaseAfterWork(from_agent, slot);
    Contact& t = contacts_[slot];
    t.state = CState::kLimbo;
    t.agent = kNil;
    t.last_agent = agents_[from_agent].id;
    // The agent asked for an expert: never the same agent again, and this also keeps the
    // just-released agent (who may have better work waiting) from being picked here.
    AddExclusion(t, t.last_agent);
  } else {
    Unplace(slot);
  }
  MoveToQueue(slot, q, contacts_[slot].arrival_ms);
  if (from_agent != kNil) {
    Fill(from_agent);
  }
  return OkStatus();
}

Status EngineImpl::ConsultAgent(ContactId contact, AgentId to) {
  const CommandScope scope(this);
  KEFU_ASSIGN_OR_RETURN(int32_t slot, FindContact(contact));
  KEFU_ASSIGN_OR_RETURN(int32_t b, FindAgent(to));
  const Contact& c = contacts_[slot];
  if (c.state != CState::kConnected) {
    return FailedPreconditionError("contact " + Str(contact) + " is not connected");
  }
  if (c.link != kNil) {
    return FailedPreconditionError("contact " + Str(contact) + " is already in a consult");
  }
  if (c.agent == b) {
    return InvalidArgumentError("cannot consult oneself", "to");
  }
  if (!ReadyFor(agents_[b], c.channel)) {
    return FailedPreconditionError("agent " + Str(to) + " cannot take a consult now");
  }
  const int32_t leg = NewConsultLeg(slot, contacts_[slot].queue);
  Contact& m = contacts_[slot];
  Contact& l = contacts_[leg];
  l.phase = kPhaseTransfer;
  l.transfer_to = to;
  l.state = CState::kLimbo;
  ComputePriority(l);
  Event& e = Emit(EventType::kConsultStarted, m);
  e.agent = agents_[m.agent].id;
  e.other_agent = to;
  Offer(leg, b, Decision::kTarget);
  return OkStatus();
}

// A consult leg: a second contact linked to `slot` that carries its customer, priority
// inputs and original arrival time, entering `queue` now.
int32_t EngineImpl::NewConsultLeg(int32_t slot, int32_t queue) {
  const int32_t leg = AllocContact();  // may grow contacts_: take references after it
  Contact& m = contacts_[slot];
  Contact& l = contacts_[leg];
  l.id = m.id;
  l.leg = true;
  l.link = slot;
  m.link = leg;
  l.channel = m.channel;
  l.tier = m.tier;
  l.elderly = m.elderly;
  l.complaint = m.complaint;
  l.owner = m.owner;
  l.last_agent = m.last_agent;
  l.priority_bonus = m.priority_bonus;
  l.arrival_ms = m.arrival_ms;
  l.order_ms = now_;
  l.queue_entry_ms = now_;
  l.queue = queue;
  l.nreq = m.nreq;
  l.req = m.req;
  return leg;
}

Status EngineImpl::ConsultQueue(ContactId contact, QueueId to) {
  const CommandScope scope(this);
  KEFU_ASSIGN_OR_RETURN(int32_t slot, FindContact(contact));
  KEFU_ASSIGN_OR_RETURN(int32_t q, FindQueue(to));
  const Contact& c = contacts_[slot];
  if (c.state != CState::kConnected) {
    return FailedPreconditionError("contact " + Str(contact) + " is not connected");
  }
  if (c.link != kNil) {
    return FailedPreconditionError("contact " + Str(contact) + " is already in a consult");
  }
  if (queues_[q].config.channel != c.channel) {
    return InvalidArgumentError("queue " + Str(to) + " serves another channel", "to");
  }
  if (CountUnion(queues_[q].skills, c) > kMaxRequiredSkills) {
    return InvalidArgumentError("too many skills with the queue's", "to");
  }
  if (Closed(q)) {
    return FailedPreconditionError("queue " + Str(to) + " is closed");
  }
  const int32_t leg = NewConsultLeg(slot, q);
  Contact& m = contacts_[slot];
  Contact& l = contacts_[leg];
  l.phase = kPhasePool;
  l.state = CState::kLimbo;
  AddExclusion(l, agents_[m.agent].id);
  ComputePriority(l);
  Event& e = Emit(EventType::kConsultStarted, m);
  e.agent = agents_[m.agent].id;
  e.other_queue = to;
  Route(leg);
  return OkStatus();
}

Status EngineImpl::CompleteConsult(ContactId contact) {
  const CommandScope scope(this);
  KEFU_ASSIGN_OR_RETURN(int32_t slot, FindContact(contact));
  const Contact& c = contacts_[slot];
  if (c.state != CState::kConnected || c.link == kNil ||
      contacts_[c.link].state != CState::kConnected) {
    return FailedPreconditionError("contact " + Str(contact) +
                                   " has no consult leg connected with an agent");
  }
  const int32_t leg = c.link;
  const int32_t a = c.agent;
  const int32_t b = contacts_[leg].agent;
  Event& e = Emit(EventType::kTransferred, c);
  e.detail = static_cast<int32_t>(TransferMode::kConsult);
  e.agent = agents_[b].id;
  e.other_agent = agents_[a].id;
  e.other_queue = e.queue;
  e.queue = queues_[contacts_[leg].queue].id;
  ReleaseAfterWork(a, slot);
  // The consulted agent's reservation passes from the leg to the contact itself.
  auto& held = agents_[b].assigned;
  *std::find(held.begin(), held.end(), leg) = slot;
  Contact& m = contacts_[slot];
  Contact& l = contacts_[leg];
  m.agent = b;
  m.holder = agents_[b].id;
  m.queue = l.queue;
  m.ring_stage = 0;
  m.accepted_ms = l.accepted_ms;
  m.last_agent = agents_[a].id;
  m.link = kNil;
  ComputePriority(m);
  l.state = CState::kLimbo;
  l.agent = kNil;
  FreeContact(leg);
  Fill(a);
  return OkStatus();
}

Status EngineImpl::CancelConsult(ContactId contact) {
  const CommandScope scope(this);
  KEFU_ASSIGN_OR_RETURN(int32_t slot, FindContact(contact));
  const Contact& c = contacts_[slot];
  if (c.state != CState::kConnected || c.link == kNil) {
    return FailedPreconditionError("contact " + Str(contact) + " is not in a consult");
  }
  EndLeg(c.link, true);
  return OkStatus();
}

// ---- time -------------------------------------------------------------------------------

void EngineImpl::Tick() {
  Advance();
  if (!deferred_.empty()) {
    FlushDeferred();
  }
}

int64_t EngineImpl::NextDeadlineMs() const { return timers_.NextDue(); }

std::vector<Event> EngineImpl::TakeEvents() {
  std::vector<Event> out;
  out.swap(events_);
  return out;
}

}  // namespace internal

std::unique_ptr<Engine> NewEngine(const Clock* clock, EngineOptions options) {
  return std::make_unique<internal::EngineImpl>(clock, options);
}

}  // namespace kefu::routing
