// Store benchmarks. The headline: single-row inserts from 8 concurrent callers on SQLite with
// synchronous=FULL (every commit durable), with and without group commit.
//   make bench          (or build/release/bench/store_bench --benchmark_filter=Insert)
// With KEFU_TEST_PG_URL set (scripts/with-postgres build/release/bench/store_bench), the same
// load runs on PostgreSQL too.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "kefu/store/database.h"

namespace kefu::store {
namespace {

std::unique_ptr<Database> OpenOrDie(const std::string& url, const DatabaseOptions& options) {
  auto db = OpenDatabase(url, options);
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", db.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(db).value();
}

// Each iteration: `callers` threads insert `per_caller` rows, one transaction per row.
void RunInserts(benchmark::State& state, Database& db, int callers, int per_caller) {
  std::atomic<int64_t> next_id{1};
  std::atomic<int64_t> errors{0};
  for (auto _ : state) {
    std::vector<std::thread> threads;
    for (int t = 0; t < callers; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < per_caller; ++i) {
          int64_t id = next_id.fetch_add(1);
          auto r = db.Exec("INSERT INTO bench_calls (id, queue, wait_ms) VALUES ($1, $2, $3)",
                           {id, "信用卡热线", id % 60000});
          if (!r.ok()) {
            errors.fetch_add(1);
          }
        }
      });
    }
    for (auto& t : threads) {
      t.join();
    }
  }
  DatabaseStats stats = db.stats();
  state.SetItemsProcessed(state.iterations() * callers * per_caller);
  state.counters["rows_per_commit"] =
      stats.commits > 0 ? static_cast<double>(stats.transactions) / stats.commits : 0;
  state.counters["errors"] = static_cast<double>(errors.load());
}

void BM_SqliteInsert(benchmark::State& state) {
  bool group_commit = state.range(0) != 0;
  int callers = static_cast<int>(state.range(1));
  auto dir = std::filesystem::temp_directory_path() /
             ("kefu_bench_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  DatabaseOptions options;
  options.sqlite_group_commit = group_commit;
  options.sqlite_synchronous = "FULL";
  {
    auto db = OpenOrDie("sqlite:" + (dir / "bench.db").string(), options);
    (void)db->Exec(
        "CREATE TABLE bench_calls (id BIGINT PRIMARY KEY, queue TEXT NOT NULL, wait_ms BIGINT)");
    RunInserts(state, *db, callers, group_commit ? 400 : 50);
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_SqliteInsert)
    ->ArgNames({"group_commit", "callers"})
    ->Args({0, 1})
    ->Args({1, 1})
    ->Args({0, 8})
    ->Args({1, 8})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);

void BM_PostgresInsert(benchmark::State& state) {
  const char* url = std::getenv("KEFU_TEST_PG_URL");
  if (url == nullptr) {
    state.SkipWithError("KEFU_TEST_PG_URL not set (run through scripts/with-postgres)");
    return;
  }
  int callers = static_cast<int>(state.range(0));
  auto db = OpenOrDie(url, {});
  (void)db->Exec("DROP TABLE IF EXISTS bench_calls");
  (void)db->Exec(
      "CREATE TABLE bench_calls (id BIGINT PRIMARY KEY, queue TEXT NOT NULL, wait_ms BIGINT)");
  RunInserts(state, *db, callers, 200);
  (void)db->Exec("DROP TABLE bench_calls");
}
BENCHMARK(BM_PostgresInsert)
    ->ArgNames({"callers"})
    ->Arg(1)
    ->Arg(8)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);

void BM_SqlitePointRead(benchmark::State& state) {
  auto dir = std::filesystem::temp_directory_path() /
             ("kefu_bench_read_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    auto db = OpenOrDie("sqlite:" + (dir / "bench.db").string(), {});
    (void)db->Exec("CREATE TABLE customers (id BIGINT PRIMARY KEY, mobile TEXT, name TEXT)");
    (void)db->Transact([](Session& s) -> Status {
      for (int i = 0; i < 10000; ++i) {
        KEFU_RETURN_IF_ERROR(s.Exec("INSERT INTO customers (id, mobile, name) VALUES ($1, $2, $3)",
                                    {i, "138" + std::to_string(10000000 + i), "客户"})
                                 .status());
      }
      return OkStatus();
    });
    int64_t i = 0;
    for (auto _ : state) {
      auto rows = db->Query("SELECT id, mobile, name FROM customers WHERE id = $1", {i++ % 10000});
      benchmark::DoNotOptimize(rows);
    }
    state.SetItemsProcessed(state.iterations());
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_SqlitePointRead);

}  // namespace
}  // namespace kefu::store

BENCHMARK_MAIN();
