// Analytics benchmarks (issue #5). One core, wall-clock time.
//
//   build/release/bench/analytics_bench             everything below (a minute or so)
//   build/release/bench/analytics_bench --day       one simulated day: 5,000 agents, ~1,000,000
//                                                   contacts, on the production routing engine
//   build/release/bench/analytics_bench --erlang    Erlang C and Erlang A evaluations per
//                                                   second at N = 5,000
//   build/release/bench/analytics_bench --replay [--replications N] [CALLS.tsv]
//       the February 1999 Anonymous Bank replay and its comparison table (default file:
//       ../shared/data/anonymous-bank/calls-1999-02.tsv; skipped when absent)

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "kefu/analytics/call_log.h"
#include "kefu/analytics/erlang.h"
#include "kefu/analytics/kpi.h"
#include "kefu/analytics/sim.h"

namespace kefu::analytics {
namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// 10 queues with a skill each, 10 teams of 500 agents: each team serves its own queue first
// and a neighbour's second. Arrivals follow a working-day profile summing to 1,000,000; the
// teams are staffed per interval for about 97 % offered load.
Scenario BigDay() {
  constexpr int kQueues = 10;
  constexpr int kTeam = 500;
  Scenario s;
  s.name = "bench day";
  s.start_ms = 1'767'542'400'000;  // 2026-01-05 00:00 UTC+8
  s.duration_ms = 86'400'000;
  s.interval_minutes = 30;
  s.replications = 1;
  s.kpi.threshold_s = 20;
  std::vector<double> shape(48);
  double total = 0;
  for (int i = 0; i < 48; ++i) {
    const double h = i / 2.0;
    // Night low, a morning and an afternoon peak.
    shape[static_cast<size_t>(i)] = 0.15 + std::exp(-(h - 10.5) * (h - 10.5) / 8) +
                                    0.8 * std::exp(-(h - 15.5) * (h - 15.5) / 10);
    total += shape[static_cast<size_t>(i)];
  }
  const double per_queue = 1'000'000.0 / kQueues;
  const double peak_shape = *std::max_element(shape.begin(), shape.end());
  // The handle time that makes the peak 97 % of a team (about 3 minutes): big pools run hot.
  const double aht = 0.97 * kTeam * 1800.0 / (per_queue * peak_shape / total);
  const double peak_load = 0.97 * kTeam;
  for (int q = 0; q < kQueues; ++q) {
    SimQueue queue;
    queue.name = "q" + std::to_string(q);
    queue.config.skills = {{q + 1, 1}};
    queue.config.default_handle_ms = static_cast<int64_t>(aht * 1000);
    queue.handle = Distribution::Lognormal(aht, 250).value();
    queue.patience = Distribution::Exponential(400).value();
    queue.priority_share = 0.1;
    queue.config.tier_class = {0, 1, 1, 1};
    for (int i = 0; i < 48; ++i) {
      queue.volume.push_back(per_queue * shape[static_cast<size_t>(i)] / total);
    }
    s.queues.push_back(std::move(queue));
    SimAgentGroup team;
    team.name = "team" + std::to_string(q);
    team.config.skills = {{q + 1, 3}, {(q + 1) % kQueues + 1, 2}};
    std::sort(team.config.skills.begin(), team.config.skills.end(),
              [](const routing::SkillLevel& a, const routing::SkillLevel& b) {
                return a.skill < b.skill;
              });
    team.queues = {{q, 1}, {(q + 1) % kQueues, 2}};
    for (int i = 0; i < 48; ++i) {
      const double load = s.queues.back().volume[static_cast<size_t>(i)] * aht / 1800.0;
      // The team's 500 agents at the peak; fewer off-peak, about 97 % busy.
      team.staffing.push_back(
          std::min(kTeam, static_cast<int>(std::ceil(kTeam * load / peak_load))));
    }
    s.groups.push_back(std::move(team));
  }
  return s;
}

int RunDay() {
  const Scenario s = BigDay();
  int most = 0;
  for (const SimAgentGroup& g : s.groups) {
    most += *std::max_element(g.staffing.begin(), g.staffing.end());
  }
  std::printf("== simulated day: %d agents, %lld expected contacts, %zu queues, AHT %.0f s\n", most,
              static_cast<long long>(ExpectedContacts(s)), s.queues.size(),
              s.queues.front().handle.Mean());
  const auto start = std::chrono::steady_clock::now();
  auto run = Simulate(s, 1);
  const double sim_s = Seconds(start);
  if (!run.ok()) {
    std::fprintf(stderr, "simulate: %s\n", run.status().ToString().c_str());
    return 1;
  }
  const auto kpi_start = std::chrono::steady_clock::now();
  auto kpis = RunKpis(s, *run);
  const double kpi_s = Seconds(kpi_start);
  if (!kpis.ok()) {
    std::fprintf(stderr, "kpis: %s\n", kpis.status().ToString().c_str());
    return 1;
  }
  const KpiRow& o = kpis->overall.front();
  std::printf("contacts %lld, engine commands %lld\n", static_cast<long long>(run->contacts),
              static_cast<long long>(run->engine_commands));
  std::printf("simulation %.2f s: %.0f contacts/s, %.0f engine commands/s (one core)\n", sim_s,
              static_cast<double>(run->contacts) / sim_s,
              static_cast<double>(run->engine_commands) / sim_s);
  std::printf("KPIs (ComputeKpis) %.2f s; whole day %.2f s (goal: under 10 s)\n", kpi_s,
              sim_s + kpi_s);
  std::printf("day: SL %.1f %%, abandon %.1f %%, ASA %.1f s, occupancy %.1f %%\n",
              100 * o.service_level.value_or(0), 100 * o.abandon_rate.value_or(0),
              o.asa_s.value_or(0), 100 * o.occupancy.value_or(0));
  return 0;
}

int RunErlang() {
  constexpr int kAgents = 5000;
  const double aht = 300;
  const double rate = 4900.0 / aht;  // 4,900 erlangs on 5,000 agents
  double sink = 0;
  {
    int n = 0;
    const auto start = std::chrono::steady_clock::now();
    double elapsed = 0;
    while (elapsed < 1.0) {
      for (int i = 0; i < 100; ++i, ++n) {
        auto r = ErlangC({.arrival_rate_per_s = rate * (1 + 1e-6 * i),
                          .aht_s = aht,
                          .agents = kAgents,
                          .threshold_s = 20});
        sink += r.ok() ? r->service_level : 0;
      }
      elapsed = Seconds(start);
    }
    std::printf("== Erlang C at N = %d: %.0f evaluations/s (%.2f us each)\n", kAgents, n / elapsed,
                1e6 * elapsed / n);
  }
  {
    int n = 0;
    const auto start = std::chrono::steady_clock::now();
    double elapsed = 0;
    while (elapsed < 2.0) {
      auto r = ErlangA({.arrival_rate_per_s = rate * (1 + 1e-6 * n),
                        .aht_s = aht,
                        .mean_patience_s = 300,
                        .agents = kAgents,
                        .threshold_s = 20});
      sink += r.ok() ? r->service_level : 0;
      ++n;
      elapsed = Seconds(start);
    }
    std::printf("== Erlang A at N = %d: %.0f evaluations/s (%.2f ms each)\n", kAgents, n / elapsed,
                1e3 * elapsed / n);
  }
  {
    const auto start = std::chrono::steady_clock::now();
    auto n = MinAgentsErlangA({.arrival_rate_per_s = rate,
                               .aht_s = aht,
                               .mean_patience_s = 300,
                               .agents = 1,
                               .threshold_s = 20},
                              0.8);
    std::printf("== MinAgentsErlangA for 4,900 erlangs, 80/20: %d agents in %.1f ms\n",
                n.ok() ? *n : -1, 1e3 * Seconds(start));
  }
  return sink < 0 ? 1 : 0;
}

int RunReplayMode(std::string path, int replications) {
  if (path.empty()) {
    path = std::string(KEFU_SHARED_DATA_DIR) + "/anonymous-bank/calls-1999-02.tsv";
  }
  if (!std::filesystem::exists(path)) {
    std::printf("== replay skipped: %s not found (../shared/data next to the checkout)\n",
                path.c_str());
    return 0;
  }
  std::printf("== replay of %s\n", path.c_str());
  const auto start = std::chrono::steady_clock::now();
  auto calls = ReadAnonymousBankLog(path);
  if (!calls.ok()) {
    std::fprintf(stderr, "%s\n", calls.status().ToString().c_str());
    return 1;
  }
  ReplayOptions options;
  options.replications = replications;
  auto report = RunReplay(*calls, options);
  if (!report.ok()) {
    std::fprintf(stderr, "%s\n", report.status().ToString().c_str());
    return 1;
  }
  std::fputs(FormatReplayReport(*report).c_str(), stdout);
  std::printf("(%zu log rows, %lld contacts simulated in %.2f s)\n", calls->size(),
              static_cast<long long>(report->simulated_contacts), Seconds(start));
  return 0;
}

}  // namespace
}  // namespace kefu::analytics

int main(int argc, char** argv) {
  bool day = false, erlang = false, replay = false;
  int replications = 5;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--day") == 0) {
      day = true;
    } else if (std::strcmp(argv[i], "--erlang") == 0) {
      erlang = true;
    } else if (std::strcmp(argv[i], "--replay") == 0) {
      replay = true;
    } else if (std::strcmp(argv[i], "--replications") == 0 && i + 1 < argc) {
      replications = std::max(1, std::atoi(argv[++i]));
    } else if (argv[i][0] != '-') {
      path = argv[i];
    } else {
      std::fprintf(
          stderr,
          "usage: analytics_bench [--day] [--erlang] [--replay [--replications N] [CALLS.tsv]]\n");
      return 2;
    }
  }
  if (!day && !erlang && !replay) {
    day = erlang = replay = true;
  }
  int rc = 0;
  if (erlang) {
    rc |= kefu::analytics::RunErlang();
  }
  if (day) {
    rc |= kefu::analytics::RunDay();
  }
  if (replay) {
    rc |= kefu::analytics::RunReplayMode(path, replications);
  }
  return rc;
}
