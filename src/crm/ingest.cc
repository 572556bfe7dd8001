#include "kefu/crm/ingest.h"

#include <openssl/sha.h>

#include <boost/json.hpp>
#include <functional>

#include "kefu/core/pii.h"
#include "kefu/core/text.h"
#include "kefu/crm/import.h"
#include "normalize.h"

namespace kefu::crm {
namespace {

namespace json = boost::json;


// Typed access to one item's fields; every error names the field.
class Item {
 public:
  explicit Item(const json::object& o) : o_(o) {}

  Result<std::string> Str(const char* name, size_t max_chars = 200) const {
    KEFU_ASSIGN_OR_RETURN(std::optional<std::string> v, OptStr(name, max_chars));
    if (!v || v->empty()) {
      return InvalidArgumentError(std::string(name) + " is required", name);
    }
    return *v;
  }
  Result<std::optional<std::string>> OptStr(const char* name, size_t max_chars = 200) const {
    const json::value* v = o_.if_contains(name);
    if (v == nullptr || v->is_null()) {
      return std::optional<std::string>();
    }
    if (!v->is_string()) {
      return InvalidArgumentError(std::string(name) + " must be a string", name);
    }
    std::string s(v->get_string());
    if (!text::IsValidUtf8(s) || text::CodePointCount(s) > max_chars) {
      return InvalidArgumentError(
          std::string(name) + " must be UTF-8 text of at most " + std::to_string(max_chars) +
              " characters",
          name);
    }
    return std::optional<std::string>(std::move(s));
  }
  Result<std::optional<int64_t>> OptInt(const char* name) const {
    const json::value* v = o_.if_contains(name);
    if (v == nullptr || v->is_null()) {
      return std::optional<int64_t>();
    }
    if (!v->is_int64() && !v->is_uint64()) {
      return InvalidArgumentError(std::string(name) + " must be an integer", name);
    }
    return std::optional<int64_t>(v->to_number<int64_t>());
  }
  Result<int64_t> Int(const char* name) const {
    KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> v, OptInt(name));
    if (!v) {
      return InvalidArgumentError(std::string(name) + " is required", name);
    }
    return *v;
  }
  Result<std::string> OneOf(const char* name, std::initializer_list<std::string_view> allowed,
                            std::optional<std::string_view> fallback = std::nullopt) const {
    KEFU_ASSIGN_OR_RETURN(std::optional<std::string> v, OptStr(name, 64));
    if (!v && fallback) {
      return std::string(*fallback);
    }
    std::string list;
    for (std::string_view a : allowed) {
      if (v && *v == a) {
        return *v;
      }
      list += (list.empty() ? "" : ", ") + std::string(a);
    }
    return InvalidArgumentError(std::string(name) + " must be one of " + list, name);
  }

  const json::value* Raw(const char* name) const { return o_.if_contains(name); }

 private:
  const json::object& o_;
};

// The customer an item belongs to: by cif or customer_id.
Result<int64_t> ResolveCustomer(store::Session& s, const Item& item) {
  KEFU_ASSIGN_OR_RETURN(std::optional<std::string> cif, item.OptStr("cif", 32));
  if (cif) {
    KEFU_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                          s.QueryOne("SELECT id FROM customers WHERE cif = $1", {*cif}));
    if (!row) {
      return InvalidArgumentError("no customer with cif " + *cif + " (send the customer first)",
                                  "cif");
    }
    return row->Int64(0);
  }
  KEFU_ASSIGN_OR_RETURN(std::optional<std::string> id, item.OptStr("customer_id", 20));
  if (!id) {
    return InvalidArgumentError("give cif or customer_id", "cif");
  }
  int64_t cid = std::strtoll(id->c_str(), nullptr, 10);
  KEFU_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        s.QueryOne("SELECT id FROM customers WHERE id = $1", {cid}));
  if (!row) {
    return InvalidArgumentError("no customer " + *id, "customer_id");
  }
  return cid;
}

Status CheckErrorCode(store::Session& s, const std::optional<std::string>& code) {
  if (!code) {
    return OkStatus();
  }
  KEFU_ASSIGN_OR_RETURN(int64_t n,
                        s.QueryInt64("SELECT COUNT(*) FROM error_codes WHERE code = $1", {*code}));
  if (n == 0) {
    return InvalidArgumentError(
        "unknown error code " + *code + " (send it to /api/v1/ingest/error_codes first)",
        "error_code");
  }
  return OkStatus();
}

// An agent the history names by employee number; unknown numbers keep only the name.
Result<std::optional<int64_t>> ResolveAgent(store::Session& s, const Item& item,
                                            const char* field) {
  KEFU_ASSIGN_OR_RETURN(std::optional<std::string> no, item.OptStr(field, 32));
  if (!no) {
    return std::optional<int64_t>();
  }
  KEFU_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        s.QueryOne("SELECT id FROM agents WHERE employee_no = $1", {*no}));
  return row ? std::optional<int64_t>(row->Int64(0)) : std::optional<int64_t>();
}

// An interaction the bank's old system or a channel knows by its own reference.
Result<std::optional<int64_t>> ResolveInteraction(store::Session& s, const Item& item) {
  KEFU_ASSIGN_OR_RETURN(std::optional<std::string> ref, item.OptStr("interaction_ref", 64));
  if (!ref) {
    return std::optional<int64_t>();
  }
  KEFU_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                        s.QueryOne("SELECT id FROM interactions WHERE external_ref = $1", {*ref}));
  if (!row) {
    return InvalidArgumentError("unknown interaction_ref " + *ref +
                                    " (send it to /api/v1/ingest/interactions first)",
                                "interaction_ref");
  }
  return std::optional<int64_t>(row->Int64(0));
}


using ItemFn = std::function<Status(store::Session&, const Item&, int64_t now)>;

}  // namespace

Result<IngestResponse> Ingest::Apply(std::string_view kind, std::string_view key,
                                     std::string_view body, std::string_view actor) {
  if (key.empty() || key.size() > 128 || !text::IsValidUtf8(key)) {
    return InvalidArgumentError("the Idempotency-Key header is required (1–128 characters)",
                                "Idempotency-Key");
  }
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  const json::array* items = nullptr;
  if (!ec && parsed.is_object()) {
    if (const json::value* v = parsed.as_object().if_contains("items"); v && v->is_array()) {
      items = &v->get_array();
    }
  }
  if (items == nullptr) {
    return InvalidArgumentError("the body must be {\"items\": [ … ]}", "items");
  }
  if (items->size() > static_cast<size_t>(kMaxItems)) {
    return InvalidArgumentError("at most " + std::to_string(kMaxItems) + " items per call",
                                "items");
  }
  const std::string sha = Sha256Hex(std::string(kind) + "\n" + std::string(body));
  KEFU_ASSIGN_OR_RETURN(
      std::optional<store::Row> seen,
      [&]() -> Result<std::optional<store::Row>> {
        std::optional<store::Row> row;
        KEFU_RETURN_IF_ERROR(db_->Read([&](store::Session& s) -> Status {
          KEFU_ASSIGN_OR_RETURN(row, s.QueryOne("SELECT request_sha256, http_status, response "
                                                "FROM ingest_requests WHERE idempotency_key = $1",
                                                {std::string(key)}));
          return OkStatus();
        }));
        return row;
      }());
  if (seen) {
    if (seen->Text(0) != sha) {
      return Status(StatusCode::kAlreadyExists,
                    "this Idempotency-Key was used with a different request",
                    "Idempotency-Key");
    }
    return IngestResponse{static_cast<int>(seen->Int64(1)), seen->Text(2), true};
  }

  const int64_t now = clock_->NowMs();
  json::array issues;
  int64_t accepted = 0;
  int64_t rejected = 0;
  auto reject = [&](size_t index, const Status& st) {
    ++rejected;
    if (issues.size() < 1000) {
      issues.push_back(json::object{{"index", index}, {"field", st.field()}, {"reason", st.message()}});
    }
  };

  if (kind == "customers") {
    // Through the import: the same normalisation, keys and merge, the feed winning conflicts.
    std::string jsonl;
    for (const json::value& v : *items) {
      jsonl += json::serialize(v.is_object() ? v : json::value(json::object())) + "\n";
    }
    ImportOptions options;
    options.pii_key = pii_key_;
    options.merge = MergePolicy::kFileWins;
    options.actor = std::string(actor);
    options.source = "ingest";
    KEFU_ASSIGN_OR_RETURN(
        ImportReport report,
        ImportCustomers(*db_, *clock_, *ids_, "ingest.jsonl", std::move(jsonl), options,
                        [&](const ImportIssue& issue) {
                          if (!issue.warning) {
                            issues.push_back(json::object{{"index", issue.line - 1},
                                                          {"field", issue.column},
                                                          {"reason", issue.reason}});
                          }
                        }));
    rejected = report.rejected;
    accepted = report.rows - report.rejected;
  } else {
    ItemFn fn;
    if (kind == "error_codes") {
      fn = [&](store::Session& s, const Item& it, int64_t t) -> Status {
        KEFU_ASSIGN_OR_RETURN(std::string code, it.Str("code", 32));
        KEFU_ASSIGN_OR_RETURN(std::string reason, it.Str("reason", 200));
        KEFU_ASSIGN_OR_RETURN(std::string advice, it.Str("advice", 500));
        KEFU_ASSIGN_OR_RETURN(std::string channel,
                              it.OneOf("channel", {"all", "pos", "atm", "online_banking",
                                                   "mobile_banking", "quick_pay", "counter"},
                                       "all"));
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> category, it.OptStr("category", 32));
        const std::string cat = category.value_or("other");
        // Like an edit on the knowledge page: an unchanged code writes nothing, a change
        // writes the code and its next version (error_code_versions), by the feed's token.
        KEFU_ASSIGN_OR_RETURN(
            std::optional<store::Row> current,
            s.QueryOne("SELECT reason, advice, channel, category FROM error_codes WHERE code = $1",
                       {code}));
        if (current && current->Text(0) == reason && current->Text(1) == advice &&
            current->Text(2) == channel && current->Text(3) == cat) {
          return OkStatus();
        }
        KEFU_ASSIGN_OR_RETURN(
            int64_t last,
            s.QueryInt64(
                "SELECT COALESCE(max(version), 0) FROM error_code_versions WHERE code = $1",
                {code}));
        KEFU_RETURN_IF_ERROR(
            s.Exec("INSERT INTO error_codes (code, reason, advice, channel, category, "
                   "updated_ms) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO UPDATE "
                   "SET reason = excluded.reason, advice = excluded.advice, "
                   "channel = excluded.channel, category = excluded.category, "
                   "updated_ms = excluded.updated_ms",
                   {code, reason, advice, channel, cat, t})
                .status());
        boost::json::object entry{{"code", code},         {"reason", reason},
                                  {"advice", advice},     {"channel", channel},
                                  {"category", cat},      {"updated_ms", t}};
        return s
            .Exec("INSERT INTO error_code_versions (code, version, action, changed_by, "
                  "changed_ms, entry) VALUES ($1, $2, $3, $4, $5, $6)",
                  {code, last + 1, current ? "update" : "create", std::string(actor), t,
                   boost::json::serialize(entry)})
            .status();
      };
    } else if (kind == "cards") {
      fn = [&](store::Session& s, const Item& it, int64_t t) -> Status {
        KEFU_ASSIGN_OR_RETURN(int64_t customer, ResolveCustomer(s, it));
        KEFU_ASSIGN_OR_RETURN(std::string raw, it.Str("card_number", 40));
        Result<std::string> number = pii::NormalizeCardNumber(raw);
        if (!number.ok()) {
          return InvalidArgumentError(number.status().message(), "card_number");
        }
        KEFU_ASSIGN_OR_RETURN(std::string product, it.Str("product", 64));
        KEFU_ASSIGN_OR_RETURN(std::string card_kind, it.OneOf("kind", {"credit", "debit"}));
        KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> limit, it.OptInt("credit_limit_fen"));
        KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> available, it.OptInt("available_fen"));
        KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> statement, it.OptInt("statement_day"));
        KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> due, it.OptInt("due_day"));
        KEFU_ASSIGN_OR_RETURN(std::string expiry, it.Str("expiry_month", 7));
        KEFU_ASSIGN_OR_RETURN(std::string status,
                              it.OneOf("status", {"active", "inactive", "frozen", "lost",
                                                  "expired", "closed"},
                                       "active"));
        if (card_kind == "debit") {
          limit.reset();
        }
        std::string hash = IdentityKey(pii_key_, *number);
        return s.Exec("INSERT INTO cards (id, customer_id, card_number_masked, card_number_hash, "
                      "last4, product, kind, credit_limit_fen, available_fen, statement_day, "
                      "due_day, expiry_month, status, opened_ms, updated_ms) VALUES ($1, $2, $3, "
                      "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) "
                      "ON CONFLICT (card_number_hash) DO UPDATE SET customer_id = "
                      "excluded.customer_id, product = excluded.product, credit_limit_fen = "
                      "excluded.credit_limit_fen, available_fen = excluded.available_fen, "
                      "statement_day = excluded.statement_day, due_day = excluded.due_day, "
                      "expiry_month = excluded.expiry_month, status = excluded.status, "
                      "updated_ms = excluded.updated_ms",
                      {ids_->Next(), customer, pii::MaskCardNumber(*number), hash,
                       number->substr(number->size() - 4), product, card_kind, limit,
                       available.value_or(0), statement, due, expiry, status, t})
            .status();
      };
    } else if (kind == "accounts") {
      fn = [&](store::Session& s, const Item& it, int64_t t) -> Status {
        KEFU_ASSIGN_OR_RETURN(int64_t customer, ResolveCustomer(s, it));
        KEFU_ASSIGN_OR_RETURN(std::string ref, it.Str("external_ref", 64));
        KEFU_ASSIGN_OR_RETURN(std::string number, it.Str("account_number", 40));
        KEFU_ASSIGN_OR_RETURN(std::string account_kind,
                              it.OneOf("kind", {"savings", "current", "time_deposit", "wealth"}));
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> currency, it.OptStr("currency", 3));
        KEFU_ASSIGN_OR_RETURN(int64_t balance, it.Int("balance_fen"));
        KEFU_ASSIGN_OR_RETURN(std::string status,
                              it.OneOf("status", {"active", "frozen", "dormant", "closed"},
                                       "active"));
        KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> opened, it.OptInt("opened_ms"));
        return s.Exec("INSERT INTO accounts (id, customer_id, external_ref, account_masked, "
                      "kind, currency, balance_fen, status, opened_ms, updated_ms) VALUES ($1, "
                      "$2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (external_ref) DO UPDATE "
                      "SET balance_fen = excluded.balance_fen, status = excluded.status, "
                      "updated_ms = excluded.updated_ms",
                      {ids_->Next(), customer, ref, MaskTail(number), account_kind,
                       currency.value_or("CNY"), balance, status, opened.value_or(t), t})
            .status();
      };
    } else if (kind == "loans") {
      fn = [&](store::Session& s, const Item& it, int64_t t) -> Status {
        KEFU_ASSIGN_OR_RETURN(int64_t customer, ResolveCustomer(s, it));
        KEFU_ASSIGN_OR_RETURN(std::string ref, it.Str("external_ref", 64));
        KEFU_ASSIGN_OR_RETURN(std::string product,
                              it.OneOf("product", {"mortgage", "auto", "consumer", "business"}));
        KEFU_ASSIGN_OR_RETURN(int64_t principal, it.Int("principal_fen"));
        KEFU_ASSIGN_OR_RETURN(int64_t balance, it.Int("balance_fen"));
        KEFU_ASSIGN_OR_RETURN(int64_t rate, it.Int("rate_bp"));
        KEFU_ASSIGN_OR_RETURN(int64_t term, it.Int("term_months"));
        KEFU_ASSIGN_OR_RETURN(int64_t day, it.Int("repayment_day"));
        KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> overdue, it.OptInt("overdue_days"));
        KEFU_ASSIGN_OR_RETURN(std::string status,
                              it.OneOf("status", {"active", "overdue", "paid_off", "written_off"},
                                       "active"));
        KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> start, it.OptInt("start_ms"));
        return s.Exec("INSERT INTO loans (id, customer_id, external_ref, product, principal_fen, "
                      "balance_fen, rate_bp, term_months, repayment_day, overdue_days, status, "
                      "start_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                      "$11, $12, $13) ON CONFLICT (external_ref) DO UPDATE SET balance_fen = "
                      "excluded.balance_fen, overdue_days = excluded.overdue_days, status = "
                      "excluded.status, updated_ms = excluded.updated_ms",
                      {ids_->Next(), customer, ref, product, principal, balance, rate, term, day,
                       overdue.value_or(0), status, start.value_or(t), t})
            .status();
      };
    } else if (kind == "applications") {
      fn = [&](store::Session& s, const Item& it, int64_t t) -> Status {
        KEFU_ASSIGN_OR_RETURN(int64_t customer, ResolveCustomer(s, it));
        KEFU_ASSIGN_OR_RETURN(std::string ref, it.Str("external_ref", 64));
        KEFU_ASSIGN_OR_RETURN(std::string product_kind, it.OneOf("product_kind", {"card", "loan"}));
        KEFU_ASSIGN_OR_RETURN(std::string product, it.Str("product", 64));
        KEFU_ASSIGN_OR_RETURN(std::string stage,
                              it.OneOf("stage", {"submitted", "reviewing", "need_documents",
                                                 "approved", "rejected", "issued", "disbursed",
                                                 "cancelled"}));
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> note, it.OptStr("stage_note", 500));
        KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> submitted, it.OptInt("submitted_ms"));
        KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> updated, it.OptInt("updated_ms"));
        return s.Exec("INSERT INTO applications (id, customer_id, external_ref, product_kind, "
                      "product, stage, stage_note, submitted_ms, updated_ms) VALUES ($1, $2, $3, "
                      "$4, $5, $6, $7, $8, $9) ON CONFLICT (external_ref) DO UPDATE SET stage = "
                      "excluded.stage, stage_note = excluded.stage_note, updated_ms = "
                      "excluded.updated_ms",
                      {ids_->Next(), customer, ref, product_kind, product, stage, note,
                       submitted.value_or(t), updated.value_or(t)})
            .status();
      };
    } else if (kind == "transactions") {
      fn = [&](store::Session& s, const Item& it, int64_t) -> Status {
        KEFU_ASSIGN_OR_RETURN(int64_t customer, ResolveCustomer(s, it));
        KEFU_ASSIGN_OR_RETURN(std::string ref, it.Str("external_ref", 64));
        std::optional<int64_t> card_id;
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> card_raw, it.OptStr("card_number", 40));
        if (card_raw) {
          Result<std::string> number = pii::NormalizeCardNumber(*card_raw);
          if (!number.ok()) {
            return InvalidArgumentError(number.status().message(), "card_number");
          }
          KEFU_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                                s.QueryOne("SELECT id FROM cards WHERE card_number_hash = $1",
                                           {IdentityKey(pii_key_, *number)}));
          if (!row) {
            return InvalidArgumentError("unknown card (send it to /api/v1/ingest/cards first)",
                                        "card_number");
          }
          card_id = row->Int64(0);
        }
        KEFU_ASSIGN_OR_RETURN(std::string tx_kind,
                              it.OneOf("kind", {"purchase", "withdrawal", "transfer_out",
                                                "transfer_in", "repayment", "refund", "fee"}));
        KEFU_ASSIGN_OR_RETURN(std::string direction, it.OneOf("direction", {"out", "in"}));
        KEFU_ASSIGN_OR_RETURN(int64_t amount, it.Int("amount_fen"));
        if (amount <= 0) {
          return InvalidArgumentError("amount_fen must be positive (direction says in or out)",
                                      "amount_fen");
        }
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> currency, it.OptStr("currency", 3));
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> merchant, it.OptStr("merchant", 100));
        KEFU_ASSIGN_OR_RETURN(std::string channel,
                              it.OneOf("channel", {"pos", "atm", "online_banking",
                                                   "mobile_banking", "quick_pay", "counter"}));
        KEFU_ASSIGN_OR_RETURN(std::string status,
                              it.OneOf("status", {"success", "failed", "reversed"}));
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> code, it.OptStr("error_code", 32));
        if (status == "failed" && !code) {
          return InvalidArgumentError("a failed transaction needs its error_code", "error_code");
        }
        KEFU_RETURN_IF_ERROR(CheckErrorCode(s, code));
        KEFU_ASSIGN_OR_RETURN(int64_t occurred, it.Int("occurred_ms"));
        return s.Exec("INSERT INTO transactions (id, customer_id, card_id, kind, direction, "
                      "amount_fen, currency, merchant, channel, status, error_code, occurred_ms, "
                      "external_ref) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
                      "$13) ON CONFLICT (external_ref) DO UPDATE SET status = excluded.status, "
                      "error_code = excluded.error_code",
                      {ids_->Next(), customer, card_id, tx_kind, direction, amount,
                       currency.value_or("CNY"), merchant, channel, status, code, occurred, ref})
            .status();
      };
    } else if (kind == "journey") {
      fn = [&](store::Session& s, const Item& it, int64_t) -> Status {
        KEFU_ASSIGN_OR_RETURN(int64_t customer, ResolveCustomer(s, it));
        KEFU_ASSIGN_OR_RETURN(std::string channel,
                              it.OneOf("channel", {"app", "web", "ivr", "wechat"}));
        KEFU_ASSIGN_OR_RETURN(std::string step, it.Str("step", 100));
        KEFU_ASSIGN_OR_RETURN(std::string outcome,
                              it.OneOf("outcome", {"ok", "failed", "abandoned"}));
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> code, it.OptStr("error_code", 32));
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> detail, it.OptStr("detail", 500));
        KEFU_ASSIGN_OR_RETURN(int64_t occurred, it.Int("occurred_ms"));
        return s.Exec("INSERT INTO journey_events (id, customer_id, channel, step, outcome, "
                      "error_code, detail, occurred_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                      {ids_->Next(), customer, channel, step, outcome, code, detail, occurred})
            .status();
      };
    } else if (kind == "sms") {
      fn = [&](store::Session& s, const Item& it, int64_t) -> Status {
        // The customer by cif/customer_id, or by the mobile the message went to.
        std::optional<int64_t> customer;
        std::string masked;
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> mobile_raw, it.OptStr("mobile", 32));
        if (mobile_raw) {
          Result<std::string> mobile = NormalizeAnyMobile(*mobile_raw);
          if (!mobile.ok()) {
            return InvalidArgumentError(mobile.status().message(), "mobile");
          }
          masked = mobile->size() == 11 ? pii::MaskMobile(*mobile) : MaskTail(*mobile);
          KEFU_ASSIGN_OR_RETURN(
              std::optional<store::Row> row,
              s.QueryOne("SELECT customer_id FROM customer_keys WHERE kind = 'mobile' AND "
                         "key = $1",
                         {IdentityKey(pii_key_, *mobile)}));
          if (row) {
            customer = row->Int64(0);
          }
        }
        if (!customer) {
          KEFU_ASSIGN_OR_RETURN(customer, ResolveCustomer(s, it));
        }
        if (masked.empty()) {
          masked = "-";
        }
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> ref, it.OptStr("external_ref", 64));
        KEFU_ASSIGN_OR_RETURN(std::string sms_kind,
                              it.OneOf("kind", {"alert", "reminder", "campaign", "failure",
                                                "verification", "other"}));
        KEFU_ASSIGN_OR_RETURN(std::string body_text, it.Str("text", 500));
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> activity, it.OptStr("activity_code", 32));
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> code, it.OptStr("error_code", 32));
        KEFU_ASSIGN_OR_RETURN(std::string status,
                              it.OneOf("status", {"sent", "delivered", "failed"}, "sent"));
        KEFU_ASSIGN_OR_RETURN(int64_t sent, it.Int("sent_ms"));
        return s.Exec("INSERT INTO sms_messages (id, customer_id, external_ref, mobile_masked, "
                      "kind, text, activity_code, error_code, status, sent_ms) VALUES ($1, $2, "
                      "$3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (external_ref) DO UPDATE SET "
                      "status = excluded.status",
                      {ids_->Next(), customer, ref, masked, sms_kind, body_text, activity, code,
                       status, sent})
            .status();
      };
    } else if (kind == "interactions") {
      fn = [&](store::Session& s, const Item& it, int64_t) -> Status {
        KEFU_ASSIGN_OR_RETURN(int64_t customer, ResolveCustomer(s, it));
        KEFU_ASSIGN_OR_RETURN(std::string ref, it.Str("external_ref", 64));
        KEFU_ASSIGN_OR_RETURN(
            std::string channel,
            it.OneOf("channel", {"voice", "chat", "app", "wechat", "weibo", "email", "sms"}));
        KEFU_ASSIGN_OR_RETURN(std::string direction,
                              it.OneOf("direction", {"inbound", "outbound"}, "inbound"));
        std::optional<int64_t> queue;
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> queue_code, it.OptStr("queue", 64));
        if (queue_code) {
          KEFU_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                                s.QueryOne("SELECT id FROM queues WHERE code = $1", {*queue_code}));
          if (!row) {
            return InvalidArgumentError("unknown queue " + *queue_code, "queue");
          }
          queue = row->Int64(0);
        }
        KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> agent, ResolveAgent(s, it, "agent_no"));
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> agent_name, it.OptStr("agent_name", 64));
        KEFU_ASSIGN_OR_RETURN(std::string status,
                              it.OneOf("status", {"queued", "active", "ended", "abandoned"},
                                       "ended"));
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> disposition, it.OptStr("disposition", 64));
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> summary, it.OptStr("summary", 2000));
        KEFU_ASSIGN_OR_RETURN(int64_t started, it.Int("started_ms"));
        KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> answered, it.OptInt("answered_ms"));
        KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> ended, it.OptInt("ended_ms"));
        if (answered && *answered < started) {
          return InvalidArgumentError("answered_ms is before started_ms", "answered_ms");
        }
        if (ended && *ended < started) {
          return InvalidArgumentError("ended_ms is before started_ms", "ended_ms");
        }
        return s.Exec("INSERT INTO interactions (id, customer_id, external_ref, channel, "
                      "direction, queue_id, agent_id, agent_name, status, disposition, summary, "
                      "started_ms, answered_ms, ended_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                      "$8, $9, $10, $11, $12, $13, $14) ON CONFLICT (external_ref) DO UPDATE SET "
                      "status = excluded.status, disposition = excluded.disposition, summary = "
                      "excluded.summary, answered_ms = excluded.answered_ms, ended_ms = "
                      "excluded.ended_ms",
                      {ids_->Next(), customer, ref, channel, direction, queue, agent, agent_name,
                       status, disposition, summary, started, answered, ended})
            .status();
      };
    } else if (kind == "tickets") {
      fn = [&](store::Session& s, const Item& it, int64_t t) -> Status {
        KEFU_ASSIGN_OR_RETURN(int64_t customer, ResolveCustomer(s, it));
        KEFU_ASSIGN_OR_RETURN(std::string ref, it.Str("external_ref", 64));
        KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> interaction, ResolveInteraction(s, it));
        KEFU_ASSIGN_OR_RETURN(std::string ticket_kind,
                              it.OneOf("kind", {"request", "message", "callback", "complaint"}));
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> category, it.OptStr("category", 64));
        KEFU_ASSIGN_OR_RETURN(std::string subject, it.Str("subject", 200));
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> description,
                              it.OptStr("description", 4000));
        KEFU_ASSIGN_OR_RETURN(std::string priority,
                              it.OneOf("priority", {"low", "normal", "high", "urgent"}, "normal"));
        KEFU_ASSIGN_OR_RETURN(std::string status,
                              it.OneOf("status", {"new", "open", "pending", "resolved", "closed"},
                                       "new"));
        std::optional<std::string> severity;
        int64_t via_regulator = 0;
        if (ticket_kind == "complaint") {
          KEFU_ASSIGN_OR_RETURN(std::string sev,
                                it.OneOf("severity", {"minor", "major", "critical"}, "minor"));
          severity = sev;
          const json::value* v = it.Raw("via_regulator");
          if (v != nullptr && !v->is_null()) {
            if (!v->is_bool()) {
              return InvalidArgumentError("via_regulator must be true or false", "via_regulator");
            }
            via_regulator = v->get_bool() ? 1 : 0;
          }
        } else if (it.Raw("severity") != nullptr || it.Raw("via_regulator") != nullptr) {
          return InvalidArgumentError("only a complaint has a severity or via_regulator",
                                      "severity");
        }
        KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> assignee, ResolveAgent(s, it, "assignee_no"));
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> assignee_name,
                              it.OptStr("assignee_name", 64));
        KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> due, it.OptInt("due_ms"));
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> resolution, it.OptStr("resolution", 2000));
        KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> created, it.OptInt("created_ms"));
        KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> updated, it.OptInt("updated_ms"));
        KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> resolved, it.OptInt("resolved_ms"));
        const int64_t id = ids_->Next();
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> number, it.OptStr("number", 32));
        return s.Exec("INSERT INTO tickets (id, number, customer_id, interaction_id, "
                      "external_ref, kind, category, subject, description, priority, status, "
                      "severity, via_regulator, assignee_agent_id, assignee_name, due_ms, "
                      "resolution, created_ms, updated_ms, resolved_ms) VALUES ($1, $2, $3, $4, "
                      "$5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, "
                      "$20) ON CONFLICT (external_ref) DO UPDATE SET status = excluded.status, "
                      "priority = excluded.priority, severity = excluded.severity, "
                      "assignee_agent_id = excluded.assignee_agent_id, assignee_name = "
                      "excluded.assignee_name, due_ms = excluded.due_ms, resolution = "
                      "excluded.resolution, updated_ms = excluded.updated_ms, resolved_ms = "
                      "excluded.resolved_ms",
                      {id, number.value_or("GD" + std::to_string(id)), customer, interaction, ref,
                       ticket_kind, category.value_or(""), subject, description.value_or(""),
                       priority, status, severity, via_regulator, assignee, assignee_name, due,
                       resolution, created.value_or(t), updated.value_or(created.value_or(t)),
                       resolved})
            .status();
      };
    } else if (kind == "surveys") {
      fn = [&](store::Session& s, const Item& it, int64_t) -> Status {
        KEFU_ASSIGN_OR_RETURN(int64_t customer, ResolveCustomer(s, it));
        KEFU_ASSIGN_OR_RETURN(std::string ref, it.Str("external_ref", 64));
        KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> interaction, ResolveInteraction(s, it));
        KEFU_ASSIGN_OR_RETURN(std::string survey_kind, it.OneOf("kind", {"csat", "nps", "ces"}));
        KEFU_ASSIGN_OR_RETURN(
            std::string channel,
            it.OneOf("channel", {"voice", "chat", "app", "wechat", "weibo", "email", "sms"}));
        KEFU_ASSIGN_OR_RETURN(int64_t score, it.Int("score"));
        const auto [low, high] = survey_kind == "csat"  ? std::pair<int64_t, int64_t>{1, 5}
                                 : survey_kind == "nps" ? std::pair<int64_t, int64_t>{0, 10}
                                                        : std::pair<int64_t, int64_t>{1, 7};
        if (score < low || score > high) {
          return InvalidArgumentError("a " + survey_kind + " score is " + std::to_string(low) +
                                          "–" + std::to_string(high),
                                      "score");
        }
        KEFU_ASSIGN_OR_RETURN(std::optional<std::string> comment, it.OptStr("comment", 2000));
        KEFU_ASSIGN_OR_RETURN(int64_t answered, it.Int("answered_ms"));
        return s.Exec("INSERT INTO surveys (id, customer_id, interaction_id, external_ref, kind, "
                      "channel, score, comment, answered_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                      "$8, $9) ON CONFLICT (external_ref) DO UPDATE SET score = excluded.score, "
                      "comment = excluded.comment",
                      {ids_->Next(), customer, interaction, ref, survey_kind, channel, score,
                       comment, answered})
            .status();
      };
    } else {
      return InvalidArgumentError(
          "unknown kind '" + std::string(kind) +
              "': customers, cards, accounts, loans, applications, transactions, journey, sms, "
              "interactions, tickets, surveys or error_codes",
          "kind");
    }
    // One transaction for the call; each item in a savepoint so a bad one leaves no trace.
    KEFU_RETURN_IF_ERROR(db_->Transact([&](store::Session& s) -> Status {
      for (size_t i = 0; i < items->size(); ++i) {
        if (!(*items)[i].is_object()) {
          reject(i, InvalidArgumentError("each item must be a JSON object", "items"));
          continue;
        }
        KEFU_RETURN_IF_ERROR(s.Exec("SAVEPOINT ingest_item").status());
        Status st = fn(s, Item((*items)[i].get_object()), now);
        if (st.ok()) {
          ++accepted;
          KEFU_RETURN_IF_ERROR(s.Exec("RELEASE SAVEPOINT ingest_item").status());
        } else if (st.code() == StatusCode::kInvalidArgument ||
                   st.code() == StatusCode::kAlreadyExists ||
                   st.code() == StatusCode::kFailedPrecondition) {
          reject(i, st);
          KEFU_RETURN_IF_ERROR(s.Exec("ROLLBACK TO SAVEPOINT ingest_item").status());
          KEFU_RETURN_IF_ERROR(s.Exec("RELEASE SAVEPOINT ingest_item").status());
        } else {
          return st;  // the database is unwell: the whole call fails and can be retried
        }
      }
      return OkStatus();
    }));
  }

  IngestResponse response;
  response.http_status = 200;
  response.body = json::serialize(json::object{{"kind", kind},
                                               {"accepted", accepted},
                                               {"rejected", rejected},
                                               {"issues", std::move(issues)}});
  Result<int64_t> stored = db_->Exec(
      "INSERT INTO ingest_requests (idempotency_key, kind, request_sha256, http_status, response, "
      "created_ms) VALUES ($1, $2, $3, $4, $5, $6)",
      {std::string(key), std::string(kind), sha, int64_t{response.http_status}, response.body,
       now});
  if (!stored.ok() && stored.status().code() != StatusCode::kAlreadyExists) {
    return stored.status();
  }
  return response;
}

}  // namespace kefu::crm
