#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kefu/core/result.h"

namespace kefu::search::internal {

// Text folded for search (kefu::text: NFKC + case fold, full → half width, traditional →
// simplified, 帐 → 账) with a map from every folded code point back to the original bytes, so
// highlights can mark the text the user actually wrote.
struct FoldedText {
  std::string text;
  std::vector<size_t> cp_byte;    // byte offset in `text` of each code point, plus text.size()
  std::vector<size_t> orig_begin;  // per folded code point: its source bytes in the original
  std::vector<size_t> orig_end;

  size_t size_cp() const { return orig_begin.size(); }
};

// REQUIRES: valid UTF-8. kUnavailable if OpenCC's data files are missing.
Result<FoldedText> Fold(std::string_view original);

// Term kinds live in separate namespaces: the pair 还款 and the word 还款 are different terms,
// so a pair that is also a real word scores twice — a cheap segmentation-consistency signal.
enum class TermKind : uint8_t { kChar = 'c', kBigram = 'b', kWord = 'w' };

struct Token {
  std::string term;  // kind byte + folded text, e.g. "w还款"
  uint32_t pos = 0;  // first code point in the folded text
  uint32_t len = 0;  // code points
};

inline TermKind KindOf(std::string_view term) { return static_cast<TermKind>(term[0]); }
inline std::string_view TextOf(std::string_view term) { return term.substr(1); }
inline std::string MakeTerm(TermKind kind, std::string_view text) {
  std::string term(1, static_cast<char>(kind));
  term.append(text);
  return term;
}

// The index terms of folded text:
// - Han (and kana/Hangul) runs: every single character, every adjacent pair, ICU words of two
//   or more characters and every banking-dictionary word found in the run;
// - runs of letters and digits (Latin, numbers, codes): one word each.
// Punctuation and spaces separate runs and produce nothing.
Result<std::vector<Token>> Tokenize(const FoldedText& folded);

}  // namespace kefu::search::internal
