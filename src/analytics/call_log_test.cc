#include "kefu/analytics/call_log.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "kefu/analytics/scenario.h"

namespace kefu::analytics {
namespace {

constexpr char kSample[] =
    "vru+line\tcall_id\tcustomer_id\tpriority\ttype\tdate\tvru_entry\tvru_exit\tvru_time\tq_start"
    "\tq_exit\tq_time\toutcome\tser_start\tser_exit\tser_time\tserver\r\n"
    "AA0101\t1\t0\t0\tPS\t990201\t7:02:47\t7:02:56\t9\t0:00:00\t0:00:00\t0\tAGENT\t7:02:55\t7:05:41"
    "\t166\tDORIT\r\n"
    "AA0101\t2\t23317894\t2\tPS\t990201\t8:09:16\t8:09:22\t6\t8:09:22\t8:09:27\t5\tHANG\t0:00:00"
    "\t0:00:00\t0\tNO_SERVER\r\n"
    "AA0101\t3\t5\t1\tNW\t990201\t8:10:00\t8:10:05\t5\t8:10:05\t8:10:45\t40\tAGENT\t8:10:45"
    "\t8:12:45\t120\tTOVA\r\n"
    "AA0101\t4\t5\t1\tNW\t990201\t8:11:00\t8:11:05\t5\t0:00:00\t0:00:00\t0\tHANG\t0:00:00"
    "\t0:00:00\t0\tNO_SERVER\r\n";

TEST(CallLogTest, ParsesRowsAndOutcomes) {
  auto calls = ParseAnonymousBankLog(kSample, "sample.tsv");
  ASSERT_TRUE(calls.ok()) << calls.status().ToString();
  ASSERT_EQ(calls->size(), 4u);
  const LoggedCall& first = (*calls)[0];
  EXPECT_EQ(first.call_id, 1);
  EXPECT_EQ(first.outcome, CallOutcome::kServed);
  EXPECT_FALSE(first.queued);
  EXPECT_EQ(first.server, "DORIT");
  EXPECT_EQ(first.service_ms, 166'000);
  EXPECT_EQ(FormatLocalTime(first.offered_ms), "1999-02-01 07:02");
  EXPECT_TRUE((*calls)[1].priority);
  EXPECT_EQ((*calls)[1].outcome, CallOutcome::kAbandoned);
  EXPECT_TRUE((*calls)[1].offered());
  EXPECT_EQ((*calls)[1].server, "");
  EXPECT_EQ((*calls)[3].outcome, CallOutcome::kLeftInVru);
  EXPECT_FALSE((*calls)[3].offered());

  std::vector<ContactRecord> records;
  std::vector<bool> priority;
  ActualRecords(*calls, records, priority);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(*records[2].answered_ms - records[2].offered_ms, 40'000);

  const std::vector<int> staffing = InferStaffing(*calls, first.day_ms, 60);
  ASSERT_EQ(staffing.size(), 24u);
  EXPECT_EQ(staffing[7], 1);
  EXPECT_EQ(staffing[8], 1);
  EXPECT_EQ(staffing[9], 0);
}

TEST(CallLogTest, ReportsTheBadRowAndColumn) {
  std::string text = kSample;
  text +=
      "AA0101\t9\t0\t7\tPS\t990201\t7:02:47\t7:02:56\t9\t0:00:00\t0:00:00\t0\tAGENT\t7:02:55"
      "\t7:05:41\t166\tDORIT\r\n";
  auto calls = ParseAnonymousBankLog(text, "x.tsv");
  ASSERT_FALSE(calls.ok());
  EXPECT_NE(calls.status().message().find("x.tsv:6: priority"), std::string::npos)
      << calls.status().ToString();
}

std::string DataFile(const char* name) {
  return std::string(KEFU_SHARED_DATA_DIR) + "/anonymous-bank/" + name;
}

// The real log: 33,344 rows; the fit and the month's replay against the actual KPIs.
TEST(CallLogTest, FebruaryReplayMatchesTheMonth) {
  const std::string path = DataFile("calls-1999-02.tsv");
  if (!std::filesystem::exists(path)) {
    GTEST_SKIP() << "evaluation data not found at " << path
                 << " (../shared/data next to the checkout; see its README)";
  }
  auto calls = ReadAnonymousBankLog(path);
  ASSERT_TRUE(calls.ok()) << calls.status().ToString();
  EXPECT_EQ(calls->size(), 33'344u);
  ReplayOptions options;
  options.replications = 3;
  auto report = RunReplay(*calls, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  std::printf("%s", FormatReplayReport(*report).c_str());
  EXPECT_EQ(report->days.size(), 28u);
  const ClassComparison& m = report->month.all;
  // The goal: ASA and abandon rate within 15 % of actual over the month.
  EXPECT_NEAR(m.sim_asa_s / m.actual_asa_s, 1.0, 0.15);
  EXPECT_NEAR(m.sim_abandon / m.actual_abandon, 1.0, 0.15);
}

}  // namespace
}  // namespace kefu::analytics
