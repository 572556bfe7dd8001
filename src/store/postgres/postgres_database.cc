#include "postgres/postgres_database.h"

#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace kefu::store::internal {
namespace {

// Type OIDs from PostgreSQL's pg_type.dat; stable across releases.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;
constexpr Oid kUnknownOid = 0;  // lets the server infer the type from the statement

// Statements prepared per connection. Kefu's SQL is a fixed set of texts, so the bound only
// matters for SQL built at run time (e.g. IN lists); past it statements run unprepared.
constexpr size_t kMaxPreparedStatements = 1000;
// SQL quoted in error messages for bugs (syntax errors, unknown columns) is cut to this.
constexpr size_t kMaxSqlInMessage = 200;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

// libpq's messages span lines ("…failed: Connection refused\n\tIs the server running…");
// log lines and API errors want one.
std::string OneLine(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = true;
      continue;
    }
    if (space && !out.empty()) {
      out += ' ';
    }
    space = false;
    out += c;
  }
  return out;
}

std::string ConnectionMessage(PGconn* pg) {
  std::string msg = pg != nullptr ? OneLine(PQerrorMessage(pg)) : "out of memory";
  return msg.empty() ? "connection lost" : msg;
}

std::string_view SqlForMessage(std::string_view sql) {
  return sql.size() <= kMaxSqlInMessage ? sql : sql.substr(0, kMaxSqlInMessage);
}

bool IsLostConnectionState(std::string_view state) {
  // Class 08 is connection exceptions, except 08P01 (protocol violation), which the server
  // also reports for a wrong parameter count: a bug, and the connection survives it.
  if (state.starts_with("08")) {
    return state != "08P01";
  }
  // Administrator shutdown, crash shutdown, cannot connect now: the server went away.
  return state == "57P01" || state == "57P02" || state == "57P03";
}

// Whether the connection behind a failed call is gone (and must be reset before reuse).
bool ConnectionLost(PGconn* pg, const PGresult* res) {
  if (pg == nullptr || PQstatus(pg) == CONNECTION_BAD) {
    return true;
  }
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  return state != nullptr && IsLostConnectionState(state);
}

// "Key (email)=(a@b.cn) already exists." -> "email", when the key is plain column names.
std::string KeyColumnsFromDetail(const char* detail) {
  if (detail == nullptr) {
    return {};
  }
  std::string_view d(detail);
  constexpr std::string_view kPrefix = "Key (";
  if (!d.starts_with(kPrefix)) {
    return {};
  }
  d.remove_prefix(kPrefix.size());
  size_t end = d.find(")=");
  if (end == std::string_view::npos || end == 0) {
    return {};
  }
  std::string_view cols = d.substr(0, end);
  for (char c : cols) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == ',' || c == ' ';
    if (!plain) {
      return {};
    }
  }
  return std::string(cols);
}

// Maps a failed libpq call to a Status by SQLSTATE (see Session in database.h).
Status ErrorFromResult(PGconn* pg, const PGresult* res, std::string_view sql) {
  if (ConnectionLost(pg, res)) {
    std::string msg;
    if (res != nullptr && PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) != nullptr) {
      msg = OneLine(PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
    } else if (res != nullptr && *PQresultErrorMessage(res) != '\0') {
      msg = OneLine(PQresultErrorMessage(res));
    } else {
      msg = ConnectionMessage(pg);
    }
    return UnavailableError("PostgreSQL connection lost: " + msg);
  }
  const char* state_c = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary_c =
      res != nullptr ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const char* detail = res != nullptr ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : nullptr;
  std::string primary;
  if (primary_c != nullptr) {
    primary = primary_c;
  } else if (res != nullptr && *PQresultErrorMessage(res) != '\0') {
    primary = OneLine(PQresultErrorMessage(res));
  } else {
    primary = ConnectionMessage(pg);
  }
  std::string_view state = state_c != nullptr ? state_c : "";
  // The detail of a key violation names the key ("Key (email)=(…) already exists."), which
  // the caller needs; other details ("Failing row contains (…)") would copy a whole customer
  // row into logs, so they are left out.
  std::string with_detail = primary;
  if (detail != nullptr && (state == "23505" || state == "23503")) {
    with_detail += ": ";
    with_detail += detail;
  }

  if (state == "23505") {
    return Status(StatusCode::kAlreadyExists, with_detail, KeyColumnsFromDetail(detail));
  }
  if (state == "23503") {
    return Status(StatusCode::kFailedPrecondition, with_detail, KeyColumnsFromDetail(detail));
  }
  if (state == "23502" || state == "23514") {
    const char* column = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
    return InvalidArgumentError(primary, column != nullptr ? column : "");
  }
  if (state == "40001" || state == "40P01") {
    return AbortedError(primary);
  }
  if (state == "53300") {  // too many connections: the server is full, try again later
    return UnavailableError(primary);
  }
  if (state.starts_with("22")) {
    return InvalidArgumentError(primary);
  }
  // Everything else (42xxx syntax or unknown table/column, 25P02 after an ignored error,
  // 25006 a write in Read) is a bug in the caller or the schema.
  std::string msg = primary;
  if (!state.empty()) {
    msg += " [SQLSTATE ";
    msg += state;
    msg += "]";
  }
  if (!sql.empty()) {
    msg += " in: ";
    msg += SqlForMessage(sql);
  }
  return InternalError(std::move(msg));
}

// One pooled connection and the statements prepared on it.
struct Connection {
  PGconn* pg = nullptr;
  bool counted_open = false;  // included in DatabaseStats::connections_open
  std::unordered_map<std::string, std::string> statements;  // key -> statement name
  int next_statement = 0;
};

enum class ColumnKind { kInt, kFloat, kNumeric, kBool, kBytea, kText };

ColumnKind KindOf(Oid type) {
  switch (type) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid:
      return ColumnKind::kInt;
    case kFloat4Oid:
    case kFloat8Oid:
      return ColumnKind::kFloat;
    case kNumericOid:
      return ColumnKind::kNumeric;
    case kBoolOid:
      return ColumnKind::kBool;
    case kByteaOid:
      return ColumnKind::kBytea;
    default:
      return ColumnKind::kText;
  }
}

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

// PostgreSQL prints NaN, Infinity and -Infinity; std::from_chars reads those (and is not
// affected by the process locale, unlike strtod).
std::optional<double> ParseDouble(std::string_view s) {
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

Blob DecodeBytea(const char* text, size_t len) {
  std::string_view s(text, len);
  if (s.starts_with("\\x") && s.size() % 2 == 0) {
    Blob b;
    b.bytes.resize((s.size() - 2) / 2);
    bool valid = true;
    for (size_t i = 0; i < b.bytes.size(); ++i) {
      int hi = HexDigit(s[2 + 2 * i]);
      int lo = HexDigit(s[3 + 2 * i]);
      if (hi < 0 || lo < 0) {
        valid = false;
        break;
      }
      b.bytes[i] = static_cast<char>((hi << 4) | lo);
    }
    if (valid) {
      return b;
    }
  }
  // bytea_output = 'escape' on the server, or something unexpected: let libpq decode it.
  size_t out_len = 0;
  unsigned char* out = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &out_len);
  Blob b;
  if (out != nullptr) {
    b.bytes.assign(reinterpret_cast<const char*>(out), out_len);
    PQfreemem(out);
  }
  return b;
}

Value DecodeValue(ColumnKind kind, const char* text, size_t len) {
  std::string_view s(text, len);
  switch (kind) {
    case ColumnKind::kInt:
      if (auto v = ParseInt(s)) {
        return Value(*v);
      }
      break;
    case ColumnKind::kFloat:
      if (auto v = ParseDouble(s)) {
        return Value(*v);
      }
      break;
    case ColumnKind::kNumeric:
      // sum(bigint) is numeric; keep whole numbers exact, and fall back to a double past int64.
      if (s.find('.') == std::string_view::npos) {
        if (auto v = ParseInt(s)) {
          return Value(*v);
        }
      }
      if (auto v = ParseDouble(s)) {
        return Value(*v);
      }
      break;
    case ColumnKind::kBool:
      return Value(int64_t{s == "t" ? 1 : 0});
    case ColumnKind::kBytea:
      return Value(DecodeBytea(text, len));
    case ColumnKind::kText:
      break;
  }
  return Value(std::string(s));
}

Rows DecodeRows(const PGresult* res) {
  int nrows = PQntuples(res);
  int ncols = PQnfields(res);
  auto names = std::make_shared<std::vector<std::string>>();
  names->reserve(ncols);
  std::vector<ColumnKind> kinds;
  kinds.reserve(ncols);
  for (int c = 0; c < ncols; ++c) {
    names->emplace_back(PQfname(res, c));
    kinds.push_back(KindOf(PQftype(res, c)));
  }
  std::shared_ptr<const std::vector<std::string>> columns = std::move(names);
  Rows rows;
  rows.reserve(nrows);
  for (int r = 0; r < nrows; ++r) {
    std::vector<Value> values;
    values.reserve(ncols);
    for (int c = 0; c < ncols; ++c) {
      if (PQgetisnull(res, r, c)) {
        values.emplace_back();
      } else {
        values.push_back(DecodeValue(kinds[c], PQgetvalue(res, r, c),
                                     static_cast<size_t>(PQgetlength(res, r, c))));
      }
    }
    rows.emplace_back(columns, std::move(values));
  }
  return rows;
}

std::string FormatDouble(double v) {
  if (std::isnan(v)) {
    return "NaN";
  }
  if (std::isinf(v)) {
    return v > 0 ? "Infinity" : "-Infinity";
  }
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), v);  // shortest exact round trip
  return std::string(buf, ec == std::errc() ? ptr : buf);
}

// Parameters in libpq's form. Integers and doubles go as text (their types fixed by the
// prepared statement's OIDs), text as text with the type left to the server, blobs as binary.
struct BoundParams {
  std::string signature;  // one letter per parameter type, part of the statement cache key
  std::vector<Oid> types;
  std::vector<std::string> storage;  // text forms of numbers; reserved so pointers stay valid
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
};

Result<BoundParams> BindParams(const Params& params) {
  BoundParams b;
  size_t n = params.size();
  b.signature.reserve(n);
  b.types.reserve(n);
  b.storage.reserve(n);
  b.values.reserve(n);
  b.lengths.reserve(n);
  b.formats.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const Value::Variant& v = params[i].variant();
    if (std::holds_alternative<std::monostate>(v)) {
      b.signature += 'n';
      b.types.push_back(kUnknownOid);
      b.values.push_back(nullptr);
      b.lengths.push_back(0);
      b.formats.push_back(0);
    } else if (const auto* iv = std::get_if<int64_t>(&v)) {
      b.signature += 'i';
      b.types.push_back(kInt8Oid);
      b.storage.push_back(std::to_string(*iv));
      b.values.push_back(b.storage.back().c_str());
      b.lengths.push_back(0);
      b.formats.push_back(0);
    } else if (const auto* dv = std::get_if<double>(&v)) {
      b.signature += 'd';
      b.types.push_back(kFloat8Oid);
      b.storage.push_back(FormatDouble(*dv));
      b.values.push_back(b.storage.back().c_str());
      b.lengths.push_back(0);
      b.formats.push_back(0);
    } else if (const auto* sv = std::get_if<std::string>(&v)) {
      if (sv->find('\0') != std::string::npos) {
        return InvalidArgumentError("text parameter $" + std::to_string(i + 1) +
                                    " contains a NUL character");
      }
      b.signature += 't';
      b.types.push_back(kUnknownOid);
      b.values.push_back(sv->c_str());
      b.lengths.push_back(0);
      b.formats.push_back(0);
    } else {
      const Blob& blob = std::get<Blob>(v);
      if (blob.bytes.size() > static_cast<size_t>(INT32_MAX)) {
        return InvalidArgumentError("blob parameter $" + std::to_string(i + 1) +
                                    " is larger than 2 GiB");
      }
      b.signature += 'b';
      b.types.push_back(kByteaOid);
      b.values.push_back(blob.bytes.data());
      b.lengths.push_back(static_cast<int>(blob.bytes.size()));
      b.formats.push_back(1);
    }
  }
  return b;
}

class PostgresDatabase;

class PostgresSession : public Session {
 public:
  explicit PostgresSession(Connection& conn) : conn_(conn) {}

  Dialect dialect() const override { return Dialect::kPostgres; }

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    KEFU_ASSIGN_OR_RETURN(PgResult res, Run(sql, params));
    return DecodeRows(res.get());
  }

  Result<int64_t> Exec(std::string_view sql, const Params& params) override {
    KEFU_ASSIGN_OR_RETURN(PgResult res, Run(sql, params));
    const char* tuples = PQcmdTuples(res.get());
    if (tuples == nullptr || *tuples == '\0') {
      return int64_t{0};
    }
    return ParseInt(tuples).value_or(0);
  }

  Status ExecScript(std::string_view sql) override {
    std::string text(sql);
    PgResult res(PQexec(conn_.pg, text.c_str()));
    ExecStatusType st = res != nullptr ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
      return OkStatus();
    }
    return Fail(ErrorFromResult(conn_.pg, res.get(), sql));
  }

  // The first statement error seen, kept because PostgreSQL then refuses every later
  // statement and turns COMMIT into ROLLBACK.
  const Status& first_error() const { return first_error_; }

 private:
  Status Fail(Status s) {
    if (first_error_.ok()) {
      first_error_ = s;
    }
    return s;
  }

  Result<PgResult> Run(std::string_view sql, const Params& params) {
    KEFU_ASSIGN_OR_RETURN(BoundParams b, BindParams(params));
    int n = static_cast<int>(params.size());
    std::string key = b.signature;
    key += '|';
    key += sql;
    PgResult res;
    auto it = conn_.statements.find(key);
    if (it == conn_.statements.end() && conn_.statements.size() < kMaxPreparedStatements) {
      std::string name = "k" + std::to_string(++conn_.next_statement);
      std::string text(sql);
      PgResult prep(PQprepare(conn_.pg, name.c_str(), text.c_str(), n, b.types.data()));
      if (prep == nullptr || PQresultStatus(prep.get()) != PGRES_COMMAND_OK) {
        return Fail(ErrorFromResult(conn_.pg, prep.get(), sql));
      }
      it = conn_.statements.emplace(std::move(key), std::move(name)).first;
    }
    if (it != conn_.statements.end()) {
      res.reset(PQexecPrepared(conn_.pg, it->second.c_str(), n, b.values.data(), b.lengths.data(),
                               b.formats.data(), /*resultFormat=*/0));
    } else {
      std::string text(sql);
      res.reset(PQexecParams(conn_.pg, text.c_str(), n, b.types.data(), b.values.data(),
                             b.lengths.data(), b.formats.data(), /*resultFormat=*/0));
    }
    ExecStatusType st = res != nullptr ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
      return res;
    }
    if (st == PGRES_EMPTY_QUERY) {
      return Fail(InternalError("empty SQL statement"));
    }
    if (it != conn_.statements.end() && res != nullptr) {
      // "cached plan must not change result type" after a schema change: prepare afresh
      // next time. The old name stays allocated on the server until the connection closes.
      const char* state = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
      if (state != nullptr && std::string_view(state) == "0A000") {
        conn_.statements.erase(it);
      }
    }
    return Fail(ErrorFromResult(conn_.pg, res.get(), sql));
  }

  Connection& conn_;
  Status first_error_;
};

// The pool: up to options.postgres_pool_size connections, opened on demand and reused LIFO so
// that the warm ones stay busy. Thread-safe.
class PostgresDatabase : public Database {
 public:
  PostgresDatabase(std::string url, const DatabaseOptions& options)
      : url_(std::move(url)),
        pool_size_(options.postgres_pool_size),
        acquire_timeout_(std::max(0, options.postgres_acquire_timeout_ms)) {}

  ~PostgresDatabase() override {
    std::lock_guard lock(mu_);
    // Every Transact/Read has returned by now, so all connections are idle.
    KEFU_DCHECK(static_cast<size_t>(total_) == idle_.size()) << "a connection is still lent out";
    for (auto& conn : idle_) {
      Close(*conn);
    }
    idle_.clear();
  }

  Dialect dialect() const override { return Dialect::kPostgres; }

  Status Transact(const Fn& fn) override { return Run(fn, "BEGIN", /*read_only=*/false); }

  Status Read(const Fn& fn) override {
    return Run(fn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", /*read_only=*/true);
  }

  DatabaseStats stats() const override {
    DatabaseStats s;
    s.transactions = transactions_.load(std::memory_order_relaxed);
    s.commits = commits_.load(std::memory_order_relaxed);
    s.reads = reads_.load(std::memory_order_relaxed);
    s.connections_open = connections_open_.load(std::memory_order_relaxed);
    s.reconnects = reconnects_.load(std::memory_order_relaxed);
    return s;
  }

  // Opens the first connection, so that a wrong URL or an unreachable server fails at open.
  Status ConnectEagerly() {
    KEFU_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Acquire());
    Release(std::move(conn));
    return OkStatus();
  }

 private:
  // Returns a connection to the pool on every path out of Run, exceptions included.
  class Lease {
   public:
    Lease(PostgresDatabase& db, std::unique_ptr<Connection> conn)
        : db_(db), conn_(std::move(conn)) {}
    ~Lease() { db_.Release(std::move(conn_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection& operator*() { return *conn_; }

   private:
    PostgresDatabase& db_;
    std::unique_ptr<Connection> conn_;
  };

  Status Run(const Fn& fn, const char* begin_sql, bool read_only) {
    KEFU_ASSIGN_OR_RETURN(std::unique_ptr<Connection> acquired, Acquire());
    Lease lease(*this, std::move(acquired));
    Connection& conn = *lease;
    KEFU_RETURN_IF_ERROR(Begin(conn, begin_sql));

    PostgresSession session(conn);
    Status fn_status = fn(session);
    if (read_only) {
      reads_.fetch_add(1, std::memory_order_relaxed);
    } else {
      transactions_.fetch_add(1, std::memory_order_relaxed);
    }
    if (!fn_status.ok()) {
      // A failed ROLLBACK means a lost connection; Release resets it, and fn's error stands.
      PQclear(PQexec(conn.pg, "ROLLBACK"));
      return fn_status;
    }
    PgResult res(PQexec(conn.pg, "COMMIT"));
    if (res == nullptr || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
      return ErrorFromResult(conn.pg, res.get(), "COMMIT");
    }
    // PostgreSQL answers COMMIT with ROLLBACK when a statement in the transaction failed:
    // fn ignored that error, and nothing was written.
    if (std::string_view(PQcmdStatus(res.get())) == "ROLLBACK") {
      std::string msg =
          "PostgreSQL rolled the transaction back because a statement in it failed and the "
          "callback went on";
      if (!session.first_error().ok()) {
        msg += " (first error: " + session.first_error().ToString() + ")";
      }
      return InternalError(std::move(msg));
    }
    if (!read_only) {
      commits_.fetch_add(1, std::memory_order_relaxed);
    }
    return OkStatus();
  }

  // Starts the transaction. A pooled connection may have died while idle (server restart,
  // idle timeout, pg_terminate_backend) without libpq noticing; that shows up here, before
  // any work, so reconnecting once and going on is safe.
  Status Begin(Connection& conn, const char* sql) {
    PgResult res(PQexec(conn.pg, sql));
    if (res != nullptr && PQresultStatus(res.get()) == PGRES_COMMAND_OK) {
      return OkStatus();
    }
    if (!ConnectionLost(conn.pg, res.get())) {
      return ErrorFromResult(conn.pg, res.get(), sql);
    }
    KEFU_RETURN_IF_ERROR(Reset(conn));
    res.reset(PQexec(conn.pg, sql));
    if (res != nullptr && PQresultStatus(res.get()) == PGRES_COMMAND_OK) {
      return OkStatus();
    }
    return ErrorFromResult(conn.pg, res.get(), sql);
  }

  Result<std::unique_ptr<Connection>> Acquire() {
    std::unique_ptr<Connection> conn;
    {
      std::unique_lock lock(mu_);
      auto deadline = std::chrono::steady_clock::now() + acquire_timeout_;
      bool ready =
          cv_.wait_until(lock, deadline, [&] { return !idle_.empty() || total_ < pool_size_; });
      if (!ready) {
        return UnavailableError("no free PostgreSQL connection within " +
                                std::to_string(acquire_timeout_.count()) + " ms (pool size " +
                                std::to_string(pool_size_) + ")");
      }
      if (!idle_.empty()) {
        conn = std::move(idle_.back());
        idle_.pop_back();
      } else {
        ++total_;  // reserve the slot; the connection is made outside the lock
      }
    }
    if (conn == nullptr) {
      conn = std::make_unique<Connection>();
      Status s = Connect(*conn);
      if (!s.ok()) {
        Discard(std::move(conn));
        return s;
      }
      return conn;
    }
    if (PQstatus(conn->pg) == CONNECTION_BAD) {
      Status s = Reset(*conn);
      if (!s.ok()) {
        Discard(std::move(conn));
        return s;
      }
    }
    return conn;
  }

  void Release(std::unique_ptr<Connection> conn) {
    if (conn == nullptr) {
      return;
    }
    if (PQstatus(conn->pg) == CONNECTION_OK && PQtransactionStatus(conn->pg) != PQTRANS_IDLE) {
      // Only when fn threw between BEGIN and COMMIT.
      PQclear(PQexec(conn->pg, "ROLLBACK"));
    }
    if (PQstatus(conn->pg) != CONNECTION_OK) {
      // Kept in the pool and reset by the next Acquire, which counts it as a reconnect.
      MarkClosed(*conn);
    } else if (PQtransactionStatus(conn->pg) != PQTRANS_IDLE) {
      Discard(std::move(conn));
      return;
    }
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(conn));
    cv_.notify_one();
  }

  // Gives up a connection and its pool slot.
  void Discard(std::unique_ptr<Connection> conn) {
    Close(*conn);
    std::lock_guard lock(mu_);
    --total_;
    cv_.notify_one();
  }

  Status Connect(Connection& conn) {
    // Later keywords override what the URL says; earlier ones are defaults the URL may
    // override (expand_dbname expands the URL in place).
    const char* keywords[] = {"connect_timeout", "dbname", "fallback_application_name",
                              "client_encoding", nullptr};
    const char* values[] = {"10", url_.c_str(), "kefu", "UTF8", nullptr};
    conn.pg = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
    if (conn.pg == nullptr || PQstatus(conn.pg) != CONNECTION_OK) {
      // libpq's message names host and port but never the password.
      return UnavailableError("cannot connect to PostgreSQL: " + ConnectionMessage(conn.pg));
    }
    PQsetNoticeProcessor(conn.pg, IgnoreNotice, nullptr);
    MarkOpen(conn);
    return OkStatus();
  }

  Status Reset(Connection& conn) {
    MarkClosed(conn);
    // Prepared statements belong to the old server session.
    conn.statements.clear();
    conn.next_statement = 0;
    PQreset(conn.pg);  // keeps the conninfo and the notice processor
    if (PQstatus(conn.pg) != CONNECTION_OK) {
      return UnavailableError("cannot reconnect to PostgreSQL: " + ConnectionMessage(conn.pg));
    }
    MarkOpen(conn);
    reconnects_.fetch_add(1, std::memory_order_relaxed);
    return OkStatus();
  }

  void Close(Connection& conn) {
    MarkClosed(conn);
    if (conn.pg != nullptr) {
      PQfinish(conn.pg);
      conn.pg = nullptr;
    }
  }

  void MarkOpen(Connection& conn) {
    if (!conn.counted_open) {
      conn.counted_open = true;
      connections_open_.fetch_add(1, std::memory_order_relaxed);
    }
  }

  void MarkClosed(Connection& conn) {
    if (conn.counted_open) {
      conn.counted_open = false;
      connections_open_.fetch_sub(1, std::memory_order_relaxed);
    }
  }

  const std::string url_;
  const int pool_size_;
  const std::chrono::milliseconds acquire_timeout_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  int total_ = 0;  // connections idle, lent or being opened; guarded by mu_

  std::atomic<int64_t> transactions_{0};
  std::atomic<int64_t> commits_{0};
  std::atomic<int64_t> reads_{0};
  std::atomic<int64_t> connections_open_{0};
  std::atomic<int64_t> reconnects_{0};
};

}  // namespace

Result<std::unique_ptr<Database>> OpenPostgres(std::string_view url,
                                               const DatabaseOptions& options) {
  std::string url_str(url);
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url_str.c_str(), &parse_error);
  if (parsed == nullptr) {
    std::string msg = parse_error != nullptr ? OneLine(parse_error) : "out of memory";
    PQfreemem(parse_error);
    return InvalidArgumentError("invalid PostgreSQL URL: " + msg);
  }
  PQconninfoFree(parsed);
  if (options.postgres_pool_size < 1) {
    return InvalidArgumentError("postgres_pool_size must be at least 1", "postgres_pool_size");
  }
  if (PQisthreadsafe() == 0) {
    return InternalError("libpq was built without thread safety");
  }
  auto db = std::make_unique<PostgresDatabase>(std::move(url_str), options);
  KEFU_RETURN_IF_ERROR(db->ConnectEagerly());
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace kefu::store::internal
