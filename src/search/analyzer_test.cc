#include "analyzer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "dictionary.h"
#include "kefu/core/text.h"

namespace kefu::search::internal {
namespace {

using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;

std::vector<std::string> Terms(std::string_view s) {
  Result<FoldedText> folded = Fold(s);
  EXPECT_TRUE(folded.ok()) << folded.status().ToString();
  Result<std::vector<Token>> tokens = Tokenize(*folded);
  EXPECT_TRUE(tokens.ok()) << tokens.status().ToString();
  std::vector<std::string> terms;
  for (const auto& t : *tokens) {
    terms.push_back(t.term);
  }
  return terms;
}

TEST(FoldTest, TraditionalWidthCaseAndFinance) {
  Result<FoldedText> folded = Fold("信用卡帳單ＡＴＭ還款");
  ASSERT_TRUE(folded.ok());
  EXPECT_EQ(folded->text, "信用卡账单atm还款");
}

// Fold skips OpenCC for text t2s cannot change. Phrases whose characters each stay as they are
// alone (回覆 → 回复, 沈默 → 沉默) and the finance fold must still take the conversion.
TEST(FoldTest, SkippingTheConversionNeverChangesTheResult) {
  const std::vector<std::string> pieces = {
      "回覆", "沈默", "一目瞭然", "反反覆覆", "藉口", "找藉口", "明瞭", "衹得", "帐篷",
      "记帐", "帐",   "帳",       "信用卡",   "还款", "乾隆",   "乾淨", "著名", "不",
      "一",   "了解", "复",       "口",       "然",   "默",     "干",   "后",   "後",
      "里",   "裡",   "ATM",      "123",      "，",   "？",     " "};
  std::mt19937 rng(5);
  for (int i = 0; i < 2000; ++i) {
    std::string s;
    const int n = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < n; ++k) {
      s += pieces[rng() % pieces.size()];
    }
    Result<FoldedText> folded = Fold(s);
    Result<std::string> expected = text::FoldForSearch(s);
    ASSERT_TRUE(folded.ok() && expected.ok()) << s;
    EXPECT_EQ(folded->text, *expected) << s;
  }
}

TEST(FoldTest, MapsEveryFoldedCodePointBackToTheOriginal) {
  const std::string original = "Ａ帳單";
  Result<FoldedText> folded = Fold(original);
  ASSERT_TRUE(folded.ok());
  ASSERT_EQ(folded->size_cp(), 3u);
  EXPECT_EQ(folded->text, "a账单");
  // Ａ is 3 bytes in the original, 1 byte folded.
  EXPECT_EQ(folded->orig_begin[0], 0u);
  EXPECT_EQ(folded->orig_end[0], 3u);
  EXPECT_EQ(original.substr(folded->orig_begin[1], folded->orig_end[1] - folded->orig_begin[1]),
            "帳");
  EXPECT_EQ(folded->cp_byte.back(), folded->text.size());
}

TEST(FoldTest, RejectsInvalidUtf8) {
  Result<FoldedText> folded = Fold("abc\xff");
  ASSERT_FALSE(folded.ok());
  EXPECT_EQ(folded.status().code(), StatusCode::kInvalidArgument);
}

TEST(TokenizeTest, CharactersPairsAndWords) {
  const auto terms = Terms("怎么更换绑定还款的卡");
  EXPECT_THAT(terms, Contains("c卡"));
  EXPECT_THAT(terms, Contains("c还"));
  EXPECT_THAT(terms, Contains("b还款"));
  EXPECT_THAT(terms, Contains("b换绑"));
  EXPECT_THAT(terms, Contains("w还款"));  // banking dictionary
  EXPECT_THAT(terms, Contains("w绑定"));
  EXPECT_THAT(terms, Not(Contains("b的卡卡")));
}

TEST(TokenizeTest, DictionaryFindsLongBankingWords) {
  const auto terms = Terms("手机银行转账限额");
  EXPECT_THAT(terms, Contains("w手机银行"));
  EXPECT_THAT(terms, Contains("w转账"));
  EXPECT_THAT(terms, Contains("w限额"));
}

TEST(TokenizeTest, WordsAreNotDoubledWhenIcuAndTheDictionaryAgree) {
  const auto terms = Terms("信用卡");
  EXPECT_EQ(std::count(terms.begin(), terms.end(), "w信用卡"), 1);
}

TEST(TokenizeTest, LatinAndNumbersAreWholeTokens) {
  const auto terms = Terms("错误码E1023，ATM取款");
  EXPECT_THAT(terms, Contains("we1023"));
  EXPECT_THAT(terms, Contains("watm"));
  EXPECT_THAT(terms, Not(Contains("b码e")));  // a pair never crosses a script boundary
}

TEST(TokenizeTest, PunctuationAndSpaceGiveNothing) {
  EXPECT_THAT(Terms("，。？！   ...---"), IsEmpty());
  EXPECT_THAT(Terms(""), IsEmpty());
}

TEST(TokenizeTest, TraditionalAndSimplifiedGiveTheSameTerms) {
  EXPECT_EQ(Terms("信用卡還款額度"), Terms("信用卡还款额度"));
}

TEST(DictionaryTest, SynonymsAreSymmetricAndInTheDictionary) {
  const Dictionary& dictionary = Dictionary::Get();
  const auto* of_card = dictionary.SynonymsOf("信用卡");
  ASSERT_NE(of_card, nullptr);
  EXPECT_THAT(*of_card, Contains("信用咭"));
  const auto* of_hk = dictionary.SynonymsOf("信用咭");
  ASSERT_NE(of_hk, nullptr);
  EXPECT_THAT(*of_hk, Contains("信用卡"));
  EXPECT_EQ(dictionary.SynonymsOf("天气"), nullptr);
  // Every synonym is a word, or a document could never carry the term it expands to.
  for (const auto& group : SynonymGroups()) {
    for (std::string_view word : group) {
      EXPECT_THAT(Terms(word), Contains("w" + std::string(word))) << word;
    }
  }
}

}  // namespace
}  // namespace kefu::search::internal
