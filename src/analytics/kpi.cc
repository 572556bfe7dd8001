#include "kefu/analytics/kpi.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace kefu::analytics {
namespace {

constexpr int64_t kMsPerMinute = 60'000;

std::optional<double> Ratio(double numerator, double denominator) {
  if (denominator <= 0) {
    return std::nullopt;
  }
  return numerator / denominator;
}

// Floor division, so contacts before 1970 still land in the interval that contains them.
int64_t IntervalStart(int64_t t_ms, int64_t interval_ms) {
  int64_t q = t_ms / interval_ms;
  if (t_ms % interval_ms < 0) {
    --q;
  }
  return q * interval_ms;
}

std::string_view GroupKey(const ContactRecord& r, GroupBy group_by) {
  switch (group_by) {
    case GroupBy::kQueue:
      return r.queue;
    case GroupBy::kChannel:
      return r.channel;
    case GroupBy::kAgent:
      return r.agent;
    case GroupBy::kNone:
      break;
  }
  return {};
}

std::string Field(size_t index, const char* name) {
  return "records[" + std::to_string(index) + "]." + name;
}

Status ValidateConfig(const KpiConfig& c) {
  if (c.threshold_s < 0) {
    return InvalidArgumentError("threshold_s must be >= 0", "threshold_s");
  }
  if (c.short_abandon_s < 0) {
    return InvalidArgumentError("short_abandon_s must be >= 0", "short_abandon_s");
  }
  if (c.interval_minutes != 15 && c.interval_minutes != 30 && c.interval_minutes != 60) {
    return InvalidArgumentError("interval_minutes must be 15, 30 or 60", "interval_minutes");
  }
  return OkStatus();
}

Status ValidateRecord(const ContactRecord& r, size_t i) {
  if (r.answered_ms && r.abandoned_ms) {
    return InvalidArgumentError("a contact is either answered or abandoned, not both",
                                Field(i, "abandoned_ms"));
  }
  if (r.answered_ms && *r.answered_ms < r.offered_ms) {
    return InvalidArgumentError("answered before offered", Field(i, "answered_ms"));
  }
  if (r.abandoned_ms && *r.abandoned_ms < r.offered_ms) {
    return InvalidArgumentError("abandoned before offered", Field(i, "abandoned_ms"));
  }
  if (r.talk_ms < 0) {
    return InvalidArgumentError("negative duration", Field(i, "talk_ms"));
  }
  if (r.hold_ms < 0) {
    return InvalidArgumentError("negative duration", Field(i, "hold_ms"));
  }
  if (r.wrap_up_ms < 0) {
    return InvalidArgumentError("negative duration", Field(i, "wrap_up_ms"));
  }
  return OkStatus();
}

void Add(KpiRow& row, const ContactRecord& r, const KpiConfig& c) {
  const int64_t threshold_ms = int64_t{c.threshold_s} * 1000;
  const int64_t short_ms = int64_t{c.short_abandon_s} * 1000;
  ++row.offered;
  if (r.answered_ms) {
    const int64_t wait = *r.answered_ms - r.offered_ms;
    ++row.answered;
    row.wait_ms += wait;
    row.handle_ms += r.talk_ms + r.hold_ms + r.wrap_up_ms;
    if (wait <= threshold_ms) {
      ++row.answered_within_t;
    }
    if (r.transferred) {
      ++row.transferred;
    }
  } else if (r.abandoned_ms) {
    const int64_t wait = *r.abandoned_ms - r.offered_ms;
    ++row.abandoned;
    const bool is_short = wait < short_ms;
    if (is_short) {
      ++row.short_abandons;
    }
    if (wait <= threshold_ms && !(is_short && c.exclude_short_abandons)) {
      ++row.abandoned_within_t;
    }
  } else {
    ++row.other;
  }
}

void Finish(KpiRow& row, const KpiConfig& c, bool has_occupancy) {
  const int64_t excluded = c.exclude_short_abandons ? row.short_abandons : 0;
  const double net_offered = static_cast<double>(row.offered - excluded);
  const double net_abandoned = static_cast<double>(row.abandoned - excluded);
  const double answered = static_cast<double>(row.answered);
  switch (c.variant) {
    case ServiceLevelVariant::kAnsweredWithinTOverAnswered:
      row.service_level = Ratio(static_cast<double>(row.answered_within_t), answered);
      break;
    case ServiceLevelVariant::kWithinTOverAnsweredAndAbandoned:
      row.service_level = Ratio(static_cast<double>(row.answered_within_t + row.abandoned_within_t),
                                answered + net_abandoned);
      break;
    case ServiceLevelVariant::kAnsweredWithinTOverOffered:
      row.service_level = Ratio(static_cast<double>(row.answered_within_t), net_offered);
      break;
  }
  row.answer_rate = Ratio(answered, net_offered);
  row.abandon_rate = Ratio(net_abandoned, net_offered);
  if (const auto asa_ms = Ratio(static_cast<double>(row.wait_ms), answered)) {
    row.asa_s = *asa_ms / 1000;
  }
  if (const auto aht_ms = Ratio(static_cast<double>(row.handle_ms), answered)) {
    row.aht_s = *aht_ms / 1000;
  }
  row.transfer_rate = Ratio(static_cast<double>(row.transferred), answered);
  if (has_occupancy) {
    row.occupancy = Ratio(static_cast<double>(row.handle_ms), static_cast<double>(row.staffed_ms));
  }
}

}  // namespace

std::string_view ServiceLevelVariantName(ServiceLevelVariant variant) {
  switch (variant) {
    case ServiceLevelVariant::kAnsweredWithinTOverAnswered:
      return "answered within T / answered";
    case ServiceLevelVariant::kWithinTOverAnsweredAndAbandoned:
      return "(answered + abandoned) within T / (answered + abandoned)";
    case ServiceLevelVariant::kAnsweredWithinTOverOffered:
      return "answered within T / offered";
  }
  return "unknown";
}

std::string_view ServiceLevelVariantDescription(ServiceLevelVariant variant) {
  switch (variant) {
    case ServiceLevelVariant::kAnsweredWithinTOverAnswered:
      return "Share of answered contacts that waited at most T seconds; abandoned contacts are "
             "not counted.";
    case ServiceLevelVariant::kWithinTOverAnsweredAndAbandoned:
      return "Share of answered and abandoned contacts that were answered, or hung up, within T "
             "seconds; a contact that hangs up within T is not held against the center.";
    case ServiceLevelVariant::kAnsweredWithinTOverOffered:
      return "Share of offered contacts answered within T seconds; every abandoned or unfinished "
             "contact counts as a miss.";
  }
  return "unknown";
}

Result<KpiReport> ComputeKpis(std::span<const ContactRecord> records,
                              std::span<const StaffedTime> staffed, const KpiConfig& config) {
  KEFU_RETURN_IF_ERROR(ValidateConfig(config));
  const int64_t interval_ms = int64_t{config.interval_minutes} * kMsPerMinute;
  const bool staffing_applies =
      config.group_by == GroupBy::kNone || config.group_by == GroupBy::kAgent;

  std::map<std::pair<int64_t, std::string>, KpiRow> by_interval;
  std::map<std::string, KpiRow> overall;
  for (size_t i = 0; i < records.size(); ++i) {
    const ContactRecord& r = records[i];
    KEFU_RETURN_IF_ERROR(ValidateRecord(r, i));
    const std::string group(GroupKey(r, config.group_by));
    Add(by_interval[{IntervalStart(r.offered_ms, interval_ms), group}], r, config);
    Add(overall[group], r, config);
  }
  for (size_t i = 0; i < staffed.size(); ++i) {
    const StaffedTime& s = staffed[i];
    const std::string prefix = "staffed[" + std::to_string(i) + "].";
    if (s.staffed_ms < 0) {
      return InvalidArgumentError("negative staffed time", prefix + "staffed_ms");
    }
    if (IntervalStart(s.interval_start_ms, interval_ms) != s.interval_start_ms) {
      return InvalidArgumentError("interval start not aligned to the interval length",
                                  prefix + "interval_start_ms");
    }
    if (!staffing_applies) {
      continue;
    }
    const std::string group = config.group_by == GroupBy::kAgent ? s.agent : std::string();
    by_interval[{s.interval_start_ms, group}].staffed_ms += s.staffed_ms;
    overall[group].staffed_ms += s.staffed_ms;
  }

  KpiReport report;
  report.config = config;
  report.intervals.reserve(by_interval.size());
  for (auto& [key, row] : by_interval) {
    row.interval_start_ms = key.first;
    row.group = key.second;
    Finish(row, config, staffing_applies);
    report.intervals.push_back(std::move(row));
  }
  if (overall.empty() && config.group_by == GroupBy::kNone) {
    overall[std::string()];  // an empty period still has one overall row, with rates absent
  }
  report.overall.reserve(overall.size());
  for (auto& [group, row] : overall) {
    row.group = group;
    Finish(row, config, staffing_applies);
    report.overall.push_back(std::move(row));
  }
  return report;
}

}  // namespace kefu::analytics
