// Snapshot and restore. One visitor (Persist) lists every persistent field once, for both
// writing and reading, so the two cannot drift apart. Integers are zigzag varints. Reading
// is bounds-checked; after reading, the derived indexes are rebuilt and the whole structure
// is checked, so a corrupt snapshot is an error, never a crash.

#include <algorithm>
#include <limits>
#include <string>
#include <type_traits>

#include "engine_impl.h"

namespace kefu::routing::internal {
namespace {

constexpr std::string_view kMagic = "KEFU-ROUTING-SNAPSHOT";
// 2: unbounded exclusion lists, queue removal, position updates, announcements.
// 3: the same fields; entries of agents without keyed queues (Agent::keyed) keep the key
//    they were made with, which a version-2 engine would reject. Version 2 is still read.
constexpr int64_t kVersion = 3;
constexpr int64_t kOldestVersion = 2;

class Writer {
 public:
  static constexpr bool kReading = false;
  void U(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void S(int64_t v) { U((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  size_t Remaining() const { return std::numeric_limits<size_t>::max(); }
  bool ok() const { return true; }
  void Fail() {}
  std::string& out() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  static constexpr bool kReading = true;
  explicit Reader(std::string_view in) : in_(in) {}
  uint64_t U() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) {
        Fail();
        return 0;
      }
      const uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    Fail();
    return 0;
  }
  int64_t S() {
    const uint64_t u = U();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  size_t Remaining() const { return in_.size() - pos_; }
  bool ok() const { return ok_; }
  void Fail() {
    ok_ = false;
    pos_ = in_.size();
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Largest valid value of each enum read from a snapshot.
constexpr int EnumMax(Channel) { return kChannelCount - 1; }
constexpr int EnumMax(Tier) { return kTierCount - 1; }
constexpr int EnumMax(AgentState) { return 3; }
constexpr int EnumMax(Strategy) { return 3; }
constexpr int EnumMax(LimitAction) { return 3; }
constexpr int EnumMax(AfterHoursAction) { return 3; }
constexpr int EnumMax(CState) { return 6; }
constexpr int EnumMax(TimerKind) { return 1; }

template <typename Ar, typename T>
void Io(Ar& ar, T& v) {
  if constexpr (std::is_enum_v<T>) {
    if constexpr (Ar::kReading) {
      const int64_t x = ar.S();
      if (x < 0 || x > EnumMax(T{})) {
        ar.Fail();
        return;
      }
      v = static_cast<T>(x);
    } else {
      ar.S(static_cast<int64_t>(v));
    }
  } else if constexpr (std::is_same_v<T, bool>) {
    if constexpr (Ar::kReading) {
      const uint64_t x = ar.U();
      if (x > 1) {
        ar.Fail();
      }
      v = x == 1;
    } else {
      ar.U(v ? 1 : 0);
    }
  } else if constexpr (std::is_same_v<T, uint64_t>) {
    if constexpr (Ar::kReading) {
      v = ar.U();
    } else {
      ar.U(v);
    }
  } else {
    static_assert(std::is_integral_v<T>);
    if constexpr (Ar::kReading) {
      const int64_t x = ar.S();
      if (x < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
          x > static_cast<int64_t>(std::numeric_limits<T>::max())) {
        ar.Fail();
        return;
      }
      v = static_cast<T>(x);
    } else {
      ar.S(static_cast<int64_t>(v));
    }
  }
}

template <typename Ar, typename T, size_t N>
void Io(Ar& ar, std::array<T, N>& v) {
  for (T& x : v) {
    Io(ar, x);
  }
}

// A length, then the elements: std::vector and SmallVec alike.
template <typename Ar, typename V>
void IoSequence(Ar& ar, V& v) {
  using T = std::remove_reference_t<decltype(*v.begin())>;
  uint64_t n = v.size();
  Io(ar, n);
  if constexpr (Ar::kReading) {
    // Every element takes at least one byte: a corrupt length cannot allocate much.
    if (!ar.ok() || n > ar.Remaining()) {
      ar.Fail();
      return;
    }
    v.assign(n, T{});
  }
  for (T& x : v) {
    Io(ar, x);
    if (!ar.ok()) {
      return;
    }
  }
}

template <typename Ar, typename T, typename A>
void Io(Ar& ar, std::vector<T, A>& v) {
  IoSequence(ar, v);
}

// The same bytes as a std::vector of the same elements.
template <typename Ar, typename T, int N>
void Io(Ar& ar, SmallVec<T, N>& v) {
  IoSequence(ar, v);
}

template <typename Ar>
void Io(Ar& ar, SkillRequirement& r) {
  Io(ar, r.skill);
  Io(ar, r.min_level);
}
template <typename Ar>
void Io(Ar& ar, RingStep& r) {
  Io(ar, r.after_ms);
  Io(ar, r.min_level);
}
template <typename Ar>
void Io(Ar& ar, MissedOfferPolicy& p) {
  Io(ar, p.state);
  Io(ar, p.reason);
}
template <typename Ar>
void Io(Ar& ar, TimeRange& r) {
  Io(ar, r.start_minute);
  Io(ar, r.end_minute);
}
template <typename Ar>
void Io(Ar& ar, DateException& e) {
  Io(ar, e.date);
  Io(ar, e.open);
}
template <typename Ar>
void Io(Ar& ar, Calendar& c) {
  Io(ar, c.id);
  Io(ar, c.calendar.utc_offset_minutes);
  Io(ar, c.calendar.weekly);
  Io(ar, c.calendar.exceptions);
}

template <typename Ar>
void Io(Ar& ar, QueueConfig& c) {
  Io(ar, c.channel);
  Io(ar, c.strategy);
  Io(ar, c.skills);
  Io(ar, c.rings);
  Io(ar, c.tier_class);
  Io(ar, c.tier_priority);
  Io(ar, c.elderly_class);
  Io(ar, c.elderly_priority);
  Io(ar, c.complaint_class);
  Io(ar, c.complaint_priority);
  Io(ar, c.aging_per_minute);
  Io(ar, c.offer_timeout_ms);
  Io(ar, c.after_decline);
  Io(ar, c.after_offer_timeout);
  Io(ar, c.wrap_up_ms);
  Io(ar, c.owner_first);
  Io(ar, c.owner_wait_ms);
  Io(ar, c.last_agent_first);
  Io(ar, c.last_agent_wait_ms);
  Io(ar, c.transfer_wait_ms);
  Io(ar, c.overflow_queue);
  Io(ar, c.overflow_after_ms);
  Io(ar, c.overflow_ewt_ms);
  Io(ar, c.max_waiting);
  Io(ar, c.max_waiting_action);
  Io(ar, c.max_wait_ms);
  Io(ar, c.max_wait_action);
  Io(ar, c.callback_offer_ewt_ms);
  Io(ar, c.calendar);
  Io(ar, c.after_hours_action);
  Io(ar, c.after_hours_fallback);
  Io(ar, c.default_handle_ms);
  Io(ar, c.position_update_ms);
}

template <typename Ar>
void Io(Ar& ar, Signature& s) {
  Io(ar, s.n);
  Io(ar, s.req);
  if (s.n > kMaxRequiredSkills) {
    ar.Fail();
  }
}
template <typename Ar>
void Io(Ar& ar, HeapEntry& e) {
  Io(ar, e.key);
  Io(ar, e.order_ms);
  Io(ar, e.seq);
  Io(ar, e.klass);
  Io(ar, e.slot);
}
template <typename Ar>
void Io(Ar& ar, Group& g) {
  Io(ar, g.sig);
  Io(ar, g.heap);
  Io(ar, g.nonempty_pos);
}
template <typename Ar>
void Io(Ar& ar, NonEmpty& n) {
  Io(ar, n.group);  // need is derived (RebuildAfterRestore)
}
template <typename Ar>
void Io(Ar& ar, ReadyEntry& e) {
  Io(ar, e.key);
  Io(ar, e.agent);
  Io(ar, e.epoch);
  Io(ar, e.levels);
}
template <typename Ar>
void Io(Ar& ar, TierList& t) {
  Io(ar, t.queue);
  Io(ar, t.priority);
  Io(ar, t.members);
  Io(ar, t.head);
  Io(ar, t.entries);
}
template <typename Ar>
void Io(Ar& ar, Seat& s) {
  Io(ar, s.queue);
  Io(ar, s.priority);
  Io(ar, s.list);
  Io(ar, s.channel);
  Io(ar, s.round_robin);
  Io(ar, s.last_offer_ms);
  Io(ar, s.levels);
}
template <typename Ar>
void Io(Ar& ar, Queue& q) {
  Io(ar, q.id);
  Io(ar, q.config);
  Io(ar, q.skills);
  Io(ar, q.tiers);
  Io(ar, q.groups);
  Io(ar, q.nonempty);
  Io(ar, q.waiting_live);
  Io(ar, q.callbacks);
  Io(ar, q.staffed);
  Io(ar, q.handle_ms);
}
template <typename Ar>
void Io(Ar& ar, Agent& a) {
  Io(ar, a.id);
  Io(ar, a.alive);
  Io(ar, a.state);
  Io(ar, a.chat_with_voice);
  Io(ar, a.reason);
  Io(ar, a.capacity);
  Io(ar, a.load);
  Io(ar, a.levels);
  Io(ar, a.seats);
  Io(ar, a.personal);
  Io(ar, a.assigned);
  Io(ar, a.activity_ms);
  Io(ar, a.wrap_until_ms);
  Io(ar, a.timer_due);
}
template <typename Ar>
void Io(Ar& ar, Contact& c) {
  Io(ar, c.state);
  if (c.state == CState::kFree) {
    return;
  }
  Io(ar, c.id);
  Io(ar, c.channel);
  Io(ar, c.tier);
  Io(ar, c.elderly);
  Io(ar, c.complaint);
  Io(ar, c.callback);
  Io(ar, c.leg);
  Io(ar, c.max_wait_done);
  Io(ar, c.phase);
  Io(ar, c.ring_stage);
  Io(ar, c.nreq);
  Io(ar, c.queue);
  Io(ar, c.group);
  Io(ar, c.pos);
  Io(ar, c.agent);
  Io(ar, c.target);
  Io(ar, c.link);
  Io(ar, c.klass);
  Io(ar, c.base);
  Io(ar, c.priority_bonus);
  Io(ar, c.key);
  Io(ar, c.seq);
  Io(ar, c.arrival_ms);
  Io(ar, c.order_ms);
  Io(ar, c.queue_entry_ms);
  Io(ar, c.phase_until_ms);
  Io(ar, c.offer_deadline_ms);
  Io(ar, c.not_before_ms);
  Io(ar, c.accepted_ms);
  Io(ar, c.position_due_ms);
  Io(ar, c.reported_position);
  Io(ar, c.owner);
  Io(ar, c.last_agent);
  Io(ar, c.transfer_to);
  Io(ar, c.timer_due);
  Io(ar, c.req);
  Io(ar, c.excluded);
}
template <typename Ar>
void Io(Ar& ar, Timer& t) {
  Io(ar, t.due);
  Io(ar, t.seq);
  Io(ar, t.slot);
  Io(ar, t.gen);
  Io(ar, t.kind);
}
template <typename Ar>
void Io(Ar& ar, TimerQueue::Lane& lane) {
  Io(ar, lane.duration);
  uint64_t head = lane.head;
  Io(ar, head);
  lane.head = static_cast<size_t>(head);
  Io(ar, lane.timers);
}

// One field of every record, written as a vector of its own: the format of the times when
// the field lived in an array of its own. REQUIRES: when reading, `records` sized already.
template <typename Ar, typename R, typename A, typename T>
void IoField(Ar& ar, std::vector<R, A>& records, T R::*field) {
  std::vector<T> v;
  if constexpr (!Ar::kReading) {
    v.reserve(records.size());
    for (const R& r : records) {
      v.push_back(r.*field);
    }
  }
  Io(ar, v);
  if constexpr (Ar::kReading) {
    if (v.size() != records.size()) {
      ar.Fail();
      return;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      records[i].*field = v[i];
    }
  }
}

}  // namespace

template <typename Archive>
void EngineImpl::Persist(Archive& ar) {
  Io(ar, now_);
  Io(ar, seq_);
  Io(ar, offers_);
  Io(ar, skill_ids_);
  Io(ar, calendars_);
  Io(ar, queues_);
  Io(ar, pool_);
  Io(ar, free_queues_);
  Io(ar, lists_);
  Io(ar, agents_);
  Io(ar, epoch_);
  IoField(ar, agents_, &Agent::ready_mask);
  IoField(ar, agents_, &Agent::gen);
  Io(ar, free_agents_);
  Io(ar, contacts_);
  if constexpr (Archive::kReading) {
    contact_tag_.resize(contacts_.size());
  }
  IoField(ar, contact_tag_, &ContactTag::gen);
  Io(ar, free_contacts_);
  Io(ar, timers_.heap());
  Io(ar, timers_.lanes());
}

std::string EngineImpl::Snapshot() const {
  Writer w;
  w.out().append(kMagic);
  w.S(kVersion);
  // Persist only reads through the Writer; the cast lets one visitor serve both ways.
  const_cast<EngineImpl*>(this)->Persist(w);
  return std::move(w.out());
}

Status EngineImpl::RebuildAfterRestore() {
  auto bad = [](const std::string& m) { return InvalidArgumentError("bad snapshot: " + m); };
  for (size_t i = 0; i < skill_ids_.size(); ++i) {
    if (skill_ids_[i] <= 0 || skill_index_.Find(skill_ids_[i]) >= 0) {
      return bad("skills");
    }
    skill_index_.Insert(skill_ids_[i], static_cast<int32_t>(i));
  }
  for (size_t i = 0; i < calendars_.size(); ++i) {
    if (!calendars_[i].calendar.Validate().ok()) {
      return bad("calendar");
    }
    for (size_t j = 0; j < i; ++j) {
      if (calendars_[j].id == calendars_[i].id) {
        return bad("calendars");
      }
    }
  }
  for (size_t i = 0; i < queues_.size(); ++i) {
    Queue& q = queues_[i];
    if (q.skills.size() > static_cast<size_t>(kMaxRequiredSkills)) {
      return bad("queue skills");
    }
    SetCopies(q);
    CopyTiers(q);
    if (q.id == 0) {
      continue;  // removed (CheckStructure checks it against free_queues_)
    }
    if (q.id < 0 || queue_index_.Find(q.id) >= 0) {
      return bad("queue ids");
    }
    queue_index_.Insert(q.id, static_cast<int32_t>(i));
    if (Status s = ValidateQueueConfig(q.id, q.config); !s.ok()) {
      return bad("queue config: " + s.message());
    }
    for (size_t g = 0; g < q.groups.size(); ++g) {
      for (size_t h = 0; h < g; ++h) {
        if (q.groups[h].sig == q.groups[g].sig) {
          return bad("groups");
        }
      }
      q.groups[g].needs = SplitSignature(q, q.groups[g].sig);
      const int64_t hash = HashOf(q.groups[g].sig);
      if (q.group_index.Find(hash) < 0) {
        q.group_index.Insert(hash, static_cast<int32_t>(g));
      }
    }
  }
  for (Queue& q : queues_) {
    for (NonEmpty& ne : q.nonempty) {
      if (ne.group < 0 || ne.group >= static_cast<int32_t>(q.groups.size())) {
        return bad("nonempty groups");
      }
      ne.need = q.groups[ne.group].needs.need;
      ne.extra = ExtraOf(q.groups[ne.group].needs);
    }
  }
  waiting_.assign(queues_.size(), Waiting{});
  for (size_t q = 0; q < queues_.size(); ++q) {
    CopyNonEmpty(static_cast<int32_t>(q));
  }
  for (TierList& t : lists_) {
    if (t.queue < 0 || t.queue >= static_cast<int32_t>(queues_.size())) {
      return bad("ready lists");
    }
    t.last_key = t.entries.empty() ? 0 : t.entries.back().key;
  }
  agent_id_.assign(agents_.size(), 0);
  level_table_.clear();
  level_slots_ = 0;
  level_skills_ = 0;
  for (size_t i = 0; i < agents_.size(); ++i) {
    SetLevelRow(static_cast<int32_t>(i));
  }
  load_capacity_.resize(agents_.size());
  for (size_t i = 0; i < agents_.size(); ++i) {
    load_capacity_[i] = {agents_[i].load, agents_[i].capacity, agents_[i].activity_ms};
  }
  for (size_t i = 0; i < agents_.size(); ++i) {
    const Agent& a = agents_[i];
    if (!a.alive) {
      continue;
    }
    agent_id_[i] = a.id;
    if (a.id <= 0 || agent_index_.Find(a.id) >= 0) {
      return bad("agent ids");
    }
    agent_index_.Insert(a.id, static_cast<int32_t>(i));
    for (const Seat& seat : a.seats) {
      if (seat.queue < 0 || seat.queue >= static_cast<int32_t>(queues_.size())) {
        return bad("seat queue");
      }
    }
    UpdateSeatSummary(static_cast<int32_t>(i));
  }
  for (Contact& c : contacts_) {
    // An agent slot out of range is left for CheckStructure to report.
    if ((c.state == CState::kOffered || c.state == CState::kConnected) && c.agent >= 0 &&
        c.agent < static_cast<int32_t>(agents_.size())) {
      c.holder = agents_[c.agent].id;
    }
  }
  for (size_t i = 0; i < contacts_.size(); ++i) {
    const Contact& c = contacts_[i];
    if (c.state == CState::kFree || c.leg) {
      continue;
    }
    if (c.id <= 0 || contact_index_.Find(c.id) >= 0) {
      return bad("contact ids");
    }
    contact_index_.Insert(c.id, static_cast<int32_t>(i));
  }
  for (size_t i = 0; i < contacts_.size(); ++i) {
    contact_tag_[i].excluding = contacts_[i].excluded.empty() ? 0 : 1;
  }
  auto check_free = [](const auto& list, const auto& items, auto is_free) {
    std::vector<char> seen(items.size(), 0);
    for (int32_t i : list) {
      if (i < 0 || i >= static_cast<int32_t>(items.size()) || seen[i] || !is_free(items[i])) {
        return false;
      }
      seen[i] = 1;
    }
    return true;
  };
  if (!check_free(free_agents_, agents_, [](const Agent& a) { return !a.alive; }) ||
      !check_free(free_contacts_, contacts_,
                  [](const Contact& c) { return c.state == CState::kFree; })) {
    return bad("free lists");
  }
  // The remaining links are checked by CheckStructure, which follows them only after
  // checking their ranges.
  if (!timers_.Consistent()) {
    return bad("timers");
  }
  Status s = CheckStructure();
  if (!s.ok()) {
    return bad(s.message());
  }
  return OkStatus();
}

}  // namespace kefu::routing::internal

namespace kefu::routing {

Result<std::unique_ptr<Engine>> RestoreEngine(const Clock* clock, std::string_view snapshot,
                                              EngineOptions options) {
  if (snapshot.substr(0, internal::kMagic.size()) != internal::kMagic) {
    return InvalidArgumentError("not a routing snapshot");
  }
  internal::Reader r(snapshot.substr(internal::kMagic.size()));
  if (const int64_t version = r.S();
      version < internal::kOldestVersion || version > internal::kVersion) {
    return InvalidArgumentError("unsupported routing snapshot version " +
                                std::to_string(version) + " (this engine reads " +
                                std::to_string(internal::kOldestVersion) + " to " +
                                std::to_string(internal::kVersion) + ")");
  }
  auto engine = std::make_unique<internal::EngineImpl>(clock, options);
  engine->Persist(r);
  if (!r.ok() || r.Remaining() != 0) {
    return InvalidArgumentError("truncated or corrupt routing snapshot");
  }
  KEFU_RETURN_IF_ERROR(engine->RebuildAfterRestore());
  return std::unique_ptr<Engine>(std::move(engine));
}

}  // namespace kefu::routing
