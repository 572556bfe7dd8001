#include "kefu/kb/knowledge_base.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <memory>
#include <string>

#include "internal/dates.h"
#include "kefu/core/testing/temp_dir.h"
#include "kefu/kb/demo_content.h"
#include "kefu/store/migrate.h"
#include "kefu/core/xlsx.h"

namespace kefu::kb {
namespace {

namespace json = boost::json;

// 2026-11-22T12:00:00+08:00.
const int64_t kNow = internal::LocalMidnightMs(2026, 11, 22) + 12 * 3'600'000;

class KnowledgeBaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::OpenDatabase(dir_.SqliteUrl());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(store::Migrate(*db_, store::KefuMigrations()).ok());
    ASSERT_TRUE(db_->Exec("INSERT INTO error_codes (code, reason, advice, channel, category, "
                          "updated_ms) VALUES ('E1001', '余额不足', "
                          "'账户可用余额不足，请存入资金或更换支付卡后重试。', 'all', "
                          "'balance', 0)")
                    .ok());
    kb_ = std::make_unique<KnowledgeBase>(db_.get(), &clock_, &ids_);
    ASSERT_TRUE(kb_->Load().ok());
  }

  Entry Faq(std::string title, std::string body) {
    Entry e;
    e.kind = "faq";
    e.title = std::move(title);
    e.body = std::move(body);
    return e;
  }

  Entry Activity(std::string code, std::string title, int64_t from, int64_t to,
                 std::vector<std::string> regions, std::vector<std::string> cards) {
    Entry e;
    e.kind = "activity";
    e.code = std::move(code);
    e.title = std::move(title);
    e.terms = "活动期间刷卡满额参与";
    e.valid_from_ms = from;
    e.valid_to_ms = to;
    e.regions = std::move(regions);
    e.card_types = std::move(cards);
    return e;
  }

  static SearchRequest Req(std::string text, std::vector<std::string> regions = {},
                           std::string card = "") {
    SearchRequest r;
    r.text = std::move(text);
    r.regions = std::move(regions);
    r.card_type = std::move(card);
    return r;
  }

  std::vector<std::string> Titles(const SearchResult& r) {
    std::vector<std::string> out;
    for (const SearchHit& h : r.hits) {
      out.push_back(h.title);
    }
    return out;
  }

  testing::TempDir dir_;
  FakeClock clock_{kNow};
  IdGenerator ids_{&clock_, 1};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<KnowledgeBase> kb_;
};

TEST_F(KnowledgeBaseTest, CreateUpdateDeleteKeepVersions) {
  auto created = kb_->Create(Faq("信用卡怎么激活", "在手机银行激活。"), "wang");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->version, 1);
  EXPECT_EQ(created->visibility, "agent_only");

  Entry edit = *created;
  edit.body = "在手机银行或柜面激活。";
  auto updated = kb_->Update(created->id, edit, "li", 1);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->updated_by, "li");

  // An edit made against an old version is refused; an edit that changes nothing keeps it.
  EXPECT_EQ(kb_->Update(created->id, edit, "zhao", 1).status().code(), StatusCode::kAborted);
  auto same = kb_->Update(created->id, edit, "zhao");
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->version, 2);

  ASSERT_TRUE(kb_->Delete(created->id, "admin").ok());
  EXPECT_EQ(kb_->Get(created->id).status().code(), StatusCode::kNotFound);
  auto versions = kb_->Versions(created->id);
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 3u);
  EXPECT_EQ((*versions)[0].action, "delete");
  EXPECT_EQ((*versions)[0].changed_by, "admin");
  EXPECT_EQ((*versions)[1].changed_by, "li");
  EXPECT_NE((*versions)[1].entry_json.find("柜面"), std::string::npos);
  EXPECT_EQ((*versions)[2].action, "create");
  auto hits = kb_->Search(Req("激活"));
  ASSERT_TRUE(hits.ok());
  EXPECT_TRUE(hits->hits.empty());
}

TEST_F(KnowledgeBaseTest, ValidationNamesTheField) {
  EXPECT_EQ(kb_->Create(Faq("", "x"), "a").status().field(), "title");
  EXPECT_EQ(kb_->Create(Faq("问题", ""), "a").status().field(), "body");
  Entry link;
  link.kind = "link";
  link.title = "官网";
  link.url = "ftp://x";
  EXPECT_EQ(kb_->Create(link, "a").status().field(), "url");
  Entry bad = Activity("HD 1", "活动", kNow, kNow + 1, {}, {});
  EXPECT_EQ(kb_->Create(bad, "a").status().field(), "code");
  Entry backwards = Activity("HD1", "活动", kNow, kNow - 1, {}, {});
  EXPECT_EQ(kb_->Create(backwards, "a").status().field(), "valid_to_ms");
  ASSERT_TRUE(kb_->Create(Activity("hd1", "活动甲", kNow, kNow + 1, {}, {}), "a").ok());
  auto dup = kb_->Create(Activity("HD1", "活动乙", kNow, kNow + 1, {}, {}), "a");
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.status().field(), "code");
}

TEST_F(KnowledgeBaseTest, ExactLookupFindsActivitiesErrorCodesAndShortcuts) {
  Entry a = Activity("hd2610nb", "刷卡送笔记本", kNow - 60 * internal::kDayMs,
                     kNow - 30 * internal::kDayMs, {}, {});
  ASSERT_TRUE(kb_->Create(a, "a").ok());
  auto found = kb_->LookupCode(" ｈｄ2610NB ");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->kind, "activity");
  EXPECT_EQ(found->entry->code, "HD2610NB");
  EXPECT_TRUE(found->expired);

  auto ec = kb_->LookupCode("e1001");
  ASSERT_TRUE(ec.ok());
  EXPECT_EQ(ec->kind, "error_code");
  EXPECT_EQ(ec->error_code->reason, "余额不足");

  Entry p;
  p.kind = "phrase";
  p.title = "开场问候";
  p.body = "您好，很高兴为您服务。";
  p.shortcut = "/NH";
  ASSERT_TRUE(kb_->Create(p, "a").ok());
  auto phrase = kb_->LookupCode("/nh");
  ASSERT_TRUE(phrase.ok());
  EXPECT_EQ(phrase->kind, "phrase");
  EXPECT_EQ(kb_->LookupCode("NOPE").status().code(), StatusCode::kNotFound);

  // The error code is a search document too.
  auto hits = kb_->Search(Req("余额不足"));
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->hits.empty());
  EXPECT_EQ(hits->hits[0].kind, "error_code");
  EXPECT_EQ(hits->hits[0].code, "E1001");
}

TEST_F(KnowledgeBaseTest, ExpiredEntriesStopAppearing) {
  Entry gone = Faq("国庆活动怎么参加", "刷卡即可参加。");
  gone.valid_to_ms = kNow - 1;
  ASSERT_TRUE(kb_->Create(gone, "a").ok());
  ASSERT_TRUE(kb_->Create(Faq("春节活动怎么参加", "刷卡即可参加。"), "a").ok());
  auto hits = kb_->Search(Req("活动怎么参加"));
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ(Titles(*hits), std::vector<std::string>{"春节活动怎么参加"});
}

TEST_F(KnowledgeBaseTest, RoughDescriptionRanksByDateRegionAndCard) {
  const int64_t oct1 = internal::LocalMidnightMs(2026, 10, 1);
  const int64_t nov1 = internal::LocalMidnightMs(2026, 11, 1);
  const int64_t dec1 = internal::LocalMidnightMs(2026, 12, 1);
  const int64_t sep1 = internal::LocalMidnightMs(2026, 9, 1);
  // Same text, different months / regions / cards.
  ASSERT_TRUE(kb_->Create(Activity("NB10", "刷卡满1000元抽奖送笔记本电脑", oct1, nov1,
                                   {"广东"}, {"金卡"}), "a").ok());
  ASSERT_TRUE(kb_->Create(Activity("NB11", "刷卡满1000元抽奖送笔记本电脑", nov1, dec1, {}, {}),
                          "a").ok());
  ASSERT_TRUE(kb_->Create(Activity("NB09", "刷卡满1000元送笔记本电脑", sep1, oct1, {}, {}),
                          "a").ok());
  ASSERT_TRUE(kb_->Create(Activity("NB10BJ", "刷卡满1000元抽奖送笔记本电脑（北京）", oct1, nov1,
                                   {"北京"}, {"普卡"}), "a").ok());

  auto last_month = kb_->Search(Req("上个月刷卡满1000送笔记本的那个活动", {"广东省", "深圳"}, "金卡"));
  ASSERT_TRUE(last_month.ok()) << last_month.status().ToString();
  ASSERT_TRUE(last_month->window);
  EXPECT_EQ(last_month->window->phrase, "上个月");
  EXPECT_EQ(last_month->window->from_ms, oct1);
  ASSERT_GE(last_month->hits.size(), 2u);
  EXPECT_EQ(last_month->hits[0].code, "NB10");
  EXPECT_TRUE(last_month->hits[0].date_match);
  EXPECT_TRUE(last_month->hits[0].expired);
  EXPECT_EQ(last_month->hits[0].region_match, "match");
  EXPECT_EQ(last_month->hits[0].card_type_match, "match");
  // September's campaign ended before the window: it does not appear at all.
  for (const SearchHit& h : last_month->hits) {
    EXPECT_NE(h.code, "NB09");
  }

  // Without a date, only the running campaign is shown.
  auto now = kb_->Search(Req("刷卡送笔记本"));
  ASSERT_TRUE(now.ok());
  ASSERT_EQ(now->hits.size(), 1u);
  EXPECT_EQ(now->hits[0].code, "NB11");
}

TEST_F(KnowledgeBaseTest, FindDateWindowReadsRelativePeriods) {
  auto w = FindDateWindow("上周的活动", kNow);  // Sunday 2026-11-22
  ASSERT_TRUE(w);
  EXPECT_EQ(internal::FormatLocalDate(w->from_ms), "2026-11-09");
  EXPECT_EQ(internal::FormatLocalDate(w->to_ms), "2026-11-16");
  w = FindDateWindow("今年的", kNow);
  ASSERT_TRUE(w);
  EXPECT_EQ(internal::FormatLocalDate(w->from_ms), "2026-01-01");
  w = FindDateWindow("12月份收到的短信", kNow);
  ASSERT_TRUE(w);
  EXPECT_EQ(internal::FormatLocalDate(w->from_ms), "2025-12-01");
  w = FindDateWindow("十月的活动", kNow);
  ASSERT_TRUE(w);
  EXPECT_EQ(internal::FormatLocalDate(w->from_ms), "2026-10-01");
  EXPECT_FALSE(FindDateWindow("分3个月还款", kNow));
  EXPECT_FALSE(FindDateWindow("信用卡怎么激活", kNow));
}

TEST_F(KnowledgeBaseTest, Favourites) {
  auto e = kb_->Create(Faq("怎么挂失", "手机银行挂失。"), "a");
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(kb_->AddFavourite(7, e->id).ok());
  ASSERT_TRUE(kb_->AddFavourite(7, e->id).ok());
  EXPECT_EQ(kb_->AddFavourite(7, 12345).code(), StatusCode::kNotFound);
  auto favs = kb_->Favourites(7);
  ASSERT_TRUE(favs.ok());
  ASSERT_EQ(favs->size(), 1u);
  EXPECT_TRUE(kb_->Favourites(8)->empty());
  ASSERT_TRUE(kb_->RemoveFavourite(7, e->id).ok());
  EXPECT_TRUE(kb_->Favourites(7)->empty());
}

TEST_F(KnowledgeBaseTest, JsonImportReportsBadRowsAndIsIdempotent) {
  std::string file = R"([
    {"kind": "faq", "title": "怎么还款", "body": "手机银行还款。", "tags": ["还款"]},
    {"kind": "faq", "title": "", "body": "没有标题"},
    {"kind": "widget", "title": "x"},
    {"kind": "activity", "code": "HD1", "title": "满减", "valid_from": "2026-10-01",
     "valid_to": "2026-10-31", "regions": ["全国"]},
    {"kind": "error_code", "code": "E9001", "reason": "系统繁忙", "advice": "请稍后重试。"}
  ])";
  auto report = kb_->Import("kb.json", file, "cli");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->rows, 5);
  EXPECT_EQ(report->inserted, 3);
  EXPECT_EQ(report->rejected, 2);
  ASSERT_EQ(report->issues.size(), 2u);
  EXPECT_EQ(report->issues[0].line, 2);
  EXPECT_EQ(report->issues[0].column, "title");
  EXPECT_EQ(report->issues[1].line, 3);
  auto activity = kb_->LookupCode("HD1");
  ASSERT_TRUE(activity.ok());
  EXPECT_EQ(*activity->entry->valid_to_ms, internal::LocalMidnightMs(2026, 11, 1));
  EXPECT_TRUE(activity->entry->regions.empty());  // 全国

  auto again = kb_->Import("kb.json", file, "cli");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->inserted, 0);
  EXPECT_EQ(again->updated, 0);
  EXPECT_EQ(again->unchanged, 3);
}

TEST_F(KnowledgeBaseTest, XlsxExportImportRoundTrip) {
  ASSERT_TRUE(SeedDemoContent(*kb_, kNow).ok());
  auto bytes = kb_->ExportXlsx();
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto sheets = ReadXlsx(*bytes);
  ASSERT_TRUE(sheets.ok()) << sheets.status().ToString();
  ASSERT_EQ(sheets->size(), 6u);
  EXPECT_EQ((*sheets)[0].name, "faq");
  EXPECT_GE((*sheets)[0].rows.size(), 41u);
  auto report = kb_->Import("kb.xlsx", *bytes, "cli");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->rejected, 0) << report->issues[0].reason;
  EXPECT_EQ(report->inserted, 0);
  EXPECT_EQ(report->updated, 0);
  EXPECT_GT(report->unchanged, 70);

  // A hand-made sheet with Chinese headers: a bad date is reported with its row and column.
  std::vector<Sheet> mine = {
      {"常用语",
       {{1, {"标题", "快捷键", "内容"}},
        {2, {"稍等", "/sd", "请您稍等。"}},
        {3, {"", "/x", "没有标题"}}}},
      {"活动",
       {{1, {"活动代码", "活动名称", "开始日期", "结束日期", "适用地区", "卡种"}},
        {2, {"HDX1", "观影九块九", "2026-11-01", "2026-11-31", "湖北、武汉", "联名卡"}},
        {3, {"HDX2", "观影", "2026-11-01", "2026-11-30", "湖北", "联名卡"}}}},
  };
  auto xlsx = WriteXlsx(mine);
  ASSERT_TRUE(xlsx.ok());
  auto hand = kb_->Import("mine.xlsx", *xlsx, "cli");
  ASSERT_TRUE(hand.ok()) << hand.status().ToString();
  EXPECT_EQ(hand->inserted, 2);
  ASSERT_EQ(hand->issues.size(), 2u);
  EXPECT_EQ(hand->issues[0].sheet, "常用语");
  EXPECT_EQ(hand->issues[0].line, 3);
  EXPECT_EQ(hand->issues[0].column, "标题");
  EXPECT_EQ(hand->issues[1].sheet, "活动");
  EXPECT_EQ(hand->issues[1].line, 2);
  EXPECT_EQ(hand->issues[1].column, "结束日期");
  auto hdx2 = kb_->LookupCode("hdx2");
  ASSERT_TRUE(hdx2.ok());
  EXPECT_EQ(hdx2->entry->regions, std::vector<std::string>{"湖北"});
}

TEST_F(KnowledgeBaseTest, DemoContentIsSearchableAndIdempotent) {
  auto first = SeedDemoContent(*kb_, kNow);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->rejected, 0) << (first->issues.empty() ? "" : first->issues[0].reason);
  EXPECT_GE(first->inserted, 70);
  auto second = SeedDemoContent(*kb_, kNow);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->inserted + second->updated, 0);

  auto hits = kb_->Search(Req("上个月刷卡满1000送笔记本的那个活动", {"广东"}, "金卡"));
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->hits.empty());
  EXPECT_EQ(hits->hits[0].code, "HD2610NB");

  auto repay = kb_->Search(Req("怎么更换绑定还款的卡"));
  ASSERT_TRUE(repay.ok());
  ASSERT_FALSE(repay->hits.empty());
  EXPECT_EQ(repay->hits[0].title, "怎么更换绑定的自动还款卡");

  // Reloading from the store gives the same index.
  KnowledgeBase fresh(db_.get(), &clock_, &ids_);
  auto again = fresh.Search(Req("卡丢了怎么办"));
  ASSERT_TRUE(again.ok());
  ASSERT_FALSE(again->hits.empty());
  EXPECT_EQ(again->hits[0].title, "银行卡丢了怎么挂失");
  EXPECT_EQ(fresh.indexed(), kb_->indexed());
}

TEST_F(KnowledgeBaseTest, EntryJsonRoundTrip) {
  Entry e = Activity("HD9", "活动", 1, 2, {"广东"}, {"金卡"});
  e.id = 42;
  e.related_ids = {7, 9};
  auto back = EntryFromJson(EntryToJson(e));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(EntryToJson(*back).substr(0, 40), EntryToJson(e).substr(0, 40));
  EXPECT_EQ(back->related_ids, e.related_ids);
  EXPECT_EQ(back->regions, e.regions);
  EXPECT_EQ(EntryFromJson(R"({"tags": "x"})").status().field(), "tags");
}

}  // namespace
}  // namespace kefu::kb
