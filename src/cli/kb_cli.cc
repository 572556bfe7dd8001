#include "kb_cli.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>

#include "kefu/core/clock.h"
#include "kefu/kb/demo_content.h"
#include "kefu/kb/knowledge_base.h"
#include "kefu/store/migrate.h"

namespace kefu::cli {
namespace {

struct KbArgs {
  std::string file;
  bool dry_run = false;
  std::string text;
  std::vector<std::string> regions;
  std::string card_type;
  std::string type;
  size_t limit = 10;
};

std::string Actor() {
  const char* user = std::getenv("USER");
  return std::string("cli:") + (user != nullptr ? user : "unknown");
}

std::string Base(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Status RunImport(App& app, const KbArgs& args) {
  KEFU_RETURN_IF_ERROR(store::Migrate(*app.db, store::KefuMigrations()).status());
  std::ifstream in(args.file, std::ios::binary);
  if (!in) {
    return NotFoundError("cannot read " + args.file);
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  kb::KnowledgeBase kb(app.db.get(), SystemClock::Get(), app.ids.get());
  KEFU_ASSIGN_OR_RETURN(kb::ImportReport report,
                        kb.Import(Base(args.file), bytes, Actor(), args.dry_run));
  for (const kb::ImportIssue& i : report.issues) {
    std::printf("%s %s 第%lld行 %s: %s\n", args.file.c_str(), i.sheet.c_str(),
                static_cast<long long>(i.line), i.column.c_str(), i.reason.c_str());
  }
  std::printf("%s%s: %lld rows — %lld new, %lld updated, %lld unchanged, %lld rejected\n",
              args.dry_run ? "[dry run] " : "", args.file.c_str(),
              static_cast<long long>(report.rows), static_cast<long long>(report.inserted),
              static_cast<long long>(report.updated), static_cast<long long>(report.unchanged),
              static_cast<long long>(report.rejected));
  return OkStatus();
}

Status RunExport(App& app, const KbArgs& args) {
  KEFU_RETURN_IF_ERROR(store::Migrate(*app.db, store::KefuMigrations()).status());
  kb::KnowledgeBase kb(app.db.get(), SystemClock::Get(), app.ids.get());
  std::string bytes;
  if (EndsWith(args.file, ".json")) {
    KEFU_ASSIGN_OR_RETURN(bytes, kb.ExportJson());
  } else if (EndsWith(args.file, ".xlsx")) {
    KEFU_ASSIGN_OR_RETURN(bytes, kb.ExportXlsx());
  } else {
    return InvalidArgumentError("the file must end in .json or .xlsx", "file");
  }
  std::ofstream out(args.file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    return UnavailableError("cannot write " + args.file);
  }
  std::printf("exported the knowledge base to %s (%zu bytes)\n", args.file.c_str(), bytes.size());
  return OkStatus();
}

Status RunSearch(App& app, const KbArgs& args) {
  KEFU_RETURN_IF_ERROR(store::Migrate(*app.db, store::KefuMigrations()).status());
  kb::KnowledgeBase kb(app.db.get(), SystemClock::Get(), app.ids.get());
  kb::SearchRequest request;
  request.text = args.text;
  request.regions = args.regions;
  request.card_type = args.card_type;
  request.limit = args.limit;
  if (!args.type.empty()) {
    request.kinds = {args.type};
  }
  KEFU_ASSIGN_OR_RETURN(kb::SearchResult result, kb.Search(request));
  if (result.window) {
    std::printf("时间范围 period: %s\n", result.window->phrase.c_str());
  }
  if (result.hits.empty()) {
    std::printf("没有找到 nothing found\n");
  }
  int n = 0;
  for (const kb::SearchHit& h : result.hits) {
    std::string flags;
    if (h.code_match) flags += " [代码命中]";
    if (h.date_match) flags += " [时间吻合]";
    if (h.expired) flags += " [已结束]";
    if (h.region_match == "match") flags += " [地区吻合]";
    if (h.region_match == "other") flags += " [非本地区]";
    if (h.card_type_match == "other") flags += " [卡种不符]";
    std::printf("%2d. [%s] %s%s%s  (%.2f)%s\n    %s\n", ++n, h.kind.c_str(),
                h.code ? (*h.code + " ").c_str() : "", h.title.c_str(), "", h.score,
                flags.c_str(), h.preview.c_str());
  }
  return OkStatus();
}

}  // namespace

Status SeedKbDemo(App& app) {
  kb::KnowledgeBase kb(app.db.get(), SystemClock::Get(), app.ids.get());
  KEFU_ASSIGN_OR_RETURN(kb::ImportReport report,
                        kb::SeedDemoContent(kb, SystemClock::Get()->NowMs()));
  std::printf("demo knowledge base: %lld entries added, %lld unchanged, %zu entries + error "
              "codes searchable\n",
              static_cast<long long>(report.inserted), static_cast<long long>(report.unchanged),
              kb.indexed());
  return OkStatus();
}

void AddKbCommands(CLI::App& cli, Commands& commands) {
  auto args = std::make_shared<KbArgs>();
  auto* kb = cli.add_subcommand("kb", "Knowledge base 知识库: import, export, search");
  kb->require_subcommand(1);
  auto* import = kb->add_subcommand(
      "import",
      "Import entries and error codes from .json or .xlsx (one sheet per kind, or a 类型/kind "
      "column); bad rows are reported, good rows land; re-running changes nothing");
  import->add_option("file", args->file, "The file to import")->required();
  import->add_flag("--dry-run", args->dry_run, "Check and count everything, write nothing");
  commands.push_back({import, [args](App& app) { return RunImport(app, *args); }});

  auto* exp = kb->add_subcommand("export", "Export every entry and error code (.json or .xlsx)");
  exp->add_option("file", args->file, "The file to write")->required();
  commands.push_back({exp, [args](App& app) { return RunExport(app, *args); }});

  auto* search = kb->add_subcommand(
      "search", "Search like an agent: a question, a code or a vague description "
                "(e.g. 上个月刷卡满1000送笔记本的那个活动)");
  search->add_option("text", args->text, "What to look for")->required();
  search->add_option("--region", args->regions, "The customer's province or city (repeatable)");
  search->add_option("--card-type", args->card_type, "The customer's card, e.g. 金卡");
  search->add_option("--type", args->type, "faq, phrase, link, article, activity or error_code");
  search->add_option("--limit", args->limit, "How many hits (1–100)")->check(CLI::Range(1, 100));
  commands.push_back({search, [args](App& app) { return RunSearch(app, *args); }});
}

}  // namespace kefu::cli
