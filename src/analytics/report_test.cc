#include "kefu/analytics/report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "kefu/analytics/scenario.h"
#include "kefu/core/testing/temp_dir.h"

namespace kefu::analytics {
namespace {

TEST(ReportTest, WritesCsvAndSelfContainedHtml) {
  auto s = ParseScenario(R"({"name": "r<&>", "start": "2026-01-05T08:00", "hours": 2,
    "replications": 2,
    "queues": [{"name": "q", "handle": {"type": "exponential", "mean_s": 120},
                "patience": {"type": "exponential", "mean_s": 60}, "calls_per_hour": 100}],
    "agent_groups": [{"name": "g", "queues": ["q"], "staffing": [3, 4, 4, 3]}]})",
                         ScenarioFormat::kJson, "r.json");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto summary = RunReplications(*s);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const std::string csv = IntervalsCsv(*summary);
  EXPECT_EQ(csv.rfind("interval_start,offered,answered,abandoned,staffed_agents,", 0), 0u);
  EXPECT_NE(csv.find("2026-01-05 08:00,"), std::string::npos);
  EXPECT_NE(csv.find("2026-01-05 09:30,"), std::string::npos);
  const std::string html = HtmlReport(*s, *summary);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("r&lt;&amp;&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);

  kefu::testing::TempDir dir;
  const std::string out = dir.path().string() + "/sim";
  ASSERT_TRUE(WriteSimulationReport(*s, *summary, out).ok());
  for (const char* name : {"intervals.csv", "summary.csv", "report.html"}) {
    EXPECT_TRUE(std::filesystem::exists(out + "/" + name)) << name;
  }
}

}  // namespace
}  // namespace kefu::analytics
