#include "kefu/crm/customers.h"

#include "kefu/core/pii.h"

namespace kefu::crm {
namespace {

constexpr int64_t kDayMs = 24LL * 60 * 60 * 1000;

// Joined names ride along with the profile so one statement answers the header of the view.
constexpr std::string_view kProfileSelect =
    "SELECT c.id, c.name, c.gender, c.birth_date, c.mobile, c.email, c.id_type, c.id_number, "
    "c.tier, c.segment, c.status, r.name, b.name, c.owner_agent_id, a.name, "
    "c.preferred_script, c.created_ms, c.updated_ms "
    "FROM customers c "
    "LEFT JOIN regions r ON r.id = c.region_id "
    "LEFT JOIN branches b ON b.id = c.branch_id "
    "LEFT JOIN agents a ON a.id = c.owner_agent_id ";

// Keeps the last four characters. For stored values the pii masks cannot take (a passport
// number, a legacy landline): showing more than the tail would defeat the mask.
std::string MaskTail(std::string_view value) {
  if (value.size() <= 4) {
    return std::string(value.size(), '*');
  }
  return std::string(value.size() - 4, '*') + std::string(value.substr(value.size() - 4));
}

std::string MaskStoredMobile(const std::string& mobile) {
  Result<std::string> normalized = pii::NormalizeMobile(mobile);
  return normalized.ok() ? pii::MaskMobile(*normalized) : MaskTail(mobile);
}

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

}  // namespace

std::string_view LookupKindName(LookupKey::Kind kind) {
  switch (kind) {
    case LookupKey::Kind::kCustomerId:
      return "customer_id";
    case LookupKey::Kind::kMobile:
      return "mobile";
    case LookupKey::Kind::kIdNumber:
      return "id_number";
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
      KEFU_ASSIGN_OR_RETURN(std::string mobile, pii::NormalizeMobile(key.raw));
      // Rows imported before hashing existed carry only the clear column; both are indexed.
      if (pii_key_.empty()) {
        where = "WHERE c.mobile = $1";
        params = {mobile};
      } else {
        where = "WHERE c.mobile_hash = $1 OR c.mobile = $2";
        params = {pii::KeyedHash(pii_key_, mobile), mobile};
      }
      break;
    }
    case LookupKey::Kind::kIdNumber: {
      KEFU_ASSIGN_OR_RETURN(std::string id_number, pii::NormalizeIdNumber(key.raw));
      if (pii_key_.empty()) {
        where = "WHERE c.id_number = $1";
        params = {id_number};
      } else {
        where = "WHERE c.id_number_hash = $1";
        params = {pii::KeyedHash(pii_key_, id_number)};
      }
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
    return LoadTransactions(s, now_ms, result);
  }));
  if (!found) {
    return NotFoundError(std::string("no customer with that ") +
                         std::string(LookupKindName(key.kind)));
  }
  return result;
}

}  // namespace kefu::crm
