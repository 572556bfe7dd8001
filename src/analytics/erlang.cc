#include "kefu/analytics/erlang.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include "kefu/core/check.h"

namespace kefu::analytics {
namespace {

// Stationary probabilities below exp(-46) ≈ 1e-20 of the largest one are dropped.
constexpr double kLogTailCut = 46.0;
constexpr int64_t kMaxQueueStates = 5'000'000;

Status CheckFiniteNonNegative(double v, const char* field) {
  if (!std::isfinite(v) || v < 0) {
    return InvalidArgumentError(std::string(field) + " must be finite and >= 0", field);
  }
  return OkStatus();
}

Status CheckCommon(double arrival_rate_per_s, double aht_s, double threshold_s) {
  KEFU_RETURN_IF_ERROR(CheckFiniteNonNegative(arrival_rate_per_s, "arrival_rate_per_s"));
  if (!std::isfinite(aht_s) || aht_s <= 0) {
    return InvalidArgumentError("aht_s must be finite and > 0", "aht_s");
  }
  KEFU_RETURN_IF_ERROR(CheckFiniteNonNegative(threshold_s, "threshold_s"));
  return OkStatus();
}

Status CheckAgents(int agents) {
  // The cap bounds memory (Erlang A keeps one double per state) and time; it is far above any
  // single contact center.
  if (agents < 1 || agents > kMaxAgents) {
    return InvalidArgumentError("agents must be in [1, " + std::to_string(kMaxAgents) + "]",
                                "agents");
  }
  return OkStatus();
}

Status CheckTarget(double target) {
  if (!std::isfinite(target) || target <= 0 || target >= 1) {
    return InvalidArgumentError("target_service_level must be in (0, 1)", "target_service_level");
  }
  return OkStatus();
}

// Erlang C from Erlang B: C = N·B / (N - A·(1 - B)).  REQUIRES: agents > load.
ErlangCResult ErlangCFromB(double blocking, double load, int agents, double aht_s,
                           double threshold_s) {
  const double n = agents;
  ErlangCResult r;
  r.load_erlangs = load;
  r.p_wait = std::clamp(n * blocking / (n - load * (1 - blocking)), 0.0, 1.0);
  r.service_level = 1 - r.p_wait * std::exp(-(n - load) * threshold_s / aht_s);
  r.asa_s = r.p_wait * aht_s / (n - load);
  r.occupancy = load / n;
  return r;
}

double StandardNormalCdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// Heavy-traffic probability of waiting for square-root staffing with this beta (> 0).
double HalfinWhittPWait(double beta) {
  // Φ(β)/φ(β) written as Φ(β)·sqrt(2π)·exp(β²/2) to avoid dividing by an underflowing φ.
  const double ratio =
      StandardNormalCdf(beta) * std::sqrt(2 * std::numbers::pi) * std::exp(beta * beta / 2);
  return 1 / (1 + beta * ratio);
}

}  // namespace

Result<double> ErlangB(double load_erlangs, int agents) {
  KEFU_RETURN_IF_ERROR(CheckFiniteNonNegative(load_erlangs, "load_erlangs"));
  KEFU_RETURN_IF_ERROR(CheckAgents(agents));
  double b = 1;
  for (int k = 1; k <= agents; ++k) {
    b = load_erlangs * b / (k + load_erlangs * b);
  }
  return b;
}

Result<ErlangCResult> ErlangC(const ErlangCInput& in) {
  KEFU_RETURN_IF_ERROR(CheckCommon(in.arrival_rate_per_s, in.aht_s, in.threshold_s));
  KEFU_RETURN_IF_ERROR(CheckAgents(in.agents));
  const double load = in.arrival_rate_per_s * in.aht_s;
  if (!std::isfinite(load)) {
    return InvalidArgumentError("offered load overflows", "arrival_rate_per_s");
  }
  if (in.agents <= load) {
    return InvalidArgumentError("Erlang C needs agents > offered load (" + std::to_string(load) +
                                    " erlangs); use Erlang A for an overloaded queue",
                                "agents");
  }
  KEFU_ASSIGN_OR_RETURN(const double b, ErlangB(load, in.agents));
  return ErlangCFromB(b, load, in.agents, in.aht_s, in.threshold_s);
}

Result<ErlangAResult> ErlangA(const ErlangAInput& in) {
  KEFU_RETURN_IF_ERROR(CheckCommon(in.arrival_rate_per_s, in.aht_s, in.threshold_s));
  KEFU_RETURN_IF_ERROR(CheckAgents(in.agents));
  if (std::isnan(in.mean_patience_s) || in.mean_patience_s <= 0) {
    return InvalidArgumentError("mean_patience_s must be > 0 (or +infinity)", "mean_patience_s");
  }
  const double lambda = in.arrival_rate_per_s;
  const double mu = 1 / in.aht_s;
  const double theta = std::isinf(in.mean_patience_s) ? 0.0 : 1 / in.mean_patience_s;
  const double load = lambda * in.aht_s;
  const int n_agents = in.agents;
  const double n = n_agents;
  if (!std::isfinite(load)) {
    return InvalidArgumentError("offered load overflows", "arrival_rate_per_s");
  }
  ErlangAResult r;
  r.load_erlangs = load;
  if (lambda == 0) {
    r.service_level = r.service_level_of_answered = r.service_level_with_abandons = 1;
    return r;
  }
  if (theta == 0 && n <= load) {
    return InvalidArgumentError("with infinite patience, agents must exceed the offered load",
                                "agents");
  }

  // Unnormalised log stationary probabilities of the number in system: agents then queue.
  std::vector<double> log_p(static_cast<size_t>(n_agents) + 1);
  log_p[0] = 0;
  const double log_load = std::log(load);
  for (int k = 1; k <= n_agents; ++k) {
    log_p[k] = log_p[k - 1] + log_load - std::log(static_cast<double>(k));
  }
  double max_log = *std::max_element(log_p.begin(), log_p.end());
  const double log_lambda = std::log(lambda);
  // The birth/death ratio λ / (Nμ + kθ) decreases in k, so once below 1 the terms fall for good.
  for (int64_t k = 1;; ++k) {
    if (k > kMaxQueueStates) {
      return ResourceExhaustedError("Erlang A: queue distribution too long to sum (load " +
                                    std::to_string(load) + ", agents " + std::to_string(n_agents) +
                                    ")");
    }
    const double step = log_lambda - std::log(n * mu + static_cast<double>(k) * theta);
    const double next = log_p.back() + step;
    log_p.push_back(next);
    max_log = std::max(max_log, next);
    if (step < 0 && next < max_log - kLogTailCut) {
      break;
    }
  }
  std::vector<double> p(log_p.size());
  double total = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    p[i] = std::exp(log_p[i] - max_log);
    total += p[i];
  }
  for (double& x : p) {
    x /= total;
  }

  const size_t queue_states = p.size() - static_cast<size_t>(n_agents);  // k = 0 .. K
  double p_wait = 0;
  double mean_queue = 0;
  double busy = 0;
  for (int k = 0; k < n_agents; ++k) {
    busy += k * p[k];
  }
  for (size_t k = 0; k < queue_states; ++k) {
    const double pk = p[static_cast<size_t>(n_agents) + k];
    p_wait += pk;
    mean_queue += static_cast<double>(k) * pk;
    busy += n * pk;
  }
  r.p_wait = std::clamp(p_wait, 0.0, 1.0);
  r.p_abandon = std::clamp(theta * mean_queue / lambda, 0.0, 1.0);
  r.mean_wait_s = mean_queue / lambda;
  r.occupancy = std::clamp(busy / n, 0.0, 1.0);

  // An arrival finding k waiting sees a pure-death queue ahead: from j ahead it moves on at rate
  // d_j = Nμ + jθ (a service or an abandonment ahead; j = 0 means it is answered), and it leaves
  // itself at rate θ. Sojourn time and exit direction are independent, so the chance of being
  // answered and the mean wait until then are products and sums over j = 0..k.
  const auto death = [&](size_t j) { return n * mu + static_cast<double>(j) * theta; };
  double answered_wait = 0;  // E[wait · 1{answered}]
  double answered_prob = 1;  // P(answered | k ahead), built up over k
  double sojourn = 0;        // Σ 1 / (d_j + θ)
  double abandon_check = 0;
  for (size_t k = 0; k < queue_states; ++k) {
    const double rate = death(k) + theta;
    answered_prob *= death(k) / rate;
    sojourn += 1 / rate;
    const double pk = p[static_cast<size_t>(n_agents) + k];
    answered_wait += pk * answered_prob * sojourn;
    abandon_check += pk * (1 - answered_prob);
  }
  KEFU_DCHECK(std::abs(abandon_check - r.p_abandon) < 1e-9 + 1e-6 * r.p_abandon)
      << abandon_check << " vs " << r.p_abandon;
  const double p_answered = 1 - r.p_abandon;
  r.asa_s = p_answered > 0 ? answered_wait / p_answered : 0;

  // Answered / abandoned within T by uniformisation of that chain at rate Λ = d_K + θ: after m
  // jumps of the embedded chain, weight by the Poisson(ΛT) probability of m jumps by time T.
  double answered_within = 0;
  double abandoned_within = 0;
  if (in.threshold_s > 0 && r.p_wait > 0) {
    const double big_rate = death(queue_states - 1) + theta;
    const double mean_jumps = big_rate * in.threshold_s;
    const int64_t max_jumps =
        static_cast<int64_t>(std::ceil(mean_jumps + 12 * std::sqrt(mean_jumps) + 40));
    std::vector<double> v(p.begin() + n_agents, p.end());
    std::vector<double> next(v.size());
    double answered_mass = 0;
    double abandoned_mass = 0;
    const double log_mean = std::log(mean_jumps);
    for (int64_t m = 0; m <= max_jumps; ++m) {
      const double weight = std::exp(-mean_jumps + static_cast<double>(m) * log_mean -
                                     std::lgamma(static_cast<double>(m) + 1));
      answered_within += weight * answered_mass;
      abandoned_within += weight * abandoned_mass;
      std::fill(next.begin(), next.end(), 0.0);
      for (size_t j = 0; j < v.size(); ++j) {
        const double mass = v[j];
        const double down = mass * death(j) / big_rate;
        const double leave = mass * theta / big_rate;
        if (j == 0) {
          answered_mass += down;
        } else {
          next[j - 1] += down;
        }
        abandoned_mass += leave;
        next[j] += mass - down - leave;
      }
      v.swap(next);
    }
  }
  const double not_waiting = 1 - r.p_wait;
  r.service_level = std::clamp(not_waiting + answered_within, 0.0, 1.0);
  r.service_level_of_answered =
      p_answered > 0 ? std::clamp(r.service_level / p_answered, 0.0, 1.0) : 0;
  r.service_level_with_abandons =
      std::clamp(not_waiting + answered_within + abandoned_within, 0.0, 1.0);
  return r;
}

Result<int> SquareRootStaffing(double load_erlangs, double beta) {
  KEFU_RETURN_IF_ERROR(CheckFiniteNonNegative(load_erlangs, "load_erlangs"));
  if (!std::isfinite(beta)) {
    return InvalidArgumentError("beta must be finite", "beta");
  }
  const double agents = std::ceil(load_erlangs + beta * std::sqrt(load_erlangs));
  if (agents > std::numeric_limits<int>::max()) {
    return InvalidArgumentError("load too large for square-root staffing", "load_erlangs");
  }
  return std::max(1, static_cast<int>(agents));
}

Result<double> HalfinWhittBeta(double target_p_wait) {
  if (!std::isfinite(target_p_wait) || target_p_wait <= 0 || target_p_wait >= 1) {
    return InvalidArgumentError("target_p_wait must be in (0, 1)", "target_p_wait");
  }
  // HalfinWhittPWait falls from 1 at beta = 0 to ~1e-200 at beta = 30.
  double lo = 0;
  double hi = 30;
  for (int i = 0; i < 200 && hi - lo > 1e-12; ++i) {
    const double mid = (lo + hi) / 2;
    if (HalfinWhittPWait(mid) > target_p_wait) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return (lo + hi) / 2;
}

Result<int> MinAgentsErlangC(const ErlangCInput& in, double target_service_level, int max_agents) {
  KEFU_RETURN_IF_ERROR(CheckCommon(in.arrival_rate_per_s, in.aht_s, in.threshold_s));
  KEFU_RETURN_IF_ERROR(CheckTarget(target_service_level));
  const double load = in.arrival_rate_per_s * in.aht_s;
  if (!std::isfinite(load)) {
    return InvalidArgumentError("offered load overflows", "arrival_rate_per_s");
  }
  // One pass of the Erlang B recursion serves every candidate N.
  double b = 1;
  for (int agents = 1; agents <= std::min(max_agents, kMaxAgents); ++agents) {
    b = load * b / (agents + load * b);
    if (agents <= load) {
      continue;
    }
    const ErlangCResult r = ErlangCFromB(b, load, agents, in.aht_s, in.threshold_s);
    if (r.service_level >= target_service_level) {
      return agents;
    }
  }
  return ResourceExhaustedError("Erlang C: target service level needs more than " +
                                std::to_string(max_agents) + " agents");
}

Result<int> MinAgentsErlangA(const ErlangAInput& in, double target_service_level, int max_agents) {
  KEFU_RETURN_IF_ERROR(CheckCommon(in.arrival_rate_per_s, in.aht_s, in.threshold_s));
  KEFU_RETURN_IF_ERROR(CheckTarget(target_service_level));
  ErlangAInput probe = in;
  // Service level rises with N; gallop up to a staffing that meets the target, then bisect.
  const double load = in.arrival_rate_per_s * in.aht_s;
  const auto meets = [&](int agents) -> Result<bool> {
    if (std::isinf(in.mean_patience_s) && agents <= load) {
      return false;  // no steady state: the queue grows without bound
    }
    probe.agents = agents;
    KEFU_ASSIGN_OR_RETURN(const ErlangAResult r, ErlangA(probe));
    return r.service_level >= target_service_level;
  };
  int lo = 0;  // 0, or a staffing known to miss the target
  max_agents = std::min(max_agents, kMaxAgents);
  int hi = std::clamp(static_cast<int>(std::min(std::floor(load), 1e9)) + 1, 1, max_agents);
  while (true) {
    KEFU_ASSIGN_OR_RETURN(const bool ok, meets(hi));
    if (ok) {
      break;
    }
    if (hi >= max_agents) {
      return ResourceExhaustedError("Erlang A: target service level needs more than " +
                                    std::to_string(max_agents) + " agents");
    }
    lo = hi;
    hi = static_cast<int>(std::min<int64_t>(int64_t{hi} * 2, max_agents));
  }
  while (hi - lo > 1) {
    const int mid = lo + (hi - lo) / 2;
    KEFU_ASSIGN_OR_RETURN(const bool ok, meets(mid));
    if (ok) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return hi;
}

}  // namespace kefu::analytics
