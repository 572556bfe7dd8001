// The routing core: where contacts wait, which agents are ready, and the two searches that
// keep "no waiting contact beside a ready agent who could take it" true after each command.

#include <algorithm>

#include "engine_impl.h"
#include "kefu/core/check.h"

namespace kefu::routing::internal {
namespace {

constexpr int kMaxOverflowHops = 4;
constexpr size_t kNoEvent = static_cast<size_t>(-1);

int Ch(Channel ch) { return static_cast<int>(ch); }

}  // namespace

// ---- time and events --------------------------------------------------------------------

void EngineImpl::Advance() {
  int64_t t = clock_->NowMs();
  if (t < now_) {
    t = now_;  // the engine's time never runs backwards
  }
  // Most commands find no timer due: that test alone, without the call (whose loop saves and
  // restores every register).
  if (timers_.NextDue() <= t) {
    RunTimersUntil(t);
  } else {
    timer_due_now_ = false;  // as RunTimersUntil leaves it
  }
  now_ = t;
}

void EngineImpl::RunTimersUntil(int64_t t) {
  while (timers_.NextDue() <= t) {
    const Timer timer = timers_.Pop();
    // Each timer runs at its own due time, so results do not depend on how often the
    // caller ticks.
    if (timer.due > now_) {
      now_ = timer.due;
    }
    // Freeing a slot bumps its generation too, so the generation alone tells stale timers.
    if (timer.kind == TimerKind::kContact) {
      if (contact_tag_[timer.slot].gen != timer.gen) {
        continue;
      }
      contacts_[timer.slot].timer_due = kNever;
      OnContactTimer(timer.slot);
    } else {
      Agent& ag = agents_[timer.slot];
      if (ag.gen != timer.gen) {
        continue;
      }
      ag.timer_due = kNever;
      OnAgentTimer(timer.slot);
    }
  }
  timer_due_now_ = false;  // everything due by t (>= now_) has run
}

void EngineImpl::PushTimer(int64_t due, TimerKind kind, int32_t slot, uint32_t gen) {
  timers_.Push(Timer{due, ++seq_, slot, gen, kind}, now_);
  timer_due_now_ = timer_due_now_ || due <= now_;
}

void EngineImpl::ScheduleContactTimer(int32_t slot) {
  Contact& c = contacts_[slot];
  const int64_t due = NextContactDeadline(c);
  if (due == kNever) {
    if (c.timer_due != kNever) {
      ++contact_tag_[slot].gen;
      c.timer_due = kNever;
    }
    return;
  }
  if (c.timer_due <= due) {
    return;  // an earlier timer is pending; when it fires it re-evaluates and re-arms
  }
  const uint32_t gen = ++contact_tag_[slot].gen;
  c.timer_due = due;
  PushTimer(due, TimerKind::kContact, slot, gen);
}

void EngineImpl::ScheduleAgentTimer(int32_t a) {
  Agent& ag = agents_[a];
  const uint32_t gen = ++ag.gen;
  ag.timer_due = kNever;
  if (ag.state == AgentState::kWrapUp) {
    ag.timer_due = ag.wrap_until_ms;
    PushTimer(ag.wrap_until_ms, TimerKind::kAgent, a, gen);
  }
}

int32_t EngineImpl::OverflowTarget(const Queue& q) const {
  if (q.config.overflow_queue == 0) {
    return kNil;
  }
  const int32_t to = queue_index_.Find(q.config.overflow_queue);
  if (to < 0 || queues_[to].config.channel != q.config.channel) {
    return kNil;
  }
  return to;
}

bool EngineImpl::MaxWaitReached(const Contact& c) const {
  const QueueCopies& cfg = queues_[c.queue].copies;
  return !c.callback && !c.leg && !c.max_wait_done && cfg.max_wait_ms > 0 &&
         now_ >= c.queue_entry_ms + cfg.max_wait_ms;
}

int64_t EngineImpl::NextContactDeadline(const Contact& c) const {
  // Offered and connected contacts (most calls) need nothing of the queue.
  switch (c.state) {
    case CState::kScheduled:
      return c.not_before_ms;
    case CState::kOffered:
      return c.offer_deadline_ms;
    case CState::kTargeted:
    case CState::kWaiting:
      break;
    default:
      return kNever;
  }
  const Queue& q = queues_[c.queue];
  const QueueCopies& cfg = q.copies;
  int64_t due = kNever;
  const bool max_wait = !c.callback && !c.leg && !c.max_wait_done && cfg.max_wait_ms > 0;
  if (c.position_due_ms > 0 && cfg.position_update_ms > 0 && !c.callback && !c.leg) {
    due = c.position_due_ms;
  }
  if (max_wait) {
    due = std::min(due, c.queue_entry_ms + cfg.max_wait_ms);
  }
  if (c.state == CState::kTargeted) {
    return std::min(due, c.phase_until_ms);
  }
  if (!c.leg && cfg.overflow_after && OverflowTarget(q) != kNil) {
    due = std::min(due, c.queue_entry_ms + q.config.overflow_after_ms);
  }
  if (static_cast<size_t>(c.ring_stage) + 1 < cfg.rings) {
    due = std::min(due, c.queue_entry_ms + q.config.rings[c.ring_stage + 1].after_ms);
  }
  return due;
}

void EngineImpl::OnContactTimer(int32_t slot) {
  Contact& c = contacts_[slot];
  const QueueConfig& cfg = queues_[c.queue].config;
  switch (c.state) {
    case CState::kScheduled:
      if (now_ >= c.not_before_ms) {
        Unplace(slot);
        contacts_[slot].queue_entry_ms = now_;
        Emit(EventType::kCallbackDue, contacts_[slot]);
        Route(slot);
      }
      break;
    case CState::kOffered:
      if (now_ >= c.offer_deadline_ms) {
        MissOffer(slot, EventType::kOfferTimedOut);
      }
      break;
    case CState::kTargeted:
      if (MaxWaitReached(c)) {
        ApplyLimit(slot, LimitKind::kMaxWait, cfg.max_wait_action, 0);
      } else if (now_ >= c.phase_until_ms) {
        ExpireTarget(slot);
      }
      break;
    case CState::kWaiting: {
      const Queue& q = queues_[c.queue];
      if (MaxWaitReached(c)) {
        ApplyLimit(slot, LimitKind::kMaxWait, cfg.max_wait_action, 0);
      } else if (!c.leg && cfg.overflow_after_ms > 0 && OverflowTarget(q) != kNil &&
                 now_ >= c.queue_entry_ms + cfg.overflow_after_ms) {
        Overflow(slot, LimitKind::kOverflowAfter, 0);
      } else {
        const int stage = StageAt(q, now_ - c.queue_entry_ms);
        if (stage != c.ring_stage) {
          Unplace(slot);
          Event& e = Emit(EventType::kRingWidened, contacts_[slot]);
          e.detail = cfg.rings[stage].min_level;
          PlacePool(slot);
        }
      }
      break;
    }
    default:
      break;
  }
  CheckPosition(slot);
  if (contacts_[slot].state != CState::kFree) {
    ScheduleContactTimer(slot);
  }
}

void EngineImpl::CheckPosition(int32_t slot) {
  Contact& c = contacts_[slot];
  if (c.state != CState::kWaiting && c.state != CState::kTargeted) {
    return;
  }
  const int64_t period = queues_[c.queue].copies.position_update_ms;
  if (period <= 0 || c.callback || c.leg || c.position_due_ms == 0 || now_ < c.position_due_ms) {
    return;
  }
  c.position_due_ms = now_ + period;
  const WaitInfo w = ComputeWait(slot);
  if (w.position != c.reported_position) {
    c.reported_position = w.position;
    Event& e = Emit(EventType::kPositionChanged, c);
    e.position = w.position;
    e.value = w.ewt_ms;
  }
}

void EngineImpl::OnAgentTimer(int32_t a) {
  Agent& ag = agents_[a];
  if (ag.state != AgentState::kWrapUp) {
    return;
  }
  if (now_ >= ag.wrap_until_ms) {
    SetAgentStateRaw(a, AgentState::kAvailable, kReasonNone);
    Fill(a);
  } else {
    ScheduleAgentTimer(a);
  }
}

Event& EngineImpl::Emit(EventType type, const Contact& c) {
  Event& e = events_.emplace_back();
  e.type = type;
  e.time_ms = now_;
  e.contact = c.id;
  e.flags =
      static_cast<uint8_t>((c.callback ? kEventFlagCallback : 0) | (c.leg ? kEventFlagConsult : 0));
  e.queue = c.queue >= 0 ? queues_[c.queue].id : 0;
  return e;
}

Event& EngineImpl::EmitAgent(EventType type, const Agent& agent) {
  Event& e = events_.emplace_back();
  e.type = type;
  e.time_ms = now_;
  e.agent = agent.id;
  return e;
}

// ---- contacts ---------------------------------------------------------------------------

int32_t EngineImpl::AllocContact() {
  int32_t slot;
  if (!free_contacts_.empty()) {
    slot = free_contacts_.back();
    free_contacts_.pop_back();
  } else {
    slot = static_cast<int32_t>(contacts_.size());
    contacts_.emplace_back();
  }
  // Generations survive reuse (in contact_tag_) so that a timer of the previous occupant
  // stays stale.
  if (contact_tag_.size() < contacts_.size()) {
    contact_tag_.resize(contacts_.size());
  }
  ContactTag& tag = contact_tag_[slot];
  tag.excluding = 0;
  ++tag.gen;
  Contact& c = contacts_[slot];
  c = Contact{};
  c.seq = ++seq_;
  c.state = CState::kLimbo;
  return slot;
}

void EngineImpl::FreeContact(int32_t slot) {
  Contact& c = contacts_[slot];
  KEFU_CHECK(c.state == CState::kLimbo) << "freeing a placed contact";
  if (!c.leg) {
    contact_index_.Erase(c.id);
  }
  c.state = CState::kFree;
  ContactTag& tag = contact_tag_[slot];
  if (tag.excluding != 0) {
    std::vector<AgentId>().swap(c.excluded);
    tag.excluding = 0;
  }
  ++tag.gen;
  c.timer_due = kNever;
  free_contacts_.push_back(slot);
}

void EngineImpl::ComputePriority(Contact& c) {
  const Queue& q = queues_[c.queue];
  const ArrivalCopies& cfg = q.arrival;
  const int t = static_cast<int>(c.tier);
  int klass = cfg.tier_class[t];
  int base = cfg.tier_priority[t] + c.priority_bonus;
  if (c.elderly) {
    klass = std::max(klass, cfg.elderly_class);
    base += cfg.elderly_priority;
  }
  if (c.complaint) {
    klass = std::max(klass, cfg.complaint_class);
    base += cfg.complaint_priority;
  }
  c.klass = klass;
  c.base = base;
  c.key = static_cast<int64_t>(base) * kAgingScale - static_cast<int64_t>(q.aging) * c.order_ms;
}

int EngineImpl::StageAt(const Queue& q, int64_t waited_ms) const {
  if (waited_ms < q.arrival.ring1_after_ms) {
    return 0;  // every arrival: the ring steps themselves are not read
  }
  const std::vector<RingStep>& rings = q.config.rings;
  int stage = 0;
  for (size_t i = 1; i < rings.size() && rings[i].after_ms <= waited_ms; ++i) {
    stage = static_cast<int>(i);
  }
  return stage;
}

namespace {

// The min level of the queue's ring at `stage`.
uint32_t RingLevel(const Queue& q, int stage) {
  return stage == 0 ? q.arrival.ring0_level
                    : static_cast<uint32_t>(q.config.rings[stage].min_level);
}

}  // namespace

Needs EngineImpl::QueueNeeds(const Queue& q, int stage) {
  // SplitSignature(q, MakeSignature(c, q, stage)) for a contact without skills of its own:
  // each of the queue's skills, raised to the ring's level, at its own place.
  const ArrivalCopies& qa = q.arrival;
  const uint32_t ring = RingLevel(q, stage);
  Needs n;
  for (int i = 0; i < qa.nskills; ++i) {
    n.need |= static_cast<uint64_t>(std::max(qa.skills[i] & 0xffu, ring)) << (8 * i);
  }
  return n;
}

Signature EngineImpl::MakeSignature(const Contact& c, const Queue& q, int stage) const {
  const ArrivalCopies& qa = q.arrival;
  const uint32_t ring = RingLevel(q, stage);
  if (c.nreq == 0) {
    // The queue's skills alone (most contacts): distinct, so there is nothing to merge, only
    // to sort (by skill, which the packed values order first) and raise to the ring's level.
    Signature sig;
    for (int i = 0; i < qa.nskills; ++i) {
      const uint32_t r = (qa.skills[i] & ~0xffu) | std::max(qa.skills[i] & 0xffu, ring);
      int j = i;
      for (; j > 0 && sig.req[j - 1] > r; --j) {
        sig.req[j] = sig.req[j - 1];
      }
      sig.req[j] = r;
    }
    sig.n = qa.nskills;
    return sig;
  }
  std::array<uint32_t, 2 * kMaxRequiredSkills> all;
  size_t n = 0;
  for (int i = 0; i < qa.nskills; ++i) {
    all[n++] = qa.skills[i];
  }
  for (int i = 0; i < c.nreq; ++i) {
    all[n++] = c.req[i];
  }
  // Insertion sort: n is at most 2 * kMaxRequiredSkills and usually 2 or 3, where
  // std::sort's set-up costs more than the sorting.
  for (size_t i = 1; i < n; ++i) {
    const uint32_t v = all[i];
    size_t j = i;
    for (; j > 0 && all[j - 1] > v; --j) {
      all[j] = all[j - 1];
    }
    all[j] = v;
  }
  Signature sig;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t skill = all[i] >> 8;
    const uint32_t level = std::max(all[i] & 0xffu, ring);
    if (sig.n > 0 && (sig.req[sig.n - 1] >> 8) == skill) {
      sig.req[sig.n - 1] = (skill << 8) | std::max(sig.req[sig.n - 1] & 0xffu, level);
    } else {
      KEFU_CHECK(sig.n < kMaxRequiredSkills) << "too many skills";
      sig.req[sig.n++] = (skill << 8) | level;
    }
  }
  return sig;
}

int32_t EngineImpl::GroupFor(Queue& q, const Signature& sig) {
  const int64_t hash = HashOf(sig);
  const int32_t found = q.group_index.Find(hash);
  if (found >= 0) {
    if (q.groups[found].sig == sig) {
      return found;
    }
    for (size_t g = 0; g < q.groups.size(); ++g) {
      if (q.groups[g].sig == sig) {
        return static_cast<int32_t>(g);
      }
    }
  }
  const int32_t g = static_cast<int32_t>(q.groups.size());
  q.groups.emplace_back();
  q.groups.back().sig = sig;
  q.groups.back().needs = SplitSignature(q, sig);
  if (found < 0) {
    q.group_index.Insert(hash, g);
  }
  return g;
}

Needs EngineImpl::SplitSignature(const Queue& q, const Signature& sig) {
  Needs n;
  for (int k = 0; k < sig.n; ++k) {
    const uint32_t skill = sig.req[k] >> 8;
    bool own = false;
    for (int i = 0; i < q.arrival.nskills; ++i) {
      if ((q.arrival.skills[i] >> 8) == skill) {
        n.need |= static_cast<uint64_t>(sig.req[k] & 0xffu) << (8 * i);
        own = true;
      }
    }
    if (!own) {
      n.extra.req[n.extra.n++] = sig.req[k];
    }
  }
  return n;
}

void EngineImpl::Count(const Contact& c, int delta) {
  Queue& q = queues_[c.queue];
  if (c.state == CState::kWaiting) {
    pool_[c.queue] += delta;
  }
  if (c.leg) {
    return;
  }
  if (c.state == CState::kWaiting || c.state == CState::kTargeted) {
    (c.callback ? q.callbacks : q.waiting_live) += delta;
  } else if (c.state == CState::kScheduled) {
    q.callbacks += delta;
  }
}

HeapEntry EngineImpl::EntryOf(const Contact& c) const {
  return HeapEntry{c.key, c.order_ms, c.seq, c.klass, static_cast<int32_t>(&c - contacts_.data())};
}

void EngineImpl::HeapSet(Group& g, size_t i, const HeapEntry& e) {
  g.heap[i] = e;
  contacts_[e.slot].pos = static_cast<int32_t>(i);
}

void EngineImpl::HeapSiftUp(Group& g, size_t i) {
  const HeapEntry e = g.heap[i];
  while (i > 0) {
    const size_t p = (i - 1) / 2;
    if (!Before(e, g.heap[p])) {
      break;
    }
    HeapSet(g, i, g.heap[p]);
    i = p;
  }
  HeapSet(g, i, e);
}

void EngineImpl::HeapSiftDown(Group& g, size_t i) {
  const HeapEntry e = g.heap[i];
  const size_t n = g.heap.size();
  while (true) {
    size_t child = 2 * i + 1;
    if (child >= n) {
      break;
    }
    if (child + 1 < n && Before(g.heap[child + 1], g.heap[child])) {
      ++child;
    }
    if (!Before(g.heap[child], e)) {
      break;
    }
    HeapSet(g, i, g.heap[child]);
    i = child;
  }
  HeapSet(g, i, e);
}

void EngineImpl::HeapPush(int32_t slot, int32_t group) {
  Contact& c = contacts_[slot];
  Queue& q = queues_[c.queue];
  Group& g = q.groups[group];
  c.group = group;
  c.state = CState::kWaiting;
  if (c.position_due_ms == 0 && q.copies.position_update_ms > 0) {
    c.position_due_ms = now_ + q.copies.position_update_ms;
  }
  g.heap.push_back(EntryOf(c));
  HeapSiftUp(g, g.heap.size() - 1);
  if (g.heap.size() == 1) {
    g.nonempty_pos = static_cast<int32_t>(q.nonempty.size());
    q.nonempty.push_back({group, ExtraOf(g.needs), g.needs.need});
    CopyNonEmpty(c.queue);
  }
  Count(c, +1);
}

void EngineImpl::CopyNonEmpty(int32_t q) {
  const HugeVector<NonEmpty>& nonempty = queues_[q].nonempty;
  Waiting& w = waiting_[q];
  w.groups = static_cast<int32_t>(nonempty.size());
  const size_t n = std::min(nonempty.size(), static_cast<size_t>(kNonEmptyCopies));
  std::copy_n(nonempty.begin(), n, w.first.begin());
}

void EngineImpl::HeapRemove(int32_t slot) {
  Contact& c = contacts_[slot];
  Queue& q = queues_[c.queue];
  Group& g = q.groups[c.group];
  const size_t i = static_cast<size_t>(c.pos);
  const HeapEntry last = g.heap.back();
  g.heap.pop_back();
  if (i < g.heap.size()) {
    HeapSet(g, i, last);
    HeapSiftUp(g, i);
    HeapSiftDown(g, static_cast<size_t>(contacts_[last.slot].pos));
  }
  if (g.heap.empty()) {
    const NonEmpty moved = q.nonempty.back();
    q.nonempty[g.nonempty_pos] = moved;
    q.groups[moved.group].nonempty_pos = g.nonempty_pos;
    q.nonempty.pop_back();
    g.nonempty_pos = kNil;
    CopyNonEmpty(c.queue);
  }
  c.group = kNil;
  c.pos = kNil;
}

void EngineImpl::PersonalAdd(int32_t slot, int32_t a) {
  Contact& c = contacts_[slot];
  auto& personal = agents_[a].personal;
  c.state = CState::kTargeted;
  c.target = a;
  const int64_t period = queues_[c.queue].copies.position_update_ms;
  if (c.position_due_ms == 0 && period > 0) {
    c.position_due_ms = now_ + period;
  }
  c.pos = static_cast<int32_t>(personal.size());
  personal.push_back(slot);
  Count(c, +1);
}

void EngineImpl::PersonalRemove(int32_t slot) {
  Contact& c = contacts_[slot];
  auto& personal = agents_[c.target].personal;
  const int32_t moved = personal.back();
  personal[c.pos] = moved;
  contacts_[moved].pos = c.pos;
  personal.pop_back();
  c.target = kNil;
  c.pos = kNil;
}

void EngineImpl::Unplace(int32_t slot) {
  Contact& c = contacts_[slot];
  switch (c.state) {
    case CState::kLimbo:
      return;
    case CState::kWaiting:
      Count(c, -1);
      HeapRemove(slot);
      break;
    case CState::kTargeted:
      Count(c, -1);
      PersonalRemove(slot);
      break;
    case CState::kScheduled:
      Count(c, -1);
      break;
    default:
      KEFU_CHECK(false) << "unplacing a contact that is with an agent";
  }
  c.state = CState::kLimbo;
}

bool EngineImpl::Excluded(const Contact& c, AgentId agent) const {
  for (AgentId x : c.excluded) {
    if (x == agent) {
      return true;
    }
  }
  return false;
}

void EngineImpl::AddExclusion(Contact& c, AgentId agent) {
  if (Excluded(c, agent)) {
    return;
  }
  std::vector<AgentId>& v = c.excluded;
  if (v.size() >= 8 && (v.size() & (v.size() - 1)) == 0) {
    // Bounded: forget agents that no longer exist before the list doubles.
    std::erase_if(v, [this](AgentId x) { return agent_index_.Find(x) < 0; });
  }
  v.push_back(agent);
  contact_tag_[&c - contacts_.data()].excluding = 1;
}

void EngineImpl::ClearExclusions(Contact& c) {
  std::vector<AgentId>().swap(c.excluded);  // no memory while empty (see FreeContact)
  contact_tag_[&c - contacts_.data()].excluding = 0;
}

bool EngineImpl::RankBefore(const Contact& a, const Contact& b) const {
  if (a.klass != b.klass) {
    return a.klass > b.klass;
  }
  const int64_t ea = a.key + queues_[a.queue].aging * now_;
  const int64_t eb = b.key + queues_[b.queue].aging * now_;
  if (ea != eb) {
    return ea > eb;
  }
  if (a.order_ms != b.order_ms) {
    return a.order_ms < b.order_ms;
  }
  return a.seq < b.seq;
}

// ---- agents -----------------------------------------------------------------------------

bool EngineImpl::ReadyFor(const Agent& a, Channel ch) const {
  if (a.state != AgentState::kAvailable) {
    return false;
  }
  const int i = Ch(ch);
  if (a.load[i] >= a.capacity[i]) {
    return false;
  }
  if (!a.chat_with_voice) {
    if (ch == Channel::kVoice && a.load[Ch(Channel::kChat)] > 0) {
      return false;
    }
    if (ch == Channel::kChat && a.load[Ch(Channel::kVoice)] > 0) {
      return false;
    }
  }
  return true;
}

uint8_t EngineImpl::TableLevel(int32_t a, uint32_t skill) const {
  return skill < level_skills_ ? level_table_[skill * level_slots_ + static_cast<size_t>(a)] : 0;
}

bool EngineImpl::TableSkillsOk(int32_t a, const Signature& sig) const {
  for (int i = 0; i < sig.n; ++i) {
    if (TableLevel(a, sig.req[i] >> 8) < (sig.req[i] & 0xffu)) {
      return false;
    }
  }
  return true;
}

void EngineImpl::SetLevelRow(int32_t a) {
  const size_t slot = static_cast<size_t>(a);
  if (slot >= level_slots_) {
    // More agent slots: lay the table out again with room to grow (amortized O(1) per slot).
    const size_t slots = std::max({slot + 1, 2 * level_slots_, size_t{64}});
    HugeVector<uint8_t> table(level_skills_ * slots, 0);
    for (size_t s = 0; s < level_skills_; ++s) {
      std::copy_n(level_table_.begin() + static_cast<std::ptrdiff_t>(s * level_slots_),
                  level_slots_, table.begin() + static_cast<std::ptrdiff_t>(s * slots));
    }
    level_table_ = std::move(table);
    level_slots_ = slots;
  }
  const std::vector<uint8_t>& levels = agents_[a].levels;
  if (levels.size() > level_skills_) {
    level_skills_ = levels.size();  // new columns at the end, all zero
    level_table_.resize(level_skills_ * level_slots_, 0);
  }
  for (size_t s = 0; s < level_skills_; ++s) {
    level_table_[s * level_slots_ + slot] = s < levels.size() ? levels[s] : 0;
  }
}

int64_t EngineImpl::KeyFor(int32_t a, const Seat& s) const {
  return s.round_robin ? s.last_offer_ms : agents_[a].activity_ms;
}

bool EngineImpl::Valid(const ReadyEntry& e, Channel /*ch*/) const {
  // Every change of an agent's ready mask bumps its epoch, and entries are only made for
  // channels in the mask: the epoch alone tells a valid entry (one load, not two).
  // CheckStructure verifies that the valid entries are exactly the ready seats.
  return epoch_[e.agent] == e.epoch;
}

uint8_t EngineImpl::ReadyMask(const Agent& a) const {
  return static_cast<uint8_t>((ReadyFor(a, Channel::kVoice) ? 1 : 0) |
                              (ReadyFor(a, Channel::kChat) ? 2 : 0) |
                              (ReadyFor(a, Channel::kEmail) ? 4 : 0));
}

int32_t EngineImpl::ListFor(int32_t q, int32_t priority) {
  std::vector<int32_t>& tiers = queues_[q].tiers;
  size_t i = 0;
  while (i < tiers.size() && lists_[tiers[i]].priority < priority) {
    ++i;
  }
  if (i < tiers.size() && lists_[tiers[i]].priority == priority) {
    return tiers[i];
  }
  TierList t;
  t.queue = q;
  t.priority = priority;
  lists_.push_back(std::move(t));
  const int32_t li = static_cast<int32_t>(lists_.size() - 1);
  tiers.insert(tiers.begin() + static_cast<std::ptrdiff_t>(i), li);
  CopyTiers(queues_[q]);
  return li;
}

uint64_t EngineImpl::SeatLevels(const Agent& a, const Queue& q) const {
  uint64_t packed = 0;
  for (size_t i = 0; i < q.skills.size(); ++i) {
    const uint32_t skill = q.skills[i] >> 8;
    const uint64_t level = skill < a.levels.size() ? a.levels[skill] : 0;
    packed |= level << (8 * i);
  }
  return packed;
}

namespace {

// Each member has at most one valid entry: past twice that, the stale ones are dropped. And
// once the consumed prefix is most of the buffer, the rest moves to its front, so that a list
// keeps appending to the few lines it has used rather than walking through fresh ones.
bool NeedsCompaction(const TierList& t) {
  const size_t n = t.entries.size();
  return n - t.head > 2 * static_cast<size_t>(t.members) + 8 || (t.head > 8 && t.head * 2 > n);
}

}  // namespace

void EngineImpl::ListInsert(TierList& t, const ReadyEntry& entry) {
  HugeVector<ReadyEntry>& v = t.entries;
  const int64_t key = entry.key;
  // Keys of agents that just became ready are "now", the largest: this appends. The rest
  // (compaction, round-robin inserts) is out of line, so that this path, which most of the
  // thousands of inserts per second take, saves and restores no registers.
  if (!NeedsCompaction(t) && (v.size() == t.head || t.last_key <= key)) {
    v.push_back(entry);
    t.last_key = key;
    return;
  }
  ListInsertSlow(t, entry.key, entry.agent, entry.epoch, entry.levels);
}

void EngineImpl::ListInsertSlow(TierList& t, int64_t key, int32_t agent, uint32_t epoch,
                                uint64_t levels) {
  HugeVector<ReadyEntry>& v = t.entries;
  const ReadyEntry entry{key, agent, epoch, levels};
  if (NeedsCompaction(t)) {
    size_t out = 0;
    for (size_t i = t.head; i < v.size(); ++i) {
      // Valid(), whose channel argument would cost a read of the queue's record for nothing.
      if (epoch_[v[i].agent] == v[i].epoch) {
        v[out++] = v[i];
      }
    }
    v.resize(out);
    t.head = 0;
    if (out > 0) {
      t.last_key = v.back().key;
    }
  }
  if (v.size() == t.head || t.last_key <= key) {
    v.push_back(entry);
    t.last_key = key;
    return;
  }
  // Round robin: after the last entry with a key <= key (the list is sorted from head).
  const auto pos = std::upper_bound(v.begin() + static_cast<std::ptrdiff_t>(t.head), v.end() - 1,
                                    key, [](int64_t k, const ReadyEntry& x) { return k < x.key; });
  v.insert(pos, entry);
}

void EngineImpl::DropStale(TierList& t, size_t end) {
  // Valid entries of [head, end) move (in order) to its end and the head follows them; the
  // entries were just read, so this costs no cache misses.
  HugeVector<ReadyEntry>& v = t.entries;
  size_t w = end;
  for (size_t j = end; j-- > t.head;) {
    if (epoch_[v[j].agent] == v[j].epoch) {
      v[--w] = v[j];
    }
  }
  t.head = static_cast<uint32_t>(w);
  if (end == v.size() && t.head < v.size()) {
    t.last_key = v.back().key;
  }
}

void EngineImpl::Reseat(int32_t a) {
  Agent& ag = agents_[a];
  const uint8_t mask = ReadyMask(ag);
  ++epoch_[a];
  ag.ready_mask = mask;
  if ((mask & ag.seat_channels) == 0) {
    return;
  }
  InsertSeats(a);
}

void EngineImpl::InsertSeats(int32_t a) {
  const Agent& ag = agents_[a];
  const uint8_t mask = ag.ready_mask;
  // Each list's header is a cache miss, one per list and all independent: requested
  // together first, instead of one after another as the inserts reach them.
  for (const Seat& s : ag.seats) {
    __builtin_prefetch(&lists_[s.list]);
  }
  // The same for every entry: read once here, where the inserts' vector writes would have
  // the compiler read them again for each seat.
  const uint32_t epoch = epoch_[a];
  const int64_t activity = ag.activity_ms;
  for (const Seat& s : ag.seats) {
    if ((mask & (1u << Ch(s.channel))) != 0) {
      // KeyFor(a, s), from the copy of the agent's activity.
      const int64_t key = s.round_robin ? s.last_offer_ms : activity;
      ListInsert(lists_[s.list], ReadyEntry{key, a, epoch, s.levels});
    }
  }
}

void EngineImpl::Sync(int32_t a, bool activity_changed) {
  Agent& ag = agents_[a];
  const uint8_t mask = ReadyMask(ag);
  const uint8_t shown = mask & ag.seat_channels;
  if (shown == (ag.ready_mask & ag.seat_channels) &&
      (shown == 0 || !activity_changed || !ag.keyed)) {
    // Nothing a ready list shows has changed: the same channels among those it has queues
    // in, and no key that moved (an agent whose queues all route by occupancy or skill is
    // found there by what load_capacity_ says now, whatever its entries' keys).
    ag.ready_mask = mask;
    return;
  }
  // Busy or away: one write makes every entry of the agent stale.
  ++epoch_[a];
  ag.ready_mask = mask;
  if (shown != 0) {
    // Ready again: its entries (one per ready seat, a cache miss each) are made only when a
    // ready list is next read. Most agents freed with work waiting take it at once (Fill)
    // and become busy again first, so their entries are never made at all.
    deferred_.push_back({a, epoch_[a]});
    // Its seats are about to be read (by Fill, or by InsertSeats when the command ends):
    // requested now, while the command does other work, rather than when they are needed.
    PrefetchSeats(ag);
  }
}

void EngineImpl::PrefetchSeats(const Agent& ag) {
  const char* seats = reinterpret_cast<const char*>(ag.seats.data());
  const size_t bytes = ag.seats.size() * sizeof(Seat);
  for (size_t off = 0; off < bytes; off += 64) {
    __builtin_prefetch(seats + off);
  }
}

EngineImpl::SeatSummary EngineImpl::SeatSummaryOf(const Agent& ag) const {
  SeatSummary sum;
  for (const Seat& s : ag.seats) {
    sum.keyed = sum.keyed || KeyedStrategy(queues_[s.queue].copies.strategy);
    sum.channels = static_cast<uint8_t>(sum.channels | (1u << Ch(s.channel)));
  }
  return sum;
}

void EngineImpl::UpdateSeatSummary(int32_t a) {
  Agent& ag = agents_[a];
  const SeatSummary sum = SeatSummaryOf(ag);
  ag.keyed = sum.keyed;
  ag.seat_channels = sum.channels;
}

void EngineImpl::SetActivity(Agent& ag, int32_t a) {
  ag.activity_ms = now_;
  load_capacity_[a].activity_ms = now_;
}

void EngineImpl::FlushDeferred() {
  // In the order the agents became ready, so that equal keys keep that order.
  for (const Deferred& d : deferred_) {
    if (epoch_[d.agent] == d.epoch) {  // still ready exactly as then
      InsertSeats(d.agent);
    }
  }
  deferred_.clear();
}

int32_t EngineImpl::SeatOf(const Agent& a, int32_t q) const {
  for (size_t i = 0; i < a.seats.size(); ++i) {
    if (a.seats[i].queue == q) {
      return static_cast<int32_t>(i);
    }
  }
  return kNil;
}

void EngineImpl::SetAgentStateRaw(int32_t a, AgentState state, ReasonCode reason) {
  Agent& ag = agents_[a];
  const AgentState old = ag.state;
  if (old == state && ag.reason == reason) {
    return;
  }
  const bool was_on = old != AgentState::kOffline;
  const bool is_on = state != AgentState::kOffline;
  if (was_on != is_on) {
    for (const Seat& seat : ag.seats) {
      queues_[seat.queue].staffed += is_on ? 1 : -1;
    }
  }
  ag.state = state;
  ag.reason = reason;
  if (old == AgentState::kWrapUp && state != AgentState::kWrapUp) {
    ++ag.gen;
    ag.timer_due = kNever;
    ag.wrap_until_ms = 0;
  }
  const bool became_available = state == AgentState::kAvailable && old != AgentState::kAvailable;
  if (became_available) {
    SetActivity(ag, a);
  }
  Event& e = EmitAgent(EventType::kAgentStateChanged, ag);
  e.detail = static_cast<int32_t>(state);
  e.value = reason;
  Sync(a, became_available);
}

void EngineImpl::SetAgentStateFull(int32_t a, AgentState state, ReasonCode reason) {
  SetAgentStateRaw(a, state, reason);
  if (state == AgentState::kBreak || state == AgentState::kOffline) {
    std::vector<int32_t> offered;
    for (int32_t slot : agents_[a].assigned) {
      if (contacts_[slot].state == CState::kOffered) {
        offered.push_back(slot);
      }
    }
    for (int32_t slot : offered) {
      MissOffer(slot, EventType::kOfferRescinded);
    }
  }
  if (state == AgentState::kOffline) {
    while (!agents_[a].personal.empty()) {
      ExpireTarget(agents_[a].personal.back());
    }
  }
}

void EngineImpl::AddLoad(int32_t a, int32_t slot) {
  Agent& ag = agents_[a];
  const int ch = Ch(contacts_[slot].channel);
  load_capacity_[a].load[ch] = ++ag.load[ch];
  ag.assigned.push_back(slot);
  SetActivity(ag, a);
  Sync(a, true);
}

void EngineImpl::ReleaseLoad(int32_t a, int32_t slot, bool touch_activity) {
  Agent& ag = agents_[a];
  const int ch = Ch(contacts_[slot].channel);
  load_capacity_[a].load[ch] = --ag.load[ch];
  auto it = std::find(ag.assigned.begin(), ag.assigned.end(), slot);
  KEFU_CHECK(it != ag.assigned.end());
  *it = ag.assigned.back();
  ag.assigned.pop_back();
  if (touch_activity) {
    SetActivity(ag, a);
  }
  Sync(a, touch_activity);
}

void EngineImpl::ReleaseAfterWork(int32_t a, int32_t slot) {
  const int64_t wrap = queues_[contacts_[slot].queue].copies.wrap_up_ms;
  Agent& ag = agents_[a];
  const bool wrap_up =
      wrap > 0 && (ag.state == AgentState::kAvailable || ag.state == AgentState::kWrapUp);
  if (!wrap_up) {
    ReleaseLoad(a, slot, true);
    return;
  }
  // Enter wrap-up before releasing the load, so the agent never joins the ready lists for
  // a moment only to leave them again.
  const int64_t until = std::max(ag.wrap_until_ms, now_ + wrap);
  SetAgentStateRaw(a, AgentState::kWrapUp, kReasonNone);
  agents_[a].wrap_until_ms = until;
  ScheduleAgentTimer(a);
  ReleaseLoad(a, slot, true);
}

// ---- routing ----------------------------------------------------------------------------

void EngineImpl::Route(int32_t slot) {
  while (contacts_[slot].phase < kPhasePool) {
    Contact& c = contacts_[slot];
    const QueueConfig& cfg = queues_[c.queue].config;
    AgentId target = 0;
    int64_t wait = 0;
    switch (c.phase) {
      case kPhaseTransfer:
        target = c.transfer_to;
        wait = cfg.transfer_wait_ms;
        break;
      case kPhaseOwner:
        if (queues_[c.queue].copies.owner_first) {
          target = c.owner;
          wait = cfg.owner_wait_ms;
        }
        break;
      case kPhaseLast:
        if (queues_[c.queue].copies.last_agent_first) {
          target = c.last_agent;
          wait = cfg.last_agent_wait_ms;
        }
        break;
      default:
        break;
    }
    if (target != 0 && !Excluded(c, target)) {
      const int32_t a = agent_index_.Find(target);
      if (a >= 0 && agents_[a].state != AgentState::kOffline) {
        if (ReadyFor(agents_[a], c.channel)) {
          Offer(slot, a, Decision::kTarget);
          return;
        }
        if (wait > 0) {
          c.phase_until_ms = now_ + wait;
          PersonalAdd(slot, a);
          ScheduleContactTimer(slot);
          return;
        }
      }
    }
    // After a transfer target, the pool: the owner was the previous agent's business.
    c.phase = c.phase == kPhaseTransfer ? static_cast<uint8_t>(kPhasePool)
                                        : static_cast<uint8_t>(c.phase + 1);
  }
  PlacePool(slot);
}

void EngineImpl::PlacePool(int32_t slot) {
  Contact& c = contacts_[slot];
  Queue& q = queues_[c.queue];
  c.phase = kPhasePool;
  c.ring_stage = static_cast<uint8_t>(StageAt(q, now_ - c.queue_entry_ms));
  const int stage = c.ring_stage;
  // The signature (a sort) only where it is read: the contact's own skills (SplitSignature),
  // most-skilled scoring, and the group when the contact waits. Most arrivals need none of
  // them: no skills of their own, an agent at once.
  Signature sig;
  const bool early_sig = c.nreq != 0 || q.copies.strategy == Strategy::kMostSkilled;
  if (early_sig) {
    sig = MakeSignature(c, q, stage);
  }
  const Needs needs = c.nreq == 0 ? QueueNeeds(q, stage) : SplitSignature(q, sig);
  const int32_t a = FindAgentFor(c, q, sig, needs);
  if (a != kNil) {
    Offer(slot, a, Decision::kForContact);
    return;
  }
  if (!early_sig) {
    sig = MakeSignature(c, q, stage);
  }
  // The group (its index and record, two cache misses) only when the contact waits: most
  // arrivals find an agent at once.
  const int32_t g = GroupFor(q, sig);
  HeapPush(slot, g);
  ScheduleContactTimer(slot);
}

namespace {

// Queue::tiers[i], from the copy in the queue's record when it has one.
int32_t TierAt(const Queue& q, size_t i) {
  return i < q.first_tiers.size() ? q.first_tiers[i] : q.tiers[i];
}

}  // namespace

int32_t EngineImpl::FindAgentFor(const Contact& c, const Queue& q, const Signature& sig,
                                 const Needs& needs) {
  if (!deferred_.empty()) {
    FlushDeferred();
  }
  // A search that finds nobody in the first tier goes on to the second: both headers are
  // requested now, so that the second is not a miss of its own after the first list.
  if (q.first_tiers[1] != kNil) {
    __builtin_prefetch(&lists_[q.first_tiers[1]]);
  }
  const Strategy strategy = q.copies.strategy;
  const int ch = Ch(c.channel);
  // The queue's own skills are checked against the levels each entry carries; the rest
  // (the contact's own skills) against the level table, for the entries that pass.
  const uint64_t need = needs.need;
  const Signature& extra = needs.extra;
  const bool any_excluded = contact_tag_[&c - contacts_.data()].excluding != 0;
  // With one skill of its own (the common case: a language), the contact's column of the
  // level table is looked up once here instead of for each candidate (TableLevel); none
  // when the table has no column for the skill: nobody has it.
  const uint8_t* extra_column = nullptr;
  uint32_t extra_min = 0;
  if (extra.n == 1) {
    const uint32_t skill = extra.req[0] >> 8;
    extra_min = extra.req[0] & 0xffu;
    if (skill < level_skills_) {
      extra_column = level_table_.data() + skill * level_slots_;
    }
  }
  auto extra_ok = [&](int32_t agent) {
    if (extra.n == 1) {
      return extra_column != nullptr && extra_column[agent] >= extra_min;
    }
    return extra.n == 0 || TableSkillsOk(agent, extra);
  };
  // The entry's fields by value, not the entry by reference: the scans below then keep them
  // in registers instead of storing a copy to memory and reading it back.
  auto eligible = [&](int32_t agent, uint64_t levels) {
    return LevelsMeet(levels, need) && extra_ok(agent) &&
           (!any_excluded || !Excluded(c, agent_id_[agent]));
  };
  if (KeyedStrategy(strategy)) {
    // The lists are in strategy order: the first eligible entry wins. Stale entries passed
    // on the way are dropped, so that the next search does not read them again.
    for (size_t ti = 0; ti < q.tiers.size(); ++ti) {
      TierList& t = lists_[TierAt(q, ti)];
      const HugeVector<ReadyEntry>& v = t.entries;
      bool stale = false;
      for (size_t i = t.head; i < v.size(); ++i) {
        const ReadyEntry& e = v[i];
        if (epoch_[e.agent] != e.epoch) {
          stale = true;
          continue;
        }
        if (eligible(e.agent, e.levels)) {
          const int32_t agent = e.agent;
          if (stale) {
            DropStale(t, i);
          }
          return agent;
        }
      }
      if (stale) {
        DropStale(t, v.size());
      }
    }
    return kNil;
  }
  for (size_t ti = 0; ti < q.tiers.size(); ++ti) {
    TierList& t = lists_[TierAt(q, ti)];
    HugeVector<ReadyEntry>& v = t.entries;
    int32_t best = kNil;
    int64_t best_score = 0;
    int64_t best_activity = 0;
    // Every entry is read: the stale ones are dropped on the way (order kept), so that the
    // lists of agents whose keys change with every offer (each change leaves a stale entry)
    // are not scanned at twice their length.
    size_t out = t.head;
    for (size_t i = t.head; i < v.size(); ++i) {
      // The fields read, not a copy of the entry: the compiler bounced such a copy through
      // the stack.
      const int32_t agent = v[i].agent;
      if (epoch_[agent] != v[i].epoch) {
        continue;
      }
      const uint64_t levels = v[i].levels;
      // Written back only behind a dropped entry: a list without stale entries stays clean.
      if (out != i) {
        v[out] = v[i];
      }
      ++out;
      if (!eligible(agent, levels)) {
        continue;
      }
      // Equal scores go to the longest idle, then to the first in the list. The activity is
      // read from load_capacity_, not from the entry, whose key an unkeyed agent (see
      // Agent::keyed) does not renew when it takes or ends work.
      const LoadCapacity& lc = load_capacity_[agent];
      int64_t score = 0;
      if (strategy == Strategy::kMostSkilled) {
        for (int k = 0; k < sig.n; ++k) {
          score += TableLevel(agent, sig.req[k] >> 8);
        }
      } else {
        score = -(static_cast<int64_t>(lc.load[ch]) * 1'000'000 / lc.capacity[ch]);
      }
      if (best == kNil || score > best_score ||
          (score == best_score && lc.activity_ms < best_activity)) {
        best = agent;
        best_score = score;
        best_activity = lc.activity_ms;
      }
    }
    v.resize(out);
    if (out > t.head) {
      t.last_key = v.back().key;
    }
    if (best != kNil) {
      return best;
    }
  }
  return kNil;
}

int32_t EngineImpl::TopFor(const Group& g, AgentId agent) const {
  // The dense flag first: the best contact's record is read only when it has exclusions.
  if (contact_tag_[g.heap[0].slot].excluding == 0 || !Excluded(contacts_[g.heap[0].slot], agent)) {
    return 0;
  }
  // Rare: the best declined this agent before. Scan for the best it did not decline.
  int32_t best = kNil;
  for (size_t i = 1; i < g.heap.size(); ++i) {
    const int32_t slot = g.heap[i].slot;
    if (contact_tag_[slot].excluding != 0 && Excluded(contacts_[slot], agent)) {
      continue;
    }
    if (best == kNil || Before(g.heap[i], g.heap[best])) {
      best = static_cast<int32_t>(i);
    }
  }
  return best;
}

namespace {

// RankBefore on heap entries of (possibly) different queues: what Fill compares.
inline bool EntryRankBefore(const HeapEntry& a, int32_t aging_a, const HeapEntry& b,
                            int32_t aging_b, int64_t now) {
  if (a.klass != b.klass) {
    return a.klass > b.klass;
  }
  const int64_t ea = a.key + aging_a * now;
  const int64_t eb = b.key + aging_b * now;
  if (ea != eb) {
    return ea > eb;
  }
  if (a.order_ms != b.order_ms) {
    return a.order_ms < b.order_ms;
  }
  return a.seq < b.seq;
}

}  // namespace

void EngineImpl::Fill(int32_t a) {
  while (true) {
    const Agent& ag = agents_[a];
    if (!ag.alive || ag.state != AgentState::kAvailable) {
      return;
    }
    int32_t best = kNil;
    // Contacts waiting for this agent personally come first.
    for (int32_t slot : ag.personal) {
      const Contact& c = contacts_[slot];
      if (!ReadyFor(ag, c.channel) || Excluded(c, ag.id)) {
        continue;
      }
      if (best == kNil || RankBefore(c, contacts_[best])) {
        best = slot;
      }
    }
    // Then the queues, by the agent's priority in them: the best contact of the first
    // priority level that has one the agent can take. Compared on heap entries, which
    // carry the ranking keys, so that losing candidates' records are never read.
    const size_t n = ag.seats.size();
    size_t i = 0;
    const HeapEntry* top = nullptr;
    int32_t top_aging = 0;
    while (best == kNil && top == nullptr && i < n) {
      const int32_t level = ag.seats[i].priority;
      for (; i < n && ag.seats[i].priority == level; ++i) {
        const Seat& seat = ag.seats[i];
        if (pool_[seat.queue] == 0 || !ReadyFor(ag, seat.channel)) {
          continue;
        }
        const Waiting& w = waiting_[seat.queue];
        const Queue& q = queues_[seat.queue];
        for (int32_t j = 0; j < w.groups; ++j) {
          // The first groups from the dense copies, the rest (rare) from the queue's list.
          const NonEmpty& ne = j < kNonEmptyCopies ? w.first[j] : q.nonempty[j];
          // The agent has the group's skills (g.sig), tested from the copies in NonEmpty so
          // that the groups it cannot serve are not read: the queue's own skills against the
          // seat's levels, the contacts' own skills against the level table, whose columns
          // of common skills (languages) stay cached where the agent's record does not.
          if (!LevelsMeet(seat.levels, ne.need)) {
            continue;
          }
          if (ne.extra != 0 &&
              (ne.extra != kManyExtra ? TableLevel(a, ne.extra >> 8) < (ne.extra & 0xffu)
                                      : !TableSkillsOk(a, q.groups[ne.group].needs.extra))) {
            continue;
          }
          const Group& g = q.groups[ne.group];
          const int32_t k = TopFor(g, ag.id);
          if (k != kNil &&
              (top == nullptr || EntryRankBefore(g.heap[k], q.aging, *top, top_aging, now_))) {
            top = &g.heap[k];
            top_aging = q.aging;
          }
        }
      }
    }
    if (top != nullptr) {
      best = top->slot;
    }
    if (best == kNil) {
      return;
    }
    Offer(best, a, Decision::kForAgent);
  }
}

void EngineImpl::Offer(int32_t slot, int32_t a, Decision decision) {
  if (options_.verify_decisions) {
    VerifyOffer(slot, a, decision);
  }
  Unplace(slot);
  Contact& c = contacts_[slot];
  const Queue& q = queues_[c.queue];
  c.state = CState::kOffered;
  c.agent = a;
  c.holder = agents_[a].id;
  c.offer_deadline_ms = now_ + q.copies.offer_timeout_ms;
  ++offers_;
  Emit(EventType::kOffered, c).agent = agents_[a].id;
  if (q.copies.strategy == Strategy::kRoundRobin) {
    const int32_t seat = SeatOf(agents_[a], c.queue);
    if (seat != kNil) {
      agents_[a].seats[seat].last_offer_ms = now_;
    }
  }
  AddLoad(a, slot);
  ScheduleContactTimer(slot);
}

void EngineImpl::MissOffer(int32_t slot, EventType why) {
  const int32_t a = contacts_[slot].agent;
  const AgentId agent_id = agents_[a].id;
  Emit(why, contacts_[slot]).agent = agent_id;
  ReleaseLoad(a, slot, false);
  Contact& c = contacts_[slot];
  c.state = CState::kLimbo;
  c.agent = kNil;
  const QueueConfig& cfg = queues_[c.queue].config;
  if (why != EventType::kOfferRescinded) {
    AddExclusion(c, agent_id);
    const MissedOfferPolicy& policy =
        why == EventType::kOfferTimedOut ? cfg.after_offer_timeout : cfg.after_decline;
    AgentState state = policy.state;
    if (state == AgentState::kOffline) {
      for (int32_t s : agents_[a].assigned) {
        if (contacts_[s].state == CState::kConnected) {
          state = AgentState::kBreak;  // an agent with customers cannot go offline
        }
      }
    }
    if (state != AgentState::kAvailable) {
      SetAgentStateFull(a, state, policy.reason);
    }
  }
  Contact& r = contacts_[slot];
  if (r.leg && r.phase == kPhaseTransfer) {
    EndLeg(slot, true);  // a consult to one agent ends when that agent does not answer
  } else {
    Emit(EventType::kRequeued, r);
    Route(slot);
  }
  Fill(a);
}

void EngineImpl::ExpireTarget(int32_t slot) {
  const AgentId target = agents_[contacts_[slot].target].id;
  Unplace(slot);
  Contact& c = contacts_[slot];
  Emit(EventType::kTargetExpired, c).agent = target;
  c.phase = c.phase == kPhaseTransfer ? static_cast<uint8_t>(kPhasePool)
                                      : static_cast<uint8_t>(c.phase + 1);
  Route(slot);
}

void EngineImpl::PostArrival(int32_t slot, size_t queued_event, int depth) {
  const Contact& c = contacts_[slot];
  if (c.state != CState::kWaiting && c.state != CState::kTargeted) {
    return;
  }
  const Queue& q = queues_[c.queue];
  const QueueConfig& cfg = q.config;
  if (!c.callback && cfg.max_waiting > 0 && q.waiting_live > cfg.max_waiting) {
    ApplyLimit(slot, LimitKind::kMaxWaiting, cfg.max_waiting_action, depth);
    return;
  }
  const WaitInfo w = ComputeWait(slot);
  if (queued_event != kNoEvent) {
    events_[queued_event].position = w.position;
    events_[queued_event].value = w.ewt_ms;
    // The customer was just told: the next update comes a full period later at the earliest.
    if (cfg.position_update_ms > 0 && !c.callback) {
      Contact& m = contacts_[slot];
      m.reported_position = w.position;
      m.position_due_ms = now_ + cfg.position_update_ms;
    }
  }
  if (c.callback) {
    return;
  }
  if (cfg.overflow_ewt_ms > 0 && w.ewt_ms > cfg.overflow_ewt_ms && OverflowTarget(q) != kNil &&
      depth < kMaxOverflowHops) {
    Overflow(slot, LimitKind::kOverflowEwt, depth);
    return;
  }
  if (cfg.callback_offer_ewt_ms > 0 && w.ewt_ms > cfg.callback_offer_ewt_ms) {
    Emit(EventType::kCallbackOffered, c).value = w.ewt_ms;
  }
}

void EngineImpl::ApplyLimit(int32_t slot, LimitKind kind, LimitAction action, int depth) {
  const Queue& q = queues_[contacts_[slot].queue];
  if (action == LimitAction::kOverflow &&
      (OverflowTarget(q) == kNil || depth >= kMaxOverflowHops)) {
    action = LimitAction::kAnnounce;  // nowhere to go
  }
  Event& e = Emit(EventType::kLimitReached, contacts_[slot]);
  e.detail = static_cast<int32_t>(kind);
  e.value = static_cast<int64_t>(action);
  switch (action) {
    case LimitAction::kOverflow:
      Overflow(slot, kind, depth);
      return;
    case LimitAction::kCallback:
      MakeCallback(slot);
      return;
    case LimitAction::kAnnounce: {
      // The customer hears where they stand and keeps the place. Max wait is announced once
      // per queue (it would otherwise be due again at once).
      Contact& c = contacts_[slot];
      if (kind == LimitKind::kMaxWait) {
        c.max_wait_done = true;
      }
      const WaitInfo w = ComputeWait(slot);
      Event& a = Emit(EventType::kAnnounced, c);
      a.detail = static_cast<int32_t>(kind);
      a.position = w.position;
      a.value = w.ewt_ms;
      ScheduleContactTimer(slot);
      return;
    }
    case LimitAction::kLeaveMessage:
      Unplace(slot);
      FreeContact(slot);
      return;
  }
}

void EngineImpl::Overflow(int32_t slot, LimitKind kind, int depth) {
  const int32_t to = OverflowTarget(queues_[contacts_[slot].queue]);
  KEFU_CHECK(to != kNil);
  Event& e = Emit(EventType::kOverflowed, contacts_[slot]);
  e.other_queue = e.queue;
  e.queue = queues_[to].id;
  e.detail = static_cast<int32_t>(kind);
  // Overflow keeps the contact's place (its order time) in the new queue.
  MoveToQueue(slot, to, contacts_[slot].order_ms);
  PostArrival(slot, kNoEvent, depth + 1);
}

void EngineImpl::MoveToQueue(int32_t slot, int32_t q, int64_t order_ms) {
  Unplace(slot);
  Contact& c = contacts_[slot];
  c.queue = q;
  c.order_ms = order_ms;
  c.queue_entry_ms = now_;
  c.max_wait_done = false;
  c.reported_position = 0;  // a new queue: the next check reports the new position
  c.ring_stage = 0;
  c.phase = kPhasePool;
  ComputePriority(c);
  // A closed queue applies its after-hours action, as at arrival (the contact may leave).
  if (Closed(q) && !AfterHours(slot)) {
    return;
  }
  Route(slot);
}

bool EngineImpl::Closed(int32_t q) const {
  const BusinessCalendar* calendar = CalendarOf(queues_[q]);
  return calendar != nullptr && !calendar->IsOpen(now_);
}

void EngineImpl::MakeCallback(int32_t slot) {
  Contact& c = contacts_[slot];
  Count(c, -1);
  c.callback = true;
  Count(c, +1);
  Emit(EventType::kCallbackRequested, c);
  ScheduleContactTimer(slot);
}

bool EngineImpl::AfterHours(int32_t slot) {
  Contact& c = contacts_[slot];
  const QueueConfig& cfg = queues_[c.queue].config;
  AfterHoursAction action = cfg.after_hours_action;
  if (action == AfterHoursAction::kForwardToOwner && c.owner == 0) {
    action = cfg.after_hours_fallback == AfterHoursAction::kForwardToOwner
                 ? AfterHoursAction::kLeaveMessage
                 : cfg.after_hours_fallback;
  }
  Event& e = Emit(EventType::kAfterHours, c);
  e.detail = static_cast<int32_t>(action);
  if (action == AfterHoursAction::kForwardToOwner) {
    e.agent = c.owner;
  }
  if (action == AfterHoursAction::kCallback) {
    c.callback = true;
    Emit(EventType::kCallbackRequested, c);
    return true;
  }
  FreeContact(slot);
  return false;
}

void EngineImpl::EndLeg(int32_t leg, bool emit_cancel) {
  Contact& l = contacts_[leg];
  const int32_t main = l.link;
  int32_t b = kNil;
  if (l.state == CState::kOffered || l.state == CState::kConnected) {
    b = l.agent;
    ReleaseLoad(b, leg, l.state == CState::kConnected);
    contacts_[leg].state = CState::kLimbo;
    contacts_[leg].agent = kNil;
  } else {
    Unplace(leg);
  }
  if (emit_cancel) {
    const Contact& m = contacts_[main];
    Event& e = Emit(EventType::kConsultCancelled, m);
    e.agent = m.agent != kNil ? agents_[m.agent].id : 0;
    e.other_agent = b != kNil ? agents_[b].id : 0;
  }
  contacts_[main].link = kNil;
  FreeContact(leg);
  if (b != kNil) {
    Fill(b);
  }
}

void EngineImpl::RegroupAll(int32_t q) {
  FlushDeferred();
  // A new strategy means new keys: rebuild the queue's ready lists from its ready seats.
  const bool round_robin = queues_[q].config.strategy == Strategy::kRoundRobin;
  for (int32_t li : queues_[q].tiers) {
    lists_[li].entries.clear();
    lists_[li].head = 0;
  }
  for (int32_t a = 0; a < static_cast<int32_t>(agents_.size()); ++a) {
    if (!agents_[a].alive) {
      continue;
    }
    bool seated = false;
    for (Seat& seat : agents_[a].seats) {
      if (seat.queue != q) {
        continue;
      }
      seated = true;
      seat.round_robin = round_robin;
      seat.levels = SeatLevels(agents_[a], queues_[q]);
      if ((agents_[a].ready_mask & (1u << Ch(seat.channel))) != 0) {
        ListInsert(lists_[seat.list], ReadyEntry{KeyFor(a, seat), a, epoch_[a], seat.levels});
      }
    }
    if (seated) {
      UpdateSeatSummary(a);
    }
  }
}

void EngineImpl::Resettle(int32_t q) {
  // New rules: take every pooled contact out, recompute its priority and requirements, and
  // place it again best first (each may now find an agent). Rare; O(n log n).
  std::vector<int32_t> pooled;
  for (const Group& g : queues_[q].groups) {
    for (const HeapEntry& e : g.heap) {
      pooled.push_back(e.slot);
    }
  }
  for (int32_t slot : pooled) {
    Unplace(slot);
  }
  queues_[q].groups.clear();
  queues_[q].group_index.Clear();
  queues_[q].nonempty.clear();
  CopyNonEmpty(q);
  for (size_t slot = 0; slot < contacts_.size(); ++slot) {
    Contact& c = contacts_[slot];
    if (c.state != CState::kFree && c.queue == q) {
      ComputePriority(c);
      c.ring_stage = 0;  // the rings may have changed; placing recomputes it
    }
  }
  std::sort(pooled.begin(), pooled.end(),
            [this](int32_t x, int32_t y) { return RankBefore(contacts_[x], contacts_[y]); });
  for (int32_t slot : pooled) {
    PlacePool(slot);
  }
  for (size_t slot = 0; slot < contacts_.size(); ++slot) {
    const Contact& c = contacts_[slot];
    if (c.state != CState::kFree && c.queue == q) {
      ScheduleContactTimer(static_cast<int32_t>(slot));
    }
  }
}

}  // namespace kefu::routing::internal
