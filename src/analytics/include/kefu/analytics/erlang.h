#pragma once

#include "kefu/core/result.h"

// Queueing formulas for staffing a contact center (issue #5).
//
// Units, everywhere in this header: times in seconds (double), rates per second. The offered
// load in erlangs is arrival_rate_per_s * aht_s. All functions are pure and thread-safe. Bad
// input returns kInvalidArgument naming the field; no function returns NaN or infinity.
//
// Models:
//  - Erlang C (M/M/N): Poisson arrivals, exponential handle times, N agents, infinite patience,
//    first come first served. Needs N > load.
//  - Erlang A (M/M/N+M, Palm): as Erlang C, plus each waiting contact abandons after an
//    exponential patience. Stable for every N >= 1 and any load. Computed from the birth–death
//    stationary distribution summed in log space and truncated where its tail is below 1e-20;
//    waiting-time probabilities by uniformisation of the pure-death queue ahead of an arrival.

namespace kefu::analytics {

// Largest agent count any function here accepts (bounds memory and time).
inline constexpr int kMaxAgents = 1'000'000;

// Erlang B blocking probability B(N, A) for `load_erlangs` = A offered to `agents` = N servers,
// by the recursion B(k) = A·B(k-1) / (k + A·B(k-1)), which stays in [0, 1] (stable for any N).
// Returns kInvalidArgument for load < 0 or not finite, or agents outside [1, kMaxAgents].
Result<double> ErlangB(double load_erlangs, int agents);

struct ErlangCInput {
  double arrival_rate_per_s = 0;  // λ, contacts per second
  double aht_s = 0;               // mean handle time 1/μ, seconds, > 0
  int agents = 0;                 // N >= 1, and N > λ·AHT
  double threshold_s = 20;        // T for the service level, seconds, >= 0
};

struct ErlangCResult {
  double load_erlangs = 0;   // A = λ·AHT
  double p_wait = 0;         // C(N, A): probability an arriving contact waits at all
  double service_level = 0;  // P(wait <= T) = 1 - C·exp(-(N - A)·T / AHT)
  double asa_s = 0;          // mean wait over all contacts = C·AHT / (N - A), seconds
  double occupancy = 0;      // A / N
};

// Erlang C metrics, O(N). Returns kInvalidArgument (field named) for negative or non-finite
// rates or times, agents outside [1, kMaxAgents], or agents <= load (the queue would grow without
// bound; field "agents").
Result<ErlangCResult> ErlangC(const ErlangCInput& in);

struct ErlangAInput {
  double arrival_rate_per_s = 0;  // λ, contacts per second
  double aht_s = 0;               // mean handle time 1/μ, seconds, > 0
  double mean_patience_s = 0;     // 1/θ, seconds, > 0; +infinity means no abandonment
  int agents = 0;                 // N >= 1 (with infinite patience also N > λ·AHT)
  double threshold_s = 20;        // T, seconds, >= 0
};

struct ErlangAResult {
  double load_erlangs = 0;  // A = λ·AHT
  double p_wait = 0;        // probability an arriving contact finds all agents busy
  double p_abandon = 0;     // probability an arriving contact abandons = θ·E[queue] / λ
  // Answered within T / offered: the probability that a contact is answered with wait <= T.
  // Matches KPI variant kAnsweredWithinTOverOffered; issue #5's reference 0.858 is this one.
  double service_level = 0;
  // Answered within T / answered.
  double service_level_of_answered = 0;
  // (Answered within T + abandoned within T) / offered, i.e. P(actual wait <= T).
  double service_level_with_abandons = 0;
  double asa_s = 0;        // mean wait of answered contacts (0 for those not waiting), seconds
  double mean_wait_s = 0;  // mean wait over all contacts, answered or abandoned, seconds
  double occupancy = 0;    // mean busy agents / N = λ·(1 - P(abandon))·AHT / N
};

// Erlang A metrics. Cost O(N + K·Λ·T) for K queue states kept and Λ = N/AHT + (K + 1)/patience
// per second (a few milliseconds at N = 10,000, T = 20 s). Returns kInvalidArgument (field named)
// for negative or non-finite inputs, agents outside [1, kMaxAgents], patience <= 0, or infinite
// patience with agents <= load; kResourceExhausted when the truncated distribution would need more
// than 5,000,000 states (near-critical load with near-infinite patience).
Result<ErlangAResult> ErlangA(const ErlangAInput& in);

// Square-root staffing: ceil(A + beta·sqrt(A)), at least 1. Returns kInvalidArgument for a
// negative or non-finite load or a non-finite beta.
Result<int> SquareRootStaffing(double load_erlangs, double beta);

// The Halfin–Whitt beta for which the heavy-traffic probability of waiting
// [1 + beta·Φ(beta)/φ(beta)]^-1 equals `target_p_wait` (in (0, 1)). Use with
// SquareRootStaffing as a first guess; MinAgentsErlangC/A give the exact minimum.
Result<double> HalfinWhittBeta(double target_p_wait);

// Minimum agents N such that Erlang C service_level >= target_service_level (in (0, 1)) with
// threshold in.threshold_s; in.agents is ignored. Returns kInvalidArgument for bad input and
// kResourceExhausted if more than min(max_agents, kMaxAgents) would be needed. O(N).
Result<int> MinAgentsErlangC(const ErlangCInput& in, double target_service_level,
                             int max_agents = kMaxAgents);

// Minimum agents N such that Erlang A service_level (answered within T / offered) >=
// target_service_level (in (0, 1)); in.agents is ignored. Errors as MinAgentsErlangC.
Result<int> MinAgentsErlangA(const ErlangAInput& in, double target_service_level,
                             int max_agents = kMaxAgents);

}  // namespace kefu::analytics
