#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "kefu/analytics/distribution.h"
#include "kefu/analytics/kpi.h"
#include "kefu/core/result.h"
#include "kefu/routing/types.h"

// The contact-center digital twin (issue #5): a discrete-event simulation that drives the
// production routing engine (kefu::routing::NewEngine) on a virtual clock. The simulator owns
// the world around the engine — arrivals, customers' patience, agents' talk times, shifts and
// breaks — and the engine makes every routing decision. KPIs come from the engine's events
// through ComputeKpis, the same code production reports use.
//
// Times are UTC milliseconds; durations in milliseconds unless a name ends in _s.

namespace kefu::analytics {

// One queue of the simulated center and the contacts that arrive at it.
struct SimQueue {
  std::string name;  // unique within the scenario
  // Channel, strategy, required skills, priority rules (tier_class / tier_priority, aging),
  // wrap_up_ms, overflow and limits: the production queue configuration, as is.
  routing::QueueConfig config;
  Distribution handle;  // talk time, accept to complete
  // After-call work (话后处理) drawn per contact. When set (kind() != kNever) it replaces
  // config.wrap_up_ms: the engine holds the agent in wrap-up and the simulator ends it with
  // WrapUpDone after the drawn time.
  Distribution wrap_up;
  Distribution patience;  // how long a waiting customer stays; Never(): nobody abandons
  // Poisson arrivals: the expected contacts in each interval (index 0 = the first interval of
  // the scenario); intervals past the end of the vector get none.
  std::vector<double> volume;
  // Share of arriving contacts that are priority customers, who get `priority_tier` (and so
  // the queue's tier rules); the rest are Tier::kStandard.
  double priority_share = 0;
  routing::Tier priority_tier = routing::Tier::kGold;
  // When set (kind() != kNever), priority customers' talk time and patience.
  Distribution priority_handle;
  Distribution priority_patience;
};

// A break within a shift, from the shift's start.
struct SimBreak {
  int64_t offset_ms = 0;
  int64_t duration_ms = 0;
};

// `agents` agents work [start, end) (offsets from the scenario start) with the same breaks;
// agent k of the shift takes each break (k % 4) * break_stagger_ms later, so a team does not
// leave all at once.
struct SimShift {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  int agents = 0;
  std::vector<SimBreak> breaks;
  int64_t break_stagger_ms = 0;
};

// Agents with the same skills and queues. Either `staffing` (agents on duty per interval: the
// first staffing[i] agents of the group work interval i) or `shifts`, not both. With
// staffing, the last interval's agents stay on past the end until the queues are empty. A
// shift that starts after another of the group has ended reuses that shift's agents (one
// person is never two agents at once). An agent whose duty ends during a call finishes it
// (on break: no new offers) and then logs out.
struct SimAgentGroup {
  std::string name;
  routing::AgentConfig config;              // skills and capacity
  std::vector<std::pair<int, int>> queues;  // (index into Scenario::queues, priority 1..)
  std::vector<int> staffing;
  std::vector<SimShift> shifts;
};

// A replayed arrival (from a call log) in place of the Poisson arrivals.
struct SimArrival {
  int64_t time_ms = 0;  // UTC ms, within [start, start + duration)
  int queue = 0;        // index into Scenario::queues
  routing::Tier tier = routing::Tier::kStandard;
  int64_t handle_ms = -1;    // < 0: drawn from the queue's distribution
  int64_t patience_ms = -1;  // < 0: drawn from the queue's distribution
};

struct Scenario {
  std::string name;
  int64_t start_ms = 0;       // aligned to the KPI interval
  int64_t duration_ms = 0;    // arrivals stop here; the simulation runs on until contacts end
  int interval_minutes = 30;  // 15, 30 or 60: staffing, volume and KPI intervals
  // Contacts offered before start + warmup_ms are simulated but not counted.
  int64_t warmup_ms = 0;
  std::vector<SimQueue> queues;
  std::vector<SimAgentGroup> groups;
  std::vector<SimArrival> arrivals;  // when not empty, replaces every queue's volume
  int replications = 10;
  uint64_t seed = 1;
  KpiConfig kpi;  // its interval_minutes is overridden by the scenario's
};

// The outcome of one run: one ContactRecord per counted contact (queue = the queue's name,
// channel = routing::ChannelName, agent = "a<id>"), built from the engine's events.
struct SimRun {
  std::vector<ContactRecord> records;
  std::vector<routing::Tier> tiers;  // parallel to records
  // Staffed time per agent group and interval (agent = the group's name): occupancy for
  // GroupBy kNone; not per agent.
  std::vector<StaffedTime> staffed;
  int64_t contacts = 0;         // contacts simulated, warm-up included
  int64_t engine_commands = 0;  // engine calls made (Enqueue, Accept, Complete, Tick, …)
};

// Called now and then with contacts arrived so far and the total expected.
using SimProgress = std::function<void(int64_t done, int64_t total)>;

// Checks a scenario: names, indices, intervals, staffing vs shifts. InvalidArgument with the
// field path (e.g. "groups[1].queues[0]").
Status ValidateScenario(const Scenario& scenario);

// Expected contacts of one run (replayed arrivals, or the sum of the volumes).
int64_t ExpectedContacts(const Scenario& scenario);

// One replication with the given seed. Deterministic: same scenario and seed, same run.
// Errors: ValidateScenario's, or Internal if the engine refuses a command (a bug).
Result<SimRun> Simulate(const Scenario& scenario, uint64_t seed,
                        const SimProgress& progress = nullptr);

// A sample mean with its 95 % confidence half-width (Student t, n - 1 degrees of freedom;
// 0 when n < 2).
struct Estimate {
  double mean = 0;
  double half_width = 0;
  int n = 0;
};
Estimate EstimateMean(std::span<const double> values);

// Means over replications for one interval.
struct IntervalSummary {
  int64_t interval_start_ms = 0;
  double offered = 0;
  double answered = 0;
  double abandoned = 0;
  double staffed_agents = 0;  // mean agents on duty (staffed time / interval length)
  Estimate service_level;
  Estimate asa_s;
  Estimate abandon_rate;
  Estimate occupancy;
};

struct ReplicationSummary {
  KpiConfig kpi;
  int replications = 0;
  int64_t contacts = 0;  // simulated over all replications
  Estimate service_level;
  Estimate answer_rate;
  Estimate abandon_rate;
  Estimate asa_s;
  Estimate aht_s;
  Estimate occupancy;
  std::vector<IntervalSummary> intervals;
  std::vector<KpiReport> reports;  // one per replication
};

// Runs scenario.replications replications with seeds seed, seed + 1, … and summarises their
// KPIs (each replication's overall value is one observation).
Result<ReplicationSummary> RunReplications(const Scenario& scenario,
                                           const SimProgress& progress = nullptr);

// The KPIs of one run, with the scenario's KPI configuration and interval.
Result<KpiReport> RunKpis(const Scenario& scenario, const SimRun& run);

}  // namespace kefu::analytics
