#pragma once

#include <cstdint>
#include <functional>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kefu/core/clock.h"
#include "kefu/core/id.h"
#include "kefu/core/result.h"
#include "kefu/search/index.h"
#include "kefu/store/database.h"

namespace kefu::kb {

// The kinds of knowledge-base entry. Error codes (错误代码) are not entries: they live in the
// error_codes table, and the knowledge base indexes and imports them as kind "error_code".
inline constexpr std::string_view kKinds[] = {"faq", "phrase", "link", "article", "activity"};
inline constexpr std::string_view kErrorCodeKind = "error_code";

// One entry: an FAQ (常见问题: title is the standard question), a canned phrase (常用语, with
// an optional shortcut), a link (常用链接, url), an article, or an activity (活动代码: code,
// terms, regions, eligible card types, the SMS that carried it, related FAQ). Value type.
struct Entry {
  int64_t id = 0;
  std::string kind;   // faq | phrase | link | article | activity
  std::string title;  // 1–200 characters
  std::vector<std::string> similar_questions;
  std::string body;  // answer, phrase text, article text, link description; ≤ 20,000 characters
  std::string category;
  std::vector<std::string> tags;
  std::string visibility = "agent_only";  // agent_only | customer
  std::optional<int64_t> valid_from_ms;   // UTC ms; an activity's start
  std::optional<int64_t> valid_to_ms;     // UTC ms, exclusive; an activity's end
  std::optional<std::string> shortcut;    // phrases: e.g. "/nh"
  std::optional<std::string> url;         // links: http(s)
  std::optional<std::string> code;        // activities (required): upper-case A–Z 0–9 - _
  std::optional<std::string> terms;       // activities: the rules (活动规则)
  std::vector<std::string> regions;       // activities: provinces/cities; empty = national
  std::vector<std::string> card_types;    // activities: 金卡/普卡/联名卡 …; empty = every card
  std::optional<std::string> sms_text;    // activities: the SMS that carried the code
  std::vector<int64_t> related_ids;       // related FAQ entries
  int64_t version = 0;
  std::string updated_by;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

// A row of error_codes: why a transaction failed and what to tell the customer.
struct ErrorCode {
  std::string code;
  std::string reason;
  std::string advice;
  std::string channel = "all";  // all | pos | atm | online_banking | mobile_banking | …
  std::string category;
  int64_t updated_ms = 0;
  // From error_code_versions: the latest version and who made it. 0 and "" for a code that
  // has not changed since it arrived outside the knowledge base (the bank's feed, the seed).
  int64_t version = 0;
  std::string updated_by;
};

// One saved state of an error code (error_code_versions). `entry_json` is the code after the
// change (before it for a delete): {"code","reason","advice","channel","category","updated_ms"}.
struct ErrorCodeVersion {
  std::string code;
  int64_t version = 0;
  std::string action;  // create | update | delete
  std::string changed_by;
  int64_t changed_ms = 0;
  std::string entry_json;
};

// What PutErrorCode did: `action` is "create", "update", or "" when nothing changed.
struct ErrorCodeWrite {
  ErrorCode code;
  std::string action;
};

// An entry named in another's related_ids, as a reader sees it.
struct RelatedEntry {
  int64_t id = 0;
  std::string kind;
  std::string title;
};

// How many entries (or error codes, kind "error_code") one category holds.
struct CategoryCount {
  std::string kind;
  std::string category;  // "" = uncategorised
  int64_t count = 0;
};

// One saved state of an entry. `entry_json` is the entry after the change (before it for a
// delete), in the import/export JSON shape.
struct Version {
  int64_t entry_id = 0;
  int64_t version = 0;
  std::string action;  // create | update | delete
  std::string changed_by;
  int64_t changed_ms = 0;
  std::string entry_json;
};

// What the caller knows about the customer and what to look for.
struct SearchRequest {
  std::string text;                // a question, keywords or a vague description; ≤ 4 KB
  std::vector<std::string> kinds;  // faq … activity, error_code; empty = all
  std::string category;            // exact; empty = any
  std::vector<std::string> regions;  // the customer's province and/or city, e.g. 广东, 深圳
  std::string card_type;             // the customer's card, e.g. 金卡
  bool customer_facing_only = false;
  size_t limit = 10;  // 1–100
};

// A relative period named in the query (上个月, 上周, 今年, 10月 …), in UTC ms [from, to).
struct DateWindow {
  std::string phrase;  // as written in the query
  int64_t from_ms = 0;
  int64_t to_ms = 0;
};

struct SearchHit {
  int64_t id = 0;    // entry id; 0 for an error code
  std::string kind;  // faq … activity, error_code
  std::string title;
  std::optional<std::string> code;
  std::string category;
  std::string preview;  // the first ~80 characters of the body (advice for an error code)
  double score = 0;
  bool code_match = false;
  // Activities: "national" (全国), "match" (the customer's region is listed), "other" (it
  // is not: the customer is not eligible), "" when no region was given or not an activity.
  std::string region_match;
  std::string card_type_match;  // "any", "match", "other" or ""
  bool date_match = false;      // the activity ran during the query's date window
  bool expired = false;         // valid_to_ms is in the past (shown only for a date query)
  std::optional<int64_t> valid_from_ms;
  std::optional<int64_t> valid_to_ms;
  std::vector<search::Highlight> highlights;
};

struct SearchResult {
  std::vector<SearchHit> hits;
  std::optional<DateWindow> window;
  std::string text;  // the text given to the engine (date phrases removed)
};

// Exact lookup: an activity code, an error code, or a canned phrase's shortcut.
struct CodeLookup {
  std::string kind;  // activity | error_code | phrase
  std::optional<Entry> entry;
  std::optional<ErrorCode> error_code;
  bool expired = false;
};

struct ImportIssue {
  std::string sheet;   // xlsx sheet name, or "entries" / "error_codes" for JSON
  int64_t line = 0;    // spreadsheet row (header = 1) or 1-based position in the JSON array
  std::string column;  // field at fault, empty for the whole row
  std::string reason;
};

struct ImportReport {
  int64_t rows = 0;
  int64_t inserted = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  int64_t rejected = 0;
  std::vector<ImportIssue> issues;
};

// The knowledge base (知识库): entries with versions, favourites, error codes, exact code
// lookup and search ranked by text (the search engine), then by the customer's region and card
// type and by a date window named in the query. Entries live in the store; the search index is
// memory only: Load() rebuilds it and every write updates it after its transaction commits.
// Owned by the server (api::Api) or a CLI command; holds the database, clock and id generator
// by pointer (they outlive it). Thread-safe: reads run concurrently; writes serialise on an
// internal mutex so that the index follows the commit order.
class KnowledgeBase {
 public:
  static constexpr size_t kMaxLimit = 100;

  KnowledgeBase(store::Database* db, const Clock* clock, IdGenerator* ids);
  ~KnowledgeBase();
  KnowledgeBase(const KnowledgeBase&) = delete;
  KnowledgeBase& operator=(const KnowledgeBase&) = delete;

  // Reads every entry and error code and rebuilds the index. Searches before the first Load
  // call it themselves. Database errors; kUnavailable when the text data files are missing.
  Status Load();

  // Creates an entry (its id, version and times are assigned). kInvalidArgument naming the
  // field (related_ids: naming an id that is not a stored entry, or the entry itself);
  // kAlreadyExists (field "code" or "shortcut") for a taken code or shortcut.
  Result<Entry> Create(Entry entry, std::string_view actor);
  // Replaces the entry's content with `entry`'s (its id, version and times are ignored).
  // `expected_version`, when set, must be the stored version (else kAborted: someone else
  // changed it). kNotFound, or as Create. An update that changes nothing keeps the version.
  // Related ids the stored entry already had whose entries were deleted since are dropped
  // quietly (the editor did not choose them); newly added ones must exist.
  Result<Entry> Update(int64_t id, Entry entry, std::string_view actor,
                       std::optional<int64_t> expected_version = std::nullopt);
  // kNotFound when there is no such entry.
  Status Delete(int64_t id, std::string_view actor);
  Result<Entry> Get(int64_t id) const;
  // Entries of one kind (empty = all) and one category (std::nullopt = any, "" = the
  // uncategorised ones), newest change first; `offset` pages.
  Result<std::vector<Entry>> List(std::string_view kind,
                                  std::optional<std::string_view> category, size_t limit,
                                  size_t offset) const;
  // Entries matching List's filters (for paging).
  Result<int64_t> Count(std::string_view kind, std::optional<std::string_view> category) const;
  // Every saved version, newest first. kNotFound when the entry never existed.
  Result<std::vector<Version>> Versions(int64_t id) const;
  // The entries `entry.related_ids` names, in that order; ids deleted since are skipped.
  Result<std::vector<RelatedEntry>> Related(const Entry& entry) const;
  // Entry counts per kind and category, and error codes per category (kind "error_code"),
  // ordered by kind and category.
  Result<std::vector<CategoryCount>> Categories() const;

  Status AddFavourite(int64_t user_id, int64_t entry_id);     // idempotent; kNotFound
  Status RemoveFavourite(int64_t user_id, int64_t entry_id);  // idempotent
  Result<std::vector<Entry>> Favourites(int64_t user_id) const;

  // Creates or replaces an error code (and its search document) as "system"; see PutErrorCode.
  Status UpsertErrorCode(const ErrorCode& code);

  // Creates or updates an error code (its updated_ms, version and updated_by are assigned),
  // writes an error_code_versions row and updates the search document. An update that
  // changes nothing keeps the version and writes nothing. `expected_version`, when set, must
  // be the stored version (else kAborted); `create_only` refuses an existing code
  // (kAlreadyExists, field "code"). kInvalidArgument naming the field.
  Result<ErrorCodeWrite> PutErrorCode(ErrorCode code, std::string_view actor,
                                      std::optional<int64_t> expected_version = std::nullopt,
                                      bool create_only = false);
  // Deletes an error code, keeping its history. kNotFound; kFailedPrecondition (field "code")
  // while transactions still name it.
  Status DeleteErrorCode(std::string_view code, std::string_view actor);
  // kNotFound when there is no such code (case and width folded).
  Result<ErrorCode> GetErrorCode(std::string_view code) const;
  // Error codes by code; `category` exact ("" = any); `text` matches the start of the code or
  // any part of the reason ("" = all); `offset` pages.
  Result<std::vector<ErrorCode>> ListErrorCodes(std::string_view category, std::string_view text,
                                                size_t limit, size_t offset) const;
  Result<int64_t> CountErrorCodes(std::string_view category, std::string_view text) const;
  // Every saved version of a code, newest first; empty for a code that exists but never
  // changed here. kNotFound when the code neither exists nor has a history.
  Result<std::vector<ErrorCodeVersion>> ErrorCodeVersions(std::string_view code) const;

  // Exact lookup of an activity code, an error code or a phrase shortcut (case and width
  // folded). An expired activity is found, marked expired. kNotFound otherwise.
  Result<CodeLookup> LookupCode(std::string_view code) const;

  // Ranked hits. Expired entries are left out unless the query names a date window and an
  // expired activity ran during it (a customer asking about last month's campaign).
  // kInvalidArgument for invalid UTF-8, an over-long query or a bad limit.
  Result<SearchResult> Search(const SearchRequest& request) const;

  // Import from .json (the Export shape, or an array of entries) or .xlsx (one sheet per kind
  // named faq/phrase/link/article/activity/error_code or 常见问题/常用语/常用链接/文章/活动/错误代码,
  // or a kind column). Rows match stored entries by id, then code, then kind + title; a match
  // that differs is updated (a new version), an identical one is unchanged, so running a file
  // twice changes nothing. Bad rows are reported and skipped; good rows land.
  // kInvalidArgument when the file cannot be read at all (unknown extension, not JSON/xlsx).
  Result<ImportReport> Import(std::string_view file_name, std::string_view bytes,
                              std::string_view actor, bool dry_run = false);
  // Every entry and error code: {"format":"kefu.kb/1","entries":[…],"error_codes":[…]}.
  Result<std::string> ExportJson() const;
  // The same as a workbook with one sheet per kind.
  Result<std::string> ExportXlsx() const;

  size_t indexed() const;

 private:
  struct Meta;
  // Loads the index on first use; REQUIRES write_mu_ held for LoadLocked.
  Status EnsureLoaded() const;
  Status LoadLocked() const;
  Result<Entry> WriteLocked(std::optional<int64_t> id, Entry entry, std::string_view actor,
                            std::optional<int64_t> expected_version, bool* changed);
  Result<ErrorCodeWrite> PutErrorCodeLocked(ErrorCode code, std::string_view actor,
                                            std::optional<int64_t> expected_version,
                                            bool create_only, bool dry_run);
  // kInvalidArgument (field related_ids) for an id that is not a stored entry or is `self`;
  // drops ids that `kept` already held whose entries were deleted since.
  static Status CheckRelated(store::Session& s, int64_t self, std::vector<int64_t>& related,
                             const std::vector<int64_t>& kept);
  void IndexEntry(const Entry& e) const;
  void IndexErrorCode(const ErrorCode& c) const;
  void UnindexErrorCode(const std::string& code) const;
  Result<std::vector<ErrorCode>> AllErrorCodes() const;

  store::Database* db_;
  const Clock* clock_;
  IdGenerator* ids_;
  // The index and its side tables are a cache of the store, rebuilt lazily by const readers.
  std::unique_ptr<search::Index> index_;
  mutable std::mutex write_mu_;  // serialises writes and (re)loads
  mutable std::atomic<bool> loaded_{false};
  mutable std::shared_mutex meta_mu_;
  mutable std::unordered_map<int64_t, std::shared_ptr<const Meta>> meta_;  // guarded by meta_mu_
  mutable std::unordered_map<std::string, int64_t> error_code_ids_;  // guarded by meta_mu_
  mutable int64_t next_error_code_id_ = -1;                           // guarded by meta_mu_
};

// Entry ⇄ the JSON object of the import/export file, the versions and the HTTP API. Times are
// UTC ms; ids are strings (64-bit ids exceed JavaScript numbers).
std::string EntryToJson(const Entry& entry);
// Fields absent from the JSON keep `base`'s values (a PATCH); kInvalidArgument naming the
// field of the wrong type.
Result<Entry> EntryFromJson(std::string_view json, Entry base = {});

// Finds a relative period (上个月, 本月, 上周, 本周, 今年, 去年, 昨天, 今天, 最近, 10月/十月 …)
// in `text`, in Asia/Shanghai local time relative to `now_ms`. std::nullopt when there is none.
std::optional<DateWindow> FindDateWindow(std::string_view text, int64_t now_ms);

// Upper-case, half-width, trimmed: the stored form of codes and shortcuts.
std::string NormalizeCode(std::string_view code);

}  // namespace kefu::kb
