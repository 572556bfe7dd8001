#include "sim_cli.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>

#include "kefu/analytics/call_log.h"
#include "kefu/analytics/report.h"
#include "kefu/analytics/scenario.h"
#include "kefu/analytics/sim.h"
#include "kefu/analytics/staffing.h"
#include "progress.h"

namespace kefu::cli {
namespace {

using namespace kefu::analytics;  // NOLINT: a .cc file of the CLI

struct SimulateArgs {
  std::string scenario;
  std::string out;
  std::string replay;
  std::string staffing = "presence";
  int replications = 0;  // 0: the scenario's (replay: 5)
  int64_t seed = -1;     // -1: the scenario's
  bool quiet = false;
};

struct StaffArgs {
  std::string forecast;
  std::string shifts;
  double aht_s = 180;
  double patience_s = 300;
  double threshold_s = 20;
  double target = 0.8;
  double max_abandon = 1.0;
  double shrinkage = 0.3;
  int replications = 20;
  int64_t seed = 1;
  bool no_sim = false;
  bool quiet = false;
};

SimProgress Progress(ProgressBar& bar, bool quiet, const char* stage) {
  if (quiet) {
    return nullptr;
  }
  return [&bar, stage](int64_t done, int64_t total) { bar.Update(stage, done, total); };
}

std::string Ci(const Estimate& e, double scale, const char* unit, int digits = 1) {
  if (e.n == 0) {
    return "-";
  }
  return fmt::format("{:.{}f}{} ± {:.{}f}", e.mean * scale, digits, unit, e.half_width * scale,
                     digits);
}

Status RunSimulate(const SimulateArgs& args) {
  ProgressBar bar;
  if (!args.replay.empty()) {
    KEFU_ASSIGN_OR_RETURN(std::vector<LoggedCall> calls, ReadAnonymousBankLog(args.replay));
    ReplayOptions options;
    options.replications = args.replications > 0 ? args.replications : 5;
    if (args.seed >= 0) {
      options.seed = static_cast<uint64_t>(args.seed);
    }
    if (args.staffing == "seen") {
      options.staffing = StaffingInference::kSeenServing;
    } else if (args.staffing != "presence") {
      return InvalidArgumentError("--staffing must be presence or seen", "--staffing");
    }
    KEFU_ASSIGN_OR_RETURN(ReplayReport report,
                          RunReplay(calls, options, Progress(bar, args.quiet, "replay")));
    std::fputs(FormatReplayReport(report).c_str(), stdout);
    return OkStatus();
  }
  if (args.scenario.empty()) {
    return InvalidArgumentError("give --scenario FILE (or --replay calls.tsv)", "--scenario");
  }
  KEFU_ASSIGN_OR_RETURN(Scenario scenario, LoadScenario(args.scenario));
  if (args.replications > 0) {
    scenario.replications = args.replications;
  }
  if (args.seed >= 0) {
    scenario.seed = static_cast<uint64_t>(args.seed);
  }
  KEFU_ASSIGN_OR_RETURN(ReplicationSummary summary,
                        RunReplications(scenario, Progress(bar, args.quiet, "simulate")));
  std::printf("%s: %d replications, %lld contacts simulated\n", scenario.name.c_str(),
              summary.replications, static_cast<long long>(summary.contacts));
  std::printf("服务水平 service level (%s, T = %d s): %s\n",
              std::string(ServiceLevelVariantName(summary.kpi.variant)).c_str(),
              summary.kpi.threshold_s, Ci(summary.service_level, 100, " %").c_str());
  std::printf("接通率 answer rate: %s\n", Ci(summary.answer_rate, 100, " %").c_str());
  std::printf("放弃率 abandon rate: %s\n", Ci(summary.abandon_rate, 100, " %").c_str());
  std::printf("平均应答 ASA: %s\n", Ci(summary.asa_s, 1, " s").c_str());
  std::printf("平均处理时长 AHT: %s\n", Ci(summary.aht_s, 1, " s").c_str());
  std::printf("占用率 occupancy: %s\n", Ci(summary.occupancy, 100, " %").c_str());
  if (!args.out.empty()) {
    KEFU_RETURN_IF_ERROR(WriteSimulationReport(scenario, summary, args.out));
    std::printf("wrote %s/intervals.csv, %s/summary.csv, %s/report.html\n", args.out.c_str(),
                args.out.c_str(), args.out.c_str());
  }
  return OkStatus();
}

Status RunStaff(const StaffArgs& args) {
  StaffingInput in;
  KEFU_ASSIGN_OR_RETURN(in.forecast, ReadForecastCsv(args.forecast));
  in.aht_s = args.aht_s;
  in.patience_s = args.patience_s > 0 ? args.patience_s : std::numeric_limits<double>::infinity();
  in.threshold_s = args.threshold_s;
  in.target = args.target > 1 ? args.target / 100 : args.target;
  in.max_abandon = args.max_abandon > 1 ? args.max_abandon / 100 : args.max_abandon;
  in.shrinkage = args.shrinkage >= 1 ? args.shrinkage / 100 : args.shrinkage;
  in.simulate = !args.no_sim;
  in.replications = args.replications;
  in.seed = static_cast<uint64_t>(args.seed);
  ProgressBar bar;
  KEFU_ASSIGN_OR_RETURN(StaffingPlan plan, PlanStaffing(in, Progress(bar, args.quiet, "staff")));
  if (args.shifts.empty()) {
    std::fputs(FormatStaffingPlan(in, plan, nullptr, nullptr).c_str(), stdout);
    return OkStatus();
  }
  KEFU_ASSIGN_OR_RETURN(ShiftGrid grid, ReadShiftGrid(args.shifts));
  const std::vector<int> required = RequiredPerPeriod(grid, plan, in.forecast);
  KEFU_ASSIGN_OR_RETURN(ShiftCover cover, CoverShifts(grid, required));
  std::fputs(FormatStaffingPlan(in, plan, &grid, &cover).c_str(), stdout);
  return OkStatus();
}

}  // namespace

void AddSimulateCommands(CLI::App& cli, Commands& commands) {
  auto sim = std::make_shared<SimulateArgs>();
  auto* simulate = cli.add_subcommand(
      "simulate",
      "Simulate the contact center on the production routing engine (digital twin): a scenario "
      "(JSON or TOML, see examples/scenarios/) → per-interval KPIs (CSV) and an HTML report; or "
      "--replay a real call log against its actual KPIs");
  simulate->add_option("--scenario", sim->scenario, "Scenario file (.toml or .json)");
  simulate->add_option("--out", sim->out, "Folder for intervals.csv, summary.csv, report.html");
  simulate->add_option("--replay", sim->replay,
                       "Replay the Anonymous Bank call log (e.g. "
                       "../shared/data/anonymous-bank/calls-1999-02.tsv) and compare");
  simulate->add_option("--staffing", sim->staffing,
                       "Replay staffing inference: presence (default) or seen");
  simulate->add_option("--replications", sim->replications,
                       "Replications (default: the scenario's; replay 5 per day)");
  simulate->add_option("--seed", sim->seed, "First seed (default: the scenario's)");
  simulate->add_flag("--quiet", sim->quiet, "No progress bar");
  commands.push_back({simulate, [sim](App&) { return RunSimulate(*sim); }, false});

  auto st = std::make_shared<StaffArgs>();
  auto* staff = cli.add_subcommand(
      "staff",
      "Minimum agents per interval for a service-level target (Erlang A, checked and refined "
      "by simulation) and a shift cover");
  staff
      ->add_option("--forecast", st->forecast,
                   "CSV: interval,volume[,aht_s] (interval HH:MM, 15/30/60 minutes apart)")
      ->required();
  staff->add_option("--aht", st->aht_s, "Mean handle time, seconds (default 180)");
  staff->add_option("--target", st->target,
                    "Share answered within the threshold, of offered (default 0.8)");
  staff->add_option("--threshold", st->threshold_s, "Threshold T, seconds (default 20)");
  staff->add_option("--patience", st->patience_s,
                    "Mean patience, seconds (default 300; 0 = nobody abandons: Erlang C)");
  staff->add_option("--max-abandon", st->max_abandon,
                    "Also keep the abandon rate at or below this (e.g. 0.05)");
  staff->add_option("--shrinkage", st->shrinkage,
                    "Share of paid time off the phones (default 0.3)");
  staff->add_option("--shifts", st->shifts,
                    "Shift grid CSV (Hour,StartTime,Shift1,…) to cover, e.g. "
                    "../shared/data/anonymous-bank/shifts.csv");
  staff->add_option("--replications", st->replications,
                    "Simulation replications per round (default 20)");
  staff->add_option("--seed", st->seed, "First seed (default 1)");
  staff->add_flag("--no-sim", st->no_sim, "Erlang A only, no simulation check");
  staff->add_flag("--quiet", st->quiet, "No progress bar");
  commands.push_back({staff, [st](App&) { return RunStaff(*st); }, false});
}

}  // namespace kefu::cli
