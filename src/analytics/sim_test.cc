#include "kefu/analytics/sim.h"

#include <gtest/gtest.h>

#include <cmath>

#include "kefu/analytics/erlang.h"

namespace kefu::analytics {
namespace {

constexpr int64_t kDay = 1'767'571'200'000;  // 2026-01-05T00:00:00Z

// M/M/N: one queue, Poisson arrivals at a constant rate, exponential talk, N agents all day.
Scenario MmN(double calls_per_30min, double aht_s, int agents, double hours,
             Distribution patience = Distribution::Never()) {
  Scenario s;
  s.name = "mmn";
  s.start_ms = kDay;
  s.duration_ms = static_cast<int64_t>(hours * 3'600'000);
  s.interval_minutes = 30;
  s.warmup_ms = 3'600'000;
  s.kpi.threshold_s = 20;
  s.kpi.exclude_short_abandons = false;
  s.kpi.variant = ServiceLevelVariant::kAnsweredWithinTOverOffered;
  SimQueue q;
  q.name = "q";
  q.handle = Distribution::Exponential(aht_s).value();
  q.patience = patience;
  const int intervals = static_cast<int>(hours * 2);
  q.volume.assign(static_cast<size_t>(intervals), calls_per_30min);
  s.queues.push_back(q);
  SimAgentGroup g;
  g.name = "g";
  g.queues = {{0, 1}};
  g.staffing.assign(static_cast<size_t>(intervals), agents);
  s.groups.push_back(g);
  return s;
}

TEST(SimTest, DeterministicForASeed) {
  Scenario s = MmN(100, 180, 14, 4);
  auto a = Simulate(s, 7);
  auto b = Simulate(s, 7);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(a->records.size(), b->records.size());
  for (size_t i = 0; i < a->records.size(); ++i) {
    EXPECT_EQ(a->records[i].answered_ms, b->records[i].answered_ms);
  }
  auto c = Simulate(s, 8);
  ASSERT_TRUE(c.ok());
  bool same = a->records.size() == c->records.size();
  for (size_t i = 0; same && i < a->records.size(); ++i) {
    same = a->records[i].offered_ms == c->records[i].offered_ms;
  }
  EXPECT_FALSE(same) << "another seed, another day";
}

TEST(SimTest, EveryContactEndsAndNoAgentIsOverbooked) {
  Scenario s = MmN(100, 180, 12, 6, Distribution::Exponential(120).value());
  auto run = Simulate(s, 3);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_GT(run->records.size(), 500u);
  for (const ContactRecord& r : run->records) {
    EXPECT_TRUE(r.answered_ms.has_value() != r.abandoned_ms.has_value());
  }
  // One agent, one call at a time: the talk intervals of each agent never overlap.
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> by_agent;
  for (const ContactRecord& r : run->records) {
    if (r.answered_ms) {
      by_agent[r.agent].emplace_back(*r.answered_ms, *r.answered_ms + r.talk_ms);
    }
  }
  for (auto& [agent, spans] : by_agent) {
    std::sort(spans.begin(), spans.end());
    for (size_t i = 1; i < spans.size(); ++i) {
      EXPECT_LE(spans[i - 1].second, spans[i].first) << agent;
    }
  }
  EXPECT_LE(by_agent.size(), 12u);
}

// The validation: an M/M/N scenario agrees with Erlang C within ±1 percentage point
// of service level, at 95 % confidence.
TEST(SimTest, MmNAgreesWithErlangC) {
  Scenario s = MmN(100, 180, 14, 41);
  s.replications = 24;
  auto summary = RunReplications(s);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  auto theory =
      ErlangC({.arrival_rate_per_s = 100.0 / 1800, .aht_s = 180, .agents = 14, .threshold_s = 20});
  ASSERT_TRUE(theory.ok());
  const Estimate& sl = summary->service_level;
  EXPECT_LE(sl.half_width, 0.01);
  EXPECT_NEAR(sl.mean, theory->service_level, 0.01)
      << "simulated " << sl.mean << " ± " << sl.half_width;
  EXPECT_NEAR(summary->asa_s.mean, theory->asa_s, 1.5);
  EXPECT_NEAR(summary->occupancy.mean, theory->occupancy, 0.01);
}

// A larger center, where most calls are answered at once.
TEST(SimTest, LargerMmNAgreesWithErlangC) {
  Scenario s = MmN(1000, 240, 155, 21);
  s.replications = 10;
  auto summary = RunReplications(s);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  auto theory = ErlangC(
      {.arrival_rate_per_s = 1000.0 / 1800, .aht_s = 240, .agents = 155, .threshold_s = 20});
  ASSERT_TRUE(theory.ok());
  EXPECT_LE(summary->service_level.half_width, 0.01) << theory->service_level;
  EXPECT_NEAR(summary->service_level.mean, theory->service_level, 0.01)
      << "simulated " << summary->service_level.mean << " ± " << summary->service_level.half_width;
}

// With exponential patience the same scenario is M/M/N+M: Erlang A.
TEST(SimTest, ExponentialPatienceAgreesWithErlangA) {
  Scenario s = MmN(100, 180, 13, 41, Distribution::Exponential(300).value());
  s.replications = 24;
  auto summary = RunReplications(s);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  auto theory = ErlangA({.arrival_rate_per_s = 100.0 / 1800,
                         .aht_s = 180,
                         .mean_patience_s = 300,
                         .agents = 13,
                         .threshold_s = 20});
  ASSERT_TRUE(theory.ok());
  EXPECT_LE(summary->service_level.half_width, 0.01);
  EXPECT_NEAR(summary->service_level.mean, theory->service_level, 0.01);
  EXPECT_NEAR(summary->abandon_rate.mean, theory->p_abandon, 0.005);
  EXPECT_NEAR(summary->asa_s.mean, theory->asa_s, 1.5);
}

TEST(SimTest, ShiftsAndBreaksStaffTheRightAgents) {
  Scenario s = MmN(20, 180, 0, 8);
  s.warmup_ms = 0;
  s.groups[0].staffing.clear();
  SimShift shift;
  shift.start_ms = 0;
  shift.end_ms = 4 * 3'600'000;
  shift.agents = 4;
  shift.breaks = {{2 * 3'600'000, 30 * 60'000}};
  shift.break_stagger_ms = 15 * 60'000;
  s.groups[0].shifts = {shift};
  auto run = Simulate(s, 1);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  int64_t staffed = 0;
  for (const StaffedTime& t : run->staffed) {
    staffed += t.staffed_ms;
    EXPECT_LT(t.interval_start_ms, kDay + 4 * 3'600'000);
  }
  EXPECT_EQ(staffed, 4 * (4 * 3'600'000 - 30 * 60'000));
  // Nobody is answered after the shift's last call ends, and contacts arriving after the
  // shift wait forever (no patience): they end neither answered nor abandoned.
  int64_t unanswered_late = 0;
  for (const ContactRecord& r : run->records) {
    if (r.answered_ms) {
      EXPECT_LT(*r.answered_ms, kDay + 4 * 3'600'000);
    } else if (r.offered_ms > kDay + 4 * 3'600'000) {
      ++unanswered_late;
    }
  }
  EXPECT_GT(unanswered_late, 0);
}

TEST(SimTest, PriorityCustomersWaitLess) {
  Scenario s = MmN(100, 180, 12, 10, Distribution::Exponential(600).value());
  s.queues[0].priority_share = 0.3;
  s.queues[0].config.tier_class = {0, 1, 1, 1};
  auto run = Simulate(s, 11);
  ASSERT_TRUE(run.ok());
  double wait[2] = {0, 0};
  double n[2] = {0, 0};
  for (size_t i = 0; i < run->records.size(); ++i) {
    const ContactRecord& r = run->records[i];
    if (r.answered_ms) {
      const int k = run->tiers[i] == routing::Tier::kStandard ? 0 : 1;
      wait[k] += static_cast<double>(*r.answered_ms - r.offered_ms);
      n[k] += 1;
    }
  }
  ASSERT_GT(n[0], 0);
  ASSERT_GT(n[1], 0);
  EXPECT_LT(wait[1] / n[1], wait[0] / n[0] / 2);
}

TEST(SimTest, SkillsRouteToQualifiedAgents) {
  Scenario s = MmN(30, 180, 0, 4);
  s.warmup_ms = 0;
  s.queues[0].config.skills = {{7, 3}};
  SimQueue other = s.queues[0];
  other.name = "other";
  other.config.skills = {{8, 1}};
  s.queues.push_back(other);
  SimAgentGroup experts;
  experts.name = "experts";
  experts.config.skills = {{7, 4}};
  experts.queues = {{0, 1}, {1, 1}};
  experts.staffing.assign(8, 5);
  SimAgentGroup general;
  general.name = "general";
  general.config.skills = {{7, 1}, {8, 2}};
  general.queues = {{0, 1}, {1, 1}};
  general.staffing.assign(8, 5);
  s.groups = {experts, general};
  auto run = Simulate(s, 5);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  // Agents 1..5 are experts (skill 7 level 4), 6..10 general (skill 7 too low, 8 ok).
  for (const ContactRecord& r : run->records) {
    if (!r.answered_ms) {
      continue;
    }
    const int agent = std::stoi(r.agent.substr(1));
    if (r.queue == "q") {
      EXPECT_LE(agent, 5);
    } else {
      EXPECT_GT(agent, 5);
    }
  }
}

TEST(SimTest, ReplayedArrivalsAreUsedAsGiven) {
  Scenario s = MmN(0, 100, 2, 1);
  s.warmup_ms = 0;
  s.queues[0].handle = Distribution::Constant(60).value();
  for (int i = 0; i < 3; ++i) {
    s.arrivals.push_back({kDay + 1000, 0, routing::Tier::kStandard, -1, -1});
  }
  auto run = Simulate(s, 1);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  ASSERT_EQ(run->records.size(), 3u);
  EXPECT_EQ(*run->records[2].answered_ms - run->records[2].offered_ms, 60'000);
}

TEST(SimTest, ValidationNamesTheField) {
  Scenario s = MmN(10, 100, 2, 2);
  s.groups[0].queues = {{3, 1}};
  Status st = ValidateScenario(s);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("groups[0].queues[0]"), std::string::npos) << st.ToString();
  s = MmN(10, 100, 2, 2);
  s.start_ms += 60'000;
  EXPECT_FALSE(ValidateScenario(s).ok());
}

TEST(SimTest, EstimateMeanUsesStudentT) {
  const double v[] = {1, 2, 3, 4};
  Estimate e = EstimateMean(v);
  EXPECT_DOUBLE_EQ(e.mean, 2.5);
  EXPECT_NEAR(e.half_width, 3.182 * std::sqrt(5.0 / 3) / 2, 1e-9);
  EXPECT_EQ(EstimateMean(std::span<const double>{}).n, 0);
}

}  // namespace
}  // namespace kefu::analytics
