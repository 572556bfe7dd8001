#include "kefu/search/index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace kefu::search {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Document Faq(int64_t id, std::string question, std::string answer = {}) {
  Document doc;
  doc.id = id;
  doc.type = "faq";
  doc.question = std::move(question);
  doc.answer = std::move(answer);
  return doc;
}

std::vector<int64_t> Ids(const Index& index, Query query) {
  Result<std::vector<Hit>> hits = index.Search(query);
  EXPECT_TRUE(hits.ok()) << hits.status().ToString();
  std::vector<int64_t> ids;
  if (hits.ok()) {
    for (const auto& hit : *hits) {
      ids.push_back(hit.id);
    }
  }
  return ids;
}

std::vector<int64_t> Ids(const Index& index, std::string text) {
  Query query;
  query.text = std::move(text);
  return Ids(index, std::move(query));
}

// A small knowledge base used by most tests.
class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<Document> docs;
    docs.push_back(Faq(1, "信用卡如何还款", "可以通过手机银行、网银或柜台还款。"));
    docs.push_back(Faq(2, "怎样更换绑定的还款卡", "在手机银行“我的-还款设置”中更换。"));
    docs.push_back(Faq(3, "信用卡年费怎么收取", "普卡首年免年费，刷卡满6次免次年年费。"));
    docs.push_back(Faq(4, "借记卡丢了怎么办", "请立即拨打客服热线办理挂失。"));
    docs.push_back(Faq(5, "转账限额是多少", "手机银行单笔限额5万元。"));
    docs.push_back(Faq(6, "如何查詢信用卡帳單", "登入網路銀行即可查詢帳單明細。"));  // traditional
    ASSERT_TRUE(index_.BulkLoad(std::move(docs)).ok());
  }

  Index index_;
};

TEST_F(IndexTest, FindsByWordAndByLongQuestion) {
  EXPECT_EQ(Ids(index_, "还款").front(), 1);
  EXPECT_EQ(Ids(index_, "怎么更换绑定还款的卡").front(), 2);
  EXPECT_EQ(index_.size(), 6u);
}

TEST_F(IndexTest, SimplifiedQueryFindsTraditionalContentAndTheReverse) {
  EXPECT_EQ(Ids(index_, "查询信用卡账单").front(), 6);
  EXPECT_EQ(Ids(index_, "帳單查詢").front(), 6);
  EXPECT_EQ(Ids(index_, "轉帳限額").front(), 5);
  EXPECT_EQ(Ids(index_, "ＡＢＣ信用卡年費").front(), 3);  // full width and traditional
}

TEST_F(IndexTest, SynonymsMatch) {
  EXPECT_EQ(Ids(index_, "信用咭年费").front(), 3);
  EXPECT_EQ(Ids(index_, "丢卡").front(), 4);  // 丢卡 ~ 挂失 (and the pair 丢… via 丢了)
  Index index;
  ASSERT_TRUE(index.Upsert(Faq(7, "提前还钱有手续费吗")).ok());
  ASSERT_TRUE(index.Upsert(Faq(8, "存款利息")).ok());
  EXPECT_THAT(Ids(index, "还款"), ElementsAre(7));  // not 存款: one shared character is not a match
}

TEST_F(IndexTest, ExactCodeRanksFirst) {
  Document activity;
  activity.id = 100;
  activity.type = "activity";
  activity.question = "刷卡满1000元送笔记本";
  activity.codes = {"ACT-2024-0815"};
  ASSERT_TRUE(index_.Upsert(activity).ok());
  Document noisy = Faq(101, "活动 ACT 2024 0815 说明 act-2024-0815 的常见问题 act 2024 0815");
  ASSERT_TRUE(index_.Upsert(noisy).ok());

  Query query;
  query.text = "ａｃｔ-2024-0815";  // full width, lower case
  Result<std::vector<Hit>> hits = index_.Search(query);
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ(hits->front().id, 100);
  EXPECT_TRUE(hits->front().code_match);
  EXPECT_EQ(Ids(index_, "活动代码 ACT-2024-0815 是什么").front(), 100);
}

TEST_F(IndexTest, FiltersByTypeCategoryVisibilityAndAttributes) {
  Document phrase = Faq(10, "还款提醒话术");
  phrase.type = "phrase";
  phrase.category = "信用卡";
  phrase.visibility = Visibility::kAgentOnly;
  phrase.attributes = {{"region", "广东"}};
  ASSERT_TRUE(index_.Upsert(phrase).ok());

  Query query;
  query.text = "还款";
  query.filter.types = {"phrase"};
  EXPECT_THAT(Ids(index_, query), ElementsAre(10));
  query.filter.types = {"no-such-type"};
  EXPECT_THAT(Ids(index_, query), IsEmpty());

  query.filter.types.clear();
  query.filter.categories = {"信用卡"};
  EXPECT_THAT(Ids(index_, query), ElementsAre(10));

  query.filter.categories.clear();
  query.filter.customer_facing_only = true;
  for (int64_t id : Ids(index_, query)) {
    EXPECT_NE(id, 10);
  }

  query.filter.customer_facing_only = false;
  query.filter.types = {"phrase"};
  query.filter.attributes = {{"region", {"北京"}}};
  EXPECT_THAT(Ids(index_, query), IsEmpty());
  query.filter.attributes = {{"region", {"北京", "广东"}}};
  EXPECT_THAT(Ids(index_, query), ElementsAre(10));
  // A document without the key passes unless attributes_missing_ok is off.
  query.filter.types = {"faq"};
  query.filter.attributes = {{"region", {"北京"}}};
  EXPECT_FALSE(Ids(index_, query).empty());
  query.filter.attributes_missing_ok = false;
  EXPECT_THAT(Ids(index_, query), IsEmpty());
}

TEST_F(IndexTest, ExpiredAndFutureEntriesDropOut) {
  Document promo = Faq(20, "积分兑换活动");
  promo.valid_from_ms = 1000;
  promo.valid_to_ms = 2000;
  ASSERT_TRUE(index_.Upsert(promo).ok());
  Query query;
  query.text = "积分兑换";
  query.now_ms = 1500;
  EXPECT_THAT(Ids(index_, query), ElementsAre(20));
  query.now_ms = 2000;  // valid_to is exclusive
  EXPECT_THAT(Ids(index_, query), IsEmpty());
  query.now_ms = 999;
  EXPECT_THAT(Ids(index_, query), IsEmpty());
  query.now_ms.reset();  // no time given: validity not checked
  EXPECT_THAT(Ids(index_, query), ElementsAre(20));
}

TEST_F(IndexTest, UpdateAndDelete) {
  ASSERT_TRUE(index_.Upsert(Faq(3, "外汇牌价在哪里看")).ok());
  EXPECT_EQ(index_.size(), 6u);
  for (int64_t id : Ids(index_, "年费")) {
    EXPECT_NE(id, 3);
  }
  EXPECT_EQ(Ids(index_, "外汇牌价").front(), 3);
  Result<Document> doc = index_.Get(3);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->question, "外汇牌价在哪里看");

  ASSERT_TRUE(index_.Remove(3).ok());
  EXPECT_THAT(Ids(index_, "外汇牌价"), IsEmpty());
  EXPECT_EQ(index_.Remove(3).code(), StatusCode::kNotFound);
  EXPECT_EQ(index_.Get(3).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(index_.size(), 5u);

  index_.Clear();
  EXPECT_EQ(index_.size(), 0u);
  EXPECT_THAT(Ids(index_, "还款"), IsEmpty());
}

TEST(IndexCompactionTest, ManyRewritesKeepResultsRight) {
  Index index;
  for (int round = 0; round < 50; ++round) {
    for (int64_t id = 1; id <= 20; ++id) {
      ASSERT_TRUE(index.Upsert(Faq(id, "问题" + std::to_string(id) + " 第" +
                                           std::to_string(round) + "版 信用卡"))
                      .ok());
    }
  }
  EXPECT_EQ(index.size(), 20u);
  Query query;
  query.text = "信用卡";
  query.limit = 100;
  EXPECT_EQ(Ids(index, query).size(), 20u);
  query.text = "第49版";
  query.min_should_match = 1;
  EXPECT_EQ(Ids(index, query).size(), 20u);
  query.text = "第48版";
  EXPECT_THAT(Ids(index, query), IsEmpty());
}

TEST_F(IndexTest, MinimumShouldMatch) {
  Query query;
  query.text = "信用卡年费";
  query.limit = 10;
  const auto loose = Ids(index_, query);
  EXPECT_GT(loose.size(), 1u);  // plain OR: 信用卡 alone is enough
  query.min_should_match = 1.0;
  EXPECT_THAT(Ids(index_, query), ElementsAre(3));
}

TEST_F(IndexTest, Paging) {
  Query query;
  query.text = "卡";
  query.limit = 100;
  const auto all = Ids(index_, query);
  ASSERT_GE(all.size(), 3u);
  query.limit = 1;
  query.offset = 1;
  EXPECT_THAT(Ids(index_, query), ElementsAre(all[1]));
  query.offset = 1000;
  EXPECT_THAT(Ids(index_, query), IsEmpty());
}

TEST_F(IndexTest, HighlightsMarkMatchesInTheOriginalText) {
  Query query;
  query.text = "信用卡账单";
  Result<std::vector<Hit>> hits = index_.Search(query);
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  ASSERT_EQ(hits->front().id, 6);
  const Highlight& h = hits->front().highlights.front();
  EXPECT_EQ(h.field, Field::kQuestion);
  EXPECT_EQ(h.text, "如何查詢信用卡帳單");  // original, traditional text
  ASSERT_EQ(h.spans.size(), 1u);
  EXPECT_EQ(h.text.substr(h.spans[0].begin, h.spans[0].end - h.spans[0].begin), "信用卡帳單");
  EXPECT_EQ(h.html, "如何查詢<em>信用卡帳單</em>");
}

TEST(HighlightTest, LongAnswersAreCutAroundTheMatchAndEscaped) {
  Index index;
  std::string answer;
  for (int i = 0; i < 60; ++i) {
    answer += "一二三";
  }
  answer += "<b>挂失</b>";
  for (int i = 0; i < 60; ++i) {
    answer += "四五六";
  }
  ASSERT_TRUE(index.Upsert(Faq(1, "标题", answer)).ok());
  Query query;
  query.text = "挂失";
  Result<std::vector<Hit>> hits = index.Search(query);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 1u);
  ASSERT_EQ(hits->front().highlights.size(), 1u);
  const Highlight& h = hits->front().highlights.front();
  EXPECT_EQ(h.field, Field::kAnswer);
  EXPECT_TRUE(h.text.starts_with("…"));
  EXPECT_TRUE(h.text.ends_with("…"));
  EXPECT_LT(h.text.size(), answer.size());
  ASSERT_EQ(h.spans.size(), 1u);
  EXPECT_EQ(h.text.substr(h.spans[0].begin, h.spans[0].end - h.spans[0].begin), "挂失");
  EXPECT_THAT(h.html, HasSubstr("&lt;b&gt;<em>挂失</em>&lt;/b&gt;"));
}

TEST_F(IndexTest, EmptyAndGarbageQueries) {
  for (std::string text : {"", "   ", "，。？！", "\t\n", "的", "zzzzqqq", "🙂🙂🙂"}) {
    Query query;
    query.text = text;
    Result<std::vector<Hit>> hits = index_.Search(query);
    ASSERT_TRUE(hits.ok()) << text << ": " << hits.status().ToString();
  }
  Query bad;
  bad.text = "还款\xff";
  EXPECT_EQ(index_.Search(bad).status().code(), StatusCode::kInvalidArgument);
  bad.text = std::string(Index::kMaxQueryBytes + 1, 'a');
  EXPECT_EQ(index_.Search(bad).status().code(), StatusCode::kInvalidArgument);
  bad.text = "还款";
  bad.limit = Index::kMaxLimit + 1;
  EXPECT_EQ(index_.Search(bad).status().code(), StatusCode::kInvalidArgument);
  bad.limit = 10;
  bad.min_should_match = 2;
  EXPECT_EQ(index_.Search(bad).status().code(), StatusCode::kInvalidArgument);

  Document broken = Faq(99, "ok");
  broken.similar_questions = {"fine", "bad\xc3"};
  Status status = index_.Upsert(broken);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.field(), "similar_questions");
  EXPECT_EQ(index_.size(), 6u);
}

// Property: random bytes, valid or not, never crash the engine and always give OK or
// kInvalidArgument.
TEST_F(IndexTest, RandomQueriesNeverCrash) {
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {"还", "款", "信用卡", "帳", "ａ", "1", " ", "\"",
                                           "“", "？", "\xe4", "\xbd", "\x80", "e1023", "…"};
  for (int i = 0; i < 500; ++i) {
    Query query;
    const int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) {
      query.text += pieces[rng() % pieces.size()];
    }
    query.min_should_match = (rng() % 5) / 4.0;
    Result<std::vector<Hit>> hits = index_.Search(query);
    if (!hits.ok()) {
      EXPECT_EQ(hits.status().code(), StatusCode::kInvalidArgument) << query.text;
    }
  }
}

// Property: MaxScore pruning (a small top-k) never changes which documents come first. The
// index grows by single Upserts with ever longer texts, so the score bounds are also exercised
// after the average lengths moved (their slack) and after removals. The phrase boost and the
// overlap are off: they re-rank only the pruned top-k by design.
TEST(PruningTest, TopHitsEqualUnprunedRanking) {
  std::mt19937 rng(11);
  const std::vector<std::string> words = {"信用卡", "还款", "额度", "微粒贷", "借款", "利息",
                                          "怎么", "为什么", "手机", "银行", "开通", "失败",
                                          "账单", "分期", "密码", "转账", "到账", "提前"};
  Options options;
  options.phrase_boost = 0;
  options.overlap_power = 0;
  Index index(options);
  auto sentence = [&](int n) {
    std::string out;
    for (int k = 0; k < n; ++k) {
      out += words[rng() % words.size()];
    }
    return out;
  };
  for (int64_t id = 1; id <= 600; ++id) {
    const int length = 2 + static_cast<int>(id / 60);
    ASSERT_TRUE(index.Upsert(Faq(id, sentence(length), sentence(static_cast<int>(rng() % 6)))).ok());
    if (id % 50 == 0) {
      ASSERT_TRUE(index.Remove(id - 7).ok());
    }
  }
  for (int i = 0; i < 200; ++i) {
    Query query;
    query.text = sentence(1 + static_cast<int>(rng() % 5));
    query.highlight = false;
    query.limit = 10;
    Result<std::vector<Hit>> pruned = index.Search(query);
    query.limit = Index::kMaxLimit;
    Result<std::vector<Hit>> full = index.Search(query);
    ASSERT_TRUE(pruned.ok() && full.ok());
    ASSERT_LE(pruned->size(), full->size());
    for (size_t k = 0; k < pruned->size(); ++k) {
      EXPECT_EQ((*pruned)[k].id, (*full)[k].id) << query.text << " rank " << k;
      EXPECT_FLOAT_EQ(static_cast<float>((*pruned)[k].score),
                      static_cast<float>((*full)[k].score));
    }
  }
}

// The same property on a larger index loaded in bulk, so that the long lists get their bitmap
// form (probed instead of galloped) and the windows of the scorer fill up; then grown and
// shrunk by single writes, which extend the bitmaps in place and leave dead postings behind.
TEST(PruningTest, TopHitsEqualUnprunedRankingAfterBulkLoad) {
  std::mt19937 rng(23);
  const std::vector<std::string> words = {"信用卡", "还款",   "额度", "微粒贷", "借款",   "利息",
                                          "怎么",   "为什么", "手机", "银行",   "开通",   "失败",
                                          "账单",   "分期",   "密码", "转账",   "到账",   "提前",
                                          "申请",   "逾期",   "扣款", "短信",   "验证码", "解绑"};
  auto sentence = [&](int n) {
    std::string out;
    for (int k = 0; k < n; ++k) {
      out += words[rng() % words.size()];
    }
    return out;
  };
  Options options;
  options.phrase_boost = 0;
  options.overlap_power = 0;
  Index index(options);
  std::vector<Document> docs;
  for (int64_t id = 1; id <= 6000; ++id) {
    Document doc =
        Faq(id, sentence(2 + static_cast<int>(rng() % 5)), sentence(static_cast<int>(rng() % 8)));
    doc.similar_questions.push_back(sentence(1 + static_cast<int>(rng() % 4)));
    docs.push_back(std::move(doc));
  }
  ASSERT_TRUE(index.BulkLoad(std::move(docs)).ok());
  for (int64_t id = 6001; id <= 6400; ++id) {
    ASSERT_TRUE(index.Upsert(Faq(id, sentence(1 + static_cast<int>(rng() % 6)))).ok());
    if (id % 3 == 0) {
      ASSERT_TRUE(index.Remove(id - 5000).ok());
    }
  }
  for (int i = 0; i < 300; ++i) {
    Query query;
    query.text = sentence(1 + static_cast<int>(rng() % 6));
    query.highlight = false;
    query.min_should_match = (i % 4) / 4.0;
    query.limit = 10;
    Result<std::vector<Hit>> pruned = index.Search(query);
    query.limit = Index::kMaxLimit;
    Result<std::vector<Hit>> full = index.Search(query);
    ASSERT_TRUE(pruned.ok() && full.ok());
    ASSERT_LE(pruned->size(), full->size());
    for (size_t k = 0; k < pruned->size(); ++k) {
      EXPECT_FLOAT_EQ(static_cast<float>((*pruned)[k].score), static_cast<float>((*full)[k].score))
          << query.text << " rank " << k;
    }
  }
}

TEST(SharedCharactersTest, TwoSharedCharactersMatchWithoutAPair) {
  Options options;
  Index index(options);
  ASSERT_TRUE(index.Upsert(Faq(1, "不能借款")).ok());
  ASSERT_TRUE(index.Upsert(Faq(2, "存款利息")).ok());
  EXPECT_THAT(Ids(index, "借不到"), ElementsAre(1));  // shares 借 and 不, no pair
  EXPECT_THAT(Ids(index, "还款"), IsEmpty());         // one shared character is not a match
  Query strict;
  strict.text = "借不到";
  strict.min_should_match = 0.5;
  EXPECT_THAT(Ids(index, strict), IsEmpty());

  options.min_shared_chars = 0;
  Index pairs_only(options);
  ASSERT_TRUE(pairs_only.Upsert(Faq(1, "不能借款")).ok());
  EXPECT_THAT(Ids(pairs_only, "借不到"), IsEmpty());
}

// The overlap re-ranking (Options::overlap_power) only ever lowers a score: by nothing for a
// question that says exactly what the query says, and more the more else a question says.
TEST(OverlapTest, QuestionsThatSayMuchElseRankBelowCloseParaphrases) {
  std::vector<Document> docs = {
      Faq(1, "信用卡还款日是哪天以及境外消费退税积分兑换里程规则说明"),
      Faq(2, "信用卡还款日是哪一天"),
      Faq(3, "信用卡还款日是哪天"),
      Faq(4, "网点营业时间"),
  };
  Options plain_options;
  plain_options.phrase_boost = 0;
  plain_options.overlap_power = 0;
  Options overlap_options = plain_options;
  overlap_options.overlap_power = 1.0;
  Index plain(plain_options);
  Index overlap(overlap_options);
  ASSERT_TRUE(plain.BulkLoad(docs).ok());
  ASSERT_TRUE(overlap.BulkLoad(docs).ok());
  Query query;
  query.text = "信用卡还款日是哪天";
  query.highlight = false;
  Result<std::vector<Hit>> before = plain.Search(query);
  Result<std::vector<Hit>> after = overlap.Search(query);
  ASSERT_TRUE(before.ok() && after.ok());
  ASSERT_EQ(after->size(), 3u);
  EXPECT_EQ((*after)[0].id, 3);
  EXPECT_EQ((*after)[1].id, 2);
  EXPECT_EQ((*after)[2].id, 1);
  for (const Hit& hit : *after) {
    const auto same = std::find_if(before->begin(), before->end(),
                                   [&](const Hit& h) { return h.id == hit.id; });
    ASSERT_NE(same, before->end());
    if (hit.id == 3) {
      EXPECT_FLOAT_EQ(static_cast<float>(hit.score), static_cast<float>(same->score));
    } else {
      EXPECT_LT(hit.score, same->score);
    }
  }
}

// A hit that matches only outside the question side (here the answer) is still returned.
TEST(OverlapTest, AnswerOnlyMatchesStillCome) {
  Index index;
  ASSERT_TRUE(index.Upsert(Faq(1, "年费怎么收", "还款日是每月五号")).ok());
  ASSERT_TRUE(index.Upsert(Faq(2, "还款日是每月几号")).ok());
  ASSERT_TRUE(index.Upsert(Faq(3, "", "还款日可以修改")).ok());  // no question side at all
  EXPECT_THAT(Ids(index, "还款日"), ElementsAre(2, 3, 1));
}

TEST_F(IndexTest, LongPastedMessageStillFindsItsTopic) {
  std::string text = "您好，我昨天晚上存钱进去了，想主动还款，但是信用卡一直显示扣款中，";
  for (int i = 0; i < 6; ++i) {
    text += "请问应该怎么办，谢谢，麻烦尽快处理一下这个问题，";
  }
  text += "信用卡如何还款";
  const auto ids = Ids(index_, text);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids[0], 1);
}

TEST(ConcurrencyTest, ReadersWithOneWriter) {
  Index index;
  ASSERT_TRUE(index.Upsert(Faq(1, "信用卡还款")).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        Query query;
        query.text = "信用卡还款";
        Result<std::vector<Hit>> hits = index.Search(query);
        // Document 1 is never touched by the writer, so it is always found first.
        if (!hits.ok() || hits->empty() || hits->front().id != 1) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (int i = 0; i < 300; ++i) {
    const int64_t id = 2 + i % 17;
    ASSERT_TRUE(index.Upsert(Faq(id, "网银转账 第" + std::to_string(i) + "次")).ok());
    if (i % 5 == 0) {
      ASSERT_TRUE(index.Remove(id).ok());
    }
    if (i % 100 == 99) {
      std::vector<Document> batch;
      for (int64_t k = 100; k < 120; ++k) {
        batch.push_back(Faq(k, "年费积分 " + std::to_string(i)));
      }
      ASSERT_TRUE(index.BulkLoad(std::move(batch)).ok());
    }
  }
  stop.store(true);
  for (auto& t : readers) {
    t.join();
  }
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace kefu::search
