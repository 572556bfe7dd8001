#pragma once

#include <span>
#include <string_view>

#include "kefu/core/result.h"
#include "kefu/store/database.h"

namespace kefu::store {

// One forward-only schema step. `sql` runs on both backends unless `postgres_sql` is set, in
// which case PostgreSQL runs that instead (for the few places the dialects differ, such as
// BLOB vs BYTEA). Versions are positive, unique and increasing.
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
  std::string_view postgres_sql = {};
};

// Applies the migrations not yet recorded in the table kefu_migrations, each in its own
// transaction together with its record, in version order. Safe to run again (it then changes
// nothing) and safe to run from several processes at once on PostgreSQL (an advisory lock
// serialises them). Returns the number applied; kFailedPrecondition when the database records
// a version this binary does not know (it is newer than the binary), or the migration's error
// with its version and name.
Result<int> Migrate(Database& db, std::span<const Migration> migrations);

// The highest applied version, 0 on an empty database.
Result<int> CurrentSchemaVersion(Database& db);

// kefu's own schema, in order.
std::span<const Migration> KefuMigrations();

}  // namespace kefu::store
