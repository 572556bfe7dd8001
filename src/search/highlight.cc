#include "highlight.h"

#include <algorithm>

#include "analyzer.h"

namespace kefu::search::internal {
namespace {

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

size_t CodePoints(std::string_view s) {
  size_t count = 0;
  for (char c : s) {
    count += IsContinuation(c) ? 0 : 1;
  }
  return count;
}

size_t Utf8Length(std::string_view s, size_t i) {
  size_t len = 1;
  while (i + len < s.size() && IsContinuation(s[i + len])) {
    ++len;
  }
  return len;
}

void AppendEscaped(std::string_view s, std::string* out) {
  for (char c : s) {
    switch (c) {
      case '&':
        out->append("&amp;");
        break;
      case '<':
        out->append("&lt;");
        break;
      case '>':
        out->append("&gt;");
        break;
      case '"':
        out->append("&quot;");
        break;
      case '\'':
        out->append("&#39;");
        break;
      default:
        out->push_back(c);
    }
  }
}

// Byte ranges of the original text covered by marks, merged, in order.
std::vector<Span> MatchSpans(const FoldedText& folded, const std::vector<std::string>& marks) {
  const size_t n = folded.size_cp();
  std::vector<bool> covered(n, false);
  for (const std::string& mark : marks) {
    if (mark.empty()) {
      continue;
    }
    // UTF-8 is self-synchronising: a match of whole code points starts on a boundary.
    for (size_t at = folded.text.find(mark); at != std::string::npos;
         at = folded.text.find(mark, at + 1)) {
      const auto first = std::lower_bound(folded.cp_byte.begin(), folded.cp_byte.end(), at);
      const auto last =
          std::lower_bound(first, folded.cp_byte.end(), at + mark.size());
      for (auto k = static_cast<size_t>(first - folded.cp_byte.begin());
           k < static_cast<size_t>(last - folded.cp_byte.begin()) && k < n; ++k) {
        covered[k] = true;
      }
    }
  }
  std::vector<Span> spans;
  for (size_t k = 0; k < n;) {
    if (!covered[k]) {
      ++k;
      continue;
    }
    size_t end = k;
    while (end < n && covered[end]) {
      ++end;
    }
    const auto begin_byte = static_cast<uint32_t>(folded.orig_begin[k]);
    const auto end_byte = static_cast<uint32_t>(folded.orig_end[end - 1]);
    if (!spans.empty() && spans.back().end >= begin_byte) {
      spans.back().end = std::max(spans.back().end, end_byte);
    } else {
      spans.push_back({begin_byte, end_byte});
    }
    k = end;
  }
  return spans;
}

// Cuts `original` to about kSnippetCodePoints around the first span and shifts the spans.
void Excerpt(std::string_view original, std::vector<Span> spans, Highlight* out) {
  constexpr size_t kLeadCodePoints = 20;
  size_t count = 0;
  for (char c : original) {
    count += IsContinuation(c) ? 0 : 1;
  }
  if (count <= kSnippetCodePoints) {
    out->text = std::string(original);
    out->spans = std::move(spans);
    return;
  }
  // Walk back kLeadCodePoints code points from the first match.
  size_t begin = spans.front().begin;
  for (size_t back = 0; back < kLeadCodePoints && begin > 0; ++back) {
    do {
      --begin;
    } while (begin > 0 && IsContinuation(original[begin]));
  }
  size_t end = begin;
  for (size_t taken = 0; taken < kSnippetCodePoints && end < original.size(); ++taken) {
    do {
      ++end;
    } while (end < original.size() && IsContinuation(original[end]));
  }
  const std::string_view kEllipsis = "…";
  const size_t shift = begin > 0 ? kEllipsis.size() : 0;
  if (begin > 0) {
    out->text.append(kEllipsis);
  }
  out->text.append(original.substr(begin, end - begin));
  if (end < original.size()) {
    out->text.append(kEllipsis);
  }
  for (const Span& span : spans) {
    if (span.end <= begin || span.begin >= end) {
      continue;
    }
    const auto b = static_cast<uint32_t>(std::max<size_t>(span.begin, begin) - begin + shift);
    const auto e = static_cast<uint32_t>(std::min<size_t>(span.end, end) - begin + shift);
    out->spans.push_back({b, e});
  }
}

// The folded text of `original` with its map: built from the index's folded copy when both
// have the same number of code points (folding was one-to-one, the usual case), otherwise by
// folding again.
Result<FoldedText> FoldAgain(std::string_view original, std::string_view folded) {
  if (!folded.empty() && CodePoints(original) == CodePoints(folded)) {
    FoldedText out;
    out.text = std::string(folded);
    size_t o = 0;
    for (size_t i = 0; i < folded.size();) {
      const size_t len = Utf8Length(folded, i);
      const size_t olen = Utf8Length(original, o);
      out.cp_byte.push_back(i);
      out.orig_begin.push_back(o);
      out.orig_end.push_back(o + olen);
      i += len;
      o += olen;
    }
    out.cp_byte.push_back(folded.size());
    return out;
  }
  return Fold(original);
}

}  // namespace

std::string MarkupHtml(std::string_view text, const std::vector<Span>& spans) {
  std::string out;
  out.reserve(text.size() + spans.size() * 9);
  size_t done = 0;
  for (const Span& span : spans) {
    AppendEscaped(text.substr(done, span.begin - done), &out);
    out.append("<em>");
    AppendEscaped(text.substr(span.begin, span.end - span.begin), &out);
    out.append("</em>");
    done = span.end;
  }
  AppendEscaped(text.substr(done), &out);
  return out;
}

std::vector<Highlight> Highlights(const Document& doc,
                                  const std::array<std::string, kFieldCount>& folded_fields,
                                  const std::vector<std::string>& marks) {
  std::vector<Highlight> out;
  if (marks.empty()) {
    return out;
  }
  // The stored folded text of instance `index` of `field` (similar questions and tags were
  // joined by '\n'; an original containing '\n' shifts the pieces, and FoldAgain notices).
  auto piece = [&](Field field, size_t index) -> std::string_view {
    std::string_view all = folded_fields[static_cast<size_t>(field)];
    if (field == Field::kQuestion || field == Field::kAnswer) {
      return all;
    }
    for (size_t i = 0; i < index; ++i) {
      const size_t nl = all.find('\n');
      if (nl == std::string_view::npos) {
        return {};
      }
      all.remove_prefix(nl + 1);
    }
    return all.substr(0, all.find('\n'));
  };
  auto one = [&](Field field, size_t index, std::string_view original) {
    Result<FoldedText> folded = FoldAgain(original, piece(field, index));
    if (!folded.ok()) {
      return;  // the text was folded when it was indexed; nothing sensible to mark otherwise
    }
    std::vector<Span> spans = MatchSpans(*folded, marks);
    if (spans.empty()) {
      return;
    }
    Highlight h;
    h.field = field;
    h.index = index;
    Excerpt(original, std::move(spans), &h);
    h.html = MarkupHtml(h.text, h.spans);
    out.push_back(std::move(h));
  };
  one(Field::kQuestion, 0, doc.question);
  for (size_t i = 0; i < doc.similar_questions.size(); ++i) {
    one(Field::kSimilar, i, doc.similar_questions[i]);
  }
  one(Field::kAnswer, 0, doc.answer);
  for (size_t i = 0; i < doc.tags.size(); ++i) {
    one(Field::kTags, i, doc.tags[i]);
  }
  return out;
}

}  // namespace kefu::search::internal
