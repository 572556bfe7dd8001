#include "kefu/crm/customers.h"

#include "kefu/core/pii.h"
#include "kefu/crm/import.h"
#include "normalize.h"

namespace kefu::crm {
namespace {

constexpr int64_t kDayMs = 24LL * 60 * 60 * 1000;

// Every exact key goes through the identity index (schema v4).
constexpr std::string_view kByKey =
    "WHERE c.id = (SELECT customer_id FROM customer_keys WHERE kind = $1 AND key = $2)";

// Joined names ride along with the profile so one statement answers the header of the view.
constexpr std::string_view kProfileSelect =
    "SELECT c.id, c.name, c.gender, c.birth_date, c.mobile, c.email, c.id_type, c.id_number, "
    "c.tier, c.segment, c.status, r.name, b.name, c.owner_agent_id, a.name, "
    "c.preferred_script, c.created_ms, c.updated_ms, c.cif, c.customer_type, c.assets_fen, "
    "c.wechat_openid, c.consent "
    "FROM customers c "
    "LEFT JOIN regions r ON r.id = c.region_id "
    "LEFT JOIN branches b ON b.id = c.branch_id "
    "LEFT JOIN agents a ON a.id = c.owner_agent_id ";

// Keeps the last four characters. For stored values the pii masks cannot take (a passport
// number, a legacy landline): showing more than the tail would defeat the mask.
std::string MaskStoredIdNumber(const std::string& id_number) {
  Result<std::string> normalized = pii::NormalizeIdNumber(id_number);
  return normalized.ok() ? pii::MaskIdNumber(*normalized) : MaskTail(id_number);
}

std::string MaskStoredEmail(const std::string& email) {
  Result<std::string> normalized = pii::NormalizeEmail(email);
  return normalized.ok() ? pii::MaskEmail(*normalized) : MaskTail(email);
}

Customer360 ProfileFromRow(const store::Row& row, bool unmask) {
  Customer360 c;
  c.id = row.Int64(0);
  c.name = row.Text(1);
  c.gender = row.OptText(2);
  c.birth_date = row.OptText(3);
  c.mobile = row.OptText(4);
  c.email = row.OptText(5);
  c.id_type = row.Text(6);
  c.id_number = row.OptText(7);
  c.tier = row.Text(8);
  c.tier_label = std::string(TierLabel(c.tier));
  c.segment = row.OptText(9);
  c.status = row.Text(10);
  c.region_name = row.OptText(11);
  c.branch_name = row.OptText(12);
  c.owner_agent_id = row.OptInt64(13);
  c.owner_agent_name = row.OptText(14);
  c.preferred_script = row.Text(15);
  c.created_ms = row.Int64(16);
  c.updated_ms = row.Int64(17);
  c.cif = row.OptText(18);
  c.customer_type = row.OptText(19);
  c.assets_fen = row.OptInt64(20);
  c.wechat_openid = row.OptText(21);
  c.consent_json = row.Text(22);
  c.masked = !unmask;
  if (!unmask) {
    if (c.mobile) {
      c.mobile = MaskStoredMobile(*c.mobile);
    }
    if (c.id_number) {
      c.id_number = MaskStoredIdNumber(*c.id_number);
    }
    if (c.email) {
      c.email = MaskStoredEmail(*c.email);
    }
  }
  return c;
}

Status LoadProducts(store::Session& s, Customer360& c) {
  KEFU_ASSIGN_OR_RETURN(
      store::Rows cards,
      s.Query("SELECT id, card_number_masked, product, kind, currency, credit_limit_fen, "
              "available_fen, statement_day, due_day, expiry_month, status "
              "FROM cards WHERE customer_id = $1 ORDER BY opened_ms, id",
              {c.id}));
  for (const store::Row& row : cards) {
    c.cards.push_back(Card{.id = row.Int64(0),
                           .number_masked = row.Text(1),
                           .product = row.Text(2),
                           .kind = row.Text(3),
                           .currency = row.Text(4),
                           .credit_limit_fen = row.OptInt64(5),
                           .available_fen = row.Int64(6),
                           .statement_day = row.OptInt64(7),
                           .due_day = row.OptInt64(8),
                           .expiry_month = row.Text(9),
                           .status = row.Text(10)});
  }
  KEFU_ASSIGN_OR_RETURN(
      store::Rows loans,
      s.Query("SELECT id, product, principal_fen, balance_fen, rate_bp, term_months, "
              "repayment_day, overdue_days, status, start_ms "
              "FROM loans WHERE customer_id = $1 ORDER BY start_ms, id",
              {c.id}));
  for (const store::Row& row : loans) {
    c.loans.push_back(Loan{.id = row.Int64(0),
                           .product = row.Text(1),
                           .principal_fen = row.Int64(2),
                           .balance_fen = row.Int64(3),
                           .rate_bp = row.Int64(4),
                           .term_months = row.Int64(5),
                           .repayment_day = row.Int64(6),
                           .overdue_days = row.Int64(7),
                           .status = row.Text(8),
                           .start_ms = row.Int64(9)});
  }
  return OkStatus();
}

Status LoadTransactions(store::Session& s, int64_t now_ms, Customer360& c) {
  KEFU_ASSIGN_OR_RETURN(
      store::Rows rows,
      s.Query("SELECT t.id, t.card_id, k.card_number_masked, t.kind, t.direction, t.amount_fen, "
              "t.currency, t.merchant, t.channel, t.status, t.error_code, e.reason, e.advice, "
              "t.occurred_ms "
              "FROM transactions t "
              "LEFT JOIN cards k ON k.id = t.card_id "
              "LEFT JOIN error_codes e ON e.code = t.error_code "
              "WHERE t.customer_id = $1 ORDER BY t.occurred_ms DESC, t.id DESC LIMIT $2",
              {c.id, Customers::kRecentTransactions}));
  for (const store::Row& row : rows) {
    c.transactions.push_back(Transaction{.id = row.Int64(0),
                                         .card_id = row.OptInt64(1),
                                         .card_masked = row.OptText(2),
                                         .kind = row.Text(3),
                                         .direction = row.Text(4),
                                         .amount_fen = row.Int64(5),
                                         .currency = row.Text(6),
                                         .merchant = row.OptText(7),
                                         .channel = row.Text(8),
                                         .status = row.Text(9),
                                         .error_code = row.OptText(10),
                                         .error_reason = row.OptText(11),
                                         .error_advice = row.OptText(12),
                                         .occurred_ms = row.Int64(13)});
  }
  // The literal 'failed' lets both backends use the partial index transactions_failed_idx.
  KEFU_ASSIGN_OR_RETURN(c.failed_transactions_30d,
                        s.QueryInt64("SELECT COUNT(*) FROM transactions WHERE customer_id = $1 "
                                     "AND status = 'failed' AND occurred_ms >= $2",
                                     {c.id, now_ms - 30 * kDayMs}));
  return OkStatus();
}

// Tags, other mobiles, accounts, applications, SMS, self-service steps, follow-ups and owner
// changes: the rest of the customer's story, each newest first and bounded.
Status LoadStory(store::Session& s, bool unmask, const std::optional<std::string>& primary,
                 Customer360& c) {
  const int64_t n = Customers::kRecentItems;
  KEFU_ASSIGN_OR_RETURN(store::Rows tags,
                        s.Query("SELECT tag FROM customer_tags WHERE customer_id = $1 "
                                "ORDER BY created_ms, tag",
                                {c.id}));
  for (const store::Row& r : tags) {
    c.tags.push_back(r.Text(0));
  }
  KEFU_ASSIGN_OR_RETURN(store::Rows keys,
                        s.Query("SELECT value FROM customer_keys WHERE customer_id = $1 AND "
                                "kind = 'mobile' AND value IS NOT NULL ORDER BY created_ms",
                                {c.id}));
  for (const store::Row& r : keys) {
    if (r.Text(0) != primary.value_or("")) {
      c.other_mobiles.push_back(unmask ? r.Text(0) : MaskStoredMobile(r.Text(0)));
    }
  }
  KEFU_ASSIGN_OR_RETURN(store::Rows accounts,
                        s.Query("SELECT id, account_masked, kind, currency, balance_fen, status "
                                "FROM accounts WHERE customer_id = $1 ORDER BY opened_ms, id",
                                {c.id}));
  for (const store::Row& r : accounts) {
    c.accounts.push_back({r.Int64(0), r.Text(1), r.Text(2), r.Text(3), r.Int64(4), r.Text(5)});
  }
  KEFU_ASSIGN_OR_RETURN(
      store::Rows apps,
      s.Query("SELECT id, product_kind, product, stage, stage_note, submitted_ms, updated_ms "
              "FROM applications WHERE customer_id = $1 ORDER BY updated_ms DESC, id DESC "
              "LIMIT $2",
              {c.id, n}));
  for (const store::Row& r : apps) {
    c.applications.push_back({r.Int64(0), r.Text(1), r.Text(2), r.Text(3), r.OptText(4),
                              r.Int64(5), r.Int64(6)});
  }
  KEFU_ASSIGN_OR_RETURN(
      store::Rows sms,
      s.Query("SELECT m.id, m.kind, m.text, m.activity_code, m.error_code, e.reason, m.status, "
              "m.sent_ms FROM sms_messages m LEFT JOIN error_codes e ON e.code = m.error_code "
              "WHERE m.customer_id = $1 ORDER BY m.sent_ms DESC, m.id DESC LIMIT $2",
              {c.id, n}));
  for (const store::Row& r : sms) {
    c.sms.push_back({r.Int64(0), r.Text(1), r.Text(2), r.OptText(3), r.OptText(4), r.OptText(5),
                     r.Text(6), r.Int64(7)});
  }
  KEFU_ASSIGN_OR_RETURN(
      store::Rows journey,
      s.Query("SELECT id, channel, step, outcome, error_code, detail, occurred_ms "
              "FROM journey_events WHERE customer_id = $1 ORDER BY occurred_ms DESC, id DESC "
              "LIMIT $2",
              {c.id, n}));
  for (const store::Row& r : journey) {
    c.journey.push_back({r.Int64(0), r.Text(1), r.Text(2), r.Text(3), r.OptText(4), r.OptText(5),
                         r.Int64(6)});
  }
  KEFU_ASSIGN_OR_RETURN(
      store::Rows follow,
      s.Query("SELECT id, author_name, channel, content, next_step, due_ms, done_ms, created_ms "
              "FROM follow_ups WHERE customer_id = $1 ORDER BY created_ms DESC, id DESC "
              "LIMIT $2",
              {c.id, n}));
  for (const store::Row& r : follow) {
    c.follow_ups.push_back({r.Int64(0), r.Text(1), r.Text(2), r.Text(3), r.OptText(4),
                            r.OptInt64(5), r.OptInt64(6), r.Int64(7)});
  }
  KEFU_ASSIGN_OR_RETURN(
      store::Rows owners,
      s.Query("SELECT h.agent_id, a.name, h.previous_agent_id, h.reason, h.changed_by, "
              "h.changed_ms FROM owner_history h LEFT JOIN agents a ON a.id = h.agent_id "
              "WHERE h.customer_id = $1 ORDER BY h.changed_ms DESC, h.id DESC LIMIT 5",
              {c.id}));
  for (const store::Row& r : owners) {
    c.owner_history.push_back(
        {r.OptInt64(0), r.OptText(1), r.OptInt64(2), r.Text(3), r.Text(4), r.Int64(5)});
  }
  return OkStatus();
}

// Contacts, open tickets, complaints and surveys: what the customer already told the bank.
Status LoadService(store::Session& s, int64_t now_ms, Customer360& c) {
  const int64_t n = Customers::kRecentItems;
  KEFU_ASSIGN_OR_RETURN(
      store::Rows contacts,
      s.Query("SELECT i.id, i.channel, i.direction, q.name, COALESCE(a.name, i.agent_name), "
              "i.status, i.disposition, i.summary, i.started_ms, i.answered_ms, i.ended_ms "
              "FROM interactions i LEFT JOIN queues q ON q.id = i.queue_id "
              "LEFT JOIN agents a ON a.id = i.agent_id "
              "WHERE i.customer_id = $1 ORDER BY i.started_ms DESC, i.id DESC LIMIT $2",
              {c.id, n}));
  for (const store::Row& r : contacts) {
    c.contacts.push_back({r.Int64(0), r.Text(1), r.Text(2), r.OptText(3), r.OptText(4), r.Text(5),
                          r.OptText(6), r.OptText(7), r.Int64(8), r.OptInt64(9),
                          r.OptInt64(10)});
  }
  // Open tickets of every kind and the complaints of any status, in one pass over the
  // customer's tickets (newest first; a customer has tens, not thousands).
  KEFU_ASSIGN_OR_RETURN(
      store::Rows tickets,
      s.Query("SELECT t.id, t.number, t.kind, t.category, t.subject, t.priority, t.status, "
              "t.severity, t.via_regulator, COALESCE(a.name, t.assignee_name), t.due_ms, "
              "t.resolution, t.created_ms, t.updated_ms, t.resolved_ms "
              "FROM tickets t LEFT JOIN agents a ON a.id = t.assignee_agent_id "
              "WHERE t.customer_id = $1 AND (t.status IN ('new', 'open', 'pending') OR "
              "t.kind = 'complaint') ORDER BY t.created_ms DESC, t.id DESC LIMIT 200",
              {c.id}));
  for (const store::Row& r : tickets) {
    Ticket t{.id = r.Int64(0),
             .number = r.Text(1),
             .kind = r.Text(2),
             .category = r.Text(3),
             .subject = r.Text(4),
             .priority = r.Text(5),
             .status = r.Text(6),
             .severity = r.OptText(7),
             .via_regulator = r.Int64(8) != 0,
             .assignee_name = r.OptText(9),
             .due_ms = r.OptInt64(10),
             .resolution = r.OptText(11),
             .created_ms = r.Int64(12),
             .updated_ms = r.Int64(13),
             .resolved_ms = r.OptInt64(14)};
    const bool open = t.status == "new" || t.status == "open" || t.status == "pending";
    if (t.kind == "complaint") {
      if (t.created_ms >= now_ms - 365 * kDayMs) {
        ++c.complaints_12m;
      }
      if (static_cast<int64_t>(c.complaints.size()) < n) {
        c.complaints.push_back(t);
      }
    }
    if (open && static_cast<int64_t>(c.open_tickets.size()) < n) {
      c.open_tickets.push_back(std::move(t));
    }
  }
  KEFU_ASSIGN_OR_RETURN(
      store::Rows surveys,
      s.Query("SELECT id, kind, channel, score, comment, answered_ms FROM surveys "
              "WHERE customer_id = $1 ORDER BY answered_ms DESC, id DESC LIMIT $2",
              {c.id, n}));
  for (const store::Row& r : surveys) {
    c.surveys.push_back(
        {r.Int64(0), r.Text(1), r.Text(2), r.Int64(3), r.OptText(4), r.Int64(5)});
  }
  // The newest NPS among the newest answers is the newest NPS of all; only a customer whose
  // last kRecentItems answers hold none needs another query.
  for (const SurveyAnswer& a : c.surveys) {
    if (a.kind == "nps") {
      c.latest_nps = a.score;
      return OkStatus();
    }
  }
  if (static_cast<int64_t>(c.surveys.size()) < n) {
    return OkStatus();  // every answer is in the list: there is no NPS
  }
  KEFU_ASSIGN_OR_RETURN(std::optional<store::Row> nps,
                        s.QueryOne("SELECT score FROM surveys WHERE customer_id = $1 AND "
                                   "kind = 'nps' ORDER BY answered_ms DESC, id DESC LIMIT 1",
                                   {c.id}));
  if (nps) {
    c.latest_nps = nps->Int64(0);
  }
  return OkStatus();
}

}  // namespace

std::string_view LookupKindName(LookupKey::Kind kind) {
  switch (kind) {
    case LookupKey::Kind::kCustomerId:
      return "customer_id";
    case LookupKey::Kind::kMobile:
      return "mobile";
    case LookupKey::Kind::kIdNumber:
      return "id_number";
    case LookupKey::Kind::kWechatOpenid:
      return "wechat_openid";
    case LookupKey::Kind::kCif:
      return "cif";
  }
  return "customer_id";
}

std::string_view TierLabel(std::string_view tier) {
  if (tier == "standard") {
    return "普通";
  }
  if (tier == "gold") {
    return "金卡";
  }
  if (tier == "platinum") {
    return "白金";
  }
  if (tier == "private") {
    return "私人银行";
  }
  return tier;
}

Result<Customer360> Customers::Lookup(const LookupKey& key, bool unmask) const {
  // Build the WHERE clause before touching the database so a malformed key costs nothing.
  std::string where;
  store::Params params;
  switch (key.kind) {
    case LookupKey::Kind::kCustomerId:
      if (key.customer_id <= 0) {
        return InvalidArgumentError("customer_id must be a positive id", "customer_id");
      }
      where = "WHERE c.id = $1";
      params = {key.customer_id};
      break;
    case LookupKey::Kind::kMobile: {
      KEFU_ASSIGN_OR_RETURN(std::string mobile, NormalizeAnyMobile(key.raw));
      where = kByKey;
      params = {"mobile", IdentityKey(pii_key_, mobile)};
      break;
    }
    case LookupKey::Kind::kIdNumber: {
      KEFU_ASSIGN_OR_RETURN(std::string id_number, pii::NormalizeIdNumber(key.raw));
      where = kByKey;
      params = {"id_number", IdentityKey(pii_key_, id_number)};
      break;
    }
    case LookupKey::Kind::kWechatOpenid: {
      if (key.raw.empty() || key.raw.size() > 128) {
        return InvalidArgumentError("wechat_openid must be 1–128 characters", "wechat_openid");
      }
      where = kByKey;
      params = {"wechat_openid", key.raw};
      break;
    }
    case LookupKey::Kind::kCif: {
      if (key.raw.empty() || key.raw.size() > 32) {
        return InvalidArgumentError("cif must be 1–32 characters", "cif");
      }
      where = "WHERE c.cif = $1";
      params = {key.raw};
      break;
    }
  }
  const std::string sql =
      std::string(kProfileSelect) + where + " ORDER BY c.updated_ms DESC, c.id DESC LIMIT 1";
  const int64_t now_ms = clock_->NowMs();
  Customer360 result;
  bool found = false;
  KEFU_RETURN_IF_ERROR(db_->Read([&](store::Session& s) -> Status {
    KEFU_ASSIGN_OR_RETURN(std::optional<store::Row> row, s.QueryOne(sql, params));
    if (!row) {
      return OkStatus();
    }
    found = true;
    result = ProfileFromRow(*row, unmask);
    KEFU_RETURN_IF_ERROR(LoadProducts(s, result));
    KEFU_RETURN_IF_ERROR(LoadTransactions(s, now_ms, result));
    KEFU_RETURN_IF_ERROR(LoadStory(s, unmask, row->OptText(4), result));
    return LoadService(s, now_ms, result);
  }));
  if (!found) {
    return NotFoundError(std::string("no customer with that ") +
                         std::string(LookupKindName(key.kind)));
  }
  return result;
}

}  // namespace kefu::crm
