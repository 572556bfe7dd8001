#include "import_cli.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <memory>

#include "kefu/core/clock.h"
#include "kefu/crm/import.h"
#include "kefu/store/migrate.h"
#include "progress.h"

namespace kefu::cli {
namespace {

struct ImportArgs {
  std::string file;
  std::string rules;
  std::string merge = "fill";
  std::string errors;
  std::string owners;
  std::string owner_team;
  int owner_capacity = 0;
  bool dry_run = false;
  bool quiet = false;
};

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) {
    return s;
  }
  std::string out = "\"";
  for (char c : s) {
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return out + "\"";
}

Status RunImportCustomers(App& app, const ImportArgs& args) {
  KEFU_RETURN_IF_ERROR(store::Migrate(*app.db, store::KefuMigrations()).status());
  crm::ImportOptions options;
  options.pii_key = app.pii_key;
  options.dry_run = args.dry_run;
  // From the command line nobody waits behind the import: big transactions (fewer commits and
  // WAL checkpoints, ~25 % faster). The server's upload keeps the default 5,000 so it never
  // holds the single writer for long.
  options.batch_rows = 50'000;
  const char* user = std::getenv("USER");
  options.actor = std::string("cli:") + (user != nullptr ? user : "unknown");
  if (args.merge == "overwrite" || args.merge == "file_wins") {
    options.merge = crm::MergePolicy::kFileWins;
  } else if (args.merge != "fill") {
    return InvalidArgumentError("--merge must be fill or overwrite, got '" + args.merge + "'",
                                "--merge");
  }
  if (!args.rules.empty()) {
    KEFU_ASSIGN_OR_RETURN(options.rules, crm::LoadImportRules(args.rules));
  }
  if (args.owners == "round_robin" || args.owners == "round-robin") {
    options.rules.owners.mode = crm::OwnerRule::Mode::kRoundRobin;
  } else if (args.owners == "none") {
    options.rules.owners.mode = crm::OwnerRule::Mode::kNone;
  } else if (!args.owners.empty()) {
    return InvalidArgumentError("--owners must be none or round_robin", "--owners");
  }
  if (!args.owner_team.empty()) {
    options.rules.owners.team = args.owner_team;
  }
  if (args.owner_capacity > 0) {
    options.rules.owners.capacity = args.owner_capacity;
  }
  std::string error_path = args.errors.empty() ? args.file + ".errors.csv" : args.errors;
  std::unique_ptr<std::ofstream> errors;
  int64_t issues = 0;
  std::string base = args.file.substr(args.file.rfind('/') == std::string::npos
                                          ? 0
                                          : args.file.rfind('/') + 1);
  auto sink = [&](const crm::ImportIssue& issue) {
    if (!errors) {
      errors = std::make_unique<std::ofstream>(error_path, std::ios::binary | std::ios::trunc);
      *errors << "\xEF\xBB\xBF文件 file,行 row,列 column,级别 level,原因 reason,值 value\n";
    }
    ++issues;
    *errors << CsvField(base) << ',' << issue.line << ',' << CsvField(issue.column) << ','
            << (issue.warning ? "提示 warning" : "拒绝 rejected") << ',' << CsvField(issue.reason)
            << ',' << CsvField(issue.value) << '\n';
  };
  ProgressBar bar;
  KEFU_ASSIGN_OR_RETURN(
      crm::ImportReport report,
      crm::ImportCustomersFile(*app.db, *SystemClock::Get(), *app.ids, args.file, options, sink,
                               [&](int64_t done, int64_t total) {
                                 if (!args.quiet) {
                                   bar.Update("导入 import", done, total);
                                 }
                               }));
  if (errors) {
    errors->close();
  } else {
    std::remove(error_path.c_str());  // no stale report from an earlier run
  }
  std::printf(
      "%s%s (%s): %lld rows in %.1f s — %lld new, %lld updated, %lld unchanged, "
      "%lld merged duplicates, %lld rejected, %lld warnings, %lld owners assigned\n",
      args.dry_run ? "[dry run] " : "", args.file.c_str(), report.encoding.c_str(),
      static_cast<long long>(report.rows), report.elapsed_ms / 1000.0,
      static_cast<long long>(report.inserted), static_cast<long long>(report.updated),
      static_cast<long long>(report.unchanged), static_cast<long long>(report.merged_in_file),
      static_cast<long long>(report.rejected), static_cast<long long>(report.warnings),
      static_cast<long long>(report.owners_assigned));
  if (!report.ignored_columns.empty()) {
    std::string cols;
    for (const std::string& c : report.ignored_columns) {
      cols += (cols.empty() ? "" : ", ") + c;
    }
    std::printf("ignored columns (no matching field): %s\n", cols.c_str());
  }
  if (issues > 0) {
    std::printf("every rejected row and warning: %s\n", error_path.c_str());
  }
  if (report.job_id != 0) {
    std::printf("import job %lld\n", static_cast<long long>(report.job_id));
  }
  return OkStatus();
}

}  // namespace

void AddImportCommands(CLI::App& cli, Commands& commands) {
  auto args = std::make_shared<ImportArgs>();
  auto* import = cli.add_subcommand("import", "Bulk import data");
  import->require_subcommand(1);
  auto* customers = import->add_subcommand(
      "customers",
      "Import customers from .xlsx, .csv (UTF-8 or GB18030) or .jsonl: headers in Chinese or "
      "English (姓名/name, 手机/mobile, 身份证号/id_number …), de-duplicated by ID number, "
      "mobile, e-mail, openid and customer number; re-running a file changes nothing");
  customers->add_option("file", args->file, "The file to import")->required();
  customers->add_option("--rules", args->rules,
                        "Classification and owner rules (TOML; see docs/import.md)");
  customers->add_option("--merge", args->merge,
                        "When a row matches an existing customer: fill (only empty fields, "
                        "default) or overwrite (the file wins)");
  customers->add_option("--errors", args->errors,
                        "Where rejected rows and warnings go (default FILE.errors.csv)");
  customers->add_option("--owners", args->owners, "Owner assignment: none or round_robin");
  customers->add_option("--owner-team", args->owner_team, "Team code of candidate owners");
  customers->add_option("--owner-capacity", args->owner_capacity,
                        "The most customers one owner holds (default 500)");
  customers->add_flag("--dry-run", args->dry_run, "Check and count everything, write nothing");
  customers->add_flag("--quiet", args->quiet, "No progress bar");
  commands.push_back({customers, [args](App& app) { return RunImportCustomers(app, *args); }});
}

}  // namespace kefu::cli
