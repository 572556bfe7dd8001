#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kefu/analytics/distribution.h"
#include "kefu/analytics/kpi.h"
#include "kefu/analytics/sim.h"
#include "kefu/core/result.h"

// Real-data replay (issue #5): the Anonymous Bank call log (February 1999; see
// ../shared/data/README.md), read, fitted and replayed through the simulator, and the
// simulated KPIs compared with the actual ones.
//
// The log's clock times are taken as kefu local times (UTC+8, scenario.h), so days and
// intervals print as the log wrote them.

namespace kefu::analytics {

enum class CallOutcome { kServed, kAbandoned, kLeftInVru, kPhantom };

// One row of calls-1999-02.tsv. Value type.
struct LoggedCall {
  int64_t call_id = 0;
  bool priority = false;  // the log's priority 2 (high-priority customer); 0 and 1 are regular
  std::string type;       // PS, PE, IN, NE, NW, TT
  int64_t day_ms = 0;     // local midnight of the call's date, UTC ms
  int64_t vru_entry_ms = 0;
  int64_t offered_ms = 0;  // entered the agent queue (q_start), or left the VRU if not queued
  bool queued = false;     // q_start present
  int64_t wait_ms = 0;     // q_time
  CallOutcome outcome = CallOutcome::kPhantom;
  int64_t service_start_ms = 0;  // ser_start, served calls
  int64_t service_ms = 0;        // ser_time
  std::string server;            // agent name; empty for NO_SERVER
  // Whether the call reached the agent queue: served, or abandoned while queued.
  bool offered() const {
    return outcome == CallOutcome::kServed || (outcome == CallOutcome::kAbandoned && queued);
  }
};

// Parses the tab-separated log (header line first; CRLF or LF). InvalidArgument naming
// "<source>:<line>: <column>" for a malformed row.
Result<std::vector<LoggedCall>> ParseAnonymousBankLog(std::string_view text,
                                                      std::string_view source);
Result<std::vector<LoggedCall>> ReadAnonymousBankLog(const std::string& path);

// The actual contacts as ContactRecords (offered calls only), with `priority` parallel.
void ActualRecords(std::span<const LoggedCall> calls, std::vector<ContactRecord>& records,
                   std::vector<bool>& priority);

// Agents on duty per interval of one day, inferred as the distinct agents seen serving in the
// interval (a service overlapping it). `calls` may hold other days; only `day_ms`'s count.
std::vector<int> InferStaffing(std::span<const LoggedCall> calls, int64_t day_ms,
                               int interval_minutes);

// When each agent was at the phones on one day, from the log alone: from the first call they
// answered; through the gaps between calls, until a caller of a type they serve had been
// waiting `grace_ms` without them answering (an agent at the phones answers a waiting caller
// within seconds: the log's median is 5 s), and from their next call again. `calls` may hold
// other days. Sorted by agent, then time.
struct PresencePeriod {
  std::string agent;
  int64_t start_ms = 0;  // [start, end), UTC ms
  int64_t end_ms = 0;
};
std::vector<PresencePeriod> InferPresence(std::span<const LoggedCall> calls, int64_t day_ms,
                                          int64_t grace_ms);

// Service times and patience fitted from the log, per customer class. Patience is censored
// by service (a served caller's patience was at least the wait): Kaplan–Meier.
struct CallLogFit {
  Distribution handle_regular;
  Distribution handle_priority;
  Distribution patience_regular;
  Distribution patience_priority;
  // After-call work: an agent's gap between the end of a call and the start of the next one
  // when that next caller was already queued as the call ended (so the agent was not idle
  // for want of calls),
  // under 30 minutes (longer is a break). The log has no wrap-up column; this is the time
  // agents were not available while customers queued.
  Distribution after_call;
};
Result<CallLogFit> FitCallLog(std::span<const LoggedCall> calls);

enum class StaffingInference {
  kPresence,     // InferPresence: agents at the phones, period by period
  kSeenServing,  // InferStaffing: every agent seen serving in an interval, all of it
};

struct ReplayOptions {
  StaffingInference staffing = StaffingInference::kPresence;
  int64_t grace_ms = 20'000;  // InferPresence: about the 90th percentile of pick-up delay
  int interval_minutes = 15;  // staffing inference (kSeenServing) and KPI intervals
  int threshold_s = 20;       // T for the share answered within T
  int replications = 5;       // per day
  uint64_t seed = 19990201;
  // Queue priority of the log's priority customers over regular ones, in the engine's terms:
  // a head start of this many points, regular customers gaining aging_per_minute per minute.
  int priority_points = 0;
  int aging_per_minute = 1;
  bool after_call_work = true;  // draw CallLogFit::after_call as wrap-up
};

// One class (priority or regular customers) on one day or the month.
struct ClassComparison {
  int64_t offered = 0;      // actual
  double sim_offered = 0;   // simulated, per replication
  double actual_asa_s = 0;  // mean wait of answered calls
  double sim_asa_s = 0;
  double actual_abandon = 0;  // abandoned / offered
  double sim_abandon = 0;
  double actual_sl = 0;  // answered within T / offered
  double sim_sl = 0;
};

struct DayComparison {
  int64_t day_ms = 0;  // local midnight; 0 for the month row
  int peak_agents = 0;
  ClassComparison priority;
  ClassComparison regular;
  ClassComparison all;
};

struct ReplayReport {
  ReplayOptions options;
  CallLogFit fit;
  std::vector<DayComparison> days;
  DayComparison month;
  int64_t simulated_contacts = 0;
};

// Replays every day of the log: its offered calls arrive at their logged times in one queue
// per call type, the inferred staff works (with presence: each agent with a skill for every
// type they served that day), handle times and patience are drawn from the fit, and the
// production routing engine routes. KPIs of both sides through ComputeKpis.
Result<ReplayReport> RunReplay(std::span<const LoggedCall> calls, const ReplayOptions& options,
                               const SimProgress& progress = nullptr);

// The comparison as a text table, per day and for the month, with relative errors.
std::string FormatReplayReport(const ReplayReport& report);

}  // namespace kefu::analytics
