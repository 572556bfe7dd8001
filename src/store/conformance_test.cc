// The storage conformance suite: one set of tests, typed over both backends (STYLE.md). The
// PostgreSQL half runs against KEFU_TEST_PG_URL, which scripts/with-postgres provides for
// `make test`; without it the PostgreSQL tests are skipped, except under CI=true where that
// is a failure.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <thread>
#include <vector>

#include "kefu/store/database.h"
#include "kefu/store/migrate.h"

namespace kefu::store {
namespace {

std::string UniqueName() {
  static std::atomic<int> counter{0};
  return "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
}

// A fresh, empty SQLite database file per test.
struct SqliteBackend {
  static constexpr const char* kName = "sqlite";
  std::filesystem::path dir;

  Result<std::unique_ptr<Database>> Open(const DatabaseOptions& options = {}) {
    if (dir.empty()) {
      dir = std::filesystem::temp_directory_path() / ("kefu_store_" + UniqueName());
      std::filesystem::create_directories(dir);
    }
    return OpenDatabase("sqlite:" + (dir / "test.db").string(), options);
  }
  void Cleanup() {
    if (!dir.empty()) {
      std::filesystem::remove_all(dir);
    }
  }
};

// A fresh PostgreSQL schema per test (set as the connection's search_path), so tests are
// isolated from each other and can run in parallel against one server.
struct PostgresBackend {
  static constexpr const char* kName = "postgresql";
  std::string base_url;
  std::string schema;

  Result<std::unique_ptr<Database>> Open(const DatabaseOptions& options = {}) {
    const char* url = std::getenv("KEFU_TEST_PG_URL");
    if (url == nullptr || *url == '\0') {
      return FailedPreconditionError("KEFU_TEST_PG_URL is not set");
    }
    base_url = url;
    if (schema.empty()) {
      schema = UniqueName();
      KEFU_ASSIGN_OR_RETURN(std::unique_ptr<Database> admin, OpenDatabase(base_url));
      KEFU_RETURN_IF_ERROR(admin->Exec("CREATE SCHEMA " + schema).status());
    }
    std::string sep = base_url.find('?') == std::string::npos ? "?" : "&";
    return OpenDatabase(base_url + sep + "options=-csearch_path%3D" + schema, options);
  }
  void Cleanup() {
    if (!schema.empty()) {
      auto admin = OpenDatabase(base_url);
      if (admin.ok()) {
        (void)(*admin)->Exec("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }
};

template <typename Backend>
class StoreConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    if constexpr (std::is_same_v<Backend, PostgresBackend>) {
      const char* url = std::getenv("KEFU_TEST_PG_URL");
      if (url == nullptr || *url == '\0') {
        const char* ci = std::getenv("CI");
        if (ci != nullptr && std::string(ci) == "true") {
          FAIL() << "CI=true but KEFU_TEST_PG_URL is not set: run the tests through "
                    "scripts/with-postgres (make test does)";
        }
        GTEST_SKIP() << "KEFU_TEST_PG_URL not set; run through scripts/with-postgres";
      }
    }
    auto db = backend_.Open();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    ASSERT_TRUE(db_->Transact([](Session& s) {
                     return s.ExecScript(
                         "CREATE TABLE people (id BIGINT PRIMARY KEY, name TEXT NOT NULL,"
                         " email TEXT UNIQUE, age BIGINT, score DOUBLE PRECISION);"
                         "CREATE TABLE counters (name TEXT PRIMARY KEY, n BIGINT NOT NULL);"
                         "CREATE TABLE notes (id BIGINT PRIMARY KEY,"
                         " person_id BIGINT NOT NULL REFERENCES people(id), body TEXT)");
                   })
                    .ok());
  }
  void TearDown() override {
    db_.reset();
    backend_.Cleanup();
  }

  Status CreateBlobTable() {
    std::string type = db_->dialect() == Dialect::kPostgres ? "BYTEA" : "BLOB";
    return db_->Exec("CREATE TABLE files (id BIGINT PRIMARY KEY, data " + type + ")").status();
  }

  Backend backend_;
  std::unique_ptr<Database> db_;
};

using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;
class BackendNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};
TYPED_TEST_SUITE(StoreConformance, Backends, BackendNames);

TYPED_TEST(StoreConformance, CrudRoundTrip) {
  Database& db = *this->db_;
  auto inserted = db.Exec("INSERT INTO people (id, name, email, age) VALUES ($1, $2, $3, $4)",
                          {1, "张三", "zhangsan@example.com", 30});
  ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
  EXPECT_EQ(*inserted, 1);

  auto rows = db.Query("SELECT id, name, email, age FROM people WHERE id = $1", {1});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 1u);
  const Row& row = rows->front();
  EXPECT_EQ(row.Int64(0), 1);
  EXPECT_EQ(row.Text("name"), "张三");
  EXPECT_EQ(row.Text(2), "zhangsan@example.com");
  EXPECT_EQ(row.Int64("age"), 30);
  EXPECT_EQ(row.column_name(1), "name");

  auto updated = db.Exec("UPDATE people SET age = age + $1 WHERE id = $2", {1, 1});
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(*updated, 1);
  EXPECT_EQ(*db.QueryInt64("SELECT age FROM people WHERE id = $1", {1}), 31);

  auto none = db.Exec("UPDATE people SET age = 0 WHERE id = $1", {999});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);

  auto deleted = db.Exec("DELETE FROM people WHERE id = $1", {1});
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 1);
  EXPECT_EQ(*db.QueryInt64("SELECT COUNT(*) FROM people"), 0);
}

TYPED_TEST(StoreConformance, ReturningAndRepeatedPlaceholders) {
  Database& db = *this->db_;
  Rows rows;
  ASSERT_TRUE(db.Transact([&](Session& s) -> Status {
                  KEFU_ASSIGN_OR_RETURN(
                      rows, s.Query("INSERT INTO people (id, name, age) VALUES ($1, $2, $1) "
                                    "RETURNING id, name, age",
                                    {7, "李四"}));
                  return OkStatus();
                })
                  .ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Int64(0), 7);
  EXPECT_EQ(rows[0].Text(1), "李四");
  EXPECT_EQ(rows[0].Int64(2), 7);
}

TYPED_TEST(StoreConformance, TransactionCommitsOrRollsBackAsAWhole) {
  Database& db = *this->db_;
  Status ok = db.Transact([](Session& s) -> Status {
    KEFU_RETURN_IF_ERROR(s.Exec("INSERT INTO people (id, name) VALUES (1, 'a')").status());
    KEFU_RETURN_IF_ERROR(s.Exec("INSERT INTO people (id, name) VALUES (2, 'b')").status());
    // Reads inside the transaction see its own writes.
    KEFU_ASSIGN_OR_RETURN(int64_t n, s.QueryInt64("SELECT COUNT(*) FROM people"));
    return n == 2 ? OkStatus() : InternalError("own writes not visible");
  });
  ASSERT_TRUE(ok.ok()) << ok.ToString();

  Status failed = db.Transact([](Session& s) -> Status {
    KEFU_RETURN_IF_ERROR(s.Exec("INSERT INTO people (id, name) VALUES (3, 'c')").status());
    KEFU_RETURN_IF_ERROR(s.Exec("UPDATE people SET name = 'changed'").status());
    return FailedPreconditionError("customer changed their mind");
  });
  EXPECT_EQ(failed.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(failed.message(), "customer changed their mind");
  EXPECT_EQ(*db.QueryInt64("SELECT COUNT(*) FROM people"), 2);
  EXPECT_EQ(*db.QueryInt64("SELECT COUNT(*) FROM people WHERE name = 'changed'"), 0);
}

TYPED_TEST(StoreConformance, UniqueViolationIsAlreadyExists) {
  Database& db = *this->db_;
  ASSERT_TRUE(db.Exec("INSERT INTO people (id, name, email) VALUES ($1, $2, $3)",
                      {1, "a", "a@example.com"})
                  .ok());
  auto dup_key = db.Exec("INSERT INTO people (id, name) VALUES ($1, $2)", {1, "b"});
  EXPECT_EQ(dup_key.status().code(), StatusCode::kAlreadyExists) << dup_key.status().ToString();
  auto dup_email = db.Exec("INSERT INTO people (id, name, email) VALUES ($1, $2, $3)",
                           {2, "b", "a@example.com"});
  EXPECT_EQ(dup_email.status().code(), StatusCode::kAlreadyExists);
  // The failed statements left nothing behind, and the database still works.
  EXPECT_EQ(*db.QueryInt64("SELECT COUNT(*) FROM people"), 1);
  EXPECT_TRUE(db.Exec("INSERT INTO people (id, name) VALUES (2, 'b')").ok());
}

TYPED_TEST(StoreConformance, ConstraintViolationsMapToCodes) {
  Database& db = *this->db_;
  auto fk = db.Exec("INSERT INTO notes (id, person_id, body) VALUES (1, 42, 'x')");
  EXPECT_EQ(fk.status().code(), StatusCode::kFailedPrecondition) << fk.status().ToString();
  auto not_null = db.Exec("INSERT INTO people (id, name) VALUES ($1, $2)", {5, nullptr});
  EXPECT_EQ(not_null.status().code(), StatusCode::kInvalidArgument)
      << not_null.status().ToString();
  auto syntax = db.Query("SELEKT 1");
  EXPECT_EQ(syntax.status().code(), StatusCode::kInternal);
  auto no_table = db.Query("SELECT * FROM no_such_table");
  EXPECT_EQ(no_table.status().code(), StatusCode::kInternal);
}

TYPED_TEST(StoreConformance, NullsRoundTrip) {
  Database& db = *this->db_;
  ASSERT_TRUE(db.Exec("INSERT INTO people (id, name, email, age, score) VALUES ($1, $2, $3, $4, $5)",
                      {1, "无名", nullptr, std::optional<int64_t>(), std::optional<double>()})
                  .ok());
  ASSERT_TRUE(db.Exec("INSERT INTO people (id, name, email, age) VALUES ($1, $2, $3, $4)",
                      {2, "有名", std::optional<std::string>("x@example.com"),
                       std::optional<int64_t>(40)})
                  .ok());
  auto rows = db.Query("SELECT email, age, score FROM people ORDER BY id");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_TRUE((*rows)[0].IsNull(0));
  EXPECT_TRUE((*rows)[0].IsNull("age"));
  EXPECT_EQ((*rows)[0].OptInt64(1), std::nullopt);
  EXPECT_EQ((*rows)[0].OptText(0), std::nullopt);
  EXPECT_TRUE((*rows)[0].IsNull(2));
  EXPECT_EQ((*rows)[1].OptText(0), "x@example.com");
  EXPECT_EQ((*rows)[1].OptInt64(1), 40);
  EXPECT_EQ(*db.QueryInt64("SELECT COUNT(*) FROM people WHERE email IS NULL"), 1);
}

TYPED_TEST(StoreConformance, Int64AndDoubleRoundTrip) {
  Database& db = *this->db_;
  const int64_t values[] = {0, -1, 1, std::numeric_limits<int64_t>::min(),
                            std::numeric_limits<int64_t>::max(), 1'767'225'600'123,
                            -987'654'321'000};
  int64_t id = 1;
  for (int64_t v : values) {
    ASSERT_TRUE(db.Exec("INSERT INTO people (id, name, age, score) VALUES ($1, $2, $3, $4)",
                        {id++, "n", v, 0.1 + static_cast<double>(id)})
                    .ok());
  }
  auto rows = db.Query("SELECT age, score FROM people ORDER BY id");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), std::size(values));
  for (size_t i = 0; i < std::size(values); ++i) {
    EXPECT_EQ((*rows)[i].Int64(0), values[i]);
    EXPECT_DOUBLE_EQ((*rows)[i].Double(1), 0.1 + static_cast<double>(i + 2));
  }
  // Comparisons with a bound int64 use the full range.
  EXPECT_EQ(*db.QueryInt64("SELECT COUNT(*) FROM people WHERE age > $1",
                           {std::numeric_limits<int64_t>::max() - 1}),
            1);
  // Aggregates come back as integers on both backends.
  auto sum = db.QueryInt64("SELECT SUM(age) FROM people WHERE age BETWEEN $1 AND $2", {-1, 1});
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(*sum, 0);
}

TYPED_TEST(StoreConformance, BlobRoundTrip) {
  Database& db = *this->db_;
  ASSERT_TRUE(this->CreateBlobTable().ok());
  std::string bytes;
  for (int i = 0; i < 256; ++i) {
    bytes.push_back(static_cast<char>(i));
  }
  bytes += std::string("\0\0tail\0", 7);
  ASSERT_TRUE(db.Exec("INSERT INTO files (id, data) VALUES ($1, $2)", {1, Blob{bytes}}).ok());
  ASSERT_TRUE(db.Exec("INSERT INTO files (id, data) VALUES ($1, $2)", {2, Blob{}}).ok());
  ASSERT_TRUE(db.Exec("INSERT INTO files (id, data) VALUES ($1, $2)", {3, nullptr}).ok());
  auto rows = db.Query("SELECT data FROM files ORDER BY id");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].GetBlob(0).bytes, bytes);
  ASSERT_FALSE((*rows)[1].IsNull(0)) << "an empty blob is not NULL";
  EXPECT_EQ((*rows)[1].GetBlob(0).bytes, "");
  EXPECT_TRUE((*rows)[2].IsNull(0));
  EXPECT_EQ(*db.QueryInt64("SELECT id FROM files WHERE data = $1", {Blob{bytes}}), 1);
}

TYPED_TEST(StoreConformance, ChineseTextRoundTrip) {
  Database& db = *this->db_;
  const std::string names[] = {"客户服务中心", "帳戶與賬單", "信用卡還款 ＡＢＣ１２３",
                               "emoji 😀 and 𠮷", "", "single quote ' and $1 inside"};
  int64_t id = 1;
  for (const std::string& name : names) {
    ASSERT_TRUE(db.Exec("INSERT INTO people (id, name) VALUES ($1, $2)", {id++, name}).ok());
  }
  auto rows = db.Query("SELECT name FROM people ORDER BY id");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), std::size(names));
  for (size_t i = 0; i < std::size(names); ++i) {
    EXPECT_EQ((*rows)[i].Text(0), names[i]);
  }
  EXPECT_EQ(*db.QueryInt64("SELECT id FROM people WHERE name = $1", {"帳戶與賬單"}), 2);
  EXPECT_EQ(*db.QueryInt64("SELECT COUNT(*) FROM people WHERE name LIKE $1", {"客户%"}), 1);
  // A literal that looks like a placeholder is left alone.
  EXPECT_EQ(*db.QueryInt64("SELECT COUNT(*) FROM people WHERE name = 'single quote '' and $1 "
                           "inside'"),
            1);
}

TYPED_TEST(StoreConformance, QueryHelpers) {
  Database& db = *this->db_;
  EXPECT_EQ(db.QueryInt64("SELECT id FROM people WHERE id = 1").status().code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(db.Read([](Session& s) -> Status {
                  KEFU_ASSIGN_OR_RETURN(std::optional<Row> row,
                                        s.QueryOne("SELECT id FROM people WHERE id = 1"));
                  return row.has_value() ? InternalError("expected no row") : OkStatus();
                })
                  .ok());
}

TYPED_TEST(StoreConformance, ReadSnapshotRejectsWrites) {
  Database& db = *this->db_;
  Status status = db.Read([](Session& s) {
    return s.Exec("INSERT INTO people (id, name) VALUES (1, 'x')").status();
  });
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(*db.QueryInt64("SELECT COUNT(*) FROM people"), 0);
}

TYPED_TEST(StoreConformance, ConcurrentWriters) {
  Database& db = *this->db_;
  ASSERT_TRUE(db.Exec("INSERT INTO counters (name, n) VALUES ('calls', 0)").ok());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        int64_t id = t * 1000 + i + 1;
        Status s = db.Transact([&](Session& session) -> Status {
          KEFU_RETURN_IF_ERROR(session
                                   .Exec("INSERT INTO people (id, name) VALUES ($1, $2)",
                                         {id, "座席" + std::to_string(t)})
                                   .status());
          return session.Exec("UPDATE counters SET n = n + 1 WHERE name = 'calls'").status();
        });
        if (!s.ok()) {
          ++failures;
        }
        // Readers run alongside the writers.
        if (!db.QueryInt64("SELECT COUNT(*) FROM people").ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*db.QueryInt64("SELECT COUNT(*) FROM people"), kThreads * kPerThread);
  EXPECT_EQ(*db.QueryInt64("SELECT n FROM counters WHERE name = 'calls'"), kThreads * kPerThread);
  DatabaseStats stats = db.stats();
  EXPECT_GE(stats.transactions, kThreads * kPerThread);
  EXPECT_GE(stats.commits, 1);
}

constexpr Migration kTestMigrations[] = {
    {1, "queues", "CREATE TABLE queues (id BIGINT PRIMARY KEY, name TEXT NOT NULL)"},
    {2, "queue seed",
     "INSERT INTO queues (id, name) VALUES (1, '信用卡热线'); "
     "INSERT INTO queues (id, name) VALUES (2, '在线客服')"},
    {3, "blob column", "ALTER TABLE queues ADD COLUMN icon BLOB",
     "ALTER TABLE queues ADD COLUMN icon BYTEA"},
};

TYPED_TEST(StoreConformance, MigrationsRunOnceAndInOrder) {
  Database& db = *this->db_;
  EXPECT_EQ(*CurrentSchemaVersion(db), 0);
  auto applied = Migrate(db, kTestMigrations);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied, 3);
  EXPECT_EQ(*CurrentSchemaVersion(db), 3);
  EXPECT_EQ(*db.QueryInt64("SELECT COUNT(*) FROM queues"), 2);

  // Running again changes nothing.
  applied = Migrate(db, kTestMigrations);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(*applied, 0);
  EXPECT_EQ(*db.QueryInt64("SELECT COUNT(*) FROM queues"), 2);
  EXPECT_EQ(*db.QueryInt64("SELECT COUNT(*) FROM kefu_migrations"), 3);
}

TYPED_TEST(StoreConformance, FailedMigrationLeavesNoTrace) {
  Database& db = *this->db_;
  const Migration broken[] = {
      {1, "good", "CREATE TABLE a (id BIGINT PRIMARY KEY)"},
      {2, "bad", "CREATE TABLE b (id BIGINT PRIMARY KEY); INSERT INTO nowhere VALUES (1)"},
  };
  auto applied = Migrate(db, broken);
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.status().message().find("migration 2 (bad)"), std::string::npos)
      << applied.status().message();
  EXPECT_EQ(*CurrentSchemaVersion(db), 1);
  // Table b was rolled back with its migration: the fixed migration 2 can create it.
  const Migration fixed[] = {
      {1, "good", "CREATE TABLE a (id BIGINT PRIMARY KEY)"},
      {2, "bad", "CREATE TABLE b (id BIGINT PRIMARY KEY)"},
  };
  applied = Migrate(db, fixed);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied, 1);
}

TYPED_TEST(StoreConformance, NewerDatabaseIsRefused) {
  Database& db = *this->db_;
  ASSERT_TRUE(Migrate(db, kTestMigrations).ok());
  auto applied = Migrate(db, std::span<const Migration>(kTestMigrations, 1));
  EXPECT_EQ(applied.status().code(), StatusCode::kFailedPrecondition);
}

TYPED_TEST(StoreConformance, KefuSchemaMigratesTwiceCleanly) {
  Database& db = *this->db_;
  auto applied = Migrate(db, KefuMigrations());
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied, static_cast<int>(KefuMigrations().size()));
  applied = Migrate(db, KefuMigrations());
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(*applied, 0);
}

// Migration 7 rebuilds customer_keys on SQLite: the keys of a database made before it stay,
// with their customer, and the kind is still checked.
TYPED_TEST(StoreConformance, CustomerKeysSurviveTheKindCheckRebuild) {
  Database& db = *this->db_;
  std::span<const Migration> all = KefuMigrations();
  ASSERT_EQ(all[6].version, 7);
  ASSERT_TRUE(Migrate(db, all.first(6)).ok());
  ASSERT_TRUE(db.Exec("INSERT INTO customers (id, name, created_ms, updated_ms) VALUES "
                      "(1, '张三', 0, 0)")
                  .ok());
  ASSERT_TRUE(db.Exec("INSERT INTO customer_keys (kind, key, customer_id, value, created_ms) "
                      "VALUES ('mobile', 'k1', 1, '13800000000', 5), ('email', 'k2', 1, NULL, 6)")
                  .ok());
  auto applied = Migrate(db, all);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied, 1);
  auto rows = db.Query("SELECT kind, key, customer_id, value, created_ms FROM customer_keys "
                       "ORDER BY key");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].Text(0), "mobile");
  EXPECT_EQ((*rows)[0].Int64(2), 1);
  EXPECT_EQ((*rows)[0].OptText(3).value_or(""), "13800000000");
  EXPECT_EQ((*rows)[1].Text(0), "email");
  EXPECT_EQ((*rows)[1].Int64(4), 6);
  EXPECT_EQ(db.Exec("INSERT INTO customer_keys (kind, key, customer_id, created_ms) VALUES "
                    "('fax', 'k3', 1, 0)")
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(db.Exec("INSERT INTO customer_keys (kind, key, customer_id, created_ms) VALUES "
                    "('mobile', 'k1', 1, 0)")
                .status()
                .code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(db.Exec("INSERT INTO customer_keys (kind, key, customer_id, created_ms) VALUES "
                    "('weibo_id', 'k4', 2, 0)")
                .status()
                .code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(*db.QueryInt64("SELECT COUNT(*) FROM customer_keys WHERE customer_id = 1"), 2);
}

TYPED_TEST(StoreConformance, ConcurrentMigratorsApplyEachStepOnce) {
  // Several nodes starting at once on one database (the scale-out case).
  std::vector<std::unique_ptr<Database>> dbs;
  dbs.push_back(std::move(this->db_));
  for (int i = 0; i < 2; ++i) {
    auto db = this->backend_.Open();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    dbs.push_back(std::move(db).value());
  }
  std::vector<int> applied(dbs.size(), -1);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < dbs.size(); ++i) {
    threads.emplace_back([&, i] {
      auto r = Migrate(*dbs[i], kTestMigrations);
      applied[i] = r.ok() ? *r : -100;
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  int total = 0;
  for (int a : applied) {
    ASSERT_GE(a, 0);
    total += a;
  }
  EXPECT_EQ(total, 3);
  EXPECT_EQ(*dbs[0]->QueryInt64("SELECT COUNT(*) FROM queues"), 2);
  this->db_ = std::move(dbs[0]);
}

// PostgreSQL only: a pooled connection the server killed is re-established transparently.
TEST(PostgresPoolTest, ReconnectsAfterTheServerDropsAConnection) {
  if (std::getenv("KEFU_TEST_PG_URL") == nullptr) {
    GTEST_SKIP() << "KEFU_TEST_PG_URL not set";
  }
  PostgresBackend backend;
  DatabaseOptions options;
  options.postgres_pool_size = 1;  // so the next call must use the killed connection
  auto db = backend.Open(options);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto pid = (*db)->QueryInt64("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid.ok()) << pid.status().ToString();
  auto admin = OpenDatabase(std::getenv("KEFU_TEST_PG_URL"));
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE((*admin)->Query("SELECT pg_terminate_backend(CAST($1 AS INTEGER))", {*pid}).ok());
  // The first call may see the dead connection (kUnavailable); the pool then reconnects.
  auto again = (*db)->QueryInt64("SELECT pg_backend_pid()");
  if (!again.ok()) {
    EXPECT_EQ(again.status().code(), StatusCode::kUnavailable) << again.status().ToString();
    again = (*db)->QueryInt64("SELECT pg_backend_pid()");
  }
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_NE(*again, *pid);
  EXPECT_GE((*db)->stats().reconnects, 1);
  db->reset();
  backend.Cleanup();
}

TEST(PostgresPoolTest, UnreachableServerIsUnavailable) {
  auto db = OpenDatabase("postgresql://kefu@127.0.0.1:1/none?connect_timeout=2");
  EXPECT_EQ(db.status().code(), StatusCode::kUnavailable) << db.status().ToString();
}

}  // namespace
}  // namespace kefu::store
