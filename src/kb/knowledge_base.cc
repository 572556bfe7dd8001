// The knowledge base service: entries in the store, the search index in memory.

#include "kefu/kb/knowledge_base.h"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <set>

#include "internal/dates.h"
#include "internal/entry_json.h"
#include "internal/text_util.h"
#include "internal/validate.h"
#include "kefu/core/text.h"

namespace kefu::kb {
namespace json = boost::json;
using internal::Utf8Prefix;

// What the re-ranking and the hit list need of a document without reading the store.
struct KnowledgeBase::Meta {
  std::string kind;
  std::string title;
  std::optional<std::string> code;
  std::string category;
  std::string preview;
  std::vector<std::string> regions;
  std::vector<std::string> card_types;
  std::optional<int64_t> valid_from_ms;
  std::optional<int64_t> valid_to_ms;
};

namespace {

constexpr std::string_view kColumns =
    "id, kind, title, similar_questions, body, category, tags, visibility, valid_from_ms, "
    "valid_to_ms, shortcut, url, code, terms, regions, card_types, sms_text, related_ids, "
    "version, updated_by, created_ms, updated_ms";

// Error codes with their latest version (error_code_versions) and who made it.
constexpr std::string_view kErrorCodeSelect =
    "SELECT e.code, e.reason, e.advice, e.channel, e.category, e.updated_ms, "
    "COALESCE(v.version, 0), COALESCE(v.changed_by, '') FROM error_codes e "
    "LEFT JOIN error_code_versions v ON v.code = e.code AND v.version = "
    "(SELECT max(w.version) FROM error_code_versions w WHERE w.code = e.code)";

ErrorCode ErrorCodeFromRow(const store::Row& r) {
  ErrorCode c;
  c.code = r.Text(0);
  c.reason = r.Text(1);
  c.advice = r.Text(2);
  c.channel = r.Text(3);
  c.category = r.Text(4);
  c.updated_ms = r.Int64(5);
  c.version = r.Int64(6);
  c.updated_by = r.Text(7);
  return c;
}

// The WHERE clause of an error-code listing: $1 category, $2 code prefix, $3 reason part.
constexpr std::string_view kErrorCodeWhere =
    " WHERE ($1 = '' OR e.category = $1) AND ($2 = '' OR e.code LIKE $2 ESCAPE '\\' OR "
    "e.reason LIKE $3 ESCAPE '\\')";

std::string LikeEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

std::vector<std::string> ParseList(const std::string& text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (!ec && v.is_array()) {
    for (const json::value& item : v.as_array()) {
      if (item.is_string()) {
        out.emplace_back(item.as_string());
      } else if (item.is_int64()) {
        out.push_back(std::to_string(item.as_int64()));
      }
    }
  }
  return out;
}

std::string ListText(const std::vector<std::string>& list) {
  return json::serialize(internal::Strings(list));
}

Entry EntryFromRow(const store::Row& r) {
  Entry e;
  e.id = r.Int64(0);
  e.kind = r.Text(1);
  e.title = r.Text(2);
  e.similar_questions = ParseList(r.Text(3));
  e.body = r.Text(4);
  e.category = r.Text(5);
  e.tags = ParseList(r.Text(6));
  e.visibility = r.Text(7);
  e.valid_from_ms = r.OptInt64(8);
  e.valid_to_ms = r.OptInt64(9);
  e.shortcut = r.OptText(10);
  e.url = r.OptText(11);
  e.code = r.OptText(12);
  e.terms = r.OptText(13);
  e.regions = ParseList(r.Text(14));
  e.card_types = ParseList(r.Text(15));
  e.sms_text = r.OptText(16);
  for (const std::string& id : ParseList(r.Text(17))) {
    int64_t v = 0;
    if (std::from_chars(id.data(), id.data() + id.size(), v).ec == std::errc()) {
      e.related_ids.push_back(v);
    }
  }
  e.version = r.Int64(18);
  e.updated_by = r.Text(19);
  e.created_ms = r.Int64(20);
  e.updated_ms = r.Int64(21);
  return e;
}

std::string Trim(std::string_view s) {
  std::string half = text::ToHalfWidth(s);
  size_t b = half.find_first_not_of(" \t\r\n");
  size_t e = half.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : half.substr(b, e - b + 1);
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Trims every item, drops empty ones and repeats, keeps the order.
Status CleanList(std::vector<std::string>& list, std::string_view field, size_t max_items,
                 size_t max_chars) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const std::string& item : list) {
    KEFU_RETURN_IF_ERROR(text::ValidateUtf8(item, field));
    std::string t = Trim(item);
    if (t.empty() || !seen.insert(t).second) {
      continue;
    }
    if (text::CodePointCount(t) > max_chars) {
      return InvalidArgumentError(std::string(field) + ": each item at most " +
                                      std::to_string(max_chars) + " characters",
                                  std::string(field));
    }
    out.push_back(std::move(t));
  }
  if (out.size() > max_items) {
    return InvalidArgumentError(
        std::string(field) + ": at most " + std::to_string(max_items) + " items",
        std::string(field));
  }
  list = std::move(out);
  return OkStatus();
}

Status CleanOpt(std::optional<std::string>& s, std::string_view field, size_t max_chars) {
  if (!s) {
    return OkStatus();
  }
  KEFU_RETURN_IF_ERROR(text::ValidateUtf8(*s, field));
  std::string t = field == "sms_text" || field == "terms" ? *s : Trim(*s);
  if (Trim(t).empty()) {
    s.reset();
    return OkStatus();
  }
  if (text::CodePointCount(t) > max_chars) {
    return InvalidArgumentError(
        std::string(field) + " is at most " + std::to_string(max_chars) + " characters",
        std::string(field));
  }
  s = std::move(t);
  return OkStatus();
}

bool ValidCode(std::string_view code) {
  if (code.size() < 2 || code.size() > 32) {
    return false;
  }
  return std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

}  // namespace

namespace internal {

Status ValidateEntry(Entry& e) {
  e.kind = Trim(e.kind);
  if (std::find(std::begin(kKinds), std::end(kKinds), e.kind) == std::end(kKinds)) {
    return InvalidArgumentError("kind must be faq, phrase, link, article or activity", "kind");
  }
  for (std::string* s : {&e.title, &e.body, &e.category, &e.visibility}) {
    KEFU_RETURN_IF_ERROR(text::ValidateUtf8(*s));
  }
  e.title = Trim(e.title);
  e.category = Trim(e.category);
  if (e.title.empty() || text::CodePointCount(e.title) > 200) {
    return InvalidArgumentError("title must be 1–200 characters (标题)", "title");
  }
  if (text::CodePointCount(e.body) > 20000) {
    return InvalidArgumentError("body is at most 20,000 characters", "body");
  }
  if (text::CodePointCount(e.category) > 50) {
    return InvalidArgumentError("category is at most 50 characters", "category");
  }
  if ((e.kind == "faq" || e.kind == "phrase" || e.kind == "article") && Trim(e.body).empty()) {
    return InvalidArgumentError(e.kind == "faq" ? "an FAQ needs an answer (答案)"
                                                : "body must not be empty (内容)",
                                "body");
  }
  if (e.visibility.empty()) {
    e.visibility = "agent_only";
  }
  if (e.visibility != "agent_only" && e.visibility != "customer") {
    return InvalidArgumentError("visibility must be agent_only or customer", "visibility");
  }
  KEFU_RETURN_IF_ERROR(CleanList(e.similar_questions, "similar_questions", 50, 200));
  KEFU_RETURN_IF_ERROR(CleanList(e.tags, "tags", 30, 30));
  KEFU_RETURN_IF_ERROR(CleanList(e.regions, "regions", 100, 30));
  KEFU_RETURN_IF_ERROR(CleanList(e.card_types, "card_types", 30, 30));
  KEFU_RETURN_IF_ERROR(CleanOpt(e.shortcut, "shortcut", 20));
  KEFU_RETURN_IF_ERROR(CleanOpt(e.url, "url", 2000));
  KEFU_RETURN_IF_ERROR(CleanOpt(e.code, "code", 32));
  KEFU_RETURN_IF_ERROR(CleanOpt(e.terms, "terms", 5000));
  KEFU_RETURN_IF_ERROR(CleanOpt(e.sms_text, "sms_text", 500));
  // 全国 / national means no region restriction.
  std::erase_if(e.regions, [](const std::string& r) {
    return r == "全国" || r == "全國" || Lower(r) == "national";
  });
  if (e.shortcut) {
    e.shortcut = Lower(*e.shortcut);
    if (e.shortcut->find_first_of(" \t") != std::string::npos) {
      return InvalidArgumentError("shortcut must not contain spaces", "shortcut");
    }
  }
  if (e.code) {
    e.code = NormalizeCode(*e.code);
    if (!ValidCode(*e.code)) {
      return InvalidArgumentError("code must be 2–32 of A–Z 0–9 - _ (活动代码)", "code");
    }
  }
  if (e.kind == "activity" && !e.code) {
    return InvalidArgumentError("an activity needs its code (活动代码)", "code");
  }
  if (e.kind == "link") {
    if (!e.url || !(e.url->starts_with("http://") || e.url->starts_with("https://"))) {
      return InvalidArgumentError("a link needs a url starting with http:// or https://", "url");
    }
  }
  if (e.valid_from_ms && e.valid_to_ms && *e.valid_from_ms >= *e.valid_to_ms) {
    return InvalidArgumentError("valid_to must be after valid_from (结束日期早于开始日期)",
                                "valid_to_ms");
  }
  // Keep the editor's order (the reader sees them so), drop repeats.
  {
    std::set<int64_t> seen;
    std::erase_if(e.related_ids, [&](int64_t id) { return !seen.insert(id).second; });
  }
  if (e.related_ids.size() > 20) {
    return InvalidArgumentError("related_ids: at most 20 related entries (关联问题)",
                                "related_ids");
  }
  return OkStatus();
}

std::string ContentKey(Entry e) {
  e.id = 0;
  e.version = 0;
  e.updated_by.clear();
  e.created_ms = 0;
  e.updated_ms = 0;
  return EntryToJson(e);
}

}  // namespace internal

namespace {

using internal::ContentKey;

search::Document DocumentOf(const Entry& e) {
  search::Document d;
  d.id = e.id;
  d.type = e.kind;
  d.category = e.category;
  d.visibility =
      e.visibility == "customer" ? search::Visibility::kCustomer : search::Visibility::kAgentOnly;
  d.valid_from_ms = e.valid_from_ms.value_or(0);
  d.valid_to_ms = e.valid_to_ms.value_or(0);
  d.question = e.title;
  d.similar_questions = e.similar_questions;
  d.answer = e.body;
  for (const std::optional<std::string>* extra : {&e.terms, &e.sms_text, &e.url}) {
    if (*extra) {
      d.answer += (d.answer.empty() ? "" : "\n") + **extra;
    }
  }
  d.tags = e.tags;
  d.tags.insert(d.tags.end(), e.regions.begin(), e.regions.end());
  d.tags.insert(d.tags.end(), e.card_types.begin(), e.card_types.end());
  if (e.code) {
    d.codes.push_back(*e.code);
  }
  if (e.shortcut) {
    d.codes.push_back(*e.shortcut);
  }
  for (const std::string& r : e.regions) {
    d.attributes.emplace_back("region", r);
  }
  for (const std::string& c : e.card_types) {
    d.attributes.emplace_back("card_type", c);
  }
  return d;
}

std::string_view ChannelLabel(std::string_view channel) {
  if (channel == "pos") return "POS";
  if (channel == "atm") return "ATM";
  if (channel == "online_banking") return "网银";
  if (channel == "mobile_banking") return "手机银行";
  if (channel == "quick_pay") return "快捷支付";
  if (channel == "counter") return "柜面";
  return "全部渠道";
}

search::Document DocumentOf(const ErrorCode& c, int64_t id) {
  search::Document d;
  d.id = id;
  d.type = std::string(kErrorCodeKind);
  d.category = c.category;
  d.visibility = search::Visibility::kCustomer;
  d.question = c.code + " " + c.reason;
  d.answer = c.advice;
  d.tags = {"错误代码", std::string(ChannelLabel(c.channel))};
  d.codes = {c.code};
  return d;
}

// 广东省 → 广东, 深圳市 → 深圳: the forms people and files use interchangeably.
std::string RegionKey(std::string_view region) {
  std::string r = Trim(region);
  for (std::string_view suffix : {"特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区",
                                  "自治区", "省", "市"}) {
    if (r.size() > suffix.size() + 3 && r.ends_with(suffix)) {
      r.resize(r.size() - suffix.size());
      break;
    }
  }
  return r;
}

// The customer's card, from a label or a tier code.
std::string CardKey(std::string_view card) {
  std::string c = Trim(card);
  std::string l = Lower(c);
  if (l == "gold") return "金卡";
  if (l == "standard" || l == "classic") return "普卡";
  if (l == "platinum") return "白金卡";
  if (l == "co_brand" || l == "cobrand") return "联名卡";
  if (l == "diamond") return "钻石卡";
  return c;
}

}  // namespace

namespace internal {

std::string Utf8Prefix(std::string_view s, size_t max_code_points) {
  size_t count = 0;
  size_t i = 0;
  while (i < s.size()) {
    if (count == max_code_points) {
      return std::string(s.substr(0, i)) + "…";
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    ++count;
  }
  return std::string(s);
}

}  // namespace internal

std::string NormalizeCode(std::string_view code) {
  std::string t = Trim(code);
  std::transform(t.begin(), t.end(), t.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return t;
}

KnowledgeBase::KnowledgeBase(store::Database* db, const Clock* clock, IdGenerator* ids)
    : db_(db), clock_(clock), ids_(ids), index_(std::make_unique<search::Index>()) {}

KnowledgeBase::~KnowledgeBase() = default;

size_t KnowledgeBase::indexed() const { return index_->size(); }

Status KnowledgeBase::Load() {
  std::lock_guard lock(write_mu_);
  return LoadLocked();
}

Status KnowledgeBase::EnsureLoaded() const {
  if (loaded_.load(std::memory_order_acquire)) {
    return OkStatus();
  }
  std::lock_guard lock(write_mu_);
  return loaded_.load(std::memory_order_relaxed) ? OkStatus() : LoadLocked();
}

Result<std::vector<ErrorCode>> KnowledgeBase::AllErrorCodes() const {
  KEFU_ASSIGN_OR_RETURN(store::Rows rows,
                        db_->Query(std::string(kErrorCodeSelect) + " ORDER BY e.code"));
  std::vector<ErrorCode> out;
  for (const store::Row& r : rows) {
    out.push_back(ErrorCodeFromRow(r));
  }
  return out;
}

Status KnowledgeBase::LoadLocked() const {
  std::vector<Entry> entries;
  std::vector<ErrorCode> codes;
  KEFU_RETURN_IF_ERROR(db_->Read([&](store::Session& s) -> Status {
    KEFU_ASSIGN_OR_RETURN(store::Rows rows,
                          s.Query("SELECT " + std::string(kColumns) + " FROM kb_entries"));
    for (const store::Row& r : rows) {
      entries.push_back(EntryFromRow(r));
    }
    KEFU_ASSIGN_OR_RETURN(store::Rows ec,
                          s.Query(std::string(kErrorCodeSelect) + " ORDER BY e.code"));
    for (const store::Row& r : ec) {
      codes.push_back(ErrorCodeFromRow(r));
    }
    return OkStatus();
  }));
  std::vector<search::Document> docs;
  docs.reserve(entries.size() + codes.size());
  std::unordered_map<int64_t, std::shared_ptr<const Meta>> meta;
  std::unordered_map<std::string, int64_t> code_ids;
  for (const Entry& e : entries) {
    docs.push_back(DocumentOf(e));
    meta[e.id] = std::make_shared<Meta>(Meta{e.kind, e.title, e.code, e.category,
                                             Utf8Prefix(e.body.empty() ? e.terms.value_or("") : e.body, 80), e.regions, e.card_types,
                                             e.valid_from_ms, e.valid_to_ms});
  }
  int64_t next_id = -1;
  for (const ErrorCode& c : codes) {
    int64_t id = next_id--;
    code_ids[c.code] = id;
    docs.push_back(DocumentOf(c, id));
    meta[id] = std::make_shared<Meta>(Meta{std::string(kErrorCodeKind), c.reason, c.code,
                                           c.category, Utf8Prefix(c.advice, 80), {}, {},
                                           std::nullopt, std::nullopt});
  }
  index_->Clear();
  KEFU_RETURN_IF_ERROR(index_->BulkLoad(std::move(docs)));
  {
    std::unique_lock lock(meta_mu_);
    meta_ = std::move(meta);
    error_code_ids_ = std::move(code_ids);
    next_error_code_id_ = next_id;
  }
  loaded_.store(true, std::memory_order_release);
  return OkStatus();
}

void KnowledgeBase::IndexEntry(const Entry& e) const {
  Status s = index_->Upsert(DocumentOf(e));
  (void)s;  // the entry passed UTF-8 validation; the engine's other failure is missing data
  std::unique_lock lock(meta_mu_);
  meta_[e.id] = std::make_shared<Meta>(Meta{e.kind, e.title, e.code, e.category,
                                            Utf8Prefix(e.body.empty() ? e.terms.value_or("") : e.body, 80), e.regions, e.card_types,
                                            e.valid_from_ms, e.valid_to_ms});
}

void KnowledgeBase::IndexErrorCode(const ErrorCode& c) const {
  int64_t id = 0;
  {
    std::unique_lock lock(meta_mu_);
    auto [it, inserted] = error_code_ids_.try_emplace(c.code, next_error_code_id_);
    if (inserted) {
      --next_error_code_id_;
    }
    id = it->second;
    meta_[id] = std::make_shared<Meta>(Meta{std::string(kErrorCodeKind), c.reason, c.code,
                                            c.category, Utf8Prefix(c.advice, 80), {}, {},
                                            std::nullopt, std::nullopt});
  }
  Status s = index_->Upsert(DocumentOf(c, id));
  (void)s;
}

void KnowledgeBase::UnindexErrorCode(const std::string& code) const {
  int64_t id = 0;
  {
    std::unique_lock lock(meta_mu_);
    auto it = error_code_ids_.find(code);
    if (it == error_code_ids_.end()) {
      return;
    }
    id = it->second;
    error_code_ids_.erase(it);
    meta_.erase(id);
  }
  Status s = index_->Remove(id);
  (void)s;  // absent from the index only if it was never loaded
}

Result<Entry> KnowledgeBase::Create(Entry entry, std::string_view actor) {
  std::lock_guard lock(write_mu_);
  bool changed = false;
  return WriteLocked(std::nullopt, std::move(entry), actor, std::nullopt, &changed);
}

Result<Entry> KnowledgeBase::Update(int64_t id, Entry entry, std::string_view actor,
                                    std::optional<int64_t> expected_version) {
  std::lock_guard lock(write_mu_);
  bool changed = false;
  return WriteLocked(id, std::move(entry), actor, expected_version, &changed);
}

Status KnowledgeBase::CheckRelated(store::Session& s, int64_t self, std::vector<int64_t>& related,
                                   const std::vector<int64_t>& kept) {
  std::vector<int64_t> out;
  for (int64_t r : related) {
    if (r == self) {
      return InvalidArgumentError(
          "related_ids: an entry cannot be related to itself (" + std::to_string(r) + ")",
          "related_ids");
    }
    KEFU_ASSIGN_OR_RETURN(int64_t n,
                          s.QueryInt64("SELECT count(*) FROM kb_entries WHERE id = $1", {r}));
    if (n == 0) {
      if (std::find(kept.begin(), kept.end(), r) != kept.end()) {
        continue;  // deleted since it was chosen: the editor did not pick it now
      }
      return InvalidArgumentError(
          "related_ids: there is no entry " + std::to_string(r) + " (关联条目不存在)",
          "related_ids");
    }
    out.push_back(r);
  }
  related = std::move(out);
  return OkStatus();
}

Result<Entry> KnowledgeBase::WriteLocked(std::optional<int64_t> id, Entry entry,
                                         std::string_view actor,
                                         std::optional<int64_t> expected_version, bool* changed) {
  // The index must hold everything before a write adds to it.
  if (!loaded_.load(std::memory_order_relaxed)) {
    KEFU_RETURN_IF_ERROR(LoadLocked());
  }
  KEFU_RETURN_IF_ERROR(internal::ValidateEntry(entry));
  const int64_t now = clock_->NowMs();
  Entry saved;
  *changed = false;
  KEFU_RETURN_IF_ERROR(db_->Transact([&](store::Session& s) -> Status {
    std::optional<Entry> current;
    if (id) {
      KEFU_ASSIGN_OR_RETURN(
          std::optional<store::Row> row,
          s.QueryOne("SELECT " + std::string(kColumns) + " FROM kb_entries WHERE id = $1", {*id}));
      if (!row) {
        return NotFoundError("knowledge entry " + std::to_string(*id) + " not found");
      }
      current = EntryFromRow(*row);
      if (expected_version && *expected_version != current->version) {
        return AbortedError("entry " + std::to_string(*id) + " was changed by " +
                            current->updated_by + " (version " +
                            std::to_string(current->version) + "); reload and edit again");
      }
      if (current->kind != entry.kind) {
        return InvalidArgumentError("an entry's kind cannot change", "kind");
      }
      if (ContentKey(*current) == ContentKey(entry)) {
        saved = *current;
        return OkStatus();
      }
    }
    const int64_t self = id.value_or(0);
    KEFU_RETURN_IF_ERROR(CheckRelated(s, self, entry.related_ids,
                                      current ? current->related_ids : std::vector<int64_t>{}));
    if (entry.code) {
      KEFU_ASSIGN_OR_RETURN(std::optional<store::Row> taken,
                            s.QueryOne("SELECT id FROM kb_entries WHERE code = $1 AND id <> $2",
                                       {*entry.code, self}));
      if (taken) {
        return Status(StatusCode::kAlreadyExists,
                      "code " + *entry.code + " is used by entry " +
                          std::to_string(taken->Int64(0)),
                      "code");
      }
    }
    if (entry.shortcut) {
      KEFU_ASSIGN_OR_RETURN(
          std::optional<store::Row> taken,
          s.QueryOne("SELECT id FROM kb_entries WHERE shortcut = $1 AND id <> $2",
                     {*entry.shortcut, self}));
      if (taken) {
        return Status(StatusCode::kAlreadyExists,
                      "shortcut " + *entry.shortcut + " is used by entry " +
                          std::to_string(taken->Int64(0)),
                      "shortcut");
      }
    }
    saved = entry;
    saved.updated_by = std::string(actor);
    saved.updated_ms = now;
    std::string related;
    {
      json::array ids;
      for (int64_t r : saved.related_ids) {
        ids.push_back(json::string(std::to_string(r)));
      }
      related = json::serialize(ids);
    }
    if (current) {
      saved.id = current->id;
      saved.version = current->version + 1;
      saved.created_ms = current->created_ms;
      KEFU_RETURN_IF_ERROR(
          s.Exec("UPDATE kb_entries SET title = $2, similar_questions = $3, body = $4, "
                 "category = $5, tags = $6, visibility = $7, valid_from_ms = $8, "
                 "valid_to_ms = $9, shortcut = $10, url = $11, code = $12, terms = $13, "
                 "regions = $14, card_types = $15, sms_text = $16, related_ids = $17, "
                 "version = $18, updated_by = $19, updated_ms = $20 WHERE id = $1",
                 {saved.id, saved.title, ListText(saved.similar_questions), saved.body,
                  saved.category, ListText(saved.tags), saved.visibility, saved.valid_from_ms,
                  saved.valid_to_ms, saved.shortcut, saved.url, saved.code, saved.terms,
                  ListText(saved.regions), ListText(saved.card_types), saved.sms_text, related,
                  saved.version, saved.updated_by, saved.updated_ms})
              .status());
    } else {
      saved.id = ids_->Next();
      saved.version = 1;
      saved.created_ms = now;
      KEFU_RETURN_IF_ERROR(
          s.Exec("INSERT INTO kb_entries (id, kind, title, similar_questions, body, category, "
                 "tags, visibility, valid_from_ms, valid_to_ms, shortcut, url, code, terms, "
                 "regions, card_types, sms_text, related_ids, version, updated_by, created_ms, "
                 "updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
                 "$14, $15, $16, $17, $18, $19, $20, $21, $22)",
                 {saved.id, saved.kind, saved.title, ListText(saved.similar_questions),
                  saved.body, saved.category, ListText(saved.tags), saved.visibility,
                  saved.valid_from_ms, saved.valid_to_ms, saved.shortcut, saved.url, saved.code,
                  saved.terms, ListText(saved.regions), ListText(saved.card_types),
                  saved.sms_text, related, saved.version, saved.updated_by, saved.created_ms,
                  saved.updated_ms})
              .status());
    }
    KEFU_RETURN_IF_ERROR(
        s.Exec("INSERT INTO kb_versions (entry_id, version, action, changed_by, changed_ms, "
               "entry) VALUES ($1, $2, $3, $4, $5, $6)",
               {saved.id, saved.version, current ? "update" : "create", saved.updated_by, now,
                EntryToJson(saved)})
            .status());
    *changed = true;
    return OkStatus();
  }));
  if (*changed) {
    IndexEntry(saved);
  }
  return saved;
}

Status KnowledgeBase::Delete(int64_t id, std::string_view actor) {
  std::lock_guard lock(write_mu_);
  if (!loaded_.load(std::memory_order_relaxed)) {
    KEFU_RETURN_IF_ERROR(LoadLocked());
  }
  const int64_t now = clock_->NowMs();
  KEFU_RETURN_IF_ERROR(db_->Transact([&](store::Session& s) -> Status {
    KEFU_ASSIGN_OR_RETURN(
        std::optional<store::Row> row,
        s.QueryOne("SELECT " + std::string(kColumns) + " FROM kb_entries WHERE id = $1", {id}));
    if (!row) {
      return NotFoundError("knowledge entry " + std::to_string(id) + " not found");
    }
    Entry e = EntryFromRow(*row);
    KEFU_RETURN_IF_ERROR(s.Exec("DELETE FROM kb_favourites WHERE entry_id = $1", {id}).status());
    KEFU_RETURN_IF_ERROR(s.Exec("DELETE FROM kb_entries WHERE id = $1", {id}).status());
    return s
        .Exec("INSERT INTO kb_versions (entry_id, version, action, changed_by, changed_ms, "
              "entry) VALUES ($1, $2, 'delete', $3, $4, $5)",
              {id, e.version + 1, std::string(actor), now, EntryToJson(e)})
        .status();
  }));
  Status removed = index_->Remove(id);
  (void)removed;  // absent from the index only if it was never loaded
  std::unique_lock meta_lock(meta_mu_);
  meta_.erase(id);
  return OkStatus();
}

Result<Entry> KnowledgeBase::Get(int64_t id) const {
  KEFU_ASSIGN_OR_RETURN(
      store::Rows rows,
      db_->Query("SELECT " + std::string(kColumns) + " FROM kb_entries WHERE id = $1", {id}));
  if (rows.empty()) {
    return NotFoundError("knowledge entry " + std::to_string(id) + " not found");
  }
  return EntryFromRow(rows[0]);
}

Result<std::vector<Entry>> KnowledgeBase::List(std::string_view kind,
                                               std::optional<std::string_view> category,
                                               size_t limit, size_t offset) const {
  if (!kind.empty() && std::find(std::begin(kKinds), std::end(kKinds), kind) == std::end(kKinds)) {
    return InvalidArgumentError("kind must be faq, phrase, link, article or activity", "kind");
  }
  KEFU_ASSIGN_OR_RETURN(
      store::Rows rows,
      db_->Query("SELECT " + std::string(kColumns) +
                     " FROM kb_entries WHERE ($1 = '' OR kind = $1) AND ($2 = 0 OR "
                     "category = $3) ORDER BY updated_ms DESC, id DESC LIMIT $4 OFFSET $5",
                 {std::string(kind), int64_t{category.has_value()},
                  std::string(category.value_or("")),
                  static_cast<int64_t>(std::min<size_t>(limit, 1000)),
                  static_cast<int64_t>(offset)}));
  std::vector<Entry> out;
  for (const store::Row& r : rows) {
    out.push_back(EntryFromRow(r));
  }
  return out;
}

Result<int64_t> KnowledgeBase::Count(std::string_view kind,
                                     std::optional<std::string_view> category) const {
  return db_->QueryInt64(
      "SELECT count(*) FROM kb_entries WHERE ($1 = '' OR kind = $1) AND ($2 = 0 OR "
      "category = $3)",
      {std::string(kind), int64_t{category.has_value()}, std::string(category.value_or(""))});
}

Result<std::vector<RelatedEntry>> KnowledgeBase::Related(const Entry& entry) const {
  std::vector<RelatedEntry> out;
  if (entry.related_ids.empty()) {
    return out;
  }
  KEFU_RETURN_IF_ERROR(db_->Read([&](store::Session& s) -> Status {
    for (int64_t id : entry.related_ids) {
      KEFU_ASSIGN_OR_RETURN(
          std::optional<store::Row> row,
          s.QueryOne("SELECT id, kind, title FROM kb_entries WHERE id = $1", {id}));
      if (row) {
        out.push_back({row->Int64(0), row->Text(1), row->Text(2)});
      }
    }
    return OkStatus();
  }));
  return out;
}

Result<std::vector<CategoryCount>> KnowledgeBase::Categories() const {
  KEFU_ASSIGN_OR_RETURN(
      store::Rows rows,
      db_->Query("SELECT kind, category, count(*) FROM kb_entries GROUP BY kind, category "
                 "UNION ALL SELECT 'error_code', category, count(*) FROM error_codes "
                 "GROUP BY category ORDER BY 1, 2"));
  std::vector<CategoryCount> out;
  for (const store::Row& r : rows) {
    out.push_back({r.Text(0), r.Text(1), r.Int64(2)});
  }
  return out;
}

Result<std::vector<Version>> KnowledgeBase::Versions(int64_t id) const {
  KEFU_ASSIGN_OR_RETURN(
      store::Rows rows,
      db_->Query("SELECT entry_id, version, action, changed_by, changed_ms, entry FROM "
                 "kb_versions WHERE entry_id = $1 ORDER BY version DESC",
                 {id}));
  if (rows.empty()) {
    return NotFoundError("knowledge entry " + std::to_string(id) + " has no history");
  }
  std::vector<Version> out;
  for (const store::Row& r : rows) {
    out.push_back({r.Int64(0), r.Int64(1), r.Text(2), r.Text(3), r.Int64(4), r.Text(5)});
  }
  return out;
}

Status KnowledgeBase::AddFavourite(int64_t user_id, int64_t entry_id) {
  return db_->Transact([&](store::Session& s) -> Status {
    KEFU_ASSIGN_OR_RETURN(int64_t n,
                          s.QueryInt64("SELECT count(*) FROM kb_entries WHERE id = $1", {entry_id}));
    if (n == 0) {
      return NotFoundError("knowledge entry " + std::to_string(entry_id) + " not found");
    }
    return s
        .Exec("INSERT INTO kb_favourites (user_id, entry_id, created_ms) VALUES ($1, $2, $3) "
              "ON CONFLICT DO NOTHING",
              {user_id, entry_id, clock_->NowMs()})
        .status();
  });
}

Status KnowledgeBase::RemoveFavourite(int64_t user_id, int64_t entry_id) {
  return db_
      ->Exec("DELETE FROM kb_favourites WHERE user_id = $1 AND entry_id = $2",
             {user_id, entry_id})
      .status();
}

Result<std::vector<Entry>> KnowledgeBase::Favourites(int64_t user_id) const {
  std::string cols;
  for (std::string_view c : {"id", "kind", "title", "similar_questions", "body", "category",
                             "tags", "visibility", "valid_from_ms", "valid_to_ms", "shortcut",
                             "url", "code", "terms", "regions", "card_types", "sms_text",
                             "related_ids", "version", "updated_by", "created_ms",
                             "updated_ms"}) {
    cols += (cols.empty() ? "e." : ", e.") + std::string(c);
  }
  KEFU_ASSIGN_OR_RETURN(
      store::Rows rows,
      db_->Query("SELECT " + cols +
                     " FROM kb_favourites f JOIN kb_entries e ON e.id = f.entry_id "
                     "WHERE f.user_id = $1 ORDER BY f.created_ms DESC, e.id DESC",
                 {user_id}));
  std::vector<Entry> out;
  for (const store::Row& r : rows) {
    out.push_back(EntryFromRow(r));
  }
  return out;
}

Status KnowledgeBase::UpsertErrorCode(const ErrorCode& code) {
  return PutErrorCode(code, "system").status();
}

namespace {

// Checks and normalises an error code in place; kInvalidArgument naming the field.
Status ValidateErrorCode(ErrorCode& c) {
  c.code = NormalizeCode(c.code);
  for (const std::string* s : {&c.code, &c.reason, &c.advice, &c.category, &c.channel}) {
    KEFU_RETURN_IF_ERROR(text::ValidateUtf8(*s));
  }
  c.reason = Trim(c.reason);
  c.category = Trim(c.category);
  c.channel = Trim(c.channel);
  if (c.channel.empty()) {
    c.channel = "all";
  }
  if (!ValidCode(c.code)) {
    return InvalidArgumentError("code must be 2–32 of A–Z 0–9 - _ (错误代码)", "code");
  }
  if (c.reason.empty() || text::CodePointCount(c.reason) > 200) {
    return InvalidArgumentError("an error code needs its reason, 1–200 characters (原因)",
                                "reason");
  }
  if (Trim(c.advice).empty() || text::CodePointCount(c.advice) > 2000) {
    return InvalidArgumentError(
        "an error code needs advice for the customer, at most 2,000 characters (建议)", "advice");
  }
  if (text::CodePointCount(c.category) > 50) {
    return InvalidArgumentError("category is at most 50 characters", "category");
  }
  static constexpr std::string_view kChannels[] = {
      "all", "pos", "atm", "online_banking", "mobile_banking", "quick_pay", "counter"};
  if (std::find(std::begin(kChannels), std::end(kChannels), c.channel) == std::end(kChannels)) {
    return InvalidArgumentError(
        "channel must be all, pos, atm, online_banking, mobile_banking, quick_pay or counter",
        "channel");
  }
  return OkStatus();
}

bool SameContent(const ErrorCode& a, const ErrorCode& b) {
  return a.reason == b.reason && a.advice == b.advice && a.channel == b.channel &&
         a.category == b.category;
}

}  // namespace

Result<ErrorCodeWrite> KnowledgeBase::PutErrorCode(ErrorCode code, std::string_view actor,
                                                   std::optional<int64_t> expected_version,
                                                   bool create_only) {
  std::lock_guard lock(write_mu_);
  if (!loaded_.load(std::memory_order_relaxed)) {
    KEFU_RETURN_IF_ERROR(LoadLocked());
  }
  return PutErrorCodeLocked(std::move(code), actor, expected_version, create_only, false);
}

Result<ErrorCodeWrite> KnowledgeBase::PutErrorCodeLocked(ErrorCode c, std::string_view actor,
                                                         std::optional<int64_t> expected_version,
                                                         bool create_only, bool dry_run) {
  KEFU_RETURN_IF_ERROR(ValidateErrorCode(c));
  const int64_t now = clock_->NowMs();
  ErrorCodeWrite out;
  auto work = [&](store::Session& s) -> Status {
    KEFU_ASSIGN_OR_RETURN(
        std::optional<store::Row> row,
        s.QueryOne(std::string(kErrorCodeSelect) + " WHERE e.code = $1", {c.code}));
    std::optional<ErrorCode> current;
    if (row) {
      current = ErrorCodeFromRow(*row);
    }
    if (current && create_only) {
      return Status(StatusCode::kAlreadyExists,
                    "error code " + c.code + " already exists (错误代码已存在)", "code");
    }
    if (expected_version && *expected_version != (current ? current->version : 0)) {
      return AbortedError("error code " + c.code + " was changed by " +
                          (current ? current->updated_by : std::string("someone")) + " (version " +
                          std::to_string(current ? current->version : 0) +
                          "); reload and edit again");
    }
    if (current && SameContent(*current, c)) {
      out.code = *current;
      return OkStatus();
    }
    // A code deleted and created again continues its numbering.
    KEFU_ASSIGN_OR_RETURN(
        int64_t last,
        s.QueryInt64("SELECT COALESCE(max(version), 0) FROM error_code_versions WHERE code = $1",
                     {c.code}));
    c.updated_ms = now;
    c.version = last + 1;
    c.updated_by = std::string(actor);
    out.code = c;
    out.action = current ? "update" : "create";
    if (dry_run) {
      return OkStatus();
    }
    KEFU_RETURN_IF_ERROR(
        s.Exec("INSERT INTO error_codes (code, reason, advice, channel, category, updated_ms) "
               "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO UPDATE SET reason = "
               "excluded.reason, advice = excluded.advice, channel = excluded.channel, "
               "category = excluded.category, updated_ms = excluded.updated_ms",
               {c.code, c.reason, c.advice, c.channel, c.category, c.updated_ms})
            .status());
    return s
        .Exec(
            "INSERT INTO error_code_versions (code, version, action, changed_by, changed_ms, "
            "entry) VALUES ($1, $2, $3, $4, $5, $6)",
            {c.code, c.version, out.action, c.updated_by, now,
             json::serialize(internal::ErrorCodeObject(c))})
        .status();
  };
  KEFU_RETURN_IF_ERROR(dry_run ? db_->Read(work) : db_->Transact(work));
  if (!dry_run && !out.action.empty()) {
    IndexErrorCode(out.code);
  }
  return out;
}

Status KnowledgeBase::DeleteErrorCode(std::string_view raw, std::string_view actor) {
  KEFU_RETURN_IF_ERROR(text::ValidateUtf8(raw, "code"));
  const std::string code = NormalizeCode(raw);
  std::lock_guard lock(write_mu_);
  if (!loaded_.load(std::memory_order_relaxed)) {
    KEFU_RETURN_IF_ERROR(LoadLocked());
  }
  const int64_t now = clock_->NowMs();
  KEFU_RETURN_IF_ERROR(db_->Transact([&](store::Session& s) -> Status {
    KEFU_ASSIGN_OR_RETURN(std::optional<store::Row> row,
                          s.QueryOne(std::string(kErrorCodeSelect) + " WHERE e.code = $1", {code}));
    if (!row) {
      return NotFoundError("error code " + code + " not found");
    }
    ErrorCode c = ErrorCodeFromRow(*row);
    // Everything that shows the code's text in a customer's history keeps it: failed
    // transactions (a foreign key), SMS messages and self-service steps. (The last two have
    // no index on error_code: a delete is rare and scans them once.)
    KEFU_ASSIGN_OR_RETURN(
        std::optional<store::Row> uses,
        s.QueryOne("SELECT (SELECT count(*) FROM transactions WHERE error_code = $1), "
                   "(SELECT count(*) FROM sms_messages WHERE error_code = $1), "
                   "(SELECT count(*) FROM journey_events WHERE error_code = $1)",
                   {code}));
    std::string named;
    const char* what[] = {" transaction(s)", " SMS message(s)", " self-service step(s)"};
    for (int i = 0; i < 3; ++i) {
      if (uses->Int64(i) > 0) {
        named += (named.empty() ? "" : ", ") + std::to_string(uses->Int64(i)) + what[i];
      }
    }
    if (!named.empty()) {
      return Status(StatusCode::kFailedPrecondition,
                    "error code " + code + " is named by " + named +
                        " and cannot be deleted; edit it instead "
                        "(已有交易、短信或自助记录引用此错误代码，不能删除)",
                    "code");
    }
    KEFU_ASSIGN_OR_RETURN(
        int64_t last,
        s.QueryInt64("SELECT COALESCE(max(version), 0) FROM error_code_versions WHERE code = $1",
                     {code}));
    KEFU_RETURN_IF_ERROR(s.Exec("DELETE FROM error_codes WHERE code = $1", {code}).status());
    return s
        .Exec(
            "INSERT INTO error_code_versions (code, version, action, changed_by, changed_ms, "
            "entry) VALUES ($1, $2, 'delete', $3, $4, $5)",
            {code, last + 1, std::string(actor), now,
             json::serialize(internal::ErrorCodeObject(c))})
        .status();
  }));
  UnindexErrorCode(code);
  return OkStatus();
}

Result<ErrorCode> KnowledgeBase::GetErrorCode(std::string_view raw) const {
  KEFU_RETURN_IF_ERROR(text::ValidateUtf8(raw, "code"));
  const std::string code = NormalizeCode(raw);
  KEFU_ASSIGN_OR_RETURN(store::Rows rows,
                        db_->Query(std::string(kErrorCodeSelect) + " WHERE e.code = $1", {code}));
  if (rows.empty()) {
    return NotFoundError("error code " + code + " not found");
  }
  return ErrorCodeFromRow(rows[0]);
}

namespace {

store::Params ErrorCodeFilter(std::string_view category, std::string_view text) {
  std::string t = Trim(text);
  if (t.empty()) {
    return {Trim(category), std::string(), std::string()};
  }
  return {Trim(category), LikeEscape(NormalizeCode(t)) + "%", "%" + LikeEscape(t) + "%"};
}

}  // namespace

Result<std::vector<ErrorCode>> KnowledgeBase::ListErrorCodes(std::string_view category,
                                                             std::string_view text, size_t limit,
                                                             size_t offset) const {
  KEFU_RETURN_IF_ERROR(text::ValidateUtf8(text, "q"));
  KEFU_RETURN_IF_ERROR(text::ValidateUtf8(category, "category"));
  store::Params params = ErrorCodeFilter(category, text);
  params.push_back(static_cast<int64_t>(std::min<size_t>(limit, 1000)));
  params.push_back(static_cast<int64_t>(offset));
  KEFU_ASSIGN_OR_RETURN(store::Rows rows,
                        db_->Query(std::string(kErrorCodeSelect) + std::string(kErrorCodeWhere) +
                                       " ORDER BY e.code LIMIT $4 OFFSET $5",
                                   params));
  std::vector<ErrorCode> out;
  for (const store::Row& r : rows) {
    out.push_back(ErrorCodeFromRow(r));
  }
  return out;
}

Result<int64_t> KnowledgeBase::CountErrorCodes(std::string_view category,
                                               std::string_view text) const {
  KEFU_RETURN_IF_ERROR(text::ValidateUtf8(text, "q"));
  KEFU_RETURN_IF_ERROR(text::ValidateUtf8(category, "category"));
  return db_->QueryInt64("SELECT count(*) FROM error_codes e" + std::string(kErrorCodeWhere),
                         ErrorCodeFilter(category, text));
}

Result<std::vector<ErrorCodeVersion>> KnowledgeBase::ErrorCodeVersions(std::string_view raw) const {
  KEFU_RETURN_IF_ERROR(text::ValidateUtf8(raw, "code"));
  const std::string code = NormalizeCode(raw);
  std::vector<ErrorCodeVersion> out;
  bool exists = false;
  KEFU_RETURN_IF_ERROR(db_->Read([&](store::Session& s) -> Status {
    KEFU_ASSIGN_OR_RETURN(
        store::Rows rows,
        s.Query("SELECT code, version, action, changed_by, changed_ms, entry FROM "
                "error_code_versions WHERE code = $1 ORDER BY version DESC",
                {code}));
    for (const store::Row& r : rows) {
      out.push_back({r.Text(0), r.Int64(1), r.Text(2), r.Text(3), r.Int64(4), r.Text(5)});
    }
    KEFU_ASSIGN_OR_RETURN(int64_t n,
                          s.QueryInt64("SELECT count(*) FROM error_codes WHERE code = $1", {code}));
    exists = n > 0;
    return OkStatus();
  }));
  if (out.empty() && !exists) {
    return NotFoundError("error code " + code + " not found and has no history");
  }
  return out;
}

Result<CodeLookup> KnowledgeBase::LookupCode(std::string_view raw) const {
  KEFU_RETURN_IF_ERROR(text::ValidateUtf8(raw, "code"));
  const std::string code = NormalizeCode(raw);
  if (code.empty()) {
    return InvalidArgumentError("give a code", "code");
  }
  const int64_t now = clock_->NowMs();
  CodeLookup out;
  KEFU_RETURN_IF_ERROR(db_->Read([&](store::Session& s) -> Status {
    KEFU_ASSIGN_OR_RETURN(
        std::optional<store::Row> row,
        s.QueryOne("SELECT " + std::string(kColumns) + " FROM kb_entries WHERE code = $1",
                   {code}));
    if (!row) {
      KEFU_ASSIGN_OR_RETURN(
          row, s.QueryOne("SELECT " + std::string(kColumns) +
                              " FROM kb_entries WHERE shortcut = $1",
                          {Lower(code)}));
    }
    if (row) {
      out.entry = EntryFromRow(*row);
      out.kind = out.entry->kind;
      out.expired = out.entry->valid_to_ms && *out.entry->valid_to_ms <= now;
      return OkStatus();
    }
    KEFU_ASSIGN_OR_RETURN(
        std::optional<store::Row> ec,
        s.QueryOne(std::string(kErrorCodeSelect) + " WHERE e.code = $1", {code}));
    if (ec) {
      out.kind = std::string(kErrorCodeKind);
      out.error_code = ErrorCodeFromRow(*ec);
      return OkStatus();
    }
    return NotFoundError("no activity code, error code or shortcut " + code);
  }));
  return out;
}

Result<SearchResult> KnowledgeBase::Search(const SearchRequest& request) const {
  if (request.limit < 1 || request.limit > kMaxLimit) {
    return InvalidArgumentError("limit must be 1–100", "limit");
  }
  KEFU_RETURN_IF_ERROR(text::ValidateUtf8(request.text, "q"));
  if (request.text.size() > search::Index::kMaxQueryBytes) {
    return InvalidArgumentError("the query is longer than 4 KB", "q");
  }
  for (const std::string& k : request.kinds) {
    if (k != kErrorCodeKind &&
        std::find(std::begin(kKinds), std::end(kKinds), k) == std::end(kKinds)) {
      return InvalidArgumentError(
          "type must be faq, phrase, link, article, activity or error_code", "type");
    }
  }
  KEFU_RETURN_IF_ERROR(EnsureLoaded());
  const int64_t now = clock_->NowMs();
  SearchResult result;
  result.window = FindDateWindow(request.text, now);
  result.text = request.text;
  if (result.window) {
    // The period ranks by dates, not by the characters of "上个月".
    size_t pos = result.text.find(result.window->phrase);
    result.text.erase(pos, result.window->phrase.size());
  }
  search::Query q;
  q.text = result.text;
  q.limit = std::min<size_t>(search::Index::kMaxLimit, std::max<size_t>(request.limit * 5, 50));
  q.filter.types = request.kinds;
  if (!request.category.empty()) {
    q.filter.categories = {request.category};
  }
  q.filter.customer_facing_only = request.customer_facing_only;
  if (!result.window) {
    q.now_ms = now;
  }
  KEFU_ASSIGN_OR_RETURN(std::vector<search::Hit> hits, index_->Search(q));

  std::vector<std::string> regions;
  for (const std::string& r : request.regions) {
    std::string k = RegionKey(r);
    if (!k.empty()) {
      regions.push_back(std::move(k));
    }
  }
  const std::string card = CardKey(request.card_type);
  const bool asks_activity = request.text.find("活动") != std::string::npos;

  std::vector<SearchHit> out;
  std::shared_lock lock(meta_mu_);
  for (search::Hit& h : hits) {
    auto it = meta_.find(h.id);
    if (it == meta_.end()) {
      continue;
    }
    const Meta& m = *it->second;
    SearchHit hit;
    hit.id = h.id > 0 ? h.id : 0;
    hit.kind = m.kind;
    hit.title = m.title;
    hit.code = m.code;
    hit.category = m.category;
    hit.preview = m.preview;
    hit.code_match = h.code_match;
    hit.valid_from_ms = m.valid_from_ms;
    hit.valid_to_ms = m.valid_to_ms;
    hit.highlights = std::move(h.highlights);
    const bool current = (!m.valid_from_ms || *m.valid_from_ms <= now) &&
                         (!m.valid_to_ms || *m.valid_to_ms > now);
    hit.expired = m.valid_to_ms && *m.valid_to_ms <= now;
    double factor = 1.0;
    if (result.window) {
      bool overlaps = (!m.valid_from_ms || *m.valid_from_ms < result.window->to_ms) &&
                      (!m.valid_to_ms || *m.valid_to_ms > result.window->from_ms);
      if (m.kind == "activity") {
        hit.date_match = overlaps && (m.valid_from_ms || m.valid_to_ms);
        factor *= hit.date_match ? 2.5 : 0.4;
      }
      if (!current && !(m.kind == "activity" && overlaps)) {
        continue;  // expired, and not from the period the customer talks about
      }
    }
    if (m.kind == "activity") {
      if (asks_activity) {
        factor *= 1.3;
      }
      if (!regions.empty()) {
        if (m.regions.empty()) {
          hit.region_match = "national";
        } else {
          bool match = false;
          for (const std::string& mine : m.regions) {
            std::string k = RegionKey(mine);
            for (const std::string& want : regions) {
              match = match || k == want || k.starts_with(want) || want.starts_with(k);
            }
          }
          hit.region_match = match ? "match" : "other";
          factor *= match ? 1.6 : 0.3;
        }
      }
      if (!card.empty()) {
        if (m.card_types.empty()) {
          hit.card_type_match = "any";
        } else {
          bool match = std::any_of(m.card_types.begin(), m.card_types.end(),
                                   [&](const std::string& c) { return CardKey(c) == card; });
          hit.card_type_match = match ? "match" : "other";
          factor *= match ? 1.4 : 0.5;
        }
      }
    }
    hit.score = h.score * factor;
    out.push_back(std::move(hit));
  }
  lock.unlock();
  std::stable_sort(out.begin(), out.end(), [](const SearchHit& a, const SearchHit& b) {
    if (a.code_match != b.code_match) {
      return a.code_match;
    }
    return a.score > b.score;
  });
  if (out.size() > request.limit) {
    out.resize(request.limit);
  }
  result.hits = std::move(out);
  return result;
}

}  // namespace kefu::kb
