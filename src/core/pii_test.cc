#include "kefu/core/pii.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

namespace kefu::pii {
namespace {

using ::testing::HasSubstr;

// 17 digits for someone born on `yyyymmdd` in Beijing Chaoyang (110105), sequence `seq`.
std::string IdPrefix(std::string_view yyyymmdd, std::string_view seq = "123") {
  return "110105" + std::string(yyyymmdd) + std::string(seq);
}

std::string MakeId(std::string_view yyyymmdd, std::string_view seq = "123") {
  std::string first17 = IdPrefix(yyyymmdd, seq);
  return first17 + IdNumberCheckChar(first17);
}

void ExpectInvalid(const Result<std::string>& r, std::string_view field,
                   std::string_view message_part) {
  ASSERT_FALSE(r.ok()) << "accepted: " << *r;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().field(), field);
  EXPECT_THAT(r.status().message(), HasSubstr(std::string(message_part)));
}

// ---- Resident ID ----

TEST(PiiIdNumberTest, AcceptsKnownValidNumber) {
  Result<std::string> id = NormalizeIdNumber("11010519491231002X");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, "11010519491231002X");
  EXPECT_EQ(IdNumberCheckChar("11010519491231002"), 'X');
}

TEST(PiiIdNumberTest, GeneratedNumberRoundTrips) {
  const std::string id = MakeId("19900101");
  Result<std::string> normalized = NormalizeIdNumber(id);
  ASSERT_TRUE(normalized.ok()) << normalized.status().ToString();
  EXPECT_EQ(*normalized, id);
}

TEST(PiiIdNumberTest, NormalisesLowercaseXWidthAndSpaces) {
  Result<std::string> lower = NormalizeIdNumber("11010519491231002x");
  ASSERT_TRUE(lower.ok()) << lower.status().ToString();
  EXPECT_EQ(*lower, "11010519491231002X");

  Result<std::string> full = NormalizeIdNumber("\xE3\x80\x80１１０１０５１９４９１２３１００２ｘ ");
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_EQ(*full, "11010519491231002X");

  Result<std::string> trimmed = NormalizeIdNumber("  11010519491231002X\n");
  ASSERT_TRUE(trimmed.ok()) << trimmed.status().ToString();
  EXPECT_EQ(*trimmed, "11010519491231002X");
}

TEST(PiiIdNumberTest, RejectsWrongLength) {
  ExpectInvalid(NormalizeIdNumber("11010519491231002"), "id_number",
                "must have 18 characters, got 17");
  ExpectInvalid(NormalizeIdNumber("11010519491231002X1"), "id_number", "got 19");
  ExpectInvalid(NormalizeIdNumber(""), "id_number", "got 0");
  // The old 15-digit numbers are not accepted.
  ExpectInvalid(NormalizeIdNumber("110105491231002"), "id_number", "got 15");
}

TEST(PiiIdNumberTest, RejectsBadCharacters) {
  ExpectInvalid(NormalizeIdNumber("1101051949123A002X"), "id_number", "character 14");
  ExpectInvalid(NormalizeIdNumber("11010519491231002Y"), "id_number", "character 18");
  ExpectInvalid(NormalizeIdNumber("X10105194912310021"), "id_number", "character 1");
  ExpectInvalid(NormalizeIdNumber("11010519491231002号"), "id_number", "only digits");
  ExpectInvalid(NormalizeIdNumber("110105\xC0\xAF"), "id_number", "UTF-8");
}

TEST(PiiIdNumberTest, RejectsWrongCheckDigit) {
  ExpectInvalid(NormalizeIdNumber("110105194912310021"), "id_number", "check digit");
  ExpectInvalid(NormalizeIdNumber("110105194912310020"), "id_number", "check digit");
}

TEST(PiiIdNumberTest, ValidatesBirthDate) {
  // A correct check digit does not save an impossible date.
  ExpectInvalid(NormalizeIdNumber(MakeId("19990230")), "id_number", "birth date");
  ExpectInvalid(NormalizeIdNumber(MakeId("19991301")), "id_number", "birth date");
  ExpectInvalid(NormalizeIdNumber(MakeId("19990001")), "id_number", "birth date");
  ExpectInvalid(NormalizeIdNumber(MakeId("19990100")), "id_number", "birth date");
  ExpectInvalid(NormalizeIdNumber(MakeId("19990431")), "id_number", "birth date");
  ExpectInvalid(NormalizeIdNumber(MakeId("18991231")), "id_number", "birth date");
  ExpectInvalid(NormalizeIdNumber(MakeId("19000229")), "id_number", "birth date");  // not leap
  ExpectInvalid(NormalizeIdNumber(MakeId("20230229")), "id_number", "birth date");

  EXPECT_TRUE(NormalizeIdNumber(MakeId("19000101")).ok());
  EXPECT_TRUE(NormalizeIdNumber(MakeId("20000229")).ok());  // divisible by 400
  EXPECT_TRUE(NormalizeIdNumber(MakeId("20240229")).ok());
  EXPECT_TRUE(NormalizeIdNumber(MakeId("19991231")).ok());
}

TEST(PiiIdNumberTest, MessagesDoNotRepeatTheNumber) {
  Result<std::string> r = NormalizeIdNumber("110105194912310021");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().ToString(), ::testing::Not(HasSubstr("1949")));
}

TEST(PiiIdNumberTest, CheckCharacterCatchesEverySingleDigitError) {
  std::mt19937 rng(20240229);
  std::uniform_int_distribution<int> digit(0, 9);
  std::uniform_int_distribution<int> year(1900, 2099);
  std::uniform_int_distribution<int> month(1, 12);
  std::uniform_int_distribution<int> day(1, 28);
  for (int n = 0; n < 500; ++n) {
    char date[9];
    std::snprintf(date, sizeof(date), "%04d%02d%02d", year(rng), month(rng), day(rng));
    std::string seq;
    for (int i = 0; i < 3; ++i) {
      seq.push_back(static_cast<char>('0' + digit(rng)));
    }
    std::string id = MakeId(date, seq);
    Result<std::string> ok = NormalizeIdNumber(id);
    ASSERT_TRUE(ok.ok()) << id << ": " << ok.status().ToString();
    EXPECT_EQ(*ok, id);
    // Change one of the sequence digits (so the date stays valid): always caught.
    const size_t pos = 14 + n % 3;
    std::string typo = id;
    typo[pos] = static_cast<char>('0' + (id[pos] - '0' + 1 + digit(rng) % 9) % 10);
    EXPECT_FALSE(NormalizeIdNumber(typo).ok()) << typo;
  }
}

TEST(PiiIdNumberTest, Masks) {
  EXPECT_EQ(MaskIdNumber("110105199001011234"), "110***********1234");
  EXPECT_EQ(MaskIdNumber("11010519491231002X"), "110***********002X");
  // Not a normalised number: nothing is shown.
  EXPECT_EQ(MaskIdNumber("1101051949"), "**********");
}

// ---- Bank card ----

TEST(PiiCardTest, Luhn) {
  EXPECT_TRUE(LuhnValid("4111111111111111"));
  EXPECT_FALSE(LuhnValid("4111111111111112"));
  EXPECT_TRUE(LuhnValid("79927398713"));
  EXPECT_FALSE(LuhnValid(""));
  EXPECT_FALSE(LuhnValid("0"));
  EXPECT_FALSE(LuhnValid("4111-1111"));
  EXPECT_EQ(LuhnCheckDigit("411111111111111"), '1');
  EXPECT_EQ(LuhnCheckDigit("7992739871"), '3');
}

TEST(PiiCardTest, NormalisesAndValidates) {
  Result<std::string> visa = NormalizeCardNumber("4111111111111111");
  ASSERT_TRUE(visa.ok()) << visa.status().ToString();
  EXPECT_EQ(*visa, "4111111111111111");

  Result<std::string> spaced = NormalizeCardNumber(" 4111 1111-1111 1111 ");
  ASSERT_TRUE(spaced.ok()) << spaced.status().ToString();
  EXPECT_EQ(*spaced, "4111111111111111");

  Result<std::string> full = NormalizeCardNumber("４１１１\xE3\x80\x80１１１１－１１１１ １１１１");
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_EQ(*full, "4111111111111111");

  ExpectInvalid(NormalizeCardNumber("4111111111111112"), "card_number", "check digit");
  ExpectInvalid(NormalizeCardNumber("4111 1111 1111 111A"), "card_number", "only digits");
  ExpectInvalid(NormalizeCardNumber(""), "card_number", "got 0");
}

TEST(PiiCardTest, LengthIs12To19Digits) {
  for (size_t len = 10; len <= 21; ++len) {
    std::string payload(len - 1, '6');
    std::string card = payload + LuhnCheckDigit(payload);
    Result<std::string> r = NormalizeCardNumber(card);
    if (len >= 12 && len <= 19) {
      EXPECT_TRUE(r.ok()) << len << ": " << r.status().ToString();
    } else {
      ExpectInvalid(r, "card_number", "12 to 19 digits");
    }
  }
}

TEST(PiiCardTest, LuhnCatchesEverySingleDigitError) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> digit(0, 9);
  std::uniform_int_distribution<int> length(12, 19);
  for (int n = 0; n < 500; ++n) {
    std::string payload;
    const int len = length(rng);
    for (int i = 0; i < len - 1; ++i) {
      payload.push_back(static_cast<char>('0' + digit(rng)));
    }
    const std::string card = payload + LuhnCheckDigit(payload);
    ASSERT_TRUE(LuhnValid(card)) << card;
    ASSERT_TRUE(NormalizeCardNumber(card).ok()) << card;
    std::string typo = card;
    const size_t pos = static_cast<size_t>(n) % card.size();
    typo[pos] = static_cast<char>('0' + (card[pos] - '0' + 1 + digit(rng) % 9) % 10);
    EXPECT_FALSE(LuhnValid(typo)) << typo;
  }
}

TEST(PiiCardTest, Masks) {
  EXPECT_EQ(MaskCardNumber("4111111111111111"), "************1111");
  EXPECT_EQ(MaskCardNumber("4111111111111111", CardMask::kLast4), "************1111");
  EXPECT_EQ(MaskCardNumber("6222021234567890123", CardMask::kFirst6Last4), "622202*********0123");
  EXPECT_EQ(MaskCardNumber("4111111111111111", CardMask::kFirst6Last4), "411111******1111");
  EXPECT_EQ(MaskCardNumber("123456789012", CardMask::kFirst6Last4), "123456**9012");
  EXPECT_EQ(MaskCardNumber("4111"), "****");
}

// ---- Mainland mobile ----

TEST(PiiMobileTest, NormalisesPrefixesAndSeparators) {
  for (const char* raw :
       {"13812345678", "+86 138-1234-5678", "+8613812345678", "008613812345678", "8613812345678",
        " 138 1234 5678 ", "１３８１２３４５６７８", "＋８６　１３８－１２３４－５６７８"}) {
    Result<std::string> mobile = NormalizeMobile(raw);
    ASSERT_TRUE(mobile.ok()) << raw << ": " << mobile.status().ToString();
    EXPECT_EQ(*mobile, "13812345678") << raw;
  }
}

TEST(PiiMobileTest, AcceptsEveryMainlandPrefix) {
  for (char second = '3'; second <= '9'; ++second) {
    std::string number = "13012345678";
    number[1] = second;
    EXPECT_TRUE(NormalizeMobile(number).ok()) << number;
  }
}

TEST(PiiMobileTest, Rejects) {
  ExpectInvalid(NormalizeMobile("12812345678"), "mobile", "13 to 19");
  ExpectInvalid(NormalizeMobile("23812345678"), "mobile", "13 to 19");
  ExpectInvalid(NormalizeMobile("1381234567"), "mobile", "got 10");
  ExpectInvalid(NormalizeMobile("138123456789"), "mobile", "got 12");
  ExpectInvalid(NormalizeMobile("+1 415 555 0100"), "mobile", "only digits");
  ExpectInvalid(NormalizeMobile("138abcd5678"), "mobile", "only digits");
  ExpectInvalid(NormalizeMobile(""), "mobile", "got 0");
  // A prefix is only stripped when 11 digits follow it.
  ExpectInvalid(NormalizeMobile("861381234567"), "mobile", "got 12");
}

TEST(PiiMobileTest, Masks) {
  EXPECT_EQ(MaskMobile("13812345678"), "138****5678");
  EXPECT_EQ(MaskMobile("12345"), "*****");
}

// ---- E-mail ----

TEST(PiiEmailTest, NormalisesDomainCaseAndTrims) {
  Result<std::string> email = NormalizeEmail("  ZhangSan@Example.COM \n");
  ASSERT_TRUE(email.ok()) << email.status().ToString();
  EXPECT_EQ(*email, "ZhangSan@example.com");

  Result<std::string> plain = NormalizeEmail("zhangsan@example.com");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(*plain, "zhangsan@example.com");

  Result<std::string> sub = NormalizeEmail("a.b+tag@mail.bank.com.cn");
  ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  EXPECT_EQ(*sub, "a.b+tag@mail.bank.com.cn");

  Result<std::string> unicode = NormalizeEmail("张三@例子.中国");
  ASSERT_TRUE(unicode.ok()) << unicode.status().ToString();
  EXPECT_EQ(*unicode, "张三@例子.中国");
}

TEST(PiiEmailTest, Rejects) {
  ExpectInvalid(NormalizeEmail(""), "email", "empty");
  ExpectInvalid(NormalizeEmail("zhangsan"), "email", "one @");
  ExpectInvalid(NormalizeEmail("a@b@example.com"), "email", "one @");
  ExpectInvalid(NormalizeEmail("@example.com"), "email", "before the @");
  ExpectInvalid(NormalizeEmail("zhangsan@"), "email", "example.com");
  ExpectInvalid(NormalizeEmail("zhangsan@localhost"), "email", "example.com");
  ExpectInvalid(NormalizeEmail("zhangsan@.example.com"), "email", "example.com");
  ExpectInvalid(NormalizeEmail("zhangsan@example.com."), "email", "example.com");
  ExpectInvalid(NormalizeEmail("zhangsan@example..com"), "email", "example.com");
  ExpectInvalid(NormalizeEmail("zhang san@example.com"), "email", "spaces");
  ExpectInvalid(NormalizeEmail("zhangsan@exa\tmple.com"), "email", "spaces");
  ExpectInvalid(NormalizeEmail(std::string(65, 'a') + "@example.com"), "email", "64");
  ExpectInvalid(NormalizeEmail("a@" + std::string(250, 'b') + ".com"), "email", "254");
  ExpectInvalid(NormalizeEmail("a\xFF@example.com"), "email", "UTF-8");
}

TEST(PiiEmailTest, Masks) {
  EXPECT_EQ(MaskEmail("zhangsan@example.com"), "z***@example.com");
  EXPECT_EQ(MaskEmail("z@example.com"), "z***@example.com");
  EXPECT_EQ(MaskEmail("张三@example.com"), "张***@example.com");
  EXPECT_EQ(MaskEmail("nonsense"), "********");
}

// ---- Keyed hashing ----

TEST(PiiKeyedHashTest, MatchesRfc4231TestCase2) {
  EXPECT_EQ(KeyedHash("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(PiiKeyedHashTest, MatchesRfc4231TestCase1) {
  EXPECT_EQ(KeyedHash(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(PiiKeyedHashTest, NormalisedFormsHashAlike) {
  const std::string key = "pepper";
  Result<std::string> lower = NormalizeIdNumber("11010519491231002x");
  Result<std::string> upper = NormalizeIdNumber("11010519491231002X");
  ASSERT_TRUE(lower.ok() && upper.ok());
  EXPECT_EQ(KeyedHash(key, *lower), KeyedHash(key, *upper));
  EXPECT_NE(KeyedHash(key, *upper), KeyedHash("other key", *upper));
  const std::string hash = KeyedHash(key, *upper);
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(PiiKeyedHashDeathTest, EmptyKeyIsABug) { EXPECT_DEATH(KeyedHash("", "value"), "key"); }

}  // namespace
}  // namespace kefu::pii
