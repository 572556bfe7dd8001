// Customer routes (#6): the 360 lookup (screen pop), search, prospects, profile edits, owner
// changes, follow-ups and the import upload. Thin: decode, call crm, map to JSON.

#include <spdlog/spdlog.h>

#include <charconv>

#include "internal/customer_routes.h"
#include "internal/impl.h"
#include "kefu/core/text.h"
#include "kefu/crm/customers.h"
#include "kefu/crm/import.h"
#include "kefu/crm/ingest.h"

namespace kefu::api::internal {
namespace {

json::value OptString(const std::optional<std::string>& s) {
  return s ? json::value(json::string(*s)) : json::value(nullptr);
}

json::value OptInt(const std::optional<int64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::object FollowUpJson(const crm::FollowUp& f) {
  return json::object{{"id", IdString(f.id)},          {"author_name", f.author_name},
                      {"channel", f.channel},          {"content", f.content},
                      {"next_step", OptString(f.next_step)}, {"due_ms", OptInt(f.due_ms)},
                      {"done_ms", OptInt(f.done_ms)},  {"created_ms", f.created_ms}};
}

json::object TicketJson(const crm::Ticket& t) {
  return json::object{{"id", IdString(t.id)},
                      {"number", t.number},
                      {"kind", t.kind},
                      {"category", t.category},
                      {"subject", t.subject},
                      {"priority", t.priority},
                      {"status", t.status},
                      {"severity", OptString(t.severity)},
                      {"via_regulator", t.via_regulator},
                      {"assignee_name", OptString(t.assignee_name)},
                      {"due_ms", OptInt(t.due_ms)},
                      {"resolution", OptString(t.resolution)},
                      {"created_ms", t.created_ms},
                      {"updated_ms", t.updated_ms},
                      {"resolved_ms", OptInt(t.resolved_ms)}};
}

// Contacts, open tickets, complaints and surveys of the 360 view.
void AddServiceJson(const crm::Customer360& c, json::object& out) {
  json::array contacts;
  for (const crm::Interaction& i : c.contacts) {
    contacts.push_back(json::object{{"id", IdString(i.id)},
                                    {"channel", i.channel},
                                    {"direction", i.direction},
                                    {"queue_name", OptString(i.queue_name)},
                                    {"agent_name", OptString(i.agent_name)},
                                    {"status", i.status},
                                    {"disposition", OptString(i.disposition)},
                                    {"summary", OptString(i.summary)},
                                    {"started_ms", i.started_ms},
                                    {"answered_ms", OptInt(i.answered_ms)},
                                    {"ended_ms", OptInt(i.ended_ms)}});
  }
  json::array open_tickets;
  for (const crm::Ticket& t : c.open_tickets) {
    open_tickets.push_back(TicketJson(t));
  }
  json::array complaints;
  for (const crm::Ticket& t : c.complaints) {
    complaints.push_back(TicketJson(t));
  }
  json::array surveys;
  for (const crm::SurveyAnswer& a : c.surveys) {
    surveys.push_back(json::object{{"id", IdString(a.id)},
                                   {"kind", a.kind},
                                   {"channel", a.channel},
                                   {"score", a.score},
                                   {"comment", OptString(a.comment)},
                                   {"answered_ms", a.answered_ms}});
  }
  out["contacts"] = std::move(contacts);
  out["open_tickets"] = std::move(open_tickets);
  out["complaints"] = std::move(complaints);
  out["complaints_12m"] = c.complaints_12m;
  out["surveys"] = std::move(surveys);
  out["latest_nps"] = OptInt(c.latest_nps);
}

json::object Customer360Json(const crm::Customer360& c) {
  json::array cards;
  for (const crm::Card& k : c.cards) {
    cards.push_back(json::object{{"id", IdString(k.id)},
                                 {"number_masked", k.number_masked},
                                 {"product", k.product},
                                 {"kind", k.kind},
                                 {"currency", k.currency},
                                 {"credit_limit_fen", OptInt(k.credit_limit_fen)},
                                 {"available_fen", k.available_fen},
                                 {"statement_day", OptInt(k.statement_day)},
                                 {"due_day", OptInt(k.due_day)},
                                 {"expiry_month", k.expiry_month},
                                 {"status", k.status}});
  }
  json::array accounts;
  for (const crm::Account& a : c.accounts) {
    accounts.push_back(json::object{{"id", IdString(a.id)},
                                    {"account_masked", a.account_masked},
                                    {"kind", a.kind},
                                    {"currency", a.currency},
                                    {"balance_fen", a.balance_fen},
                                    {"status", a.status}});
  }
  json::array loans;
  for (const crm::Loan& l : c.loans) {
    loans.push_back(json::object{{"id", IdString(l.id)},
                                 {"product", l.product},
                                 {"principal_fen", l.principal_fen},
                                 {"balance_fen", l.balance_fen},
                                 {"rate_bp", l.rate_bp},
                                 {"term_months", l.term_months},
                                 {"repayment_day", l.repayment_day},
                                 {"overdue_days", l.overdue_days},
                                 {"status", l.status},
                                 {"start_ms", l.start_ms}});
  }
  json::array transactions;
  for (const crm::Transaction& t : c.transactions) {
    transactions.push_back(json::object{{"id", IdString(t.id)},
                                        {"card_id", OptId(t.card_id)},
                                        {"card_masked", OptString(t.card_masked)},
                                        {"kind", t.kind},
                                        {"direction", t.direction},
                                        {"amount_fen", t.amount_fen},
                                        {"currency", t.currency},
                                        {"merchant", OptString(t.merchant)},
                                        {"channel", t.channel},
                                        {"status", t.status},
                                        {"error_code", OptString(t.error_code)},
                                        {"error_reason", OptString(t.error_reason)},
                                        {"error_advice", OptString(t.error_advice)},
                                        {"occurred_ms", t.occurred_ms}});
  }
  json::array applications;
  for (const crm::Application& a : c.applications) {
    applications.push_back(json::object{{"id", IdString(a.id)},
                                        {"product_kind", a.product_kind},
                                        {"product", a.product},
                                        {"stage", a.stage},
                                        {"stage_note", OptString(a.stage_note)},
                                        {"submitted_ms", a.submitted_ms},
                                        {"updated_ms", a.updated_ms}});
  }
  json::array sms;
  for (const crm::SmsMessage& m : c.sms) {
    sms.push_back(json::object{{"id", IdString(m.id)},
                               {"kind", m.kind},
                               {"text", m.text},
                               {"activity_code", OptString(m.activity_code)},
                               {"error_code", OptString(m.error_code)},
                               {"error_reason", OptString(m.error_reason)},
                               {"status", m.status},
                               {"sent_ms", m.sent_ms}});
  }
  json::array journey;
  for (const crm::JourneyEvent& e : c.journey) {
    journey.push_back(json::object{{"id", IdString(e.id)},
                                   {"channel", e.channel},
                                   {"step", e.step},
                                   {"outcome", e.outcome},
                                   {"error_code", OptString(e.error_code)},
                                   {"detail", OptString(e.detail)},
                                   {"occurred_ms", e.occurred_ms}});
  }
  json::array follow_ups;
  for (const crm::FollowUp& f : c.follow_ups) {
    follow_ups.push_back(FollowUpJson(f));
  }
  json::array owners;
  for (const crm::OwnerChange& o : c.owner_history) {
    owners.push_back(json::object{{"agent_id", OptId(o.agent_id)},
                                  {"agent_name", OptString(o.agent_name)},
                                  {"previous_agent_id", OptId(o.previous_agent_id)},
                                  {"reason", o.reason},
                                  {"changed_by", o.changed_by},
                                  {"changed_ms", o.changed_ms}});
  }
  json::array tags;
  for (const std::string& t : c.tags) {
    tags.push_back(json::string(t));
  }
  json::array other_mobiles;
  for (const std::string& m : c.other_mobiles) {
    other_mobiles.push_back(json::string(m));
  }
  boost::system::error_code ec;
  json::value consent = json::parse(c.consent_json, ec);
  if (ec) {
    consent = json::object();
  }
  json::object out{{"found", true},
                      {"id", IdString(c.id)},
                      {"cif", OptString(c.cif)},
                      {"name", c.name},
                      {"gender", OptString(c.gender)},
                      {"birth_date", OptString(c.birth_date)},
                      {"tier", c.tier},
                      {"tier_label", c.tier_label},
                      {"segment", OptString(c.segment)},
                      {"customer_type", OptString(c.customer_type)},
                      {"assets_fen", OptInt(c.assets_fen)},
                      {"status", c.status},
                      {"region_name", OptString(c.region_name)},
                      {"branch_name", OptString(c.branch_name)},
                      {"preferred_script", c.preferred_script},
                      {"owner_agent_id", OptId(c.owner_agent_id)},
                      {"owner_agent_name", OptString(c.owner_agent_name)},
                      {"masked", c.masked},
                      {"mobile", OptString(c.mobile)},
                      {"other_mobiles", std::move(other_mobiles)},
                      {"id_type", c.id_type},
                      {"id_number", OptString(c.id_number)},
                      {"email", OptString(c.email)},
                      {"wechat_openid", OptString(c.wechat_openid)},
                      {"consent", std::move(consent)},
                      {"tags", std::move(tags)},
                      {"cards", std::move(cards)},
                      {"accounts", std::move(accounts)},
                      {"loans", std::move(loans)},
                      {"transactions", std::move(transactions)},
                      {"failed_transactions_30d", c.failed_transactions_30d},
                      {"applications", std::move(applications)},
                      {"sms", std::move(sms)},
                      {"journey", std::move(journey)},
                      {"follow_ups", std::move(follow_ups)},
                      {"owner_history", std::move(owners)},
                      {"created_ms", c.created_ms},
                      {"updated_ms", c.updated_ms}};
  AddServiceJson(c, out);
  return out;
}

// GET /api/v1/customers/lookup?customer_id=|mobile=|id_number=|wechat_openid=|cif=
// [&unmask=true]: exactly one key. An unknown mobile or openid is an unknown caller (200,
// found: false), not an error: the desk offers to create a prospect.
Result<Reply> LookupCustomer(Ctx& ctx) {
  static constexpr const char* kKeys[] = {"customer_id", "mobile", "id_number", "wechat_openid",
                                          "cif"};
  std::optional<crm::LookupKey> key;
  for (const char* name : kKeys) {
    auto it = ctx.query.find(name);
    if (it == ctx.query.end()) {
      continue;
    }
    if (key) {
      return InvalidArgumentError(
          "give one of customer_id, mobile, id_number, wechat_openid or cif", name);
    }
    const std::string& v = it->second;
    std::string_view n = name;
    if (n == "customer_id") {
      int64_t id = 0;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), id);
      if (ec != std::errc() || ptr != v.data() + v.size() || id <= 0) {
        return InvalidArgumentError("customer_id must be an id", "customer_id");
      }
      key = crm::LookupKey::CustomerId(id);
    } else if (n == "mobile") {
      key = crm::LookupKey::Mobile(v);
    } else if (n == "id_number") {
      key = crm::LookupKey::IdNumber(v);
    } else if (n == "wechat_openid") {
      key = crm::LookupKey::WechatOpenid(v);
    } else {
      key = crm::LookupKey::Cif(v);
    }
  }
  if (!key) {
    return InvalidArgumentError(
        "give one of customer_id, mobile, id_number, wechat_openid or cif", "customer_id");
  }
  bool unmask = false;
  if (auto it = ctx.query.find("unmask"); it != ctx.query.end()) {
    if (it->second == "true" || it->second == "1") {
      unmask = true;
    } else if (it->second != "false" && it->second != "0" && !it->second.empty()) {
      return InvalidArgumentError("unmask must be true or false", "unmask");
    }
  }
  if (unmask && !ctx.auth->Has(Permission::kPiiUnmask)) {
    return PermissionDeniedError("unmask needs the pii.unmask permission");
  }
  Result<crm::Customer360> customer = ctx.api.customers().Lookup(*key, unmask);
  if (!customer.ok() && customer.status().code() == StatusCode::kNotFound &&
      (key->kind == crm::LookupKey::Kind::kMobile ||
       key->kind == crm::LookupKey::Kind::kWechatOpenid)) {
    Reply reply;
    reply.body = json::object{{"found", false},
                              {"unknown_caller", true},
                              {"by", crm::LookupKindName(key->kind)}};
    return reply;
  }
  KEFU_RETURN_IF_ERROR(customer.status());
  if (unmask) {
    // Audited before the data leaves: if the audit row cannot be written, nothing is shown.
    KEFU_RETURN_IF_ERROR(ctx.api.audit().Append(
        ctx.ToActor(),
        {"customer.unmask", "customer", IdString(customer->id),
         json::serialize(json::object{{"by", crm::LookupKindName(key->kind)},
                                      {"fields", json::array{"mobile", "id_number", "email"}}})}));
  }
  Reply reply;
  reply.body = Customer360Json(*customer);
  return reply;
}

// GET /api/v1/customers?q=…&limit=
Result<Reply> SearchCustomers(Ctx& ctx) {
  auto it = ctx.query.find("q");
  KEFU_ASSIGN_OR_RETURN(std::vector<crm::CustomerSummary> found,
                        ctx.api.customers().Search(it == ctx.query.end() ? "" : it->second,
                                                   ctx.Limit()));
  json::array items;
  for (const crm::CustomerSummary& s : found) {
    items.push_back(json::object{{"id", IdString(s.id)},
                                 {"name", s.name},
                                 {"mobile", OptString(s.mobile_masked)},
                                 {"tier", s.tier},
                                 {"tier_label", s.tier_label},
                                 {"status", s.status},
                                 {"branch_name", OptString(s.branch_name)},
                                 {"owner_agent_name", OptString(s.owner_agent_name)},
                                 {"updated_ms", s.updated_ms}});
  }
  Reply reply;
  reply.body = json::object{{"items", std::move(items)}, {"next_cursor", nullptr}};
  return reply;
}

// POST /api/v1/customers {mobile, name?}: a prospect for an unknown caller.
Result<Reply> CreateProspect(Ctx& ctx) {
  Result<int64_t> id = ctx.api.customers().CreateProspect(
      ctx.BodyString("name"), ctx.BodyString("mobile"), ctx.auth->user.username);
  if (!id.ok() && id.status().code() == StatusCode::kAlreadyExists) {
    return Status(StatusCode::kAlreadyExists, id.status().message(), "mobile");
  }
  KEFU_RETURN_IF_ERROR(id.status());
  KEFU_RETURN_IF_ERROR(ctx.api.audit().Append(
      ctx.ToActor(), {"customer.create", "customer", IdString(*id), "{\"status\":\"prospect\"}"}));
  Reply reply;
  reply.status = 201;
  reply.body = json::object{{"id", IdString(*id)}, {"status", "prospect"}};
  return reply;
}

std::optional<std::string> OptBodyString(const Ctx& ctx, const char* name) {
  const json::value* v = ctx.Body().if_contains(name);
  if (v == nullptr || v->is_null()) {
    return std::nullopt;
  }
  return std::string(v->as_string());
}

// PATCH /api/v1/customers/{id}
Result<Reply> UpdateCustomer(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(int64_t id, ctx.IdParam("id"));
  crm::ProfilePatch patch;
  patch.name = OptBodyString(ctx, "name");
  patch.gender = OptBodyString(ctx, "gender");
  patch.tier = OptBodyString(ctx, "tier");
  patch.segment = OptBodyString(ctx, "segment");
  patch.customer_type = OptBodyString(ctx, "customer_type");
  patch.preferred_script = OptBodyString(ctx, "preferred_script");
  if (const json::value* tags = ctx.Body().if_contains("tags"); tags && !tags->is_null()) {
    std::vector<std::string> list;
    for (const json::value& t : tags->as_array()) {
      list.emplace_back(t.as_string());
    }
    patch.tags = std::move(list);
  }
  if (const json::value* m = ctx.Body().if_contains("marketing_consent"); m && !m->is_null()) {
    patch.marketing_consent = m->as_bool();
  }
  patch.mobile = OptBodyString(ctx, "mobile");
  patch.email = OptBodyString(ctx, "email");
  KEFU_RETURN_IF_ERROR(ctx.api.customers().UpdateProfile(id, patch));
  // The audit row says that the mobile or e-mail changed, never what to.
  json::object detail = ctx.Body();
  for (const char* field : {"mobile", "email"}) {
    if (detail.contains(field)) {
      detail[field] = "changed";
    }
  }
  KEFU_RETURN_IF_ERROR(ctx.api.audit().Append(
      ctx.ToActor(), {"customer.update", "customer", IdString(id), json::serialize(detail)}));
  return Reply{};
}

// POST /api/v1/customers/{id}/owner {agent_id | null}
Result<Reply> ChangeOwner(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(int64_t id, ctx.IdParam("id"));
  std::optional<int64_t> agent;
  if (const json::value* v = ctx.Body().if_contains("agent_id"); v && !v->is_null()) {
    int64_t a = 0;
    std::string_view s = v->as_string();
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), a);
    if (ec != std::errc() || ptr != s.data() + s.size() || a <= 0) {
      return InvalidArgumentError("agent_id must be an id or null", "agent_id");
    }
    agent = a;
  }
  KEFU_ASSIGN_OR_RETURN(std::optional<int64_t> previous,
                        ctx.api.customers().ChangeOwner(id, agent, ctx.auth->user.username));
  KEFU_RETURN_IF_ERROR(ctx.api.audit().Append(
      ctx.ToActor(),
      {"customer.owner", "customer", IdString(id),
       json::serialize(json::object{{"from", OptId(previous)}, {"to", OptId(agent)}})}));
  Reply reply;
  reply.body = json::object{{"owner_agent_id", OptId(agent)}, {"previous_agent_id", OptId(previous)}};
  return reply;
}

// GET /api/v1/customers/{id}/follow-ups?limit=&cursor=<created_ms>.<id>
Result<Reply> ListFollowUps(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(int64_t id, ctx.IdParam("id"));
  int64_t before_ms = 0;
  int64_t before_id = 0;
  std::string cursor = ctx.Cursor();
  if (!cursor.empty()) {
    size_t dot = cursor.find('.');
    auto a = std::from_chars(cursor.data(), cursor.data() + (dot == std::string::npos ? 0 : dot),
                             before_ms);
    auto b = std::from_chars(cursor.data() + dot + 1, cursor.data() + cursor.size(), before_id);
    if (dot == std::string::npos || a.ec != std::errc() || b.ec != std::errc()) {
      return InvalidArgumentError("cursor is not one this API returned", "cursor");
    }
  }
  int limit = ctx.Limit();
  KEFU_ASSIGN_OR_RETURN(std::vector<crm::FollowUp> items,
                        ctx.api.customers().FollowUps(id, limit + 1, before_ms, before_id));
  json::value next = nullptr;
  if (static_cast<int>(items.size()) > limit) {
    items.resize(limit);
    next = json::string(std::to_string(items.back().created_ms) + "." +
                        std::to_string(items.back().id));
  }
  json::array out;
  for (const crm::FollowUp& f : items) {
    out.push_back(FollowUpJson(f));
  }
  Reply reply;
  reply.body = json::object{{"items", std::move(out)}, {"next_cursor", next}};
  return reply;
}

// POST /api/v1/customers/{id}/follow-ups {channel, content, next_step?, due_ms?}
Result<Reply> AddFollowUp(Ctx& ctx) {
  crm::FollowUpSpec spec;
  KEFU_ASSIGN_OR_RETURN(spec.customer_id, ctx.IdParam("id"));
  if (!ctx.auth->via_token) {
    spec.author_id = ctx.auth->user.id;
  }
  spec.author_name = ctx.auth->user.display_name;
  spec.channel = ctx.BodyString("channel");
  spec.content = ctx.BodyString("content");
  spec.next_step = OptBodyString(ctx, "next_step");
  if (const json::value* due = ctx.Body().if_contains("due_ms"); due && !due->is_null()) {
    spec.due_ms = due->to_number<int64_t>();
  }
  KEFU_ASSIGN_OR_RETURN(int64_t id, ctx.api.customers().AddFollowUp(spec));
  Reply reply;
  reply.status = 201;
  reply.body = json::object{{"id", IdString(id)}};
  return reply;
}

// POST /api/v1/follow-ups/{id}/done
Result<Reply> CompleteFollowUp(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(int64_t id, ctx.IdParam("id"));
  KEFU_RETURN_IF_ERROR(ctx.api.customers().CompleteFollowUp(id));
  return Reply{};
}

json::object ImportIssueJson(const crm::ImportIssue& i) {
  return json::object{{"line", i.line},
                      {"column", i.column},
                      {"reason", i.reason},
                      {"value", i.value},
                      {"warning", i.warning}};
}

// POST /api/v1/customers/import {file_name, content_base64, merge?, dry_run?}: the web UI's
// upload. Runs in the request (bounded by server.max_body_bytes; large files go through
// `kefu import customers`); progress is published on the caller's topic "user.<id>".
Result<Reply> ImportCustomersUpload(Ctx& ctx) {
  std::string name = ctx.BodyString("file_name");
  if (name.empty() || name.size() > 200 || name.find('/') != std::string::npos) {
    return InvalidArgumentError("file_name must be a file name such as 客户.xlsx", "file_name");
  }
  KEFU_ASSIGN_OR_RETURN(std::string bytes, DecodeBase64(ctx.BodyString("content_base64")));
  crm::ImportOptions options;
  options.pii_key = ctx.impl.options.pii_key;
  options.actor = ctx.auth->user.username;
  std::string merge = ctx.BodyString("merge");
  if (merge == "overwrite") {
    options.merge = crm::MergePolicy::kFileWins;
  } else if (!merge.empty() && merge != "fill") {
    return InvalidArgumentError("merge must be fill or overwrite", "merge");
  }
  if (const json::value* d = ctx.Body().if_contains("dry_run"); d && d->is_bool()) {
    options.dry_run = d->as_bool();
  }
  json::array issues;
  int64_t total_issues = 0;
  const std::string topic = "user." + IdString(ctx.auth->user.id);
  KEFU_ASSIGN_OR_RETURN(
      crm::ImportReport report,
      crm::ImportCustomers(
          *ctx.impl.db, *ctx.impl.clock, *ctx.impl.ids, name, std::move(bytes), options,
          [&](const crm::ImportIssue& i) {
            ++total_issues;
            if (issues.size() < 500) {
              issues.push_back(ImportIssueJson(i));
            }
          },
          [&](int64_t done, int64_t total) {
            ctx.api.hub().Publish(topic, "import.progress",
                                  json::serialize(json::object{{"file_name", name},
                                                               {"done", done},
                                                               {"total", total}}));
          }));
  KEFU_RETURN_IF_ERROR(ctx.api.audit().Append(
      ctx.ToActor(),
      {"customer.import", "import_job", IdString(report.job_id),
       json::serialize(json::object{{"file_name", name},
                                    {"rows", report.rows},
                                    {"inserted", report.inserted},
                                    {"updated", report.updated},
                                    {"rejected", report.rejected}})}));
  json::array ignored;
  for (const std::string& c : report.ignored_columns) {
    ignored.push_back(json::string(c));
  }
  Reply reply;
  reply.body = json::object{{"job_id", IdString(report.job_id)},
                            {"encoding", report.encoding},
                            {"rows", report.rows},
                            {"inserted", report.inserted},
                            {"updated", report.updated},
                            {"unchanged", report.unchanged},
                            {"merged_in_file", report.merged_in_file},
                            {"rejected", report.rejected},
                            {"warnings", report.warnings},
                            {"owners_assigned", report.owners_assigned},
                            {"ignored_columns", std::move(ignored)},
                            {"issues", std::move(issues)},
                            {"issues_total", total_issues},
                            {"elapsed_ms", report.elapsed_ms},
                            {"dry_run", options.dry_run}};
  return reply;
}

// POST /api/v1/customers/import-jobs?file_name=客户.xlsx[&merge=fill|overwrite][&dry_run=true]
// with the file's bytes as the body: queues the import and answers 202 with the job id at
// once; the page follows it with GET /api/v1/customers/import-jobs/{id} and the
// "import.progress" / "import.done" events on its topic.
Result<Reply> SubmitImportJob(Ctx& ctx) {
  auto query = [&](const char* key) {
    auto it = ctx.query.find(key);
    return it == ctx.query.end() ? std::string() : it->second;
  };
  std::string name = query("file_name");
  if (name.empty() || name.size() > 200 || name.find('/') != std::string::npos ||
      !text::IsValidUtf8(name)) {
    return InvalidArgumentError("file_name must be a file name such as 客户.xlsx", "file_name");
  }
  ImportJobSpec spec;
  spec.file_name = name;
  spec.user_id = ctx.auth->user.id;
  spec.options.pii_key = ctx.impl.options.pii_key;
  spec.options.actor = ctx.auth->user.username;
  const std::string merge = query("merge");
  if (merge == "overwrite") {
    spec.options.merge = crm::MergePolicy::kFileWins;
  } else if (!merge.empty() && merge != "fill") {
    return InvalidArgumentError("merge must be fill or overwrite", "merge");
  }
  const std::string dry_run = query("dry_run");
  if (!dry_run.empty() && dry_run != "true" && dry_run != "false") {
    return InvalidArgumentError("dry_run must be true or false", "dry_run");
  }
  spec.options.dry_run = dry_run == "true";
  const size_t bytes = ctx.request.body.size();
  spec.bytes = ctx.request.body;
  KEFU_ASSIGN_OR_RETURN(int64_t id, ctx.impl.import_jobs->Submit(std::move(spec)));
  KEFU_RETURN_IF_ERROR(ctx.api.audit().Append(
      ctx.ToActor(), {"customer.import", "import_job", IdString(id),
                      json::serialize(json::object{{"file_name", name},
                                                   {"bytes", bytes},
                                                   {"dry_run", dry_run == "true"}})}));
  Reply reply;
  reply.status = 202;
  reply.body = json::object{{"job_id", IdString(id)}, {"status", "queued"}};
  return reply;
}

// GET /api/v1/customers/import-jobs/{id}: where the import is, and its report once done.
Result<Reply> GetImportJob(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(int64_t id, ctx.IdParam("id"));
  KEFU_ASSIGN_OR_RETURN(ImportJobView job, ctx.impl.import_jobs->Get(id));
  json::array issues;
  for (const crm::ImportIssue& i : job.issues) {
    issues.push_back(ImportIssueJson(i));
  }
  json::value report = nullptr;
  if (job.report) {
    const crm::ImportReport& r = *job.report;
    json::array ignored;
    for (const std::string& c : r.ignored_columns) {
      ignored.push_back(json::string(c));
    }
    report = json::object{{"import_job_id", IdString(r.job_id)},
                          {"encoding", r.encoding},
                          {"rows", r.rows},
                          {"inserted", r.inserted},
                          {"updated", r.updated},
                          {"unchanged", r.unchanged},
                          {"merged_in_file", r.merged_in_file},
                          {"rejected", r.rejected},
                          {"warnings", r.warnings},
                          {"owners_assigned", r.owners_assigned},
                          {"ignored_columns", std::move(ignored)},
                          {"elapsed_ms", r.elapsed_ms}};
  }
  Reply reply;
  reply.body = json::object{{"job_id", IdString(job.id)},
                            {"file_name", job.file_name},
                            {"status", job.status},
                            {"done", job.done},
                            {"total", job.total},
                            {"dry_run", job.dry_run},
                            {"report", std::move(report)},
                            {"issues", std::move(issues)},
                            {"issues_total", job.issues_total},
                            {"error", job.error.empty() ? json::value(nullptr)
                                                        : json::value(json::string(job.error))},
                            {"created_ms", job.created_ms},
                            {"started_ms", job.started_ms},
                            {"finished_ms", job.finished_ms}};
  return reply;
}

// POST /api/v1/ingest/{kind} {items: [...]} with an Idempotency-Key header: the bank's feed.
Result<Reply> IngestItems(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(crm::IngestResponse r,
                        ctx.api.ingest().Apply(ctx.params.at("kind"),
                                               ctx.request.Header("idempotency-key"),
                                               ctx.request.body, ctx.auth->user.username));
  Reply reply;
  reply.status = r.http_status;
  reply.body = json::parse(r.body);
  // Error codes are search documents of the knowledge base: rebuild its index so the feed's
  // codes are found at once (a few thousand codes and entries take milliseconds).
  if (ctx.params.at("kind") == "error_codes" && !r.replayed &&
      reply.body.as_object().at("accepted").to_number<int64_t>() > 0) {
    if (Status loaded = ctx.api.kb().Load(); !loaded.ok()) {
      spdlog::warn("knowledge base reload after the error-code feed failed: {}",
                   loaded.ToString());
    }
  }
  if (r.replayed) {
    reply.headers.emplace_back("Idempotent-Replayed", "true");
  }
  return reply;
}

}  // namespace

void AppendCustomerRoutes(std::vector<Route>& routes) {
  using P = Permission;
  std::vector<Route> mine = {
      {"GET", "/api/v1/customers/lookup", LookupCustomer, Access::kPermission, P::kDesktopUse,
       "default",
       "Customer 360 (screen pop) by one of customer_id, mobile, id_number, wechat_openid or cif "
       "(query). An unknown mobile or openid answers {found: false, unknown_caller: true}. "
       "unmask=true returns mobile, ID number and e-mail in full (needs pii.unmask; audited)",
       {}},
      {"GET", "/api/v1/customers", SearchCustomers, Access::kPermission, P::kDesktopUse,
       "default", "Search customers by name prefix, mobile, ID number or customer number (q)",
       {}},
      {"POST", "/api/v1/customers", CreateProspect, Access::kPermission, P::kCustomersWrite,
       "default", "Create a prospect (潜在客户) for an unknown caller",
       {{"mobile", FieldType::kString, true, "the caller's mobile"},
        {"name", FieldType::kString, false, "name if known; default 未知来电 + masked mobile"}},
       false, 201},
      {"PATCH", "/api/v1/customers/{id}", UpdateCustomer, Access::kPermission,
       P::kCustomersWrite, "default", "Edit a customer's profile (absent fields stay)",
       {{"name", FieldType::kString, false, "1–50 characters"},
        {"gender", FieldType::kString, false, "male|female"},
        {"tier", FieldType::kString, false, "standard|gold|platinum|private"},
        {"segment", FieldType::kString, false, "segment code"},
        {"customer_type", FieldType::kString, false, "type, e.g. senior"},
        {"preferred_script", FieldType::kString, false, "simplified|traditional"},
        {"tags", FieldType::kStringArray, false, "the whole tag set"},
        {"marketing_consent", FieldType::kBool, false, "consents to marketing messages"},
        {"mobile", FieldType::kString, false, "new primary mobile (replaces the old one)"},
        {"email", FieldType::kString, false, "new primary e-mail (replaces the old one)"}},
       false, 204},
      {"POST", "/api/v1/customers/{id}/owner", ChangeOwner, Access::kPermission,
       P::kCustomersOwner, "default", "Change (or clear with null) the owner 专属负责人",
       {{"agent_id", FieldType::kString, false, "agent id, or null to clear"}}},
      {"GET", "/api/v1/customers/{id}/follow-ups", ListFollowUps, Access::kPermission,
       P::kDesktopUse, "default", "Follow-up records, newest first", {}, true},
      {"POST", "/api/v1/customers/{id}/follow-ups", AddFollowUp, Access::kPermission,
       P::kDesktopUse, "default", "Record a follow-up (跟进记录)",
       {{"channel", FieldType::kString, true, "phone|chat|wechat|email|sms|visit|other"},
        {"content", FieldType::kString, true, "1–2000 characters"},
        {"next_step", FieldType::kString, false, "what happens next"},
        {"due_ms", FieldType::kInt, false, "when the next step is due (ms)"}},
       false, 201},
      {"POST", "/api/v1/follow-ups/{id}/done", CompleteFollowUp, Access::kPermission,
       P::kDesktopUse, "default", "Mark a follow-up done", {}, false, 204},
      {"POST", "/api/v1/customers/import", ImportCustomersUpload, Access::kPermission,
       P::kCustomersImport, "default",
       "Import customers from an uploaded .xlsx/.csv/.jsonl (base64); returns counts and the "
       "first 500 issues",
       {{"file_name", FieldType::kString, true, "e.g. 客户.xlsx (the extension picks the reader)"},
        {"content_base64", FieldType::kString, true, "the file, base64"},
        {"merge", FieldType::kString, false, "fill (default) or overwrite"},
        {"dry_run", FieldType::kBool, false, "check only"}}},
      {"POST", "/api/v1/customers/import-jobs", SubmitImportJob, Access::kPermission,
       P::kCustomersImport, "default",
       "Upload a customer file (.xlsx/.csv/.jsonl bytes, up to server.max_upload_bytes) for a "
       "background import; query: file_name (required), merge=fill|overwrite, dry_run=true; "
       "202 with the job id",
       {}, false, 202, /*upload=*/true},
      {"GET", "/api/v1/customers/import-jobs/{id}", GetImportJob, Access::kPermission,
       P::kCustomersImport, "default",
       "An import job: queued/running/done/failed, rows done of total, the report and the "
       "first 500 issues",
       {}},
      {"POST", "/api/v1/ingest/{kind}", IngestItems, Access::kPermission, P::kIngestWrite,
       "default",
       "The bank's data feed: up to 1,000 items of one kind (customers, cards, accounts, loans, "
       "applications, transactions, journey, sms, interactions, tickets, surveys, error_codes) "
       "with an Idempotency-Key header; "
       "items name their customer by cif or customer_id; bad items are reported by index",
       {{"items", FieldType::kObjectArray, true, "the items"}}},
  };
  routes.insert(routes.end(), std::make_move_iterator(mine.begin()),
                std::make_move_iterator(mine.end()));
}

}  // namespace kefu::api::internal
