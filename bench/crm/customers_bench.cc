// Customer benchmarks (#6). Two measurements:
//
// 1. Import: N generated customers in a CSV (Chinese headers, every row valid, 5 % repeated
//    rows to de-duplicate) through `kefu import`'s code path (normalisation, ID check digits,
//    keyed hashes, classification, de-duplication, batched writes) into a fresh SQLite file,
//    and in the same run `sqlite3 FILE ".import --csv"` of the same file into a bare table —
//    the floor of what loading those bytes costs — and two SQL-only floors of storing the
//    rows kefu produced (see RunImport). Prints wall time, the CPU seconds the
//    process used (every thread: on a shared machine wall time also measures the neighbours)
//    and the database size after the import.
// 2. Customer 360 by phone: M customers with T transactions each (generated in SQL), then
//    the full Lookup (profile, cards, loans, 20 transactions, failures, tags, SMS, journey,
//    follow-ups, owner history) for random mobiles: p50/p99. On SQLite, and on PostgreSQL
//    when KEFU_TEST_PG_URL is set (scripts/with-postgres sets it).
//
// Usage: customers_bench [--import-rows N] [--customers M] [--tx-per-customer T]
//                        [--lookups K] [--only import|lookup|lookup-pg] [--no-parse-thread]
//                        [--batch-rows B]
// Defaults are small enough for `make bench` (100,000 / 100,000 × 10); the figures
// use --import-rows 1000000 --customers 1000000 --tx-per-customer 10.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/resource.h>
#include <unistd.h>
#include <random>
#include <string>
#include <vector>

#include "kefu/core/clock.h"
#include "kefu/core/id.h"
#include "kefu/core/pii.h"
#include "kefu/crm/customers.h"
#include "kefu/crm/import.h"
#include "kefu/store/database.h"
#include "kefu/store/migrate.h"

namespace kefu {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// CPU seconds (user + system, every thread) this process has used: on a shared machine the
// wall time says as much about the neighbours as about kefu.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

// The database file with its write-ahead log, in MB.
double DatabaseMb(const std::filesystem::path& db) {
  std::error_code ec;
  double bytes = 0;
  for (const char* suffix : {"", "-wal"}) {
    auto n = std::filesystem::file_size(db.string() + suffix, ec);
    bytes += ec ? 0 : static_cast<double>(n);
  }
  return bytes / 1e6;
}

std::string IdNumber(std::mt19937_64& rng) {
  static const char* prefixes[] = {"110105", "310104", "440305", "330106", "510107", "420102"};
  char body[18];
  std::snprintf(body, sizeof body, "%s%04d%02d%02d%03d", prefixes[rng() % 6],
                static_cast<int>(1950 + rng() % 55), static_cast<int>(1 + rng() % 12),
                static_cast<int>(1 + rng() % 28), static_cast<int>(rng() % 1000));
  std::string first17(body, 17);
  return first17 + pii::IdNumberCheckChar(first17);
}

// Writes `rows` customers; every 20th row repeats an earlier one (a duplicate to merge).
void WriteCsv(const std::string& path, int64_t rows) {
  static const char* surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"};
  static const char* given[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋",
                                "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平"};
  std::mt19937_64 rng(42);
  std::ofstream out(path, std::ios::binary);
  out << "客户号,姓名,手机号码,身份证号,邮箱,资产(元),标签\n";
  std::vector<std::string> recent;
  for (int64_t i = 0; i < rows; ++i) {
    if (i % 20 == 19 && !recent.empty()) {
      out << recent[rng() % recent.size()];
      continue;
    }
    char line[256];
    std::snprintf(line, sizeof line, "C%010lld,%s%s,1%d%09lld,%s,u%lld@example.cn,%lld,%s\n",
                  static_cast<long long>(i), surnames[rng() % 10], given[rng() % 20],
                  static_cast<int>(3 + rng() % 7), static_cast<long long>(i),
                  IdNumber(rng).c_str(), static_cast<long long>(i),
                  static_cast<long long>(rng() % 2'000'000), i % 3 == 0 ? "代发工资" : "");
    out << line;
    if (recent.size() < 1000) {
      recent.emplace_back(line);
    } else {
      recent[rng() % recent.size()] = line;
    }
  }
}

void RunImport(const std::filesystem::path& dir, int64_t rows, bool parse_thread,
               int batch_rows) {
  const std::string csv = (dir / "customers.csv").string();
  WriteCsv(csv, rows);
  std::printf("== import: %lld rows (%.1f MB CSV, 5 %% duplicates), SQLite synchronous=FULL, "
              "%d rows per transaction%s\n",
              static_cast<long long>(rows), std::filesystem::file_size(csv) / 1e6, batch_rows,
              parse_thread ? "" : ", no parse thread");
  auto db = store::OpenDatabase("sqlite:" + (dir / "import.db").string());
  if (!db.ok() || !store::Migrate(**db, store::KefuMigrations()).ok()) {
    std::fprintf(stderr, "cannot open the benchmark database\n");
    std::exit(1);
  }
  SystemClock clock;
  IdGenerator ids(&clock, 1);
  crm::ImportOptions options;
  options.pii_key = "benchmark-key";
  options.batch_rows = batch_rows;
  if (!parse_thread) {
    options.parse_thread_min_bytes = INT64_MAX;
  }
  double cpu0 = CpuSeconds();
  auto t0 = Clock::now();
  auto report = crm::ImportCustomersFile(**db, clock, ids, csv, options);
  auto t1 = Clock::now();
  double cpu1 = CpuSeconds();
  if (!report.ok()) {
    std::fprintf(stderr, "import failed: %s\n", report.status().ToString().c_str());
    std::exit(1);
  }
  const double kefu_s = Seconds(t0, t1);
  std::printf("kefu import      %8.2f s  %9.0f rows/s  (%lld new, %lld merged, %lld rejected; "
              "%.1f s CPU)\n",
              kefu_s, rows / kefu_s, static_cast<long long>(report->inserted),
              static_cast<long long>(report->merged_in_file),
              static_cast<long long>(report->rejected), cpu1 - cpu0);
  cpu0 = CpuSeconds();
  t0 = Clock::now();
  auto again = crm::ImportCustomersFile(**db, clock, ids, csv, options);
  t1 = Clock::now();
  cpu1 = CpuSeconds();
  std::printf("kefu re-run      %8.2f s  %9.0f rows/s  (%lld new, %lld updated; %.1f s CPU)\n",
              Seconds(t0, t1), rows / Seconds(t0, t1),
              static_cast<long long>(again.ok() ? again->inserted : -1),
              static_cast<long long>(again.ok() ? again->updated : -1), cpu1 - cpu0);
  db->reset();
  std::printf("database         %8.1f MB\n", DatabaseMb(dir / "import.db"));

  const std::string plain = (dir / "plain.db").string();
  std::string cmd = "sqlite3 '" + plain +
                    "' 'CREATE TABLE t (cif TEXT, name TEXT, mobile TEXT, id_number TEXT, "
                    "email TEXT, assets TEXT, tags TEXT);' '.import --csv --skip 1 " + csv +
                    " t' 2>&1";
  t0 = Clock::now();
  int rc = std::system(cmd.c_str());
  t1 = Clock::now();
  if (rc != 0) {
    std::printf("sqlite3 .import  failed (is the sqlite3 shell installed?)\n");
    return;
  }
  const double plain_s = Seconds(t0, t1);
  std::printf("sqlite3 .import  %8.2f s  %9.0f rows/s  (no processing, no indexes)\n", plain_s,
              rows / plain_s);

  // Two floors, from the rows kefu stored (already normalised, hashed and de-duplicated), to
  // show what SQLite alone needs to store them, in the most favourable way: one transaction,
  // a 2 GB page cache, rows in key order.
  //  - schema: kefu's own tables with their keys, constraints and indexes (secondary indexes
  //    built after the load, foreign keys checked as the server does).
  //  - bare: only the customers rows and one (kind, key) → customer table, no other index,
  //    no foreign key: less than any de-duplicating import can store.
  const std::string schema_db = (dir / "floor.db").string();
  {
    auto floor = store::OpenDatabase("sqlite:" + schema_db);
    if (!floor.ok() || !store::Migrate(**floor, store::KefuMigrations()).ok()) {
      std::fprintf(stderr, "cannot create the floor database\n");
      std::exit(1);
    }
  }
  const std::string import_db = (dir / "import.db").string();
  const std::string setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                            "PRAGMA cache_size=-2000000; PRAGMA temp_store=MEMORY; ATTACH '" +
                            import_db + "' AS k; ";
  const std::string schema_sql =
      setup +
      "PRAGMA foreign_keys=ON; BEGIN; DROP INDEX customers_name_idx; "
      "DROP INDEX customers_cif_idx; DROP INDEX customers_owner_idx; "
      "DROP INDEX customers_branch_idx; DROP INDEX customer_keys_customer_idx; "
      "INSERT INTO customers SELECT * FROM k.customers ORDER BY id; "
      "INSERT INTO customer_keys SELECT * FROM k.customer_keys ORDER BY kind, key; "
      "INSERT INTO customer_tags SELECT * FROM k.customer_tags ORDER BY customer_id, tag; "
      "CREATE INDEX customers_owner_idx ON customers (owner_agent_id); "
      "CREATE INDEX customers_branch_idx ON customers (branch_id); "
      "CREATE UNIQUE INDEX customers_cif_idx ON customers (cif); "
      "CREATE INDEX customers_name_idx ON customers (name); "
      "CREATE INDEX customer_keys_customer_idx ON customer_keys (customer_id); COMMIT;";
  const std::string bare_sql =
      setup +
      "CREATE TABLE c AS SELECT * FROM k.customers WHERE 0; "
      "CREATE TABLE keys (kind TEXT NOT NULL, key TEXT NOT NULL, customer_id INTEGER NOT NULL, "
      "PRIMARY KEY (kind, key)) WITHOUT ROWID; BEGIN; "
      "INSERT INTO c SELECT * FROM k.customers ORDER BY id; "
      "INSERT INTO keys SELECT kind, key, customer_id FROM k.customer_keys ORDER BY kind, key; "
      "COMMIT;";
  auto timed_sql = [&](const std::string& file, const std::string& sql) {
    std::ofstream(dir / "floor.sql") << sql << "\n";
    const std::string run = "sqlite3 '" + file + "' < '" + (dir / "floor.sql").string() +
                            "' > /dev/null";
    auto a = Clock::now();
    int code = std::system(run.c_str());
    auto b = Clock::now();
    return code == 0 ? Seconds(a, b) : -1.0;
  };
  const double schema_s = timed_sql(schema_db, schema_sql);
  const double bare_s = timed_sql((dir / "bare.db").string(), bare_sql);
  std::printf("SQLite floor     %8.2f s  (kefu's rows into kefu's schema, SQL only)\n", schema_s);
  std::printf("bare floor       %8.2f s  (customers rows + one key table, no other index)\n",
              bare_s);
  std::printf("ratio kefu / plain: %.2f× (goal ≤ 2×); kefu / SQLite floor: %.2f×; "
              "bare floor / plain: %.2f×\n",
              kefu_s / plain_s, kefu_s / schema_s, bare_s / plain_s);
}

// Customers, identity keys (clear: the bench measures lookups, not HMAC), cards,
// transactions and the service history (contacts, tickets, complaints, surveys) generated
// inside the database in a few statements.
Status Populate(store::Database& db, int64_t customers, int64_t tx_per_customer) {
  const int64_t now = SystemClock().NowMs();
  return db.Transact([&](store::Session& s) -> Status {
    KEFU_RETURN_IF_ERROR(s.Exec(
        "INSERT INTO error_codes (code, reason, advice, channel, category, updated_ms) VALUES "
        "('51', '余额不足', '请提醒客户还款后再试', 'all', 'funds', $1)",
        {now}).status());
    // Customer n: id 10^12 + n, mobile 13 + 9 digits of n.
    KEFU_RETURN_IF_ERROR(s.Exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) "
        "INSERT INTO customers (id, name, mobile, mobile_hash, tier, created_ms, updated_ms) "
        "SELECT 1000000000000 + i, '客户' || i, "
        "'13' || substr('000000000' || i, length('000000000' || i) - 8), "
        "'13' || substr('000000000' || i, length('000000000' || i) - 8), 'gold', $2, $2 FROM n",
        {customers, now}).status());
    KEFU_RETURN_IF_ERROR(s.Exec(
        "INSERT INTO customer_keys (kind, key, customer_id, value, created_ms) "
        "SELECT 'mobile', mobile, id, mobile, created_ms FROM customers", {}).status());
    KEFU_RETURN_IF_ERROR(s.Exec(
        "INSERT INTO cards (id, customer_id, card_number_masked, card_number_hash, last4, "
        "product, kind, credit_limit_fen, available_fen, expiry_month, opened_ms, updated_ms) "
        "SELECT id + 1000000000000, id, '************0000', 'h' || id, '0000', '金卡', "
        "'credit', 5000000, 100000, '2030-01', $1, $1 FROM customers",
        {now}).status());
    // The service history a 360 shows: 3 contacts each, an open ticket for every fifth
    // customer, a complaint for every twentieth, an NPS answer each.
    KEFU_RETURN_IF_ERROR(s.Exec(
        "WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < 2) "
        "INSERT INTO interactions (id, customer_id, channel, direction, agent_name, status, "
        "summary, started_ms, answered_ms, ended_ms) "
        "SELECT 7000000000000 + (c.id - 1000000000000) * 10 + j, c.id, "
        "CASE j WHEN 0 THEN 'voice' WHEN 1 THEN 'chat' ELSE 'wechat' END, 'inbound', '座席', "
        "'ended', '咨询账单分期', $1 - (j + 1) * 86400000, $1 - (j + 1) * 86400000 + 10000, "
        "$1 - (j + 1) * 86400000 + 300000 FROM customers c CROSS JOIN k",
        {now}).status());
    KEFU_RETURN_IF_ERROR(s.Exec(
        "INSERT INTO tickets (id, number, customer_id, kind, subject, status, created_ms, "
        "updated_ms) SELECT 8000000000000 + (id - 1000000000000), 'GD' || id, id, 'request', "
        "'补寄账单', 'open', $1, $1 FROM customers WHERE id % 5 = 0",
        {now}).status());
    KEFU_RETURN_IF_ERROR(s.Exec(
        "INSERT INTO tickets (id, number, customer_id, kind, subject, status, severity, "
        "created_ms, updated_ms) SELECT 9000000000000 + (id - 1000000000000), 'TS' || id, id, "
        "'complaint', '年费争议', 'closed', 'minor', $1 - 86400000, $1 FROM customers "
        "WHERE id % 20 = 1",
        {now}).status());
    KEFU_RETURN_IF_ERROR(s.Exec(
        "INSERT INTO surveys (id, customer_id, kind, channel, score, answered_ms) "
        "SELECT 6000000000000 + (id - 1000000000000), id, 'nps', 'sms', id % 11, $1 "
        "FROM customers",
        {now}).status());
    return s.Exec(
        "WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < $1 - 1) "
        "INSERT INTO transactions (id, customer_id, card_id, kind, direction, amount_fen, "
        "merchant, channel, status, error_code, occurred_ms) "
        "SELECT 5000000000000 + (c.id - 1000000000000) * 1000 + j, c.id, "
        "c.id + 1000000000000, 'purchase', 'out', 100 + j, '商户', 'pos', "
        "CASE WHEN j % 12 = 5 THEN 'failed' ELSE 'success' END, "
        "CASE WHEN j % 12 = 5 THEN '51' ELSE NULL END, $2 - j * 3600000 "
        "FROM customers c CROSS JOIN k",
        {tx_per_customer, now}).status();
  });
}

void RunLookup(const std::string& label, const std::string& url, int64_t customers,
               int64_t tx_per_customer, int lookups) {
  auto db = store::OpenDatabase(url);
  if (!db.ok() || !store::Migrate(**db, store::KefuMigrations()).ok()) {
    std::fprintf(stderr, "%s: cannot open %s\n", label.c_str(), url.c_str());
    return;
  }
  auto t0 = Clock::now();
  Status populated = Populate(**db, customers, tx_per_customer);
  auto t1 = Clock::now();
  if (!populated.ok()) {
    std::fprintf(stderr, "%s: populate failed: %s\n", label.c_str(),
                 populated.ToString().c_str());
    return;
  }
  std::printf("== 360 by phone on %s: %lld customers, %lld transactions (generated in %.1f s)\n",
              label.c_str(), static_cast<long long>(customers),
              static_cast<long long>(customers * tx_per_customer), Seconds(t0, t1));
  if ((*db)->dialect() == store::Dialect::kPostgres) {
    (void)(*db)->Exec("ANALYZE");
  }
  SystemClock clock;
  crm::Customers service(db->get(), &clock, "");
  std::mt19937_64 rng(7);
  std::vector<double> micros;
  micros.reserve(lookups);
  int64_t rows = 0;
  int64_t history = 0;
  for (int i = 0; i < lookups + 200; ++i) {
    int64_t n = 1 + static_cast<int64_t>(rng() % customers);
    char mobile[32];
    std::snprintf(mobile, sizeof mobile, "13%09lld", static_cast<long long>(n));
    auto a = Clock::now();
    auto c = service.Lookup(crm::LookupKey::Mobile(mobile), false);
    auto b = Clock::now();
    if (!c.ok()) {
      std::fprintf(stderr, "lookup %s failed: %s\n", mobile, c.status().ToString().c_str());
      return;
    }
    rows += static_cast<int64_t>(c->transactions.size());
    history += static_cast<int64_t>(c->contacts.size() + c->open_tickets.size() +
                                    c->complaints.size() + c->surveys.size());
    if (i >= 200) {  // the first 200 warm the caches and prepared statements
      micros.push_back(std::chrono::duration<double, std::micro>(b - a).count());
    }
  }
  std::sort(micros.begin(), micros.end());
  auto pct = [&](double p) { return micros[static_cast<size_t>(p * (micros.size() - 1))]; };
  std::printf("lookups %d: p50 %.0f µs, p90 %.0f µs, p99 %.0f µs, max %.0f µs "
              "(%.1f transactions and %.1f contacts/tickets/complaints/surveys per view; "
              "goal p99 ≤ 5 ms)\n",
              lookups, pct(0.5), pct(0.9), pct(0.99), micros.back(),
              static_cast<double>(rows) / (lookups + 200),
              static_cast<double>(history) / (lookups + 200));
}

}  // namespace
}  // namespace kefu

int main(int argc, char** argv) {
  int64_t import_rows = 100'000;
  int64_t customers = 100'000;
  int64_t tx = 10;
  int lookups = 5'000;
  std::string only;
  bool parse_thread = true;
  int batch_rows = 50'000;  // as `kefu import customers` does
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--import-rows") {
      import_rows = std::stoll(next());
    } else if (a == "--customers") {
      customers = std::stoll(next());
    } else if (a == "--tx-per-customer") {
      tx = std::stoll(next());
    } else if (a == "--lookups") {
      lookups = std::stoi(next());
    } else if (a == "--batch-rows") {
      batch_rows = std::stoi(next());
    } else if (a == "--no-parse-thread") {
      parse_thread = false;
    } else if (a == "--only") {
      only = next();
    } else {
      std::fprintf(stderr, "unknown argument %s (see the comment at the top of the file)\n",
                   a.c_str());
      return 2;
    }
  }
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("kefu_customers_bench_" + std::to_string(getpid()));
  fs::create_directories(dir);
  if (only.empty() || only == "import") {
    kefu::RunImport(dir, import_rows, parse_thread, batch_rows);
  }
  if (only.empty() || only == "lookup") {
    kefu::RunLookup("SQLite", "sqlite:" + (dir / "lookup.db").string(), customers, tx, lookups);
  }
  if (only.empty() || only == "lookup" || only == "lookup-pg") {
    if (const char* pg = std::getenv("KEFU_TEST_PG_URL"); pg != nullptr && *pg != '\0') {
      kefu::RunLookup("PostgreSQL", pg, customers, tx, lookups);
    } else {
      std::printf("== PostgreSQL skipped: run under scripts/with-postgres to measure it\n");
    }
  }
  fs::remove_all(dir);
  return 0;
}
