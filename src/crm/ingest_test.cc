#include "kefu/crm/ingest.h"

#include <gtest/gtest.h>

#include "kefu/core/pii.h"
#include "kefu/core/testing/temp_dir.h"
#include "kefu/crm/customers.h"
#include "kefu/store/migrate.h"

namespace kefu::crm {
namespace {

constexpr char kKey[] = "test-pii-key";

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::OpenDatabase(dir_.SqliteUrl());
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    ASSERT_TRUE(store::Migrate(*db_, store::KefuMigrations()).ok());
  }
  Result<IngestResponse> Apply(std::string_view kind, std::string_view key, std::string_view body) {
    return ingest_.Apply(kind, key, body, "token:feed");
  }
  int64_t Count(const std::string& sql) { return *db_->QueryInt64(sql); }

  kefu::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  FakeClock clock_;
  IdGenerator ids_{&clock_, 2};
  Ingest ingest_{nullptr, &clock_, &ids_, kKey};
};

// Error codes from the bank's feed keep a history like edits on the knowledge page: a new
// code is version 1 (create), a changed one the next version (update) by the feed's token,
// and sending the same code again writes nothing.
TEST_F(IngestTest, ErrorCodesFromTheFeedWriteVersions) {
  ingest_ = Ingest(db_.get(), &clock_, &ids_, kKey);
  auto r = Apply("error_codes", "v1",
                 R"({"items": [{"code": "51", "reason": "余额不足", "advice": "请还款后再试"}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  r = Apply("error_codes", "v2",
            R"({"items": [{"code": "51", "reason": "余额不足", "advice": "请还款后再试"}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM error_code_versions WHERE code = '51'"), 1);
  r = Apply("error_codes", "v3",
            R"({"items": [{"code": "51", "reason": "可用余额不足", "advice": "请还款后再试",
                           "channel": "pos"}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto rows = db_->Query(
      "SELECT version, action, changed_by, entry FROM error_code_versions WHERE code = '51' "
      "ORDER BY version");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].Int64(0), 1);
  EXPECT_EQ((*rows)[0].Text(1), "create");
  EXPECT_EQ((*rows)[1].Int64(0), 2);
  EXPECT_EQ((*rows)[1].Text(1), "update");
  EXPECT_EQ((*rows)[1].Text(2), "token:feed");
  EXPECT_NE((*rows)[1].Text(3).find("可用余额不足"), std::string::npos);
  EXPECT_NE((*rows)[1].Text(3).find("\"channel\":\"pos\""), std::string::npos);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM error_codes WHERE code = '51' AND channel = 'pos'"), 1);
}

TEST_F(IngestTest, CustomersThenProductsAndActivity) {
  ingest_ = Ingest(db_.get(), &clock_, &ids_, kKey);
  auto r = Apply("customers", "k1",
                 R"({"items": [{"cif": "C001", "name": "张三", "mobile": "13812345678"},
                               {"cif": "C002", "name": "李四", "mobile": "123"}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body.find("\"accepted\":1") != std::string::npos, true) << r->body;
  EXPECT_NE(r->body.find("\"index\":1"), std::string::npos) << r->body;

  r = Apply("error_codes", "k2",
            R"({"items": [{"code": "51", "reason": "余额不足", "advice": "请还款后再试"}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  r = Apply("cards", "k3",
            R"({"items": [{"cif": "C001", "card_number": "6222 0212 3456 7890 128", "product": "金卡",
                           "kind": "credit", "credit_limit_fen": 5000000, "available_fen": 100,
                           "expiry_month": "2030-01"}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->body.find("\"rejected\":0"), std::string::npos) << r->body;
  r = Apply("transactions", "k4",
            R"({"items": [{"cif": "C001", "external_ref": "T1", "card_number": "6222021234567890128",
                           "kind": "purchase", "direction": "out", "amount_fen": 120000,
                           "channel": "pos", "status": "failed", "error_code": "51",
                           "occurred_ms": 1767225000000},
                          {"cif": "C001", "external_ref": "T2", "kind": "purchase",
                           "direction": "out", "amount_fen": 1, "channel": "pos",
                           "status": "failed", "error_code": "99", "occurred_ms": 1}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->body.find("\"field\":\"error_code\""), std::string::npos) << r->body;
  r = Apply("sms", "k5",
            R"({"items": [{"mobile": "13812345678", "kind": "campaign", "external_ref": "S1",
                           "text": "刷卡满1000送笔记本 活动代码 HD01", "activity_code": "HD01",
                           "sent_ms": 1767225000000}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();

  Customers customers(db_.get(), &clock_, kKey);
  auto c = customers.Lookup(LookupKey::Cif("C001"), false);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->cards.size(), 1u);
  EXPECT_EQ(c->cards[0].number_masked, "***************0128");
  ASSERT_EQ(c->transactions.size(), 1u);
  EXPECT_EQ(c->transactions[0].error_reason, "余额不足");
  ASSERT_EQ(c->sms.size(), 1u);
  EXPECT_EQ(c->sms[0].activity_code, "HD01");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cards WHERE card_number_masked LIKE '%6222021234567890128%'"),
            0);
}

TEST_F(IngestTest, SameKeyReplaysDifferentBodyIsRefused) {
  ingest_ = Ingest(db_.get(), &clock_, &ids_, kKey);
  const char* body =
      R"({"items": [{"code": "51", "reason": "余额不足", "advice": "请还款后再试"}]})";
  auto first = Apply("error_codes", "same", body);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->replayed);
  auto again = Apply("error_codes", "same", body);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->body, first->body);
  auto other = Apply("error_codes", "same", R"({"items": []})");
  EXPECT_EQ(other.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Apply("error_codes", "", body).status().field(), "Idempotency-Key");
  EXPECT_EQ(Apply("planets", "x", body).status().field(), "kind");
  EXPECT_EQ(Apply("cards", "y", "[1]").status().field(), "items");
}

TEST_F(IngestTest, ResendingAnItemChangesNothing) {
  ingest_ = Ingest(db_.get(), &clock_, &ids_, kKey);
  ASSERT_TRUE(Apply("customers", "a", R"({"items": [{"cif": "C9", "name": "王五", "email": "w@x.cn"}]})").ok());
  const char* app = R"({"items": [{"cif": "C9", "external_ref": "A1", "product_kind": "card",
                                   "product": "白金卡", "stage": "reviewing"}]})";
  ASSERT_TRUE(Apply("applications", "b", app).ok());
  ASSERT_TRUE(Apply("applications", "c", app).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM applications"), 1);
  ASSERT_TRUE(Apply("applications", "d",
                    R"({"items": [{"cif": "C9", "external_ref": "A1", "product_kind": "card",
                                   "product": "白金卡", "stage": "approved"}]})")
                  .ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM applications WHERE stage = 'approved'"), 1);
}


// The history a bank brings from its old system: contacts, tickets with complaints, surveys;
// the 360 view shows the open tickets, every complaint and the latest NPS.
TEST_F(IngestTest, ServiceHistoryReachesThe360) {
  ingest_ = Ingest(db_.get(), &clock_, &ids_, kKey);
  clock_.SetMs(1767225600000);  // 2026-01-01
  const int64_t day = 86'400'000;
  ASSERT_TRUE(Apply("customers", "c", R"({"items": [{"cif": "C7", "name": "赵六"}]})").ok());
  auto r = Apply("interactions", "i",
                 R"({"items": [{"cif": "C7", "external_ref": "OLD-1", "channel": "voice",
                                "agent_name": "老系统坐席", "summary": "咨询还款",
                                "started_ms": 1767000000000, "answered_ms": 1767000010000,
                                "ended_ms": 1767000300000},
                               {"cif": "C7", "external_ref": "OLD-2", "channel": "wechat",
                                "started_ms": 1767100000000, "ended_ms": 1767000000000},
                               {"cif": "C7", "external_ref": "OLD-3", "channel": "fax",
                                "started_ms": 1}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->body.find("\"accepted\":1"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find(R"({"index":1,"field":"ended_ms")"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find(R"({"index":2,"field":"channel")"), std::string::npos) << r->body;

  r = Apply("tickets", "t", R"({"items": [
      {"cif": "C7", "external_ref": "TK-1", "interaction_ref": "OLD-1", "kind": "request",
       "subject": "补寄账单", "status": "open", "created_ms": 1767000300000},
      {"cif": "C7", "external_ref": "TK-2", "kind": "complaint", "subject": "扣款未到账",
       "severity": "major", "via_regulator": true, "status": "resolved",
       "created_ms": 1767100000000, "resolved_ms": 1767200000000, "resolution": "已退款"},
      {"cif": "C7", "external_ref": "TK-3", "kind": "request", "subject": "x", "severity": "major"},
      {"cif": "C7", "external_ref": "TK-4", "interaction_ref": "NOPE", "kind": "request",
       "subject": "x"}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->body.find("\"accepted\":2"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find(R"({"index":2,"field":"severity")"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find(R"({"index":3,"field":"interaction_ref")"), std::string::npos)
      << r->body;

  r = Apply("surveys", "s", R"({"items": [
      {"cif": "C7", "external_ref": "SV-1", "kind": "nps", "channel": "sms", "score": 3,
       "answered_ms": 1767000400000},
      {"cif": "C7", "external_ref": "SV-2", "kind": "nps", "channel": "sms", "score": 9,
       "comment": "处理很快", "answered_ms": 1767200000000},
      {"cif": "C7", "external_ref": "SV-3", "kind": "csat", "channel": "voice", "score": 6,
       "answered_ms": 1}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->body.find(R"({"index":2,"field":"score")"), std::string::npos) << r->body;

  Customers customers(db_.get(), &clock_, kKey);
  auto c = customers.Lookup(LookupKey::Cif("C7"), false);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->contacts.size(), 1u);
  EXPECT_EQ(c->contacts[0].channel, "voice");
  EXPECT_EQ(c->contacts[0].agent_name, "老系统坐席");
  ASSERT_EQ(c->open_tickets.size(), 1u);
  EXPECT_EQ(c->open_tickets[0].subject, "补寄账单");
  EXPECT_EQ(c->open_tickets[0].number.rfind("GD", 0), 0u);
  ASSERT_EQ(c->complaints.size(), 1u);
  EXPECT_EQ(c->complaints[0].severity, "major");
  EXPECT_TRUE(c->complaints[0].via_regulator);
  EXPECT_EQ(c->complaints[0].resolution, "已退款");
  EXPECT_EQ(c->complaints_12m, 1);
  ASSERT_EQ(c->surveys.size(), 2u);
  EXPECT_EQ(c->latest_nps, 9);

  // A year later the complaint is still listed but no longer counted as recent; resending a
  // ticket with a new status updates it instead of adding one.
  clock_.SetMs(1767225600000 + 400 * day);
  ASSERT_TRUE(Apply("tickets", "t2", R"({"items": [
      {"cif": "C7", "external_ref": "TK-1", "kind": "request", "subject": "补寄账单",
       "status": "closed"}]})").ok());
  c = customers.Lookup(LookupKey::Cif("C7"), false);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->open_tickets.empty());
  EXPECT_EQ(c->complaints.size(), 1u);
  EXPECT_EQ(c->complaints_12m, 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tickets"), 2);

  // Ten CSAT answers newer than the last NPS push it out of the list; it is still the
  // latest NPS.
  std::string csat = R"({"items": [)";
  for (int i = 0; i < 10; ++i) {
    csat += std::string(i ? "," : "") + R"({"cif": "C7", "external_ref": "CS-)" +
            std::to_string(i) + R"(", "kind": "csat", "channel": "voice", "score": 5,
            "answered_ms": )" + std::to_string(1767300000000 + i) + "}";
  }
  ASSERT_TRUE(Apply("surveys", "s2", csat + "]}").ok());
  c = customers.Lookup(LookupKey::Cif("C7"), false);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->surveys.size(), 10u);
  EXPECT_EQ(c->surveys[0].kind, "csat");
  EXPECT_EQ(c->latest_nps, 9);
}

}  // namespace
}  // namespace kefu::crm
