#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kefu/core/result.h"
#include "kefu/store/value.h"

namespace kefu::store {

enum class Dialect { kSqlite, kPostgres };
std::string_view DialectName(Dialect d);

// A connection inside a transaction (or a read snapshot), lent to a callback by
// Database::Transact / Database::Read. SQL is written once for both backends, in the subset
// SQLite 3.40 and PostgreSQL 15 share, with $1, $2 … placeholders. Every statement is prepared
// once per connection and reused (statements are cached by their text), and values are bound
// with their types. Errors map to codes by what the caller can do: a unique or primary key
// violation is kAlreadyExists, a foreign key violation kFailedPrecondition, a NOT NULL or
// CHECK violation kInvalidArgument, a lost connection or busy database kUnavailable, a
// deadlock or serialization failure kAborted. Not thread-safe: use it only inside the callback.
class Session {
 public:
  virtual ~Session() = default;
  virtual Dialect dialect() const = 0;

  // Runs a statement that returns rows (SELECT, or INSERT … RETURNING).
  virtual Result<Rows> Query(std::string_view sql, const Params& params = {}) = 0;
  // Runs a statement and returns the number of rows it changed.
  virtual Result<int64_t> Exec(std::string_view sql, const Params& params = {}) = 0;
  // Runs several ;-separated statements without parameters (migrations).
  virtual Status ExecScript(std::string_view sql) = 0;

  // The first row, or std::nullopt when there is none.
  Result<std::optional<Row>> QueryOne(std::string_view sql, const Params& params = {});
  // The single int64 of the first row (e.g. SELECT count(*)). kNotFound when there is no row.
  Result<int64_t> QueryInt64(std::string_view sql, const Params& params = {});
};

// Connection and tuning options. Everything has a default that works for the SQLite demo.
struct DatabaseOptions {
  // SQLite: readers opened in parallel to the single writer (WAL mode).
  int sqlite_readers = 4;
  // SQLite: commit transactions from concurrent callers together (one fsync per batch).
  bool sqlite_group_commit = true;
  // SQLite: the most transactions committed in one batch.
  int sqlite_max_batch = 512;
  // SQLite: PRAGMA synchronous; FULL makes every commit durable with an fsync.
  std::string sqlite_synchronous = "FULL";
  // SQLite: how long a connection waits on a lock before kUnavailable.
  int sqlite_busy_timeout_ms = 5000;
  // PostgreSQL: the most connections in the pool.
  int postgres_pool_size = 8;
  // PostgreSQL: how long to wait for a free pooled connection before kUnavailable.
  int postgres_acquire_timeout_ms = 10000;
};

// Counters for /metrics and benchmarks. Snapshot values.
struct DatabaseStats {
  int64_t transactions = 0;      // committed or rolled back through Transact
  int64_t commits = 0;           // physical COMMITs (with group commit, fewer than transactions)
  int64_t reads = 0;             // Read calls
  int64_t connections_open = 0;  // open connections right now
  int64_t reconnects = 0;        // PostgreSQL: connections re-established after a failure
  int64_t pending_writes = 0;    // SQLite: transactions queued for the writer right now
};

// A database: SQLite (embedded default) or PostgreSQL, behind one interface. Owned by the
// server (or CLI) and shared by reference with every module. Thread-safe: any thread may call
// Transact and Read concurrently.
class Database {
 public:
  using Fn = std::function<Status(Session&)>;
  virtual ~Database() = default;

  virtual Dialect dialect() const = 0;

  // Runs `fn` in a read-write transaction: commits when it returns OK, rolls back when it
  // returns an error (which Transact then returns). With SQLite, `fn` runs on the writer
  // thread, possibly in one physical transaction with other callers' work (each caller's work
  // is atomic through a savepoint), and Transact returns once the batch is durable. `fn` must
  // not call Transact itself (a bug; it would deadlock).
  virtual Status Transact(const Fn& fn) = 0;

  // Runs `fn` on a consistent read-only snapshot. Writes inside `fn` fail.
  virtual Status Read(const Fn& fn) = 0;

  virtual DatabaseStats stats() const = 0;

  // Convenience: one statement in its own transaction / snapshot.
  Result<Rows> Query(std::string_view sql, const Params& params = {});
  Result<int64_t> Exec(std::string_view sql, const Params& params = {});
  Result<int64_t> QueryInt64(std::string_view sql, const Params& params = {});
};

// Opens a database from a URL: "sqlite:PATH" (the file and its folder are created when
// missing) or "postgresql://user@host:port/dbname" (also "postgres://"; any libpq URI).
// Returns kInvalidArgument for an unknown scheme, kUnavailable when the server cannot be
// reached or the file cannot be opened.
Result<std::unique_ptr<Database>> OpenDatabase(std::string_view url,
                                               const DatabaseOptions& options = {});

}  // namespace kefu::store
