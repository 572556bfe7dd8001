#include "kefu/analytics/staffing.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "kefu/analytics/erlang.h"
#include "kefu/analytics/scenario.h"

namespace kefu::analytics {
namespace {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t from = 0;
  while (from <= text.size()) {
    size_t end = text.find_first_of("\r\n", from);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    out.push_back(text.substr(from, end - from));
    if (end < text.size() && text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') {
      ++end;
    }
    from = end + 1;
  }
  return out;
}

std::vector<std::string> Fields(std::string_view line) {
  std::vector<std::string> out;
  size_t from = 0;
  for (;;) {
    const size_t comma = line.find(',', from);
    std::string_view f =
        line.substr(from, comma == std::string_view::npos ? std::string_view::npos : comma - from);
    while (!f.empty() && (f.front() == ' ' || f.front() == '"')) {
      f.remove_prefix(1);
    }
    while (!f.empty() && (f.back() == ' ' || f.back() == '"')) {
      f.remove_suffix(1);
    }
    out.emplace_back(f);
    if (comma == std::string_view::npos) {
      return out;
    }
    from = comma + 1;
  }
}

bool ToDouble(const std::string& s, double& out) {
  if (s.empty()) {
    return false;
  }
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(out);
}

Result<std::string> ReadAll(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return NotFoundError(fmt::format("cannot read {} {}", what, path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

constexpr int64_t kPlanDay = 1'767'542'400'000;  // 2026-01-05 00:00 UTC+8

}  // namespace

Result<Forecast> ParseForecastCsv(std::string_view text, std::string_view source) {
  Forecast f;
  const std::vector<std::string_view> lines = Lines(text);
  bool header = true;
  int aht_column = -1;
  for (size_t n = 0; n < lines.size(); ++n) {
    if (lines[n].empty() || lines[n].front() == '#') {
      continue;
    }
    const std::vector<std::string> fields = Fields(lines[n]);
    auto bad = [&](const std::string& what) {
      return InvalidArgumentError(fmt::format("{}:{}: {}", source, n + 1, what));
    };
    if (header) {
      header = false;
      if (fields.size() < 2 || fields[0] != "interval" || fields[1] != "volume") {
        return bad("expected the header \"interval,volume[,aht_s]\"");
      }
      if (fields.size() > 2 && fields[2] == "aht_s") {
        aht_column = 2;
      }
      continue;
    }
    if (fields.size() < 2) {
      return bad("expected interval,volume");
    }
    ForecastInterval fi;
    fi.label = fields[0];
    Result<int64_t> start = ParseClockTime(fields[0]);
    if (!start.ok() || *start >= 86'400'000) {
      return bad("interval: expected HH:MM, got \"" + fields[0] + "\"");
    }
    fi.start_minute = *start / 60'000;
    if (!ToDouble(fields[1], fi.volume) || fi.volume < 0) {
      return bad("volume: expected a number >= 0, got \"" + fields[1] + "\"");
    }
    if (aht_column >= 0 && static_cast<size_t>(aht_column) < fields.size() &&
        !fields[static_cast<size_t>(aht_column)].empty()) {
      if (!ToDouble(fields[static_cast<size_t>(aht_column)], fi.aht_s) || fi.aht_s <= 0) {
        return bad("aht_s: expected a number > 0");
      }
    }
    f.intervals.push_back(std::move(fi));
  }
  if (f.intervals.empty()) {
    return InvalidArgumentError(fmt::format("{}: no forecast rows", source));
  }
  if (f.intervals.size() > 1) {
    const int64_t step = f.intervals[1].start_minute - f.intervals[0].start_minute;
    if (step != 15 && step != 30 && step != 60) {
      return InvalidArgumentError(fmt::format(
          "{}: intervals must be 15, 30 or 60 minutes apart (rows 1 and 2 are {})", source, step));
    }
    f.interval_minutes = static_cast<int>(step);
    for (size_t i = 1; i < f.intervals.size(); ++i) {
      if (f.intervals[i].start_minute - f.intervals[i - 1].start_minute != step) {
        return InvalidArgumentError(
            fmt::format("{}: interval {} is not {} minutes after the one "
                        "before",
                        source, f.intervals[i].label, step));
      }
    }
  }
  if (f.intervals[0].start_minute % f.interval_minutes != 0) {
    return InvalidArgumentError(
        fmt::format("{}: intervals must start on the {}-minute grid", source, f.interval_minutes));
  }
  return f;
}

Result<Forecast> ReadForecastCsv(const std::string& path) {
  KEFU_ASSIGN_OR_RETURN(std::string text, ReadAll(path, "forecast"));
  return ParseForecastCsv(text, path);
}

Result<StaffingPlan> PlanStaffing(const StaffingInput& in, const SimProgress& progress) {
  if (!(in.aht_s > 0) || !std::isfinite(in.aht_s)) {
    return InvalidArgumentError("AHT must be > 0", "aht_s");
  }
  if (!(in.patience_s > 0)) {
    return InvalidArgumentError("patience must be > 0 (or infinite)", "patience_s");
  }
  if (!(in.target > 0 && in.target < 1)) {
    return InvalidArgumentError("target must be in (0, 1)", "target");
  }
  if (!(in.threshold_s >= 0 && in.threshold_s <= 3600)) {
    return InvalidArgumentError("threshold must be in [0, 3600] s", "threshold_s");
  }
  if (!(in.shrinkage >= 0 && in.shrinkage < 0.9)) {
    return InvalidArgumentError("shrinkage must be in [0, 0.9)", "shrinkage");
  }
  if (!(in.max_abandon > 0 && in.max_abandon <= 1)) {
    return InvalidArgumentError("max abandon must be in (0, 1]", "max_abandon");
  }
  if (in.forecast.intervals.empty()) {
    return InvalidArgumentError("the forecast is empty", "forecast");
  }
  StaffingPlan plan;
  const double interval_s = in.forecast.interval_minutes * 60.0;
  for (const ForecastInterval& f : in.forecast.intervals) {
    IntervalStaffing s;
    s.label = f.label;
    s.volume = f.volume;
    const double aht = f.aht_s > 0 ? f.aht_s : in.aht_s;
    const double rate = f.volume / interval_s;
    s.load_erlangs = rate * aht;
    if (f.volume > 0) {
      ErlangAInput a{.arrival_rate_per_s = rate,
                     .aht_s = aht,
                     .mean_patience_s = in.patience_s,
                     .agents = 1,
                     .threshold_s = in.threshold_s};
      KEFU_ASSIGN_OR_RETURN(int n, MinAgentsErlangA(a, in.target));
      // The abandon cap, if any, may need more.
      for (;;) {
        a.agents = n;
        KEFU_ASSIGN_OR_RETURN(ErlangAResult r, ErlangA(a));
        if (r.p_abandon <= in.max_abandon || n >= kMaxAgents) {
          s.erlang_sl = r.service_level;
          break;
        }
        ++n;
      }
      s.erlang_agents = n;
    }
    s.agents = s.erlang_agents;
    plan.intervals.push_back(std::move(s));
  }
  if (in.simulate) {
    // One day on the routing engine: Poisson arrivals per interval, exponential talk and
    // patience (the Erlang A world, but with backlog carried between intervals). A warm-up
    // interval like the first one comes before, so the day does not start empty.
    const int64_t ims = in.forecast.interval_minutes * 60'000LL;
    Scenario s;
    s.name = "staffing";
    s.interval_minutes = in.forecast.interval_minutes;
    s.start_ms = kPlanDay + in.forecast.intervals.front().start_minute * 60'000 - ims;
    s.duration_ms = ims * static_cast<int64_t>(in.forecast.intervals.size() + 1);
    s.warmup_ms = ims;
    s.replications = in.replications;
    s.seed = in.seed;
    s.kpi.threshold_s = static_cast<int>(std::lround(in.threshold_s));
    s.kpi.exclude_short_abandons = false;
    s.kpi.variant = ServiceLevelVariant::kAnsweredWithinTOverOffered;
    SimQueue q;
    q.name = "forecast";
    KEFU_ASSIGN_OR_RETURN(q.handle, Distribution::Exponential(in.aht_s));
    if (std::isfinite(in.patience_s)) {
      KEFU_ASSIGN_OR_RETURN(q.patience, Distribution::Exponential(in.patience_s));
    }
    q.config.default_handle_ms = std::llround(in.aht_s * 1000);
    q.volume.push_back(in.forecast.intervals.front().volume);
    for (const ForecastInterval& f : in.forecast.intervals) {
      q.volume.push_back(f.volume);
    }
    s.queues.push_back(std::move(q));
    SimAgentGroup g;
    g.name = "agents";
    g.queues = {{0, 1}};
    s.groups.push_back(g);
    for (int round = 0; round < in.max_rounds; ++round) {
      std::vector<int>& staffing = s.groups[0].staffing;
      staffing.clear();
      staffing.push_back(plan.intervals.front().agents);
      for (const IntervalStaffing& i : plan.intervals) {
        staffing.push_back(i.agents);
      }
      KEFU_ASSIGN_OR_RETURN(ReplicationSummary summary, RunReplications(s, progress));
      plan.rounds = round + 1;
      plan.simulated_contacts += summary.contacts;
      bool changed = false;
      for (const IntervalSummary& r : summary.intervals) {
        const int64_t i = (r.interval_start_ms - s.start_ms) / ims - 1;
        if (i < 0 || i >= static_cast<int64_t>(plan.intervals.size())) {
          continue;
        }
        IntervalStaffing& p = plan.intervals[static_cast<size_t>(i)];
        p.sim_sl = r.service_level.mean;
        p.sim_sl_hw = r.service_level.half_width;
        p.sim_abandon = r.abandon_rate.mean;
        p.sim_asa_s = r.asa_s.mean;
        if (r.service_level.n > 0 &&
            (r.service_level.mean < in.target || r.abandon_rate.mean > in.max_abandon)) {
          ++p.agents;
          changed = true;
        }
      }
      if (!changed) {
        break;
      }
    }
  }
  for (IntervalStaffing& p : plan.intervals) {
    p.scheduled = static_cast<int>(std::ceil(p.agents / (1.0 - in.shrinkage) - 1e-9));
  }
  return plan;
}

Result<ShiftGrid> ParseShiftGrid(std::string_view text, std::string_view source) {
  ShiftGrid grid;
  bool header = true;
  int line_no = 0;
  for (std::string_view line : Lines(text)) {
    ++line_no;
    if (line.empty()) {
      continue;
    }
    const std::vector<std::string> f = Fields(line);
    if (header) {
      header = false;
      if (f.size() < 3 || f[0] != "Hour") {
        return InvalidArgumentError(
            fmt::format("{}:{}: expected the header Hour,StartTime,Shift1,…", source, line_no));
      }
      grid.shift_names.assign(f.begin() + 2, f.end());
      continue;
    }
    if (f.size() != grid.shift_names.size() + 2) {
      return InvalidArgumentError(fmt::format("{}:{}: expected {} columns, got {}", source, line_no,
                                              grid.shift_names.size() + 2, f.size()));
    }
    grid.period_labels.push_back(f[1]);
    grid.period_start_minute.push_back(static_cast<int64_t>(grid.covers.size()) * 60);
    std::vector<uint8_t> row;
    for (size_t k = 2; k < f.size(); ++k) {
      if (f[k] != "0" && f[k] != "1") {
        return InvalidArgumentError(fmt::format("{}:{}: {}: expected 0 or 1, got \"{}\"", source,
                                                line_no, grid.shift_names[k - 2], f[k]));
      }
      row.push_back(f[k] == "1" ? 1 : 0);
    }
    grid.covers.push_back(std::move(row));
  }
  if (grid.covers.empty()) {
    return InvalidArgumentError(fmt::format("{}: no rows", source));
  }
  grid.period_minutes = static_cast<int>(24 * 60 / static_cast<int64_t>(grid.covers.size()));
  for (size_t p = 0; p < grid.covers.size(); ++p) {
    grid.period_start_minute[p] = static_cast<int64_t>(p) * grid.period_minutes;
  }
  return grid;
}

Result<ShiftGrid> ReadShiftGrid(const std::string& path) {
  KEFU_ASSIGN_OR_RETURN(std::string text, ReadAll(path, "shift grid"));
  return ParseShiftGrid(text, path);
}

Result<ShiftCover> CoverShifts(const ShiftGrid& grid, std::span<const int> required) {
  const size_t periods = grid.covers.size();
  const size_t shifts = grid.shift_names.size();
  if (required.size() != periods) {
    return InvalidArgumentError("one requirement per grid period is needed", "required");
  }
  ShiftCover c;
  c.required.assign(required.begin(), required.end());
  c.agents_per_shift.assign(shifts, 0);
  c.covered.assign(periods, 0);
  int longest = 1;
  for (size_t k = 0; k < shifts; ++k) {
    int len = 0;
    for (size_t p = 0; p < periods; ++p) {
      len += grid.covers[p][k];
    }
    longest = std::max(longest, len);
  }
  int64_t sum = 0;
  for (size_t p = 0; p < periods; ++p) {
    if (required[p] < 0) {
      return InvalidArgumentError("requirements must be >= 0", "required");
    }
    bool any = false;
    for (size_t k = 0; k < shifts; ++k) {
      any = any || grid.covers[p][k] != 0;
    }
    if (required[p] > 0 && !any) {
      return FailedPreconditionError("no shift works period " + grid.period_labels[p]);
    }
    sum += required[p];
    c.lower_bound = std::max(c.lower_bound, required[p]);
  }
  c.lower_bound = std::max<int>(c.lower_bound, static_cast<int>((sum + longest - 1) / longest));

  // When every shift is one run of consecutive periods (as in shifts.csv), sweeping the
  // periods in order and meeting each shortfall with the shift that covers the period and
  // reaches furthest is optimal: the periods before are already met, so any cover needs that
  // many shifts over this period, and the furthest-reaching ones cover the most of the rest.
  std::vector<int> first(shifts, -1);
  std::vector<int> last(shifts, -1);
  bool runs = true;
  for (size_t k = 0; k < shifts; ++k) {
    for (size_t p = 0; p < periods; ++p) {
      if (grid.covers[p][k] != 0) {
        if (first[k] < 0) {
          first[k] = static_cast<int>(p);
        } else if (last[k] != static_cast<int>(p) - 1) {
          runs = false;
        }
        last[k] = static_cast<int>(p);
      }
    }
  }
  auto add = [&](size_t k, int n) {
    c.agents_per_shift[k] += n;
    for (size_t p = 0; p < periods; ++p) {
      c.covered[p] += grid.covers[p][k] * n;
    }
  };
  if (runs) {
    for (size_t p = 0; p < periods; ++p) {
      if (c.covered[p] >= required[p]) {
        continue;
      }
      size_t best = shifts;
      for (size_t k = 0; k < shifts; ++k) {
        if (grid.covers[p][k] != 0 && (best == shifts || last[k] > last[best])) {
          best = k;
        }
      }
      add(best, required[p] - c.covered[p]);
    }
  }
  // Otherwise greedy: add the shift that covers the most periods still short, ties to the
  // shift that covers fewest periods already full (less waste).
  for (;;) {
    int best = -1;
    int best_gain = 0;
    int best_waste = 0;
    for (size_t k = 0; k < shifts; ++k) {
      int gain = 0;
      int waste = 0;
      for (size_t p = 0; p < periods; ++p) {
        if (grid.covers[p][k] == 0) {
          continue;
        }
        if (c.covered[p] < required[p]) {
          ++gain;
        } else {
          ++waste;
        }
      }
      if (gain > best_gain || (gain == best_gain && gain > 0 && waste < best_waste)) {
        best = static_cast<int>(k);
        best_gain = gain;
        best_waste = waste;
      }
    }
    if (best < 0) {
      break;
    }
    // Add as many as the shift's smallest positive shortfall, at once.
    int step = std::numeric_limits<int>::max();
    for (size_t p = 0; p < periods; ++p) {
      if (grid.covers[p][static_cast<size_t>(best)] != 0 && c.covered[p] < required[p]) {
        step = std::min(step, required[p] - c.covered[p]);
      }
    }
    add(static_cast<size_t>(best), step);
  }
  // Improvement: drop agents whose every period is over-covered, longest shifts first.
  bool dropped = true;
  while (dropped) {
    dropped = false;
    for (size_t k = 0; k < shifts; ++k) {
      while (c.agents_per_shift[k] > 0) {
        bool redundant = true;
        for (size_t p = 0; p < periods && redundant; ++p) {
          redundant = grid.covers[p][k] == 0 || c.covered[p] > required[p];
        }
        if (!redundant) {
          break;
        }
        --c.agents_per_shift[k];
        for (size_t p = 0; p < periods; ++p) {
          c.covered[p] -= grid.covers[p][k];
        }
        dropped = true;
      }
    }
  }
  for (int n : c.agents_per_shift) {
    c.total += n;
  }
  return c;
}

std::vector<int> RequiredPerPeriod(const ShiftGrid& grid, const StaffingPlan& plan,
                                   const Forecast& forecast) {
  std::vector<int> required(grid.covers.size(), 0);
  for (size_t i = 0; i < plan.intervals.size() && i < forecast.intervals.size(); ++i) {
    const int64_t m = forecast.intervals[i].start_minute;
    const size_t p = static_cast<size_t>(m / grid.period_minutes);
    if (p < required.size()) {
      required[p] = std::max(required[p], plan.intervals[i].scheduled);
    }
  }
  return required;
}

std::string FormatStaffingPlan(const StaffingInput& in, const StaffingPlan& plan,
                               const ShiftGrid* grid, const ShiftCover* cover) {
  std::string out = fmt::format(
      "目标 target: answered within {:.0f} s / offered >= {:.0f} %{}; AHT {:.0f} s; patience {}; "
      "shrinkage {:.0f} %\n",
      in.threshold_s, in.target * 100,
      in.max_abandon < 1 ? fmt::format(", abandon <= {:.1f} %", in.max_abandon * 100) : "",
      in.aht_s,
      std::isfinite(in.patience_s) ? fmt::format("{:.0f} s (Erlang A)", in.patience_s)
                                   : std::string("infinite (Erlang C)"),
      in.shrinkage * 100);
  if (in.simulate) {
    out += fmt::format("仿真 simulation: {} round(s) x {} replications, {} contacts\n", plan.rounds,
                       in.replications, plan.simulated_contacts);
  }
  out += "\n";
  // Chinese labels are two columns wide on a terminal; pad by hand.
  // fmt pads Chinese characters as two columns wide, so both header rows share widths.
  out +=
      fmt::format("{:<12}{:>12}{:>12}{:>13}{:>12}{:>12}{:>12}{:>12}{:>12}\n", "时段", "预测量",
                  "负荷", "ErlangA座席", "仿真座席", "服务水平", "放弃率", "平均应答", "排班人数");
  out +=
      fmt::format("{:<12}{:>12}{:>12}{:>13}{:>12}{:>12}{:>12}{:>12}{:>12}\n", "interval", "volume",
                  "load (erl)", "Erlang A", "agents", "SL (sim)", "abandon", "ASA s", "scheduled");
  int64_t agent_intervals = 0;
  for (const IntervalStaffing& i : plan.intervals) {
    out += fmt::format("{:<12}{:>12.0f}{:>12.1f}{:>13}{:>12}{:>11.1f}%{:>11.1f}%{:>12.1f}{:>12}\n",
                       i.label, i.volume, i.load_erlangs, i.erlang_agents, i.agents,
                       100 * (in.simulate ? i.sim_sl : i.erlang_sl), 100 * i.sim_abandon,
                       i.sim_asa_s, i.scheduled);
    agent_intervals += i.agents;
  }
  out += fmt::format("\n座席时长 agent-hours on the phones: {:.1f}\n",
                     agent_intervals * in.forecast.interval_minutes / 60.0);
  if (grid != nullptr && cover != nullptr) {
    out += "\n班次覆盖 shift cover (" + std::to_string(cover->total) + " agents; lower bound " +
           std::to_string(cover->lower_bound) + ")\n";
    out += fmt::format("{:<10}{:>10}  {}\n", "班次", "人数", "时段");
    out += fmt::format("{:<10}{:>10}  {}\n", "shift", "agents", "periods");
    for (size_t k = 0; k < grid->shift_names.size(); ++k) {
      std::string hours;
      for (size_t p = 0; p < grid->covers.size(); ++p) {
        if (grid->covers[p][k] != 0) {
          hours += hours.empty() ? grid->period_labels[p] : "";
        }
      }
      std::string last;
      for (size_t p = grid->covers.size(); p-- > 0;) {
        if (grid->covers[p][k] != 0) {
          last = grid->period_labels[p];
          break;
        }
      }
      out += fmt::format("{:<10}{:>10}  {} – {}\n", grid->shift_names[k],
                         cover->agents_per_shift[k], hours, last);
    }
    out += "\n";
    out += fmt::format("{:<10}{:>10}{:>10}\n", "时段", "需要", "在班");
    out += fmt::format("{:<10}{:>10}{:>10}\n", "period", "required", "on shift");
    for (size_t p = 0; p < grid->covers.size(); ++p) {
      out += fmt::format("{:<10}{:>10}{:>10}\n", grid->period_labels[p], cover->required[p],
                         cover->covered[p]);
    }
  }
  return out;
}

}  // namespace kefu::analytics
