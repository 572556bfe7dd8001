#include "kefu/analytics/call_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "kefu/analytics/scenario.h"

namespace kefu::analytics {
namespace {

constexpr int64_t kDayMs = 86'400'000;

std::vector<std::string_view> SplitTabs(std::string_view line) {
  std::vector<std::string_view> out;
  size_t from = 0;
  for (;;) {
    const size_t tab = line.find('\t', from);
    if (tab == std::string_view::npos) {
      out.push_back(line.substr(from));
      return out;
    }
    out.push_back(line.substr(from, tab - from));
    from = tab + 1;
  }
}

bool ToInt(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 18) {
    return false;
  }
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

double Rel(double sim, double actual) {
  if (actual == 0) {
    return sim == 0 ? 0 : std::numeric_limits<double>::infinity();
  }
  return (sim - actual) / actual;
}

struct ClassKpis {
  int64_t offered = 0;
  double asa = 0;
  double abandon = 0;
  double sl = 0;
};

Result<ClassKpis> Kpis(std::span<const ContactRecord> records, const KpiConfig& config) {
  KEFU_ASSIGN_OR_RETURN(KpiReport r, ComputeKpis(records, {}, config));
  ClassKpis k;
  if (!r.overall.empty()) {
    const KpiRow& o = r.overall.front();
    k.offered = o.offered;
    k.asa = o.asa_s.value_or(0);
    k.abandon = o.abandon_rate.value_or(0);
    k.sl = o.service_level.value_or(0);
  }
  return k;
}

// Records split by class: 0 regular, 1 priority, 2 all.
struct Split {
  std::vector<ContactRecord> by_class[3];
  void Add(const ContactRecord& r, bool priority) {
    by_class[priority ? 1 : 0].push_back(r);
    by_class[2].push_back(r);
  }
};

Status Fill(const Split& actual, const Split& sim, int replications, const KpiConfig& config,
            DayComparison& out) {
  ClassComparison* dest[3] = {&out.regular, &out.priority, &out.all};
  for (int c = 0; c < 3; ++c) {
    KEFU_ASSIGN_OR_RETURN(ClassKpis a, Kpis(actual.by_class[c], config));
    KEFU_ASSIGN_OR_RETURN(ClassKpis s, Kpis(sim.by_class[c], config));
    ClassComparison& d = *dest[c];
    d.offered = a.offered;
    d.sim_offered = static_cast<double>(s.offered) / replications;
    d.actual_asa_s = a.asa;
    d.sim_asa_s = s.asa;
    d.actual_abandon = a.abandon;
    d.sim_abandon = s.abandon;
    d.actual_sl = a.sl;
    d.sim_sl = s.sl;
  }
  return OkStatus();
}

}  // namespace

Result<std::vector<LoggedCall>> ParseAnonymousBankLog(std::string_view text,
                                                      std::string_view source) {
  std::vector<LoggedCall> calls;
  size_t pos = 0;
  int line_no = 0;
  std::map<std::string, int64_t> day_cache;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      nl = text.size();
    }
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty() || line_no == 1) {
      continue;
    }
    const std::vector<std::string_view> f = SplitTabs(line);
    auto bad = [&](std::string_view column, std::string_view what) {
      return InvalidArgumentError(fmt::format("{}:{}: {}: {}", source, line_no, column, what),
                                  std::string(column));
    };
    if (f.size() < 17) {
      return bad("row", fmt::format("expected 17 tab-separated columns, got {}", f.size()));
    }
    LoggedCall c;
    int64_t priority = 0;
    if (!ToInt(f[1], c.call_id)) {
      return bad("call_id", "not a number");
    }
    if (!ToInt(f[3], priority) || priority > 2) {
      return bad("priority", "expected 0, 1 or 2");
    }
    c.priority = priority == 2;
    c.type = std::string(f[4]);
    const std::string date(f[5]);
    auto it = day_cache.find(date);
    if (it == day_cache.end()) {
      if (date.size() != 6) {
        return bad("date", "expected YYMMDD");
      }
      const int yy = std::atoi(date.substr(0, 2).c_str());
      const std::string iso = fmt::format("{}-{}-{}", yy < 70 ? 2000 + yy : 1900 + yy,
                                          date.substr(2, 2), date.substr(4, 2));
      Result<int64_t> day = ParseLocalDateTime(iso);
      if (!day.ok()) {
        return bad("date", "expected YYMMDD");
      }
      it = day_cache.emplace(date, *day).first;
    }
    c.day_ms = it->second;
    auto clock = [&](std::string_view s, int64_t& out) {
      Result<int64_t> t = ParseClockTime(s);
      if (!t.ok()) {
        return false;
      }
      out = *t;
      return true;
    };
    int64_t vru_entry = 0, vru_exit = 0, q_start = 0, ser_start = 0, q_time = 0, ser_time = 0;
    if (!clock(f[6], vru_entry)) {
      return bad("vru_entry", "expected H:MM:SS");
    }
    if (!clock(f[7], vru_exit)) {
      return bad("vru_exit", "expected H:MM:SS");
    }
    if (!clock(f[9], q_start)) {
      return bad("q_start", "expected H:MM:SS");
    }
    if (!ToInt(f[11], q_time)) {
      return bad("q_time", "not a number");
    }
    if (!clock(f[13], ser_start)) {
      return bad("ser_start", "expected H:MM:SS");
    }
    if (!ToInt(f[15], ser_time)) {
      return bad("ser_time", "not a number");
    }
    // Times after midnight belong to the next day: a clock earlier than the VRU entry.
    auto after_entry = [&](int64_t t) { return t + (t + kDayMs / 2 < vru_entry ? kDayMs : 0); };
    c.vru_entry_ms = c.day_ms + vru_entry;
    c.queued = q_start != 0;
    c.offered_ms = c.day_ms + after_entry(c.queued ? q_start : vru_exit);
    c.wait_ms = q_time * 1000;
    const std::string_view outcome = f[12];
    if (outcome == "AGENT") {
      c.outcome = CallOutcome::kServed;
    } else if (outcome == "HANG") {
      c.outcome = c.queued ? CallOutcome::kAbandoned : CallOutcome::kLeftInVru;
    } else if (outcome == "PHANTOM") {
      c.outcome = CallOutcome::kPhantom;
    } else {
      return bad("outcome", "expected AGENT, HANG or PHANTOM");
    }
    if (c.outcome == CallOutcome::kServed) {
      c.service_start_ms = c.day_ms + after_entry(ser_start);
      c.service_ms = ser_time * 1000;
    }
    if (f[16] != "NO_SERVER") {
      c.server = std::string(f[16]);
    }
    calls.push_back(std::move(c));
  }
  std::stable_sort(calls.begin(), calls.end(), [](const LoggedCall& a, const LoggedCall& b) {
    return a.offered_ms < b.offered_ms;
  });
  return calls;
}

Result<std::vector<LoggedCall>> ReadAnonymousBankLog(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return NotFoundError("cannot read call log " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseAnonymousBankLog(text.str(), path);
}

void ActualRecords(std::span<const LoggedCall> calls, std::vector<ContactRecord>& records,
                   std::vector<bool>& priority) {
  for (const LoggedCall& c : calls) {
    if (!c.offered()) {
      continue;
    }
    ContactRecord r;
    r.offered_ms = c.offered_ms;
    if (c.outcome == CallOutcome::kServed) {
      r.answered_ms = c.offered_ms + c.wait_ms;
      r.talk_ms = c.service_ms;
      r.agent = c.server;
    } else {
      r.abandoned_ms = c.offered_ms + c.wait_ms;
    }
    r.queue = "bank";
    r.channel = "voice";
    records.push_back(std::move(r));
    priority.push_back(c.priority);
  }
}

std::vector<int> InferStaffing(std::span<const LoggedCall> calls, int64_t day_ms,
                               int interval_minutes) {
  const int64_t ims = int64_t{interval_minutes} * 60'000;
  const size_t n = static_cast<size_t>(kDayMs / ims);
  std::vector<std::set<std::string_view>> seen(n);
  for (const LoggedCall& c : calls) {
    if (c.day_ms != day_ms || c.outcome != CallOutcome::kServed || c.server.empty()) {
      continue;
    }
    const int64_t from = c.service_start_ms - day_ms;
    const int64_t to = from + std::max<int64_t>(c.service_ms, 1);
    for (int64_t i = std::max<int64_t>(0, from / ims); i < static_cast<int64_t>(n) && i * ims < to;
         ++i) {
      seen[static_cast<size_t>(i)].insert(c.server);
    }
  }
  std::vector<int> staffing(n);
  for (size_t i = 0; i < n; ++i) {
    staffing[i] = static_cast<int>(seen[i].size());
  }
  return staffing;
}

std::vector<PresencePeriod> InferPresence(std::span<const LoggedCall> calls, int64_t day_ms,
                                          int64_t grace_ms) {
  // Per call type: the union of times someone had been waiting at least grace_ms.
  std::map<std::string_view, std::vector<std::pair<int64_t, int64_t>>> waiting;
  std::map<std::string_view, std::vector<const LoggedCall*>> by_agent;
  int64_t day_end = day_ms + kDayMs;
  for (const LoggedCall& c : calls) {
    if (c.day_ms != day_ms) {
      continue;
    }
    if (c.offered() && c.queued && c.wait_ms > grace_ms) {
      waiting[c.type].emplace_back(c.offered_ms + grace_ms, c.offered_ms + c.wait_ms);
    }
    if (c.outcome == CallOutcome::kServed && !c.server.empty()) {
      by_agent[c.server].push_back(&c);
      day_end = std::max(day_end, c.service_start_ms + c.service_ms);
    }
  }
  for (auto& [type, spans] : waiting) {
    std::sort(spans.begin(), spans.end());
    std::vector<std::pair<int64_t, int64_t>> merged;
    for (const auto& sp : spans) {
      if (!merged.empty() && sp.first <= merged.back().second) {
        merged.back().second = std::max(merged.back().second, sp.second);
      } else {
        merged.push_back(sp);
      }
    }
    spans = std::move(merged);
  }
  // The first time >= t someone of these types had waited too long; kNever-like if none.
  auto first_waiting = [&](const std::set<std::string_view>& types, int64_t t) {
    int64_t best = std::numeric_limits<int64_t>::max();
    for (std::string_view type : types) {
      auto it = waiting.find(type);
      if (it == waiting.end()) {
        continue;
      }
      const auto& spans = it->second;
      auto s = std::lower_bound(spans.begin(), spans.end(), std::make_pair(t, int64_t{0}),
                                [](const auto& a, const auto& b) { return a.second <= b.first; });
      if (s != spans.end()) {
        best = std::min(best, std::max(t, s->first));
      }
    }
    return best;
  };
  std::vector<PresencePeriod> periods;
  for (auto& [agent, served] : by_agent) {
    const std::string name(agent);
    std::sort(served.begin(), served.end(), [](const LoggedCall* a, const LoggedCall* b) {
      return a->service_start_ms < b->service_start_ms;
    });
    std::set<std::string_view> types;
    for (const LoggedCall* c : served) {
      types.insert(c->type);
    }
    int64_t from = served.front()->service_start_ms;
    for (size_t i = 0; i < served.size(); ++i) {
      const int64_t end = std::max(served[i]->service_start_ms + served[i]->service_ms, from);
      const int64_t next = i + 1 < served.size() ? served[i + 1]->service_start_ms : day_end;
      const int64_t away = first_waiting(types, end);
      if (away < next) {
        periods.push_back({name, from, std::max(away, end + 1)});
        from = next;
      }
    }
    if (from < day_end) {
      periods.push_back({name, from, day_end});
    }
  }
  return periods;
}

Result<CallLogFit> FitCallLog(std::span<const LoggedCall> calls) {
  std::vector<double> handle[2];
  std::vector<SurvivalObservation> patience[2];
  for (const LoggedCall& c : calls) {
    if (!c.offered()) {
      continue;
    }
    const int k = c.priority ? 1 : 0;
    const double wait_s = static_cast<double>(c.wait_ms) / 1000;
    if (c.outcome == CallOutcome::kServed) {
      if (c.service_ms > 0) {
        handle[k].push_back(static_cast<double>(c.service_ms) / 1000);
      }
      patience[k].push_back({wait_s, false});
    } else {
      patience[k].push_back({wait_s, true});
    }
  }
  CallLogFit fit;
  {
    std::map<std::pair<int64_t, std::string_view>, std::vector<const LoggedCall*>> by_agent;
    for (const LoggedCall& c : calls) {
      if (c.outcome == CallOutcome::kServed && !c.server.empty()) {
        by_agent[{c.day_ms, c.server}].push_back(&c);
      }
    }
    std::vector<double> gaps;
    for (auto& [key, served] : by_agent) {
      std::sort(served.begin(), served.end(), [](const LoggedCall* a, const LoggedCall* b) {
        return a->service_start_ms < b->service_start_ms;
      });
      for (size_t i = 1; i < served.size(); ++i) {
        const int64_t end = served[i - 1]->service_start_ms + served[i - 1]->service_ms;
        const int64_t gap = served[i]->service_start_ms - end;
        // Only when the next caller was already queued as this call ended: then the agent
        // was not idle for want of calls.
        if (served[i]->offered_ms <= end && gap >= 0 && gap < 30 * 60'000) {
          gaps.push_back(static_cast<double>(gap) / 1000);
        }
      }
    }
    if (!gaps.empty()) {
      KEFU_ASSIGN_OR_RETURN(fit.after_call, Distribution::FromSamples(gaps));
    }
  }
  Distribution* handles[2] = {&fit.handle_regular, &fit.handle_priority};
  Distribution* patiences[2] = {&fit.patience_regular, &fit.patience_priority};
  for (int k = 0; k < 2; ++k) {
    if (handle[k].empty()) {
      return FailedPreconditionError("the call log has no served calls of a class");
    }
    KEFU_ASSIGN_OR_RETURN(*handles[k], Distribution::FromSamples(handle[k]));
    KEFU_ASSIGN_OR_RETURN(SurvivalCurve curve, KaplanMeier(patience[k]));
    KEFU_ASSIGN_OR_RETURN(*patiences[k], DistributionFromSurvival(curve));
  }
  return fit;
}

Result<ReplayReport> RunReplay(std::span<const LoggedCall> calls, const ReplayOptions& options,
                               const SimProgress& progress) {
  if (options.replications < 1) {
    return InvalidArgumentError("replications must be >= 1", "replications");
  }
  ReplayReport report;
  report.options = options;
  KEFU_ASSIGN_OR_RETURN(report.fit, FitCallLog(calls));
  KpiConfig config;
  config.threshold_s = options.threshold_s;
  config.exclude_short_abandons = false;
  config.variant = ServiceLevelVariant::kAnsweredWithinTOverOffered;
  config.interval_minutes = options.interval_minutes;

  std::map<int64_t, std::vector<LoggedCall>> by_day;
  int64_t total = 0;
  for (const LoggedCall& c : calls) {
    if (c.offered()) {
      by_day[c.day_ms].push_back(c);
      ++total;
    }
  }
  total *= options.replications;
  int64_t done = 0;
  Split month_actual;
  Split month_sim;
  for (const auto& [day, day_calls] : by_day) {
    Scenario s;
    s.name = "anonymous-bank " + FormatLocalTime(day).substr(0, 10);
    s.start_ms = day;
    s.duration_ms = kDayMs + kDayMs / 4;  // past midnight: a few calls end after it
    s.interval_minutes = options.interval_minutes;
    s.replications = options.replications;
    s.seed = options.seed + static_cast<uint64_t>(day / kDayMs) * 1000;
    s.kpi = config;
    // One queue per call type; agents get a skill per type they served that day.
    std::map<std::string, int> queue_of;
    for (const LoggedCall& c : day_calls) {
      queue_of.emplace(c.type, 0);
    }
    for (auto& [type, index] : queue_of) {
      index = static_cast<int>(s.queues.size());
      SimQueue q;
      q.name = type;
      q.config.channel = routing::Channel::kVoice;
      q.config.skills = {{static_cast<routing::SkillId>(index + 1), 1}};
      q.config.tier_priority = {0, options.priority_points, options.priority_points,
                                options.priority_points};
      q.config.aging_per_minute = options.aging_per_minute;
      q.config.default_handle_ms = 120'000;
      q.handle = report.fit.handle_regular;
      q.patience = report.fit.patience_regular;
      q.priority_handle = report.fit.handle_priority;
      q.priority_patience = report.fit.patience_priority;
      if (options.after_call_work) {
        q.wrap_up = report.fit.after_call;
      }
      s.queues.push_back(std::move(q));
    }
    DayComparison dc;
    dc.day_ms = day;
    if (options.staffing == StaffingInference::kSeenServing) {
      SimAgentGroup g;
      g.name = "agents";
      for (const auto& [type, index] : queue_of) {
        g.queues.emplace_back(index, 1);
        g.config.skills.push_back({static_cast<routing::SkillId>(index + 1), 1});
      }
      g.staffing = InferStaffing(calls, day, options.interval_minutes);
      for (int n : g.staffing) {
        dc.peak_agents = std::max(dc.peak_agents, n);
      }
      // Calls after the inferred day (past midnight) keep the last interval's staff.
      g.staffing.resize(
          static_cast<size_t>((s.duration_ms + options.interval_minutes * 60'000LL - 1) /
                              (options.interval_minutes * 60'000LL)),
          g.staffing.back());
      s.groups.push_back(std::move(g));
    } else {
      std::map<std::string, std::set<std::string>> types_of;
      for (const LoggedCall& c : day_calls) {
        if (c.outcome == CallOutcome::kServed && !c.server.empty()) {
          types_of[c.server].insert(c.type);
        }
      }
      std::vector<std::pair<int64_t, int>> events;
      for (const PresencePeriod& p : InferPresence(calls, day, options.grace_ms)) {
        if (s.groups.empty() || s.groups.back().name != p.agent) {
          SimAgentGroup g;
          g.name = p.agent;
          for (const std::string& type : types_of[p.agent]) {
            const int index = queue_of.at(type);
            g.queues.emplace_back(index, 1);
            g.config.skills.push_back({static_cast<routing::SkillId>(index + 1), 1});
          }
          s.groups.push_back(std::move(g));
        }
        SimShift shift;
        shift.start_ms = p.start_ms - s.start_ms;
        shift.end_ms = std::min(p.end_ms, s.start_ms + s.duration_ms) - s.start_ms;
        shift.agents = 1;
        if (shift.end_ms > shift.start_ms) {
          s.groups.back().shifts.push_back(shift);
          events.emplace_back(p.start_ms, 1);
          events.emplace_back(p.end_ms, -1);
        }
      }
      std::sort(events.begin(), events.end());
      int now = 0;
      for (const auto& [t, d] : events) {
        now += d;
        dc.peak_agents = std::max(dc.peak_agents, now);
      }
    }
    for (const LoggedCall& c : day_calls) {
      SimArrival a;
      a.time_ms = c.offered_ms;
      a.queue = queue_of.at(c.type);
      a.tier = c.priority ? routing::Tier::kGold : routing::Tier::kStandard;
      s.arrivals.push_back(a);
    }
    Split actual;
    {
      std::vector<ContactRecord> records;
      std::vector<bool> priority;
      ActualRecords(day_calls, records, priority);
      for (size_t i = 0; i < records.size(); ++i) {
        actual.Add(records[i], priority[i]);
        month_actual.Add(records[i], priority[i]);
      }
    }
    Split sim;
    for (int r = 0; r < options.replications; ++r) {
      SimProgress inner;
      if (progress) {
        inner = [&](int64_t d, int64_t) { progress(done + d, total); };
      }
      KEFU_ASSIGN_OR_RETURN(SimRun run, Simulate(s, s.seed + static_cast<uint64_t>(r), inner));
      done += run.contacts;
      report.simulated_contacts += run.contacts;
      for (size_t i = 0; i < run.records.size(); ++i) {
        const bool priority = run.tiers[i] != routing::Tier::kStandard;
        sim.Add(run.records[i], priority);
        month_sim.Add(run.records[i], priority);
      }
    }
    KEFU_RETURN_IF_ERROR(Fill(actual, sim, options.replications, config, dc));
    report.days.push_back(dc);
  }
  KEFU_RETURN_IF_ERROR(Fill(month_actual, month_sim, options.replications, config, report.month));
  for (const DayComparison& d : report.days) {
    report.month.peak_agents = std::max(report.month.peak_agents, d.peak_agents);
  }
  if (progress) {
    progress(total, total);
  }
  return report;
}

std::string FormatReplayReport(const ReplayReport& report) {
  std::string out;
  const ReplayOptions& o = report.options;
  out += fmt::format(
      "Anonymous Bank, February 1999: logged arrivals replayed through the routing engine\n"
      "staffing = {}; {} replications per day; "
      "priority head start {} points, aging {} per minute\n"
      "fitted: handle regular {}, priority {}\n"
      "        patience (Kaplan–Meier) regular {}, priority {}\n"
      "        after-call work {}\n"
      "ASA = mean wait of answered calls; abandon = abandoned / offered; SL{} = answered "
      "within {} s / offered\n\n",
      o.staffing == StaffingInference::kPresence
          ? fmt::format("agents at the phones (from each agent's first call; away once a caller "
                        "they serve waited {} s unanswered, back at their next call)",
                        o.grace_ms / 1000)
          : fmt::format("agents seen serving per {}-minute interval", o.interval_minutes),
      o.replications, o.priority_points, o.aging_per_minute, report.fit.handle_regular.Describe(),
      report.fit.handle_priority.Describe(), report.fit.patience_regular.Describe(),
      report.fit.patience_priority.Describe(),
      o.after_call_work ? report.fit.after_call.Describe() : std::string("none"), o.threshold_s,
      o.threshold_s);
  out += fmt::format(
      "{:<10} {:<8} {:>6} {:>5} | {:>7} {:>7} {:>7} | {:>7} {:>7} {:>7} | {:>6} {:>6}\n", "day",
      "class", "calls", "peak", "ASA act", "ASA sim", "err", "aband a", "aband s", "err", "SL act",
      "SL sim");
  auto row = [&](const std::string& day, const char* cls, int peak, const ClassComparison& c) {
    out += fmt::format(
        "{:<10} {:<8} {:>6} {:>5} | {:>7.1f} {:>7.1f} {:>+6.1f}% | {:>6.1f}% {:>6.1f}% {:>+6.1f}% "
        "| "
        "{:>5.1f}% {:>5.1f}%\n",
        day, cls, c.offered, peak, c.actual_asa_s, c.sim_asa_s,
        100 * Rel(c.sim_asa_s, c.actual_asa_s), 100 * c.actual_abandon, 100 * c.sim_abandon,
        100 * Rel(c.sim_abandon, c.actual_abandon), 100 * c.actual_sl, 100 * c.sim_sl);
  };
  for (const DayComparison& d : report.days) {
    const std::string day = FormatLocalTime(d.day_ms).substr(0, 10);
    row(day, "priority", d.peak_agents, d.priority);
    row(day, "regular", d.peak_agents, d.regular);
  }
  out += "\n";
  row("month", "priority", report.month.peak_agents, report.month.priority);
  row("month", "regular", report.month.peak_agents, report.month.regular);
  row("month", "all", report.month.peak_agents, report.month.all);
  const ClassComparison& m = report.month.all;
  out += fmt::format(
      "\nmonth, all calls: ASA error {:+.1f} %, abandon-rate error {:+.1f} % (goal: within ±15 %); "
      "SL{} {:.1f} % simulated vs {:.1f} % actual\n",
      100 * Rel(m.sim_asa_s, m.actual_asa_s), 100 * Rel(m.sim_abandon, m.actual_abandon),
      o.threshold_s, 100 * m.sim_sl, 100 * m.actual_sl);
  return out;
}

}  // namespace kefu::analytics
