#include "demo_seed.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kefu/core/clock.h"
#include "kefu/core/pii.h"
#include "kefu/store/database.h"
#include "kefu/store/migrate.h"

namespace kefu::cli {
namespace {

constexpr char kKey[] = "demo-seed-test-key";
constexpr int kCustomers = 200;
constexpr int64_t kDayMs = 86'400'000;

const char* const kTables[] = {
    "kefu_meta", "regions",      "branches",  "teams", "agents", "skills",      "agent_skills",
    "queues",    "queue_skills", "customers", "cards", "loans",  "error_codes", "transactions"};

class DemoSeed : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("kefu_demo_seed_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = OpenMigrated("seed.db");
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<store::Database> Open(const std::string& name) {
    auto db = store::OpenDatabase("sqlite:" + (dir_ / name).string());
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(db).value() : nullptr;
  }
  std::unique_ptr<store::Database> OpenMigrated(const std::string& name) {
    auto db = Open(name);
    if (db != nullptr) {
      auto applied = store::Migrate(*db, store::KefuMigrations());
      EXPECT_TRUE(applied.ok()) << applied.status().ToString();
    }
    return db;
  }

  DemoSeedOptions Options(int customers = kCustomers) {
    DemoSeedOptions options;
    options.customers = customers;
    options.pii_key = kKey;
    return options;
  }

  DemoSeedReport Seed(store::Database& db, int customers = kCustomers) {
    auto report = SeedDemo(db, clock_, Options(customers));
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : DemoSeedReport{};
  }

  int64_t Int(const std::string& sql) { return Int(*db_, sql); }
  static int64_t Int(store::Database& db, const std::string& sql) {
    auto n = db.QueryInt64(sql);
    EXPECT_TRUE(n.ok()) << sql << ": " << n.status().ToString();
    return n.ok() ? *n : -1;
  }
  store::Rows Rows(const std::string& sql) { return Rows(*db_, sql); }
  static store::Rows Rows(store::Database& db, const std::string& sql) {
    auto rows = db.Query(sql);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
    return rows.ok() ? *rows : store::Rows{};
  }
  // Rows as text, to compare two results.
  std::vector<std::string> Dump(store::Database& db, const std::string& sql) {
    std::vector<std::string> out;
    for (const store::Row& row : Rows(db, sql)) {
      std::string line;
      for (size_t i = 0; i < row.size(); ++i) {
        line += row.at(i).DebugString() + "|";
      }
      out.push_back(std::move(line));
    }
    return out;
  }
  std::map<std::string, int64_t> TableCounts(store::Database& db) {
    std::map<std::string, int64_t> counts;
    for (const char* table : kTables) {
      counts[table] = Int(db, std::string("SELECT count(*) FROM ") + table);
    }
    return counts;
  }

  FakeClock clock_;
  std::filesystem::path dir_;
  std::unique_ptr<store::Database> db_;
};

TEST_F(DemoSeed, ReportMatchesTheRowsWritten) {
  ASSERT_NE(db_, nullptr);
  std::vector<std::pair<std::string, int64_t>> calls;
  auto report =
      SeedDemo(*db_, clock_, Options(), [&](std::string_view stage, int64_t done, int64_t total) {
        calls.emplace_back(std::string(stage), done);
        EXPECT_LE(done, total);
      });
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->already_seeded);

  EXPECT_EQ(report->regions, Int("SELECT count(*) FROM regions"));
  EXPECT_EQ(report->branches, Int("SELECT count(*) FROM branches"));
  EXPECT_EQ(report->teams, Int("SELECT count(*) FROM teams"));
  EXPECT_EQ(report->agents, Int("SELECT count(*) FROM agents"));
  EXPECT_EQ(report->skills, Int("SELECT count(*) FROM skills"));
  EXPECT_EQ(report->queues, Int("SELECT count(*) FROM queues"));
  EXPECT_EQ(report->customers, Int("SELECT count(*) FROM customers"));
  EXPECT_EQ(report->cards, Int("SELECT count(*) FROM cards"));
  EXPECT_EQ(report->loans, Int("SELECT count(*) FROM loans"));
  EXPECT_EQ(report->transactions, Int("SELECT count(*) FROM transactions"));
  EXPECT_EQ(report->failed_transactions,
            Int("SELECT count(*) FROM transactions WHERE status = 'failed'"));
  EXPECT_EQ(report->interactions, Int("SELECT count(*) FROM interactions"));
  EXPECT_EQ(report->tickets, Int("SELECT count(*) FROM tickets"));
  EXPECT_EQ(report->complaints, Int("SELECT count(*) FROM tickets WHERE kind = 'complaint'"));
  EXPECT_EQ(report->surveys, Int("SELECT count(*) FROM surveys"));
  // The service history a 360 view shows: contacts on several channels, open tickets,
  // complaints and NPS answers, all within the last 180 days (a year for complaints).
  EXPECT_GE(report->interactions, kCustomers);
  EXPECT_GE(Int("SELECT count(DISTINCT channel) FROM interactions"), 5);
  EXPECT_GT(Int("SELECT count(*) FROM tickets WHERE status IN ('new', 'open', 'pending')"), 0);
  EXPECT_GT(report->complaints, 0);
  EXPECT_GT(Int("SELECT count(*) FROM surveys WHERE kind = 'nps'"), 0);
  EXPECT_EQ(Int("SELECT count(*) FROM interactions WHERE answered_ms < started_ms OR "
                "ended_ms < started_ms OR started_ms > " + std::to_string(clock_.NowMs())),
            0);

  EXPECT_GE(report->regions, 12);
  EXPECT_GE(report->branches, report->regions);
  EXPECT_LE(report->branches, 3 * report->regions);
  EXPECT_EQ(report->teams, 7);
  EXPECT_GE(report->agents, 50);
  EXPECT_EQ(report->queues, 10);
  EXPECT_EQ(report->customers, kCustomers);
  EXPECT_GE(report->cards, kCustomers);
  EXPECT_LE(report->cards, 4 * kCustomers);
  EXPECT_GE(report->transactions, 10 * kCustomers);
  EXPECT_LE(report->transactions, 25 * kCustomers);
  EXPECT_GT(report->loans, 0);
  EXPECT_GE(Int("SELECT count(*) FROM error_codes"), 20);
  EXPECT_EQ(Int("SELECT count(*) FROM regions r WHERE NOT EXISTS "
                "(SELECT 1 FROM branches b WHERE b.region_id = r.id)"),
            0);

  ASSERT_EQ(calls.size(), 3u);  // reference data, then two batches of 100
  EXPECT_EQ(calls[0].first, "reference");
  EXPECT_EQ(calls[1], std::make_pair(std::string("customers"), int64_t{100}));
  EXPECT_EQ(calls[2], std::make_pair(std::string("customers"), int64_t{kCustomers}));
  EXPECT_EQ(Int("SELECT count(*) FROM kefu_meta WHERE key = 'demo_seeded'"), 1);
  EXPECT_EQ(Int("SELECT count(*) FROM kefu_meta WHERE key = 'demo_seed_started'"), 0);
}

TEST_F(DemoSeed, IdNumbersAndMobilesAreValidAndHashed) {
  ASSERT_NE(db_, nullptr);
  Seed(*db_);
  const store::Rows rows = Rows(
      "SELECT id_number, id_number_hash, gender, birth_date, mobile, mobile_hash, id_type, "
      "preferred_script, email FROM customers");
  ASSERT_EQ(rows.size(), static_cast<size_t>(kCustomers));
  int traditional = 0;
  int emails = 0;
  for (const store::Row& row : rows) {
    const std::string& id_number = row.Text(0);
    auto normalized = pii::NormalizeIdNumber(id_number);
    ASSERT_TRUE(normalized.ok()) << id_number << ": " << normalized.status().ToString();
    EXPECT_EQ(*normalized, id_number);
    EXPECT_EQ(row.Text(1), pii::KeyedHash(kKey, id_number));
    // 17th digit odd for men; digits 7–14 are the birth date.
    const bool odd = (id_number[16] - '0') % 2 == 1;
    EXPECT_EQ(row.Text(2), odd ? "male" : "female") << id_number;
    const std::string& birth = row.Text(3);
    EXPECT_EQ(birth.substr(0, 4) + birth.substr(5, 2) + birth.substr(8, 2), id_number.substr(6, 8));

    const std::string& mobile = row.Text(4);
    auto mobile_ok = pii::NormalizeMobile(mobile);
    ASSERT_TRUE(mobile_ok.ok()) << mobile;
    EXPECT_EQ(*mobile_ok, mobile);
    EXPECT_EQ(row.Text(5), pii::KeyedHash(kKey, mobile));

    const bool hk_tw = id_number.starts_with("81") || id_number.starts_with("83");
    EXPECT_EQ(row.Text(6), hk_tw ? "residence_permit" : "resident_id") << id_number;
    if (row.Text(7) == "traditional") {
      ++traditional;
      EXPECT_TRUE(hk_tw) << id_number;
    }
    if (!row.IsNull(8)) {
      ++emails;
      auto email = pii::NormalizeEmail(row.Text(8));
      EXPECT_TRUE(email.ok()) << row.Text(8);
    }
  }
  EXPECT_GT(traditional, 0);
  EXPECT_GT(emails, 0);
  EXPECT_LT(emails, kCustomers);
}

TEST_F(DemoSeed, CardsKeepOnlyMaskedNumbersAndHashes) {
  ASSERT_NE(db_, nullptr);
  Seed(*db_);
  const store::Rows rows = Rows(
      "SELECT card_number_masked, card_number_hash, last4, kind, credit_limit_fen, "
      "available_fen FROM cards");
  ASSERT_FALSE(rows.empty());
  for (const store::Row& row : rows) {
    const std::string& masked = row.Text(0);
    ASSERT_GE(masked.size(), 12u);
    EXPECT_TRUE(masked.ends_with(row.Text(2))) << masked;
    EXPECT_EQ(masked.find_first_of("0123456789"), masked.size() - 4) << masked;
    EXPECT_EQ(row.Text(1).size(), 64u);
    if (row.Text(3) == "credit") {
      ASSERT_FALSE(row.IsNull(4));
      EXPECT_GT(row.Int64(4), 0);
      EXPECT_LE(row.Int64(5), row.Int64(4));
    } else {
      EXPECT_TRUE(row.IsNull(4));
    }
  }
  EXPECT_EQ(Int("SELECT count(*) FROM customers c WHERE NOT EXISTS "
                "(SELECT 1 FROM cards k WHERE k.customer_id = c.id)"),
            0);
}

TEST_F(DemoSeed, FailedTransactionsCarryKnownErrorCodes) {
  ASSERT_NE(db_, nullptr);
  const DemoSeedReport report = Seed(*db_);
  EXPECT_EQ(Int("SELECT count(*) FROM transactions WHERE status = 'failed' AND "
                "error_code IS NULL"),
            0);
  EXPECT_EQ(Int("SELECT count(*) FROM transactions t WHERE t.error_code IS NOT NULL AND "
                "NOT EXISTS (SELECT 1 FROM error_codes e WHERE e.code = t.error_code)"),
            0);
  EXPECT_EQ(Int("SELECT count(*) FROM transactions WHERE status = 'success' AND "
                "error_code IS NOT NULL"),
            0);
  ASSERT_GT(report.transactions, 0);
  const double failed_share = static_cast<double>(report.failed_transactions) / report.transactions;
  EXPECT_GT(failed_share, 0.04);
  EXPECT_LT(failed_share, 0.14);
  // Several different reasons, not one code for everything.
  EXPECT_GE(Int("SELECT count(DISTINCT error_code) FROM transactions WHERE status = 'failed'"), 8);

  const int64_t now = clock_.NowMs();
  EXPECT_EQ(Int("SELECT count(*) FROM transactions WHERE occurred_ms >= " + std::to_string(now) +
                " OR occurred_ms < " + std::to_string(now - 90 * kDayMs)),
            0);
  // Every card-less transaction names the account instead, and cards belong to the customer.
  EXPECT_EQ(Int("SELECT count(*) FROM transactions WHERE card_id IS NULL AND "
                "account_masked IS NULL"),
            0);
  EXPECT_EQ(Int("SELECT count(*) FROM transactions t JOIN cards k ON k.id = t.card_id "
                "WHERE k.customer_id <> t.customer_id"),
            0);
}

TEST_F(DemoSeed, TiersAreSkewedAndGoldAndAboveHaveOwners) {
  ASSERT_NE(db_, nullptr);
  Seed(*db_, 1000);
  const int64_t standard = Int("SELECT count(*) FROM customers WHERE tier = 'standard'");
  const int64_t gold = Int("SELECT count(*) FROM customers WHERE tier = 'gold'");
  const int64_t platinum = Int("SELECT count(*) FROM customers WHERE tier = 'platinum'");
  const int64_t top = Int("SELECT count(*) FROM customers WHERE tier = 'private'");
  EXPECT_EQ(standard + gold + platinum + top, 1000);
  EXPECT_GT(standard, 650);
  EXPECT_LT(standard, 850);
  EXPECT_GT(gold, platinum);
  EXPECT_GT(platinum, top);
  EXPECT_GT(top, 0);

  EXPECT_EQ(Int("SELECT count(*) FROM customers WHERE tier <> 'standard' AND "
                "owner_agent_id IS NULL"),
            0);
  EXPECT_EQ(Int("SELECT count(*) FROM customers WHERE tier = 'standard' AND "
                "owner_agent_id IS NOT NULL"),
            0);
  EXPECT_EQ(Int("SELECT count(*) FROM customers c JOIN agents a ON a.id = c.owner_agent_id "
                "WHERE a.role NOT IN ('agent', 'expert')"),
            0);
  EXPECT_EQ(Int("SELECT count(*) FROM customers c JOIN agents a ON a.id = c.owner_agent_id "
                "WHERE c.tier = 'private' AND a.role <> 'expert'"),
            0);
}

TEST_F(DemoSeed, EveryQueueHasAnAgentWithItsSkills) {
  ASSERT_NE(db_, nullptr);
  Seed(*db_, 0);
  EXPECT_EQ(Int("SELECT count(*) FROM queues q WHERE NOT EXISTS ("
                "SELECT 1 FROM queue_skills qs JOIN agent_skills s ON s.skill_id = qs.skill_id "
                "AND s.proficiency >= qs.min_proficiency WHERE qs.queue_id = q.id)"),
            0);
  EXPECT_EQ(Int("SELECT count(*) FROM teams t WHERE NOT EXISTS (SELECT 1 FROM agents a "
                "WHERE a.team_id = t.id AND a.role = 'supervisor')"),
            0);
  EXPECT_EQ(Int("SELECT count(*) FROM kefu_meta WHERE key = 'demo_seeded'"), 1);
}

TEST_F(DemoSeed, SeedingTwiceChangesNothing) {
  ASSERT_NE(db_, nullptr);
  Seed(*db_);
  const auto before = TableCounts(*db_);
  clock_.AdvanceMs(kDayMs);
  auto again = SeedDemo(*db_, clock_, Options());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->already_seeded);
  EXPECT_EQ(again->customers, 0);
  EXPECT_EQ(TableCounts(*db_), before);
}

TEST_F(DemoSeed, SameSeedGivesTheSameData) {
  ASSERT_NE(db_, nullptr);
  auto other = OpenMigrated("other.db");
  auto different = OpenMigrated("different.db");
  ASSERT_NE(other, nullptr);
  ASSERT_NE(different, nullptr);
  Seed(*db_, 150);
  Seed(*other, 150);
  DemoSeedOptions options = Options(150);
  options.seed = 7;
  ASSERT_TRUE(SeedDemo(*different, clock_, options).ok());

  const std::string customers =
      "SELECT name, id_number, mobile, tier, birth_date FROM customers ORDER BY id";
  const std::string transactions =
      "SELECT amount_fen, merchant, status, occurred_ms FROM transactions ORDER BY id";
  const auto ours = Dump(*db_, customers);
  ASSERT_EQ(ours.size(), 150u);
  EXPECT_EQ(ours, Dump(*other, customers));
  EXPECT_EQ(Dump(*db_, transactions), Dump(*other, transactions));
  EXPECT_NE(ours, Dump(*different, customers));
}

TEST_F(DemoSeed, UnmigratedDatabaseIsAFailedPrecondition) {
  auto empty = Open("empty.db");
  ASSERT_NE(empty, nullptr);
  auto report = SeedDemo(*empty, clock_, Options());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kFailedPrecondition) << report.status().ToString();
}

TEST_F(DemoSeed, UnfinishedSeedIsAFailedPrecondition) {
  ASSERT_NE(db_, nullptr);
  ASSERT_TRUE(
      db_->Exec("INSERT INTO kefu_meta (key, value) VALUES ('demo_seed_started', 'x')").ok());
  auto report = SeedDemo(*db_, clock_, Options());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kFailedPrecondition) << report.status().ToString();
  EXPECT_EQ(Int("SELECT count(*) FROM regions"), 0);
}

TEST_F(DemoSeed, RejectsBadOptions) {
  ASSERT_NE(db_, nullptr);
  DemoSeedOptions no_key = Options();
  no_key.pii_key.clear();
  auto report = SeedDemo(*db_, clock_, no_key);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kInvalidArgument);

  DemoSeedOptions bad_node = Options();
  bad_node.node_id = -1;
  report = SeedDemo(*db_, clock_, bad_node);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Int("SELECT count(*) FROM kefu_meta"), 0);
}

}  // namespace
}  // namespace kefu::cli
