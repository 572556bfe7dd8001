#include "kefu/analytics/erlang.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace kefu::analytics {
namespace {

// The reference case: 100 calls per 30 minutes, AHT 180 s, so 10 erlangs.
constexpr double kRate = 100.0 / 1800.0;
constexpr double kAht = 180;

ErlangCInput ReferenceC(int agents) {
  return {.arrival_rate_per_s = kRate, .aht_s = kAht, .agents = agents, .threshold_s = 20};
}

ErlangAInput ReferenceA(int agents, double patience_s = 300) {
  return {.arrival_rate_per_s = kRate,
          .aht_s = kAht,
          .mean_patience_s = patience_s,
          .agents = agents,
          .threshold_s = 20};
}

bool AllFinite(const ErlangAResult& r) {
  for (double v :
       {r.load_erlangs, r.p_wait, r.p_abandon, r.service_level, r.service_level_of_answered,
        r.service_level_with_abandons, r.asa_s, r.mean_wait_s, r.occupancy}) {
    if (!std::isfinite(v)) {
      return false;
    }
  }
  return true;
}

TEST(ErlangBTest, SmallCasesByHand) {
  // B(1, A) = A / (1 + A); B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2.
  EXPECT_NEAR(ErlangB(1.0, 1).value(), 0.5, 1e-15);
  EXPECT_NEAR(ErlangB(1.0, 2).value(), 0.2, 1e-15);
  EXPECT_NEAR(ErlangB(0.0, 3).value(), 0.0, 1e-15);
  EXPECT_EQ(ErlangB(-1.0, 3).status().field(), "load_erlangs");
  EXPECT_EQ(ErlangB(1.0, 0).status().field(), "agents");
}

TEST(ErlangCTest, ReferenceCase) {
  const Result<ErlangCResult> r = ErlangC(ReferenceC(14));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NEAR(r->load_erlangs, 10.0, 1e-12);
  EXPECT_NEAR(r->p_wait, 0.1741, 1e-3);
  EXPECT_NEAR(r->service_level, 0.8884, 1e-3);
  EXPECT_NEAR(r->asa_s, 7.84, 0.01);
  EXPECT_NEAR(r->occupancy, 0.714, 1e-3);
}

TEST(ErlangCTest, ZeroThresholdAndZeroLoad) {
  ErlangCInput in = ReferenceC(14);
  in.threshold_s = 0;
  const ErlangCResult r = ErlangC(in).value();
  EXPECT_NEAR(r.service_level, 1 - r.p_wait, 1e-15);
  in.arrival_rate_per_s = 0;
  const ErlangCResult idle = ErlangC(in).value();
  EXPECT_EQ(idle.p_wait, 0);
  EXPECT_EQ(idle.service_level, 1);
  EXPECT_EQ(idle.asa_s, 0);
}

TEST(ErlangCTest, InvalidInputsNameTheField) {
  ErlangCInput in = ReferenceC(14);
  in.arrival_rate_per_s = -1;
  EXPECT_EQ(ErlangC(in).status().field(), "arrival_rate_per_s");
  in = ReferenceC(14);
  in.aht_s = 0;
  EXPECT_EQ(ErlangC(in).status().field(), "aht_s");
  in = ReferenceC(14);
  in.threshold_s = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(ErlangC(in).status().field(), "threshold_s");
  for (int agents : {0, -3, 10, 9, kMaxAgents + 1}) {  // N <= 0, N <= load = 10, too many
    const Result<ErlangCResult> r = ErlangC(ReferenceC(agents));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().field(), "agents");
  }
}

TEST(ErlangCTest, TenThousandAgentsIsFiniteAndSane) {
  // 9,900 erlangs: λ = 55 per second with AHT 180 s.
  const ErlangCInput in{
      .arrival_rate_per_s = 9900.0 / 180.0, .aht_s = 180, .agents = 10'000, .threshold_s = 20};
  const Result<ErlangCResult> r = ErlangC(in);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(std::isfinite(r->p_wait));
  EXPECT_GT(r->p_wait, 0.0);
  EXPECT_LT(r->p_wait, 1.0);
  EXPECT_GT(r->service_level, 0.0);
  EXPECT_LT(r->service_level, 1.0);
  EXPECT_GT(r->asa_s, 0.0);
  EXPECT_NEAR(r->occupancy, 0.99, 1e-12);
  // Halfin–Whitt: β = 100/sqrt(9900) ≈ 1.005 gives P(wait) ≈ 0.24; the exact value is close.
  const double hw = 1 / (1 + 1.005 * 0.8426 / 0.2405);
  EXPECT_NEAR(r->p_wait, hw, 0.02);
}

TEST(ErlangATest, ReferenceCase) {
  const Result<ErlangAResult> r = ErlangA(ReferenceA(13));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NEAR(r->p_wait, 0.2258, 0.002);
  EXPECT_NEAR(r->p_abandon, 0.0250, 0.002);
  EXPECT_NEAR(r->service_level, 0.858, 0.002);
  // Independent check: a separate script summing the same chain to 2,000 queue states.
  EXPECT_NEAR(r->p_wait, 0.2257970840, 1e-8);
  EXPECT_NEAR(r->p_abandon, 0.0249633036, 1e-8);
  EXPECT_NEAR(r->service_level, 0.8581777000, 1e-8);
  EXPECT_NEAR(r->service_level_with_abandons, 0.8698063047, 1e-8);
  // Answered within T / answered divides by P(answered).
  EXPECT_NEAR(r->service_level_of_answered, r->service_level / (1 - r->p_abandon), 1e-12);
  EXPECT_GT(r->service_level_with_abandons, r->service_level);
  // Little's law: mean wait over all = E[queue] / λ = P(abandon) · patience.
  EXPECT_NEAR(r->mean_wait_s, r->p_abandon * 300, 1e-9);
  EXPECT_NEAR(r->occupancy, 10 * (1 - r->p_abandon) / 13, 1e-9);
  EXPECT_GT(r->asa_s, 0.0);
  EXPECT_TRUE(AllFinite(*r));
}

TEST(ErlangATest, LongPatienceConvergesToErlangC) {
  const ErlangCResult c = ErlangC(ReferenceC(14)).value();
  for (double patience : {1e7, std::numeric_limits<double>::infinity()}) {
    const Result<ErlangAResult> a = ErlangA(ReferenceA(14, patience));
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    EXPECT_NEAR(a->p_wait, c.p_wait, 1e-4);
    EXPECT_NEAR(a->service_level, c.service_level, 1e-4);
    EXPECT_NEAR(a->asa_s, c.asa_s, 1e-2);
    EXPECT_NEAR(a->occupancy, c.occupancy, 1e-4);
    EXPECT_NEAR(a->p_abandon, 0.0, 1e-4);
  }
}

TEST(ErlangATest, OverloadedQueueIsStable) {
  // 10 erlangs on 8 agents: Erlang C has no answer, Erlang A does.
  const Result<ErlangAResult> r = ErlangA(ReferenceA(8));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(AllFinite(*r));
  EXPECT_GT(r->p_abandon, 0.1);
  EXPECT_LT(r->occupancy, 1.0);
  // Throughput can not exceed N agents: λ(1 - P(ab))·AHT <= N.
  EXPECT_LE(10 * (1 - r->p_abandon), 8.0 + 1e-9);
}

TEST(ErlangATest, TenThousandAgentsIsFiniteAndSane) {
  const ErlangAInput in{.arrival_rate_per_s = 9900.0 / 180.0,
                        .aht_s = 180,
                        .mean_patience_s = 300,
                        .agents = 10'000,
                        .threshold_s = 20};
  const Result<ErlangAResult> r = ErlangA(in);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(AllFinite(*r));
  EXPECT_GT(r->p_wait, 0.0);
  EXPECT_LT(r->p_wait, 1.0);
  EXPECT_GT(r->service_level, 0.5);
  EXPECT_LT(r->p_abandon, 0.01);
  const ErlangCResult c = ErlangC({.arrival_rate_per_s = in.arrival_rate_per_s,
                                   .aht_s = 180,
                                   .agents = 10'000,
                                   .threshold_s = 20})
                              .value();
  // Abandonment only shortens the queue.
  EXPECT_LE(r->p_wait, c.p_wait + 1e-12);
}

TEST(ErlangATest, ZeroThresholdAndZeroRate) {
  ErlangAInput in = ReferenceA(13);
  in.threshold_s = 0;
  const ErlangAResult r = ErlangA(in).value();
  EXPECT_NEAR(r.service_level, 1 - r.p_wait, 1e-15);
  in.arrival_rate_per_s = 0;
  const ErlangAResult idle = ErlangA(in).value();
  EXPECT_EQ(idle.p_wait, 0);
  EXPECT_EQ(idle.service_level, 1);
  EXPECT_TRUE(AllFinite(idle));
}

TEST(ErlangATest, InvalidInputsNameTheField) {
  ErlangAInput in = ReferenceA(13);
  in.mean_patience_s = 0;
  EXPECT_EQ(ErlangA(in).status().field(), "mean_patience_s");
  in = ReferenceA(0);
  EXPECT_EQ(ErlangA(in).status().field(), "agents");
  in = ReferenceA(13);
  in.arrival_rate_per_s = -0.5;
  EXPECT_EQ(ErlangA(in).status().field(), "arrival_rate_per_s");
  // Infinite patience on an overloaded queue has no steady state.
  const Result<ErlangAResult> r = ErlangA(ReferenceA(10, std::numeric_limits<double>::infinity()));
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "agents");
}

TEST(StaffingTest, MinimumAgentsErlangCForEightyInTwenty) {
  const Result<int> n = MinAgentsErlangC(ReferenceC(0), 0.80);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 14);  // N = 13 gives 0.7956, N = 14 gives 0.8884
  EXPECT_GE(ErlangC(ReferenceC(*n))->service_level, 0.80);
  EXPECT_LT(ErlangC(ReferenceC(*n - 1))->service_level, 0.80);
  EXPECT_EQ(MinAgentsErlangC(ReferenceC(0), 1.5).status().field(), "target_service_level");
  EXPECT_EQ(MinAgentsErlangC(ReferenceC(0), 0.8, 12).status().code(),
            StatusCode::kResourceExhausted);
}

TEST(StaffingTest, MinimumAgentsErlangAIsMinimal) {
  const Result<int> n = MinAgentsErlangA(ReferenceA(0), 0.80);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_GE(ErlangA(ReferenceA(*n))->service_level, 0.80);
  EXPECT_LT(ErlangA(ReferenceA(*n - 1))->service_level, 0.80);
  // Infinite patience: the same answer as Erlang C.
  const Result<int> c =
      MinAgentsErlangA(ReferenceA(0, std::numeric_limits<double>::infinity()), 0.80);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(*c, 14);
}

TEST(StaffingTest, SquareRootStaffing) {
  EXPECT_EQ(SquareRootStaffing(100, 1.0).value(), 110);
  EXPECT_EQ(SquareRootStaffing(0, 1.0).value(), 1);
  EXPECT_FALSE(SquareRootStaffing(-1, 1.0).ok());
  const double beta = HalfinWhittBeta(0.5).value();
  // P(wait) = 0.5 at beta ≈ 0.5069 (Halfin & Whitt 1981).
  EXPECT_NEAR(beta, 0.5069, 1e-3);
  EXPECT_FALSE(HalfinWhittBeta(0).ok());
  // Square-root staffing lands near the exact Erlang C P(wait) target for a large load.
  const int agents = SquareRootStaffing(1000, beta).value();
  const ErlangCResult r =
      ErlangC({.arrival_rate_per_s = 1000.0 / 180, .aht_s = 180, .agents = agents}).value();
  EXPECT_NEAR(r.p_wait, 0.5, 0.05);
}

}  // namespace
}  // namespace kefu::analytics
