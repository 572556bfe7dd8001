#include "kefu/search/index.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <mutex>
#include <shared_mutex>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "analyzer.h"
#include "dictionary.h"
#include "highlight.h"
#include "kefu/core/text.h"

namespace kefu::search {
namespace {

using internal::FoldedText;
using internal::TermKind;
using TermFreq = std::array<uint8_t, kFieldCount>;

// Hits ranked by BM25F alone, then re-ranked by the overlap and the phrase boost. The overlap
// reorders near misses of the same query rather than lifting documents from far down (a depth
// of 40 measured the same as 20 on BQ train); the phrase boost of at most 1 +
// Options::phrase_boost rarely does either. It is also the k of the MaxScore top-k, so a larger
// depth prunes less.
constexpr size_t kRerankDepth = 20;
// Terms a query keeps under OR semantics (Search: long queries).
constexpr size_t kMaxQueryTerms = 32;
// The per-term score bounds are recomputed once the average field lengths have grown by this
// factor since they were (bounds scale with it; see Impl::BoundSlack).
constexpr double kMaxBoundSlack = 1.25;
// The smallest overlap factor: a hit that shares nothing with the query on the question side
// (it matched in the answer or tags) keeps its BM25F order behind those that do.
constexpr double kMinOverlap = 1e-3;
// Compaction runs once this share of the postings belongs to removed documents.
constexpr double kCompactDeadShare = 0.25;

struct Posting {
  uint32_t slot;
  TermFreq tf;
};

// A document after text analysis; produced without the lock.
struct Analyzed {
  Document doc;
  std::array<std::string, kFieldCount> folded;  // similar questions and tags joined by '\n'
  std::array<uint32_t, kFieldCount> length{};   // folded code points
  std::vector<std::pair<std::string, TermFreq>> terms;
  std::vector<std::string> codes;  // folded
};

// Codes compare after NFKC, case and width folding, without surrounding spaces; no t2s, so a
// code is matched exactly as written modulo case.
std::string FoldCode(std::string_view code) {
  std::string folded = text::ToHalfWidth(text::NfkcCaseFold(code));
  const size_t begin = folded.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) {
    return {};
  }
  const size_t end = folded.find_last_not_of(" \t\r\n");
  return folded.substr(begin, end - begin + 1);
}

Status ValidateDocument(const Document& doc) {
  KEFU_RETURN_IF_ERROR(text::ValidateUtf8(doc.question, "question"));
  KEFU_RETURN_IF_ERROR(text::ValidateUtf8(doc.answer, "answer"));
  KEFU_RETURN_IF_ERROR(text::ValidateUtf8(doc.type, "type"));
  KEFU_RETURN_IF_ERROR(text::ValidateUtf8(doc.category, "category"));
  for (const auto& s : doc.similar_questions) {
    KEFU_RETURN_IF_ERROR(text::ValidateUtf8(s, "similar_questions"));
  }
  for (const auto& s : doc.tags) {
    KEFU_RETURN_IF_ERROR(text::ValidateUtf8(s, "tags"));
  }
  for (const auto& s : doc.codes) {
    KEFU_RETURN_IF_ERROR(text::ValidateUtf8(s, "codes"));
  }
  for (const auto& [key, value] : doc.attributes) {
    KEFU_RETURN_IF_ERROR(text::ValidateUtf8(key, "attributes"));
    KEFU_RETURN_IF_ERROR(text::ValidateUtf8(value, "attributes"));
  }
  return OkStatus();
}

Result<Analyzed> Analyze(Document doc) {
  KEFU_RETURN_IF_ERROR(ValidateDocument(doc).WithContext("document " + std::to_string(doc.id)));
  Analyzed out;
  std::unordered_map<std::string, TermFreq> tf;
  auto add = [&](Field field, std::string_view s) -> Status {
    const auto f = static_cast<size_t>(field);
    KEFU_ASSIGN_OR_RETURN(FoldedText folded, internal::Fold(s));
    KEFU_ASSIGN_OR_RETURN(std::vector<internal::Token> tokens, internal::Tokenize(folded));
    for (auto& token : tokens) {
      uint8_t& count = tf[std::move(token.term)][f];
      if (count < 255) {
        ++count;
      }
    }
    if (!out.folded[f].empty()) {
      out.folded[f].push_back('\n');
    }
    out.folded[f] += folded.text;
    out.length[f] += static_cast<uint32_t>(folded.size_cp());
    return OkStatus();
  };
  KEFU_RETURN_IF_ERROR(add(Field::kQuestion, doc.question));
  for (const auto& s : doc.similar_questions) {
    KEFU_RETURN_IF_ERROR(add(Field::kSimilar, s));
  }
  KEFU_RETURN_IF_ERROR(add(Field::kAnswer, doc.answer));
  for (const auto& s : doc.tags) {
    KEFU_RETURN_IF_ERROR(add(Field::kTags, s));
  }
  // Codes are also text in the tags field, so part of a code ("2024") still finds it.
  for (const auto& code : doc.codes) {
    KEFU_RETURN_IF_ERROR(add(Field::kTags, code));
    std::string folded = FoldCode(code);
    if (!folded.empty()) {
      out.codes.push_back(std::move(folded));
    }
  }
  out.terms.assign(std::make_move_iterator(tf.begin()), std::make_move_iterator(tf.end()));
  out.doc = std::move(doc);
  return out;
}

struct Slot {
  Document doc;
  std::array<std::string, kFieldCount> folded;
  std::array<uint32_t, kFieldCount> length{};
  // Term ids; those of the question side (question, similar questions) first, see Options::
  // overlap_power. All of them count as question side when the document has none.
  std::vector<uint32_t> terms;
  uint32_t question_terms = 0;
  std::vector<std::string> codes;
  uint32_t type = 0;
  uint32_t category = 0;
  std::vector<std::pair<uint32_t, uint32_t>> attributes;
  bool alive = false;
};

// What the scoring loop and the filters read for every candidate, packed apart from the text
// so that scanning postings does not pull whole Slots through the cache.
struct SlotMeta {
  int64_t id = 0;
  int64_t valid_from_ms = 0;
  int64_t valid_to_ms = 0;
  uint32_t type = 0;
  uint32_t category = 0;
  bool alive = false;
  bool agent_only = false;
  bool has_attributes = false;
};

// One query term with its weight before IDF; `counts` when it takes part in
// min_should_match.
struct QueryTerm {
  std::string term;
  double weight = 0;
  bool counts = false;
  bool synonym = false;  // matches count, but it is not one more term the document must have
};

struct AnalyzedQuery {
  std::vector<QueryTerm> terms;
  size_t counted = 0;
  std::vector<std::string> phrases;  // folded
  std::vector<std::string> codes;    // folded code candidates
  std::vector<std::string> marks;    // folded strings to highlight
};

bool IsCodeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
         c == '/' || c == '#' || c == ':';
}

// The whole folded query is phrased when it has no quotes; otherwise each quoted part.
std::vector<std::string> Phrases(const std::string& folded) {
  std::vector<std::string> phrases;
  auto trim = [](std::string_view s) {
    constexpr std::string_view kSpace = " \t\r\n?!.,;:";
    const size_t b = s.find_first_not_of(kSpace);
    if (b == std::string_view::npos) {
      return std::string();
    }
    return std::string(s.substr(b, s.find_last_not_of(kSpace) - b + 1));
  };
  // “…” quotes survive folding; ASCII quotes too.
  std::string normalized = folded;
  for (std::string_view q : {"“", "”", "「", "」"}) {
    for (size_t at = normalized.find(q); at != std::string::npos; at = normalized.find(q, at)) {
      normalized.replace(at, q.size(), "\"");
    }
  }
  size_t open = normalized.find('"');
  if (open == std::string::npos) {
    std::string whole = trim(normalized);
    if (text::CodePointCount(whole) >= 2) {
      phrases.push_back(std::move(whole));
    }
    return phrases;
  }
  while (open != std::string::npos) {
    const size_t close = normalized.find('"', open + 1);
    if (close == std::string::npos) {
      break;
    }
    std::string phrase = trim(std::string_view(normalized).substr(open + 1, close - open - 1));
    if (text::CodePointCount(phrase) >= 2) {
      phrases.push_back(std::move(phrase));
    }
    open = normalized.find('"', close + 1);
  }
  return phrases;
}

Result<AnalyzedQuery> AnalyzeQuery(const std::string& raw, const Options& options) {
  KEFU_ASSIGN_OR_RETURN(FoldedText folded, internal::Fold(raw));
  KEFU_ASSIGN_OR_RETURN(std::vector<internal::Token> tokens, internal::Tokenize(folded));
  AnalyzedQuery out;
  std::unordered_map<std::string, size_t> index;
  auto add = [&](std::string term, double weight, bool counts, bool synonym = false) {
    if (index.emplace(term, out.terms.size()).second) {
      out.terms.push_back({std::move(term), weight, counts, synonym});
    }
  };
  bool has_long = false;
  for (const auto& token : tokens) {
    has_long = has_long || internal::KindOf(token.term) != TermKind::kChar;
  }
  const internal::Dictionary& dictionary = internal::Dictionary::Get();
  for (const auto& token : tokens) {
    switch (internal::KindOf(token.term)) {
      case TermKind::kChar:
        add(token.term, options.char_weight, !has_long);
        break;
      case TermKind::kBigram:
        add(token.term, options.bigram_weight, true);
        break;
      case TermKind::kWord:
        add(token.term, options.word_weight, true);
        break;
    }
    if (internal::KindOf(token.term) != TermKind::kChar || !has_long) {
      out.marks.emplace_back(internal::TextOf(token.term));
    }
  }
  // Synonyms after the query's own terms, so a word the query already has keeps full weight.
  for (const auto& token : tokens) {
    if (internal::KindOf(token.term) != TermKind::kWord) {
      continue;
    }
    if (const auto* synonyms = dictionary.SynonymsOf(internal::TextOf(token.term))) {
      for (const std::string& synonym : *synonyms) {
        add(internal::MakeTerm(TermKind::kWord, synonym),
            options.word_weight * options.synonym_weight, true, true);
        out.marks.push_back(synonym);
      }
    }
  }
  for (const auto& term : out.terms) {
    out.counted += term.counts && !term.synonym ? 1 : 0;
  }
  out.phrases = Phrases(folded.text);
  // Code candidates: the whole query, and every run of code characters in it.
  if (std::string whole = FoldCode(raw); !whole.empty()) {
    out.codes.push_back(std::move(whole));
  }
  const std::string lowered = FoldCode(raw);
  for (size_t i = 0; i < lowered.size();) {
    if (!IsCodeChar(lowered[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < lowered.size() && IsCodeChar(lowered[end])) {
      ++end;
    }
    std::string run = lowered.substr(i, end - i);
    while (!run.empty() && (run.back() == '.' || run.back() == ':')) {
      run.pop_back();
    }
    if (run.size() >= 2 && std::find(out.codes.begin(), out.codes.end(), run) == out.codes.end()) {
      out.codes.push_back(std::move(run));
    }
    i = end;
  }
  std::sort(out.marks.begin(), out.marks.end());
  out.marks.erase(std::unique(out.marks.begin(), out.marks.end()), out.marks.end());
  return out;
}

// A query term's place in the MaxScore loop of Index::Search.
struct Cursor {
  const Posting* it = nullptr;
  const Posting* end = nullptr;
  float weight = 0;  // query weight × idf × (k1 + 1)
  float bound = 0;   // the most this term adds to any document's score
  bool counts = false;
  bool is_char = false;
};

// Per-thread accumulator for one window of slots in Index::Search; all zero between uses.
struct Window {
  static constexpr uint32_t kSlots = 4096;
  static constexpr size_t kWords = kSlots / 64;
  std::array<float, kSlots> score{};
  std::array<uint16_t, kSlots> matched{};
  std::array<uint16_t, kSlots> chars{};
  std::array<uint64_t, kWords> touched{};

  bool Touched(uint32_t j) const { return (touched[j / 64] >> (j % 64)) & 1; }
  void Touch(uint32_t j) { touched[j / 64] |= uint64_t{1} << (j % 64); }
};

// First posting at or after `slot`, galloping from `it`: the lists are long and the probes move
// forward in small steps, so this beats a binary search over the whole rest.
const Posting* AdvanceTo(const Posting* it, const Posting* end, uint32_t slot) {
  if (it == end || it->slot >= slot) {
    return it;
  }
  size_t step = 1;
  const auto left = static_cast<size_t>(end - it);
  size_t lo = 0;  // it[lo].slot < slot
  while (lo + step < left && it[lo + step].slot < slot) {
    lo += step;
    step *= 2;
  }
  const size_t hi = std::min(lo + step, left);
  return std::lower_bound(it + lo + 1, it + hi, slot,
                          [](const Posting& p, uint32_t s) { return p.slot < s; });
}

bool Contains(const std::vector<uint32_t>& ids, uint32_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

struct Index::Impl {
  Options options;
  mutable std::shared_mutex mu;

  std::unordered_map<std::string, uint32_t> term_ids;
  std::vector<std::vector<Posting>> postings;  // by term id, slots ascending
  std::vector<uint32_t> df;                    // live documents per term
  // By term: log(df + 0.5). BM25's idf log(1 + (n - df + 0.5) / (df + 0.5)) is
  // log(n + 1) - log(df + 0.5), so the overlap re-ranking needs no logarithm per term.
  std::vector<float> log_df;
  std::vector<Slot> slots;
  std::vector<SlotMeta> meta;  // parallel to slots
  std::vector<uint8_t> dead;   // parallel to slots; dense for the posting scan
  std::vector<float> norm;  // kFieldCount per slot: field weight / BM25 length normalisation
  std::unordered_map<int64_t, uint32_t> slot_of;
  std::unordered_map<std::string, std::vector<uint32_t>> code_slots;
  std::unordered_map<std::string, uint32_t> strings;  // interned type/category/attributes
  std::array<double, kFieldCount> total_length{};
  // Per term: an upper bound of its weighted, length-normalised term frequency (the BM25F tf')
  // in any document, computed with the average field lengths `bound_avg`. The lengths only
  // move the bound by their growth since (BoundSlack), so a write does not rescan the postings.
  std::vector<float> max_tf;
  // By term id: the evidence-type weight of the term (Options::char_weight …), for the overlap.
  std::vector<float> kind_weight;
  std::array<double, kFieldCount> bound_avg{};
  bool bounds_stale = true;
  size_t alive = 0;
  size_t total_postings = 0;
  size_t dead_postings = 0;

  uint32_t Intern(const std::string& s) {
    return strings.emplace(s, static_cast<uint32_t>(strings.size() + 1)).first->second;
  }
  // 0 when never seen: no document carries it.
  uint32_t Lookup(const std::string& s) const {
    const auto it = strings.find(s);
    return it == strings.end() ? 0 : it->second;
  }

  static SlotMeta MetaOf(const Slot& slot) {
    return {slot.doc.id,
            slot.doc.valid_from_ms,
            slot.doc.valid_to_ms,
            slot.type,
            slot.category,
            slot.alive,
            slot.doc.visibility == Visibility::kAgentOnly,
            !slot.attributes.empty()};
  }

  void RemoveLocked(uint32_t s) {
    Slot& slot = slots[s];
    for (uint32_t term : slot.terms) {
      --df[term];
      log_df[term] = LogDf(df[term]);
    }
    dead_postings += slot.terms.size();
    for (size_t f = 0; f < kFieldCount; ++f) {
      total_length[f] -= slot.length[f];
    }
    for (const auto& code : slot.codes) {
      auto& list = code_slots[code];
      list.erase(std::remove(list.begin(), list.end(), s), list.end());
      if (list.empty()) {
        code_slots.erase(code);
      }
    }
    slot_of.erase(slot.doc.id);
    slot = Slot();  // frees the text; alive = false
    meta[s].alive = false;
    dead[s] = 1;
    --alive;
  }

  // tf' of one posting with the field lengths normalised by `avg`.
  float WeightedTf(const TermFreq& tf, const std::array<uint32_t, kFieldCount>& length,
                   const std::array<double, kFieldCount>& avg) const {
    double out = 0;
    for (size_t f = 0; f < kFieldCount; ++f) {
      if (tf[f] == 0) {
        continue;
      }
      const double ratio = avg[f] > 0 ? length[f] / avg[f] : 1.0;
      out += tf[f] * options.field_weight[f] / (1.0 - options.b + options.b * ratio);
    }
    return static_cast<float>(out);
  }

  double KindWeight(TermKind kind) const {
    switch (kind) {
      case TermKind::kChar:
        return options.char_weight;
      case TermKind::kBigram:
        return options.bigram_weight;
      case TermKind::kWord:
        return options.word_weight;
    }
    return 0;
  }

  static float LogDf(uint32_t with_term) {
    return static_cast<float>(std::log(static_cast<double>(with_term) + 0.5));
  }

  // How much the norms may have grown since the bounds were computed: a field's norm
  // w / (1 - b + b·len/avg) grows at most by avg_now / avg_then.
  double BoundSlack() const {
    double slack = 1.0;
    for (size_t f = 0; f < kFieldCount; ++f) {
      const double avg = alive > 0 ? total_length[f] / static_cast<double>(alive) : 0;
      if (bound_avg[f] > 0) {
        slack = std::max(slack, avg / bound_avg[f]);
      }
    }
    return slack;
  }

  void AddLocked(Analyzed a) {
    if (const auto it = slot_of.find(a.doc.id); it != slot_of.end()) {
      RemoveLocked(it->second);
    }
    const auto s = static_cast<uint32_t>(slots.size());
    Slot slot;
    slot.terms.reserve(a.terms.size());
    // Question-side terms first (Slot::terms).
    std::stable_partition(a.terms.begin(), a.terms.end(), [](const auto& term) {
      return term.second[static_cast<size_t>(Field::kQuestion)] > 0 ||
             term.second[static_cast<size_t>(Field::kSimilar)] > 0;
    });
    for (auto& [term, tf] : a.terms) {
      if (tf[static_cast<size_t>(Field::kQuestion)] > 0 ||
          tf[static_cast<size_t>(Field::kSimilar)] > 0) {
        ++slot.question_terms;
      }
      auto [it, inserted] = term_ids.emplace(std::move(term), static_cast<uint32_t>(df.size()));
      if (inserted) {
        df.push_back(0);
        log_df.push_back(0);
        postings.emplace_back();
        max_tf.push_back(0);
        kind_weight.push_back(static_cast<float>(KindWeight(internal::KindOf(it->first))));
      }
      ++df[it->second];
      log_df[it->second] = LogDf(df[it->second]);
      postings[it->second].push_back({s, tf});
      if (!bounds_stale) {
        max_tf[it->second] =
            std::max(max_tf[it->second], WeightedTf(tf, a.length, bound_avg));
      }
      slot.terms.push_back(it->second);
    }
    if (slot.question_terms == 0) {
      slot.question_terms = static_cast<uint32_t>(slot.terms.size());
    }
    total_postings += a.terms.size();
    for (size_t f = 0; f < kFieldCount; ++f) {
      total_length[f] += a.length[f];
      // A field no document had when the bounds were computed has no scale to bound it by.
      bounds_stale = bounds_stale || (a.length[f] > 0 && bound_avg[f] == 0);
    }
    slot.type = Intern(a.doc.type);
    slot.category = Intern(a.doc.category);
    for (const auto& [key, value] : a.doc.attributes) {
      slot.attributes.emplace_back(Intern(key), Intern(value));
    }
    for (const auto& code : a.codes) {
      auto& list = code_slots[code];
      if (!Contains(list, s)) {
        list.push_back(s);
      }
    }
    slot.codes = std::move(a.codes);
    slot.folded = std::move(a.folded);
    slot.length = a.length;
    slot.doc = std::move(a.doc);
    slot.alive = true;
    slot_of[slot.doc.id] = s;
    meta.push_back(MetaOf(slot));
    dead.push_back(0);
    slots.push_back(std::move(slot));
    ++alive;
  }

  // Drops removed documents from the postings and renumbers the slots.
  void CompactLocked() {
    std::vector<uint32_t> remap(slots.size(), UINT32_MAX);
    std::vector<Slot> kept;
    kept.reserve(alive);
    for (uint32_t s = 0; s < slots.size(); ++s) {
      if (slots[s].alive) {
        remap[s] = static_cast<uint32_t>(kept.size());
        kept.push_back(std::move(slots[s]));
      }
    }
    slots = std::move(kept);
    meta.clear();
    for (const Slot& slot : slots) {
      meta.push_back(MetaOf(slot));
    }
    dead.assign(slots.size(), 0);
    total_postings = 0;
    for (auto& list : postings) {
      size_t out = 0;
      for (const Posting& p : list) {
        if (remap[p.slot] != UINT32_MAX) {
          list[out++] = {remap[p.slot], p.tf};
        }
      }
      list.resize(out);
      list.shrink_to_fit();
      total_postings += out;
    }
    dead_postings = 0;
    slot_of.clear();
    for (uint32_t s = 0; s < slots.size(); ++s) {
      slot_of[slots[s].doc.id] = s;
    }
    for (auto& [code, list] : code_slots) {
      for (auto& s : list) {
        s = remap[s];
      }
    }
  }

  // Called after every write: the average field lengths moved, so every document's length
  // normalisation does too (O(documents), well under a millisecond for 100,000).
  void FinishWriteLocked() {
    if (dead_postings > 0 && static_cast<double>(dead_postings) >
                                 kCompactDeadShare * static_cast<double>(total_postings)) {
      CompactLocked();
    }
    norm.assign(slots.size() * kFieldCount, 0.0f);
    for (size_t f = 0; f < kFieldCount; ++f) {
      const double avg = alive > 0 ? total_length[f] / static_cast<double>(alive) : 0;
      const double b = options.b;
      for (size_t s = 0; s < slots.size(); ++s) {
        const double ratio = avg > 0 ? slots[s].length[f] / avg : 1.0;
        norm[s * kFieldCount + f] =
            static_cast<float>(options.field_weight[f] / (1.0 - b + b * ratio));
      }
    }
    if (bounds_stale || BoundSlack() > kMaxBoundSlack) {
      // O(postings): BulkLoad, the first writes, and when the lengths drifted.
      for (size_t f = 0; f < kFieldCount; ++f) {
        bound_avg[f] = alive > 0 ? total_length[f] / static_cast<double>(alive) : 0;
      }
      for (size_t t = 0; t < postings.size(); ++t) {
        float best = 0;
        for (const Posting& p : postings[t]) {
          const float* n = &norm[static_cast<size_t>(p.slot) * kFieldCount];
          float tf = 0;
          for (size_t f = 0; f < kFieldCount; ++f) {
            tf += static_cast<float>(p.tf[f]) * n[f];
          }
          best = std::max(best, tf);
        }
        // float rounding must never make the bound smaller than a score it bounds
        max_tf[t] = best * 1.0001f;
      }
      bounds_stale = false;
    }
  }

  bool PassesFilter(uint32_t s, const Query& q, const std::vector<uint32_t>& types,
                    const std::vector<uint32_t>& categories,
                    const std::vector<std::pair<uint32_t, std::vector<uint32_t>>>& attributes)
      const {
    const SlotMeta& m = meta[s];
    if (!q.filter.types.empty() && !Contains(types, m.type)) {
      return false;
    }
    if (!q.filter.categories.empty() && !Contains(categories, m.category)) {
      return false;
    }
    if (q.filter.customer_facing_only && m.agent_only) {
      return false;
    }
    if (q.now_ms.has_value()) {
      if (m.valid_from_ms != 0 && *q.now_ms < m.valid_from_ms) {
        return false;
      }
      if (m.valid_to_ms != 0 && *q.now_ms >= m.valid_to_ms) {
        return false;
      }
    }
    for (const auto& [key, values] : attributes) {
      bool has_key = false;
      bool matched = false;
      if (m.has_attributes) {
        for (const auto& [k, v] : slots[s].attributes) {
          if (k == key) {
            has_key = true;
            matched = matched || Contains(values, v);
          }
        }
      }
      if (has_key ? !matched : !q.filter.attributes_missing_ok) {
        return false;
      }
    }
    return true;
  }
};

Index::Index(Options options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
}

Index::~Index() = default;

Status Index::Upsert(const Document& doc) {
  KEFU_ASSIGN_OR_RETURN(Analyzed analyzed, Analyze(doc));
  std::unique_lock lock(impl_->mu);
  impl_->AddLocked(std::move(analyzed));
  impl_->FinishWriteLocked();
  return OkStatus();
}

Status Index::Remove(int64_t id) {
  std::unique_lock lock(impl_->mu);
  const auto it = impl_->slot_of.find(id);
  if (it == impl_->slot_of.end()) {
    return NotFoundError("search document " + std::to_string(id) + " not found");
  }
  impl_->RemoveLocked(it->second);
  impl_->FinishWriteLocked();
  return OkStatus();
}

Status Index::BulkLoad(std::vector<Document> docs) {
  std::vector<Analyzed> analyzed;
  analyzed.reserve(docs.size());
  for (auto& doc : docs) {
    KEFU_ASSIGN_OR_RETURN(Analyzed a, Analyze(std::move(doc)));
    analyzed.push_back(std::move(a));
  }
  std::unique_lock lock(impl_->mu);
  for (auto& a : analyzed) {
    impl_->AddLocked(std::move(a));
  }
  impl_->FinishWriteLocked();
  return OkStatus();
}

void Index::Clear() {
  std::unique_lock lock(impl_->mu);
  Options options = impl_->options;
  // Swap the contents out under the lock, free them after it.
  auto fresh = std::make_unique<Impl>();
  fresh->options = options;
  std::swap(impl_->term_ids, fresh->term_ids);
  std::swap(impl_->postings, fresh->postings);
  std::swap(impl_->df, fresh->df);
  std::swap(impl_->log_df, fresh->log_df);
  std::swap(impl_->slots, fresh->slots);
  std::swap(impl_->meta, fresh->meta);
  std::swap(impl_->dead, fresh->dead);
  std::swap(impl_->norm, fresh->norm);
  std::swap(impl_->slot_of, fresh->slot_of);
  std::swap(impl_->code_slots, fresh->code_slots);
  std::swap(impl_->strings, fresh->strings);
  std::swap(impl_->total_length, fresh->total_length);
  std::swap(impl_->max_tf, fresh->max_tf);
  std::swap(impl_->kind_weight, fresh->kind_weight);
  std::swap(impl_->bound_avg, fresh->bound_avg);
  impl_->bounds_stale = true;
  impl_->alive = impl_->total_postings = impl_->dead_postings = 0;
  lock.unlock();
}

size_t Index::size() const {
  std::shared_lock lock(impl_->mu);
  return impl_->alive;
}

Result<Document> Index::Get(int64_t id) const {
  std::shared_lock lock(impl_->mu);
  const auto it = impl_->slot_of.find(id);
  if (it == impl_->slot_of.end()) {
    return NotFoundError("search document " + std::to_string(id) + " not found");
  }
  return impl_->slots[it->second].doc;
}

Result<std::vector<Hit>> Index::Search(const Query& q) const {
  if (q.text.size() > kMaxQueryBytes) {
    return InvalidArgumentError("query longer than " + std::to_string(kMaxQueryBytes) + " bytes",
                                "text");
  }
  if (q.limit > kMaxLimit) {
    return InvalidArgumentError("limit above " + std::to_string(kMaxLimit), "limit");
  }
  if (!(q.min_should_match >= 0.0 && q.min_should_match <= 1.0)) {
    return InvalidArgumentError("min_should_match must be within 0..1", "min_should_match");
  }
  KEFU_RETURN_IF_ERROR(text::ValidateUtf8(q.text, "text"));
  std::vector<Hit> hits;
  if (q.limit == 0) {
    return hits;
  }
  const Options& options = impl_->options;
  KEFU_ASSIGN_OR_RETURN(AnalyzedQuery aq, AnalyzeQuery(q.text, options));

  std::shared_lock lock(impl_->mu);
  const Impl& index = *impl_;
  if (index.alive == 0) {
    return hits;
  }
  const double n = static_cast<double>(index.alive);
  const auto k1 = static_cast<float>(options.k1);
  // 0.1 % above the slack: float sums must never exceed the bounds they are compared with.
  const double slack = index.BoundSlack() * 1.001;
  std::vector<Cursor> cursors;
  cursors.reserve(aq.terms.size());
  for (const QueryTerm& qt : aq.terms) {
    const auto it = index.term_ids.find(qt.term);
    if (it == index.term_ids.end() || index.df[it->second] == 0) {
      continue;
    }
    const double df = index.df[it->second];
    const std::vector<Posting>& list = index.postings[it->second];
    Cursor c;
    c.it = list.data();
    c.end = list.data() + list.size();
    c.weight =
        static_cast<float>(qt.weight * std::log(1.0 + (n - df + 0.5) / (df + 0.5)) * (k1 + 1));
    const double tf = index.max_tf[it->second] * slack;
    c.bound = static_cast<float>(c.weight * tf / (tf + k1) * 1.001);
    c.counts = qt.counts;
    c.is_char = internal::KindOf(qt.term) == TermKind::kChar;
    cursors.push_back(c);
  }
  std::sort(cursors.begin(), cursors.end(),
            [](const Cursor& a, const Cursor& b) { return a.bound > b.bound; });
  // A long query (a pasted message) has hundreds of terms, most of them common; with OR
  // semantics it keeps only its most informative ones, as Lucene's MoreLikeThis does. Cost
  // per document grows with the number of lists, and the dropped terms could add little.
  if (q.min_should_match == 0.0 && cursors.size() > kMaxQueryTerms) {
    cursors.resize(kMaxQueryTerms);
  }
  std::reverse(cursors.begin(), cursors.end());
  // prefix[i]: the most cursors[0..i] together add to a document's score.
  std::vector<float> prefix(cursors.size());
  for (size_t i = 0; i < cursors.size(); ++i) {
    prefix[i] = cursors[i].bound + (i > 0 ? prefix[i - 1] : 0.0f);
  }
  std::vector<const Posting*> list_begin(cursors.size());
  for (size_t i = 0; i < cursors.size(); ++i) {
    list_begin[i] = cursors[i].it;
  }

  auto ids = [&](const std::vector<std::string>& names) {
    std::vector<uint32_t> out;
    for (const auto& name : names) {
      out.push_back(index.Lookup(name));
    }
    return out;
  };
  const std::vector<uint32_t> types = ids(q.filter.types);
  const std::vector<uint32_t> categories = ids(q.filter.categories);
  std::vector<std::pair<uint32_t, std::vector<uint32_t>>> attributes;
  for (const auto& [key, values] : q.filter.attributes) {
    attributes.emplace_back(index.Lookup(key), ids(values));
  }
  // At least one counting term always: a document sharing only single characters with a
  // query that has pairs or words is noise (存款 for 还款), however low it would rank — unless
  // it shares Options::min_shared_chars distinct characters of the query (不能借款 for 借不到).
  const auto required = std::max<size_t>(
      1, static_cast<size_t>(std::ceil(q.min_should_match * static_cast<double>(aq.counted) - 1e-9)));
  const size_t min_chars = q.min_should_match == 0.0 ? options.min_shared_chars : 0;
  auto eligible = [&](size_t matched, size_t chars) {
    return matched >= required || (min_chars > 0 && chars >= min_chars);
  };

  struct Candidate {
    uint32_t slot;
    float score;
    bool code;
  };
  // Best first; ties go to the lower document id so results are deterministic.
  auto better = [&](const Candidate& a, const Candidate& b) {
    if (a.code != b.code) {
      return a.code;
    }
    if (a.score != b.score) {
      return a.score > b.score;
    }
    return index.meta[a.slot].id < index.meta[b.slot].id;
  };

  // MaxScore (Turtle & Flood 1995), document at a time in slot order: the best `depth`
  // documents so far sit in a heap whose top is the worst kept, with score theta. A term whose
  // bound, together with the bounds of all weaker terms, cannot lift a document above theta no
  // longer proposes documents ("non-essential"); it is probed, by galloping, only for documents
  // a stronger term proposed, and not at all once the score so far plus the remaining bounds
  // falls short. The single characters and the common pairs have the longest lists and the
  // smallest bounds, so they drop out first and their lists are mostly skipped.
  const size_t depth = std::max(kRerankDepth, q.offset + q.limit);
  std::vector<Candidate> candidates;
  candidates.reserve(depth + 1);
  float theta = 0;
  size_t first_essential = 0;
  const size_t m = cursors.size();
  const bool any_dead = index.dead_postings > 0;
  auto weighted_tf = [&](const Posting& p) {
    const float* norm = &index.norm[static_cast<size_t>(p.slot) * kFieldCount];
    float tf = 0;
    for (size_t f = 0; f < kFieldCount; ++f) {
      tf += static_cast<float>(p.tf[f]) * norm[f];
    }
    return tf;
  };
  // The essential lists are merged a window of slots at a time into a small accumulator
  // (Lucene's BooleanScorer): O(1) per posting however many lists there are, where a
  // document-at-a-time merge pays for every list at every document.
  static thread_local Window window;
  while (true) {
    uint32_t base = UINT32_MAX;
    for (size_t i = first_essential; i < m; ++i) {
      if (cursors[i].it != cursors[i].end) {
        base = std::min(base, cursors[i].it->slot);
      }
    }
    if (base == UINT32_MAX) {
      break;
    }
    const uint64_t limit = static_cast<uint64_t>(base) + Window::kSlots;
    const size_t essential_from = first_essential;
    for (size_t i = essential_from; i < m; ++i) {
      Cursor& c = cursors[i];
      for (; c.it != c.end && c.it->slot < limit; ++c.it) {
        const uint32_t j = c.it->slot - base;
        if (!window.Touched(j)) {
          window.Touch(j);
        }
        const float tf = weighted_tf(*c.it);
        window.score[j] += c.weight * tf / (tf + k1);
        window.matched[j] += c.counts ? 1 : 0;
        window.chars[j] += c.is_char ? 1 : 0;
      }
    }
    for (size_t word = 0; word < Window::kWords; ++word) {
      for (uint64_t bits = window.touched[word]; bits != 0; bits &= bits - 1) {
        const auto j = static_cast<uint32_t>(word * 64 + static_cast<size_t>(std::countr_zero(bits)));
        const uint32_t d = base + j;
        float score = window.score[j];
        size_t matched = window.matched[j];
        size_t chars = window.chars[j];
        window.score[j] = 0;
        window.matched[j] = 0;
        window.chars[j] = 0;
        if (any_dead && index.dead[d]) {
          continue;
        }
        bool pruned = false;
        for (size_t i = essential_from; i-- > 0;) {
          if (score + prefix[i] < theta) {
            pruned = true;
            break;
          }
          Cursor& c = cursors[i];
          c.it = AdvanceTo(c.it, c.end, d);
          if (c.it != c.end && c.it->slot == d) {
            const float tf = weighted_tf(*c.it);
            score += c.weight * tf / (tf + k1);
            matched += c.counts ? 1 : 0;
            chars += c.is_char ? 1 : 0;
          }
        }
        if (pruned || !eligible(matched, chars)) {
          continue;
        }
        const Candidate cand{d, score, false};
        if (candidates.size() == depth && !better(cand, candidates.front())) {
          continue;
        }
        if (!index.PassesFilter(d, q, types, categories, attributes)) {
          continue;
        }
        candidates.push_back(cand);
        std::push_heap(candidates.begin(), candidates.end(), better);
        if (candidates.size() > depth) {
          std::pop_heap(candidates.begin(), candidates.end(), better);
          candidates.pop_back();
        }
        if (candidates.size() == depth) {
          theta = candidates.front().score;
          while (first_essential < m && prefix[first_essential] < theta) {
            ++first_essential;
          }
        }
      }
      window.touched[word] = 0;
    }
  }
  // Exact code matches rank first whatever their text score.
  for (const auto& code : aq.codes) {
    const auto it = index.code_slots.find(code);
    if (it == index.code_slots.end()) {
      continue;
    }
    for (uint32_t s : it->second) {
      const auto kept = std::find_if(candidates.begin(), candidates.end(),
                                     [&](const Candidate& c) { return c.slot == s; });
      if (kept != candidates.end()) {
        kept->code = true;
        continue;
      }
      if ((any_dead && index.dead[s]) || !index.PassesFilter(s, q, types, categories, attributes)) {
        continue;
      }
      const float* norm = &index.norm[static_cast<size_t>(s) * kFieldCount];
      float score = 0;
      for (size_t i = 0; i < m; ++i) {
        const Posting* at = std::lower_bound(
            list_begin[i], cursors[i].end, s,
            [](const Posting& p, uint32_t slot) { return p.slot < slot; });
        if (at != cursors[i].end && at->slot == s) {
          float tf = 0;
          for (size_t f = 0; f < kFieldCount; ++f) {
            tf += static_cast<float>(at->tf[f]) * norm[f];
          }
          score += cursors[i].weight * tf / (tf + k1);
        }
      }
      candidates.push_back({s, score, true});
    }
  }
  if (options.overlap_power > 0 && !candidates.empty()) {
    // The query side of the overlap: its own distinct terms that some document has (synonyms
    // are stand-ins, not more of the query), weight × idf, by term id.
    const double log_n = std::log(n + 1);
    std::vector<std::pair<uint32_t, double>> query_terms;
    double query_mass = 0;
    for (const QueryTerm& qt : aq.terms) {
      const auto it = index.term_ids.find(qt.term);
      if (qt.synonym || it == index.term_ids.end() || index.df[it->second] == 0) {
        continue;
      }
      const double w = qt.weight * (log_n - index.log_df[it->second]);
      query_terms.emplace_back(it->second, w);
      query_mass += w;
    }
    std::sort(query_terms.begin(), query_terms.end());
    for (Candidate& c : candidates) {
      const Slot& slot = index.slots[c.slot];
      double doc_mass = 0;
      double shared = 0;
      for (size_t k = 0; k < slot.question_terms; ++k) {
        const uint32_t t = slot.terms[k];
        const double w = index.kind_weight[t] * (log_n - index.log_df[t]);
        doc_mass += w;
        const auto at = std::lower_bound(query_terms.begin(), query_terms.end(),
                                         std::make_pair(t, 0.0));
        if (at != query_terms.end() && at->first == t) {
          shared += w;
        }
      }
      const double mass = query_mass + doc_mass;
      const double dice = mass > 0 ? 2 * shared / mass : 0;
      c.score *= static_cast<float>(std::pow(std::max(dice, kMinOverlap), options.overlap_power));
    }
  }
  std::sort(candidates.begin(), candidates.end(), better);
  if (!aq.phrases.empty() && options.phrase_boost > 0) {
    for (auto& c : candidates) {
      const Slot& slot = index.slots[c.slot];
      for (const auto& phrase : aq.phrases) {
        const bool found = std::any_of(slot.folded.begin(), slot.folded.end(), [&](const auto& f) {
          return f.find(phrase) != std::string::npos;
        });
        if (found) {
          c.score *= static_cast<float>(1.0 + options.phrase_boost);
        }
      }
    }
    std::stable_sort(candidates.begin(), candidates.end(), better);
  }
  for (size_t i = q.offset; i < candidates.size() && hits.size() < q.limit; ++i) {
    const Candidate& c = candidates[i];
    Hit hit;
    hit.id = index.meta[c.slot].id;
    hit.code_match = c.code;
    hit.score = c.score + (c.code ? options.code_boost : 0.0);
    if (q.highlight) {
      hit.highlights =
          internal::Highlights(index.slots[c.slot].doc, index.slots[c.slot].folded, aq.marks);
    }
    hits.push_back(std::move(hit));
  }
  return hits;
}

}  // namespace kefu::search
