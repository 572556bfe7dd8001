#include "kefu/analytics/distribution.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace kefu::analytics {
namespace {

uint64_t SplitMix(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

bool Finite(double v) { return std::isfinite(v); }

}  // namespace

Rng::Rng(uint64_t seed) {
  for (uint64_t& s : s_) {
    s = SplitMix(seed);
  }
}

uint64_t Rng::Next() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

double Rng::Uniform() {
  // 53 random bits, shifted by half a step so that neither 0 nor 1 can come out.
  return (static_cast<double>(Next() >> 11) + 0.5) * 0x1.0p-53;
}

double Rng::Exponential(double mean) { return -std::log(Uniform()) * mean; }

double Rng::StandardNormal() {
  const double u1 = Uniform();
  const double u2 = Uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

Distribution Distribution::Never() { return Distribution(); }

Result<Distribution> Distribution::Constant(double value_s) {
  if (!Finite(value_s) || value_s < 0) {
    return InvalidArgumentError("constant must be finite and >= 0", "value_s");
  }
  Distribution d;
  d.kind_ = Kind::kConstant;
  d.a_ = value_s;
  return d;
}

Result<Distribution> Distribution::Exponential(double mean_s) {
  if (!Finite(mean_s) || mean_s <= 0) {
    return InvalidArgumentError("exponential mean must be finite and > 0", "mean_s");
  }
  Distribution d;
  d.kind_ = Kind::kExponential;
  d.a_ = mean_s;
  return d;
}

Result<Distribution> Distribution::Lognormal(double mean_s, double sd_s) {
  if (!Finite(mean_s) || mean_s <= 0) {
    return InvalidArgumentError("lognormal mean must be finite and > 0", "mean_s");
  }
  if (!Finite(sd_s) || sd_s < 0) {
    return InvalidArgumentError("lognormal sd must be finite and >= 0", "sd_s");
  }
  const double sigma2 = std::log1p((sd_s * sd_s) / (mean_s * mean_s));
  Distribution d;
  d.kind_ = Kind::kLognormal;
  d.a_ = std::log(mean_s) - sigma2 / 2;
  d.b_ = std::sqrt(sigma2);
  return d;
}

Result<Distribution> Distribution::FromSamples(std::span<const double> samples_s) {
  if (samples_s.empty()) {
    return InvalidArgumentError("empirical distribution needs at least one sample", "samples");
  }
  std::vector<double> sorted(samples_s.begin(), samples_s.end());
  for (double v : sorted) {
    if (!Finite(v) || v < 0) {
      return InvalidArgumentError("empirical samples must be finite and >= 0", "samples");
    }
  }
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> values;
  std::vector<double> cumulative;
  const double n = static_cast<double>(sorted.size());
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i + 1 < sorted.size() && sorted[i + 1] == sorted[i]) {
      continue;
    }
    values.push_back(sorted[i]);
    cumulative.push_back(static_cast<double>(i + 1) / n);
  }
  cumulative.back() = 1.0;
  return FromCdf(std::move(values), std::move(cumulative));
}

Result<Distribution> Distribution::FromCdf(std::vector<double> values_s,
                                           std::vector<double> cumulative) {
  if (values_s.size() != cumulative.size()) {
    return InvalidArgumentError("values and cumulative differ in length", "cumulative");
  }
  for (size_t i = 0; i < values_s.size(); ++i) {
    if (!Finite(values_s[i]) || values_s[i] < 0 || (i > 0 && values_s[i] <= values_s[i - 1])) {
      return InvalidArgumentError("values must be finite, >= 0 and increasing", "values_s");
    }
    if (!Finite(cumulative[i]) || cumulative[i] < 0 || cumulative[i] > 1 + 1e-12 ||
        (i > 0 && cumulative[i] < cumulative[i - 1])) {
      return InvalidArgumentError("cumulative must be non-decreasing in [0, 1]", "cumulative");
    }
  }
  if (values_s.empty()) {
    return Never();
  }
  Distribution d;
  d.kind_ = Kind::kEmpirical;
  d.values_ = std::move(values_s);
  d.cumulative_ = std::move(cumulative);
  return d;
}

double Distribution::Sample(Rng& rng) const {
  switch (kind_) {
    case Kind::kNever:
      return std::numeric_limits<double>::infinity();
    case Kind::kConstant:
      return a_;
    case Kind::kExponential:
      return rng.Exponential(a_);
    case Kind::kLognormal:
      return std::exp(a_ + b_ * rng.StandardNormal());
    case Kind::kEmpirical: {
      const double u = rng.Uniform();
      const auto it = std::lower_bound(cumulative_.begin(), cumulative_.end(), u);
      if (it == cumulative_.end()) {
        return std::numeric_limits<double>::infinity();
      }
      return values_[static_cast<size_t>(it - cumulative_.begin())];
    }
  }
  return 0;
}

int64_t Distribution::SampleMs(Rng& rng) const {
  const double s = Sample(rng);
  if (!(s < 9e15 / 1000)) {
    return std::numeric_limits<int64_t>::max();
  }
  return std::max<int64_t>(0, std::llround(s * 1000));
}

double Distribution::Mean() const {
  switch (kind_) {
    case Kind::kNever:
      return std::numeric_limits<double>::infinity();
    case Kind::kConstant:
    case Kind::kExponential:
      return a_;
    case Kind::kLognormal:
      return std::exp(a_ + b_ * b_ / 2);
    case Kind::kEmpirical: {
      if (cumulative_.back() < 1 - 1e-12) {
        return std::numeric_limits<double>::infinity();
      }
      double mean = 0;
      double prev = 0;
      for (size_t i = 0; i < values_.size(); ++i) {
        mean += values_[i] * (cumulative_[i] - prev);
        prev = cumulative_[i];
      }
      return mean;
    }
  }
  return 0;
}

std::string Distribution::Describe() const {
  switch (kind_) {
    case Kind::kNever:
      return "never";
    case Kind::kConstant:
      return fmt::format("constant({:.1f} s)", a_);
    case Kind::kExponential:
      return fmt::format("exponential(mean {:.1f} s)", a_);
    case Kind::kLognormal: {
      const double mean = Mean();
      return fmt::format("lognormal(mean {:.1f} s, sd {:.1f} s)", mean,
                         mean * std::sqrt(std::expm1(b_ * b_)));
    }
    case Kind::kEmpirical: {
      const double mean = Mean();
      if (std::isinf(mean)) {
        return fmt::format("empirical({} distinct values, {:.1f} % never)", values_.size(),
                           100 * (1 - cumulative_.back()));
      }
      return fmt::format("empirical({} distinct values, mean {:.1f} s)", values_.size(), mean);
    }
  }
  return "?";
}

Result<SurvivalCurve> KaplanMeier(std::span<const SurvivalObservation> observations) {
  std::vector<SurvivalObservation> obs(observations.begin(), observations.end());
  for (size_t i = 0; i < obs.size(); ++i) {
    if (!Finite(obs[i].time_s) || obs[i].time_s < 0) {
      return InvalidArgumentError(fmt::format("observation {} has a bad time", i), "time_s");
    }
  }
  std::sort(obs.begin(), obs.end(), [](const SurvivalObservation& a, const SurvivalObservation& b) {
    return a.time_s != b.time_s ? a.time_s < b.time_s : (a.event && !b.event);
  });
  SurvivalCurve curve;
  double s = 1.0;
  size_t i = 0;
  const size_t n = obs.size();
  while (i < n) {
    const double t = obs[i].time_s;
    const size_t at_risk = n - i;
    size_t events = 0;
    size_t j = i;
    while (j < n && obs[j].time_s == t) {
      events += obs[j].event ? 1 : 0;
      ++j;
    }
    if (events > 0) {
      s *= 1.0 - static_cast<double>(events) / static_cast<double>(at_risk);
      curve.times_s.push_back(t);
      curve.survival.push_back(s);
    }
    i = j;
  }
  return curve;
}

Result<Distribution> DistributionFromSurvival(const SurvivalCurve& curve) {
  std::vector<double> cumulative;
  cumulative.reserve(curve.survival.size());
  for (double s : curve.survival) {
    cumulative.push_back(std::clamp(1.0 - s, 0.0, 1.0));
  }
  return Distribution::FromCdf(curve.times_s, std::move(cumulative));
}

}  // namespace kefu::analytics
