#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kefu/analytics/kpi.h"
#include "kefu/analytics/sim.h"
#include "kefu/core/result.h"

// Staffing (issue #5, `kefu staff`): from a per-interval volume forecast to the minimum
// agents per interval — Erlang A first, then checked and refined by simulating the day on the
// routing engine — and an integer cover of those agents by a shift grid.

namespace kefu::analytics {

// One forecast interval: a label ("08:30") and the expected contacts in it.
struct ForecastInterval {
  std::string label;
  int64_t start_minute = 0;  // minutes since midnight
  double volume = 0;
  double aht_s = 0;  // 0: use the plan's AHT
};

struct Forecast {
  int interval_minutes = 30;
  std::vector<ForecastInterval> intervals;
};

// CSV with a header: interval,volume[,aht_s]; interval is "HH:MM" (rows in time order, one
// interval apart; the length is taken from the first two rows, 15, 30 or 60). Errors name
// "<source>:<line>".
Result<Forecast> ParseForecastCsv(std::string_view text, std::string_view source);
Result<Forecast> ReadForecastCsv(const std::string& path);

struct StaffingInput {
  Forecast forecast;
  double aht_s = 180;        // mean handle time (talk + wrap-up), seconds
  double patience_s = 300;   // mean patience, seconds; +infinity: Erlang C, nobody abandons
  double threshold_s = 20;   // T
  double target = 0.8;       // answered within T / offered >= target
  double max_abandon = 1.0;  // and abandoned / offered <= this (1: no limit)
  double shrinkage = 0.3;    // share of paid time not on the phones (breaks, training, absence)
  bool simulate = true;      // refine Erlang A by simulation
  int replications = 20;
  uint64_t seed = 1;
  int max_rounds = 8;  // simulation rounds, each adding agents where the target is missed
};

struct IntervalStaffing {
  std::string label;
  double volume = 0;
  double load_erlangs = 0;
  int erlang_agents = 0;  // Erlang A minimum
  double erlang_sl = 0;   // Erlang A service level with erlang_agents
  int agents = 0;         // after the simulation check
  double sim_sl = 0;      // simulated service level with `agents` (mean of replications)
  double sim_sl_hw = 0;   // its 95 % half-width
  double sim_abandon = 0;
  double sim_asa_s = 0;
  int scheduled = 0;  // agents / (1 - shrinkage), rounded up: people to roster
};

struct StaffingPlan {
  std::vector<IntervalStaffing> intervals;
  int rounds = 0;  // simulation rounds run
  int64_t simulated_contacts = 0;
};

// REQUIRES nothing; bad input is InvalidArgument naming the field.
Result<StaffingPlan> PlanStaffing(const StaffingInput& input,
                                  const SimProgress& progress = nullptr);

// A shift grid: which periods (rows, e.g. the 24 hours) each shift covers.
struct ShiftGrid {
  int period_minutes = 60;
  std::vector<std::string> period_labels;  // "Midnight", "1am", … as in the file
  std::vector<int64_t> period_start_minute;
  std::vector<std::string> shift_names;
  std::vector<std::vector<uint8_t>> covers;  // [period][shift] 1 when the shift works it
};

// The format of ../shared/data/anonymous-bank/shifts.csv: a header
// "Hour,StartTime,Shift1,…,ShiftK" and one row per hour: index, label, 0/1 per shift. Lines
// may end in \n, \r\n or \r.
Result<ShiftGrid> ParseShiftGrid(std::string_view text, std::string_view source);
Result<ShiftGrid> ReadShiftGrid(const std::string& path);

struct ShiftCover {
  std::vector<int> agents_per_shift;  // parallel to ShiftGrid::shift_names
  std::vector<int> required;          // per period
  std::vector<int> covered;           // per period
  int total = 0;
  int lower_bound = 0;  // no cover can use fewer agents
};

// Integer cover: the fewest agents per shift such that every period has at least
// `required[p]` agents. When every shift is a run of consecutive periods (shifts.csv), a
// sweep that meets each period's shortfall with the furthest-reaching shift, which is
// optimal; otherwise greedy (the shift covering the most short periods). Redundant agents are
// then removed. Reports a lower bound (max over periods, and Σ required / longest shift).
// FailedPrecondition when a period with a requirement has no shift.
Result<ShiftCover> CoverShifts(const ShiftGrid& grid, std::span<const int> required);

// The requirement per grid period: the most scheduled agents over the plan's intervals that
// start in the period.
std::vector<int> RequiredPerPeriod(const ShiftGrid& grid, const StaffingPlan& plan,
                                   const Forecast& forecast);

// The plan (and cover, when given) as a table with Chinese and English column labels.
std::string FormatStaffingPlan(const StaffingInput& input, const StaffingPlan& plan,
                               const ShiftGrid* grid, const ShiftCover* cover);

}  // namespace kefu::analytics
