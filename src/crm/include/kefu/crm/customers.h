#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kefu/core/clock.h"
#include "kefu/core/result.h"
#include "kefu/store/database.h"

namespace kefu::crm {

// How a caller identifies the customer to look up (issue #6: one call by customer id, mobile
// or resident ID number). Value type.
struct LookupKey {
  enum class Kind { kCustomerId, kMobile, kIdNumber };
  Kind kind = Kind::kCustomerId;
  int64_t customer_id = 0;  // kCustomerId
  std::string raw;          // kMobile / kIdNumber: as typed; Lookup normalises it

  static LookupKey CustomerId(int64_t id) { return {Kind::kCustomerId, id, {}}; }
  static LookupKey Mobile(std::string raw) { return {Kind::kMobile, 0, std::move(raw)}; }
  static LookupKey IdNumber(std::string raw) { return {Kind::kIdNumber, 0, std::move(raw)}; }
};

// "customer_id", "mobile" or "id_number": the name of the key, for audit details and errors.
std::string_view LookupKindName(LookupKey::Kind kind);

// 普通 / 金卡 / 白金 / 私人银行 for the tier codes standard / gold / platinum / private; the
// code itself for an unknown one.
std::string_view TierLabel(std::string_view tier);

struct Card {
  int64_t id = 0;
  std::string number_masked;  // as stored: the full number is never kept
  std::string product;
  std::string kind;                         // credit | debit
  std::string currency;                     // "CNY"
  std::optional<int64_t> credit_limit_fen;  // credit cards only
  int64_t available_fen = 0;
  std::optional<int64_t> statement_day;  // day of month
  std::optional<int64_t> due_day;        // day of month
  std::string expiry_month;              // "YYYY-MM"
  std::string status;
};

struct Loan {
  int64_t id = 0;
  std::string product;  // mortgage | auto | consumer | business
  int64_t principal_fen = 0;
  int64_t balance_fen = 0;
  int64_t rate_bp = 0;  // annual rate in basis points
  int64_t term_months = 0;
  int64_t repayment_day = 0;
  int64_t overdue_days = 0;
  std::string status;
  int64_t start_ms = 0;
};

// One transaction; a failed one carries its error code and, when the code is known, the
// reason and the advice to give the customer.
struct Transaction {
  int64_t id = 0;
  std::optional<int64_t> card_id;
  std::optional<std::string> card_masked;
  std::string kind;       // purchase | withdrawal | transfer_out | …
  std::string direction;  // out | in
  int64_t amount_fen = 0;
  std::string currency;
  std::optional<std::string> merchant;
  std::string channel;  // pos | atm | online_banking | …
  std::string status;   // success | failed | reversed
  std::optional<std::string> error_code;
  std::optional<std::string> error_reason;
  std::optional<std::string> error_advice;
  int64_t occurred_ms = 0;
};

// What an agent sees when a customer calls (客户360 / 弹屏). Mobile, ID number and e-mail are
// masked unless the lookup asked for them in full.
struct Customer360 {
  int64_t id = 0;
  std::string name;
  std::optional<std::string> gender;      // male | female
  std::optional<std::string> birth_date;  // YYYY-MM-DD
  std::string tier;                       // standard | gold | platinum | private
  std::string tier_label;                 // 普通 | 金卡 | 白金 | 私人银行
  std::optional<std::string> segment;
  std::string status;
  std::optional<std::string> region_name;
  std::optional<std::string> branch_name;
  std::string preferred_script;  // simplified | traditional
  std::optional<int64_t> owner_agent_id;
  std::optional<std::string> owner_agent_name;
  bool masked = true;  // false when mobile, id_number and email below are in full
  std::optional<std::string> mobile;
  std::string id_type;
  std::optional<std::string> id_number;
  std::optional<std::string> email;
  std::vector<Card> cards;
  std::vector<Loan> loans;
  std::vector<Transaction> transactions;  // newest first, at most kRecentTransactions
  int64_t failed_transactions_30d = 0;    // failed in the 30 days before the lookup
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

// Customer lookups for the agent desktop (the customer 360). Owned by the server; holds the
// database and clock by pointer (they outlive it) and the keyed-hash secret for personal
// data. Thread-safe: every call reads one snapshot.
class Customers {
 public:
  static constexpr int kRecentTransactions = 20;

  // `pii_key` is the HMAC secret mobile_hash and id_number_hash were written with; when it is
  // empty, lookups compare the stored mobile / ID number columns instead.
  Customers(store::Database* db, const Clock* clock, std::string pii_key)
      : db_(db), clock_(clock), pii_key_(std::move(pii_key)) {}

  // The 360 view of the customer `key` identifies. A mobile shared by several customers finds
  // the most recently updated one. `unmask` returns mobile, ID number and e-mail in full: the
  // caller checks the permission and writes the audit row.
  // Returns kInvalidArgument (field "customer_id", "mobile" or "id_number") for a malformed
  // key, kNotFound when no customer matches, or the database's error.
  Result<Customer360> Lookup(const LookupKey& key, bool unmask) const;

 private:
  store::Database* db_;
  const Clock* clock_;
  std::string pii_key_;
};

}  // namespace kefu::crm
