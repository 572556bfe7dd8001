#pragma once

#include <memory>
#include <string_view>

#include "kefu/store/database.h"

namespace kefu::store::internal {

// Connects to PostgreSQL at `url` (a libpq URI) and returns a pooled Database.
Result<std::unique_ptr<Database>> OpenPostgres(std::string_view url,
                                               const DatabaseOptions& options);

}  // namespace kefu::store::internal
