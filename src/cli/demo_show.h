#pragma once

#include <ostream>

#include "kefu/core/status.h"
#include "kefu/store/database.h"

namespace kefu::cli {

// Prints what the database holds: schema version, row counts, a few customers (personal data
// masked) and their most recent failed transactions with error codes. For `kefu demo show`
// and `make run` until the server (#3) shows it in a browser.
Status ShowDemo(store::Database& db, std::ostream& out);

}  // namespace kefu::cli
