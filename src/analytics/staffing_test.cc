#include "kefu/analytics/staffing.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "kefu/analytics/erlang.h"

namespace kefu::analytics {
namespace {

TEST(ForecastTest, ParsesCsv) {
  auto f = ParseForecastCsv("interval,volume,aht_s\n08:00,100,\n08:30,120,200\n", "f.csv");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->interval_minutes, 30);
  ASSERT_EQ(f->intervals.size(), 2u);
  EXPECT_EQ(f->intervals[1].start_minute, 510);
  EXPECT_EQ(f->intervals[1].aht_s, 200);
  auto bad = ParseForecastCsv("interval,volume\n08:00,100\n08:30,abc\n", "f.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("f.csv:3: volume"), std::string::npos);
  EXPECT_FALSE(ParseForecastCsv("interval,volume\n08:00,1\n08:20,1\n", "f.csv").ok());
}

TEST(StaffingTest, ErlangAFirstThenSimulationMeetsTheTarget) {
  StaffingInput in;
  in.forecast = ParseForecastCsv("interval,volume\n09:00,100\n09:30,200\n10:00,150\n", "f").value();
  in.aht_s = 180;
  in.patience_s = 300;
  in.threshold_s = 20;
  in.target = 0.8;
  in.shrinkage = 0.25;
  in.replications = 10;
  auto plan = PlanStaffing(in);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->intervals.size(), 3u);
  // The reference interval: Erlang A with 100 calls / 30 min, AHT 180 s, patience 300 s.
  auto erlang = MinAgentsErlangA({.arrival_rate_per_s = 100.0 / 1800,
                                  .aht_s = 180,
                                  .mean_patience_s = 300,
                                  .agents = 1,
                                  .threshold_s = 20},
                                 0.8);
  EXPECT_EQ(plan->intervals[0].erlang_agents, *erlang);
  for (const IntervalStaffing& i : plan->intervals) {
    EXPECT_GE(i.agents, i.erlang_agents);
    EXPECT_GE(i.sim_sl, 0.8) << i.label;
    EXPECT_EQ(i.scheduled, static_cast<int>(std::ceil(i.agents / 0.75 - 1e-9)));
  }
  EXPECT_GT(plan->intervals[1].agents, plan->intervals[0].agents);
  const std::string table = FormatStaffingPlan(in, *plan, nullptr, nullptr);
  EXPECT_NE(table.find("时段"), std::string::npos);
  EXPECT_NE(table.find("interval"), std::string::npos);
}

TEST(StaffingTest, RejectsBadInput) {
  StaffingInput in;
  in.forecast = ParseForecastCsv("interval,volume\n09:00,100\n", "f").value();
  in.target = 1.5;
  EXPECT_EQ(PlanStaffing(in).status().code(), StatusCode::kInvalidArgument);
}

constexpr char kGrid[] =
    "Hour,StartTime,A,B,C\r1,Midnight,1,0,0\r2,1am,1,1,0\r3,2am,0,1,1\r4,3am,0,0,1\r";

TEST(ShiftCoverTest, CoversEveryPeriodWithFewAgents) {
  auto grid = ParseShiftGrid(kGrid, "g.csv");
  ASSERT_TRUE(grid.ok()) << grid.status().ToString();
  EXPECT_EQ(grid->covers.size(), 4u);
  EXPECT_EQ(grid->shift_names, (std::vector<std::string>{"A", "B", "C"}));
  const int required[] = {3, 5, 4, 2};
  auto cover = CoverShifts(*grid, required);
  ASSERT_TRUE(cover.ok()) << cover.status().ToString();
  for (size_t p = 0; p < 4; ++p) {
    EXPECT_GE(cover->covered[p], required[p]);
  }
  // Optimum: A 3, B 2, C 2 (or A 3, B 1, C 3): 7.
  EXPECT_EQ(cover->total, 7);
  EXPECT_LE(cover->lower_bound, cover->total);
  const int impossible[] = {1, 1, 1, 1, 1};
  EXPECT_FALSE(CoverShifts(*grid, impossible).ok());
}

TEST(ShiftCoverTest, RealShiftGrid) {
  const std::string path = std::string(KEFU_SHARED_DATA_DIR) + "/anonymous-bank/shifts.csv";
  if (!std::filesystem::exists(path)) {
    GTEST_SKIP() << "evaluation data not found at " << path
                 << " (../shared/data next to the checkout; see its README)";
  }
  auto grid = ReadShiftGrid(path);
  ASSERT_TRUE(grid.ok()) << grid.status().ToString();
  ASSERT_EQ(grid->covers.size(), 24u);
  ASSERT_EQ(grid->shift_names.size(), 8u);
  std::vector<int> required(24, 0);
  for (int h = 7; h < 23; ++h) {
    required[static_cast<size_t>(h)] = 4 + (h >= 10 && h < 17 ? 8 : 0);
  }
  auto cover = CoverShifts(*grid, required);
  ASSERT_TRUE(cover.ok()) << cover.status().ToString();
  for (size_t p = 0; p < 24; ++p) {
    EXPECT_GE(cover->covered[p], required[p]) << p;
  }
  EXPECT_GE(cover->total, cover->lower_bound);
}

}  // namespace
}  // namespace kefu::analytics
