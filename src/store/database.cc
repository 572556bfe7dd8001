#include "kefu/store/database.h"

#include <string>

#include "postgres/postgres_database.h"
#include "sqlite/sqlite_database.h"

namespace kefu::store {

std::string_view DialectName(Dialect d) {
  return d == Dialect::kSqlite ? "sqlite" : "postgresql";
}

Result<std::optional<Row>> Session::QueryOne(std::string_view sql, const Params& params) {
  KEFU_ASSIGN_OR_RETURN(Rows rows, Query(sql, params));
  if (rows.empty()) {
    return std::optional<Row>();
  }
  return std::optional<Row>(std::move(rows.front()));
}

Result<int64_t> Session::QueryInt64(std::string_view sql, const Params& params) {
  KEFU_ASSIGN_OR_RETURN(std::optional<Row> row, QueryOne(sql, params));
  if (!row) {
    return NotFoundError("query returned no row: " + std::string(sql.substr(0, 80)));
  }
  if (row->IsNull(0)) {
    return NotFoundError("query returned NULL: " + std::string(sql.substr(0, 80)));
  }
  return row->Int64(0);
}

Result<Rows> Database::Query(std::string_view sql, const Params& params) {
  Rows rows;
  KEFU_RETURN_IF_ERROR(Read([&](Session& s) -> Status {
    KEFU_ASSIGN_OR_RETURN(rows, s.Query(sql, params));
    return OkStatus();
  }));
  return rows;
}

Result<int64_t> Database::Exec(std::string_view sql, const Params& params) {
  int64_t changed = 0;
  KEFU_RETURN_IF_ERROR(Transact([&](Session& s) -> Status {
    KEFU_ASSIGN_OR_RETURN(changed, s.Exec(sql, params));
    return OkStatus();
  }));
  return changed;
}

Result<int64_t> Database::QueryInt64(std::string_view sql, const Params& params) {
  int64_t value = 0;
  KEFU_RETURN_IF_ERROR(Read([&](Session& s) -> Status {
    KEFU_ASSIGN_OR_RETURN(value, s.QueryInt64(sql, params));
    return OkStatus();
  }));
  return value;
}

Result<std::unique_ptr<Database>> OpenDatabase(std::string_view url,
                                               const DatabaseOptions& options) {
  if (url.starts_with("sqlite:")) {
    std::string_view path = url.substr(7);
    if (path.starts_with("//")) {
      path.remove_prefix(2);  // sqlite://var/kefu.db
    }
    if (path.empty()) {
      return InvalidArgumentError("sqlite URL has no file path: " + std::string(url), "db");
    }
    return internal::OpenSqlite(path, options);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return internal::OpenPostgres(url, options);
  }
  return InvalidArgumentError("unknown database URL '" + std::string(url) +
                                  "': use sqlite:PATH or postgresql://user@host:port/dbname",
                              "db");
}

}  // namespace kefu::store
