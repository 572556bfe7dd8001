#include "kefu/crm/import.h"

#include <gtest/gtest.h>

#include <atomic>
#include <zip.h>

#include <fstream>
#include <memory>
#include <string>

#include "kefu/core/pii.h"
#include "kefu/core/testing/temp_dir.h"
#include "kefu/store/migrate.h"

namespace kefu::crm {
namespace {

constexpr char kKey[] = "test-pii-key";

std::string ValidId(const std::string& first17) { return first17 + pii::IdNumberCheckChar(first17); }

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::OpenDatabase(dir_.SqliteUrl());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(store::Migrate(*db_, store::KefuMigrations()).ok());
    const int64_t now = clock_.NowMs();
    Exec("INSERT INTO regions (id, code, name, province, area, created_ms) "
         "VALUES (1, 'bj', '北京', '北京市', 'mainland', $1)", {now});
    Exec("INSERT INTO regions (id, code, name, province, area, created_ms) "
         "VALUES (5, 'sh', '上海', '上海市', 'mainland', $1)", {now});
    Exec("INSERT INTO branches (id, region_id, code, name, address, created_ms) "
         "VALUES (2, 1, 'bj-cy', '朝阳支行', '朝阳路 1 号', $1)", {now});
    Exec("INSERT INTO teams (id, code, name, created_ms) VALUES (7, 'wealth', '财富团队', $1)",
         {now});
    for (int i = 0; i < 3; ++i) {
      Exec("INSERT INTO agents (id, employee_no, name, team_id, role, created_ms, updated_ms) "
           "VALUES ($1, $2, $3, 7, 'agent', $4, $4)",
           {int64_t{30 + i}, "A00" + std::to_string(30 + i), "经理" + std::to_string(i), now});
    }
    options_.pii_key = kKey;
  }

  void Exec(const std::string& sql, const store::Params& params = {}) {
    auto r = db_->Exec(sql, params);
    ASSERT_TRUE(r.ok()) << r.status().ToString() << "\n" << sql;
  }
  int64_t Count(const std::string& sql, const store::Params& params = {}) {
    auto r = db_->QueryInt64(sql, params);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : -1;
  }

  Result<ImportReport> Import(const std::string& name, const std::string& bytes) {
    issues_.clear();
    return ImportCustomers(*db_, clock_, ids_, name, bytes, options_,
                           [&](const ImportIssue& i) { issues_.push_back(i); });
  }

  const ImportIssue* IssueAt(int64_t line) const {
    for (const ImportIssue& i : issues_) {
      if (i.line == line) {
        return &i;
      }
    }
    return nullptr;
  }

  testing::TempDir dir_;
  FakeClock clock_;  // 2026-01-01
  IdGenerator ids_{&clock_, 1};
  std::unique_ptr<store::Database> db_;
  ImportOptions options_;
  std::vector<ImportIssue> issues_;
};

TEST_F(ImportTest, CsvWithChineseHeadersNormalisesDeduplicatesAndReportsBadRows) {
  const std::string id1 = ValidId("11010519900307123");
  std::string bad_id = id1;
  bad_id.back() = bad_id.back() == '1' ? '2' : '1';
  std::string csv =
      "\xEF\xBB\xBF姓名,手机号码,身份证号,邮箱,网点,资产(元),标签,备注\n"
      "张　三,+86 138-1234-5678," + id1 + ",Zhang@Example.COM,朝阳支行,\"1,200,000\",理财;代发,vip\n"
      "李四,12345,,,,,,\n"                                        // line 3: bad mobile
      "王五,13900001111," + bad_id + ",,,,,\n"                     // line 4: bad check digit
      ",13900002222,,,,,,\n"                                       // line 5: no name
      "张三,13812345678,,,,,信用卡,\n"                             // line 6: duplicate of line 2
      "\"Ｌｉ  Ming\",13700003333,,,,800,,\"多行\n备注\"\n"         // line 7-8: quoted newline
      "赵六,,,,,,,\n";                                             // line 9: no key
  auto report = Import("客户.csv", csv);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->encoding, "UTF-8");
  EXPECT_EQ(report->rows, 7);
  EXPECT_EQ(report->inserted, 2);
  EXPECT_EQ(report->rejected, 4);
  EXPECT_EQ(report->merged_in_file, 1);
  EXPECT_EQ(report->ignored_columns, std::vector<std::string>{"备注"});

  ASSERT_NE(IssueAt(3), nullptr);
  EXPECT_EQ(IssueAt(3)->column, "手机号码");
  EXPECT_FALSE(IssueAt(3)->warning);
  ASSERT_NE(IssueAt(4), nullptr);
  EXPECT_EQ(IssueAt(4)->column, "身份证号");
  EXPECT_NE(IssueAt(4)->value, bad_id) << "personal data is masked in the report";
  ASSERT_NE(IssueAt(5), nullptr);
  EXPECT_EQ(IssueAt(5)->column, "姓名");
  ASSERT_NE(IssueAt(6), nullptr);
  EXPECT_TRUE(IssueAt(6)->warning);
  ASSERT_NE(IssueAt(9), nullptr);

  auto zhang = db_->Query(
      "SELECT id, name, mobile, email, birth_date, gender, tier, customer_type, assets_fen, "
      "branch_id, region_id, source FROM customers WHERE name = '张三'");
  ASSERT_TRUE(zhang.ok());
  ASSERT_EQ(zhang->size(), 1u);
  const store::Row& z = (*zhang)[0];
  EXPECT_EQ(z.Text(2), "13812345678");
  EXPECT_EQ(z.Text(3), "zhang@example.com");
  EXPECT_EQ(z.Text(4), "1990-03-07") << "birth date from the ID number";
  EXPECT_EQ(z.Text(5), "male");
  EXPECT_EQ(z.Text(6), "platinum") << "1.2 million yuan of assets";
  EXPECT_EQ(z.Text(7), "general");
  EXPECT_EQ(z.Int64(8), 120'000'000);
  EXPECT_EQ(z.Int64(9), 2);
  EXPECT_EQ(z.Int64(10), 1);
  EXPECT_EQ(z.Text(11), "import");
  const int64_t zid = z.Int64(0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customer_keys WHERE customer_id = $1", {zid}), 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customer_keys WHERE kind = 'mobile' AND key = $1",
                  {pii::KeyedHash(kKey, "13812345678")}),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customer_tags WHERE customer_id = $1", {zid}), 3)
      << "理财, 代发 and 信用卡 from the duplicate row";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers WHERE name = 'Li Ming' AND tier = 'standard'"),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM import_jobs WHERE status = 'done' AND inserted = 2"), 1);

  // Running the same file again changes nothing.
  auto again = Import("客户.csv", csv);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->inserted, 0);
  EXPECT_EQ(again->updated, 0);
  EXPECT_EQ(again->unchanged, 2);
  EXPECT_EQ(again->rejected, 4);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customer_keys"), 4);
}

TEST_F(ImportTest, ParserThreadGivesTheSameResultAsInline) {
  // Many small batches through the two-thread pipeline: the same counts, the same issues in
  // the same order, progress after every batch, and the same rows as reading inline.
  std::string csv = "姓名,手机号码,身份证号,标签\n";
  for (int i = 0; i < 60; ++i) {
    if (i % 7 == 3) {
      csv += "坏行" + std::to_string(i) + ",123,,\n";  // bad mobile: rejected
    } else if (i % 5 == 4) {
      csv += "重复" + std::to_string(i) + ",1380000" + std::to_string(1000 + i - 4) + ",,b\n";
    } else {
      csv += "客户" + std::to_string(i) + ",1380000" + std::to_string(1000 + i) + "," +
             ValidId("1101051990030" + std::to_string(7000 + i)) + ",a\n";
    }
  }
  options_.batch_rows = 4;
  auto run = [&](int64_t min_bytes, std::vector<std::pair<int64_t, int64_t>>* progress) {
    options_.parse_thread_min_bytes = min_bytes;
    issues_.clear();
    return ImportCustomers(
        *db_, clock_, ids_, "p.csv", csv, options_,
        [&](const ImportIssue& i) { issues_.push_back(i); },
        [&](int64_t done, int64_t total) { progress->emplace_back(done, total); });
  };
  std::vector<std::pair<int64_t, int64_t>> inline_progress;
  auto inline_report = run(int64_t{1} << 40, &inline_progress);
  ASSERT_TRUE(inline_report.ok()) << inline_report.status().ToString();
  std::vector<ImportIssue> inline_issues = issues_;
  auto dump = [&] {
    auto rows = db_->Query(
        "SELECT c.name, c.mobile, c.birth_date, (SELECT COUNT(*) FROM customer_keys k WHERE "
        "k.customer_id = c.id), (SELECT COUNT(*) FROM customer_tags t WHERE t.customer_id = c.id) "
        "FROM customers c ORDER BY c.mobile");
    EXPECT_TRUE(rows.ok());
    std::string out;
    for (const store::Row& r : *rows) {
      out += r.Text(0) + "|" + r.Text(1) + "|" + r.OptText(2).value_or("") + "|" +
             std::to_string(r.Int64(3)) + "|" + std::to_string(r.Int64(4)) + "\n";
    }
    return out;
  };
  const std::string inline_rows = dump();
  Exec("DELETE FROM customer_tags");
  Exec("DELETE FROM customer_keys");
  Exec("DELETE FROM customers");

  std::vector<std::pair<int64_t, int64_t>> threaded_progress;
  auto threaded_report = run(0, &threaded_progress);
  ASSERT_TRUE(threaded_report.ok()) << threaded_report.status().ToString();
  EXPECT_EQ(threaded_report->rows, inline_report->rows);
  EXPECT_EQ(threaded_report->inserted, inline_report->inserted);
  EXPECT_EQ(threaded_report->merged_in_file, inline_report->merged_in_file);
  EXPECT_EQ(threaded_report->rejected, inline_report->rejected);
  EXPECT_EQ(threaded_report->warnings, inline_report->warnings);
  EXPECT_GT(inline_report->rejected, 0);
  EXPECT_GT(inline_report->merged_in_file, 0);
  ASSERT_EQ(issues_.size(), inline_issues.size());
  for (size_t i = 0; i < issues_.size(); ++i) {
    EXPECT_EQ(issues_[i].line, inline_issues[i].line) << i;
    // (Reasons name customer ids, which differ between the two runs.)
    EXPECT_EQ(issues_[i].reason.substr(0, issues_[i].reason.find('#')),
              inline_issues[i].reason.substr(0, inline_issues[i].reason.find('#')))
        << i;
    EXPECT_EQ(issues_[i].column, inline_issues[i].column) << i;
    EXPECT_EQ(issues_[i].warning, inline_issues[i].warning) << i;
  }
  EXPECT_EQ(threaded_progress, inline_progress);
  EXPECT_GT(threaded_progress.size(), 10u);
  EXPECT_EQ(dump(), inline_rows);

  // And a re-run through the pipeline changes nothing.
  auto again = run(0, &threaded_progress);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->inserted, 0);
  EXPECT_EQ(again->updated, 0);
}

TEST_F(ImportTest, Gb18030CsvIsConverted) {
  // "姓名,手机\n张三,13812345678\n" in GB18030.
  std::string csv = "\xD0\xD5\xC3\xFB,\xCA\xD6\xBB\xFA\n\xD5\xC5\xC8\xFD,13812345678\n";
  auto report = Import("gbk.csv", csv);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->encoding, "GB18030");
  EXPECT_EQ(report->inserted, 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers WHERE name = '张三'"), 1);
}

TEST_F(ImportTest, JsonLinesImport) {
  std::string jsonl =
      "{\"name\": \"陈七\", \"mobile\": \"13611112222\", \"tier\": \"金卡\", \"tags\": [\"a\", \"b\"]}\n"
      "\n"
      "{\"name\": \"周八\", \"email\": \"zhou@example.cn\", \"birth_date\": \"1950/2/3\"}\n"
      "not json\n";
  auto report = Import("feed.jsonl", jsonl);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->inserted, 2);
  EXPECT_EQ(report->rejected, 1) << "a line that is not JSON is one bad row";
  ASSERT_NE(IssueAt(4), nullptr);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers WHERE name = '陈七' AND tier = 'gold'"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers WHERE name = '周八' AND "
                  "customer_type = 'senior' AND birth_date = '1950-02-03'"),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customer_tags"), 2);
}

TEST_F(ImportTest, MergePolicies) {
  ASSERT_TRUE(Import("a.csv", "姓名,手机,性别\n张三,13812345678,男\n").ok());
  auto fill = Import("b.csv", "姓名,手机,邮箱\n张叁,13812345678,z@example.com\n");
  ASSERT_TRUE(fill.ok());
  EXPECT_EQ(fill->updated, 1) << "the e-mail was empty and is filled";
  ASSERT_NE(IssueAt(2), nullptr);
  EXPECT_TRUE(IssueAt(2)->warning);
  EXPECT_EQ(IssueAt(2)->column, "姓名");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers WHERE name = '张三' AND email = 'z@example.com'"),
            1);

  options_.merge = MergePolicy::kFileWins;
  auto wins = Import("b.csv", "姓名,手机,邮箱\n张叁,13812345678,z@example.com\n");
  ASSERT_TRUE(wins.ok());
  EXPECT_EQ(wins->updated, 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers WHERE name = '张叁'"), 1);
}

TEST_F(ImportTest, RowMatchingTwoCustomersIsRejected) {
  ASSERT_TRUE(Import("a.csv", "姓名,手机\n甲,13800000001\n乙,13800000002\n").ok());
  auto r = Import("b.csv", "姓名,手机,备用手机\n甲,13800000001,13800000002\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rejected, 1);
  ASSERT_NE(IssueAt(2), nullptr);
  EXPECT_NE(IssueAt(2)->reason.find("两位不同的客户"), std::string::npos) << IssueAt(2)->reason;
}

TEST_F(ImportTest, SecondMobileBecomesAKey) {
  ASSERT_TRUE(Import("a.csv", "姓名,手机,备用手机\n甲,13800000001,13800000009\n").ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customer_keys WHERE kind = 'mobile'"), 2);
  auto r = Import("b.csv", "姓名,手机\n甲,13800000009\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->inserted, 0);
  EXPECT_EQ(r->unchanged, 1);
}

TEST_F(ImportTest, RoundRobinOwnersRespectCapacity) {
  options_.rules.owners.mode = OwnerRule::Mode::kRoundRobin;
  options_.rules.owners.team = "wealth";
  options_.rules.owners.capacity = 2;
  std::string csv = "姓名,手机\n";
  for (int i = 0; i < 8; ++i) {
    csv += "客户" + std::to_string(i) + ",1380000000" + std::to_string(i) + "\n";
  }
  auto r = Import("owners.csv", csv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->inserted, 8);
  EXPECT_EQ(r->owners_assigned, 6) << "three owners of capacity two";
  EXPECT_EQ(Count("SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM customers "
                  "WHERE owner_agent_id IS NOT NULL GROUP BY owner_agent_id) t"),
            2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM owner_history WHERE reason = 'round_robin'"), 6);
  auto again = Import("owners.csv", csv);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->updated, 0);
  EXPECT_EQ(again->owners_assigned, 0);
}

TEST_F(ImportTest, UnknownBranchAndOwnerAreReportedWithTheirColumn) {
  auto r = Import("x.csv", "name,mobile,branch,owner\n甲,13800000001,火星支行,\n乙,13800000002,,A0099\n丙,13800000003,bj-cy,A0031\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->inserted, 1);
  ASSERT_NE(IssueAt(2), nullptr);
  EXPECT_EQ(IssueAt(2)->column, "branch");
  ASSERT_NE(IssueAt(3), nullptr);
  EXPECT_EQ(IssueAt(3)->column, "owner");
  EXPECT_EQ(Count("SELECT owner_agent_id FROM customers WHERE name = '丙'"), 31);
}

TEST_F(ImportTest, FilesThatCannotBeReadWriteNothing) {
  auto no_name = Import("x.csv", "手机,邮箱\n13800000001,a@b.cn\n");
  EXPECT_EQ(no_name.status().code(), StatusCode::kInvalidArgument);
  auto unknown = Import("x.pdf", "%PDF");
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  auto bad_xlsx = Import("x.xlsx", "not a zip");
  EXPECT_EQ(bad_xlsx.status().code(), StatusCode::kInvalidArgument);
  auto twice = Import("x.csv", "姓名,name\n甲,乙\n");
  EXPECT_EQ(twice.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers"), 0);
}

TEST_F(ImportTest, DryRunWritesNothing) {
  options_.dry_run = true;
  auto r = Import("a.csv", "姓名,手机\n甲,13800000001\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->inserted, 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM import_jobs"), 0);
}

// A file whose duplicates fall in different batches: the dry run sees the customers the
// earlier batches would create (it used to fail with "customer was not loaded"), and the
// counts and issues are those of the real run, whatever the batch size.
TEST_F(ImportTest, BatchBoundariesChangeNothing) {
  const std::string csv =
      "姓名,手机号码,邮箱,证件类型,证件号码,客户等级\n"
      "甲,13800000001,,,,\n"                         // 2: new, no ID number
      "乙,13800000002,b@example.cn,,,\n"             // 3: new
      "甲,13800000001,a@example.cn,护照,E1234567,\n"  // 4: same as 2, adds e-mail, passport
      "乙,13800000002,,,,金卡\n"                      // 5: same as 3, tier differs (default kept)
      "丙,13800000003,,,,\n"                         // 6: new
      "乙,13800000002,b@example.cn,,,\n";            // 7: same as 3, nothing new
  struct Run {
    ImportReport report;
    std::vector<std::string> issues;
  };
  auto run = [&](int batch_rows, bool dry_run) {
    options_.batch_rows = batch_rows;
    options_.dry_run = dry_run;
    Run out;
    auto r = Import("b.csv", csv);
    EXPECT_TRUE(r.ok()) << "batch " << batch_rows << (dry_run ? " dry run: " : ": ")
                        << r.status().ToString();
    if (r.ok()) {
      out.report = *r;
    }
    for (const ImportIssue& i : issues_) {
      out.issues.push_back(std::to_string(i.line) + ":" + i.column + ":" +
                           i.reason.substr(0, i.reason.find('#')));
    }
    return out;
  };
  auto clear = [&] {
    Exec("DELETE FROM customer_tags");
    Exec("DELETE FROM customer_keys");
    Exec("DELETE FROM customers");
  };
  Run whole = run(1000, false);
  EXPECT_EQ(whole.report.inserted, 3);
  EXPECT_EQ(whole.report.updated, 0);
  EXPECT_EQ(whole.report.unchanged, 0);
  EXPECT_EQ(whole.report.merged_in_file, 3);
  auto stored = [&] {
    auto rows = db_->Query("SELECT name, id_type, id_number, tier, email FROM customers "
                           "ORDER BY mobile");
    EXPECT_TRUE(rows.ok());
    std::string out;
    for (const store::Row& r : *rows) {
      out += r.Text(0) + "|" + r.Text(1) + "|" + r.OptText(2).value_or("") + "|" + r.Text(3) +
             "|" + r.OptText(4).value_or("") + "\n";
    }
    return out;
  };
  const std::string whole_rows = stored();
  // The passport number came with its type, over the resident_id default.
  EXPECT_EQ(whole_rows,
            "甲|passport|E1234567|standard|a@example.cn\n乙|resident_id||standard|b@example.cn\n"
            "丙|resident_id||standard|\n");
  for (int batch : {1, 2, 3}) {
    clear();
    Run dry = run(batch, true);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM customers"), 0);
    Run real = run(batch, false);
    for (const Run* r : {&dry, &real}) {
      EXPECT_EQ(r->report.inserted, whole.report.inserted) << batch;
      EXPECT_EQ(r->report.updated, whole.report.updated) << batch;
      EXPECT_EQ(r->report.unchanged, whole.report.unchanged) << batch;
      EXPECT_EQ(r->report.merged_in_file, whole.report.merged_in_file) << batch;
      EXPECT_EQ(r->report.warnings, whole.report.warnings) << batch;
      EXPECT_EQ(r->issues, whole.issues) << batch;
    }
    EXPECT_EQ(stored(), whole_rows) << batch;
  }
}

// A stopped import keeps the batches it wrote, records the job as failed under the id the
// caller chose, and a re-run of the file finishes the job.
TEST_F(ImportTest, CancelStopsAfterTheBatchAndARerunFinishes) {
  std::string csv = "姓名,手机\n";
  for (int i = 0; i < 10; ++i) {
    csv += "客户" + std::to_string(i) + ",1380000000" + std::to_string(i) + "\n";
  }
  std::atomic<bool> cancel{true};
  options_.batch_rows = 4;
  options_.cancel = &cancel;
  options_.job_id = 777;
  auto r = Import("a.csv", csv);
  EXPECT_EQ(r.status().code(), StatusCode::kAborted) << r.status().ToString();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers"), 4);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM import_jobs WHERE id = 777 AND status = 'failed'"), 1);
  cancel = false;
  options_.job_id = 0;
  r = Import("a.csv", csv);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->inserted, 6);
  EXPECT_EQ(r->unchanged, 4);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers"), 10);
}

TEST_F(ImportTest, RulesFromToml) {
  std::string path = (dir_.path() / "rules.toml").string();
  std::ofstream(path) << "[[tier]]\nmin_assets_yuan = 100\ntier = \"金卡\"\n"
                         "[[type]]\nmin_age = 18\ntype = \"adult\"\n"
                         "[owners]\nmode = \"round_robin\"\ncapacity = 10\n";
  auto rules = LoadImportRules(path);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->tiers.size(), 1u);
  EXPECT_EQ(rules->tiers[0].tier, "gold");
  EXPECT_EQ(rules->owners.mode, OwnerRule::Mode::kRoundRobin);
  std::ofstream(path) << "[owners]\nmode = \"random\"\n";
  auto bad = LoadImportRules(path);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("owners.mode"), std::string::npos);
}

// A minimal workbook as Excel writes it: shared strings, an inline string, numbers.
std::string MakeXlsx() {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* out = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_source_keep(out);
  zip_t* z = zip_open_from_source(out, ZIP_TRUNCATE, &error);
  auto add = [&](const char* name, const std::string& body) {
    char* copy = static_cast<char*>(malloc(body.size()));
    memcpy(copy, body.data(), body.size());
    zip_source_t* s = zip_source_buffer(z, copy, body.size(), 1);
    zip_file_add(z, name, s, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8);
  };
  add("xl/workbook.xml",
      R"(<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="客户" sheetId="1" r:id="rId1"/></sheets></workbook>)");
  add("xl/_rels/workbook.xml.rels",
      R"(<Relationships><Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>)");
  add("xl/sharedStrings.xml",
      R"(<sst><si><t>姓名</t></si><si><t>手机</t></si><si><t>出生日期</t></si><si><r><t>王</t></r><r><t>小明</t></r></si></sst>)");
  add("xl/worksheets/sheet1.xml",
      R"(<worksheet><sheetData>)"
      R"(<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>)"
      R"(<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2"><v>1.3812345678E10</v></c><c r="C2"><v>32875</v></c></row>)"
      R"(<row r="4"><c r="A4" t="inlineStr"><is><t>李雷</t></is></c><c r="C4"><v>32875</v></c></row>)"
      R"(</sheetData></worksheet>)");
  zip_close(z);
  zip_source_open(out);
  zip_source_seek(out, 0, SEEK_END);
  zip_int64_t size = zip_source_tell(out);
  zip_source_seek(out, 0, SEEK_SET);
  std::string bytes(size, '\0');
  zip_source_read(out, bytes.data(), size);
  zip_source_close(out);
  zip_source_free(out);
  return bytes;
}

TEST_F(ImportTest, XlsxFirstSheet) {
  auto r = Import("客户.xlsx", MakeXlsx());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->encoding, "xlsx");
  EXPECT_EQ(r->inserted, 1);
  EXPECT_EQ(r->rejected, 1);
  ASSERT_NE(IssueAt(4), nullptr) << "spreadsheet row numbers, gaps included";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers WHERE name = '王小明' AND "
                  "mobile = '13812345678' AND birth_date = '1990-01-02'"),
            1);
}

}  // namespace
}  // namespace kefu::crm
