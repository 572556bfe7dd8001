#include "kefu/analytics/scenario.h"

#include <gtest/gtest.h>

#include <cmath>

namespace kefu::analytics {
namespace {

constexpr char kToml[] = R"(
name = "t"
start = "2026-01-05T08:00"
hours = 2
interval_minutes = 30
replications = 3
[kpi]
threshold_s = 25
service_level = "answered_within_t_over_answered"
[[queues]]
name = "card"
handle = { type = "lognormal", mean_s = 200, sd_s = 100 }
patience = { type = "exponential", mean_s = 300 }
volume = [10, 20, 30, 40]
priority_share = 0.2
priority_strict = true
wrap_up_s = 12
[[agent_groups]]
name = "team"
queues = [{ queue = "card", priority = 1 }]
shifts = [{ start = "08:00", end = "09:30", agents = 3, breaks = [{ start = "08:30", minutes = 10 }] }]
)";

Status Error(std::string_view text, ScenarioFormat format = ScenarioFormat::kToml) {
  auto s = ParseScenario(text, format, "bad.toml");
  return s.ok() ? OkStatus() : s.status();
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(ScenarioTest, ParsesToml) {
  auto s = ParseScenario(kToml, ScenarioFormat::kToml, "t.toml");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->name, "t");
  EXPECT_EQ(FormatLocalTime(s->start_ms), "2026-01-05 08:00");
  EXPECT_EQ(s->duration_ms, 2 * 3'600'000);
  EXPECT_EQ(s->replications, 3);
  EXPECT_EQ(s->kpi.threshold_s, 25);
  EXPECT_EQ(s->kpi.variant, ServiceLevelVariant::kAnsweredWithinTOverAnswered);
  ASSERT_EQ(s->queues.size(), 1u);
  EXPECT_EQ(s->queues[0].volume, (std::vector<double>{10, 20, 30, 40}));
  EXPECT_NEAR(s->queues[0].handle.Mean(), 200, 1e-9);
  EXPECT_EQ(s->queues[0].config.tier_class[1], 1);
  EXPECT_EQ(s->queues[0].config.wrap_up_ms, 12'000);
  ASSERT_EQ(s->groups.size(), 1u);
  ASSERT_EQ(s->groups[0].shifts.size(), 1u);
  EXPECT_EQ(s->groups[0].shifts[0].start_ms, 0);
  EXPECT_EQ(s->groups[0].shifts[0].end_ms, 90 * 60'000);
  EXPECT_EQ(s->groups[0].shifts[0].breaks[0].offset_ms, 30 * 60'000);
  auto run = Simulate(*s, 1);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
}

TEST(ScenarioTest, ParsesJsonWithComments) {
  auto s = ParseScenario(R"({
    // comment
    "start": "2026-01-05", "hours": 1,
    "queues": [{"name": "q", "handle": {"type": "constant", "value_s": 60},
                "calls_per_hour": 30}],
    "agent_groups": [{"name": "g", "queues": ["q"], "agents": 2}],
  })",
                         ScenarioFormat::kJson, "t.json");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->queues[0].volume, (std::vector<double>{15, 15}));
  EXPECT_EQ(s->groups[0].staffing, (std::vector<int>{2, 2}));
}

TEST(ScenarioTest, ErrorsNameTheFileAndKey) {
  struct Case {
    std::string from, to, expect;
  };
  const Case cases[] = {
      {"mean_s = 300", "mean_s = -3", "bad.toml: queues[0].patience.mean_s:"},
      {"mean_s = 300", "mean_s = \"x\"", "queues[0].patience.mean_s: expected a number"},
      {"type = \"exponential\"", "type = \"weibull\"", "queues[0].patience.type: unknown"},
      {"volume = [10, 20, 30, 40]", "volume = [10, 20]", "queues[0].volume: has 2 values"},
      {"queue = \"card\"", "queue = \"loans\"", "agent_groups[0].queues[0].queue: no queue"},
      {"wrap_up_s = 12", "wrapup_s = 12", "queues[0].wrapup_s: unknown key"},
      {"start = \"2026-01-05T08:00\"", "start = \"2026-01-05T08:10\"", "start: must be aligned"},
      {"start = \"08:00\", end", "start = \"8h\", end", "shifts[0].start: expected a clock"},
      {"interval_minutes = 30", "interval_minutes = 20", "interval_minutes: must be 15"},
      {"hours = 2", "hours = [", "TOML syntax error"},
  };
  for (const Case& c : cases) {
    Status st = Error(Replace(kToml, c.from, c.to));
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << c.expect;
    EXPECT_NE(st.message().find(c.expect), std::string::npos)
        << "want \"" << c.expect << "\" in: " << st.message();
  }
  EXPECT_NE(Error("{", ScenarioFormat::kJson).message().find("bad.toml: JSON syntax error"),
            std::string::npos);
  EXPECT_EQ(LoadScenario("/nonexistent/x.toml").status().code(), StatusCode::kNotFound);
}

TEST(ScenarioTest, TheDocumentedExamplesLoadAndRun) {
  for (const char* name : {"retail_bank.toml", "mmn.json"}) {
    auto s = LoadScenario(std::string(KEFU_SOURCE_DIR) + "/examples/scenarios/" + name);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    s->replications = 1;
    auto run = Simulate(*s, 1);
    ASSERT_TRUE(run.ok()) << name << ": " << run.status().ToString();
    EXPECT_GT(run->records.size(), 100u) << name;
  }
}

TEST(ScenarioTest, LocalTimes) {
  EXPECT_EQ(*ParseLocalDateTime("1970-01-01T08:00"), 0);
  EXPECT_EQ(*ParseClockTime("25:30"), (25 * 60 + 30) * 60'000LL);
  EXPECT_FALSE(ParseClockTime("8:5").ok());
  EXPECT_FALSE(ParseLocalDateTime("2026-13-01").ok());
  EXPECT_EQ(FormatLocalTime(0), "1970-01-01 08:00");
}

}  // namespace
}  // namespace kefu::analytics
