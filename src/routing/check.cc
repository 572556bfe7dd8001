// Queries, brute-force eligibility, decision verification and the structural self-check.
// The brute-force parts deliberately avoid the indexes (heaps, ready lists, groups): they
// recompute from the raw fields what the indexes are supposed to answer.

#include "kefu/core/check.h"

#include <algorithm>
#include <string>
#include <tuple>

#include "engine_impl.h"

namespace kefu::routing::internal {
namespace {

std::string Str(int64_t v) { return std::to_string(v); }

int Ch(Channel ch) { return static_cast<int>(ch); }

template <typename T, typename A>
int64_t Bytes(const std::vector<T, A>& v) {
  return static_cast<int64_t>(v.capacity() * sizeof(T));
}

template <typename T, int N>
int64_t Bytes(const SmallVec<T, N>& v) {
  return static_cast<int64_t>(v.HeapBytes());
}

}  // namespace

// ---- queries ----------------------------------------------------------------------------

int64_t EngineImpl::Ewt(const Queue& q, int position) const {
  if (q.staffed == 0) {
    return kEwtUnbounded;
  }
  return static_cast<int64_t>(position) * q.handle_ms / q.staffed;
}

WaitInfo EngineImpl::ComputeWait(int32_t slot) const {
  const Contact& c = contacts_[slot];
  const Queue& q = queues_[c.queue];
  WaitInfo w;
  w.contact = c.id;
  if (c.state == CState::kWaiting) {
    const HeapEntry me = EntryOf(c);
    int ahead = 0;
    for (const NonEmpty& ne : q.nonempty) {
      const int32_t gi = ne.group;
      for (const HeapEntry& e : q.groups[gi].heap) {
        ahead += Before(e, me) ? 1 : 0;
      }
    }
    w.position = ahead + 1;
    w.ewt_ms = Ewt(q, w.position);
  } else if (c.state == CState::kTargeted) {
    int ahead = 0;
    for (int32_t s : agents_[c.target].personal) {
      ahead += (s != slot && RankBefore(contacts_[s], c)) ? 1 : 0;
    }
    w.position = ahead + 1;
    // One agent serves this line.
    w.ewt_ms = static_cast<int64_t>(w.position) * q.handle_ms;
  } else if (c.state == CState::kScheduled) {
    w.ewt_ms = c.not_before_ms - now_;
  }
  return w;
}

Result<AgentView> EngineImpl::GetAgent(AgentId agent) const {
  KEFU_ASSIGN_OR_RETURN(int32_t a, FindAgent(agent));
  const Agent& ag = agents_[a];
  AgentView v;
  v.id = ag.id;
  v.state = ag.state;
  v.reason = ag.reason;
  for (int ch = 0; ch < kChannelCount; ++ch) {
    v.load[ch] = ag.load[ch];
    v.capacity[ch] = ag.capacity[ch];
  }
  for (int32_t s : ag.assigned) {
    v.contacts.push_back(contacts_[s].id);
  }
  std::sort(v.contacts.begin(), v.contacts.end());
  for (const Seat& seat : ag.seats) {
    v.queues.emplace_back(queues_[seat.queue].id, seat.priority);
  }
  v.wrap_up_until_ms = ag.state == AgentState::kWrapUp ? ag.wrap_until_ms : 0;
  return v;
}

Result<ContactView> EngineImpl::GetContact(ContactId contact) const {
  KEFU_ASSIGN_OR_RETURN(int32_t slot, FindContact(contact));
  const Contact& c = contacts_[slot];
  const Queue& q = queues_[c.queue];
  ContactView v;
  v.id = c.id;
  switch (c.state) {
    case CState::kScheduled:
      v.state = ContactState::kScheduled;
      break;
    case CState::kOffered:
      v.state = ContactState::kOffered;
      break;
    case CState::kConnected:
      v.state = ContactState::kConnected;
      break;
    default:
      v.state = ContactState::kWaiting;
      break;
  }
  v.queue = q.id;
  v.agent = c.agent != kNil ? agents_[c.agent].id : 0;
  v.waiting_for = c.state == CState::kTargeted ? agents_[c.target].id : 0;
  v.callback = c.callback;
  v.priority_class = c.klass;
  v.base_priority = c.base;
  v.arrival_ms = c.arrival_ms;
  v.queue_entry_ms = c.queue_entry_ms;
  v.ring_min_level = q.config.rings.empty() ? 1 : q.config.rings[c.ring_stage].min_level;
  v.in_consult = c.link != kNil;
  return v;
}

Result<WaitInfo> EngineImpl::GetWaitInfo(ContactId contact) const {
  KEFU_ASSIGN_OR_RETURN(int32_t slot, FindContact(contact));
  return ComputeWait(slot);
}

Result<std::vector<WaitInfo>> EngineImpl::GetQueueWaitInfo(QueueId queue) const {
  KEFU_ASSIGN_OR_RETURN(int32_t q, FindQueue(queue));
  const Queue& qu = queues_[q];
  std::vector<HeapEntry> all;
  for (const NonEmpty& ne : qu.nonempty) {
    const int32_t gi = ne.group;
    all.insert(all.end(), qu.groups[gi].heap.begin(), qu.groups[gi].heap.end());
  }
  std::sort(all.begin(), all.end(), Before);
  std::vector<WaitInfo> out;
  for (size_t i = 0; i < all.size(); ++i) {
    const Contact& c = contacts_[all[i].slot];
    if (c.leg) {
      continue;
    }
    WaitInfo w;
    w.contact = c.id;
    w.position = static_cast<int>(i) + 1;
    w.ewt_ms = Ewt(qu, w.position);
    out.push_back(w);
  }
  return out;
}

Result<QueueStats> EngineImpl::GetQueueStats(QueueId queue) const {
  KEFU_ASSIGN_OR_RETURN(int32_t q, FindQueue(queue));
  const Queue& qu = queues_[q];
  QueueStats s;
  s.waiting = qu.waiting_live;
  s.callbacks = qu.callbacks;
  s.staffed = qu.staffed;
  for (int32_t li : qu.tiers) {
    const TierList& t = lists_[li];
    for (size_t i = t.head; i < t.entries.size(); ++i) {
      s.ready += Valid(t.entries[i], qu.config.channel) ? 1 : 0;
    }
  }
  s.handle_ms = qu.handle_ms;
  for (const NonEmpty& ne : qu.nonempty) {
    const int32_t gi = ne.group;
    for (const HeapEntry& e : qu.groups[gi].heap) {
      s.oldest_wait_ms = std::max(s.oldest_wait_ms, now_ - contacts_[e.slot].queue_entry_ms);
    }
  }
  return s;
}

Result<bool> EngineImpl::IsOpen(QueueId queue) const {
  KEFU_ASSIGN_OR_RETURN(int32_t q, FindQueue(queue));
  const BusinessCalendar* calendar = CalendarOf(queues_[q]);
  return calendar == nullptr || calendar->IsOpen(clock_->NowMs());
}

bool EngineImpl::CanTake(AgentId agent, ContactId contact) const {
  const int32_t a = agent_index_.Find(agent);
  const int32_t slot = contact_index_.Find(contact);
  if (a < 0 || slot < 0) {
    return false;
  }
  const CState s = contacts_[slot].state;
  return (s == CState::kWaiting || s == CState::kTargeted) && Eligible(a, slot);
}

EngineStats EngineImpl::Stats() const {
  EngineStats s;
  s.agents = static_cast<int64_t>(agent_index_.size());
  s.queues = static_cast<int64_t>(queue_index_.size());
  s.offers = offers_;
  s.pending_timers = static_cast<int64_t>(timers_.size());
  s.verified_decisions = verified_;
  for (const Contact& c : contacts_) {
    if (c.state != CState::kFree && !c.leg) {
      ++s.contacts;
    }
  }
  int64_t m = Bytes(events_) + Bytes(skill_ids_) +
              static_cast<int64_t>(skill_index_.MemoryBytes()) + Bytes(calendars_) +
              Bytes(queues_) + static_cast<int64_t>(queue_index_.MemoryBytes()) + Bytes(agents_) +
              Bytes(free_agents_) + static_cast<int64_t>(agent_index_.MemoryBytes()) +
              Bytes(epoch_) + Bytes(contact_tag_) + Bytes(deferred_) + Bytes(free_queues_) +
              Bytes(agent_id_) + Bytes(load_capacity_) + Bytes(level_table_) + Bytes(contacts_) +
              Bytes(free_contacts_) + static_cast<int64_t>(contact_index_.MemoryBytes()) +
              static_cast<int64_t>(timers_.MemoryBytes());
  for (const Queue& q : queues_) {
    s.waiting += q.waiting_live + q.callbacks;
    m += Bytes(q.skills) + Bytes(q.tiers) + Bytes(q.groups) + Bytes(q.nonempty);
    m += static_cast<int64_t>(q.group_index.MemoryBytes());
    for (const Group& g : q.groups) {
      m += Bytes(g.heap);
    }
  }
  for (const Contact& c : contacts_) {
    m += Bytes(c.excluded);
  }
  for (const Agent& a : agents_) {
    m += Bytes(a.levels) + Bytes(a.seats) + Bytes(a.personal) + Bytes(a.assigned);
  }
  m += Bytes(lists_) + Bytes(pool_) + Bytes(waiting_);
  for (const TierList& t : lists_) {
    m += Bytes(t.entries);
  }
  s.memory_bytes = m;
  return s;
}

// ---- brute force and verification -------------------------------------------------------

bool EngineImpl::Eligible(int32_t a, int32_t slot) const {
  const Agent& ag = agents_[a];
  const Contact& c = contacts_[slot];
  if (!ag.alive || ag.state != AgentState::kAvailable) {
    return false;
  }
  const int ch = Ch(c.channel);
  if (ag.load[ch] >= ag.capacity[ch]) {
    return false;
  }
  if (!ag.chat_with_voice) {
    const int voice = Ch(Channel::kVoice);
    const int chat = Ch(Channel::kChat);
    if ((ch == voice && ag.load[chat] > 0) || (ch == chat && ag.load[voice] > 0)) {
      return false;
    }
  }
  for (AgentId x : c.excluded) {
    if (x == ag.id) {
      return false;
    }
  }
  if (c.state == CState::kTargeted) {
    return c.target == a;
  }
  const Queue& q = queues_[c.queue];
  if (c.phase < kPhasePool) {
    // Being routed to one agent (inside a command).
    AgentId target = 0;
    if (c.phase == kPhaseTransfer) {
      target = c.transfer_to;
    } else if (c.phase == kPhaseOwner && q.config.owner_first) {
      target = c.owner;
    } else if (c.phase == kPhaseLast && q.config.last_agent_first) {
      target = c.last_agent;
    }
    return target == ag.id;
  }
  bool member = false;
  for (const Seat& seat : ag.seats) {
    member = member || seat.queue == c.queue;
  }
  if (!member) {
    return false;
  }
  // The ring in force by the time waited. For a waiting contact, the stage it is in: ring
  // steps falling due at the same millisecond are taken one after the other, in timer
  // order, and decisions in between see the steps taken so far. CheckInvariants checks that
  // no step is pending once a command is over.
  int ring = 1;
  if (c.state == CState::kWaiting) {
    ring = q.config.rings.empty() ? 1 : q.config.rings[c.ring_stage].min_level;
  } else {
    for (const RingStep& r : q.config.rings) {
      if (r.after_ms <= now_ - c.queue_entry_ms) {
        ring = r.min_level;
      }
    }
  }
  auto level_of = [&](uint32_t skill) {
    return skill < ag.levels.size() ? static_cast<int>(ag.levels[skill]) : 0;
  };
  for (const SkillRequirement& r : q.config.skills) {
    const int32_t si = skill_index_.Find(r.skill);
    if (si < 0 || level_of(static_cast<uint32_t>(si)) < std::max(r.min_level, ring)) {
      return false;
    }
  }
  for (int i = 0; i < c.nreq; ++i) {
    const int need = std::max(static_cast<int>(c.req[i] & 0xffu), ring);
    if (level_of(c.req[i] >> 8) < need) {
      return false;
    }
  }
  return true;
}

void EngineImpl::Violation(std::string message) {
  ++violations_;
  if (first_violation_.empty()) {
    first_violation_ = "at " + Str(now_) + ": " + std::move(message);
  }
}

void EngineImpl::VerifyOffer(int32_t slot, int32_t a, Decision decision) {
  ++verified_;
  const Contact& c = contacts_[slot];
  const Agent& ag = agents_[a];
  const std::string what = "contact " + Str(c.id) + " to agent " + Str(ag.id);
  if (c.state == CState::kOffered || c.state == CState::kConnected) {
    Violation(what + ": already offered or connected");
    return;
  }
  if (!Eligible(a, slot)) {
    Violation(what + ": agent not eligible");
    return;
  }
  if (decision == Decision::kTarget) {
    return;
  }
  const Queue& q = queues_[c.queue];
  if (decision == Decision::kForContact) {
    // No eligible agent ranks before the chosen one in this queue's order.
    auto rank = [&](int32_t b) {
      const Agent& bg = agents_[b];
      const Seat& seat = bg.seats[SeatOf(bg, c.queue)];
      // Its place in the ready list: the index of its valid entry.
      const TierList& t = lists_[seat.list];
      size_t place = t.entries.size();
      int64_t key = 0;
      for (size_t i = t.head; i < t.entries.size(); ++i) {
        if (t.entries[i].agent == b && Valid(t.entries[i], c.channel)) {
          place = i;
        }
      }
      // The strategy's key now: an entry in a least-occupied or most-skilled list may carry
      // an older activity (Agent::keyed), and ties there go to the longest idle.
      key = KeyFor(b, seat);
      int64_t score = 0;
      if (q.config.strategy == Strategy::kMostSkilled) {
        const Signature sig = MakeSignature(c, q, StageAt(q, now_ - c.queue_entry_ms));
        for (int i = 0; i < sig.n; ++i) {
          score -= bg.levels[sig.req[i] >> 8];
        }
      } else if (q.config.strategy == Strategy::kLeastOccupied) {
        const int ch = Ch(c.channel);
        score = static_cast<int64_t>(bg.load[ch]) * 1'000'000 / bg.capacity[ch];
      }
      return std::make_tuple(seat.priority, score, key, place);
    };
    const auto mine = rank(a);
    for (int32_t b = 0; b < static_cast<int32_t>(agents_.size()); ++b) {
      if (b != a && Eligible(b, slot) && rank(b) < mine) {
        Violation(what + ": agent " + Str(agents_[b].id) + " ranks before");
        return;
      }
    }
  }
  // No waiting contact the agent could take ranks before the chosen one: personal contacts
  // first, then by the agent's priority in the queue, then class, aged priority, arrival.
  auto personal = [&](const Contact& d) { return d.state == CState::kTargeted; };
  auto prio = [&](const Contact& d) {
    const int32_t seat = SeatOf(ag, d.queue);
    return seat == kNil ? 0 : ag.seats[seat].priority;
  };
  for (int32_t d = 0; d < static_cast<int32_t>(contacts_.size()); ++d) {
    const Contact& o = contacts_[d];
    if (d == slot || (o.state != CState::kWaiting && o.state != CState::kTargeted) ||
        !Eligible(a, d)) {
      continue;
    }
    bool before;
    if (personal(o) != personal(c)) {
      before = personal(o);
    } else if (!personal(o) && prio(o) != prio(c)) {
      before = prio(o) < prio(c);
    } else {
      before = RankBefore(o, c);
    }
    if (before) {
      auto describe = [&](const Contact& x) {
        return "(state " + Str(static_cast<int>(x.state)) + " queue " + Str(queues_[x.queue].id) +
               " prio " + Str(prio(x)) + " class " + Str(x.klass) + " eff " +
               Str(x.key + queues_[x.queue].config.aging_per_minute * now_) + " order " +
               Str(x.order_ms) + " stage " + Str(x.ring_stage) + " phase " + Str(x.phase) + ")";
      };
      Violation(what + " " + describe(c) + " decision " + Str(static_cast<int>(decision)) +
                ": contact " + Str(o.id) + " " + describe(o) + " ranks before");
      return;
    }
    // Aging bounds overtaking: a contact of the same queue and class that has waited longer
    // than the priority gap is worth must not be passed over.
    const int aging = q.config.aging_per_minute;
    if (o.state == CState::kWaiting && c.state == CState::kWaiting && o.queue == c.queue &&
        o.klass == c.klass && aging > 0 &&
        static_cast<int64_t>(aging) * (c.order_ms - o.order_ms) >
            static_cast<int64_t>(c.base - o.base) * kAgingScale) {
      Violation(what + ": contact " + Str(o.id) + " starves");
      return;
    }
  }
}

// ---- self-check -------------------------------------------------------------------------

Status EngineImpl::CheckStructure() const {
  auto fail = [](const std::string& m) { return InternalError("routing state: " + m); };
  const int32_t n_agents = static_cast<int32_t>(agents_.size());
  const int32_t n_contacts = static_cast<int32_t>(contacts_.size());
  const int32_t n_queues = static_cast<int32_t>(queues_.size());
  const uint32_t n_skills = static_cast<uint32_t>(skill_ids_.size());
  auto in = [](int32_t i, int32_t n) { return i >= 0 && i < n; };
  auto req_ok = [&](uint32_t r) {
    return (r >> 8) < n_skills && (r & 0xffu) >= 1 && (r & 0xffu) <= 5;
  };

  // Basic ranges first, so deeper checks may follow the links.
  for (const Queue& q : queues_) {
    for (uint32_t r : q.skills) {
      if (!req_ok(r)) {
        return fail("queue skill out of range");
      }
    }
    if (q.skills.size() != q.config.skills.size()) {
      return fail("queue skills mismatch");
    }
    if (q.id != 0 && q.aging != q.config.aging_per_minute) {
      return fail("queue aging copy");
    }
  }
  // Removed queues: id 0, empty, each in the free list once.
  {
    std::vector<int> freed(queues_.size(), 0);
    for (int32_t q : free_queues_) {
      if (!in(q, n_queues) || queues_[q].id != 0 || freed[q]++ > 0) {
        return fail("free queue list");
      }
    }
    for (int32_t q = 0; q < n_queues; ++q) {
      const Queue& qu = queues_[q];
      if (qu.id == 0 && (freed[q] != 1 || !qu.groups.empty() || !qu.nonempty.empty())) {
        return fail("removed queue");
      }
    }
  }
  for (int32_t a = 0; a < n_agents; ++a) {
    const Agent& ag = agents_[a];
    if (!ag.alive) {
      continue;
    }
    if (agent_index_.Find(ag.id) != a) {
      return fail("agent index");
    }
    for (int ch = 0; ch < kChannelCount; ++ch) {
      if (ag.load[ch] < 0 || ag.capacity[ch] < 0) {
        return fail("negative load");
      }
    }
    for (uint8_t l : ag.levels) {
      if (l > 5) {
        return fail("skill level");
      }
    }
    for (const Seat& seat : ag.seats) {
      if (!in(seat.queue, n_queues) || !in(seat.list, static_cast<int32_t>(lists_.size())) ||
          static_cast<int>(seat.channel) >= kChannelCount || queues_[seat.queue].id == 0) {
        return fail("seat of agent " + Str(ag.id));
      }
    }
    for (int32_t s : ag.assigned) {
      if (!in(s, n_contacts)) {
        return fail("assigned contact out of range");
      }
    }
    for (int32_t s : ag.personal) {
      if (!in(s, n_contacts)) {
        return fail("personal contact out of range");
      }
    }
  }
  if (contact_tag_.size() != contacts_.size() || !deferred_.empty()) {
    return fail("contact arrays");
  }
  int64_t live_contacts = 0;
  for (int32_t s = 0; s < n_contacts; ++s) {
    const Contact& c = contacts_[s];
    if (c.state == CState::kFree) {
      continue;
    }
    if (c.state == CState::kLimbo || static_cast<int>(c.state) > 6) {
      return fail("contact state");
    }
    if (!in(c.queue, n_queues) || queues_[c.queue].id == 0 || c.phase > kPhasePool ||
        c.nreq > kMaxRequiredSkills || static_cast<int>(c.channel) >= kChannelCount ||
        static_cast<int>(c.tier) >= kTierCount) {
      return fail("contact " + Str(c.id) + " fields");
    }
    const size_t rings = queues_[c.queue].config.rings.size();
    if (c.ring_stage >= std::max<size_t>(1, rings)) {
      return fail("ring stage");
    }
    for (int i = 0; i < c.nreq; ++i) {
      if (!req_ok(c.req[i])) {
        return fail("contact skill out of range");
      }
    }
    if (c.channel != queues_[c.queue].config.channel) {
      return fail("contact channel differs from its queue's");
    }
    if (CountUnion(queues_[c.queue].skills, c) > kMaxRequiredSkills) {
      return fail("too many skills");
    }
    if ((c.state == CState::kOffered || c.state == CState::kConnected) &&
        (!in(c.agent, n_agents) || !agents_[c.agent].alive || c.holder != agents_[c.agent].id)) {
      return fail("contact agent");
    }
    if (c.state == CState::kTargeted && (!in(c.target, n_agents) || !agents_[c.target].alive)) {
      return fail("contact target");
    }
    if (contact_tag_[s].excluding != (c.excluded.empty() ? 0 : 1)) {
      return fail("contact " + Str(c.id) + " exclusion flag");
    }
    if (c.link != kNil) {
      if (!in(c.link, n_contacts)) {
        return fail("contact link");
      }
      const Contact& o = contacts_[c.link];
      if (o.state == CState::kFree || o.link != s || o.leg == c.leg || o.id != c.id) {
        return fail("consult link of " + Str(c.id));
      }
      if (!c.leg && c.state != CState::kConnected) {
        return fail("a consult needs a connected contact");
      }
    } else if (c.leg) {
      return fail("leg without contact");
    }
    if (!c.leg) {
      ++live_contacts;
      if (contact_index_.Find(c.id) != s) {
        return fail("contact index for " + Str(c.id));
      }
    }
  }
  if (static_cast<int64_t>(contact_index_.size()) != live_contacts) {
    return fail("contact index size");
  }
  int64_t live_agents = 0;
  for (const Agent& ag : agents_) {
    live_agents += ag.alive ? 1 : 0;
  }
  if (static_cast<int64_t>(agent_index_.size()) != live_agents) {
    return fail("agent index size");
  }

  // Agents: loads, assignments, personal lists, memberships.
  std::vector<int> assigned_count(contacts_.size(), 0);
  if (epoch_.size() != agents_.size() || agent_id_.size() != agents_.size() ||
      load_capacity_.size() != agents_.size() || contact_tag_.size() != contacts_.size()) {
    return fail("agent arrays");
  }
  for (int32_t a = 0; a < n_agents; ++a) {
    if (agent_id_[a] != (agents_[a].alive ? agents_[a].id : 0)) {
      return fail("agent id array");
    }
    if (agents_[a].alive && (load_capacity_[a].load != agents_[a].load ||
                             load_capacity_[a].capacity != agents_[a].capacity ||
                             load_capacity_[a].activity_ms != agents_[a].activity_ms)) {
      return fail("agent load array");
    }
    if (agents_[a].alive) {
      const Agent& ag = agents_[a];
      if (level_table_.size() != level_skills_ * level_slots_ ||
          static_cast<size_t>(a) >= level_slots_ || ag.levels.size() > level_skills_) {
        return fail("agent level table size");
      }
      for (size_t k = 0; k < level_skills_; ++k) {
        const uint8_t want = k < ag.levels.size() ? ag.levels[k] : 0;
        if (TableLevel(a, static_cast<uint32_t>(k)) != want) {
          return fail("agent level table");
        }
      }
    }
  }
  std::vector<int> seat_count(lists_.size(), 0);
  std::vector<int> ready_seats(lists_.size(), 0);
  for (int32_t a = 0; a < n_agents; ++a) {
    const Agent& ag = agents_[a];
    if (!ag.alive) {
      continue;
    }
    std::array<int16_t, kChannelCount> load = {0, 0, 0};
    for (int32_t s : ag.assigned) {
      const Contact& c = contacts_[s];
      if ((c.state != CState::kOffered && c.state != CState::kConnected) || c.agent != a) {
        return fail("agent " + Str(ag.id) + " holds a contact not offered/connected to it");
      }
      ++load[Ch(c.channel)];
      ++assigned_count[s];
    }
    if (load != ag.load) {
      return fail("agent " + Str(ag.id) + " load");
    }
    for (size_t i = 0; i < ag.personal.size(); ++i) {
      const Contact& c = contacts_[ag.personal[i]];
      if (c.state != CState::kTargeted || c.target != a || c.pos != static_cast<int32_t>(i)) {
        return fail("personal list of agent " + Str(ag.id));
      }
    }
    if (a >= static_cast<int32_t>(epoch_.size()) || ag.ready_mask != ReadyMask(ag)) {
      return fail("agent " + Str(ag.id) + " ready mask out of date");
    }
    for (size_t i = 0; i < ag.seats.size(); ++i) {
      const Seat& seat = ag.seats[i];
      ++seat_count[seat.list];
      if (i > 0) {
        const Seat& p = ag.seats[i - 1];
        if (std::make_pair(p.priority, p.queue) >= std::make_pair(seat.priority, seat.queue)) {
          return fail("seats of agent " + Str(ag.id) + " not sorted or twice in a queue");
        }
      }
      const QueueConfig& qc = queues_[seat.queue].config;
      if (seat.levels != SeatLevels(ag, queues_[seat.queue])) {
        return fail("seat levels of agent " + Str(ag.id) + " out of date");
      }
      if (seat.priority < 1 || seat.priority > 1000 || seat.channel != qc.channel ||
          seat.round_robin != (qc.strategy == Strategy::kRoundRobin) ||
          lists_[seat.list].queue != seat.queue || lists_[seat.list].priority != seat.priority) {
        return fail("seat of agent " + Str(ag.id) + " out of date");
      }
      if ((ag.ready_mask & (1u << Ch(seat.channel))) != 0) {
        ++ready_seats[seat.list];
      }
    }
    if (ag.state == AgentState::kWrapUp && ag.wrap_until_ms <= now_) {
      return fail("agent " + Str(ag.id) + " wrap-up overdue");
    }
    // From the queues' copies of their strategies, which the queue checks compare with
    // the configuration.
    const SeatSummary sum = SeatSummaryOf(ag);
    if (ag.keyed != sum.keyed || ag.seat_channels != sum.channels) {
      return fail("agent " + Str(ag.id) + " seat summary out of date");
    }
  }
  for (int32_t s = 0; s < n_contacts; ++s) {
    const Contact& c = contacts_[s];
    const bool held = c.state == CState::kOffered || c.state == CState::kConnected;
    if (assigned_count[s] != (held ? 1 : 0)) {
      return fail("contact " + Str(c.id) + " held by " + Str(assigned_count[s]) + " agents");
    }
  }
  for (size_t li = 0; li < lists_.size(); ++li) {
    if (lists_[li].members != seat_count[li]) {
      return fail("ready list member count");
    }
  }

  // Queues: ready lists, heaps, counters.
  if (pool_.size() != queues_.size() || waiting_.size() != queues_.size()) {
    return fail("pool counters");
  }
  std::vector<int> list_owner(lists_.size(), 0);
  std::vector<int32_t> seen(agents_.size(), kNil);
  std::vector<int> heap_count(contacts_.size(), 0);
  for (int32_t qi = 0; qi < n_queues; ++qi) {
    const Queue& q = queues_[qi];
    if (q.id != 0 && queue_index_.Find(q.id) != qi) {
      return fail("queue index");
    }
    if (!(q.copies == CopiesOf(q.config)) || q.aging != q.config.aging_per_minute ||
        !(q.arrival == ArrivalOf(q.config, q.skills))) {
      return fail("queue config copies");
    }
    for (size_t i = 0; i < q.first_tiers.size(); ++i) {
      if (q.first_tiers[i] != (i < q.tiers.size() ? q.tiers[i] : kNil)) {
        return fail("queue tier copies");
      }
    }
    for (size_t t = 0; t < q.tiers.size(); ++t) {
      const int32_t li = q.tiers[t];
      if (!in(li, static_cast<int32_t>(lists_.size())) || lists_[li].queue != qi) {
        return fail("tier list index");
      }
      const TierList& tl = lists_[li];
      if (t > 0 && lists_[q.tiers[t - 1]].priority >= tl.priority) {
        return fail("tiers not sorted");
      }
      ++list_owner[li];
      if (tl.head > tl.entries.size()) {
        return fail("ready list head");
      }
      if (tl.head < tl.entries.size() && tl.last_key != tl.entries.back().key) {
        return fail("ready list last key");
      }
      int valid = 0;
      for (size_t i = tl.head; i < tl.entries.size(); ++i) {
        if (!in(tl.entries[i].agent, n_agents)) {
          return fail("ready entry agent");
        }
        const ReadyEntry& e = tl.entries[i];
        if (!in(e.agent, n_agents)) {
          return fail("ready entry agent");
        }
        if (i > tl.head && tl.entries[i - 1].key > e.key) {
          return fail("ready list of queue " + Str(q.id) + " out of order");
        }
        if (!Valid(e, q.config.channel)) {
          continue;
        }
        const Agent& ag = agents_[e.agent];
        const int32_t seat = SeatOf(ag, qi);
        // Lists ordered by a key hold each agent under its key now; the others are ordered
        // by when the agent became ready and are read by load, skill and activity.
        const bool keyed_list = KeyedStrategy(q.config.strategy);
        if (!ag.alive || seat == kNil || ag.seats[seat].list != li ||
            (keyed_list && e.key != KeyFor(e.agent, ag.seats[seat])) ||
            e.levels != ag.seats[seat].levels) {
          return fail("ready entry of agent " + Str(ag.id) + " in queue " + Str(q.id));
        }
        if (seen[e.agent] == li) {
          return fail("agent " + Str(ag.id) + " twice in a ready list of queue " + Str(q.id));
        }
        seen[e.agent] = li;
        ++valid;
      }
      // Each ready seat has exactly one valid entry (no agent may appear twice).
      if (valid != ready_seats[li]) {
        return fail("ready list of queue " + Str(q.id) + " has " + Str(valid) + " agents, want " +
                    Str(ready_seats[li]));
      }
    }
    std::vector<int> listed(q.groups.size(), 0);
    for (size_t i = 0; i < q.nonempty.size(); ++i) {
      const int32_t g = q.nonempty[i].group;
      if (!in(g, static_cast<int32_t>(q.groups.size())) ||
          q.groups[g].nonempty_pos != static_cast<int32_t>(i) ||
          q.nonempty[i].need != q.groups[g].needs.need ||
          q.nonempty[i].extra != ExtraOf(q.groups[g].needs)) {
        return fail("nonempty list");
      }
      ++listed[g];
    }
    for (size_t g = 0; g < q.groups.size(); ++g) {
      const Group& grp = q.groups[g];
      if ((listed[g] == 1) != !grp.heap.empty() || listed[g] > 1) {
        return fail("nonempty list membership");
      }
      if (grp.heap.empty() && grp.nonempty_pos != kNil) {
        return fail("empty group listed");
      }
      if (grp.sig.n > kMaxRequiredSkills) {
        return fail("signature size");
      }
      for (int i = 0; i < grp.sig.n; ++i) {
        if (!req_ok(grp.sig.req[i])) {
          return fail("signature skill");
        }
      }
      if (!(SplitSignature(q, grp.sig) == grp.needs)) {
        return fail("group requirement split");
      }
      const int32_t indexed = q.group_index.Find(HashOf(grp.sig));
      if (indexed < 0 || (indexed != static_cast<int32_t>(g) &&
                          (indexed >= static_cast<int32_t>(q.groups.size()) ||
                           q.groups[indexed].sig == grp.sig))) {
        return fail("group index");
      }
      for (size_t i = 0; i < grp.heap.size(); ++i) {
        const HeapEntry& e = grp.heap[i];
        if (!in(e.slot, n_contacts)) {
          return fail("heap slot");
        }
        const Contact& c = contacts_[e.slot];
        ++heap_count[e.slot];
        if (c.state != CState::kWaiting || c.queue != qi || c.group != static_cast<int32_t>(g) ||
            c.pos != static_cast<int32_t>(i)) {
          return fail("heap entry of contact " + Str(c.id));
        }
        const HeapEntry want = EntryOf(c);
        if (e.key != want.key || e.order_ms != want.order_ms || e.seq != want.seq ||
            e.klass != want.klass) {
          return fail("heap key of contact " + Str(c.id));
        }
        if (i > 0 && Before(e, grp.heap[(i - 1) / 2])) {
          return fail("heap order");
        }
        if (!(MakeSignature(c, q, c.ring_stage) == grp.sig)) {
          return fail("contact " + Str(c.id) + " in the wrong group");
        }
      }
    }
  }
  for (int owners : list_owner) {
    if (owners != 1) {
      return fail("a ready list belongs to no queue or to two");
    }
  }
  std::vector<int32_t> pool(queues_.size(), 0);
  std::vector<int32_t> live(queues_.size(), 0);
  std::vector<int32_t> callbacks(queues_.size(), 0);
  std::vector<int32_t> staffed(queues_.size(), 0);
  for (int32_t s = 0; s < n_contacts; ++s) {
    const Contact& c = contacts_[s];
    if ((c.state == CState::kWaiting) != (heap_count[s] == 1) || heap_count[s] > 1) {
      return fail("contact " + Str(c.id) + " heap membership");
    }
    if (c.state == CState::kWaiting) {
      ++pool[c.queue];
    }
    if (c.state == CState::kTargeted &&
        (c.pos < 0 || c.pos >= static_cast<int32_t>(agents_[c.target].personal.size()) ||
         agents_[c.target].personal[c.pos] != s)) {
      return fail("contact " + Str(c.id) + " personal position");
    }
    if (c.leg || c.state == CState::kFree) {
      continue;
    }
    if (c.state == CState::kWaiting || c.state == CState::kTargeted) {
      ++(c.callback ? callbacks : live)[c.queue];
    } else if (c.state == CState::kScheduled) {
      ++callbacks[c.queue];
    }
  }
  for (const Agent& ag : agents_) {
    if (ag.alive && ag.state != AgentState::kOffline) {
      for (const Seat& seat : ag.seats) {
        ++staffed[seat.queue];
      }
    }
  }
  for (int32_t qi = 0; qi < n_queues; ++qi) {
    const Queue& q = queues_[qi];
    if (pool_[qi] != pool[qi] || q.waiting_live != live[qi] || q.callbacks != callbacks[qi] ||
        q.staffed != staffed[qi]) {
      return fail("counters of queue " + Str(q.id));
    }
    const Waiting& w = waiting_[qi];
    bool copied = w.groups == static_cast<int32_t>(q.nonempty.size());
    for (size_t k = 0; copied && k < q.nonempty.size() && k < w.first.size(); ++k) {
      copied = w.first[k].group == q.nonempty[k].group && w.first[k].need == q.nonempty[k].need &&
               w.first[k].extra == q.nonempty[k].extra;
    }
    if (!copied) {
      return fail("waiting copies of queue " + Str(q.id));
    }
  }

  // Timers: every pending deadline is in the future and armed.
  std::vector<char> armed(contacts_.size(), 0);
  std::vector<char> agent_armed(agents_.size(), 0);
  if (!timers_.Consistent()) {
    return fail("timer order");
  }
  Status timer_error;
  timers_.ForEach([&](const Timer& t) {
    if (!timer_error.ok()) {
      return;
    }
    if (t.kind == TimerKind::kContact) {
      if (!in(t.slot, n_contacts)) {
        timer_error = fail("timer slot");
        return;
      }
      const Contact& c = contacts_[t.slot];
      if (c.state != CState::kFree && t.gen == contact_tag_[t.slot].gen && t.due == c.timer_due) {
        armed[t.slot] = 1;
      }
    } else {
      if (!in(t.slot, n_agents)) {
        timer_error = fail("timer slot");
        return;
      }
      const Agent& ag = agents_[t.slot];
      if (ag.alive && t.gen == ag.gen && t.due == ag.timer_due) {
        agent_armed[t.slot] = 1;
      }
    }
  });
  KEFU_RETURN_IF_ERROR(timer_error);
  for (int32_t s = 0; s < n_contacts; ++s) {
    const Contact& c = contacts_[s];
    if (c.state == CState::kFree) {
      continue;
    }
    const int64_t due = NextContactDeadline(c);
    if (due == kNever) {
      continue;
    }
    if (due <= now_) {
      return fail("contact " + Str(c.id) + " deadline overdue");
    }
    if (c.timer_due > due || !armed[s]) {
      return fail("contact " + Str(c.id) + " timer not armed");
    }
  }
  for (int32_t a = 0; a < n_agents; ++a) {
    const Agent& ag = agents_[a];
    if (ag.alive && ag.state == AgentState::kWrapUp &&
        (!agent_armed[a] || ag.timer_due != ag.wrap_until_ms)) {
      return fail("agent " + Str(ag.id) + " wrap-up timer not armed");
    }
  }
  return OkStatus();
}

Status EngineImpl::CheckInvariants() const {
  KEFU_RETURN_IF_ERROR(CheckStructure());
  auto fail = [](const std::string& m) { return InternalError("routing invariant: " + m); };
  for (const Agent& ag : agents_) {
    if (!ag.alive) {
      continue;
    }
    for (int ch = 0; ch < kChannelCount; ++ch) {
      if (ag.load[ch] > ag.capacity[ch]) {
        return fail("agent " + Str(ag.id) + " over capacity");
      }
    }
    if (!ag.chat_with_voice && ag.load[Ch(Channel::kVoice)] > 0 &&
        ag.load[Ch(Channel::kChat)] > 0) {
      return fail("agent " + Str(ag.id) + " has voice and chat at once");
    }
  }
  // The ready agents (usually few when contacts wait, and no contacts wait when many are).
  std::vector<int32_t> ready;
  for (int32_t a = 0; a < static_cast<int32_t>(agents_.size()); ++a) {
    if (agents_[a].alive && agents_[a].state == AgentState::kAvailable) {
      ready.push_back(a);
    }
  }
  for (int32_t s = 0; s < static_cast<int32_t>(contacts_.size()); ++s) {
    const Contact& c = contacts_[s];
    if (c.state != CState::kWaiting && c.state != CState::kTargeted) {
      continue;
    }
    if (c.state == CState::kWaiting &&
        c.ring_stage != StageAt(queues_[c.queue], now_ - c.queue_entry_ms)) {
      return fail("contact " + Str(c.id) + " ring stage stale");
    }
    for (int32_t a : ready) {
      if (Eligible(a, s)) {
        return fail("contact " + Str(c.id) + " waits while agent " + Str(agents_[a].id) +
                    " could take it");
      }
    }
  }
  if (violations_ > 0) {
    return fail(Str(violations_) + " bad decisions; first " + first_violation_);
  }
  return OkStatus();
}

}  // namespace kefu::routing::internal
