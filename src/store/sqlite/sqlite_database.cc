#include "sqlite/sqlite_database.h"

#include "kefu/core/log.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace kefu::store::internal {
namespace {

// Each connection is used by one thread at a time (the writer thread, or the reader that
// borrowed it from the pool), so SQLite's own mutexes are not needed.
constexpr int kOpenFlags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;

Status MapError(sqlite3* db, int rc, std::string_view what) {
  int ext = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  std::string message = std::string(what) + ": " +
                        (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (ext) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return AlreadyExistsError(std::move(message));
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return FailedPreconditionError(std::move(message));
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_CONSTRAINT_CHECK:
      return InvalidArgumentError(std::move(message));
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      return InvalidArgumentError(std::move(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
      return UnavailableError(std::move(message));
    case SQLITE_READONLY:
      return FailedPreconditionError(std::move(message));
    default:
      return InternalError(std::move(message));
  }
}

// $1, $2 … (the shared placeholder syntax) → ?1, ?2 …, outside quotes and comments.
std::string TranslatePlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'' || c == '"') {
      size_t end = sql.find(c, i + 1);
      end = end == std::string_view::npos ? sql.size() - 1 : end;
      out.append(sql.substr(i, end - i + 1));
      i = end;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t end = sql.find('\n', i);
      end = end == std::string_view::npos ? sql.size() - 1 : end;
      out.append(sql.substr(i, end - i + 1));
      i = end;
    } else if (c == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      out.push_back('?');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

struct CachedStatement {
  sqlite3_stmt* stmt = nullptr;
  std::shared_ptr<const std::vector<std::string>> columns;
};

// One sqlite3 handle and its prepared statements, keyed by the SQL text callers wrote.
class Connection {
 public:
  explicit Connection(sqlite3* db) : db_(db) {}
  ~Connection() {
    for (auto& [sql, cached] : cache_) {
      sqlite3_finalize(cached.stmt);
    }
    sqlite3_close_v2(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* db() const { return db_; }

  Result<CachedStatement*> Prepare(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) {
      return &it->second;
    }
    std::string translated = TranslatePlaceholders(sql);
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, translated.c_str(), static_cast<int>(translated.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      return MapError(db_, rc, "prepare '" + std::string(sql.substr(0, 200)) + "'");
    }
    if (stmt == nullptr) {
      return InvalidArgumentError("empty SQL statement");
    }
    auto columns = std::make_shared<std::vector<std::string>>();
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      columns->emplace_back(sqlite3_column_name(stmt, i));
    }
    CachedStatement& cached = cache_[std::string(sql)];
    cached.stmt = stmt;
    cached.columns = std::move(columns);
    return &cached;
  }

  Status ExecScript(std::string_view sql) {
    std::string text(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string message = err != nullptr ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      Status mapped = MapError(db_, rc, "script");
      return Status(mapped.code(), "script: " + message);
    }
    return OkStatus();
  }

 private:
  // Looked up by the caller's string_view, without copying the text (transparent hash).
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  sqlite3* db_;
  std::unordered_map<std::string, CachedStatement, TextHash, std::equal_to<>> cache_;
};

// Resets a statement and drops its bindings when the call that used it ends, so that the next
// use starts clean and no binding outlives the caller's parameters.
class StatementGuard {
 public:
  explicit StatementGuard(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~StatementGuard() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3_stmt* stmt_;
};

Status Bind(sqlite3* db, sqlite3_stmt* stmt, const Params& params) {
  int expected = sqlite3_bind_parameter_count(stmt);
  if (expected != static_cast<int>(params.size())) {
    return InternalError("statement takes " + std::to_string(expected) + " parameters, got " +
                         std::to_string(params.size()) + ": " + sqlite3_sql(stmt));
  }
  for (size_t i = 0; i < params.size(); ++i) {
    int idx = static_cast<int>(i) + 1;
    const Value& v = params[i];
    int rc = SQLITE_OK;
    // SQLITE_STATIC: the parameters outlive the statement's use (StatementGuard clears them).
    if (v.is_null()) {
      rc = sqlite3_bind_null(stmt, idx);
    } else if (v.is_int()) {
      rc = sqlite3_bind_int64(stmt, idx, v.AsInt64());
    } else if (v.is_double()) {
      rc = sqlite3_bind_double(stmt, idx, v.AsDouble());
    } else if (v.is_text()) {
      const std::string& s = v.AsText();
      rc = sqlite3_bind_text64(stmt, idx, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
    } else {
      const std::string& b = v.AsBlob().bytes;
      // A null pointer would bind NULL, so an empty blob is bound as a zero-length blob.
      rc = b.empty() ? sqlite3_bind_zeroblob(stmt, idx, 0)
                     : sqlite3_bind_blob64(stmt, idx, b.data(), b.size(), SQLITE_STATIC);
    }
    if (rc != SQLITE_OK) {
      return MapError(db, rc, "bind parameter $" + std::to_string(idx));
    }
  }
  return OkStatus();
}

Value ColumnValue(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
      return Value(static_cast<int64_t>(sqlite3_column_int64(stmt, i)));
    case SQLITE_FLOAT:
      return Value(sqlite3_column_double(stmt, i));
    case SQLITE_TEXT: {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      return Value(std::string(p, sqlite3_column_bytes(stmt, i)));
    }
    case SQLITE_BLOB: {
      const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, i));
      int n = sqlite3_column_bytes(stmt, i);
      return Value(Blob{p != nullptr ? std::string(p, n) : std::string()});
    }
    default:
      return Value();
  }
}

class SqliteSession final : public Session {
 public:
  explicit SqliteSession(Connection& conn) : conn_(conn) {}

  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    KEFU_ASSIGN_OR_RETURN(CachedStatement * cached, conn_.Prepare(sql));
    StatementGuard guard(cached->stmt);
    KEFU_RETURN_IF_ERROR(Bind(conn_.db(), cached->stmt, params));
    Rows rows;
    int n = sqlite3_column_count(cached->stmt);
    while (true) {
      int rc = sqlite3_step(cached->stmt);
      if (rc == SQLITE_DONE) {
        break;
      }
      if (rc != SQLITE_ROW) {
        return MapError(conn_.db(), rc, "query");
      }
      std::vector<Value> values;
      values.reserve(n);
      for (int i = 0; i < n; ++i) {
        values.push_back(ColumnValue(cached->stmt, i));
      }
      rows.emplace_back(cached->columns, std::move(values));
    }
    return rows;
  }

  Result<int64_t> Exec(std::string_view sql, const Params& params) override {
    KEFU_ASSIGN_OR_RETURN(CachedStatement * cached, conn_.Prepare(sql));
    StatementGuard guard(cached->stmt);
    KEFU_RETURN_IF_ERROR(Bind(conn_.db(), cached->stmt, params));
    int rc;
    while ((rc = sqlite3_step(cached->stmt)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) {
      return MapError(conn_.db(), rc, "exec");
    }
    return static_cast<int64_t>(sqlite3_changes64(conn_.db()));
  }

  Status ExecScript(std::string_view sql) override { return conn_.ExecScript(sql); }

 private:
  Connection& conn_;
};

Status RunStatement(Connection& conn, std::string_view sql) {
  SqliteSession session(conn);
  return session.Exec(sql, {}).status();
}

Status CallSafely(const Database::Fn& fn, Session& session) {
  // Third-party code inside a callback may throw; no exception crosses into the writer loop.
  try {
    return fn(session);
  } catch (const std::exception& e) {
    return InternalError(std::string("exception in transaction: ") + e.what());
  } catch (...) {
    return InternalError("unknown exception in transaction");
  }
}

thread_local bool on_writer_thread = false;

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(std::string path, DatabaseOptions options, std::unique_ptr<Connection> writer)
      : path_(std::move(path)), options_(std::move(options)), writer_(std::move(writer)) {
    connections_open_ = 1;
    writer_thread_ = std::thread([this] { WriterLoop(); });
  }

  ~SqliteDatabase() override {
    {
      std::lock_guard lock(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    writer_thread_.join();
    readers_.clear();
    writer_.reset();
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Status Transact(const Fn& fn) override {
    KEFU_CHECK(!on_writer_thread) << "Database::Transact called inside a transaction";
    Job job{&fn, {}, std::string(log::CurrentTraceId())};
    std::future<Status> done = job.done.get_future();
    {
      std::lock_guard lock(queue_mu_);
      if (stopping_) {
        return UnavailableError("database is closing");
      }
      queue_.push_back(&job);
    }
    queue_cv_.notify_one();
    return done.get();
  }

  Status Read(const Fn& fn) override {
    reads_.fetch_add(1, std::memory_order_relaxed);
    KEFU_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, AcquireReader());
    Status status = RunStatement(*conn, "BEGIN");
    if (status.ok()) {
      SqliteSession session(*conn);
      status = CallSafely(fn, session);
      Status end = RunStatement(*conn, status.ok() ? "COMMIT" : "ROLLBACK");
      if (status.ok()) {
        status = end;
      }
    }
    ReleaseReader(std::move(conn));
    return status;
  }

  DatabaseStats stats() const override {
    DatabaseStats s;
    s.transactions = transactions_.load(std::memory_order_relaxed);
    s.commits = commits_.load(std::memory_order_relaxed);
    s.reads = reads_.load(std::memory_order_relaxed);
    s.connections_open = connections_open_.load(std::memory_order_relaxed);
    std::lock_guard lock(queue_mu_);
    s.pending_writes = static_cast<int64_t>(queue_.size());
    return s;
  }

 private:
  struct Job {
    const Fn* fn;
    std::promise<Status> done;
    std::string trace_id;  // the caller's, so log lines and audit rows on the writer carry it
  };

  void WriterLoop() {
    on_writer_thread = true;
    size_t max_batch = options_.sqlite_group_commit
                           ? static_cast<size_t>(std::max(1, options_.sqlite_max_batch))
                           : 1;
    std::vector<Job*> batch;
    while (true) {
      batch.clear();
      {
        std::unique_lock lock(queue_mu_);
        queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) {
          return;  // stopping, and every queued job has been run
        }
        while (!queue_.empty() && batch.size() < max_batch) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
      }
      RunBatch(batch);
    }
  }

  // One physical transaction for the whole batch; each job inside a savepoint so that a
  // failing job rolls back alone. The COMMIT (one fsync) makes every job durable at once.
  void RunBatch(const std::vector<Job*>& batch) {
    transactions_.fetch_add(static_cast<int64_t>(batch.size()), std::memory_order_relaxed);
    Status begin = RunStatement(*writer_, "BEGIN IMMEDIATE");
    if (!begin.ok()) {
      for (Job* job : batch) {
        job->done.set_value(begin);
      }
      return;
    }
    std::vector<Status> results;
    results.reserve(batch.size());
    Status broken;  // set when the batch itself can no longer be committed
    SqliteSession session(*writer_);
    for (Job* job : batch) {
      if (!broken.ok()) {
        results.push_back(broken);
        continue;
      }
      broken = RunStatement(*writer_, "SAVEPOINT kefu_tx");
      if (!broken.ok()) {
        results.push_back(broken);
        continue;
      }
      log::ScopedTraceId trace(job->trace_id);
      Status status = CallSafely(*job->fn, session);
      if (!status.ok()) {
        broken = RunStatement(*writer_, "ROLLBACK TO kefu_tx");
      }
      if (broken.ok()) {
        broken = RunStatement(*writer_, "RELEASE kefu_tx");
      }
      results.push_back(status);
    }
    bool any_ok = std::any_of(results.begin(), results.end(),
                              [](const Status& status) { return status.ok(); });
    if (broken.ok() && !any_ok) {
      // Every job rolled back: nothing to make durable, so no commit (and no fsync).
      (void)RunStatement(*writer_, "ROLLBACK");
      for (size_t i = 0; i < batch.size(); ++i) {
        batch[i]->done.set_value(std::move(results[i]));
      }
      return;
    }
    Status commit = broken.ok() ? RunStatement(*writer_, "COMMIT") : broken;
    if (!commit.ok()) {
      // Nothing of the batch is durable: every job that had succeeded learns why.
      if (sqlite3_get_autocommit(writer_->db()) == 0) {
        (void)RunStatement(*writer_, "ROLLBACK");
      }
      for (Status& status : results) {
        if (status.ok()) {
          status = commit.WithContext("commit");
        }
      }
    } else {
      commits_.fetch_add(1, std::memory_order_relaxed);
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i]->done.set_value(std::move(results[i]));
    }
  }

  Result<std::unique_ptr<Connection>> AcquireReader() {
    std::unique_lock lock(readers_mu_);
    int limit = std::max(1, options_.sqlite_readers);
    readers_cv_.wait(lock, [&] { return !readers_.empty() || readers_created_ < limit; });
    if (!readers_.empty()) {
      std::unique_ptr<Connection> conn = std::move(readers_.back());
      readers_.pop_back();
      return conn;
    }
    ++readers_created_;
    lock.unlock();
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY | kOpenFlags, nullptr);
    if (rc != SQLITE_OK) {
      Status status = MapError(db, rc, "open reader " + path_);
      sqlite3_close_v2(db);
      std::lock_guard relock(readers_mu_);
      --readers_created_;
      readers_cv_.notify_one();
      return status;
    }
    sqlite3_busy_timeout(db, options_.sqlite_busy_timeout_ms);
    connections_open_.fetch_add(1, std::memory_order_relaxed);
    auto conn = std::make_unique<Connection>(db);
    // Pages through the memory map instead of a pread per page; a page cache per reader.
    KEFU_RETURN_IF_ERROR(conn->ExecScript("PRAGMA mmap_size=1073741824; PRAGMA cache_size=-16384;"));
    return conn;
  }

  void ReleaseReader(std::unique_ptr<Connection> conn) {
    {
      std::lock_guard lock(readers_mu_);
      readers_.push_back(std::move(conn));
    }
    readers_cv_.notify_one();
  }

  const std::string path_;
  const DatabaseOptions options_;
  std::unique_ptr<Connection> writer_;  // used only by writer_thread_

  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<Job*> queue_;  // guarded by queue_mu_
  bool stopping_ = false;   // guarded by queue_mu_
  std::thread writer_thread_;

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Connection>> readers_;  // idle readers, guarded by readers_mu_
  int readers_created_ = 0;                           // guarded by readers_mu_

  std::atomic<int64_t> transactions_{0};
  std::atomic<int64_t> commits_{0};
  std::atomic<int64_t> reads_{0};
  std::atomic<int64_t> connections_open_{0};
};

}  // namespace

Result<std::unique_ptr<Database>> OpenSqlite(std::string_view path_view,
                                             const DatabaseOptions& options) {
  std::string path(path_view);
  const std::string& sync = options.sqlite_synchronous;
  if (sync != "OFF" && sync != "NORMAL" && sync != "FULL" && sync != "EXTRA") {
    return InvalidArgumentError("sqlite synchronous must be OFF, NORMAL, FULL or EXTRA, got '" +
                                    sync + "'",
                                "db.sqlite_synchronous");
  }
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && path.find(':') == std::string::npos) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return UnavailableError("cannot create folder " + parent.string() + ": " + ec.message());
    }
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | kOpenFlags, nullptr);
  if (rc != SQLITE_OK) {
    Status status = MapError(db, rc, "open " + path);
    sqlite3_close_v2(db);
    return UnavailableError(status.message());
  }
  auto writer = std::make_unique<Connection>(db);
  sqlite3_busy_timeout(db, options.sqlite_busy_timeout_ms);
  // The writer keeps a 64 MiB page cache (the default 2 MiB thrashes on bulk imports with
  // several indexes) and reads through a memory map.
  KEFU_RETURN_IF_ERROR(writer->ExecScript("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
                                          "PRAGMA cache_size=-65536; PRAGMA mmap_size=1073741824; "
                                          "PRAGMA temp_store=MEMORY; "
                                          "PRAGMA synchronous=" +
                                          sync + ";")
                           .WithContext("configure " + path));
  return std::unique_ptr<Database>(
      std::make_unique<SqliteDatabase>(std::move(path), options, std::move(writer)));
}

}  // namespace kefu::store::internal
