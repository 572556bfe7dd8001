#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "kefu/search/index.h"

namespace kefu::search::internal {

// Longest highlight excerpt, in code points, before "…" marks a cut.
inline constexpr size_t kSnippetCodePoints = 120;

// Marks every occurrence of the folded `marks` (query words, pairs, synonyms) in each field of
// `doc` and cuts an excerpt around the first match. Fields without a match are left out.
// `folded` is the index's folded text of each field (similar questions and tags joined by
// '\n'); it saves folding again when it lines up with the original code point for code point.
std::vector<Highlight> Highlights(const Document& doc,
                                  const std::array<std::string, kFieldCount>& folded,
                                  const std::vector<std::string>& marks);

// `text` with &, <, >, " and ' escaped and each span wrapped in <em>…</em>.
// REQUIRES: spans sorted, non-overlapping, within text and on code point boundaries.
std::string MarkupHtml(std::string_view text, const std::vector<Span>& spans);

}  // namespace kefu::search::internal
