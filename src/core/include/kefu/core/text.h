#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kefu/core/result.h"

namespace kefu::text {

// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points > U+10FFFF).
bool IsValidUtf8(std::string_view s);
// kInvalidArgument naming `field` and the byte offset of the first bad sequence.
Status ValidateUtf8(std::string_view s, std::string_view field = {});

// Full-width ASCII variants (U+FF01–U+FF5E) and the ideographic space (U+3000) to their
// half-width forms; everything else unchanged. REQUIRES: valid UTF-8.
std::string ToHalfWidth(std::string_view s);

// ICU NFKC normalisation followed by full case folding (NFKC_Casefold).
// REQUIRES: valid UTF-8 (invalid sequences become U+FFFD).
std::string NfkcCaseFold(std::string_view s);

// Traditional → simplified Chinese with OpenCC (t2s), then the finance fold: 帐 → 账 where it
// means an account (OpenCC and ICU write 帳 as 帐, banks write 账), leaving 帐篷/蚊帐 and the like.
// Thread-safe. Returns kUnavailable if OpenCC's data files are missing.
Result<std::string> ToSimplified(std::string_view s);

// The finance fold alone (帐 → 账 except in tent/curtain words).
std::string FinanceFold(std::string_view s);

// The search folding pipeline: NFKC + case fold, full-width → half-width, traditional →
// simplified, finance fold. Thread-safe.
Result<std::string> FoldForSearch(std::string_view s);

// ICU word segmentation (dictionary-based for Chinese). Returns the words in order, without
// whitespace and punctuation. Thread-safe.
Result<std::vector<std::string>> SegmentWords(std::string_view s);

// Number of Unicode code points. REQUIRES: valid UTF-8.
size_t CodePointCount(std::string_view s);

}  // namespace kefu::text
