#include "kefu/crm/customers.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "kefu/core/pii.h"
#include "kefu/core/testing/temp_dir.h"
#include "kefu/store/migrate.h"

namespace kefu::crm {
namespace {

constexpr char kKey[] = "test-pii-key";
constexpr int64_t kNow = 1'767'225'600'000;  // 2026-01-01T00:00Z, the FakeClock default
constexpr int64_t kDay = 24LL * 60 * 60 * 1000;
constexpr int64_t kZhang = 1001;
constexpr int64_t kLi = 1002;
constexpr char kZhangMobile[] = "13812345678";
constexpr char kZhangEmail[] = "zhangsan@example.com";
constexpr char kLiMobile[] = "13987654321";  // stored without a hash (pii key empty then)

std::string ValidIdNumber(const std::string& first17) {
  return first17 + pii::IdNumberCheckChar(first17);
}

class CustomersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::OpenDatabase(dir_.SqliteUrl());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(store::Migrate(*db_, store::KefuMigrations()).ok());
    zhang_id_number_ = ValidIdNumber("11010519900307123");
    Exec(
        "INSERT INTO regions (id, code, name, province, area, created_ms) "
        "VALUES (1, 'bj', '北京', '北京市', 'mainland', $1)",
        {kNow});
    Exec(
        "INSERT INTO branches (id, region_id, code, name, address, created_ms) "
        "VALUES (2, 1, 'bj-cy', '朝阳支行', '朝阳路 1 号', $1)",
        {kNow});
    Exec(
        "INSERT INTO agents (id, employee_no, name, role, created_ms, updated_ms) "
        "VALUES (3, 'A0003', '王经理', 'agent', $1, $1)",
        {kNow});
    Exec(
        "INSERT INTO customers (id, name, gender, birth_date, mobile, mobile_hash, email, "
        "id_type, id_number, id_number_hash, tier, segment, region_id, branch_id, "
        "owner_agent_id, created_ms, updated_ms) VALUES ($1, '张三', 'male', '1990-03-07', $2, "
        "$3, $4, 'resident_id', $5, $6, 'gold', 'mass_affluent', 1, 2, 3, $7, $7)",
        {kZhang, kZhangMobile, pii::KeyedHash(kKey, kZhangMobile), kZhangEmail, zhang_id_number_,
         pii::KeyedHash(kKey, zhang_id_number_), kNow - 100 * kDay});
    // Li's mobile hash was written under another key: only the clear column can find her.
    Exec(
        "INSERT INTO customers (id, name, mobile, mobile_hash, tier, created_ms, updated_ms) "
        "VALUES ($1, '李四', $2, 'stale', 'private', $3, $3)",
        {kLi, kLiMobile, kNow - 50 * kDay});
    // The identity index: Zhang under the key (two mobiles); Li written without a key (the
    // clear value is the key then).
    for (auto [kind, value] : {std::pair{"mobile", kZhangMobile},
                               std::pair{"mobile", "13800009999"},
                               std::pair{"email", kZhangEmail}}) {
      Exec("INSERT INTO customer_keys (kind, key, customer_id, value, created_ms) "
           "VALUES ($1, $2, $3, $4, $5)",
           {kind, pii::KeyedHash(kKey, value), kZhang, value, kNow});
    }
    Exec("INSERT INTO customer_keys (kind, key, customer_id, value, created_ms) "
         "VALUES ('id_number', $1, $2, NULL, $3)",
         {pii::KeyedHash(kKey, zhang_id_number_), kZhang, kNow});
    Exec("INSERT INTO customer_keys (kind, key, customer_id, value, created_ms) "
         "VALUES ('mobile', $1, $2, $1, $3)",
         {kLiMobile, kLi, kNow});
    Exec(
        "INSERT INTO cards (id, customer_id, card_number_masked, card_number_hash, last4, "
        "product, kind, credit_limit_fen, available_fen, statement_day, due_day, expiry_month, "
        "opened_ms, updated_ms) VALUES (10, $1, '************4321', 'h1', '4321', '白金信用卡', "
        "'credit', 5000000, 1234500, 5, 25, '2029-08', $2, $2)",
        {kZhang, kNow - 90 * kDay});
    Exec(
        "INSERT INTO loans (id, customer_id, product, principal_fen, balance_fen, rate_bp, "
        "term_months, repayment_day, start_ms, updated_ms) "
        "VALUES (20, $1, 'consumer', 10000000, 8000000, 435, 36, 10, $2, $2)",
        {kZhang, kNow - 80 * kDay});
    Exec(
        "INSERT INTO error_codes (code, reason, advice, channel, category, updated_ms) "
        "VALUES ('51', '余额不足', '请提醒客户还款后再试', 'all', 'funds', $1)",
        {kNow});
    // 25 transactions a day apart, newest (i = 0) yesterday; every fifth failed with code 51.
    for (int i = 0; i < 25; ++i) {
      const bool failed = i % 5 == 0;
      Exec(
          "INSERT INTO transactions (id, customer_id, card_id, kind, direction, amount_fen, "
          "merchant, channel, status, error_code, occurred_ms) "
          "VALUES ($1, $2, 10, 'purchase', 'out', $3, $4, 'pos', $5, $6, $7)",
          {int64_t{5000 + i}, kZhang, int64_t{100 + i}, "商户" + std::to_string(i),
           failed ? "failed" : "success", failed ? store::Value("51") : store::Value(nullptr),
           kNow - (i + 1) * kDay});
    }
  }

  void Exec(const std::string& sql, const store::Params& params) {
    auto r = db_->Exec(sql, params);
    ASSERT_TRUE(r.ok()) << r.status().ToString() << "\n" << sql;
  }

  kefu::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  FakeClock clock_;
  std::string zhang_id_number_;
};

TEST_F(CustomersTest, LookupByCustomerIdReturnsMaskedProfileAndProducts) {
  Customers customers(db_.get(), &clock_, kKey);
  auto c = customers.Lookup(LookupKey::CustomerId(kZhang), /*unmask=*/false);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->id, kZhang);
  EXPECT_EQ(c->name, "张三");
  EXPECT_EQ(c->gender, "male");
  EXPECT_EQ(c->birth_date, "1990-03-07");
  EXPECT_EQ(c->tier, "gold");
  EXPECT_EQ(c->tier_label, "金卡");
  EXPECT_EQ(c->segment, "mass_affluent");
  EXPECT_EQ(c->region_name, "北京");
  EXPECT_EQ(c->branch_name, "朝阳支行");
  EXPECT_EQ(c->owner_agent_id, 3);
  EXPECT_EQ(c->owner_agent_name, "王经理");
  EXPECT_EQ(c->preferred_script, "simplified");
  EXPECT_TRUE(c->masked);
  EXPECT_EQ(c->mobile, "138****5678");
  EXPECT_EQ(c->id_number, pii::MaskIdNumber(zhang_id_number_));
  EXPECT_NE(c->id_number, zhang_id_number_);
  EXPECT_EQ(c->email, pii::MaskEmail(kZhangEmail));
  ASSERT_EQ(c->cards.size(), 1u);
  EXPECT_EQ(c->cards[0].number_masked, "************4321");
  EXPECT_EQ(c->cards[0].kind, "credit");
  EXPECT_EQ(c->cards[0].credit_limit_fen, 5000000);
  EXPECT_EQ(c->cards[0].available_fen, 1234500);
  EXPECT_EQ(c->cards[0].statement_day, 5);
  EXPECT_EQ(c->cards[0].due_day, 25);
  ASSERT_EQ(c->loans.size(), 1u);
  EXPECT_EQ(c->loans[0].product, "consumer");
  EXPECT_EQ(c->loans[0].balance_fen, 8000000);
}

TEST_F(CustomersTest, UnmaskReturnsFullPersonalData) {
  Customers customers(db_.get(), &clock_, kKey);
  auto c = customers.Lookup(LookupKey::CustomerId(kZhang), /*unmask=*/true);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->masked);
  EXPECT_EQ(c->mobile, kZhangMobile);
  EXPECT_EQ(c->id_number, zhang_id_number_);
  EXPECT_EQ(c->email, kZhangEmail);
}

TEST_F(CustomersTest, LookupByMobileNormalisesAndUsesTheKeys) {
  Customers customers(db_.get(), &clock_, kKey);
  auto c = customers.Lookup(LookupKey::Mobile("+86 138-1234-5678"), false);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->id, kZhang);
  // The second mobile finds the same customer and is listed, masked, as another number.
  auto second = customers.Lookup(LookupKey::Mobile("13800009999"), false);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->id, kZhang);
  EXPECT_EQ(second->other_mobiles, std::vector<std::string>{"138****9999"});
}

TEST_F(CustomersTest, LookupWithoutASecretComparesClearKeys) {
  Customers no_key(db_.get(), &clock_, "");
  auto c = no_key.Lookup(LookupKey::Mobile(kLiMobile), false);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->id, kLi);
  EXPECT_EQ(c->tier_label, "私人银行");
  EXPECT_FALSE(c->id_number.has_value());
  EXPECT_TRUE(c->cards.empty());
  EXPECT_TRUE(c->transactions.empty());
  EXPECT_EQ(c->failed_transactions_30d, 0);
  // Under a secret, Li's clear key is not what the hash of her number gives.
  Customers keyed(db_.get(), &clock_, kKey);
  EXPECT_EQ(keyed.Lookup(LookupKey::Mobile(kLiMobile), false).status().code(),
            StatusCode::kNotFound);
}

TEST_F(CustomersTest, LookupByIdNumberUsesTheHash) {
  Customers customers(db_.get(), &clock_, kKey);
  auto c = customers.Lookup(LookupKey::IdNumber(" " + zhang_id_number_ + " "), false);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->id, kZhang);
}

TEST_F(CustomersTest, TheWholeStory) {
  Exec("INSERT INTO customer_tags (customer_id, tag, created_ms) VALUES ($1, '代发工资', $2)",
       {kZhang, kNow});
  Exec("INSERT INTO sms_messages (id, customer_id, mobile_masked, kind, text, activity_code, "
       "status, sent_ms) VALUES (1, $1, '138****5678', 'campaign', "
       "'【示例银行】刷卡满1000元送笔记本, 活动代码 HD2026', 'HD2026', 'delivered', $2)",
       {kZhang, kNow - kDay});
  Exec("INSERT INTO sms_messages (id, customer_id, mobile_masked, kind, text, error_code, "
       "status, sent_ms) VALUES (2, $1, '138****5678', 'failure', '交易失败 错误代码 51', '51', "
       "'delivered', $2)",
       {kZhang, kNow - 2 * kDay});
  Exec("INSERT INTO applications (id, customer_id, external_ref, product_kind, product, stage, "
       "submitted_ms, updated_ms) VALUES (3, $1, 'APP-1', 'card', '白金信用卡', 'reviewing', $2, $2)",
       {kZhang, kNow - 3 * kDay});
  Exec("INSERT INTO journey_events (id, customer_id, channel, step, outcome, error_code, "
       "occurred_ms) VALUES (4, $1, 'app', '绑定还款卡', 'failed', '51', $2)",
       {kZhang, kNow - kDay / 2});
  Exec("INSERT INTO follow_ups (id, customer_id, author_name, channel, content, next_step, "
       "due_ms, created_ms) VALUES (5, $1, '王经理', 'phone', '客户询问分期', '周五回电', $2, $3)",
       {kZhang, kNow + kDay, kNow - kDay});
  Customers customers(db_.get(), &clock_, kKey);
  auto c = customers.Lookup(LookupKey::CustomerId(kZhang), false);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->tags, std::vector<std::string>{"代发工资"});
  ASSERT_EQ(c->sms.size(), 2u);
  EXPECT_EQ(c->sms[0].activity_code, "HD2026");
  EXPECT_EQ(c->sms[1].error_code, "51");
  EXPECT_EQ(c->sms[1].error_reason, "余额不足");
  ASSERT_EQ(c->applications.size(), 1u);
  EXPECT_EQ(c->applications[0].stage, "reviewing");
  ASSERT_EQ(c->journey.size(), 1u);
  EXPECT_EQ(c->journey[0].outcome, "failed");
  ASSERT_EQ(c->follow_ups.size(), 1u);
  EXPECT_EQ(c->follow_ups[0].next_step, "周五回电");
}

TEST_F(CustomersTest, RecentTransactionsNewestFirstWithFailureReasons) {
  Customers customers(db_.get(), &clock_, kKey);
  auto c = customers.Lookup(LookupKey::CustomerId(kZhang), false);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->transactions.size(), static_cast<size_t>(Customers::kRecentTransactions));
  for (size_t i = 0; i < c->transactions.size(); ++i) {
    const Transaction& t = c->transactions[i];
    EXPECT_EQ(t.id, static_cast<int64_t>(5000 + i));
    EXPECT_EQ(t.occurred_ms, kNow - static_cast<int64_t>(i + 1) * kDay);
    EXPECT_EQ(t.amount_fen, static_cast<int64_t>(100 + i));
    EXPECT_EQ(t.merchant, "商户" + std::to_string(i));
    EXPECT_EQ(t.channel, "pos");
    EXPECT_EQ(t.card_masked, "************4321");
    if (i % 5 == 0) {
      EXPECT_EQ(t.status, "failed");
      EXPECT_EQ(t.error_code, "51");
      EXPECT_EQ(t.error_reason, "余额不足");
      EXPECT_EQ(t.error_advice, "请提醒客户还款后再试");
    } else {
      EXPECT_EQ(t.status, "success");
      EXPECT_FALSE(t.error_code.has_value());
      EXPECT_FALSE(t.error_reason.has_value());
    }
  }
  // The failed ones (i = 0, 5, 10, 15, 20) are 1, 6, 11, 16 and 21 days old.
  EXPECT_EQ(c->failed_transactions_30d, 5);
  clock_.AdvanceMs(15 * kDay);
  auto later = customers.Lookup(LookupKey::CustomerId(kZhang), false);
  ASSERT_TRUE(later.ok());
  // Now 16, 21, 26, 31 and 36 days old: three remain in the 30-day window.
  EXPECT_EQ(later->failed_transactions_30d, 3);
}

TEST_F(CustomersTest, UnknownCustomerIsNotFound) {
  Customers customers(db_.get(), &clock_, kKey);
  EXPECT_EQ(customers.Lookup(LookupKey::CustomerId(999), false).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(customers.Lookup(LookupKey::Mobile("13700000000"), false).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(customers.Lookup(LookupKey::IdNumber(ValidIdNumber("11010519800101001")), false)
                .status()
                .code(),
            StatusCode::kNotFound);
}

TEST_F(CustomersTest, MalformedKeysAreInvalidArguments) {
  Customers customers(db_.get(), &clock_, kKey);
  auto bad_mobile = customers.Lookup(LookupKey::Mobile("12345"), false);
  EXPECT_EQ(bad_mobile.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad_mobile.status().field(), "mobile");
  std::string wrong_check = zhang_id_number_;
  wrong_check.back() = wrong_check.back() == '0' ? '1' : '0';
  auto bad_id = customers.Lookup(LookupKey::IdNumber(wrong_check), false);
  EXPECT_EQ(bad_id.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad_id.status().field(), "id_number");
  auto bad_customer = customers.Lookup(LookupKey::CustomerId(0), false);
  EXPECT_EQ(bad_customer.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad_customer.status().field(), "customer_id");
}

TEST(TierLabelTest, ChineseLabels) {
  EXPECT_EQ(TierLabel("standard"), "普通");
  EXPECT_EQ(TierLabel("gold"), "金卡");
  EXPECT_EQ(TierLabel("platinum"), "白金");
  EXPECT_EQ(TierLabel("private"), "私人银行");
}

TEST_F(CustomersTest, SearchByNamePrefixMobileAndIdNumber) {
  Customers customers(db_.get(), &clock_, kKey);
  auto by_name = customers.Search("张", 10);
  ASSERT_TRUE(by_name.ok()) << by_name.status().ToString();
  ASSERT_EQ(by_name->size(), 1u);
  EXPECT_EQ((*by_name)[0].id, kZhang);
  EXPECT_EQ((*by_name)[0].mobile_masked, "138****5678");
  auto by_mobile = customers.Search("138 1234 5678", 10);
  ASSERT_TRUE(by_mobile.ok());
  ASSERT_EQ(by_mobile->size(), 1u);
  auto by_id = customers.Search(zhang_id_number_, 10);
  ASSERT_TRUE(by_id.ok());
  ASSERT_EQ(by_id->size(), 1u);
  EXPECT_TRUE(customers.Search("王", 10)->empty());
  EXPECT_EQ(customers.Search("", 10).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(CustomersTest, ProspectForAnUnknownCaller) {
  IdGenerator ids(&clock_, 1);
  Customers customers(db_.get(), &clock_, kKey, &ids);
  auto id = customers.CreateProspect("", "13600001111", "agent");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto c = customers.Lookup(LookupKey::Mobile("13600001111"), false);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->id, *id);
  EXPECT_EQ(c->status, "prospect");
  EXPECT_EQ(c->name, "未知来电 136****1111");
  EXPECT_EQ(customers.CreateProspect("x", kZhangMobile, "agent").status().code(),
            StatusCode::kAlreadyExists);
}

TEST_F(CustomersTest, ProfileOwnerAndFollowUps) {
  IdGenerator ids(&clock_, 1);
  Customers customers(db_.get(), &clock_, kKey, &ids);
  ProfilePatch patch;
  patch.tier = "platinum";
  patch.tags = std::vector<std::string>{"理财", "理财", "代发"};
  patch.marketing_consent = false;
  ASSERT_TRUE(customers.UpdateProfile(kZhang, patch).ok());
  patch.tier = "diamond";
  EXPECT_EQ(customers.UpdateProfile(kZhang, patch).field(), "tier");
  EXPECT_EQ(customers.UpdateProfile(999, ProfilePatch{}).code(), StatusCode::kNotFound);

  auto previous = customers.ChangeOwner(kZhang, std::nullopt, "supervisor");
  ASSERT_TRUE(previous.ok());
  EXPECT_EQ(*previous, 3);
  EXPECT_EQ(customers.ChangeOwner(kZhang, 4242, "supervisor").status().code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(customers.ChangeOwner(kZhang, 3, "supervisor").ok());

  FollowUpSpec spec;
  spec.customer_id = kZhang;
  spec.author_name = "王经理";
  spec.channel = "phone";
  spec.content = "客户想了解分期手续费";
  spec.next_step = "明天回电";
  auto f = customers.AddFollowUp(spec);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  spec.channel = "pigeon";
  EXPECT_EQ(customers.AddFollowUp(spec).status().field(), "channel");
  ASSERT_TRUE(customers.CompleteFollowUp(*f).ok());
  EXPECT_EQ(customers.CompleteFollowUp(*f).code(), StatusCode::kFailedPrecondition);

  auto c = customers.Lookup(LookupKey::CustomerId(kZhang), false);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->tier, "platinum");
  EXPECT_EQ(c->tags, (std::vector<std::string>{"代发", "理财"}));
  EXPECT_EQ(c->consent_json, "{\"marketing\":false}");
  ASSERT_EQ(c->owner_history.size(), 2u);
  EXPECT_EQ(c->owner_history[0].agent_id, 3);
  EXPECT_EQ(c->owner_history[0].reason, "manual");
  ASSERT_EQ(c->follow_ups.size(), 1u);
  EXPECT_TRUE(c->follow_ups[0].done_ms.has_value());
}


TEST_F(CustomersTest, NewMobileAndEmailReplaceTheOldKeys) {
  IdGenerator ids(&clock_, 1);
  Customers customers(db_.get(), &clock_, kKey, &ids);
  ProfilePatch patch;
  patch.mobile = "+86 139-0000-2222";
  patch.email = "Zhang.San@Example.COM";
  ASSERT_TRUE(customers.UpdateProfile(kZhang, patch).ok());
  auto c = customers.Lookup(LookupKey::Mobile("13900002222"), true);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->id, kZhang);
  EXPECT_EQ(c->mobile, "13900002222");
  EXPECT_EQ(c->email, "Zhang.San@example.com");  // the domain folds, the mailbox does not
  // The old primary mobile no longer finds Zhang; the secondary one still does.
  EXPECT_EQ(customers.Lookup(LookupKey::Mobile(kZhangMobile), false).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(customers.Lookup(LookupKey::Mobile("13800009999"), false).ok());
  EXPECT_EQ(*db_->QueryInt64("SELECT COUNT(*) FROM customer_keys WHERE customer_id = $1 AND "
                             "kind = 'email'",
                             {kZhang}),
            1);

  // A prospect's mobile is taken; a malformed e-mail names its field; nothing changes.
  ASSERT_TRUE(customers.CreateProspect("", "13600001111", "agent").ok());
  ProfilePatch taken;
  taken.mobile = "13600001111";
  Status st = customers.UpdateProfile(kZhang, taken);
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(st.field(), "mobile");
  ProfilePatch bad;
  bad.email = "not-an-email";
  EXPECT_EQ(customers.UpdateProfile(kZhang, bad).field(), "email");
  c = customers.Lookup(LookupKey::CustomerId(kZhang), true);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->mobile, "13900002222");
}

}  // namespace
}  // namespace kefu::crm
