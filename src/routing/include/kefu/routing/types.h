#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "kefu/routing/calendar.h"

// Value types of the routing engine (ACD): ids, enums, configuration of agents and queues,
// the description of an arriving contact, and the events the engine emits. All times are UTC
// milliseconds (kefu::Clock); all durations are milliseconds.

namespace kefu::routing {

// External ids, chosen by the caller (normally kefu::IdGenerator ids). Must be > 0; 0 means
// "none" wherever an id is optional.
using AgentId = int64_t;
using QueueId = int64_t;
using ContactId = int64_t;
using SkillId = int32_t;
// Break (示忙) reason codes are the caller's; the engine only stores and reports them. The
// ones below are conventional; a deployment may define more.
using ReasonCode = int32_t;

inline constexpr ReasonCode kReasonNone = 0;
inline constexpr ReasonCode kReasonMeal = 1;
inline constexpr ReasonCode kReasonTraining = 2;
inline constexpr ReasonCode kReasonMeeting = 3;
inline constexpr ReasonCode kReasonMissedOffer = 90;    // set after an offer timed out
inline constexpr ReasonCode kReasonDeclinedOffer = 91;  // set after an offer was declined

inline constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
// Expected wait when no agent of the queue is logged in.
inline constexpr int64_t kEwtUnbounded = std::numeric_limits<int64_t>::max();

// Media of a contact. Every queue serves exactly one channel. Chat covers web chat, app,
// WeChat, Weibo and SMS conversations; voice covers inbound calls and callbacks.
//
// One channel per queue is deliberate (it is also how Genesys and Amazon Connect model
// queues): a queue's expected wait, handle time, service level, offer timeout, wrap-up and
// limits are per-channel quantities (a chat agent holds four chats, a voice agent one call),
// and its ready lists hold the agents with room on that channel. A multi-channel queue would
// mix those figures, or be several queues under one name. To serve a product on several
// channels, give each channel its own queue with the same skills and log the agents into
// each (with a per-queue priority); overflow and transfers stay within a channel.
enum class Channel : uint8_t { kVoice = 0, kChat = 1, kEmail = 2 };
inline constexpr int kChannelCount = 3;

// Customer tier: 普通 / 金卡 / 白金 / 私人银行.
enum class Tier : uint8_t { kStandard = 0, kGold = 1, kPlatinum = 2, kPrivate = 3 };
inline constexpr int kTierCount = 4;

// Agent state. "Busy" is not a state: an available agent with contacts at capacity is busy.
// kBreak (示忙) carries a reason code; kWrapUp (话后处理) ends by timer or WrapUpDone.
enum class AgentState : uint8_t { kOffline = 0, kAvailable = 1, kBreak = 2, kWrapUp = 3 };

// How a queue picks among several available, eligible agents (after the agent's per-queue
// priority, which always comes first).
enum class Strategy : uint8_t {
  kLongestIdle = 0,    // the agent whose last offer or release is oldest
  kMostSkilled = 1,    // the highest sum of proficiency in the contact's skills
  kLeastOccupied = 2,  // the lowest share of the channel's capacity in use
  kRoundRobin = 3,     // the agent this queue offered to least recently
};

// What happens to a contact that hits a queue limit (max waiting, max wait).
enum class LimitAction : uint8_t {
  // Play an announcement (an kAnnounced event with position and EWT); the contact keeps its
  // place. After a max-wait announcement, max wait no longer applies in this queue.
  kAnnounce = 0,
  kLeaveMessage = 1,  // 留言: the contact leaves the queue; the service opens a ticket
  kCallback = 2,      // 预约回呼: the contact keeps its place as a callback (virtual hold)
  kOverflow = 3,      // 溢出 to QueueConfig::overflow_queue
};

// What happens to a contact that arrives while the queue's calendar is closed, or that is
// transferred, escalated or overflows into it then. The contact leaves the queue, except
// with kCallback.
enum class AfterHoursAction : uint8_t {
  kAnnounce = 0,
  kLeaveMessage = 1,
  kCallback = 2,        // queued as a callback, served when agents are there
  kForwardToOwner = 3,  // forward to the owner's mobile (the service dials); needs an owner
};

// Where an agent goes after an offer was declined or timed out.
struct MissedOfferPolicy {
  AgentState state = AgentState::kBreak;  // kAvailable, kBreak or kOffline
  ReasonCode reason = kReasonMissedOffer;
};

struct SkillLevel {
  SkillId skill = 0;
  int level = 1;  // proficiency 1–5
};

struct SkillRequirement {
  SkillId skill = 0;
  int min_level = 1;  // 1–5
};

// A skill ring (bullseye) step: from `after_ms` of waiting in the queue on, the required
// skills need at least `min_level` (never below a requirement's own min_level).
struct RingStep {
  int64_t after_ms = 0;
  int min_level = 1;
};

// The most skills a contact can require, the queue's and its own together.
inline constexpr int kMaxRequiredSkills = 8;

struct AgentConfig {
  std::vector<SkillLevel> skills;
  // Contacts at once per channel (voice, chat, email).
  std::array<int, kChannelCount> capacity = {1, 4, 5};
  // false: a voice contact excludes chats and chats exclude voice (e-mail is independent).
  bool chat_with_voice = false;
};

// Per-queue rules. Priority: a contact's class is strict (a higher class is always served
// first); within a class the effective priority is base + aging_per_minute * minutes waited,
// and equal effective priorities are served first come, first served.
struct QueueConfig {
  Channel channel = Channel::kVoice;
  Strategy strategy = Strategy::kLongestIdle;
  // Required of every contact of the queue, in addition to the contact's own skills.
  std::vector<SkillRequirement> skills;
  // Skill rings; empty means no widening (min level 1). First step must have after_ms 0,
  // after_ms strictly increasing, min_level not increasing.
  std::vector<RingStep> rings;

  // Priority rules (VIP, elderly, complaint).
  std::array<int, kTierCount> tier_class = {0, 0, 0, 0};
  std::array<int, kTierCount> tier_priority = {0, 10, 20, 30};
  int elderly_class = 0;  // the contact's class is at least this when elderly
  int elderly_priority = 0;
  int complaint_class = 0;
  int complaint_priority = 0;
  int aging_per_minute = 1;  // priority points per minute of waiting; 0..60000

  int64_t offer_timeout_ms = 20'000;
  MissedOfferPolicy after_decline = {AgentState::kAvailable, kReasonDeclinedOffer};
  MissedOfferPolicy after_offer_timeout = {AgentState::kBreak, kReasonMissedOffer};
  int64_t wrap_up_ms = 0;  // 话后处理 after each contact of this queue; 0 = none

  // Owner (专属负责人) and last-agent routing: offered to that agent first if available;
  // otherwise, if the agent is logged in, the contact waits for them this long, then goes
  // to the pool.
  bool owner_first = true;
  int64_t owner_wait_ms = 0;
  bool last_agent_first = false;
  int64_t last_agent_wait_ms = 0;
  // A blind transfer to an agent waits this long for that agent before the pool.
  int64_t transfer_wait_ms = 30'000;

  // Overflow (溢出): after overflow_after_ms in this queue, or at arrival when the expected
  // wait exceeds overflow_ewt_ms. 0 disables each. overflow_queue 0 = no overflow.
  QueueId overflow_queue = 0;
  int64_t overflow_after_ms = 0;
  int64_t overflow_ewt_ms = 0;

  // Limits; 0 = unlimited. Callbacks count toward neither.
  int max_waiting = 0;
  LimitAction max_waiting_action = LimitAction::kLeaveMessage;
  int64_t max_wait_ms = 0;
  LimitAction max_wait_action = LimitAction::kCallback;

  // At arrival, when the expected wait exceeds this, a callback_offered event invites the
  // customer to hang up and be called back (RequestCallback). 0 disables.
  int64_t callback_offer_ewt_ms = 0;

  // Business hours; 0 = always open. See BusinessCalendar.
  CalendarId calendar = 0;
  AfterHoursAction after_hours_action = AfterHoursAction::kLeaveMessage;
  // Used when kForwardToOwner applies but the contact has no owner.
  AfterHoursAction after_hours_fallback = AfterHoursAction::kLeaveMessage;

  // Expected wait: position * handle time / agents logged in (not offline). The handle
  // time starts here and follows completed contacts (moving average).
  int64_t default_handle_ms = 180'000;

  // Position updates ("您前面还有3位"), opt-in: 0 = off; otherwise 1,000..86,400,000 ms. Every
  // this many ms while a live (non-callback) customer waits, its position is recomputed and
  // a kPositionChanged event is emitted when it differs from the last one reported (by
  // kQueued or kPositionChanged): at most one per contact per period.
  int64_t position_update_ms = 0;
};

// An arriving contact (a call, a chat, an e-mail, a callback request).
struct ContactSpec {
  ContactId id = 0;
  QueueId queue = 0;
  Channel channel = Channel::kVoice;         // must equal the queue's channel
  std::span<const SkillRequirement> skills;  // from the IVR or chat menu choice
  Tier tier = Tier::kStandard;
  bool elderly = false;
  bool complaint = false;
  AgentId owner = 0;       // 专属负责人
  AgentId last_agent = 0;  // for last-agent affinity
  int priority_bonus = 0;  // added to the queue's priority rules, e.g. from the IVR
  bool callback = false;   // a callback request (web form, app), not a live customer
  int64_t arrival_ms = 0;  // original arrival; 0 = now. Kept for reporting and expert moves.
};

enum class ContactState : uint8_t {
  kScheduled = 0,  // callback with a time in the future
  kWaiting = 1,    // in queue (possibly waiting for its owner)
  kOffered = 2,    // reserved for one agent, awaiting accept
  kConnected = 3,  // with an agent
};

enum class TransferMode : uint8_t {
  kBlindToAgent = 0,
  kBlindToQueue = 1,
  kConsult = 2,
  kEscalation = 3,  // to an expert queue, keeping the original arrival time
};

// Why a queue limit applied (Event::detail of kLimitReached) or an overflow happened.
enum class LimitKind : uint8_t {
  kMaxWaiting = 0,
  kMaxWait = 1,
  kOverflowAfter = 2,
  kOverflowEwt = 3,
};

enum class EventType : uint8_t {
  kQueued = 0,         // queue; position (1-based, 0 if offered at once); value = EWT ms
  kRequeued,           // back in the queue after decline/timeout/rescind, same place
  kOffered,            // agent, queue
  kAccepted,           // agent
  kDeclined,           // agent
  kOfferTimedOut,      // agent
  kOfferRescinded,     // agent went to break/offline while the offer was pending
  kAbandoned,          // value = ms since the contact entered its queue
  kCompleted,          // agent; value = handle ms (accept to complete)
  kAgentStateChanged,  // agent; detail = AgentState; value = reason code
  kTargetExpired,      // agent = the owner/last/transfer agent no longer waited for
  kRingWidened,        // detail = the new min level
  kOverflowed,         // queue = new, other_queue = old; detail = LimitKind
  kLimitReached,       // detail = LimitKind; value = LimitAction (kOverflow also emits kOverflowed)
  kAfterHours,         // detail = AfterHoursAction; agent = owner for kForwardToOwner
  kCallbackOffered,    // value = EWT ms: invite the customer to take a callback
  kCallbackRequested,  // the customer hung up and keeps the place (virtual hold)
  kCallbackDue,        // a scheduled callback entered the queue
  kTransferred,        // detail = TransferMode; agent = to (0 for queue), other_agent = from;
                       // queue = to, other_queue = from
  kConsultStarted,     // agent = consulting agent; queue/agent target in other_queue/other_agent
  kConsultCancelled,   // agent = consulting agent; other_agent = consulted agent (if any)
  kAnnounced,          // limit action kAnnounce: the contact stays; detail = LimitKind;
                       // position; value = EWT ms
  kPositionChanged,    // QueueConfig::position_update_ms: position; value = EWT ms
};

inline constexpr uint8_t kEventFlagCallback = 1;  // the contact is a callback task
inline constexpr uint8_t kEventFlagConsult = 2;   // the offer/accept is a consult leg

// One routing decision or fact, in the order it happened. Plain data for storage and KPIs.
struct Event {
  EventType type = EventType::kQueued;
  uint8_t flags = 0;
  int32_t detail = 0;
  int32_t position = 0;
  int64_t time_ms = 0;
  ContactId contact = 0;
  AgentId agent = 0;
  AgentId other_agent = 0;
  QueueId queue = 0;
  QueueId other_queue = 0;
  int64_t value = 0;

  friend bool operator==(const Event&, const Event&) = default;
};

std::string_view ChannelName(Channel channel);
std::string_view TierName(Tier tier);
std::string_view AgentStateName(AgentState state);
std::string_view EventTypeName(EventType type);
std::string_view ContactStateName(ContactState state);

}  // namespace kefu::routing
