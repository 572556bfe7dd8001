#include "kefu/store/migrate.h"

#include <string>

#include "kefu/core/clock.h"

namespace kefu::store {
namespace {

// Any constant works; it only has to be the same for every kefu process.
constexpr int64_t kMigrationLockKey = 0x6b656675;  // "kefu"

Status LockIfShared(Session& s) {
  if (s.dialect() != Dialect::kPostgres) {
    return OkStatus();  // SQLite has one writer: transactions are already serialised.
  }
  return s.Query("SELECT pg_advisory_xact_lock($1)", {kMigrationLockKey}).status();
}

Status EnsureTable(Database& db) {
  return db.Transact([](Session& s) -> Status {
    KEFU_RETURN_IF_ERROR(LockIfShared(s));
    return s.ExecScript(
        "CREATE TABLE IF NOT EXISTS kefu_migrations ("
        " version INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL,"
        " applied_ms BIGINT NOT NULL)");
  });
}

}  // namespace

Result<int> CurrentSchemaVersion(Database& db) {
  KEFU_RETURN_IF_ERROR(EnsureTable(db));
  KEFU_ASSIGN_OR_RETURN(int64_t version,
                        db.QueryInt64("SELECT COALESCE(MAX(version), 0) FROM kefu_migrations"));
  return static_cast<int>(version);
}

Result<int> Migrate(Database& db, std::span<const Migration> migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    KEFU_CHECK(migrations[i].version > 0) << "migration versions start at 1";
    KEFU_CHECK(i == 0 || migrations[i].version > migrations[i - 1].version)
        << "migration versions must increase: " << migrations[i].version;
  }
  KEFU_ASSIGN_OR_RETURN(int current, CurrentSchemaVersion(db));
  int known = migrations.empty() ? 0 : migrations.back().version;
  if (current > known) {
    return FailedPreconditionError(
        "the database is at schema version " + std::to_string(current) +
        " but this kefu only knows versions up to " + std::to_string(known) +
        ": run a newer kefu");
  }
  int applied = 0;
  for (const Migration& m : migrations) {
    if (m.version <= current) {
      continue;
    }
    bool ran = false;
    Status status = db.Transact([&](Session& s) -> Status {
      ran = false;
      KEFU_RETURN_IF_ERROR(LockIfShared(s));
      // Another process may have applied it while we waited for the lock.
      KEFU_ASSIGN_OR_RETURN(
          int64_t done,
          s.QueryInt64("SELECT COUNT(*) FROM kefu_migrations WHERE version = $1", {m.version}));
      if (done > 0) {
        return OkStatus();
      }
      std::string_view sql =
          s.dialect() == Dialect::kPostgres && !m.postgres_sql.empty() ? m.postgres_sql : m.sql;
      KEFU_RETURN_IF_ERROR(s.ExecScript(sql));
      KEFU_RETURN_IF_ERROR(
          s.Exec("INSERT INTO kefu_migrations (version, name, applied_ms) VALUES ($1, $2, $3)",
                 {m.version, std::string(m.name), SystemClock::Get()->NowMs()})
              .status());
      ran = true;
      return OkStatus();
    });
    if (!status.ok()) {
      return status.WithContext("migration " + std::to_string(m.version) + " (" +
                                std::string(m.name) + ")");
    }
    applied += ran ? 1 : 0;
  }
  return applied;
}

}  // namespace kefu::store
