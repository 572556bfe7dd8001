#include "kefu/core/text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace kefu::text {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(TextUtf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("hello"));
  EXPECT_TRUE(IsValidUtf8("信用卡账单"));
  EXPECT_TRUE(IsValidUtf8("\xC2\x80"));          // U+0080, smallest two-byte form
  EXPECT_TRUE(IsValidUtf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
  EXPECT_TRUE(IsValidUtf8("\xEE\x80\x80"));      // U+E000, just above them
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));  // U+1F600
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));
  EXPECT_TRUE(ValidateUtf8("银行").ok());
}

TEST(TextUtf8Test, RejectsIllFormedText) {
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong '/', three bytes
  EXPECT_FALSE(IsValidUtf8("\xF0\x80\x80\xAF"));  // overlong '/', four bytes
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // U+D800, a surrogate
  EXPECT_FALSE(IsValidUtf8("\xED\xBF\xBF"));      // U+DFFF
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(IsValidUtf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xE4\xB8"));  // truncated 中
  EXPECT_FALSE(IsValidUtf8("\x80"));      // stray continuation byte
  EXPECT_FALSE(IsValidUtf8("\xE4\x41\xAD"));
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(TextUtf8Test, ValidateNamesFieldAndByteOffset) {
  Status overlong = ValidateUtf8("ab\xC0\xAF", "subject");
  EXPECT_EQ(overlong.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(overlong.field(), "subject");
  EXPECT_THAT(overlong.message(), HasSubstr("byte offset 2"));

  Status surrogate = ValidateUtf8("银\xED\xA0\x80");
  EXPECT_EQ(surrogate.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(surrogate.message(), HasSubstr("byte offset 3"));

  Status truncated = ValidateUtf8("x\xE4\xB8", "body");
  EXPECT_EQ(truncated.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(truncated.message(), HasSubstr("truncated"));
  EXPECT_THAT(truncated.message(), HasSubstr("byte offset 1"));
}

TEST(TextHalfWidthTest, MapsFullWidthAsciiAndIdeographicSpace) {
  EXPECT_EQ(ToHalfWidth("「ＡＢＣ１２３」"), "「ABC123」");
  EXPECT_EQ(ToHalfWidth("ＡＢＣ１２３"), "ABC123");
  EXPECT_EQ(ToHalfWidth("！～"), "!~");  // U+FF01 and U+FF5E, the ends of the range
  EXPECT_EQ(ToHalfWidth("ａ\xE3\x80\x80ｂ"), "a b");
  EXPECT_EQ(ToHalfWidth("＠ｅｘａｍｐｌｅ．ｃｏｍ"), "@example.com");
  // Outside the range: U+FF5F (full-width white parenthesis) and U+FF61 (half-width 。).
  EXPECT_EQ(ToHalfWidth("\xEF\xBD\x9F\xEF\xBD\xA1"), "\xEF\xBD\x9F\xEF\xBD\xA1");
  EXPECT_EQ(ToHalfWidth("银行 bank"), "银行 bank");
  EXPECT_EQ(ToHalfWidth(""), "");
}

TEST(TextNfkcCaseFoldTest, NormalisesWidthAndCase) {
  EXPECT_EQ(NfkcCaseFold("ＡＢＣ"), "abc");
  EXPECT_EQ(NfkcCaseFold("Straße"), "strasse");
  EXPECT_EQ(NfkcCaseFold("HELLO World"), "hello world");
  EXPECT_EQ(NfkcCaseFold("ﬁ"), "fi");                // ligature
  EXPECT_EQ(NfkcCaseFold("①"), "1");                 // circled digit
  EXPECT_EQ(NfkcCaseFold("ΣΊΣΥΦΟΣ"), "σίσυφοσ");     // final sigma folds to σ
  EXPECT_EQ(NfkcCaseFold("e\xCC\x81"), "\xC3\xA9");  // e + combining acute → é
  EXPECT_EQ(NfkcCaseFold("信用卡"), "信用卡");
}

TEST(TextNfkcCaseFoldTest, InvalidBytesBecomeReplacementCharacter) {
  EXPECT_EQ(NfkcCaseFold("A\xFF"), "a\xEF\xBF\xBD");
}

TEST(TextSimplifiedTest, ConvertsTraditionalAndFoldsAccountZhang) {
  Result<std::string> bank = ToSimplified("銀行");
  ASSERT_TRUE(bank.ok()) << bank.status().ToString();
  EXPECT_EQ(*bank, "银行");

  // OpenCC writes 帳 as 帐; the finance fold makes it the 账 banks use.
  Result<std::string> account = ToSimplified("帳戶");
  ASSERT_TRUE(account.ok()) << account.status().ToString();
  EXPECT_EQ(*account, "账户");

  Result<std::string> bill = ToSimplified("信用卡帳單");
  ASSERT_TRUE(bill.ok()) << bill.status().ToString();
  EXPECT_EQ(*bill, "信用卡账单");

  Result<std::string> tent = ToSimplified("帳篷");
  ASSERT_TRUE(tent.ok()) << tent.status().ToString();
  EXPECT_EQ(*tent, "帐篷");
}

TEST(TextSimplifiedTest, LeavesSimplifiedAndAsciiAlone) {
  Result<std::string> out = ToSimplified("我想办理信用卡还款 ABC 123");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "我想办理信用卡还款 ABC 123");
}

TEST(TextSimplifiedTest, RejectsInvalidUtf8) {
  Result<std::string> out = ToSimplified("銀\xE4\xB8");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
}

TEST(TextSimplifiedTest, ConcurrentCallsAgree) {
  std::vector<std::thread> threads;
  std::vector<std::string> results(8);
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&results, t] {
      for (int i = 0; i < 50; ++i) {
        Result<std::string> out = ToSimplified("信用卡帳單與銀行帳戶");
        results[t] = out.ok() ? *out : out.status().ToString();
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (const std::string& result : results) {
    EXPECT_EQ(result, "信用卡账单与银行账户");
  }
}

TEST(TextFinanceFoldTest, AccountWordsBecomeZhangAccount) {
  EXPECT_EQ(FinanceFold("帐户"), "账户");
  EXPECT_EQ(FinanceFold("信用卡帐单"), "信用卡账单");
  EXPECT_EQ(FinanceFold("对帐、记帐、转帐"), "对账、记账、转账");
  EXPECT_EQ(FinanceFold("帐"), "账");
  EXPECT_EQ(FinanceFold("账户"), "账户");
  EXPECT_EQ(FinanceFold("no zhang here"), "no zhang here");
  EXPECT_EQ(FinanceFold(""), "");
}

TEST(TextFinanceFoldTest, TentAndCurtainWordsKeepZhang) {
  for (const char* word :
       {"帐篷", "蚊帐", "营帐", "帐幕", "帐子", "床帐", "帷帐", "军帐", "帐幔"}) {
    EXPECT_EQ(FinanceFold(word), word);
  }
  EXPECT_EQ(FinanceFold("买了一顶帐篷和一床蚊帐"), "买了一顶帐篷和一床蚊帐");
  EXPECT_EQ(FinanceFold("在帐篷里对帐"), "在帐篷里对账");
}

TEST(TextFinanceFoldTest, AccountingVerbBeforeZhangZiWins) {
  // 记帐 + 子系统, not 记 + 帐子.
  EXPECT_EQ(FinanceFold("记帐子系统"), "记账子系统");
  EXPECT_EQ(FinanceFold("放下帐子"), "放下帐子");
}

TEST(TextFoldForSearchTest, RunsWholePipeline) {
  Result<std::string> out = FoldForSearch("「ＡＢＣ１２３」信用卡帳單");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "「abc123」信用卡账单");

  Result<std::string> mixed = FoldForSearch("VISA\xE3\x80\x80銀行帳戶 Straße");
  ASSERT_TRUE(mixed.ok()) << mixed.status().ToString();
  EXPECT_EQ(*mixed, "visa 银行账户 strasse");

  Result<std::string> tent = FoldForSearch("帳篷");
  ASSERT_TRUE(tent.ok()) << tent.status().ToString();
  EXPECT_EQ(*tent, "帐篷");
}

TEST(TextFoldForSearchTest, IsIdempotent) {
  for (const char* s : {"信用卡帳單", "ＡＢＣ", "Straße 蚊帳", "我想办理信用卡还款"}) {
    Result<std::string> once = FoldForSearch(s);
    ASSERT_TRUE(once.ok()) << once.status().ToString();
    Result<std::string> twice = FoldForSearch(*once);
    ASSERT_TRUE(twice.ok()) << twice.status().ToString();
    EXPECT_EQ(*twice, *once) << s;
  }
}

TEST(TextFoldForSearchTest, InvalidUtf8IsReplacedNotRejected) {
  Result<std::string> out = FoldForSearch("A\xC0\xAF");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(IsValidUtf8(*out));
}

std::string Concat(const std::vector<std::string>& words) {
  std::string s;
  for (const std::string& w : words) {
    s += w;
  }
  return s;
}

TEST(TextSegmentWordsTest, SegmentsChineseWithDictionary) {
  Result<std::vector<std::string>> words = SegmentWords("我想办理信用卡还款");
  ASSERT_TRUE(words.ok()) << words.status().ToString();
  EXPECT_GT(words->size(), 1u);
  EXPECT_THAT(*words, Contains("信用卡"));
  EXPECT_EQ(Concat(*words), "我想办理信用卡还款");
}

TEST(TextSegmentWordsTest, DropsSpacesAndPunctuation) {
  Result<std::vector<std::string>> words = SegmentWords("你好，我想办理信用卡还款。 Card 4111!");
  ASSERT_TRUE(words.ok()) << words.status().ToString();
  EXPECT_EQ(Concat(*words), "你好我想办理信用卡还款Card4111");
  EXPECT_THAT(*words, Contains("Card"));
  EXPECT_THAT(*words, Contains("4111"));
  for (const std::string& word : *words) {
    EXPECT_EQ(word.find(' '), std::string::npos);
    EXPECT_EQ(word.find("，"), std::string::npos);
  }
}

TEST(TextSegmentWordsTest, SplitsLatinOnSpaces) {
  Result<std::vector<std::string>> words = SegmentWords("  hello,  world  ");
  ASSERT_TRUE(words.ok()) << words.status().ToString();
  EXPECT_THAT(*words, ElementsAre("hello", "world"));
}

TEST(TextSegmentWordsTest, EmptyAndPunctuationOnlyGiveNoWords) {
  Result<std::vector<std::string>> empty = SegmentWords("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  Result<std::vector<std::string>> punct = SegmentWords("，。！？ ...");
  ASSERT_TRUE(punct.ok());
  EXPECT_TRUE(punct->empty());
}

TEST(TextSegmentWordsTest, RejectsInvalidUtf8) {
  Result<std::vector<std::string>> words = SegmentWords("信用卡\xE4\xB8");
  ASSERT_FALSE(words.ok());
  EXPECT_EQ(words.status().code(), StatusCode::kInvalidArgument);
}

TEST(TextSegmentWordsTest, ConcurrentCallsAgree) {
  Result<std::vector<std::string>> expected = SegmentWords("我想办理信用卡还款");
  ASSERT_TRUE(expected.ok());
  std::vector<std::thread> threads;
  std::vector<int> mismatches(8, 0);
  for (size_t t = 0; t < mismatches.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        Result<std::vector<std::string>> words = SegmentWords("我想办理信用卡还款");
        if (!words.ok() || *words != *expected) {
          ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (int m : mismatches) {
    EXPECT_EQ(m, 0);
  }
}

TEST(TextCodePointCountTest, CountsCodePointsNotBytes) {
  EXPECT_EQ(CodePointCount(""), 0u);
  EXPECT_EQ(CodePointCount("abc"), 3u);
  EXPECT_EQ(CodePointCount("信用卡"), 3u);
  EXPECT_EQ(CodePointCount("a信\xF0\x9F\x98\x80"), 3u);
}

}  // namespace
}  // namespace kefu::text
