#include "kefu/core/text.h"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/ubrk.h>
#include <unicode/unistr.h>
#include <unicode/utext.h>

#include <array>
#include <exception>
#include <memory>
#include <opencc/Exception.hpp>
#include <opencc/SimpleConverter.hpp>
#include <string>
#include <utility>

#include "kefu/core/check.h"

namespace kefu::text {
namespace {

constexpr size_t kValid = std::string_view::npos;

// Where the first ill-formed sequence starts (Unicode 15, table 3-7), or kValid. Sets
// `truncated` when that sequence is cut off by the end of the input.
size_t FirstInvalidByte(std::string_view s, bool* truncated) {
  *truncated = false;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char b = p[i];
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    // The second byte carries the range restrictions that exclude overlong forms, surrogates
    // and code points above U+10FFFF; later bytes are plain continuation bytes.
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b == 0xE0) {
      len = 3;
      lo = 0xA0;
    } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
      len = 3;
    } else if (b == 0xED) {
      len = 3;
      hi = 0x9F;
    } else if (b == 0xF0) {
      len = 4;
      lo = 0x90;
    } else if (b >= 0xF1 && b <= 0xF3) {
      len = 4;
    } else if (b == 0xF4) {
      len = 4;
      hi = 0x8F;
    } else {
      return i;  // C0, C1, F5..FF, or a stray continuation byte.
    }
    for (size_t k = 1; k < len; ++k) {
      if (i + k >= n) {
        *truncated = true;
        return i;
      }
      const unsigned char c = p[i + k];
      const unsigned char min = k == 1 ? lo : 0x80;
      const unsigned char max = k == 1 ? hi : 0xBF;
      if (c < min || c > max) {
        return i;
      }
    }
    i += len;
  }
  return kValid;
}

// 帐 (U+5E10) in UTF-8; every alternative spelling below is compared bytewise.
constexpr std::string_view kZhang = "\xE5\xB8\x90";
constexpr std::string_view kZhangAccount = "账";

// Words where 帐 is a tent, curtain or canopy and must stay 帐.
constexpr std::array<std::string_view, 22> kTentWords = {
    "帐篷", "帐幕", "帐幔", "帐幄", "帐帷", "帐钩", "帐顶", "蚊帐", "营帐", "床帐", "帷帐",
    "军帐", "幔帐", "罗帐", "纱帐", "毡帐", "篷帐", "锦帐", "幄帐", "牙帐", "寝帐", "绣帐",
};

// 帐子 is a bed curtain, but "记帐子系统" is 记账 + 子系统: after these characters the 帐
// belongs to an accounting word.
constexpr std::array<std::string_view, 14> kAccountingPrefixes = {
    "记", "对", "查", "转", "入", "到", "出", "结", "算", "销", "挂", "欠", "总", "分",
};

bool MatchesAt(std::string_view s, size_t pos, std::string_view word) {
  return pos <= s.size() && s.substr(pos, word.size()) == word;
}

// True when the 帐 at byte offset `pos` is part of a tent/curtain word.
bool IsTentZhang(std::string_view s, size_t pos) {
  for (std::string_view word : kTentWords) {
    const size_t in_word = word.find(kZhang);
    if (in_word <= pos && MatchesAt(s, pos - in_word, word)) {
      return true;
    }
  }
  if (MatchesAt(s, pos + kZhang.size(), "子")) {
    for (std::string_view prefix : kAccountingPrefixes) {
      if (prefix.size() <= pos && MatchesAt(s, pos - prefix.size(), prefix)) {
        return false;
      }
    }
    return true;
  }
  return false;
}

// The t2s converter, loaded once (the dictionaries take milliseconds to map). A missing data
// file is remembered rather than retried on every call: it will not appear while the process
// runs. Never destroyed, so threads still converting during exit do not race a destructor.
struct T2s {
  std::unique_ptr<opencc::SimpleConverter> converter;
  std::string error;
};

const T2s& GetT2s() {
  static const T2s* const t2s = [] {
    auto* result = new T2s;
    try {
      result->converter = std::make_unique<opencc::SimpleConverter>("t2s.json");
    } catch (const opencc::Exception& e) {
      result->error = e.what();
    } catch (const std::exception& e) {
      result->error = e.what();
    } catch (...) {
      result->error = "unknown error";
    }
    return result;
  }();
  return *t2s;
}

// The word break iterator prototype; each call works on its own clone() because a break
// iterator holds its text and position.
struct WordBreaker {
  std::unique_ptr<icu::BreakIterator> prototype;
  UErrorCode error = U_ZERO_ERROR;
};

const WordBreaker& GetWordBreaker() {
  static const WordBreaker* const breaker = [] {
    auto* result = new WordBreaker;
    result->prototype.reset(
        icu::BreakIterator::createWordInstance(icu::Locale::getChinese(), result->error));
    if (U_FAILURE(result->error)) {
      result->prototype.reset();
    }
    return result;
  }();
  return *breaker;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  bool truncated = false;
  return FirstInvalidByte(s, &truncated) == kValid;
}

Status ValidateUtf8(std::string_view s, std::string_view field) {
  bool truncated = false;
  const size_t offset = FirstInvalidByte(s, &truncated);
  if (offset == kValid) {
    return OkStatus();
  }
  std::string message = truncated ? "truncated UTF-8 sequence at byte offset "
                                  : "invalid UTF-8 sequence at byte offset ";
  message += std::to_string(offset);
  return InvalidArgumentError(std::move(message), std::string(field));
}

std::string ToHalfWidth(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 == 0xEF && i + 2 < s.size()) {
      const auto b1 = static_cast<unsigned char>(s[i + 1]);
      const auto b2 = static_cast<unsigned char>(s[i + 2]);
      if ((b1 == 0xBC || b1 == 0xBD) && (b2 & 0xC0) == 0x80) {
        const char32_t cp = 0xF000 | ((b1 & 0x3F) << 6) | (b2 & 0x3F);
        if (cp >= 0xFF01 && cp <= 0xFF5E) {
          out.push_back(static_cast<char>(cp - 0xFEE0));
          i += 3;
          continue;
        }
      }
    } else if (s.substr(i, 3) == "\xE3\x80\x80") {
      out.push_back(' ');
      i += 3;
      continue;
    }
    out.push_back(s[i]);
    ++i;
  }
  return out;
}

std::string NfkcCaseFold(std::string_view s) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* normalizer = icu::Normalizer2::getNFKCCasefoldInstance(status);
  // The ICU data is linked into the binary, so a failure here is a broken build.
  KEFU_CHECK(U_SUCCESS(status)) << "NFKC_Casefold unavailable: " << u_errorName(status);
  const icu::UnicodeString input =
      icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
  const icu::UnicodeString folded = normalizer->normalize(input, status);
  KEFU_CHECK(U_SUCCESS(status)) << "NFKC_Casefold failed: " << u_errorName(status);
  std::string out;
  folded.toUTF8String(out);
  return out;
}

Result<std::string> ToSimplified(std::string_view s) {
  KEFU_RETURN_IF_ERROR(ValidateUtf8(s));
  const T2s& t2s = GetT2s();
  if (t2s.converter == nullptr) {
    return UnavailableError(
        "traditional to simplified conversion unavailable (OpenCC t2s.json: " + t2s.error + ")");
  }
  std::string simplified;
  try {
    simplified = t2s.converter->Convert(s.data(), s.size());
  } catch (const opencc::Exception& e) {
    return InternalError(std::string("OpenCC conversion failed: ") + e.what());
  } catch (const std::exception& e) {
    return InternalError(std::string("OpenCC conversion failed: ") + e.what());
  } catch (...) {
    return InternalError("OpenCC conversion failed");
  }
  return FinanceFold(simplified);
}

std::string FinanceFold(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t done = 0;
  for (size_t pos = s.find(kZhang); pos != std::string_view::npos;
       pos = s.find(kZhang, pos + kZhang.size())) {
    out.append(s.substr(done, pos - done));
    out.append(IsTentZhang(s, pos) ? kZhang : kZhangAccount);
    done = pos + kZhang.size();
  }
  out.append(s.substr(done));
  return out;
}

Result<std::string> FoldForSearch(std::string_view s) {
  // NFKC replaces invalid sequences with U+FFFD, so later steps always see valid UTF-8.
  // ToSimplified ends with the finance fold.
  return ToSimplified(ToHalfWidth(NfkcCaseFold(s)));
}

Result<std::vector<std::string>> SegmentWords(std::string_view s) {
  KEFU_RETURN_IF_ERROR(ValidateUtf8(s));
  const WordBreaker& breaker = GetWordBreaker();
  if (breaker.prototype == nullptr) {
    return UnavailableError(std::string("ICU word break iterator unavailable: ") +
                            u_errorName(breaker.error));
  }
  std::unique_ptr<icu::BreakIterator> it(breaker.prototype->clone());
  if (it == nullptr) {
    return InternalError("cloning the ICU word break iterator failed");
  }
  UErrorCode status = U_ZERO_ERROR;
  // Iterating the UTF-8 bytes directly makes boundaries byte offsets into `s`.
  UText* text = utext_openUTF8(nullptr, s.data(), static_cast<int64_t>(s.size()), &status);
  if (U_FAILURE(status)) {
    return InternalError(std::string("utext_openUTF8 failed: ") + u_errorName(status));
  }
  it->setText(text, status);
  if (U_FAILURE(status)) {
    utext_close(text);
    return InternalError(std::string("BreakIterator::setText failed: ") + u_errorName(status));
  }
  std::vector<std::string> words;
  int32_t start = it->first();
  for (int32_t end = it->next(); end != icu::BreakIterator::DONE; start = end, end = it->next()) {
    if (it->getRuleStatus() >= UBRK_WORD_NONE_LIMIT) {
      words.emplace_back(s.substr(start, end - start));
    }
  }
  // The iterator keeps a pointer to the UText; drop it before closing.
  it.reset();
  utext_close(text);
  return words;
}

size_t CodePointCount(std::string_view s) {
  size_t count = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++count;
    }
  }
  return count;
}

}  // namespace kefu::text
