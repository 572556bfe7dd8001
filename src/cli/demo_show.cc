#include "demo_show.h"

#include <fmt/format.h>

#include <string>

#include "kefu/core/pii.h"
#include "kefu/store/migrate.h"

namespace kefu::cli {
namespace {

std::string TierLabel(const std::string& tier) {
  if (tier == "gold") return "金卡";
  if (tier == "platinum") return "白金";
  if (tier == "private") return "私人银行";
  return "普通";
}

std::string Yuan(int64_t fen) {
  return fmt::format("{}{}.{:02d}", fen < 0 ? "-" : "", (fen < 0 ? -fen : fen) / 100,
                     (fen < 0 ? -fen : fen) % 100);
}

}  // namespace

Status ShowDemo(store::Database& db, std::ostream& out) {
  KEFU_ASSIGN_OR_RETURN(int version, store::CurrentSchemaVersion(db));
  out << fmt::format("数据库 database: {} · schema version {}\n",
                     store::DialectName(db.dialect()), version);
  if (version == 0) {
    out << "empty database: run `kefu migrate` and `kefu demo seed`\n";
    return OkStatus();
  }
  static constexpr std::pair<const char*, const char*> kTables[] = {
      {"regions", "地区"},   {"branches", "网点"}, {"teams", "班组"},
      {"agents", "座席"},    {"queues", "队列"},   {"customers", "客户"},
      {"cards", "卡片"},     {"loans", "贷款"},    {"transactions", "交易"},
  };
  for (const auto& [table, label] : kTables) {
    KEFU_ASSIGN_OR_RETURN(int64_t n,
                          db.QueryInt64(std::string("SELECT COUNT(*) FROM ") + table));
    out << fmt::format("  {:<14}{:>8}  {}\n", table, n, label);
  }
  KEFU_ASSIGN_OR_RETURN(
      int64_t failed,
      db.QueryInt64("SELECT COUNT(*) FROM transactions WHERE status = 'failed'"));
  out << fmt::format("  {:<14}{:>8}  失败交易\n", "  failed", failed);

  // A few valued customers, as a screen pop would show them (masked).
  KEFU_ASSIGN_OR_RETURN(
      store::Rows customers,
      db.Query("SELECT c.id, c.name, c.tier, c.mobile, c.id_number, a.name AS owner "
               "FROM customers c LEFT JOIN agents a ON a.id = c.owner_agent_id "
               "WHERE c.tier <> 'standard' ORDER BY c.id LIMIT 5"));
  if (customers.empty()) {
    return OkStatus();
  }
  out << "\n客户示例 sample customers (personal data masked):\n";
  for (const store::Row& c : customers) {
    std::string mobile = c.IsNull("mobile") ? "-" : pii::MaskMobile(c.Text("mobile"));
    std::string id_number =
        c.IsNull("id_number") ? "-" : pii::MaskIdNumber(c.Text("id_number"));
    std::string owner = c.IsNull("owner") ? "-" : c.Text("owner");
    out << fmt::format("  {} {}  {}  手机 {}  身份证 {}  专属负责人 {}\n", c.Int64("id"),
                       c.Text("name"), TierLabel(c.Text("tier")), mobile, id_number, owner);
    KEFU_ASSIGN_OR_RETURN(
        store::Rows failures,
        db.Query("SELECT t.amount_fen, t.merchant, t.error_code, e.reason FROM transactions t "
                 "JOIN error_codes e ON e.code = t.error_code "
                 "WHERE t.customer_id = $1 AND t.status = 'failed' "
                 "ORDER BY t.occurred_ms DESC LIMIT 2",
                 {c.Int64("id")}));
    for (const store::Row& f : failures) {
      out << fmt::format("      失败交易 ¥{} {}  {} {}\n", Yuan(f.Int64(0)),
                         f.IsNull(1) ? "" : f.Text(1), f.Text(2), f.Text(3));
    }
  }
  return OkStatus();
}

}  // namespace kefu::cli
