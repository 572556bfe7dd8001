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

TEST_F(KnowledgeBaseTest, RelatedIdsAreCheckedAndResolved) {
  auto a = kb_->Create(Faq("信用卡怎么激活", "在手机银行激活。"), "wang");
  auto b = kb_->Create(Faq("信用卡怎么挂失", "在手机银行挂失。"), "wang");
  ASSERT_TRUE(a.ok() && b.ok());
  Entry c = Faq("新卡收到后要做什么", "先激活，再设置密码。");
  c.related_ids = {b->id, a->id, b->id};
  auto created = kb_->Create(c, "wang");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->related_ids, (std::vector<int64_t>{b->id, a->id}));  // order kept
  auto related = kb_->Related(*created);
  ASSERT_TRUE(related.ok());
  ASSERT_EQ(related->size(), 2u);
  EXPECT_EQ((*related)[0].title, "信用卡怎么挂失");
  EXPECT_EQ((*related)[1].kind, "faq");

  // A missing id and the entry itself are refused, naming the id.
  Entry bad = c;
  bad.related_ids = {a->id, 424242};
  auto missing = kb_->Create(bad, "wang");
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().field(), "related_ids");
  EXPECT_NE(missing.status().message().find("424242"), std::string::npos);
  Entry self = *created;
  self.related_ids = {created->id};
  auto itself = kb_->Update(created->id, self, "wang");
  EXPECT_EQ(itself.status().field(), "related_ids");
  EXPECT_NE(itself.status().message().find(std::to_string(created->id)), std::string::npos);

  // Deleted since: skipped on read, dropped quietly by the next edit.
  ASSERT_TRUE(kb_->Delete(a->id, "admin").ok());
  related = kb_->Related(*kb_->Get(created->id));
  ASSERT_TRUE(related.ok());
  ASSERT_EQ(related->size(), 1u);
  EXPECT_EQ((*related)[0].id, b->id);
  Entry edit = *kb_->Get(created->id);
  edit.body = "先激活，再设置交易密码。";
  auto updated = kb_->Update(created->id, edit, "li");
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->related_ids, std::vector<int64_t>{b->id});
  // …but adding a deleted id anew is refused.
  edit.related_ids = {b->id, a->id};
  auto readd = kb_->Update(created->id, edit, "li");
  EXPECT_EQ(readd.status().field(), "related_ids");
}

TEST_F(KnowledgeBaseTest, ErrorCodesAreEditableWithHistory) {
  ErrorCode c;
  c.code = "e2001";
  c.reason = "卡片已过期";
  c.advice = "请客户到网点或手机银行申请换卡。";
  c.channel = "pos";
  c.category = "card";
  auto created = kb_->PutErrorCode(c, "wang");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->action, "create");
  EXPECT_EQ(created->code.code, "E2001");
  EXPECT_EQ(created->code.version, 1);
  EXPECT_EQ(created->code.updated_by, "wang");
  auto hits = kb_->Search(Req("卡片过期"));
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->hits.empty());
  EXPECT_EQ(hits->hits[0].code, "E2001");

  // Nothing changed: same version, no history row.
  auto same = kb_->PutErrorCode(c, "li");
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->action, "");
  EXPECT_EQ(same->code.version, 1);
  EXPECT_EQ(same->code.updated_by, "wang");

  c.advice = "请客户申请换卡，新卡激活后再试。";
  auto updated = kb_->PutErrorCode(c, "li", 1);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->action, "update");
  EXPECT_EQ(updated->code.version, 2);
  EXPECT_EQ(kb_->PutErrorCode(c, "zhao", 1).status().code(), StatusCode::kAborted);
  auto taken = kb_->PutErrorCode(c, "zhao", std::nullopt, /*create_only=*/true);
  EXPECT_EQ(taken.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(taken.status().field(), "code");
  ErrorCode wrong = c;
  wrong.channel = "fax";
  EXPECT_EQ(kb_->PutErrorCode(wrong, "li").status().field(), "channel");
  wrong = c;
  wrong.reason = " ";
  EXPECT_EQ(kb_->PutErrorCode(wrong, "li").status().field(), "reason");
  auto found = kb_->LookupCode("E2001");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->error_code->version, 2);
  EXPECT_EQ(found->error_code->advice, "请客户申请换卡，新卡激活后再试。");

  // Listing, filtering and paging.
  auto all = kb_->ListErrorCodes("", "", 10, 0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].code, "E1001");
  EXPECT_EQ((*all)[0].version, 0);  // seeded outside the knowledge base
  EXPECT_EQ(kb_->ListErrorCodes("card", "", 10, 0)->size(), 1u);
  EXPECT_EQ(kb_->ListErrorCodes("", "e20", 10, 0)->size(), 1u);
  EXPECT_EQ(kb_->ListErrorCodes("", "余额", 10, 0)->at(0).code, "E1001");
  EXPECT_EQ(kb_->ListErrorCodes("", "", 1, 1)->at(0).code, "E2001");
  EXPECT_EQ(*kb_->CountErrorCodes("", ""), 2);
  EXPECT_EQ(*kb_->CountErrorCodes("balance", "E1"), 1);
  EXPECT_EQ(*kb_->CountErrorCodes("", "%"), 0);

  // A code named by a transaction cannot be deleted; its history starts with the first edit.
  ASSERT_TRUE(db_->Exec("INSERT INTO customers (id, name, created_ms, updated_ms) VALUES "
                        "(1, '张三', 0, 0)")
                  .ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO transactions (id, customer_id, kind, direction, amount_fen, "
                        "channel, status, error_code, occurred_ms) VALUES (1, 1, 'purchase', "
                        "'out', 100, 'pos', 'failed', 'E1001', 0)")
                  .ok());
  Status refused = kb_->DeleteErrorCode("e1001", "admin");
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.field(), "code");
  EXPECT_NE(refused.message().find("1 transaction"), std::string::npos);
  // So can a code named only by an SMS message or a self-service step.
  ASSERT_TRUE(db_->Exec("INSERT INTO sms_messages (id, customer_id, mobile_masked, kind, text, "
                        "error_code, sent_ms) VALUES (1, 1, '138****0000', 'failure', '交易失败', "
                        "'E2001', 0)")
                  .ok());
  refused = kb_->DeleteErrorCode("E2001", "admin");
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("1 SMS message"), std::string::npos) << refused.message();
  ASSERT_TRUE(db_->Exec("DELETE FROM sms_messages").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO journey_events (id, customer_id, channel, step, outcome, "
                        "error_code, occurred_ms) VALUES (1, 1, 'app', 'transfer', 'failed', "
                        "'E2001', 0)")
                  .ok());
  refused = kb_->DeleteErrorCode("E2001", "admin");
  EXPECT_NE(refused.message().find("1 self-service step"), std::string::npos)
      << refused.message();
  ASSERT_TRUE(db_->Exec("DELETE FROM journey_events").ok());
  auto none = kb_->ErrorCodeVersions("E1001");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  ErrorCode e1001 = *kb_->GetErrorCode("E1001");
  e1001.advice = "请存入资金后重试。";
  auto first = kb_->PutErrorCode(e1001, "li", 0);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->action, "update");
  EXPECT_EQ(first->code.version, 1);

  ASSERT_TRUE(kb_->DeleteErrorCode("E2001", "admin").ok());
  EXPECT_EQ(kb_->DeleteErrorCode("E2001", "admin").code(), StatusCode::kNotFound);
  EXPECT_EQ(kb_->LookupCode("E2001").status().code(), StatusCode::kNotFound);
  hits = kb_->Search(Req("卡片过期"));
  ASSERT_TRUE(hits.ok());
  for (const SearchHit& h : hits->hits) {
    EXPECT_NE(h.code, "E2001");
  }
  auto history = kb_->ErrorCodeVersions("e2001");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].action, "delete");
  EXPECT_EQ((*history)[0].version, 3);
  EXPECT_EQ((*history)[0].changed_by, "admin");
  EXPECT_NE((*history)[0].entry_json.find("新卡激活"), std::string::npos);  // before the delete
  EXPECT_EQ((*history)[1].changed_by, "li");
  EXPECT_EQ((*history)[2].action, "create");
  EXPECT_NE((*history)[2].entry_json.find("网点"), std::string::npos);
  EXPECT_EQ(kb_->ErrorCodeVersions("NOPE").status().code(), StatusCode::kNotFound);

  // Created again: the numbering continues and search finds it again.
  auto again = kb_->PutErrorCode(c, "wang");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->action, "create");
  EXPECT_EQ(again->code.version, 4);
  EXPECT_EQ(kb_->Search(Req("卡片过期"))->hits.at(0).code, "E2001");
}

TEST_F(KnowledgeBaseTest, ImportWritesErrorCodeVersions) {
  std::string file = R"({"error_codes": [
    {"code": "E9001", "reason": "系统繁忙", "advice": "请稍后重试。", "category": "system"},
    {"code": "E9002", "reason": "超出限额", "advice": "请调整限额。", "channel": "fax"}
  ]})";
  auto dry = kb_->Import("kb.json", file, "cli", /*dry_run=*/true);
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  EXPECT_EQ(dry->inserted, 1);
  ASSERT_EQ(dry->rejected, 1);
  EXPECT_EQ(dry->issues[0].column, "channel");
  EXPECT_EQ(kb_->ErrorCodeVersions("E9001").status().code(), StatusCode::kNotFound);

  auto report = kb_->Import("kb.json", file, "cli");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->inserted, 1);
  auto versions = kb_->ErrorCodeVersions("E9001");
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 1u);
  EXPECT_EQ((*versions)[0].action, "create");
  EXPECT_EQ((*versions)[0].changed_by, "cli");
  auto again = kb_->Import("kb.json", file, "cli");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->unchanged, 1);
  EXPECT_EQ(kb_->ErrorCodeVersions("E9001")->size(), 1u);
}

TEST_F(KnowledgeBaseTest, CategoriesCountEntriesAndErrorCodes) {
  Entry a = Faq("怎么还款", "手机银行还款。");
  a.category = "还款";
  Entry b = Faq("还款日是哪天", "账单日后20天。");
  b.category = "还款";
  ASSERT_TRUE(kb_->Create(a, "w").ok());
  ASSERT_TRUE(kb_->Create(b, "w").ok());
  ASSERT_TRUE(kb_->Create(Faq("怎么挂失", "手机银行挂失。"), "w").ok());
  auto cats = kb_->Categories();
  ASSERT_TRUE(cats.ok()) << cats.status().ToString();
  ASSERT_EQ(cats->size(), 3u);
  EXPECT_EQ((*cats)[0].kind, "error_code");
  EXPECT_EQ((*cats)[0].category, "balance");
  EXPECT_EQ((*cats)[0].count, 1);
  EXPECT_EQ((*cats)[1].kind, "faq");
  EXPECT_EQ((*cats)[1].category, "");
  EXPECT_EQ((*cats)[2].category, "还款");
  EXPECT_EQ((*cats)[2].count, 2);
  EXPECT_EQ(*kb_->Count("faq", "还款"), 2);
  EXPECT_EQ(*kb_->Count("", std::nullopt), 3);
  // "" is the uncategorised node of the tree: its one entry, not every entry.
  EXPECT_EQ(*kb_->Count("faq", ""), 1);
  auto uncategorised = kb_->List("faq", "", 10, 0);
  ASSERT_TRUE(uncategorised.ok());
  ASSERT_EQ(uncategorised->size(), 1u);
  EXPECT_EQ(uncategorised->front().title, "怎么挂失");
  EXPECT_EQ(kb_->List("", std::nullopt, 10, 0)->size(), 3u);
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
