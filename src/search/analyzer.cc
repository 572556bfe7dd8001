#include "analyzer.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <algorithm>
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
  // code points are converted one by one so the map stays exact.
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
    KEFU_ASSIGN_OR_RETURN(std::vector<std::string> icu_words, text::SegmentWords(text));
    size_t cursor = 0;
    for (const std::string& word : icu_words) {
      const size_t at = text.find(word, cursor);
      if (at == std::string_view::npos) {
        continue;  // cannot happen: the words are substrings in order; be safe anyway
      }
      cursor = at + word.size();
      const auto first = std::lower_bound(folded.cp_byte.begin(), folded.cp_byte.end(), at);
      const auto last = std::lower_bound(first, folded.cp_byte.end(), at + word.size());
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
