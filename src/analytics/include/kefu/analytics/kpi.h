#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kefu/core/result.h"

// Contact-center KPI definitions (issue #5). This is the one place where service level, answer
// rate and the rest are defined; production reports and the simulator both call ComputeKpis.
//
// Times in a ContactRecord are UTC milliseconds (ARCHITECTURE.md); durations in results are
// seconds (double). A contact's wait is answered_ms - offered_ms (answered) or
// abandoned_ms - offered_ms (abandoned).
//
// Definitions, for the contacts offered in a bucket (interval × group):
//   offered            contacts offered (every record counts once, by its offered time)
//   answered           records with answered_ms
//   abandoned          records with abandoned_ms (the caller hung up while waiting)
//   short_abandons     abandoned with wait < short_abandon_s (all of them, also when not excluded)
//   other              neither answered nor abandoned (still waiting, overflowed, left a message)
//   When exclude_short_abandons is set, short abandons are removed from offered and abandoned
//   before every rate below ("net" counts); the raw counts stay in the row.
//   answered_within_t  answered with wait <= threshold_s (inclusive)
//   abandoned_within_t net abandoned with wait <= threshold_s
//   service_level      per ServiceLevelVariant (below)
//   answer_rate (接通率)     answered / net offered
//   abandon_rate (放弃率)    net abandoned / net offered
//   asa_s              mean wait of answered contacts, seconds
//   aht_s (平均处理时长)     mean talk + hold + wrap-up of answered contacts, seconds
//   transfer_rate (转接率)   answered and transferred / answered
//   occupancy          Σ (talk + hold + wrap-up) / Σ staffed time, for the bucket's agents;
//                      handle time counts in the interval the contact was offered in (it is not
//                      split across interval boundaries)
// A rate whose denominator is zero is absent (std::nullopt), never NaN or 0.

namespace kefu::analytics {

// One contact as the KPIs see it. Value type.
struct ContactRecord {
  int64_t offered_ms = 0;               // entered the queue, UTC ms
  std::optional<int64_t> answered_ms;   // an agent answered, UTC ms
  std::optional<int64_t> abandoned_ms;  // the customer left while waiting, UTC ms
  int64_t talk_ms = 0;                  // >= 0
  int64_t hold_ms = 0;                  // >= 0
  int64_t wrap_up_ms = 0;               // 话后处理, >= 0
  bool transferred = false;             // 转接 by the answering agent
  std::string queue;
  std::string channel;
  std::string agent;  // the answering agent; empty when not answered
};

// Time an agent was staffed (logged in, not on break) within one interval. Value type.
struct StaffedTime {
  int64_t interval_start_ms = 0;  // start of the interval, UTC ms, aligned to the interval
  std::string agent;
  int64_t staffed_ms = 0;  // >= 0
};

// Which service-level formula to use; reports print the name so readers know which.
enum class ServiceLevelVariant {
  // answered within T / answered. Ignores abandons entirely.
  kAnsweredWithinTOverAnswered,
  // (answered within T + abandoned within T) / (answered + abandoned). Abandons within T are
  // not held against the center.
  kWithinTOverAnsweredAndAbandoned,
  // answered within T / offered. The strictest; every abandon and unfinished contact counts
  // against the center. Matches ErlangAResult::service_level.
  kAnsweredWithinTOverOffered,
};

// Short formula, e.g. "answered within T / offered".
std::string_view ServiceLevelVariantName(ServiceLevelVariant variant);
// One sentence for report footers.
std::string_view ServiceLevelVariantDescription(ServiceLevelVariant variant);

enum class GroupBy { kNone, kQueue, kChannel, kAgent };

struct KpiConfig {
  int threshold_s = 25;     // T, seconds, >= 0
  int short_abandon_s = 5;  // N, seconds, >= 0: an abandon with wait < N s is "short"
  bool exclude_short_abandons = true;
  ServiceLevelVariant variant = ServiceLevelVariant::kAnsweredWithinTOverOffered;
  int interval_minutes = 30;  // 15, 30 or 60; intervals are aligned to UTC (and so to UTC+8)
  GroupBy group_by = GroupBy::kNone;
};

// The KPIs of one bucket. Value type.
struct KpiRow {
  std::optional<int64_t> interval_start_ms;  // UTC ms; absent in the overall rows
  std::string group;  // queue, channel or agent name; empty when GroupBy::kNone
  int64_t offered = 0;
  int64_t answered = 0;
  int64_t abandoned = 0;
  int64_t short_abandons = 0;
  int64_t other = 0;
  int64_t answered_within_t = 0;
  int64_t abandoned_within_t = 0;
  int64_t transferred = 0;
  int64_t wait_ms = 0;     // Σ wait of answered contacts
  int64_t handle_ms = 0;   // Σ talk + hold + wrap-up of answered contacts
  int64_t staffed_ms = 0;  // Σ staffed time (GroupBy kNone and kAgent only)
  std::optional<double> service_level;
  std::optional<double> answer_rate;
  std::optional<double> abandon_rate;
  std::optional<double> asa_s;
  std::optional<double> aht_s;
  std::optional<double> transfer_rate;
  // Absent when staffed_ms is 0, and always for GroupBy kQueue / kChannel (agents are not
  // staffed per queue in this input).
  std::optional<double> occupancy;
};

struct KpiReport {
  KpiConfig config;
  std::vector<KpiRow> intervals;  // sorted by interval start, then group
  std::vector<KpiRow> overall;    // one per group (one row when GroupBy::kNone), sorted by group
};

// Computes the KPIs above per interval and overall. Staffed time is optional; without it
// occupancy is absent. Buckets appear for every interval with a contact or staffed time.
// Returns kInvalidArgument, naming the field (e.g. "records[3].answered_ms"), for: a config
// value out of range, answered or abandoned before offered, both answered and abandoned, a
// negative duration, or a staffed interval start not aligned to the interval length.
Result<KpiReport> ComputeKpis(std::span<const ContactRecord> records,
                              std::span<const StaffedTime> staffed, const KpiConfig& config);

}  // namespace kefu::analytics
