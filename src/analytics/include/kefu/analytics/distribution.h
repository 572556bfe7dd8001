#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "kefu/core/result.h"

// Random numbers and the time distributions of the simulator (issue #5): handle times and
// patience. Times are seconds (double) unless a name ends in _ms.

namespace kefu::analytics {

// xoshiro256** seeded through splitmix64: fast, small, and the same stream on every platform
// (std:: distributions are not). Value type; not thread-safe (one per simulation run).
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t Next();
  // Uniform in (0, 1): never exactly 0 or 1, so log() of it is finite.
  double Uniform();
  double Exponential(double mean);
  double StandardNormal();

 private:
  uint64_t s_[4];
};

// A non-negative random duration. Value type; thread-compatible (const methods are safe to
// share, sampling takes the caller's Rng).
class Distribution {
 public:
  enum class Kind { kNever, kConstant, kExponential, kLognormal, kEmpirical };

  // Default: kNever (an infinite duration: a patience that never runs out).
  Distribution() = default;
  static Distribution Never();
  static Result<Distribution> Constant(double value_s);
  static Result<Distribution> Exponential(double mean_s);
  // Lognormal with the given mean and standard deviation of the duration itself (not of its
  // logarithm). REQUIRES mean_s > 0, sd_s >= 0.
  static Result<Distribution> Lognormal(double mean_s, double sd_s);
  // Empirical from observations (each equally likely). REQUIRES at least one, all >= 0.
  static Result<Distribution> FromSamples(std::span<const double> samples_s);
  // A step distribution: P(X <= values_s[i]) = cumulative[i]; values strictly increasing,
  // cumulative non-decreasing in [0, 1]. Mass 1 - cumulative.back() is at infinity (kNever):
  // what a Kaplan–Meier estimate leaves when the longest observation is censored.
  static Result<Distribution> FromCdf(std::vector<double> values_s, std::vector<double> cumulative);

  Kind kind() const { return kind_; }
  // Seconds; +infinity for kNever (and for the mass at infinity of an empirical CDF).
  double Sample(Rng& rng) const;
  // Milliseconds, at least 0; std::numeric_limits<int64_t>::max() for infinity.
  int64_t SampleMs(Rng& rng) const;
  // Mean seconds; +infinity when there is mass at infinity.
  double Mean() const;
  // e.g. "exponential(mean 180 s)", "empirical(5123 points, mean 132.4 s)".
  std::string Describe() const;

 private:
  Kind kind_ = Kind::kNever;
  double a_ = 0;  // constant value, exponential mean, lognormal mu
  double b_ = 0;  // lognormal sigma
  std::vector<double> values_;
  std::vector<double> cumulative_;
};

// One observation for a survival estimate: the time and whether the event (an abandon) was
// seen at that time (true) or the observation was censored there (false: the customer was
// answered before their patience ran out).
struct SurvivalObservation {
  double time_s = 0;
  bool event = false;
};

struct SurvivalCurve {
  std::vector<double> times_s;   // distinct event times, increasing
  std::vector<double> survival;  // S(t) just after each time, non-increasing
};

// The Kaplan–Meier product-limit estimate S(t) = Π_{t_i <= t} (1 - d_i / n_i). Ties: events
// at a time come before censorings at the same time (the usual convention). Empty input gives
// an empty curve. Observations with negative or non-finite time are InvalidArgument.
Result<SurvivalCurve> KaplanMeier(std::span<const SurvivalObservation> observations);

// The distribution whose CDF is 1 - S(t) of the curve (mass at infinity when S does not reach
// 0). An empty curve gives Never().
Result<Distribution> DistributionFromSurvival(const SurvivalCurve& curve);

}  // namespace kefu::analytics
