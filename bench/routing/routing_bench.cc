// Routing engine benchmarks (issue #4): 10,000 agents in 100 teams, 1,000 queues, 200
// skills, steady Poisson arrivals with random skills and tiers (see call_center.h).
//
//   build/release/bench/routing_bench                            everything
//   build/release/bench/routing_bench --benchmark_filter=Steady  throughput and latency
//   valgrind --tool=callgrind
//       --toggle-collect='kefu::routing::internal::EngineImpl::Enqueue*'
//       --toggle-collect='kefu::routing::internal::EngineImpl::Accept*'
//       --toggle-collect='kefu::routing::internal::EngineImpl::Decline*'
//       --toggle-collect='kefu::routing::internal::EngineImpl::Complete*'
//       --toggle-collect='kefu::routing::internal::EngineImpl::Abandon*'
//       --toggle-collect='kefu::routing::internal::EngineImpl::Tick*'
//       build/release/bench/routing_bench --benchmark_filter=Callgrind
//     (one command line). The measured phase is dumped on its own (callgrind.out.<pid>.1):
//     instructions per decision = its "totals" / the "decisions" counter printed. Name the
//     entry points, not 'EngineImpl::*': a toggle flips collection at every matching entry,
//     so with a pattern that also matches the engine's internal functions, collection is
//     off inside every second level of nested calls and the count comes out about half.
//
// A decision is an engine call that routes: Enqueue (offer now or queue with a position),
// Complete and Decline (what the freed agent takes next), Abandon. Accept and Tick (timers:
// wrap-up ends, rings, overflow, offer timeouts) are counted in "commands". Only the engine
// calls are timed; the simulated call center around them is not.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(name)
#endif

#include "call_center.h"

namespace kefu::routing::bench {
namespace {

// One call center per configuration, built once (10,000 agents take a moment) and warmed
// up to a steady state before anything is measured.
CallCenter& Center(double load) {
  static std::unique_ptr<CallCenter> centers[2];
  const int i = load > 1.0 ? 1 : 0;
  if (!centers[i]) {
    CallCenterOptions options;
    options.load = load;
    centers[i] = std::make_unique<CallCenter>(options);
    centers[i]->Run(1'000'000, nullptr);
  }
  return *centers[i];
}

void Report(benchmark::State& state, const Samples& s) {
  state.counters["decisions_per_s"] = static_cast<double>(s.decisions.size()) / s.decision_seconds;
  state.counters["commands_per_s"] = static_cast<double>(s.all.size()) / s.all_seconds;
  state.counters["offers_per_engine_s"] = static_cast<double>(s.offers) / s.all_seconds;
  state.counters["decision_p50_ns"] = Percentile(s.decisions, 0.50);
  state.counters["decision_p99_ns"] = Percentile(s.decisions, 0.99);
  state.counters["decision_p999_ns"] = Percentile(s.decisions, 0.999);
  state.counters["decision_max_ns"] = Percentile(s.decisions, 1.0);
  state.counters["command_p50_ns"] = Percentile(s.all, 0.50);
  state.counters["command_p99_ns"] = Percentile(s.all, 0.99);
  state.counters["decisions"] = static_cast<double>(s.decisions.size());
  state.counters["offers"] = static_cast<double>(s.offers);
  const char* kinds[] = {"enqueue", "accept", "complete", "tick"};
  for (int k = 0; k < 4; ++k) {
    state.counters[std::string(kinds[k]) + "_p50_ns"] = Percentile(s.by_kind[k], 0.50);
    state.counters[std::string(kinds[k]) + "_p99_ns"] = Percentile(s.by_kind[k], 0.99);
  }
  state.counters["avg_waiting"] =
      s.waiting_samples > 0 ? static_cast<double>(s.waiting_sum) / s.waiting_samples : 0;
}

// Each iteration: 10,000 engine calls of the steady state; the iteration time is the time
// spent inside the engine.
void SteadyState(benchmark::State& state, double load) {
  CallCenter& center = Center(load);
  Samples all;
  Samples batch;
  for (auto _ : state) {
    batch.Clear();
    batch.decisions.reserve(10'000);
    batch.all.reserve(10'000);
    center.Run(10'000, &batch);
    state.SetIterationTime(batch.all_seconds);
    batch.waiting_sum = center.engine().Stats().waiting;  // not timed
    batch.waiting_samples = 1;
    all.decisions.insert(all.decisions.end(), batch.decisions.begin(), batch.decisions.end());
    all.all.insert(all.all.end(), batch.all.begin(), batch.all.end());
    for (int k = 0; k < 5; ++k) {
      all.by_kind[k].insert(all.by_kind[k].end(), batch.by_kind[k].begin(), batch.by_kind[k].end());
    }
    all.decision_seconds += batch.decision_seconds;
    all.all_seconds += batch.all_seconds;
    all.offers += batch.offers;
    all.waiting_sum += batch.waiting_sum;
    all.waiting_samples += batch.waiting_samples;
  }
  state.SetItemsProcessed(static_cast<int64_t>(all.all.size()));
  Report(state, all);
}

void BM_SteadyState(benchmark::State& state) { SteadyState(state, 0.95); }
BENCHMARK(BM_SteadyState)->UseManualTime()->Iterations(200)->Unit(benchmark::kMillisecond);

// Throughput on one core without any measuring inside the loop: 1,000,000 engine calls of
// the steady state are recorded once; each iteration restores the engine from a snapshot
// taken where the recording began (not timed) and replays them back to back, draining the
// events after each call as the server would. Same decisions every time (deterministic).
void BM_Replay(benchmark::State& state) {
  CallCenter& center = Center(0.95);
  static std::string snapshot;
  static std::vector<Command> trace;
  static int64_t start_ms = 0;
  if (trace.empty()) {
    snapshot = center.engine().Snapshot();
    start_ms = center.now();
    trace.reserve(1'000'000);
    center.Record(&trace);
    center.Run(1'000'000, nullptr);
    center.Record(nullptr);
  }
  int64_t decisions = 0;
  for (const Command& c : trace) {
    decisions += c.decision() ? 1 : 0;
  }
  int64_t offers = 0;
  for (auto _ : state) {
    state.PauseTiming();
    FakeClock clock(start_ms);
    auto restored = RestoreEngine(&clock, snapshot);
    KEFU_CHECK(restored.ok()) << restored.status().ToString();
    std::unique_ptr<Engine> engine = std::move(restored).value();
    const int64_t offers_before = engine->Stats().offers;
    state.ResumeTiming();
    for (const Command& c : trace) {
      KEFU_CHECK(Replay(*engine, clock, c).ok());
      engine->ClearEvents();
    }
    state.PauseTiming();
    offers = engine->Stats().offers - offers_before;
    state.ResumeTiming();
  }
  state.counters["decisions_per_s"] =
      benchmark::Counter(static_cast<double>(decisions) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  state.counters["commands_per_s"] = benchmark::Counter(
      static_cast<double>(trace.size()) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
  state.counters["offers_per_s"] =
      benchmark::Counter(static_cast<double>(offers) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  state.counters["decisions"] = static_cast<double>(decisions);
  state.counters["commands"] = static_cast<double>(trace.size());
}
BENCHMARK(BM_Replay)->Iterations(5)->Unit(benchmark::kMillisecond);

// Overload: more arrivals than the agents can take; queues grow until customers give up.
void BM_SteadyStateOverload(benchmark::State& state) { SteadyState(state, 1.10); }
BENCHMARK(BM_SteadyStateOverload)->UseManualTime()->Iterations(100)->Unit(benchmark::kMillisecond);

// A short fixed run for valgrind --tool=callgrind (see the top of this file): the same
// floor and load as the steady state, a shorter warm-up, 100,000 measured engine calls.
void BM_Callgrind(benchmark::State& state) {
  CallCenterOptions options;
  CallCenter center(options);
  center.Run(300'000, nullptr);  // warm-up to the steady state
  Samples s;
  for (auto _ : state) {
    // Under callgrind: count only the measured phase (and, with --toggle-collect, only
    // inside the engine). Outside valgrind these are no-ops.
    CALLGRIND_ZERO_STATS;
    center.Run(100'000, &s);
    CALLGRIND_DUMP_STATS_AT("measured");
  }
  state.counters["decisions"] = static_cast<double>(s.decisions.size());
  state.counters["commands"] = static_cast<double>(s.all.size());
  state.counters["offers"] = static_cast<double>(s.offers);
}
BENCHMARK(BM_Callgrind)->Iterations(1)->Unit(benchmark::kMillisecond);

int64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t pages = 0;
  int64_t resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

// Memory per waiting contact: a floor with nobody available and 200,000 contacts waiting
// across the 1,000 queues, with skills and tiers as in the steady state.
void BM_MemoryPerWaitingContact(benchmark::State& state) {
  constexpr int kWaiting = 200'000;
  for (auto _ : state) {
    FakeClock clock(1'767'578'400'000);
    auto engine = NewEngine(&clock);
    for (QueueId q = 1; q <= 1000; ++q) {
      QueueConfig cfg;
      cfg.skills = {{1 + static_cast<SkillId>((q - 1) % 180), 1}, {181, 1}};
      if (q % 3 == 0) {
        cfg.rings = {{0, 3}, {20'000, 2}, {40'000, 1}};
      }
      KEFU_CHECK(engine->AddQueue(q, cfg).ok());
    }
    for (AgentId a = 1; a <= 10'000; ++a) {
      KEFU_CHECK(engine->AddAgent(a, {}).ok());
      for (int k = 0; k < 10; ++k) {
        KEFU_CHECK(engine->LoginAgentToQueue(a, (a - 1) / 100 * 10 + k + 1).ok());
      }
    }
    std::mt19937_64 rng(3);
    const int64_t bytes_before = engine->Stats().memory_bytes;
    const int64_t rss_before = RssBytes();
    for (int i = 0; i < kWaiting; ++i) {
      ContactSpec spec;
      spec.id = i + 1;
      spec.queue = 1 + static_cast<QueueId>(rng() % 1000);
      spec.tier = static_cast<Tier>(rng() % 4);
      SkillRequirement extra[1] = {{182 + static_cast<SkillId>(rng() % 4), 1}};
      if (rng() % 10 < 3) {
        spec.skills = std::span<const SkillRequirement>(extra, 1);
      }
      KEFU_CHECK(engine->Enqueue(spec).ok());
      if (i % 10'000 == 0) {
        engine->ClearEvents();
      }
    }
    engine->ClearEvents();
    const EngineStats stats = engine->Stats();
    state.counters["waiting"] = static_cast<double>(stats.waiting);
    state.counters["bytes_per_waiting"] =
        static_cast<double>(stats.memory_bytes - bytes_before) / kWaiting;
    state.counters["rss_bytes_per_waiting"] =
        static_cast<double>(RssBytes() - rss_before) / kWaiting;
  }
}
BENCHMARK(BM_MemoryPerWaitingContact)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kefu::routing::bench

BENCHMARK_MAIN();
