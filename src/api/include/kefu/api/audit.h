#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kefu/core/clock.h"
#include "kefu/core/id.h"
#include "kefu/core/result.h"
#include "kefu/store/database.h"

namespace kefu::api {

// Who did something, from where: the caller of a request, a CLI operator, or the system.
struct Actor {
  std::optional<int64_t> user_id;  // empty: anonymous, the CLI, or the system
  std::string name;                // username, "cli:<os user>", "system", "token:<name>"
  std::string ip;
};

struct AuditEntry {
  std::string action;       // "user.create", "auth.login", "customer.unmask" …
  std::string object_type;  // "user", "session", "customer" …
  std::string object_id;    // the record's id, when there is one
  std::string detail;       // a short JSON object or text; never a password or a full ID number
};

struct AuditRecord {
  int64_t id = 0;
  int64_t at_ms = 0;
  std::optional<int64_t> actor_id;
  std::string actor_name;
  std::string action;
  std::string object_type;
  std::string object_id;
  std::string ip;
  std::string detail;
  std::string trace_id;
};

struct AuditFilter {
  std::optional<std::string> actor;        // actor_name
  std::optional<std::string> action;       // exact, or a prefix ending in '.' ("user.")
  std::optional<std::string> object_type;
  std::optional<std::string> object_id;
  std::optional<int64_t> since_ms;
  std::optional<int64_t> until_ms;
};

// One page of a list, newest first, and the cursor for the next page (empty at the end).
template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_cursor;
};

// The audit log: who, what, which record, when, from where. Append-only (the database refuses
// updates and deletes). Writes go in the caller's transaction so a change and its audit row
// commit together. Thread-safe.
class AuditLog {
 public:
  AuditLog(store::Database* db, const Clock* clock, IdGenerator* ids)
      : db_(db), clock_(clock), ids_(ids) {}

  // Appends inside an open transaction.
  Status Append(store::Session& tx, const Actor& actor, const AuditEntry& entry);
  // Appends in a transaction of its own.
  Status Append(const Actor& actor, const AuditEntry& entry);

  // Newest first. `cursor` comes from a previous page; limit is clamped to 1..500.
  // kInvalidArgument for a malformed cursor.
  Result<Page<AuditRecord>> Query(const AuditFilter& filter, const std::string& cursor,
                                  int limit);

 private:
  store::Database* db_;
  const Clock* clock_;
  IdGenerator* ids_;
};

// Cursors are opaque to clients: the last id seen, encoded. Shared by every list.
std::string EncodeCursor(int64_t id);
Result<int64_t> DecodeCursor(const std::string& cursor);

}  // namespace kefu::api
