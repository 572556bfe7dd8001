#include "analyzer.h"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utext.h>

#include <algorithm>
#include <memory>
#include <opencc/Config.hpp>
#include <opencc/Conversion.hpp>
#include <opencc/ConversionChain.hpp>
#include <opencc/Converter.hpp>
#include <opencc/Dict.hpp>
#include <opencc/DictEntry.hpp>
#include <opencc/Lexicon.hpp>
#include <utility>

#include "dictionary.h"
#include "kefu/core/text.h"

namespace kefu::search::internal {
namespace {

// Decodes the code point at `i`. REQUIRES: valid UTF-8 and i < s.size().
char32_t DecodeAt(std::string_view s, size_t i, size_t* len) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *len = 1;
    return b0;
  }
  auto cont = [&](size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F); };
  if (b0 < 0xE0) {
    *len = 2;
    return (static_cast<char32_t>(b0 & 0x1F) << 6) | cont(1);
  }
  if (b0 < 0xF0) {
    *len = 3;
    return (static_cast<char32_t>(b0 & 0x0F) << 12) | (cont(1) << 6) | cont(2);
  }
  *len = 4;
  return (static_cast<char32_t>(b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3);
}

// Unified ideographs are already NFKC- and case-stable, and they are most of the text, so
// they skip ICU; compatibility ideographs (U+F900…, U+2F800…) do not and go through it.
bool IsStableHan(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF);
}

enum class CharClass : uint8_t { kSeparator, kNgram, kAlnum };

CharClass Classify(char32_t cp) {
  if (cp < 0x80) {
    if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z')) {
      return CharClass::kAlnum;
    }
    return CharClass::kSeparator;
  }
  if (IsStableHan(cp)) {
    return CharClass::kNgram;
  }
  const auto c = static_cast<UChar32>(cp);
  if (u_hasBinaryProperty(c, UCHAR_IDEOGRAPHIC)) {
    return CharClass::kNgram;
  }
  UErrorCode status = U_ZERO_ERROR;
  const UScriptCode script = uscript_getScript(c, &status);
  if (U_SUCCESS(status) &&
      (script == USCRIPT_HIRAGANA || script == USCRIPT_KATAKANA || script == USCRIPT_HANGUL)) {
    return CharClass::kNgram;
  }
  return u_isalnum(c) ? CharClass::kAlnum : CharClass::kSeparator;
}

// The code points that traditional → simplified conversion (text::ToSimplified) may touch:
// every character OpenCC's t2s dictionaries map to something else, one character of every
// multi-character entry (a phrase can only match where all of its characters are), and 帐 for
// the finance fold. Text without any of them comes out of ToSimplified unchanged, so Fold skips
// the conversion — most text, since kefu's is mostly simplified already. Built once from the
// dictionaries OpenCC itself loads; immutable and thread-safe afterwards.
class T2sTouched {
 public:
  static const T2sTouched& Get() {
    static const T2sTouched* const touched = new T2sTouched;  // never destroyed, see core/text
    return *touched;
  }

  // REQUIRES: valid UTF-8. False means ToSimplified(s) == s for certain.
  bool AnyIn(std::string_view s) const {
    if (!loaded_) {
      return true;
    }
    for (size_t i = 0; i < s.size();) {
      if (static_cast<unsigned char>(s[i]) < 0x80) {
        ++i;
        continue;
      }
      size_t len = 0;
      const char32_t cp = DecodeAt(s, i, &len);
      if (bits_[cp]) {
        return true;
      }
      i += len;
    }
    return false;
  }

 private:
  T2sTouched() : bits_(0x110000, false) {
    // Whatever goes wrong here (no OpenCC data) only disables the shortcut; ToSimplified then
    // reports the error itself.
    try {
      opencc::Config config;
      const opencc::ConverterPtr converter = config.NewFromFile("t2s.json");
      std::vector<std::vector<char32_t>> phrases;
      std::vector<bool> is_key(bits_.size(), false);
      for (const opencc::ConversionPtr& conversion :
           converter->GetConversionChain()->GetConversions()) {
        // Held here: a range-for over *GetLexicon() would outlive the temporary shared_ptr.
        const opencc::LexiconPtr lexicon = conversion->GetDict()->GetLexicon();
        for (const auto& entry : *lexicon) {
          std::vector<char32_t> cps = CodePoints(entry->Key());
          if (cps.size() == 1) {
            is_key[cps[0]] = true;
            bits_[cps[0]] = bits_[cps[0]] || entry->Key() != entry->GetDefault();
          } else if (cps.size() > 1) {
            phrases.push_back(std::move(cps));
          }
        }
      }
      bits_[U'帐'] = true;
      for (const auto& phrase : phrases) {
        if (std::any_of(phrase.begin(), phrase.end(), [&](char32_t cp) { return bits_[cp]; })) {
          continue;
        }
        // One character suffices; a traditional variant (a dictionary key itself, such as 藉)
        // rather than a common character, so that text with 一 or 不 keeps the shortcut.
        const auto variant =
            std::find_if(phrase.begin(), phrase.end(), [&](char32_t cp) { return is_key[cp]; });
        bits_[variant != phrase.end() ? *variant : phrase[0]] = true;
      }
      loaded_ = true;
    } catch (...) {
      loaded_ = false;
    }
  }

  // REQUIRES: valid UTF-8.
  static std::vector<char32_t> CodePoints(std::string_view s) {
    std::vector<char32_t> out;
    for (size_t i = 0; i < s.size();) {
      size_t len = 0;
      const char32_t cp = DecodeAt(s, i, &len);
      if (cp < 0x110000) {
        out.push_back(cp);
      }
      i += len;
    }
    return out;
  }

  std::vector<bool> bits_;  // by code point
  bool loaded_ = false;
};

// Appends the folded code points of `piece` to `out`, all mapped to [begin, end) in the
// original.
void AppendMapped(std::string_view piece, size_t begin, size_t end, FoldedText* out) {
  for (size_t i = 0; i < piece.size();) {
    size_t len = 0;
    DecodeAt(piece, i, &len);
    out->cp_byte.push_back(out->text.size());
    out->text.append(piece.substr(i, len));
    out->orig_begin.push_back(begin);
    out->orig_end.push_back(end);
    i += len;
  }
}

// The words ICU finds in `text`, as byte ranges [first, second), in order. The same
// segmentation as text::SegmentWords (ICU's Chinese word break iterator, words only), but on
// this thread's own iterator: SegmentWords clones one and copies every word for each call,
// and Tokenize calls it for every field of every document.
Status SegmentWordRanges(std::string_view text, std::vector<std::pair<size_t, size_t>>* out) {
  out->clear();
  thread_local const std::unique_ptr<icu::BreakIterator> breaker = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> it(
        icu::BreakIterator::createWordInstance(icu::Locale::getChinese(), status));
    return U_SUCCESS(status) ? std::move(it) : nullptr;
  }();
  if (breaker == nullptr) {
    // The shared path, which reports why when it fails too.
    KEFU_ASSIGN_OR_RETURN(std::vector<std::string> words, text::SegmentWords(text));
    size_t cursor = 0;
    for (const std::string& word : words) {
      const size_t at = text.find(word, cursor);
      if (at != std::string_view::npos) {
        cursor = at + word.size();
        out->emplace_back(at, cursor);
      }
    }
    return OkStatus();
  }
  UErrorCode status = U_ZERO_ERROR;
  UText ut = UTEXT_INITIALIZER;
  utext_openUTF8(&ut, text.data(), static_cast<int64_t>(text.size()), &status);
  if (U_FAILURE(status)) {
    return InternalError(std::string("utext_openUTF8 failed: ") + u_errorName(status));
  }
  breaker->setText(&ut, status);  // keeps a shallow clone; the next call replaces it
  if (U_FAILURE(status)) {
    utext_close(&ut);
    return InternalError(std::string("BreakIterator::setText failed: ") + u_errorName(status));
  }
  int32_t start = breaker->first();
  for (int32_t end = breaker->next(); end != icu::BreakIterator::DONE;
       start = end, end = breaker->next()) {
    if (breaker->getRuleStatus() >= UBRK_WORD_NONE_LIMIT) {
      out->emplace_back(static_cast<size_t>(start), static_cast<size_t>(end));
    }
  }
  utext_close(&ut);
  return OkStatus();
}

}  // namespace

Result<FoldedText> Fold(std::string_view original) {
  KEFU_RETURN_IF_ERROR(text::ValidateUtf8(original));
  // Stage 1, per code point: NFKC + case fold + half width. Folding code point by code point
  // (instead of the whole string) keeps the map to the original exact; it differs from
  // whole-string NFKC only for combining sequences, and queries go through the same path.
  FoldedText stage1;
  stage1.text.reserve(original.size());
  for (size_t i = 0; i < original.size();) {
    size_t len = 0;
    const char32_t cp = DecodeAt(original, i, &len);
    if (cp < 0x80) {
      const char c = (cp >= 'A' && cp <= 'Z') ? static_cast<char>(cp - 'A' + 'a')
                                              : static_cast<char>(cp);
      AppendMapped(std::string_view(&c, 1), i, i + len, &stage1);
    } else if (IsStableHan(cp)) {
      AppendMapped(original.substr(i, len), i, i + len, &stage1);
    } else {
      AppendMapped(text::ToHalfWidth(text::NfkcCaseFold(original.substr(i, len))), i, i + len,
                   &stage1);
    }
    i += len;
  }
  // Stage 2: traditional → simplified needs context (OpenCC converts phrases), so it runs on
  // the whole string; t2s keeps the number of characters in practice, and when it does not the
  // code points are converted one by one so the map stays exact. Text it cannot change (most
  // of it) skips the conversion.
  if (!T2sTouched::Get().AnyIn(stage1.text)) {
    stage1.cp_byte.push_back(stage1.text.size());
    return stage1;
  }
  KEFU_ASSIGN_OR_RETURN(std::string simplified, text::ToSimplified(stage1.text));
  FoldedText out;
  if (text::CodePointCount(simplified) == stage1.size_cp()) {
    out.text = std::move(simplified);
    out.orig_begin = std::move(stage1.orig_begin);
    out.orig_end = std::move(stage1.orig_end);
    out.cp_byte.reserve(out.orig_begin.size() + 1);
    for (size_t i = 0; i < out.text.size();) {
      size_t len = 0;
      DecodeAt(out.text, i, &len);
      out.cp_byte.push_back(i);
      i += len;
    }
  } else {
    out.text.reserve(stage1.text.size());
    for (size_t k = 0; k < stage1.size_cp(); ++k) {
      const std::string_view piece = std::string_view(stage1.text).substr(
          stage1.cp_byte[k],
          (k + 1 < stage1.size_cp() ? stage1.cp_byte[k + 1] : stage1.text.size()) -
              stage1.cp_byte[k]);
      if (static_cast<unsigned char>(piece[0]) < 0x80) {
        AppendMapped(piece, stage1.orig_begin[k], stage1.orig_end[k], &out);
      } else {
        KEFU_ASSIGN_OR_RETURN(std::string one, text::ToSimplified(piece));
        AppendMapped(one, stage1.orig_begin[k], stage1.orig_end[k], &out);
      }
    }
  }
  out.cp_byte.push_back(out.text.size());
  return out;
}

Result<std::vector<Token>> Tokenize(const FoldedText& folded) {
  const std::string_view text = folded.text;
  const size_t n = folded.size_cp();
  std::vector<CharClass> cls(n);
  for (size_t k = 0; k < n; ++k) {
    size_t len = 0;
    cls[k] = Classify(DecodeAt(text, folded.cp_byte[k], &len));
  }
  auto cp_text = [&](size_t begin, size_t end) {
    return text.substr(folded.cp_byte[begin], folded.cp_byte[end] - folded.cp_byte[begin]);
  };

  std::vector<Token> tokens;
  tokens.reserve(n * 3);
  // Word (pos, len) pairs already emitted, so ICU and the dictionary do not double a word.
  std::vector<std::pair<uint32_t, uint32_t>> words;
  bool has_ngram_pair = false;
  const Dictionary& dictionary = Dictionary::Get();
  std::vector<size_t> run_cps;
  std::vector<Dictionary::Match> matches;
  for (size_t k = 0; k < n;) {
    size_t end = k + 1;
    while (end < n && cls[end] == cls[k]) {
      ++end;
    }
    if (cls[k] == CharClass::kAlnum) {
      // Very long alphanumeric runs (base64, URLs) would only bloat the term table.
      if (folded.cp_byte[end] - folded.cp_byte[k] <= 64) {
        tokens.push_back({MakeTerm(TermKind::kWord, cp_text(k, end)), static_cast<uint32_t>(k),
                          static_cast<uint32_t>(end - k)});
      }
    } else if (cls[k] == CharClass::kNgram) {
      for (size_t i = k; i < end; ++i) {
        tokens.push_back({MakeTerm(TermKind::kChar, cp_text(i, i + 1)), static_cast<uint32_t>(i), 1});
        if (i + 1 < end) {
          tokens.push_back(
              {MakeTerm(TermKind::kBigram, cp_text(i, i + 2)), static_cast<uint32_t>(i), 2});
          has_ngram_pair = true;
        }
      }
      if (end - k >= 2) {
        run_cps.assign(folded.cp_byte.begin() + static_cast<long>(k),
                       folded.cp_byte.begin() + static_cast<long>(end) + 1);
        matches.clear();
        dictionary.FindAll(text, run_cps, &matches);
        for (const auto& m : matches) {
          const auto pos = static_cast<uint32_t>(k + m.begin_cp);
          const auto len = static_cast<uint32_t>(m.length_cp);
          words.emplace_back(pos, len);
          tokens.push_back({MakeTerm(TermKind::kWord, cp_text(pos, pos + len)), pos, len});
        }
      }
    }
    k = end;
  }

  if (has_ngram_pair) {
    thread_local std::vector<std::pair<size_t, size_t>> icu_words;
    KEFU_RETURN_IF_ERROR(SegmentWordRanges(text, &icu_words));
    for (const auto& [at, word_end] : icu_words) {
      const std::string_view word = text.substr(at, word_end - at);
      const auto first = std::lower_bound(folded.cp_byte.begin(), folded.cp_byte.end(), at);
      const auto last = std::lower_bound(first, folded.cp_byte.end(), word_end);
      const auto pos = static_cast<uint32_t>(first - folded.cp_byte.begin());
      const auto len = static_cast<uint32_t>(last - first);
      if (len < 2 || pos + len > n) {
        continue;
      }
      bool all_ngram = true;
      for (uint32_t i = pos; i < pos + len; ++i) {
        all_ngram = all_ngram && cls[i] == CharClass::kNgram;
      }
      if (!all_ngram ||
          std::find(words.begin(), words.end(), std::make_pair(pos, len)) != words.end()) {
        continue;
      }
      words.emplace_back(pos, len);
      tokens.push_back({MakeTerm(TermKind::kWord, word), pos, len});
    }
  }
  return tokens;
}

}  // namespace kefu::search::internal
