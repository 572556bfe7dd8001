#include "kefu/api/audit.h"

#include <algorithm>

#include "kefu/core/log.h"

namespace kefu::api {

std::string EncodeCursor(int64_t id) {
  // Hex of the id with a version prefix; opaque to clients, cheap to check.
  char buf[24];
  std::snprintf(buf, sizeof buf, "c1%llx", static_cast<unsigned long long>(id));
  return buf;
}

Result<int64_t> DecodeCursor(const std::string& cursor) {
  if (cursor.size() < 3 || cursor.size() > 18 || cursor.rfind("c1", 0) != 0) {
    return InvalidArgumentError("malformed cursor", "cursor");
  }
  uint64_t v = 0;
  for (size_t i = 2; i < cursor.size(); ++i) {
    char c = cursor[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) {
      return InvalidArgumentError("malformed cursor", "cursor");
    }
    v = v * 16 + static_cast<uint64_t>(d);
  }
  if (v > static_cast<uint64_t>(INT64_MAX)) {
    return InvalidArgumentError("malformed cursor", "cursor");
  }
  return static_cast<int64_t>(v);
}

Status AuditLog::Append(store::Session& tx, const Actor& actor, const AuditEntry& entry) {
  std::string trace(log::CurrentTraceId());
  return tx
      .Exec(
          "INSERT INTO audit_log (id, at_ms, actor_id, actor_name, action, object_type, "
          "object_id, ip, detail, trace_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
          {ids_->Next(), clock_->NowMs(), actor.user_id, actor.name, entry.action,
           entry.object_type,
           entry.object_id.empty() ? store::Value() : store::Value(entry.object_id),
           actor.ip.empty() ? store::Value() : store::Value(actor.ip),
           entry.detail.empty() ? store::Value() : store::Value(entry.detail),
           trace.empty() ? store::Value() : store::Value(trace)})
      .status();
}

Status AuditLog::Append(const Actor& actor, const AuditEntry& entry) {
  return db_->Transact([&](store::Session& tx) { return Append(tx, actor, entry); });
}

Result<Page<AuditRecord>> AuditLog::Query(const AuditFilter& filter, const std::string& cursor,
                                          int limit) {
  limit = std::clamp(limit, 1, 500);
  std::string sql =
      "SELECT id, at_ms, actor_id, actor_name, action, object_type, object_id, ip, detail, "
      "trace_id FROM audit_log WHERE 1 = 1";
  store::Params params;
  auto add = [&](const std::string& clause, store::Value v) {
    params.push_back(std::move(v));
    sql += " AND " + clause + " $" + std::to_string(params.size());
  };
  if (!cursor.empty()) {
    KEFU_ASSIGN_OR_RETURN(int64_t before, DecodeCursor(cursor));
    add("id <", before);
  }
  if (filter.actor) {
    add("actor_name =", *filter.actor);
  }
  if (filter.action) {
    if (!filter.action->empty() && filter.action->back() == '.') {
      add("action LIKE", *filter.action + "%");
    } else {
      add("action =", *filter.action);
    }
  }
  if (filter.object_type) {
    add("object_type =", *filter.object_type);
  }
  if (filter.object_id) {
    add("object_id =", *filter.object_id);
  }
  if (filter.since_ms) {
    add("at_ms >=", *filter.since_ms);
  }
  if (filter.until_ms) {
    add("at_ms <", *filter.until_ms);
  }
  sql += " ORDER BY id DESC LIMIT " + std::to_string(limit + 1);
  KEFU_ASSIGN_OR_RETURN(store::Rows rows, db_->Query(sql, params));
  Page<AuditRecord> page;
  for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(limit); ++i) {
    const store::Row& r = rows[i];
    AuditRecord rec;
    rec.id = r.Int64(0);
    rec.at_ms = r.Int64(1);
    rec.actor_id = r.OptInt64(2);
    rec.actor_name = r.Text(3);
    rec.action = r.Text(4);
    rec.object_type = r.Text(5);
    rec.object_id = r.OptText(6).value_or("");
    rec.ip = r.OptText(7).value_or("");
    rec.detail = r.OptText(8).value_or("");
    rec.trace_id = r.OptText(9).value_or("");
    page.items.push_back(std::move(rec));
  }
  if (rows.size() > static_cast<size_t>(limit)) {
    page.next_cursor = EncodeCursor(page.items.back().id);
  }
  return page;
}

}  // namespace kefu::api
