// Knowledge base routes (#7): search, exact code lookup, entries with versions, favourites,
// import and export. Thin: decode, call kb::KnowledgeBase, map to JSON.

#include <array>
#include <charconv>

#include "internal/impl.h"
#include "internal/kb_routes.h"
#include "kefu/kb/knowledge_base.h"

namespace kefu::api::internal {
namespace {

json::value OptStr(const std::optional<std::string>& s) {
  return s ? json::value(json::string(*s)) : json::value(nullptr);
}

json::value OptNum(const std::optional<int64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::value EntryJson(const kb::Entry& e) {
  boost::system::error_code ec;
  json::value v = json::parse(kb::EntryToJson(e), ec);
  return ec ? json::value(json::object()) : v;
}

std::string_view FieldName(search::Field f) {
  switch (f) {
    case search::Field::kQuestion: return "question";
    case search::Field::kSimilar: return "similar";
    case search::Field::kAnswer: return "answer";
    case search::Field::kTags: return "tags";
  }
  return "answer";
}

std::string QueryParam(const Ctx& ctx, const char* name) {
  auto it = ctx.query.find(name);
  return it == ctx.query.end() ? std::string() : it->second;
}

std::vector<std::string> SplitComma(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view part = s.substr(0, comma);
    if (!part.empty()) {
      out.emplace_back(part);
    }
    s = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 1);
  }
  return out;
}

// GET /api/v1/kb/search?q=&type=&category=&region=&card_type=&limit=&customer_facing=
Result<Reply> SearchKb(Ctx& ctx) {
  kb::SearchRequest request;
  request.text = QueryParam(ctx, "q");
  request.kinds = SplitComma(QueryParam(ctx, "type"));
  request.category = QueryParam(ctx, "category");
  request.regions = SplitComma(QueryParam(ctx, "region"));
  request.card_type = QueryParam(ctx, "card_type");
  request.customer_facing_only = QueryParam(ctx, "customer_facing") == "true";
  std::string limit = QueryParam(ctx, "limit");
  if (!limit.empty()) {
    size_t n = 0;
    auto [p, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), n);
    if (ec != std::errc() || p != limit.data() + limit.size()) {
      return InvalidArgumentError("limit must be 1–100", "limit");
    }
    request.limit = n;
  }
  KEFU_ASSIGN_OR_RETURN(kb::SearchResult result, ctx.api.kb().Search(request));
  json::array items;
  for (const kb::SearchHit& h : result.hits) {
    json::array highlights;
    for (const search::Highlight& hl : h.highlights) {
      highlights.push_back(json::object{{"field", FieldName(hl.field)},
                                        {"index", hl.index},
                                        {"text", hl.text},
                                        {"html", hl.html}});
    }
    items.push_back(json::object{{"id", h.id > 0 ? json::value(IdString(h.id)) : nullptr},
                                 {"kind", h.kind},
                                 {"title", h.title},
                                 {"code", OptStr(h.code)},
                                 {"category", h.category},
                                 {"preview", h.preview},
                                 {"score", h.score},
                                 {"code_match", h.code_match},
                                 {"region_match", h.region_match},
                                 {"card_type_match", h.card_type_match},
                                 {"date_match", h.date_match},
                                 {"expired", h.expired},
                                 {"valid_from_ms", OptNum(h.valid_from_ms)},
                                 {"valid_to_ms", OptNum(h.valid_to_ms)},
                                 {"highlights", std::move(highlights)}});
  }
  json::value window = nullptr;
  if (result.window) {
    window = json::object{{"phrase", result.window->phrase},
                          {"from_ms", result.window->from_ms},
                          {"to_ms", result.window->to_ms}};
  }
  Reply reply;
  reply.body = json::object{{"items", std::move(items)}, {"window", window}, {"text", result.text}};
  return reply;
}

json::object ErrorCodeJson(const kb::ErrorCode& c) {
  return json::object{{"code", c.code},         {"reason", c.reason},
                      {"advice", c.advice},     {"channel", c.channel},
                      {"category", c.category}, {"updated_ms", c.updated_ms},
                      {"version", c.version},   {"updated_by", c.updated_by}};
}

// The entry with its related entries resolved: "related": [{id, kind, title}], skipping
// entries deleted since they were linked.
Result<json::value> EntryWithRelated(Ctx& ctx, const kb::Entry& e) {
  KEFU_ASSIGN_OR_RETURN(std::vector<kb::RelatedEntry> related, ctx.api.kb().Related(e));
  json::array items;
  for (const kb::RelatedEntry& r : related) {
    items.push_back(json::object{{"id", IdString(r.id)}, {"kind", r.kind}, {"title", r.title}});
  }
  json::value body = EntryJson(e);
  body.as_object()["related"] = std::move(items);
  return body;
}

// GET /api/v1/kb/codes/{code}
Result<Reply> LookupCode(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(kb::CodeLookup found, ctx.api.kb().LookupCode(ctx.params["code"]));
  json::value error_code = nullptr;
  if (found.error_code) {
    error_code = ErrorCodeJson(*found.error_code);
  }
  json::value entry = nullptr;
  if (found.entry) {
    KEFU_ASSIGN_OR_RETURN(entry, EntryWithRelated(ctx, *found.entry));
  }
  Reply reply;
  reply.body = json::object{{"kind", found.kind},
                            {"expired", found.expired},
                            {"entry", std::move(entry)},
                            {"error_code", error_code}};
  return reply;
}

Result<size_t> Offset(const Ctx& ctx) {
  size_t offset = 0;
  std::string cursor = ctx.Cursor();
  if (!cursor.empty()) {
    auto [p, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), offset);
    if (ec != std::errc() || p != cursor.data() + cursor.size()) {
      return InvalidArgumentError("cursor is not one this API returned", "cursor");
    }
  }
  return offset;
}

// One page of an offset-paged list: `items` was read with limit + 1 rows, so an extra row
// means there is a next page, whose cursor is its offset.
template <typename T, typename ToJson>
Reply OffsetPage(std::vector<T> items, size_t limit, size_t offset, int64_t total,
                 ToJson to_json) {
  json::value next = nullptr;
  if (items.size() > limit) {
    items.resize(limit);
    next = json::string(std::to_string(offset + limit));
  }
  json::array out;
  for (const T& item : items) {
    out.push_back(to_json(item));
  }
  Reply reply;
  reply.body = json::object{{"items", std::move(out)}, {"next_cursor", next}, {"total", total}};
  return reply;
}

// GET /api/v1/kb/entries?kind=&category=&uncategorised=&limit=&cursor=<offset>
// (uncategorised=true: only the entries without a category)
Result<Reply> ListEntries(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(size_t offset, Offset(ctx));
  size_t limit = static_cast<size_t>(ctx.Limit());
  const std::string kind = QueryParam(ctx, "kind");
  const std::string named = QueryParam(ctx, "category");
  const std::string uncategorised = QueryParam(ctx, "uncategorised");
  if (!uncategorised.empty() && uncategorised != "true" && uncategorised != "false") {
    return InvalidArgumentError("uncategorised must be true or false", "uncategorised");
  }
  if (uncategorised == "true" && !named.empty()) {
    return InvalidArgumentError("give category or uncategorised=true, not both", "category");
  }
  std::optional<std::string_view> category;
  if (uncategorised == "true") {
    category = "";
  } else if (!named.empty()) {
    category = named;
  }
  KEFU_ASSIGN_OR_RETURN(std::vector<kb::Entry> entries,
                        ctx.api.kb().List(kind, category, limit + 1, offset));
  KEFU_ASSIGN_OR_RETURN(int64_t total, ctx.api.kb().Count(kind, category));
  return OffsetPage(std::move(entries), limit, offset, total,
                    [](const kb::Entry& e) { return EntryJson(e); });
}

// GET /api/v1/kb/categories
Result<Reply> ListCategories(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(std::vector<kb::CategoryCount> counts, ctx.api.kb().Categories());
  json::array items;
  for (const kb::CategoryCount& c : counts) {
    items.push_back(json::object{{"kind", c.kind}, {"category", c.category}, {"count", c.count}});
  }
  Reply reply;
  reply.body = json::object{{"items", std::move(items)}};
  return reply;
}

Result<bool> IsFavourite(Ctx& ctx, int64_t id) {
  KEFU_ASSIGN_OR_RETURN(std::vector<kb::Entry> favs, ctx.api.kb().Favourites(ctx.auth->user.id));
  for (const kb::Entry& e : favs) {
    if (e.id == id) {
      return true;
    }
  }
  return false;
}

// GET /api/v1/kb/entries/{id}
Result<Reply> GetEntry(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(int64_t id, ctx.IdParam("id"));
  KEFU_ASSIGN_OR_RETURN(kb::Entry e, ctx.api.kb().Get(id));
  KEFU_ASSIGN_OR_RETURN(bool favourite, IsFavourite(ctx, id));
  KEFU_ASSIGN_OR_RETURN(json::value body, EntryWithRelated(ctx, e));
  body.as_object()["favourite"] = favourite;
  Reply reply;
  reply.body = std::move(body);
  return reply;
}

std::string Actor(const Ctx& ctx) { return ctx.auth->user.username; }

// POST /api/v1/kb/entries
Result<Reply> CreateEntry(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(kb::Entry e, kb::EntryFromJson(json::serialize(ctx.body)));
  KEFU_ASSIGN_OR_RETURN(kb::Entry saved, ctx.api.kb().Create(std::move(e), Actor(ctx)));
  KEFU_RETURN_IF_ERROR(ctx.api.audit().Append(
      ctx.ToActor(), {"kb.create", "kb_entry", IdString(saved.id),
                      json::serialize(json::object{{"kind", saved.kind}, {"title", saved.title}})}));
  Reply reply;
  reply.status = 201;
  reply.body = EntryJson(saved);
  return reply;
}

// PATCH /api/v1/kb/entries/{id}: absent fields stay; `version` guards against lost updates.
Result<Reply> UpdateEntry(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(int64_t id, ctx.IdParam("id"));
  KEFU_ASSIGN_OR_RETURN(kb::Entry current, ctx.api.kb().Get(id));
  std::optional<int64_t> expected;
  if (const json::value* v = ctx.Body().if_contains("version"); v && !v->is_null()) {
    expected = v->to_number<int64_t>();
  }
  KEFU_ASSIGN_OR_RETURN(kb::Entry patched,
                        kb::EntryFromJson(json::serialize(ctx.body), std::move(current)));
  KEFU_ASSIGN_OR_RETURN(kb::Entry saved,
                        ctx.api.kb().Update(id, std::move(patched), Actor(ctx), expected));
  KEFU_RETURN_IF_ERROR(ctx.api.audit().Append(
      ctx.ToActor(), {"kb.update", "kb_entry", IdString(id),
                      json::serialize(json::object{{"version", saved.version}})}));
  Reply reply;
  reply.body = EntryJson(saved);
  return reply;
}

// DELETE /api/v1/kb/entries/{id}
Result<Reply> DeleteEntry(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(int64_t id, ctx.IdParam("id"));
  KEFU_RETURN_IF_ERROR(ctx.api.kb().Delete(id, Actor(ctx)));
  KEFU_RETURN_IF_ERROR(ctx.api.audit().Append(ctx.ToActor(),
                                              {"kb.delete", "kb_entry", IdString(id), "{}"}));
  return Reply{};
}

// The history of an entry or an error code (kb::Version, kb::ErrorCodeVersion): one page,
// each saved state under `state_key` (null if its stored JSON does not parse).
template <typename V>
Reply VersionsReply(const std::vector<V>& versions, std::string_view state_key) {
  json::array items;
  for (const V& v : versions) {
    boost::system::error_code ec;
    json::value state = json::parse(v.entry_json, ec);
    items.push_back(json::object{{"version", v.version},
                                 {"action", v.action},
                                 {"changed_by", v.changed_by},
                                 {"changed_ms", v.changed_ms},
                                 {state_key, ec ? json::value(nullptr) : std::move(state)}});
  }
  Reply reply;
  reply.body = json::object{{"items", std::move(items)}, {"next_cursor", nullptr}};
  return reply;
}

// GET /api/v1/kb/entries/{id}/versions
Result<Reply> ListVersions(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(int64_t id, ctx.IdParam("id"));
  KEFU_ASSIGN_OR_RETURN(std::vector<kb::Version> versions, ctx.api.kb().Versions(id));
  return VersionsReply(versions, "entry");
}

// POST / DELETE /api/v1/kb/entries/{id}/favourite
Result<Reply> AddFavourite(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(int64_t id, ctx.IdParam("id"));
  KEFU_RETURN_IF_ERROR(ctx.api.kb().AddFavourite(ctx.auth->user.id, id));
  return Reply{};
}

Result<Reply> RemoveFavourite(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(int64_t id, ctx.IdParam("id"));
  KEFU_RETURN_IF_ERROR(ctx.api.kb().RemoveFavourite(ctx.auth->user.id, id));
  return Reply{};
}

// GET /api/v1/kb/favourites
Result<Reply> ListFavourites(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(std::vector<kb::Entry> favs, ctx.api.kb().Favourites(ctx.auth->user.id));
  json::array items;
  for (const kb::Entry& e : favs) {
    items.push_back(EntryJson(e));
  }
  Reply reply;
  reply.body = json::object{{"items", std::move(items)}, {"next_cursor", nullptr}};
  return reply;
}

// GET /api/v1/kb/error-codes?category=&q=&limit=&cursor=<offset>
Result<Reply> ListErrorCodes(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(size_t offset, Offset(ctx));
  size_t limit = static_cast<size_t>(ctx.Limit());
  const std::string category = QueryParam(ctx, "category");
  const std::string q = QueryParam(ctx, "q");
  KEFU_ASSIGN_OR_RETURN(std::vector<kb::ErrorCode> codes,
                        ctx.api.kb().ListErrorCodes(category, q, limit + 1, offset));
  KEFU_ASSIGN_OR_RETURN(int64_t total, ctx.api.kb().CountErrorCodes(category, q));
  return OffsetPage(std::move(codes), limit, offset, total,
                    [](const kb::ErrorCode& c) { return ErrorCodeJson(c); });
}

// PUT /api/v1/kb/error-codes/{code}: creates or edits; `version` guards against lost updates,
// `create` refuses a code that exists.
Result<Reply> PutErrorCode(Ctx& ctx) {
  kb::ErrorCode c;
  c.code = ctx.params["code"];
  c.reason = ctx.BodyString("reason");
  c.advice = ctx.BodyString("advice");
  c.channel = ctx.BodyString("channel");
  c.category = ctx.BodyString("category");
  std::optional<int64_t> expected;
  if (const json::value* v = ctx.Body().if_contains("version"); v && !v->is_null()) {
    expected = v->to_number<int64_t>();
  }
  bool create_only = false;
  if (const json::value* v = ctx.Body().if_contains("create"); v && v->is_bool()) {
    create_only = v->as_bool();
  }
  KEFU_ASSIGN_OR_RETURN(kb::ErrorCodeWrite w,
                        ctx.api.kb().PutErrorCode(std::move(c), Actor(ctx), expected, create_only));
  if (!w.action.empty()) {
    KEFU_RETURN_IF_ERROR(ctx.api.audit().Append(
        ctx.ToActor(), {"kb.error_code." + w.action, "error_code", w.code.code,
                        json::serialize(json::object{{"version", w.code.version}})}));
  }
  Reply reply;
  reply.status = w.action == "create" ? 201 : 200;
  reply.body = ErrorCodeJson(w.code);
  return reply;
}

// DELETE /api/v1/kb/error-codes/{code}
Result<Reply> DeleteErrorCode(Ctx& ctx) {
  const std::string code = kb::NormalizeCode(ctx.params["code"]);
  KEFU_RETURN_IF_ERROR(ctx.api.kb().DeleteErrorCode(code, Actor(ctx)));
  KEFU_RETURN_IF_ERROR(
      ctx.api.audit().Append(ctx.ToActor(), {"kb.error_code.delete", "error_code", code, "{}"}));
  return Reply{};
}

// GET /api/v1/kb/error-codes/{code}/versions
Result<Reply> ListErrorCodeVersions(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(std::vector<kb::ErrorCodeVersion> versions,
                        ctx.api.kb().ErrorCodeVersions(ctx.params["code"]));
  return VersionsReply(versions, "error_code");
}

std::string EncodeBase64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < in.size()) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) {
      n |= static_cast<uint8_t>(in[i + 1]) << 8;
    }
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// POST /api/v1/kb/import {file_name, content_base64, dry_run?}
Result<Reply> ImportKb(Ctx& ctx) {
  std::string name = ctx.BodyString("file_name");
  if (name.empty() || name.size() > 200 || name.find('/') != std::string::npos) {
    return InvalidArgumentError("file_name must be a file name such as 知识库.xlsx", "file_name");
  }
  KEFU_ASSIGN_OR_RETURN(std::string bytes, DecodeBase64(ctx.BodyString("content_base64")));
  bool dry_run = false;
  if (const json::value* d = ctx.Body().if_contains("dry_run"); d && d->is_bool()) {
    dry_run = d->as_bool();
  }
  KEFU_ASSIGN_OR_RETURN(kb::ImportReport report,
                        ctx.api.kb().Import(name, bytes, Actor(ctx), dry_run));
  KEFU_RETURN_IF_ERROR(ctx.api.audit().Append(
      ctx.ToActor(), {"kb.import", "kb", name,
                      json::serialize(json::object{{"rows", report.rows},
                                                   {"inserted", report.inserted},
                                                   {"updated", report.updated},
                                                   {"rejected", report.rejected},
                                                   {"dry_run", dry_run}})}));
  json::array issues;
  for (const kb::ImportIssue& i : report.issues) {
    if (issues.size() >= 500) {
      break;
    }
    issues.push_back(json::object{
        {"sheet", i.sheet}, {"line", i.line}, {"column", i.column}, {"reason", i.reason}});
  }
  Reply reply;
  reply.body = json::object{{"rows", report.rows},         {"inserted", report.inserted},
                            {"updated", report.updated},   {"unchanged", report.unchanged},
                            {"rejected", report.rejected}, {"issues", std::move(issues)},
                            {"dry_run", dry_run}};
  return reply;
}

// GET /api/v1/kb/export?format=json|xlsx: JSON is the body itself; a workbook comes base64 in
// {file_name, content_base64} (the API speaks JSON only).
Result<Reply> ExportKb(Ctx& ctx) {
  std::string format = QueryParam(ctx, "format");
  Reply reply;
  if (format.empty() || format == "json") {
    KEFU_ASSIGN_OR_RETURN(std::string text, ctx.api.kb().ExportJson());
    boost::system::error_code ec;
    reply.body = json::parse(text, ec);
    if (ec) {
      return InternalError("the export is not valid JSON");
    }
  } else if (format == "xlsx") {
    KEFU_ASSIGN_OR_RETURN(std::string bytes, ctx.api.kb().ExportXlsx());
    reply.body = json::object{{"file_name", "knowledge-base.xlsx"},
                              {"content_base64", EncodeBase64(bytes)}};
  } else {
    return InvalidArgumentError("format must be json or xlsx", "format");
  }
  KEFU_RETURN_IF_ERROR(ctx.api.audit().Append(
      ctx.ToActor(), {"kb.export", "kb", "", json::serialize(json::object{{"format", format}})}));
  return reply;
}

const std::vector<Field>& EntryBody(bool create) {
  static const std::vector<Field> kCreate = {
      {"kind", FieldType::kString, true, "faq|phrase|link|article|activity"},
      {"title", FieldType::kString, true, "standard question / title, 1–200 characters"},
      {"similar_questions", FieldType::kStringArray, false, "paraphrases (相似问题)"},
      {"body", FieldType::kString, false, "answer, phrase text, description"},
      {"category", FieldType::kString, false, "category (分类)"},
      {"tags", FieldType::kStringArray, false, "tags (标签)"},
      {"visibility", FieldType::kString, false, "agent_only (default) | customer"},
      {"valid_from_ms", FieldType::kInt, false, "UTC ms; start"},
      {"valid_to_ms", FieldType::kInt, false, "UTC ms, exclusive; end (expires)"},
      {"shortcut", FieldType::kString, false, "phrases: shortcut such as /nh"},
      {"url", FieldType::kString, false, "links: http(s) URL"},
      {"code", FieldType::kString, false, "activities: activity code (活动代码)"},
      {"terms", FieldType::kString, false, "activities: rules (活动规则)"},
      {"regions", FieldType::kStringArray, false, "activities: provinces/cities; [] = national"},
      {"card_types", FieldType::kStringArray, false, "activities: 金卡/普卡/联名卡 …; [] = all"},
      {"sms_text", FieldType::kString, false, "activities: the SMS that carried the code"},
      {"related_ids", FieldType::kStringArray, false, "related FAQ entry ids"},
  };
  static const std::vector<Field> kPatch = [] {
    std::vector<Field> fields = kCreate;
    for (Field& f : fields) {
      f.required = false;
    }
    fields.push_back({"version", FieldType::kInt, false,
                      "the version being edited; 409 aborted if someone changed it since"});
    return fields;
  }();
  return create ? kCreate : kPatch;
}

}  // namespace

void AppendKbRoutes(std::vector<Route>& routes) {
  using P = Permission;
  std::vector<Route> mine = {
      {"GET", "/api/v1/kb/search", SearchKb, Access::kPermission, P::kKbRead, "default",
       "Search the knowledge base (q; type, category, region, card_type, limit, "
       "customer_facing): ranked hits with highlights, re-ranked by the customer's region and "
       "card and by a period named in q (上个月, 上周 …)",
       {}},
      {"GET", "/api/v1/kb/codes/{code}", LookupCode, Access::kPermission, P::kKbRead, "default",
       "Exact lookup of an activity code, error code or phrase shortcut", {}},
      {"GET", "/api/v1/kb/entries", ListEntries, Access::kPermission, P::kKbRead, "default",
       "List entries (kind; category, or uncategorised=true for those without one), newest "
       "change first, with the total matching",
       {}, true},
      {"POST", "/api/v1/kb/entries", CreateEntry, Access::kPermission, P::kKbWrite, "default",
       "Create an entry", EntryBody(true), false, 201},
      {"GET", "/api/v1/kb/entries/{id}", GetEntry, Access::kPermission, P::kKbRead, "default",
       "One entry, with whether the caller marked it favourite", {}},
      {"PATCH", "/api/v1/kb/entries/{id}", UpdateEntry, Access::kPermission, P::kKbWrite,
       "default", "Edit an entry (absent fields stay); a change makes a new version",
       EntryBody(false)},
      {"DELETE", "/api/v1/kb/entries/{id}", DeleteEntry, Access::kPermission, P::kKbWrite,
       "default", "Delete an entry (its history stays)", {}, false, 204},
      {"GET", "/api/v1/kb/entries/{id}/versions", ListVersions, Access::kPermission, P::kKbRead,
       "default", "Every version of an entry: who changed what, when", {}},
      {"POST", "/api/v1/kb/entries/{id}/favourite", AddFavourite, Access::kPermission,
       P::kKbRead, "default", "Mark an entry favourite (per user)", {}, false, 204},
      {"DELETE", "/api/v1/kb/entries/{id}/favourite", RemoveFavourite, Access::kPermission,
       P::kKbRead, "default", "Unmark a favourite", {}, false, 204},
      {"GET", "/api/v1/kb/favourites", ListFavourites, Access::kPermission, P::kKbRead,
       "default", "The caller's favourite entries", {}},
      {"POST", "/api/v1/kb/import", ImportKb, Access::kPermission, P::kKbWrite, "default",
       "Import entries and error codes from an uploaded .json or .xlsx (base64); bad rows are "
       "reported with sheet, row and column, good rows land; re-running changes nothing",
       {{"file_name", FieldType::kString, true, "e.g. 知识库.xlsx (the extension picks the reader)"},
        {"content_base64", FieldType::kString, true, "the file, base64"},
        {"dry_run", FieldType::kBool, false, "check only"}}},
      {"GET", "/api/v1/kb/categories", ListCategories, Access::kPermission, P::kKbRead,
       "default",
       "Categories with their entry counts per kind, and error codes per category (kind "
       "error_code)",
       {}},
      {"GET", "/api/v1/kb/error-codes", ListErrorCodes, Access::kPermission, P::kKbRead,
       "default", "List error codes by code (category; q: start of the code or part of the "
       "reason), with their version and who last changed them",
       {}, true},
      {"PUT", "/api/v1/kb/error-codes/{code}", PutErrorCode, Access::kPermission, P::kKbWrite,
       "default",
       "Create or edit an error code; a change makes a new version (an edit that changes "
       "nothing keeps it); 201 when created",
       {{"reason", FieldType::kString, true, "why the transaction failed (原因), 1–200 characters"},
        {"advice", FieldType::kString, true, "what to tell the customer (处理建议)"},
        {"channel", FieldType::kString, false,
         "all (default) | pos | atm | online_banking | mobile_banking | quick_pay | counter"},
        {"category", FieldType::kString, false, "category (分类)"},
        {"version", FieldType::kInt, false,
         "the version being edited (0: a code never changed here); 409 aborted if someone "
         "changed it since"},
        {"create", FieldType::kBool, false, "true: refuse (409 already_exists) if it exists"}}},
      {"DELETE", "/api/v1/kb/error-codes/{code}", DeleteErrorCode, Access::kPermission,
       P::kKbWrite, "default",
       "Delete an error code (its history stays); 409 failed_precondition while transactions "
       "name it",
       {}, false, 204},
      {"GET", "/api/v1/kb/error-codes/{code}/versions", ListErrorCodeVersions,
       Access::kPermission, P::kKbRead, "default",
       "Every version of an error code: who changed what, when", {}},
      {"GET", "/api/v1/kb/export", ExportKb, Access::kPermission, P::kKbWrite, "default",
       "Export every entry and error code: format=json (the body) or xlsx (base64)", {}},
  };
  routes.insert(routes.end(), std::make_move_iterator(mine.begin()),
                std::make_move_iterator(mine.end()));
}

}  // namespace kefu::api::internal
