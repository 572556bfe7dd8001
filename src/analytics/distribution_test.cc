#include "kefu/analytics/distribution.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace kefu::analytics {
namespace {

double SampleMean(const Distribution& d, int n, uint64_t seed = 1) {
  Rng rng(seed);
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    sum += d.Sample(rng);
  }
  return sum / n;
}

TEST(DistributionTest, MeansMatchTheirParameters) {
  EXPECT_NEAR(SampleMean(Distribution::Exponential(180).value(), 200'000), 180, 2);
  const Distribution ln = Distribution::Lognormal(200, 150).value();
  EXPECT_NEAR(ln.Mean(), 200, 1e-9);
  EXPECT_NEAR(SampleMean(ln, 200'000), 200, 3);
  EXPECT_EQ(SampleMean(Distribution::Constant(7).value(), 10), 7);
  const double samples[] = {1, 2, 2, 5};
  const Distribution e = Distribution::FromSamples(samples).value();
  EXPECT_DOUBLE_EQ(e.Mean(), 2.5);
  EXPECT_NEAR(SampleMean(e, 100'000), 2.5, 0.03);
  EXPECT_TRUE(std::isinf(Distribution::Never().Mean()));
  Rng rng(3);
  EXPECT_EQ(Distribution::Never().SampleMs(rng), std::numeric_limits<int64_t>::max());
}

TEST(DistributionTest, RejectsBadParameters) {
  EXPECT_FALSE(Distribution::Exponential(0).ok());
  EXPECT_FALSE(Distribution::Exponential(NAN).ok());
  EXPECT_FALSE(Distribution::Lognormal(10, -1).ok());
  EXPECT_FALSE(Distribution::FromSamples({}).ok());
  EXPECT_FALSE(Distribution::FromCdf({2, 1}, {0.5, 1}).ok());
  EXPECT_FALSE(Distribution::FromCdf({1, 2}, {0.5, 0.4}).ok());
}

TEST(DistributionTest, RngIsReproducibleAndUniform) {
  Rng a(42);
  Rng b(42);
  double sum = 0;
  for (int i = 0; i < 100'000; ++i) {
    const double u = a.Uniform();
    ASSERT_EQ(u, b.Uniform());
    ASSERT_GT(u, 0);
    ASSERT_LT(u, 1);
    sum += u;
  }
  EXPECT_NEAR(sum / 100'000, 0.5, 0.005);
}

// A textbook example (Kaplan & Meier style): times 1, 2+, 3, 3, 4+, 5 (+ censored).
TEST(KaplanMeierTest, TextbookExample) {
  const SurvivalObservation obs[] = {{1, true}, {2, false}, {3, true},
                                     {3, true}, {4, false}, {5, true}};
  auto curve = KaplanMeier(obs);
  ASSERT_TRUE(curve.ok());
  ASSERT_EQ(curve->times_s, (std::vector<double>{1, 3, 5}));
  EXPECT_NEAR(curve->survival[0], 5.0 / 6, 1e-12);
  EXPECT_NEAR(curve->survival[1], 5.0 / 6 * (1 - 2.0 / 4), 1e-12);
  EXPECT_NEAR(curve->survival[2], 0, 1e-12);
}

TEST(KaplanMeierTest, CensoredTailLeavesMassAtInfinity) {
  const SurvivalObservation obs[] = {{10, true}, {20, false}, {30, false}};
  auto curve = KaplanMeier(obs);
  ASSERT_TRUE(curve.ok());
  auto d = DistributionFromSurvival(*curve);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(std::isinf(d->Mean()));
  Rng rng(1);
  int never = 0;
  for (int i = 0; i < 30'000; ++i) {
    never += std::isinf(d->Sample(rng)) ? 1 : 0;
  }
  EXPECT_NEAR(never / 30'000.0, 2.0 / 3, 0.01);
}

// Censoring by service: exponential patience (mean 100 s) observed only up to an exponential
// wait (mean 60 s). The naive mean of the observed abandons is far too low; Kaplan–Meier
// recovers the survival function.
TEST(KaplanMeierTest, RecoversCensoredExponential) {
  Rng rng(7);
  std::vector<SurvivalObservation> obs;
  for (int i = 0; i < 50'000; ++i) {
    const double patience = rng.Exponential(100);
    const double wait = rng.Exponential(60);
    obs.push_back({std::min(patience, wait), patience <= wait});
  }
  auto curve = KaplanMeier(obs);
  ASSERT_TRUE(curve.ok());
  for (double t : {30.0, 60.0, 120.0}) {
    const auto it = std::upper_bound(curve->times_s.begin(), curve->times_s.end(), t);
    const double s = curve->survival[static_cast<size_t>(it - curve->times_s.begin()) - 1];
    EXPECT_NEAR(s, std::exp(-t / 100), 0.02) << t;
  }
  const SurvivalObservation bad[] = {{-1, true}};
  EXPECT_FALSE(KaplanMeier(bad).ok());
}

}  // namespace
}  // namespace kefu::analytics
