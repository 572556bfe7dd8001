#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kefu/core/clock.h"
#include "kefu/core/result.h"
#include "kefu/core/status.h"
#include "kefu/routing/calendar.h"
#include "kefu/routing/types.h"

namespace kefu::routing {

struct EngineOptions {
  // Tests only: verify every offer against a brute-force search over all agents and
  // contacts (order, eligibility, starvation bound); CheckInvariants() reports the first
  // violation. O(agents × waiting contacts) per offer.
  bool verify_decisions = false;
};

// What the engine knows about an agent.
struct AgentView {
  AgentId id = 0;
  AgentState state = AgentState::kOffline;
  ReasonCode reason = kReasonNone;
  std::array<int, kChannelCount> load = {0, 0, 0};  // offered + connected, per channel
  std::array<int, kChannelCount> capacity = {0, 0, 0};
  std::vector<ContactId> contacts;  // offered or connected (consult legs by their contact)
  std::vector<std::pair<QueueId, int>> queues;  // (queue, per-queue priority)
  int64_t wrap_up_until_ms = 0;
};

// What the engine knows about a contact.
struct ContactView {
  ContactId id = 0;
  ContactState state = ContactState::kWaiting;
  QueueId queue = 0;
  AgentId agent = 0;        // offered to / connected with
  AgentId waiting_for = 0;  // owner, last or transfer agent it waits for, 0 in the pool
  bool callback = false;
  int priority_class = 0;
  int base_priority = 0;
  int64_t arrival_ms = 0;      // original arrival, kept across transfers and overflow
  int64_t queue_entry_ms = 0;  // entered the current queue
  int ring_min_level = 1;      // current skill ring
  bool in_consult = false;     // a consult leg for it exists
};

struct WaitInfo {
  ContactId contact = 0;
  int position = 0;    // 1-based among contacts waiting in its queue
  int64_t ewt_ms = 0;  // expected wait; kEwtUnbounded when nobody is logged in
};

struct QueueStats {
  int waiting = 0;        // live contacts waiting (pool + waiting for an agent)
  int callbacks = 0;      // callbacks waiting (virtual hold) or scheduled
  int staffed = 0;        // logged-in agents not offline
  int ready = 0;          // agents that could take a contact now
  int64_t handle_ms = 0;  // moving average handle time
  int64_t oldest_wait_ms = 0;
};

struct EngineStats {
  int64_t agents = 0;
  int64_t queues = 0;
  int64_t contacts = 0;  // alive (scheduled, waiting, offered, connected)
  int64_t waiting = 0;
  int64_t offers = 0;          // offers made since start
  int64_t pending_timers = 0;  // including stale entries not yet popped
  int64_t memory_bytes = 0;    // bytes held by the engine's containers (capacity)
  int64_t verified_decisions = 0;
};

// The ACD: queues, skills, VIP priority, owners, overflow, capacity, business hours. A pure
// state machine: commands in, events out; no I/O, no threads, time only from the Clock, so
// the server and the simulator run the same code and a replay gives the same decisions.
//
// Every command first runs the timers that fell due (each at its own due time: offer
// timeouts, wrap-up ends, skill rings, owner waits, overflow, max wait, scheduled
// callbacks), then applies itself; decisions are appended to an event buffer the caller
// drains. Bad commands return a Status and change nothing; bugs abort (KEFU_CHECK).
// Not thread-safe: one owner (the routing strand) calls it.
class Engine {
 public:
  virtual ~Engine() = default;

  // ---- configuration -------------------------------------------------------------------
  // Adds or replaces a calendar. Queues that use it follow the new hours for new arrivals.
  virtual Status SetCalendar(CalendarId id, const BusinessCalendar& calendar) = 0;
  virtual Status AddQueue(QueueId id, const QueueConfig& config) = 0;
  // Removes a queue; its agents are logged out of it and its id may be added again.
  // REQUIRES: no contact of the queue: none waiting (pool, for an agent, callbacks) and none
  // offered or connected, consult legs included (FailedPrecondition otherwise; move waiting
  // contacts with Escalate or let them finish first). Queues overflowing into a removed
  // queue no longer overflow (as with any unknown overflow_queue).
  virtual Status RemoveQueue(QueueId id) = 0;
  // Applies new rules to the queue and re-sorts its waiting contacts. REQUIRES: the channel
  // is unchanged (FailedPrecondition otherwise).
  virtual Status ConfigureQueue(QueueId id, const QueueConfig& config) = 0;
  virtual Status AddAgent(AgentId id, const AgentConfig& config) = 0;  // starts offline
  // New skills and capacities; contacts already assigned stay (even above a lower capacity).
  virtual Status ConfigureAgent(AgentId id, const AgentConfig& config) = 0;
  // REQUIRES: the agent holds no contact (FailedPrecondition).
  virtual Status RemoveAgent(AgentId id) = 0;
  // `priority` is the agent's tier in the queue: 1 first. An agent prefers contacts from
  // its lowest-numbered queues; a queue prefers its lowest-numbered agents.
  virtual Status LoginAgentToQueue(AgentId agent, QueueId queue, int priority = 1) = 0;
  virtual Status LogoutAgentFromQueue(AgentId agent, QueueId queue) = 0;

  // ---- agent commands ------------------------------------------------------------------
  // kAvailable, kBreak (with reason) or kOffline; kWrapUp is entered by the engine only.
  // Break and offline rescind pending offers (the contacts keep their place); offline
  // REQUIRES no connected contact.
  virtual Status SetAgentState(AgentId agent, AgentState state,
                               ReasonCode reason = kReasonNone) = 0;
  // Ends wrap-up early. FailedPrecondition when the agent is not in wrap-up.
  virtual Status WrapUpDone(AgentId agent) = 0;

  // ---- contact commands ----------------------------------------------------------------
  virtual Status Enqueue(const ContactSpec& contact) = 0;
  // The agent answers an offer (of the contact or of its consult leg).
  virtual Status Accept(AgentId agent, ContactId contact) = 0;
  // The agent declines; the contact is offered again without losing its place and is not
  // offered to this agent again; the agent goes to the queue's after_decline state.
  virtual Status Decline(AgentId agent, ContactId contact) = 0;
  // The media layer reports ring-no-answer before the engine's own offer timeout.
  virtual Status OfferTimedOut(AgentId agent, ContactId contact) = 0;
  // The agent finishes a connected contact; wrap-up follows if the queue has one.
  virtual Status Complete(AgentId agent, ContactId contact) = 0;
  // The customer hangs up while scheduled, waiting or offered.
  virtual Status Abandon(ContactId contact) = 0;
  // Virtual hold: the waiting customer hangs up and keeps the place; at not_before_ms (0 =
  // now) a scheduled callback is released into the queue.
  virtual Status RequestCallback(ContactId contact, int64_t not_before_ms = 0) = 0;

  // ---- transfers (转接) -----------------------------------------------------------------
  // Blind: the connected agent lets go (wrap-up applies); the contact waits for `to` up to
  // the queue's transfer_wait_ms, then goes to the pool.
  virtual Status TransferToAgent(ContactId contact, AgentId to) = 0;
  // Blind to a queue: a new place in `to`, arrival time kept for reporting. Here and in
  // Escalate and overflow, a closed target queue (its calendar) applies its after-hours
  // action, as at arrival.
  virtual Status TransferToQueue(ContactId contact, QueueId to) = 0;
  // To an expert queue (专家座席) from waiting or connected: keeps its original arrival time
  // as its place and its context; `extra_skills` are added to its requirements.
  virtual Status Escalate(ContactId contact, QueueId expert_queue,
                          std::span<const SkillRequirement> extra_skills = {}) = 0;
  // Consult: the connected agent holds the customer while a second agent is reached.
  // To an agent: REQUIRES the agent can take it now. To a queue: routed like a contact.
  virtual Status ConsultAgent(ContactId contact, AgentId to) = 0;
  // To a queue: FailedPrecondition when the queue is closed (its calendar).
  virtual Status ConsultQueue(ContactId contact, QueueId to) = 0;
  // The consulted agent (who accepted) takes over; the first agent lets go.
  virtual Status CompleteConsult(ContactId contact) = 0;
  // Back to the first agent; the consult leg ends wherever it is.
  virtual Status CancelConsult(ContactId contact) = 0;

  // ---- time ----------------------------------------------------------------------------
  // Runs the timers due at the clock's time. Commands do this too.
  virtual void Tick() = 0;
  // The earliest pending timer (kNever if none): a simulator advances its clock to it.
  virtual int64_t NextDeadlineMs() const = 0;

  // ---- queries -------------------------------------------------------------------------
  virtual Result<AgentView> GetAgent(AgentId agent) const = 0;
  virtual Result<ContactView> GetContact(ContactId contact) const = 0;
  virtual Result<WaitInfo> GetWaitInfo(ContactId contact) const = 0;
  // Every contact waiting in the queue's pool (not those waiting for one agent), best first.
  virtual Result<std::vector<WaitInfo>> GetQueueWaitInfo(QueueId queue) const = 0;
  virtual Result<QueueStats> GetQueueStats(QueueId queue) const = 0;
  virtual Result<bool> IsOpen(QueueId queue) const = 0;
  // Whether the engine would offer this waiting contact to this agent now (brute force).
  virtual bool CanTake(AgentId agent, ContactId contact) const = 0;
  virtual EngineStats Stats() const = 0;

  // ---- events --------------------------------------------------------------------------
  virtual std::span<const Event> events() const = 0;
  virtual void ClearEvents() = 0;  // keeps the buffer's memory
  virtual std::vector<Event> TakeEvents() = 0;

  // ---- snapshot ------------------------------------------------------------------------
  // The whole live state (configuration, agents, contacts with their places, timers) as
  // bytes. Pending events are not included: drain them first.
  virtual std::string Snapshot() const = 0;

  // ---- diagnostics ---------------------------------------------------------------------
  // Checks every index against a brute-force recomputation: no contact offered twice, no
  // agent over capacity, no waiting contact an available eligible agent could take, and,
  // with verify_decisions, every decision so far. O(agents × contacts): for tests.
  virtual Status CheckInvariants() const = 0;
};

// REQUIRES: clock outlives the engine.
std::unique_ptr<Engine> NewEngine(const Clock* clock, EngineOptions options = {});

// Rebuilds an engine from Snapshot() bytes. InvalidArgument when the bytes are not a
// snapshot of this version or are inconsistent.
Result<std::unique_ptr<Engine>> RestoreEngine(const Clock* clock, std::string_view snapshot,
                                              EngineOptions options = {});

}  // namespace kefu::routing
