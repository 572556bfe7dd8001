#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kefu/core/clock.h"
#include "kefu/core/id.h"
#include "kefu/core/result.h"
#include "kefu/store/database.h"

namespace kefu::crm {

// Classification applied to each imported customer (客户分类): the first matching rule wins.
// A tier or type column in the file takes precedence over the rules.
struct TierRule {
  int64_t min_assets_yuan = 0;  // total assets (资产, 元) at or above this
  std::string tier;             // standard | gold | platinum | private
};
struct TypeRule {
  std::optional<int> min_age;  // age on the import date, from birth date or ID number
  std::optional<int> max_age;
  std::string type;  // e.g. senior 老年客户, youth 青年客户, general 一般客户
};
// Owners (专属负责人) for imported customers that have none and whose row names none.
struct OwnerRule {
  enum class Mode { kNone, kRoundRobin };
  Mode mode = Mode::kNone;
  std::string team;    // team code: candidates are this team's agents; empty = every agent
  int capacity = 500;  // the most customers one owner holds
};
struct ImportRules {
  std::vector<TierRule> tiers;
  std::vector<TypeRule> types;
  OwnerRule owners;
};

// private ≥ 6,000,000 元, platinum ≥ 500,000, gold ≥ 50,000; senior ≥ 60 years, youth ≤ 25,
// general otherwise; no owner assignment.
ImportRules DefaultImportRules();

// Reads rules from TOML (see docs/import.md): [[tier]] min_assets_yuan / tier, [[type]]
// min_age / max_age / type, [owners] mode = "none" | "round_robin", team, capacity. Errors
// name the file and key.
Result<ImportRules> LoadImportRules(const std::string& path);

// What happens when a row matches an existing customer and a field differs.
enum class MergePolicy {
  kFillBlanks,  // default: only empty fields are filled; each conflict is reported, the
                // stored value stays
  kFileWins,    // the file's non-empty values replace the stored ones
};

struct ImportOptions {
  std::string pii_key;  // keyed-hash secret (the one the database's hashes were made with)
  MergePolicy merge = MergePolicy::kFillBlanks;
  ImportRules rules = DefaultImportRules();
  std::string actor = "cli";  // who imports: owner history, the job record
  std::string source = "import";
  int batch_rows = 5000;  // rows per database transaction
  bool dry_run = false;   // check and count everything, write nothing
  int max_issues_kept = 1000;  // issues returned in the report (all go to the error file)
  // Files at least this large (bytes) are read and normalised on a second thread while the
  // calling thread matches and writes the previous batch. Issue and progress callbacks still
  // run on the calling thread, in file order.
  int64_t parse_thread_min_bytes = 4 << 20;
  // The import_jobs row's id; 0 lets the import take the next id (a background job passes
  // the id it already gave the uploader).
  int64_t job_id = 0;
  // When set and it becomes true, the import stops after the batch it is writing: the batches
  // written so far stay (re-running the file finishes the job), the job is recorded as
  // failed and the call returns kAborted.
  const std::atomic<bool>* cancel = nullptr;
};

// One problem with one row: rejected rows (warning = false) and kept rows with a note
// (warning = true: a conflict kept the stored value, a duplicate row was merged …).
struct ImportIssue {
  int64_t line = 0;    // row in the file as a person sees it (header = 1)
  std::string column;  // header of the column at fault, empty for the whole row
  std::string reason;  // Chinese first, e.g. "手机号格式不对: 11 位数字, 以 1 开头"
  std::string value;   // the offending value, masked when it is personal data
  bool warning = false;
};

struct ImportReport {
  int64_t job_id = 0;
  std::string encoding;  // UTF-8, GB18030, xlsx, jsonl
  int64_t rows = 0;      // data rows read
  int64_t inserted = 0;  // new customers
  int64_t updated = 0;   // existing customers that changed
  int64_t unchanged = 0;
  int64_t merged_in_file = 0;  // rows that repeated an earlier row of the same file
  int64_t rejected = 0;
  int64_t warnings = 0;
  int64_t owners_assigned = 0;
  std::vector<std::string> ignored_columns;  // headers that map to no field
  std::vector<ImportIssue> issues;           // the first max_issues_kept
  int64_t elapsed_ms = 0;
};

// Writes every issue as CSV (UTF-8 with BOM so Excel shows the Chinese): 文件 file, 行 row,
// 列 column, 级别 level, 原因 reason, 值 value.
using ImportIssueSink = std::function<void(const ImportIssue&)>;
using ImportProgress = std::function<void(int64_t done, int64_t total)>;

// Bulk import of customers (客户批量导入) from .xlsx, .csv (UTF-8 or GB18030) or .jsonl, with
// columns mapped by their Chinese or English header (姓名/name, 手机/mobile, 身份证号/id_number
// …; docs/import.md lists them). Each row is normalised (names: full-width → half-width,
// spaces; mobiles; e-mails; resident ID with its check digit, which also gives the birth date
// and gender), classified (tier, type), matched against the database and the rows before it
// by exact keys (ID number, mobile, e-mail, WeChat openid, Weibo id, app user id, customer
// number), then inserted or merged by `options.merge`. Bad rows are reported to `issues` and
// skipped; good rows land in batches. Running the same file twice changes nothing the second
// time. The run is recorded in import_jobs.
//
// Returns kInvalidArgument when the file cannot be read at all (unknown type, no header, no
// name column, not UTF-8/GB18030) — then nothing is written; database errors otherwise.
Result<ImportReport> ImportCustomers(store::Database& db, const Clock& clock, IdGenerator& ids,
                                     const std::string& file_name, std::string bytes,
                                     const ImportOptions& options,
                                     const ImportIssueSink& issues = {},
                                     const ImportProgress& progress = {});

// The same, reading `path`.
Result<ImportReport> ImportCustomersFile(store::Database& db, const Clock& clock,
                                         IdGenerator& ids, const std::string& path,
                                         const ImportOptions& options,
                                         const ImportIssueSink& issues = {},
                                         const ImportProgress& progress = {});

// The key customer_keys stores for a normalised mobile, e-mail or ID number: its keyed hash,
// or the value itself when no secret is configured.
std::string IdentityKey(const std::string& pii_key, const std::string& normalized);

}  // namespace kefu::crm
