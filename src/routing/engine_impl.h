#pragma once

// Private to kefu_routing. The engine's live state in dense arrays indexed by int32 slots:
//
//  - agents_, contacts_, members_ (agent-in-queue memberships) with free lists; external ids
//    map to slots through IdMap (open addressing, no allocation per lookup or insert).
//  - Per queue, waiting contacts live in groups: one binary heap per distinct requirement
//    (the skills with their ring-adjusted min levels). Within a queue the aging rate is one
//    number, so "base + rate * waited" orders the same as the static key
//    "base * 60000 - rate * order_ms": heaps never need re-sorting as time passes.
//  - Per queue and per agent priority (tier), a buffer of the ready agents (available, with
//    capacity for the queue's channel) sorted by the strategy's key (last activity for
//    longest idle, last offer from this queue for round robin). Entries are invalidated
//    lazily: each carries the agent's epoch, and an agent that becomes busy just bumps its
//    epoch (O(1), whatever the number of its queues). An agent that becomes ready appends
//    one entry per queue; its key is "now", the largest, so the append is at the tail.
//    Stale entries are dropped when they reach the head or by compaction (amortized O(1)).
//    Every change of an agent's ready mask bumps its epoch, so the epoch alone tells a valid
//    entry. An agent that becomes ready inside a command gets its entries only when a ready
//    list is next read or the command ends (deferred_): most freed agents take waiting work
//    at once and are busy again by then, and their entries (a cache miss per queue) are
//    never made. Entries carry the agent's levels in the queue's own skills (Seat::levels),
//    so the search reads the agent's levels (level_table_) only for the candidates that pass
//    them.
//    A ready mask covers only the channels an agent has seats in, and an agent whose queues
//    all route by occupancy or skill (not keyed, see Agent::keyed) keeps its entries across
//    offers and releases: those searches read load and activity from load_capacity_.
//  - Contacts waiting for one agent (owner, last agent, transfer target) sit in that agent's
//    personal list, not in a queue heap.
//  - The arrays and the vectors that searches read live on transparent huge pages
//    (internal/huge_pages.h): tens of megabytes read at random, whose TLB misses would
//    otherwise cost a page walk each.
//  - One timer queue in (due, seq) order (FIFO lanes for fixed durations plus a heap, see
//    internal/timer_queue.h) with lazy deletion by generation; each contact and agent has
//    at most one live timer.
//
// Invariant after every command: no waiting contact that some ready agent could take. It
// holds because every change that can create such a pair is followed by a search from the
// side that changed: a contact that starts waiting (or widens its ring) searches the ready
// lists; an agent that becomes ready (or gains skills or queues) searches its queues.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "internal/huge_pages.h"
#include "internal/id_map.h"
#include "internal/small_vec.h"
#include "internal/timer_queue.h"
#include "kefu/routing/engine.h"

namespace kefu::routing::internal {

inline constexpr int32_t kNil = -1;
inline constexpr int64_t kAgingScale = 60'000;   // aging is per minute, keys per ms
inline constexpr int kMaxAbsPriority = 100'000;  // per configured number; sums stay < 1e6

enum class CState : uint8_t {
  kFree = 0,
  kLimbo,  // being routed inside one command: placed nowhere yet
  kScheduled,
  kTargeted,
  kWaiting,
  kOffered,
  kConnected,
};

// Who a contact waits for before the pool, in this order.
enum Phase : uint8_t { kPhaseTransfer = 0, kPhaseOwner = 1, kPhaseLast = 2, kPhasePool = 3 };

// Which side chose an offer (for decision verification).
enum class Decision : uint8_t { kForContact, kForAgent, kTarget };

// A requirement set: (skill index << 8) | min level, sorted by skill, unused entries zero.
struct Signature {
  uint8_t n = 0;
  std::array<uint32_t, kMaxRequiredSkills> req{};
  friend bool operator==(const Signature&, const Signature&) = default;
};

inline int64_t HashOf(const Signature& s) {
  uint64_t h = 1469598103934665603ull ^ s.n;
  for (int i = 0; i < s.n; ++i) {
    h = (h ^ s.req[i]) * 1099511628211ull;
  }
  return static_cast<int64_t>(h);
}

struct HeapEntry {
  int64_t key = 0;  // base * kAgingScale - aging_per_minute * order_ms
  int64_t order_ms = 0;
  uint64_t seq = 0;
  int32_t klass = 0;
  int32_t slot = kNil;
};

// True when a is served before b (same queue).
inline bool Before(const HeapEntry& a, const HeapEntry& b) {
  if (a.klass != b.klass) {
    return a.klass > b.klass;
  }
  if (a.key != b.key) {
    return a.key > b.key;
  }
  if (a.order_ms != b.order_ms) {
    return a.order_ms < b.order_ms;
  }
  return a.seq < b.seq;
}

// A requirement set split for matching against a queue's agents: the levels needed in the
// queue's own skills, which seats and ready entries carry (Seat::levels), and the rest,
// which only the agent's level table has. Derived from a Signature and the queue's skills
// (SplitSignature).
struct Needs {
  uint64_t need = 0;  // min levels in the queue's own skills, packed like Seat::levels
  Signature extra;    // the contacts' own skills
  friend bool operator==(const Needs&, const Needs&) = default;
};

// The contacts of one queue that need the same skills, best first. `needs` is derived from
// `sig` (not persisted): an agent looking for work checks the seat's levels first and reads
// its own level table only for groups with extra skills, which most do not have.
struct Group {
  HugeVector<HeapEntry> heap;
  Needs needs;
  int32_t nonempty_pos = kNil;
  Signature sig;
};

// A group with waiting contacts, with a copy of its needs, so that an agent looking for work
// passes over the groups it cannot serve without reading them: the needs in the queue's own
// skills, and the contacts' own skills summarised (ExtraOf) in what was padding.
struct NonEmpty {
  int32_t group = kNil;
  uint32_t extra = 0;  // ExtraOf(Group::needs)
  uint64_t need = 0;   // Group::needs.need
};

// NonEmpty::extra: 0 when the group needs none of the contacts' own skills, the one packed
// requirement when it needs one (most do: a language), kManyExtra when more (then the group's
// own Needs::extra tells). A packed requirement is never 0 (levels are >= 1) nor kManyExtra
// (levels are <= 5).
inline constexpr uint32_t kManyExtra = 0xffffffffu;
inline uint32_t ExtraOf(const Needs& needs) {
  return needs.extra.n == 0 ? 0 : needs.extra.n == 1 ? needs.extra.req[0] : kManyExtra;
}

// True when the packed levels (Seat::levels, ReadyEntry::levels) meet the packed needs
// (Needs::need): bytewise, with the high bit set, level - need keeps it iff level >= need.
inline bool LevelsMeet(uint64_t levels, uint64_t need) {
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  return (((levels | kHigh) - need) & kHigh) == kHigh;
}

// An agent in a ready list; valid while the agent's epoch is still `epoch` and it is ready
// for the queue's channel.
struct ReadyEntry {
  int64_t key = 0;
  int32_t agent = kNil;
  uint32_t epoch = 0;
  uint64_t levels = 0;  // Seat::levels: most skill checks need not read the agent's record
};

// The ready agents of one queue at one agent priority, in strategy order from `head`. One
// cache line each: a search or an insert reads the whole header, which at 48 bytes would
// straddle two lines in half the lists.
struct alignas(64) TierList {
  int32_t queue = kNil;
  int32_t priority = 1;
  int32_t members = 0;  // agents logged into the queue at this priority
  uint32_t head = 0;
  HugeVector<ReadyEntry> entries;
  // entries.back().key while entries[head..] is not empty (derived, not persisted): an
  // append then only writes the tail, whose cache line is usually cold, and never waits
  // for it.
  int64_t last_key = 0;
};

// Strategies whose ready lists are ordered by a key that moves with an agent's offers:
// longest idle (its activity) and round robin (its last offer from the queue).
inline bool KeyedStrategy(Strategy s) {
  return s == Strategy::kLongestIdle || s == Strategy::kRoundRobin;
}

// Copies of the configuration fields that most commands read, beside the queue's id and
// counters in its first cache line (QueueConfig spreads them over five). Set from `config`
// (CopiesOf) wherever it is assigned; CheckStructure compares them.
struct QueueCopies {
  int64_t wrap_up_ms = 0;
  int64_t offer_timeout_ms = 0;
  int64_t max_wait_ms = 0;
  int64_t position_update_ms = 0;
  Channel channel = Channel::kVoice;
  Strategy strategy = Strategy::kLongestIdle;
  bool owner_first = true;
  bool last_agent_first = false;
  bool has_calendar = false;    // config.calendar != 0
  bool overflow_after = false;  // config.overflow_after_ms > 0
  uint8_t rings = 0;            // config.rings.size() (at most 16)
  friend bool operator==(const QueueCopies&, const QueueCopies&) = default;
};

QueueCopies CopiesOf(const QueueConfig& config);

// Copies of what routing an arriving contact reads of the queue's rules (ComputePriority,
// StageAt, MakeSignature, SplitSignature): in QueueConfig they lie on three cache lines and in
// two vectors of their own. Derived (ArrivalOf) from `config` and the packed `skills` wherever
// those are assigned (SetCopies); CheckStructure compares them.
struct ArrivalCopies {
  std::array<int32_t, kTierCount> tier_class{};
  std::array<int32_t, kTierCount> tier_priority{};
  int32_t elderly_class = 0;
  int32_t elderly_priority = 0;
  int32_t complaint_class = 0;
  int32_t complaint_priority = 0;
  // rings[1].after_ms, kNever with fewer than two steps: a contact that has waited less is
  // at stage 0, whose min level is ring0_level (1 without rings).
  int64_t ring1_after_ms = kNever;
  uint8_t ring0_level = 1;
  uint8_t nskills = 0;
  std::array<uint32_t, kMaxRequiredSkills> skills{};  // Queue::skills
  friend bool operator==(const ArrivalCopies&, const ArrivalCopies&) = default;
};

ArrivalCopies ArrivalOf(const QueueConfig& config, const std::vector<uint32_t>& skills);

// A removed queue keeps its slot (id 0, no contacts, no members) and its ready lists until
// AddQueue reuses it.
struct alignas(64) Queue {
  // ---- line 0: what most commands read.
  QueueId id = 0;
  int64_t handle_ms = 0;  // moving average
  QueueCopies copies;
  int32_t aging = 0;         // config.aging_per_minute, kept here for Fill
  int32_t waiting_live = 0;  // live (non-callback) contacts waiting, pool or targeted
  // ---- lines 1-2: what routing an arriving contact reads.
  ArrivalCopies arrival;
  std::vector<int32_t> tiers;  // indices into lists_, sorted by priority
  // tiers[0] and tiers[1] (kNil past its end), beside its header: a search of the ready
  // lists does not read the vector's own memory, a cache miss, for a queue with two agent
  // priorities or fewer. Set by CopyTiers wherever tiers changes.
  std::array<int32_t, 2> first_tiers = {kNil, kNil};
  // ---- then what an agent looking for work reads (Fill).
  alignas(64) HugeVector<NonEmpty> nonempty;  // groups with waiting contacts
  HugeVector<Group> groups;
  std::vector<uint32_t> skills;  // config.skills packed like Signature::req
  QueueConfig config;
  // Signature hash -> group. On the (astronomically rare) collision of two signatures the
  // second is found by a scan of `groups`.
  IdMap group_index;
  int32_t callbacks = 0;  // callbacks waiting or scheduled
  int32_t staffed = 0;    // members not offline
};
static_assert(offsetof(Queue, arrival) <= 64, "Queue line 0 is full");
static_assert(offsetof(Queue, first_tiers) + 8 <= 192, "arrival copies past line 2");

// Sets the copies of `config` and `skills` in the queue (aging, copies, arrival).
void SetCopies(Queue& q);
// Sets Queue::first_tiers from Queue::tiers.
void CopyTiers(Queue& q);

// An agent's login to a queue. The queue's channel and strategy are copied here so that
// keeping the ready lists up to date never touches the (large) Queue.
struct Seat {
  int32_t queue = kNil;
  int32_t priority = 1;
  int32_t list = kNil;  // lists_ index for (queue, priority)
  Channel channel = Channel::kVoice;
  bool round_robin = false;
  int64_t last_offer_ms = 0;  // the round-robin key
  // The agent's levels in the queue's own skills, byte i for Queue::skills[i] (0 = none).
  uint64_t levels = 0;
};

// Aligned to a cache line, so that the first 64 bytes, which hold every scalar the commands
// on an agent read or write (state, capacity, load, activity, wrap-up, timer), are one line:
// unaligned (the record is not a multiple of 64 bytes), most records spread them over two.
// The vectors' headers follow in line 1, the level vector (read when skills or seats change)
// last.
struct alignas(64) Agent {
  // ---- line 0
  AgentId id = 0;
  bool alive = false;
  AgentState state = AgentState::kOffline;
  bool chat_with_voice = false;
  // Bit per channel the agent is ready for (ReadyMask); its ready-list entries show the
  // channels it also has seats in (seat_channels).
  uint8_t ready_mask = 0;
  ReasonCode reason = kReasonNone;
  std::array<int16_t, kChannelCount> capacity = {0, 0, 0};  // 0..100
  std::array<int16_t, kChannelCount> load = {0, 0, 0};
  // Its timer's generation: a timer with another is stale. Survives reuse of the slot.
  uint32_t gen = 0;
  int64_t activity_ms = 0;  // last offer or release: the longest-idle key
  int64_t wrap_until_ms = 0;
  int64_t timer_due = kNever;  // its live timer
  // Logged into a queue whose ready list is ordered by a key that moves with its offers
  // (longest idle: activity_ms; round robin: Seat::last_offer_ms). Without one, an offer or a
  // release that leaves it ready changes nothing its entries show: least-occupied and
  // most-skilled searches read load and activity from load_capacity_, not from the entry.
  // Derived from the seats (UpdateSeatSummary).
  bool keyed = false;
  // Bit per channel of its seats (derived, UpdateSeatSummary): only these channels have
  // ready lists to show it in, so a change of readiness in the others (a voice agent on a
  // call stays ready for email) moves no entry and needs no new epoch.
  uint8_t seat_channels = 0;
  // ---- line 1: the lists every offer, release and search for work reads; the short ones
  // inside it, so that the contacts an agent holds cost no cache miss beyond this line.
  alignas(64) SmallVec<int32_t, 4> assigned;  // contacts offered to or connected with it
  SmallVec<int32_t, 2> personal;               // contacts waiting for this agent
  HugeVector<Seat> seats;  // queues logged into, sorted by (priority, queue slot)
  // ---- line 2
  std::vector<uint8_t> levels;  // by skill index
};
static_assert(offsetof(Agent, seat_channels) < 64, "Agent line 0 is full");
static_assert(offsetof(Agent, seats) + sizeof(HugeVector<Seat>) <= 128, "Agent line 1 is full");

// One record per cache line group: the first 64 bytes hold what the commands on a contact
// held by an agent read (Accept, Complete, Abandon: the lookup check, the event, the timer),
// so that each of them, whose contact is usually cold, misses once instead of three times.
struct alignas(64) Contact {
  // ---- line 0
  ContactId id = 0;
  int64_t accepted_ms = 0;
  int64_t timer_due = kNever;  // its live timer (generation in contact_tag_)
  int32_t queue = kNil;
  int32_t agent = kNil;  // kOffered / kConnected
  int32_t link = kNil;   // main <-> consult leg
  CState state = CState::kFree;
  Channel channel = Channel::kVoice;
  Tier tier = Tier::kStandard;
  bool callback = false;
  bool leg = false;            // a consult leg of contacts_[link]
  bool max_wait_done = false;  // max wait announced (kAnnounce) in the current queue
  uint8_t phase = kPhasePool;
  uint8_t ring_stage = 0;
  bool elderly = false;
  bool complaint = false;
  uint8_t nreq = 0;
  int64_t queue_entry_ms = 0;
  // agents_[agent].id while kOffered or kConnected (derived, not persisted): the check of
  // who holds the contact (Held) then needs no read of the agent's record.
  AgentId holder = 0;
  // ---- line 1: placement and rank
  int64_t offer_deadline_ms = 0;
  int32_t group = kNil;   // kWaiting
  int32_t pos = kNil;     // heap index (kWaiting) or personal index (kTargeted)
  int32_t target = kNil;  // kTargeted: the agent slot waited for
  int32_t klass = 0;
  int32_t base = 0;
  int32_t priority_bonus = 0;
  int64_t key = 0;
  uint64_t seq = 0;
  int64_t order_ms = 0;
  // Position updates (QueueConfig::position_update_ms): the next check, 0 = not armed, and
  // the position the customer was last told (0 = none).
  int64_t position_due_ms = 0;
  // ---- the rest
  int32_t reported_position = 0;
  int64_t arrival_ms = 0;
  int64_t phase_until_ms = 0;
  int64_t not_before_ms = 0;
  AgentId owner = 0;
  AgentId last_agent = 0;
  AgentId transfer_to = 0;
  std::array<uint32_t, kMaxRequiredSkills> req{};  // the contact's own, packed
  // Agents that declined or missed it: never offered to them again (until a transfer or a
  // move to another queue starts afresh). Each agent once; ids of removed agents are pruned
  // as the list grows, so it stays within about twice the number of agents. Holds memory
  // only while not empty (ContactTag::excluding tells which, without reading this line).
  std::vector<AgentId> excluded;
};
static_assert(offsetof(Contact, offer_deadline_ms) == 64, "Contact line 0 is full");

struct Calendar {
  CalendarId id = 0;
  BusinessCalendar calendar;
};

class EngineImpl final : public Engine {
 public:
  EngineImpl(const Clock* clock, EngineOptions options);

  Status SetCalendar(CalendarId id, const BusinessCalendar& calendar) override;
  Status AddQueue(QueueId id, const QueueConfig& config) override;
  Status RemoveQueue(QueueId id) override;
  Status ConfigureQueue(QueueId id, const QueueConfig& config) override;
  Status AddAgent(AgentId id, const AgentConfig& config) override;
  Status ConfigureAgent(AgentId id, const AgentConfig& config) override;
  Status RemoveAgent(AgentId id) override;
  Status LoginAgentToQueue(AgentId agent, QueueId queue, int priority) override;
  Status LogoutAgentFromQueue(AgentId agent, QueueId queue) override;
  Status SetAgentState(AgentId agent, AgentState state, ReasonCode reason) override;
  Status WrapUpDone(AgentId agent) override;
  Status Enqueue(const ContactSpec& contact) override;
  Status Accept(AgentId agent, ContactId contact) override;
  Status Decline(AgentId agent, ContactId contact) override;
  Status OfferTimedOut(AgentId agent, ContactId contact) override;
  Status Complete(AgentId agent, ContactId contact) override;
  Status Abandon(ContactId contact) override;
  Status RequestCallback(ContactId contact, int64_t not_before_ms) override;
  Status TransferToAgent(ContactId contact, AgentId to) override;
  Status TransferToQueue(ContactId contact, QueueId to) override;
  Status Escalate(ContactId contact, QueueId expert_queue,
                  std::span<const SkillRequirement> extra_skills) override;
  Status ConsultAgent(ContactId contact, AgentId to) override;
  Status ConsultQueue(ContactId contact, QueueId to) override;
  Status CompleteConsult(ContactId contact) override;
  Status CancelConsult(ContactId contact) override;
  void Tick() override;
  int64_t NextDeadlineMs() const override;
  Result<AgentView> GetAgent(AgentId agent) const override;
  Result<ContactView> GetContact(ContactId contact) const override;
  Result<WaitInfo> GetWaitInfo(ContactId contact) const override;
  Result<std::vector<WaitInfo>> GetQueueWaitInfo(QueueId queue) const override;
  Result<QueueStats> GetQueueStats(QueueId queue) const override;
  Result<bool> IsOpen(QueueId queue) const override;
  bool CanTake(AgentId agent, ContactId contact) const override;
  EngineStats Stats() const override;
  std::span<const Event> events() const override { return events_; }
  void ClearEvents() override { events_.clear(); }
  std::vector<Event> TakeEvents() override;
  std::string Snapshot() const override;
  Status CheckInvariants() const override;

  // Snapshot support (snapshot.cc): visits every persistent field for writing or reading.
  template <typename Archive>
  void Persist(Archive& ar);
  // After reading a snapshot: rebuild the id maps and group indexes, check the structure.
  Status RebuildAfterRestore();

 private:
  // Brackets every command: runs the timers due before it, and after it those that the
  // command itself made due at once (e.g. a contact back from an offer past its max wait).
  class CommandScope {
   public:
    explicit CommandScope(EngineImpl* e) : e_(e) { e_->Advance(); }
    ~CommandScope() {
      if (e_->timer_due_now_) {
        e_->RunTimersUntil(e_->now_);
      }
      if (!e_->deferred_.empty()) {
        e_->FlushDeferred();
      }
    }
    CommandScope(const CommandScope&) = delete;
    CommandScope& operator=(const CommandScope&) = delete;

   private:
    EngineImpl* e_;
  };

  // ---- time and events
  void Advance();
  void RunTimersUntil(int64_t t);
  void PushTimer(int64_t due, TimerKind kind, int32_t slot, uint32_t gen);
  void ScheduleContactTimer(int32_t slot);
  void ScheduleAgentTimer(int32_t a);
  int64_t NextContactDeadline(const Contact& c) const;
  void OnContactTimer(int32_t slot);
  void OnAgentTimer(int32_t a);
  Event& Emit(EventType type, const Contact& c);
  Event& EmitAgent(EventType type, const Agent& agent);

  // ---- lookups and validation
  Result<int32_t> FindQueue(QueueId id) const;
  Result<int32_t> FindAgent(AgentId id) const;
  Result<int32_t> FindContact(ContactId id) const;
  // The slot (the contact's or its consult leg's) offered to / connected with the agent.
  // kNil when it is neither (NotHeld then tells why). Not a Result: building and destroying
  // one (a Status with two strings) cost more than the lookup, on every Accept and Complete.
  int32_t Held(AgentId agent, ContactId contact, bool connected) const;
  Status NotHeld(AgentId agent, ContactId contact, bool connected) const;
  int32_t InternSkill(SkillId id);
  Status ValidateQueueConfig(QueueId id, const QueueConfig& config) const;
  Status ValidateAgentConfig(const AgentConfig& config) const;
  Status PackSkills(std::span<const SkillRequirement> skills, std::vector<uint32_t>* out);
  static int CountUnion(const std::vector<uint32_t>& queue_skills, const Contact& c);
  const BusinessCalendar* CalendarOf(const Queue& q) const;

  // ---- contacts: priority, requirements, places
  int32_t AllocContact();
  int32_t NewConsultLeg(int32_t slot, int32_t queue);
  void FreeContact(int32_t slot);
  void ComputePriority(Contact& c);
  int StageAt(const Queue& q, int64_t waited_ms) const;
  Signature MakeSignature(const Contact& c, const Queue& q, int stage) const;
  int32_t GroupFor(Queue& q, const Signature& sig);
  static Needs SplitSignature(const Queue& q, const Signature& sig);
  static Needs QueueNeeds(const Queue& q, int stage);  // for a contact without own skills
  void Count(const Contact& c, int delta);
  void HeapPush(int32_t slot, int32_t group);
  void CopyNonEmpty(int32_t q);  // Queue::nonempty into waiting_[q]
  void HeapRemove(int32_t slot);
  void HeapSiftUp(Group& g, size_t i);
  void HeapSiftDown(Group& g, size_t i);
  void HeapSet(Group& g, size_t i, const HeapEntry& e);
  HeapEntry EntryOf(const Contact& c) const;
  void PersonalAdd(int32_t slot, int32_t a);
  void PersonalRemove(int32_t slot);
  void Unplace(int32_t slot);  // out of heap / personal list / schedule, into kLimbo
  bool Excluded(const Contact& c, AgentId agent) const;
  void AddExclusion(Contact& c, AgentId agent);
  void ClearExclusions(Contact& c);
  // Rank at now_ across queues: true when a is served before b.
  bool RankBefore(const Contact& a, const Contact& b) const;

  // ---- agents: readiness lists
  bool ReadyFor(const Agent& a, Channel ch) const;
  uint8_t TableLevel(int32_t a, uint32_t skill) const;  // from level_table_
  // True when agent slot a has every skill of sig at its level (from level_table_).
  bool TableSkillsOk(int32_t a, const Signature& sig) const;
  void SetLevelRow(int32_t a);                     // copies agents_[a].levels into level_table_
  int64_t KeyFor(int32_t a, const Seat& s) const;  // the key the strategy wants now
  bool Valid(const ReadyEntry& e, Channel ch) const;
  uint8_t ReadyMask(const Agent& a) const;
  void ListInsert(TierList& t, const ReadyEntry& entry);  // entry.epoch: the agent's now
  // ListInsert's rare cases. The entry by fields, all in registers: by address, the common
  // path would have to build every entry in memory for it.
  void ListInsertSlow(TierList& t, int64_t key, int32_t agent, uint32_t epoch, uint64_t levels);
  uint64_t SeatLevels(const Agent& a, const Queue& q) const;
  int32_t ListFor(int32_t q, int32_t priority);
  // Drops the stale entries of t in [head, end), keeping the order of the others.
  void DropStale(TierList& t, size_t end);
  void Reseat(int32_t a);       // new epoch: every ready seat gets a fresh entry
  void InsertSeats(int32_t a);  // an entry in the list of each ready seat, current epoch
  void FlushDeferred();         // makes the entries Sync deferred
  void Sync(int32_t a, bool activity_changed);
  static void PrefetchSeats(const Agent& ag);  // requests the lines of its seats
  // Agent::keyed and Agent::seat_channels as its seats make them (SeatSummaryOf), and set.
  struct SeatSummary {
    bool keyed = false;
    uint8_t channels = 0;
  };
  SeatSummary SeatSummaryOf(const Agent& ag) const;
  void UpdateSeatSummary(int32_t a);
  void SetActivity(Agent& ag, int32_t a);  // activity_ms = now_, with its dense copy
  void SetAgentStateRaw(int32_t a, AgentState state, ReasonCode reason);
  void SetAgentStateFull(int32_t a, AgentState state, ReasonCode reason);
  void AddLoad(int32_t a, int32_t slot);
  void ReleaseLoad(int32_t a, int32_t slot, bool touch_activity);
  void ReleaseAfterWork(int32_t a, int32_t slot);
  int32_t SeatOf(const Agent& a, int32_t q) const;  // index into a.seats or kNil

  // ---- routing
  void Route(int32_t slot);
  void PlacePool(int32_t slot);
  // `sig` is read only for most-skilled scoring.
  int32_t FindAgentFor(const Contact& c, const Queue& q, const Signature& sig, const Needs& needs);
  void Fill(int32_t a);
  int32_t TopFor(const Group& g, AgentId agent) const;
  int32_t OverflowTarget(const Queue& q) const;
  bool MaxWaitReached(const Contact& c) const;
  void Offer(int32_t slot, int32_t a, Decision decision);
  void MissOffer(int32_t slot, EventType why);
  void ExpireTarget(int32_t slot);
  void PostArrival(int32_t slot, size_t queued_event, int depth);
  void ApplyLimit(int32_t slot, LimitKind kind, LimitAction action, int depth);
  void Overflow(int32_t slot, LimitKind kind, int depth);
  void MoveToQueue(int32_t slot, int32_t q, int64_t order_ms);
  void MakeCallback(int32_t slot);
  bool AfterHours(int32_t slot);  // true: the contact stays (as a callback)
  bool Closed(int32_t q) const;   // the queue's calendar is closed now
  void CheckPosition(int32_t slot);
  void EndLeg(int32_t leg, bool emit_cancel);
  void Resettle(int32_t q);
  void RegroupAll(int32_t q);

  // ---- queries and checks (check.cc)
  WaitInfo ComputeWait(int32_t slot) const;
  int64_t Ewt(const Queue& q, int position) const;
  bool Eligible(int32_t a, int32_t slot) const;  // brute force, from raw fields
  void VerifyOffer(int32_t slot, int32_t a, Decision decision);
  void Violation(std::string message);
  Status CheckStructure() const;

  const Clock* clock_;
  EngineOptions options_;
  int64_t now_ = 0;
  bool timer_due_now_ = false;  // a timer was set at or before now_: run it before returning
  uint64_t seq_ = 0;
  int64_t offers_ = 0;
  std::vector<Event> events_;

  std::vector<SkillId> skill_ids_;
  IdMap skill_index_;
  std::vector<Calendar> calendars_;
  HugeVector<Queue> queues_;
  HugeVector<int32_t> pool_;  // per queue: contacts in its heaps (legs included)
  // Per queue slot, a cache line each: a copy of the first entries of its nonempty list, so
  // that an agent looking for work (Fill) tests the waiting groups of a queue with one cache
  // miss instead of two (the queue's record for the list, then the list). Updated with the
  // list (CopyNonEmpty); CheckStructure compares them.
  static constexpr int kNonEmptyCopies = 3;
  struct alignas(64) Waiting {
    int32_t groups = 0;                           // Queue::nonempty.size()
    std::array<NonEmpty, kNonEmptyCopies> first;  // Queue::nonempty[0, min(groups, 3))
  };
  HugeVector<Waiting> waiting_;
  std::vector<int32_t> free_queues_;  // slots of removed queues, reused last first
  IdMap queue_index_;
  HugeVector<TierList> lists_;
  HugeVector<Agent> agents_;
  HugeVector<uint32_t> epoch_;  // per agent slot: entries with another epoch are stale
  // Per agent slot: Agent::id (0 when free), dense so that checking whom a contact excluded
  // does not touch the agent's record.
  HugeVector<AgentId> agent_id_;
  // Per agent slot: Agent::load, Agent::capacity and Agent::activity_ms, dense so that
  // least-occupied and most-skilled routing, which score every ready agent of a queue and
  // break ties by longest idle, do not read each agent's record.
  struct LoadCapacity {
    std::array<int16_t, kChannelCount> load;
    std::array<int16_t, kChannelCount> capacity;
    int64_t activity_ms;
  };
  HugeVector<LoadCapacity> load_capacity_;
  // Agent::levels of every agent slot, skill-major: the level of slot a in skill s is at
  // s * level_slots_ + a (0 = none). Checking candidates for a contact's own skill (a
  // language) then reads one small, usually cached, column instead of each candidate's
  // record and its vector. Columns are added as agents get new skills; the table is laid out
  // again when the agent slots outgrow level_slots_.
  HugeVector<uint8_t> level_table_;
  size_t level_slots_ = 0;
  size_t level_skills_ = 0;
  // Per contact slot, apart from the (large, often cold) records: its timer generation, so
  // that a stale timer is recognised without touching the record, and whether its exclusion
  // list is not empty, so that comparing the best contacts of several queues (Fill) does not
  // touch theirs. Side by side because the commands that read one mostly write the other
  // (allocation, offer, release): one cache miss instead of two.
  struct ContactTag {
    uint32_t gen = 0;
    uint8_t excluding = 0;
  };
  HugeVector<ContactTag> contact_tag_;
  // Agents that became ready inside the current command whose ready-list entries are not
  // made yet (see Sync). Empty between commands; every reader of the lists flushes first.
  struct Deferred {
    int32_t agent;
    uint32_t epoch;
  };
  std::vector<Deferred> deferred_;
  std::vector<int32_t> free_agents_;
  IdMap agent_index_;
  HugeVector<Contact> contacts_;
  std::vector<int32_t> free_contacts_;
  IdMap contact_index_;
  TimerQueue timers_;

  // Decision verification (EngineOptions::verify_decisions).
  int64_t verified_ = 0;
  int64_t violations_ = 0;
  std::string first_violation_;
};

}  // namespace kefu::routing::internal
