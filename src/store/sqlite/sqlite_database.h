#pragma once

#include <memory>
#include <string_view>

#include "kefu/store/database.h"

namespace kefu::store::internal {

// Opens (creating when missing) the SQLite database at `path`.
Result<std::unique_ptr<Database>> OpenSqlite(std::string_view path, const DatabaseOptions& options);

}  // namespace kefu::store::internal
