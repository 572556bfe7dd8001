#pragma once

// Private to the kb module: entry checks shared by the service and the import.

#include <string>

#include "kefu/kb/knowledge_base.h"

namespace kefu::kb::internal {

// Checks and normalises an entry in place (trims, folds codes, drops empty list items).
// kInvalidArgument naming the field.
Status ValidateEntry(Entry& e);
// The entry's content without id, version and bookkeeping: equal keys = nothing changed.
std::string ContentKey(Entry e);

}  // namespace kefu::kb::internal
