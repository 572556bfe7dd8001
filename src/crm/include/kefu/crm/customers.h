#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kefu/core/clock.h"
#include "kefu/core/id.h"
#include "kefu/core/result.h"
#include "kefu/store/database.h"

namespace kefu::crm {

// How a caller identifies the customer to look up (issue #6: one call by customer id, mobile
// or resident ID number). Value type.
struct LookupKey {
  enum class Kind { kCustomerId, kMobile, kIdNumber, kWechatOpenid, kCif };
  Kind kind = Kind::kCustomerId;
  int64_t customer_id = 0;  // kCustomerId
  std::string raw;          // kMobile / kIdNumber: as typed; Lookup normalises it

  static LookupKey CustomerId(int64_t id) { return {Kind::kCustomerId, id, {}}; }
  static LookupKey Mobile(std::string raw) { return {Kind::kMobile, 0, std::move(raw)}; }
  static LookupKey IdNumber(std::string raw) { return {Kind::kIdNumber, 0, std::move(raw)}; }
  static LookupKey WechatOpenid(std::string raw) { return {Kind::kWechatOpenid, 0, std::move(raw)}; }
  static LookupKey Cif(std::string raw) { return {Kind::kCif, 0, std::move(raw)}; }
};

// "customer_id", "mobile", "id_number", "wechat_openid" or "cif": the name of the key, for
// audit details and errors.
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

struct Account {
  int64_t id = 0;
  std::string account_masked;
  std::string kind;  // savings | current | time_deposit | wealth
  std::string currency;
  int64_t balance_fen = 0;
  std::string status;
};

// A card or loan application and how far it got (进度).
struct Application {
  int64_t id = 0;
  std::string product_kind;  // card | loan
  std::string product;
  std::string stage;  // submitted | reviewing | need_documents | approved | rejected | …
  std::optional<std::string> stage_note;
  int64_t submitted_ms = 0;
  int64_t updated_ms = 0;
};

// An SMS the bank sent the customer: a campaign carries its activity code (活动代码), a failure
// notice its error code (错误代码) with the code's reason when known.
struct SmsMessage {
  int64_t id = 0;
  std::string kind;  // alert | reminder | campaign | failure | verification | other
  std::string text;
  std::optional<std::string> activity_code;
  std::optional<std::string> error_code;
  std::optional<std::string> error_reason;
  std::string status;
  int64_t sent_ms = 0;
};

// A self-service step (app, web, IVR, WeChat), failures with their error code.
struct JourneyEvent {
  int64_t id = 0;
  std::string channel;
  std::string step;
  std::string outcome;  // ok | failed | abandoned
  std::optional<std::string> error_code;
  std::optional<std::string> detail;
  int64_t occurred_ms = 0;
};

// 跟进记录: what an agent or the owner did or promised, and the next step.
struct FollowUp {
  int64_t id = 0;
  std::string author_name;
  std::string channel;  // phone | chat | wechat | email | sms | visit | other
  std::string content;
  std::optional<std::string> next_step;
  std::optional<int64_t> due_ms;
  std::optional<int64_t> done_ms;
  int64_t created_ms = 0;
};

// A contact on any channel (接触记录), newest first in the 360 view.
struct Interaction {
  int64_t id = 0;
  std::string channel;    // voice | chat | app | wechat | weibo | email | sms
  std::string direction;  // inbound | outbound
  std::optional<std::string> queue_name;
  std::optional<std::string> agent_name;
  std::string status;  // queued | active | ended | abandoned
  std::optional<std::string> disposition;
  std::optional<std::string> summary;
  int64_t started_ms = 0;
  std::optional<int64_t> answered_ms;
  std::optional<int64_t> ended_ms;
};

// A ticket (工单): a request, a left message (留言), a callback or a complaint (投诉).
struct Ticket {
  int64_t id = 0;
  std::string number;  // what the customer is told, e.g. GD20261122000123
  std::string kind;    // request | message | callback | complaint
  std::string category;
  std::string subject;
  std::string priority;  // low | normal | high | urgent
  std::string status;    // new | open | pending | resolved | closed
  std::optional<std::string> severity;  // complaints: minor | major | critical
  bool via_regulator = false;           // complaints passed on by the regulator (监管转办)
  std::optional<std::string> assignee_name;
  std::optional<int64_t> due_ms;
  std::optional<std::string> resolution;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  std::optional<int64_t> resolved_ms;
};

// A survey answer: CSAT 1–5, NPS 0–10 or CES 1–7.
struct SurveyAnswer {
  int64_t id = 0;
  std::string kind;  // csat | nps | ces
  std::string channel;
  int64_t score = 0;
  std::optional<std::string> comment;
  int64_t answered_ms = 0;
};

struct OwnerChange {
  std::optional<int64_t> agent_id;
  std::optional<std::string> agent_name;
  std::optional<int64_t> previous_agent_id;
  std::string reason;  // import | rule | round_robin | manual | ingest
  std::string changed_by;
  int64_t changed_ms = 0;
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
  std::optional<std::string> cif;            // the bank's customer number
  std::optional<std::string> customer_type;  // e.g. senior, youth, general
  std::optional<int64_t> assets_fen;
  std::optional<std::string> wechat_openid;
  std::string consent_json = "{}";         // {"marketing": false, …}
  std::vector<std::string> tags;
  std::vector<std::string> other_mobiles;  // besides `mobile`; masked like it
  std::vector<Card> cards;
  std::vector<Account> accounts;
  std::vector<Loan> loans;
  std::vector<Transaction> transactions;  // newest first, at most kRecentTransactions
  int64_t failed_transactions_30d = 0;    // failed in the 30 days before the lookup
  std::vector<Application> applications;  // newest first, at most kRecentItems
  std::vector<SmsMessage> sms;            // newest first, at most kRecentItems
  std::vector<JourneyEvent> journey;      // newest first, at most kRecentItems
  std::vector<FollowUp> follow_ups;       // newest first, at most kRecentItems
  std::vector<OwnerChange> owner_history; // newest first, at most 5
  std::vector<Interaction> contacts;       // newest first, at most kRecentItems, all channels
  std::vector<Ticket> open_tickets;        // status new/open/pending, any kind, newest first
  std::vector<Ticket> complaints;          // kind complaint, any status, newest first
  int64_t complaints_12m = 0;              // complaints created in the 365 days before
  std::vector<SurveyAnswer> surveys;       // newest first, at most kRecentItems
  std::optional<int64_t> latest_nps;       // the newest NPS score (0–10), if any
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

// One line of a customer search result (masked).
struct CustomerSummary {
  int64_t id = 0;
  std::string name;
  std::optional<std::string> mobile_masked;
  std::string tier;
  std::string tier_label;
  std::string status;  // active | prospect | dormant | closed
  std::optional<std::string> branch_name;
  std::optional<std::string> owner_agent_name;
  int64_t updated_ms = 0;
};

// What an agent may change on a profile; absent fields stay.
struct ProfilePatch {
  std::optional<std::string> name;
  std::optional<std::string> gender;  // male | female
  std::optional<std::string> tier;    // standard | gold | platinum | private
  std::optional<std::string> segment;
  std::optional<std::string> customer_type;
  std::optional<std::string> preferred_script;  // simplified | traditional
  std::optional<std::vector<std::string>> tags;  // the whole set
  std::optional<bool> marketing_consent;
  // A new primary mobile or e-mail replaces the old one everywhere (the identity index
  // included); kAlreadyExists when it already belongs to another customer.
  std::optional<std::string> mobile;
  std::optional<std::string> email;
};

struct FollowUpSpec {
  int64_t customer_id = 0;
  std::optional<int64_t> author_id;  // users.id
  std::string author_name;
  std::string channel;  // phone | chat | wechat | email | sms | visit | other
  std::string content;  // 1–2000 characters
  std::optional<std::string> next_step;
  std::optional<int64_t> due_ms;
};

// Customer lookups for the agent desktop (the customer 360). Owned by the server; holds the
// database and clock by pointer (they outlive it) and the keyed-hash secret for personal
// data. Thread-safe: every call reads one snapshot.
class Customers {
 public:
  static constexpr int kRecentTransactions = 20;
  static constexpr int kRecentItems = 10;

  // `pii_key` is the HMAC secret mobile_hash and id_number_hash were written with; when it is
  // empty, lookups compare the stored mobile / ID number columns instead.
  Customers(store::Database* db, const Clock* clock, std::string pii_key,
            IdGenerator* ids = nullptr)
      : db_(db), clock_(clock), pii_key_(std::move(pii_key)), ids_(ids) {}

  // The 360 view of the customer `key` identifies. A mobile shared by several customers finds
  // the most recently updated one. `unmask` returns mobile, ID number and e-mail in full: the
  // caller checks the permission and writes the audit row.
  // Returns kInvalidArgument (field "customer_id", "mobile" or "id_number") for a malformed
  // key, kNotFound when no customer matches, or the database's error.
  Result<Customer360> Lookup(const LookupKey& key, bool unmask) const;

  // Search by name prefix, or exactly by mobile, ID number, customer number (cif) or customer
  // id when `query` is one of those; at most `limit` results ordered by name.
  Result<std::vector<CustomerSummary>> Search(std::string_view query, int limit) const;

  // A prospect (潜在客户) for an unknown caller: status prospect, the mobile as its key.
  // kAlreadyExists (with the customer's id in the message) when the mobile is known.
  Result<int64_t> CreateProspect(std::string_view name, std::string_view mobile,
                                 std::string_view actor);

  // kNotFound, kInvalidArgument naming the field, kAlreadyExists (field mobile or email) when
  // the new mobile or e-mail belongs to another customer, or OK.
  Status UpdateProfile(int64_t customer_id, const ProfilePatch& patch);

  // Sets (or clears, with nullopt) the owner and records the change in owner_history.
  // kNotFound for an unknown customer or agent; returns the previous owner.
  Result<std::optional<int64_t>> ChangeOwner(int64_t customer_id, std::optional<int64_t> agent_id,
                                             std::string_view actor);

  Result<int64_t> AddFollowUp(const FollowUpSpec& spec);
  // Newest first; `before_ms`/`before_id` continue a page (0 = from the newest).
  Result<std::vector<FollowUp>> FollowUps(int64_t customer_id, int limit, int64_t before_ms,
                                          int64_t before_id) const;
  // Marks a follow-up done now. kNotFound, or kFailedPrecondition when already done.
  Status CompleteFollowUp(int64_t follow_up_id);

 private:
  store::Database* db_;
  const Clock* clock_;
  std::string pii_key_;
  IdGenerator* ids_;  // needed by the writing methods
};

}  // namespace kefu::crm
