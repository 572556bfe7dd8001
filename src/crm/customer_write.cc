// The customer service's writes and searches: prospects, profile edits, owners, follow-ups.
#include <algorithm>
#include <boost/json.hpp>

#include "kefu/core/check.h"
#include "kefu/core/pii.h"
#include "kefu/core/text.h"
#include "kefu/crm/customers.h"
#include "kefu/crm/import.h"
#include "normalize.h"

namespace kefu::crm {
namespace {

std::string MaskMobileValue(const std::optional<std::string>& mobile) {
  return mobile ? MaskStoredMobile(*mobile) : std::string();
}

constexpr std::string_view kSummarySelect =
    "SELECT c.id, c.name, c.mobile, c.tier, c.status, b.name, a.name, c.updated_ms "
    "FROM customers c LEFT JOIN branches b ON b.id = c.branch_id "
    "LEFT JOIN agents a ON a.id = c.owner_agent_id ";

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Status CheckText(const std::optional<std::string>& v, const char* field, size_t max_chars,
                 bool required) {
  if (!v) {
    return required ? InvalidArgumentError(std::string(field) + " is required", field)
                    : OkStatus();
  }
  if (!text::IsValidUtf8(*v) || (required && v->empty()) ||
      text::CodePointCount(*v) > max_chars) {
    return InvalidArgumentError(std::string(field) + " must be 1–" + std::to_string(max_chars) +
                                    " characters",
                                field);
  }
  return OkStatus();
}

bool OneOf(const std::string& v, std::initializer_list<std::string_view> allowed) {
  return std::find(allowed.begin(), allowed.end(), v) != allowed.end();
}

// Replaces the customer's primary `kind` (mobile or email) key: the old value's key goes, the
// new one comes, unless another customer holds it.
Status ReplaceKey(store::Session& s, int64_t customer_id, std::string_view kind,
                  const std::optional<std::string>& old_key, const std::string& new_key,
                  const std::string& value, int64_t now) {
  KEFU_ASSIGN_OR_RETURN(std::optional<store::Row> holder,
                        s.QueryOne("SELECT customer_id FROM customer_keys WHERE kind = $1 AND "
                                   "key = $2",
                                   {std::string(kind), new_key}));
  if (holder && holder->Int64(0) != customer_id) {
    return Status(StatusCode::kAlreadyExists,
                  "this " + std::string(kind == "mobile" ? "mobile" : "e-mail") +
                      " belongs to customer " + std::to_string(holder->Int64(0)),
                  std::string(kind));
  }
  if (old_key && *old_key != new_key) {
    KEFU_RETURN_IF_ERROR(s.Exec("DELETE FROM customer_keys WHERE kind = $1 AND key = $2 AND "
                                "customer_id = $3",
                                {std::string(kind), *old_key, customer_id})
                             .status());
  }
  if (!holder) {
    KEFU_RETURN_IF_ERROR(s.Exec("INSERT INTO customer_keys (kind, key, customer_id, value, "
                                "created_ms) VALUES ($1, $2, $3, $4, $5)",
                                {std::string(kind), new_key, customer_id, value, now})
                             .status());
  }
  return OkStatus();
}

}  // namespace

Result<std::vector<CustomerSummary>> Customers::Search(std::string_view query, int limit) const {
  std::string q = text::ToHalfWidth(query);
  while (!q.empty() && q.back() == ' ') {
    q.pop_back();
  }
  while (!q.empty() && q.front() == ' ') {
    q.erase(q.begin());
  }
  if (q.empty() || !text::IsValidUtf8(q) || text::CodePointCount(q) > 64) {
    return InvalidArgumentError("q must be 1–64 characters: a name, mobile, ID number or "
                                "customer number",
                                "q");
  }
  limit = std::clamp(limit, 1, 100);
  std::string where;
  store::Params params;
  if (Result<std::string> mobile = NormalizeAnyMobile(q); mobile.ok()) {
    where = "WHERE c.id IN (SELECT customer_id FROM customer_keys WHERE kind = 'mobile' AND "
            "key = $1)";
    params = {IdentityKey(pii_key_, *mobile)};
  } else if (Result<std::string> id = pii::NormalizeIdNumber(q); id.ok()) {
    where = "WHERE c.id IN (SELECT customer_id FROM customer_keys WHERE kind = 'id_number' AND "
            "key = $1)";
    params = {IdentityKey(pii_key_, *id)};
  } else if (AllDigits(q) && q.size() >= 12) {
    where = "WHERE c.id = $1 OR c.cif = $2";
    params = {static_cast<int64_t>(std::strtoll(q.c_str(), nullptr, 10)), q};
  } else {
    // Name prefix through customers_name_idx ("张" finds 张三, 张三丰 …); a cif also matches.
    where = "WHERE (c.name >= $1 AND c.name < $2) OR c.cif = $3";
    params = {q, q + "\xF4\x8F\xBF\xBF", q};
  }
  std::vector<CustomerSummary> out;
  KEFU_ASSIGN_OR_RETURN(
      store::Rows rows,
      db_->Query(std::string(kSummarySelect) + where + " ORDER BY c.name, c.id LIMIT " +
                     std::to_string(limit),
                 params));
  for (const store::Row& r : rows) {
    CustomerSummary s;
    s.id = r.Int64(0);
    s.name = r.Text(1);
    if (!r.IsNull(2)) {
      s.mobile_masked = MaskMobileValue(r.OptText(2));
    }
    s.tier = r.Text(3);
    s.tier_label = std::string(TierLabel(s.tier));
    s.status = r.Text(4);
    s.branch_name = r.OptText(5);
    s.owner_agent_name = r.OptText(6);
    s.updated_ms = r.Int64(7);
    out.push_back(std::move(s));
  }
  return out;
}

Result<int64_t> Customers::CreateProspect(std::string_view name, std::string_view mobile_raw,
                                          std::string_view actor) {
  KEFU_CHECK(ids_ != nullptr);
  KEFU_ASSIGN_OR_RETURN(std::string mobile, NormalizeAnyMobile(mobile_raw));
  std::string display = name.empty() ? "未知来电 " + MaskMobileValue(mobile) : std::string(name);
  KEFU_RETURN_IF_ERROR(CheckText(display, "name", 50, true));
  const std::string key = IdentityKey(pii_key_, mobile);
  const int64_t id = ids_->Next();
  const int64_t now = clock_->NowMs();
  int64_t existing = 0;
  KEFU_RETURN_IF_ERROR(db_->Transact([&](store::Session& s) -> Status {
    KEFU_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                          s.QueryOne("SELECT customer_id FROM customer_keys WHERE kind = "
                                     "'mobile' AND key = $1",
                                     {key}));
    if (row) {
      existing = row->Int64(0);
      return OkStatus();
    }
    KEFU_RETURN_IF_ERROR(s.Exec("INSERT INTO customers (id, name, mobile, mobile_hash, status, "
                                "source, created_ms, updated_ms) "
                                "VALUES ($1, $2, $3, $4, 'prospect', $5, $6, $6)",
                                {id, display, mobile, key, "desk:" + std::string(actor), now})
                             .status());
    return s.Exec("INSERT INTO customer_keys (kind, key, customer_id, value, created_ms) "
                  "VALUES ('mobile', $1, $2, $3, $4)",
                  {key, id, mobile, now})
        .status();
  }));
  if (existing != 0) {
    return AlreadyExistsError("this mobile belongs to customer " + std::to_string(existing));
  }
  return id;
}

Status Customers::UpdateProfile(int64_t customer_id, const ProfilePatch& patch) {
  KEFU_RETURN_IF_ERROR(CheckText(patch.name, "name", 50, patch.name.has_value()));
  if (patch.gender && !OneOf(*patch.gender, {"male", "female"})) {
    return InvalidArgumentError("gender must be male or female", "gender");
  }
  if (patch.tier && !OneOf(*patch.tier, {"standard", "gold", "platinum", "private"})) {
    return InvalidArgumentError("tier must be standard, gold, platinum or private", "tier");
  }
  if (patch.preferred_script && !OneOf(*patch.preferred_script, {"simplified", "traditional"})) {
    return InvalidArgumentError("preferred_script must be simplified or traditional",
                                "preferred_script");
  }
  KEFU_RETURN_IF_ERROR(CheckText(patch.segment, "segment", 32, false));
  KEFU_RETURN_IF_ERROR(CheckText(patch.customer_type, "customer_type", 32, false));
  if (patch.tags) {
    if (patch.tags->size() > 50) {
      return InvalidArgumentError("at most 50 tags", "tags");
    }
    for (const std::string& t : *patch.tags) {
      KEFU_RETURN_IF_ERROR(CheckText(t, "tags", 32, true));
    }
  }
  std::optional<std::string> mobile;
  if (patch.mobile) {
    Result<std::string> m = NormalizeAnyMobile(*patch.mobile);
    if (!m.ok()) {
      return InvalidArgumentError(m.status().message(), "mobile");
    }
    mobile = *m;
  }
  std::optional<std::string> email;
  if (patch.email) {
    Result<std::string> e = pii::NormalizeEmail(*patch.email);
    if (!e.ok()) {
      return InvalidArgumentError(e.status().message(), "email");
    }
    email = *e;
  }
  const int64_t now = clock_->NowMs();
  return db_->Transact([&](store::Session& s) -> Status {
    KEFU_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                          s.QueryOne("SELECT consent, mobile_hash, email FROM customers "
                                     "WHERE id = $1",
                                     {customer_id}));
    if (!row) {
      return NotFoundError("no customer " + std::to_string(customer_id));
    }
    std::optional<std::string> mobile_key;
    if (mobile) {
      mobile_key = IdentityKey(pii_key_, *mobile);
      KEFU_RETURN_IF_ERROR(
          ReplaceKey(s, customer_id, "mobile", row->OptText(1), *mobile_key, *mobile, now));
    }
    if (email) {
      std::optional<std::string> old_key;
      if (std::optional<std::string> old = row->OptText(2)) {
        if (Result<std::string> e = pii::NormalizeEmail(*old); e.ok()) {
          old_key = IdentityKey(pii_key_, *e);
        }
      }
      KEFU_RETURN_IF_ERROR(ReplaceKey(s, customer_id, "email", old_key,
                                      IdentityKey(pii_key_, *email), *email, now));
    }
    std::optional<std::string> consent;
    if (patch.marketing_consent) {
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(row->Text(0), ec);
      if (ec || !v.is_object()) {
        v = boost::json::object();
      }
      v.as_object()["marketing"] = *patch.marketing_consent;
      consent = boost::json::serialize(v);
    }
    KEFU_RETURN_IF_ERROR(
        s.Exec("UPDATE customers SET name = COALESCE($2, name), gender = COALESCE($3, gender), "
               "tier = COALESCE($4, tier), segment = COALESCE($5, segment), "
               "customer_type = COALESCE($6, customer_type), "
               "preferred_script = COALESCE($7, preferred_script), "
               "consent = COALESCE($8, consent), mobile = COALESCE($10, mobile), "
               "mobile_hash = COALESCE($11, mobile_hash), email = COALESCE($12, email), "
               "updated_ms = $9 WHERE id = $1",
               {customer_id, patch.name, patch.gender, patch.tier, patch.segment,
                patch.customer_type, patch.preferred_script, consent, now, mobile, mobile_key,
                email})
            .status());
    if (patch.tags) {
      KEFU_RETURN_IF_ERROR(
          s.Exec("DELETE FROM customer_tags WHERE customer_id = $1", {customer_id}).status());
      std::vector<std::string> unique = *patch.tags;
      std::sort(unique.begin(), unique.end());
      unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
      for (const std::string& t : unique) {
        KEFU_RETURN_IF_ERROR(s.Exec("INSERT INTO customer_tags (customer_id, tag, created_ms) "
                                    "VALUES ($1, $2, $3)",
                                    {customer_id, t, now})
                                 .status());
      }
    }
    return OkStatus();
  });
}

Result<std::optional<int64_t>> Customers::ChangeOwner(int64_t customer_id,
                                                      std::optional<int64_t> agent_id,
                                                      std::string_view actor) {
  KEFU_CHECK(ids_ != nullptr);
  const int64_t now = clock_->NowMs();
  std::optional<int64_t> previous;
  KEFU_RETURN_IF_ERROR(db_->Transact([&](store::Session& s) -> Status {
    KEFU_ASSIGN_OR_RETURN(
        std::optional<store::Row> row,
        s.QueryOne("SELECT owner_agent_id FROM customers WHERE id = $1", {customer_id}));
    if (!row) {
      return NotFoundError("no customer " + std::to_string(customer_id));
    }
    previous = row->OptInt64(0);
    if (agent_id) {
      KEFU_ASSIGN_OR_RETURN(int64_t n, s.QueryInt64("SELECT COUNT(*) FROM agents WHERE id = $1 "
                                                    "AND status = 'active'",
                                                    {*agent_id}));
      if (n == 0) {
        return NotFoundError("no active agent " + std::to_string(*agent_id));
      }
    }
    if (previous == agent_id) {
      return OkStatus();
    }
    KEFU_RETURN_IF_ERROR(s.Exec("UPDATE customers SET owner_agent_id = $2, updated_ms = $3 "
                                "WHERE id = $1",
                                {customer_id, agent_id, now})
                             .status());
    return s.Exec("INSERT INTO owner_history (id, customer_id, agent_id, previous_agent_id, "
                  "reason, changed_by, changed_ms) VALUES ($1, $2, $3, $4, 'manual', $5, $6)",
                  {ids_->Next(), customer_id, agent_id, previous, std::string(actor), now})
        .status();
  }));
  return previous;
}

Result<int64_t> Customers::AddFollowUp(const FollowUpSpec& spec) {
  KEFU_CHECK(ids_ != nullptr);
  if (!OneOf(spec.channel, {"phone", "chat", "wechat", "email", "sms", "visit", "other"})) {
    return InvalidArgumentError(
        "channel must be phone, chat, wechat, email, sms, visit or other", "channel");
  }
  KEFU_RETURN_IF_ERROR(CheckText(spec.content, "content", 2000, true));
  KEFU_RETURN_IF_ERROR(CheckText(spec.next_step, "next_step", 500, false));
  const int64_t id = ids_->Next();
  const int64_t now = clock_->NowMs();
  Result<int64_t> r = db_->Exec(
      "INSERT INTO follow_ups (id, customer_id, author_id, author_name, channel, content, "
      "next_step, due_ms, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      {id, spec.customer_id, spec.author_id, spec.author_name, spec.channel, spec.content,
       spec.next_step, spec.due_ms, now});
  if (!r.ok()) {
    if (r.status().code() == StatusCode::kFailedPrecondition) {
      return NotFoundError("no customer " + std::to_string(spec.customer_id));
    }
    return r.status();
  }
  return id;
}

Result<std::vector<FollowUp>> Customers::FollowUps(int64_t customer_id, int limit,
                                                   int64_t before_ms, int64_t before_id) const {
  limit = std::clamp(limit, 1, 200);
  std::string sql =
      "SELECT id, author_name, channel, content, next_step, due_ms, done_ms, created_ms "
      "FROM follow_ups WHERE customer_id = $1";
  store::Params params = {customer_id};
  if (before_ms > 0) {
    sql += " AND (created_ms < $2 OR (created_ms = $2 AND id < $3))";
    params.emplace_back(before_ms);
    params.emplace_back(before_id);
  }
  sql += " ORDER BY created_ms DESC, id DESC LIMIT " + std::to_string(limit);
  KEFU_ASSIGN_OR_RETURN(store::Rows rows, db_->Query(sql, params));
  std::vector<FollowUp> out;
  for (const store::Row& r : rows) {
    out.push_back({r.Int64(0), r.Text(1), r.Text(2), r.Text(3), r.OptText(4), r.OptInt64(5),
                   r.OptInt64(6), r.Int64(7)});
  }
  return out;
}

Status Customers::CompleteFollowUp(int64_t follow_up_id) {
  const int64_t now = clock_->NowMs();
  return db_->Transact([&](store::Session& s) -> Status {
    KEFU_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                          s.QueryOne("SELECT done_ms FROM follow_ups WHERE id = $1",
                                     {follow_up_id}));
    if (!row) {
      return NotFoundError("no follow-up " + std::to_string(follow_up_id));
    }
    if (!row->IsNull(0)) {
      return FailedPreconditionError("the follow-up is already done");
    }
    return s.Exec("UPDATE follow_ups SET done_ms = $2 WHERE id = $1", {follow_up_id, now})
        .status();
  });
}

}  // namespace kefu::crm
