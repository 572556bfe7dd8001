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
// Postings carry their saturated term frequency, normalised with the average field lengths of
// the last full pass (Impl::norm_avg); a write that moves an average by more than this share
// renormalises every posting. Below it, BM25's length normalisation is off by at most this
// much for documents written since, which moves no ranking measurably and keeps a single write
// O(its own terms) instead of O(postings).
constexpr double kNormDrift = 0.05;
// The smallest overlap factor: a hit that shares nothing with the query on the question side
// (it matched in the answer or tags) keeps its BM25F order behind those that do.
constexpr double kMinOverlap = 1e-3;
// Compaction runs once this share of the postings belongs to removed documents.
constexpr double kCompactDeadShare = 0.25;

// One document of a term's list. `sat` is the BM25F term frequency after length normalisation
// and saturation, tf' / (tf' + k1) with tf' = sum over fields of tf · weight / (1 - b + b ·
// length / average length): a query term adds its weight × idf × (k1 + 1) × sat, one multiply
// per posting with no look-up of the document's lengths.
struct Posting {
  uint32_t slot;
  float sat;
};

// A second form of a long posting list for O(1) membership probes: bit s is set when slot s is
// in the list, and rank[w] is the number of postings below slot 64·w, so the posting of slot s
// is at rank[s / 64] + the set bits below s in its word. MaxScore probes the long lists (the
// non-essential ones) for most candidates; galloping there means a cache miss and a
// mispredicted branch or two per probe, this a load from a few kilobytes that stay cached.
struct DenseList {
  std::vector<uint64_t> bits;
  std::vector<uint32_t> rank;

  // REQUIRES: `slot` above every slot already in; `at` its index in the posting list.
  void Append(uint32_t slot, uint32_t at) {
    const size_t word = slot / 64;
    while (bits.size() <= word) {
      bits.push_back(0);
      rank.push_back(at);
    }
    bits[word] |= uint64_t{1} << (slot % 64);
  }

  // Index of `slot` in the posting list, or -1 when it is not in it.
  int64_t Find(uint32_t slot) const {
    const size_t word = slot / 64;
    if (word >= bits.size()) {
      return -1;
    }
    const uint64_t bit = uint64_t{1} << (slot % 64);
    if ((bits[word] & bit) == 0) {
      return -1;
    }
    return rank[word] + PopCount(bits[word] & (bit - 1));
  }

  // std::popcount without -mpopcnt is a call into libgcc; this stays inline.
  static int PopCount(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return static_cast<int>((x * 0x0101010101010101ULL) >> 56);
  }
};

// Lists at least this long, and at least 1/kDenseShare of the slots, get a DenseList: its
// bits cost slots / 8 bytes, a sixteenth of the list's own postings at most.
constexpr size_t kDenseMinPostings = 256;
constexpr size_t kDenseShare = 16;

// Term text → dense term id. Open addressing over (hash, id) pairs with the texts kept apart by
// id: a look-up costs one probe of a flat array and one string compare, where a node-based
// std::unordered_map chases a bucket, a node and a modulo — it was most of the index build.
// Terms are never removed (a term no live document has keeps df 0).
class TermTable {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  uint32_t Find(std::string_view term) const {
    if (table_.empty()) {
      return kNone;
    }
    const uint64_t hash = std::hash<std::string_view>{}(term);
    const auto tag = static_cast<uint32_t>(hash >> 32);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Entry& e = table_[i];
      if (e.id == kNone) {
        return kNone;
      }
      if (e.tag == tag && texts_[e.id] == term) {
        return e.id;
      }
    }
  }

  // The id of `term`, adding it with id size() when new; `inserted` says which.
  uint32_t Insert(std::string&& term, bool* inserted) {
    if (2 * (texts_.size() + 1) > table_.size()) {
      Grow();
    }
    const uint64_t hash = std::hash<std::string_view>{}(term);
    const auto tag = static_cast<uint32_t>(hash >> 32);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      Entry& e = table_[i];
      if (e.id == kNone) {
        e = {tag, static_cast<uint32_t>(texts_.size())};
        texts_.push_back(std::move(term));
        *inserted = true;
        return e.id;
      }
      if (e.tag == tag && texts_[e.id] == term) {
        *inserted = false;
        return e.id;
      }
    }
  }

  const std::string& Text(uint32_t id) const { return texts_[id]; }
  size_t size() const { return texts_.size(); }

 private:
  struct Entry {
    uint32_t tag = 0;  // high half of the hash
    uint32_t id = kNone;
  };

  void Grow() {
    std::vector<Entry> old = std::move(table_);
    table_.assign(std::max<size_t>(64, old.size() * 2), Entry{});
    mask_ = table_.size() - 1;
    for (const Entry& e : old) {
      if (e.id == kNone) {
        continue;
      }
      const uint64_t hash = std::hash<std::string_view>{}(texts_[e.id]);
      size_t i = hash & mask_;
      while (table_[i].id != kNone) {
        i = (i + 1) & mask_;
      }
      table_[i] = e;
    }
  }

  std::vector<Entry> table_;  // a power of two, at most half full
  size_t mask_ = 0;
  std::vector<std::string> texts_;  // by id
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
  // Every token with its field, sorted and counted once at the end: a hash map here cost an
  // allocation per distinct term of every document.
  std::vector<std::pair<std::string, uint8_t>> occurrences;
  auto add = [&](Field field, std::string_view s) -> Status {
    const auto f = static_cast<uint8_t>(field);
    KEFU_ASSIGN_OR_RETURN(FoldedText folded, internal::Fold(s));
    KEFU_ASSIGN_OR_RETURN(std::vector<internal::Token> tokens, internal::Tokenize(folded));
    for (auto& token : tokens) {
      occurrences.emplace_back(std::move(token.term), f);
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
  std::sort(occurrences.begin(), occurrences.end());
  for (auto& [term, field] : occurrences) {
    if (out.terms.empty() || out.terms.back().first != term) {
      out.terms.emplace_back(std::move(term), TermFreq{});
    }
    uint8_t& count = out.terms.back().second[field];
    if (count < 255) {
      ++count;
    }
  }
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
  const Posting* begin = nullptr;
  const Posting* it = nullptr;
  const Posting* end = nullptr;
  const DenseList* dense = nullptr;  // probes go here when set
  float weight = 0;  // query weight × idf × (k1 + 1)
  float bound = 0;   // the most this term adds to any document's score
  bool counts = false;
  bool is_char = false;
  uint32_t tally = 0;  // what a match adds to Window::tally
};

// Per-thread accumulator for one window of slots in Index::Search; all zero between uses.
struct Window {
  static constexpr uint32_t kSlots = 4096;
  static constexpr size_t kWords = kSlots / 64;
  // A tally counts matched counting terms in its low half and single characters in its high
  // half; a query has far fewer than 65,536 terms.
  static constexpr uint32_t kMatched = 1;
  static constexpr uint32_t kChar = 1u << 16;
  std::array<float, kSlots> score{};
  std::array<uint32_t, kSlots> tally{};
  std::array<uint64_t, kWords> touched{};
  // The touched slots that may still reach the top-k, with their score and tally so far.
  std::array<uint16_t, kSlots> live{};
  std::array<float, kSlots> live_score{};
  std::array<uint32_t, kSlots> live_tally{};

  void Touch(uint32_t j) { touched[j / 64] |= uint64_t{1} << (j % 64); }
};

// First posting at or after `slot`, galloping from `it`: the lists are long and the probes move
// forward in small steps, so this beats a binary search over the whole rest.
const Posting* AdvanceTo(const Posting* it, const Posting* end, uint32_t slot) {
  // Most probes land within a few postings (the non-essential lists are the long ones): count
  // the next few without a branch to mispredict before galloping.
  constexpr ptrdiff_t kPeek = 4;
  if (end - it >= kPeek) {
    const ptrdiff_t below = static_cast<ptrdiff_t>(it[0].slot < slot) + (it[1].slot < slot) +
                            (it[2].slot < slot) + (it[3].slot < slot);
    if (below < kPeek) {
      return it + below;
    }
    it += kPeek;
  }
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

  TermTable term_ids;
  std::vector<std::vector<Posting>> postings;  // by term id, slots ascending
  // Parallel to `postings`: the per-field counts each `sat` was computed from, read only when
  // the postings are renormalised.
  std::vector<std::vector<TermFreq>> posting_tf;
  // By term id: index into `dense`, or kNoDense.
  static constexpr uint32_t kNoDense = UINT32_MAX;
  std::vector<uint32_t> dense_of;
  std::vector<DenseList> dense;
  std::vector<uint32_t> df;                    // live documents per term
  // By term: log(df + 0.5). BM25's idf log(1 + (n - df + 0.5) / (df + 0.5)) is
  // log(n + 1) - log(df + 0.5), so the overlap re-ranking needs no logarithm per term.
  std::vector<float> log_df;
  std::vector<Slot> slots;
  std::vector<SlotMeta> meta;  // parallel to slots
  std::vector<uint8_t> dead;   // parallel to slots; dense for the posting scan
  std::unordered_map<int64_t, uint32_t> slot_of;
  std::unordered_map<std::string, std::vector<uint32_t>> code_slots;
  std::unordered_map<std::string, uint32_t> strings;  // interned type/category/attributes
  std::array<double, kFieldCount> total_length{};
  // Per term: the largest Posting::sat in its list. Removals leave it as it is: still an upper
  // bound, and renormalisation recomputes it.
  std::vector<float> max_sat;
  // By term id: the evidence-type weight of the term (Options::char_weight …), for the overlap.
  std::vector<float> kind_weight;
  // The average field lengths the postings' `sat` were computed with (kNormDrift).
  std::array<double, kFieldCount> norm_avg{};
  bool norm_stale = true;
  bool log_df_stale = false;  // AddLocked in bulk left log_df behind df
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

  // Per field: field weight / BM25 length normalisation of a document with these lengths.
  std::array<double, kFieldCount> Norms(const std::array<uint32_t, kFieldCount>& length) const {
    std::array<double, kFieldCount> out{};
    for (size_t f = 0; f < kFieldCount; ++f) {
      const double ratio = norm_avg[f] > 0 ? length[f] / norm_avg[f] : 1.0;
      out[f] = options.field_weight[f] / (1.0 - options.b + options.b * ratio);
    }
    return out;
  }

  // Posting::sat of counts `tf` in a document with field norms `norms`.
  float Saturation(const TermFreq& tf, const std::array<double, kFieldCount>& norms) const {
    double weighted = 0;
    for (size_t f = 0; f < kFieldCount; ++f) {
      weighted += tf[f] * norms[f];
    }
    return weighted > 0 ? static_cast<float>(weighted / (weighted + options.k1)) : 0.0f;
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

  // True when the average field lengths moved more than kNormDrift away from `norm_avg`.
  bool NormsDrifted() const {
    for (size_t f = 0; f < kFieldCount; ++f) {
      const double avg = alive > 0 ? total_length[f] / static_cast<double>(alive) : 0;
      if (std::abs(avg - norm_avg[f]) > kNormDrift * norm_avg[f]) {
        return true;
      }
    }
    return false;
  }

  // `bulk` (BulkLoad) leaves log_df to FinishWriteLocked: one logarithm per term instead of one
  // per posting.
  void AddLocked(Analyzed a, bool bulk) {
    if (const auto it = slot_of.find(a.doc.id); it != slot_of.end()) {
      RemoveLocked(it->second);
    }
    const auto s = static_cast<uint32_t>(slots.size());
    Slot slot;
    slot.terms.reserve(a.terms.size());
    for (size_t f = 0; f < kFieldCount; ++f) {
      // A field no document had at the last renormalisation has no scale to normalise by.
      norm_stale = norm_stale || (a.length[f] > 0 && norm_avg[f] == 0);
    }
    const std::array<double, kFieldCount> norms = Norms(a.length);
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
      const TermKind kind = internal::KindOf(term);
      bool inserted = false;
      const uint32_t id = term_ids.Insert(std::move(term), &inserted);
      if (inserted) {
        df.push_back(0);
        log_df.push_back(0);
        postings.emplace_back();
        posting_tf.emplace_back();
        dense_of.push_back(kNoDense);
        max_sat.push_back(0);
        kind_weight.push_back(static_cast<float>(KindWeight(kind)));
      }
      ++df[id];
      if (!bulk) {
        log_df[id] = LogDf(df[id]);
      }
      log_df_stale = log_df_stale || bulk;
      // Renormalisation recomputes every sat before any search sees them.
      const float sat = norm_stale ? 0.0f : Saturation(tf, norms);
      if (dense_of[id] != kNoDense) {
        dense[dense_of[id]].Append(s, static_cast<uint32_t>(postings[id].size()));
      }
      postings[id].push_back({s, sat});
      posting_tf[id].push_back(tf);
      max_sat[id] = std::max(max_sat[id], sat);
      slot.terms.push_back(id);
    }
    if (slot.question_terms == 0) {
      slot.question_terms = static_cast<uint32_t>(slot.terms.size());
    }
    total_postings += a.terms.size();
    for (size_t f = 0; f < kFieldCount; ++f) {
      total_length[f] += a.length[f];
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
    for (size_t t = 0; t < postings.size(); ++t) {
      std::vector<Posting>& list = postings[t];
      std::vector<TermFreq>& tfs = posting_tf[t];
      size_t out = 0;
      for (size_t k = 0; k < list.size(); ++k) {
        if (remap[list[k].slot] != UINT32_MAX) {
          list[out] = {remap[list[k].slot], list[k].sat};
          tfs[out] = tfs[k];
          ++out;
        }
      }
      list.resize(out);
      list.shrink_to_fit();
      tfs.resize(out);
      tfs.shrink_to_fit();
      total_postings += out;
    }
    BuildDenseLocked();
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

  // (Re)builds the DenseLists of all long lists; lists that grow long later get theirs at the
  // next BulkLoad, renormalisation or compaction.
  void BuildDenseLocked() {
    dense.clear();
    std::fill(dense_of.begin(), dense_of.end(), kNoDense);
    const size_t min_postings = std::max(kDenseMinPostings, slots.size() / kDenseShare);
    for (size_t t = 0; t < postings.size(); ++t) {
      if (postings[t].size() < min_postings) {
        continue;
      }
      dense_of[t] = static_cast<uint32_t>(dense.size());
      DenseList& d = dense.emplace_back();
      d.bits.reserve(postings[t].back().slot / 64 + 1);
      d.rank.reserve(postings[t].back().slot / 64 + 1);
      for (size_t k = 0; k < postings[t].size(); ++k) {
        d.Append(postings[t][k].slot, static_cast<uint32_t>(k));
      }
    }
  }

  // Called after every write: compacts when many postings are dead, and renormalises every
  // posting (O(postings)) when the average field lengths drifted (kNormDrift) — always after a
  // BulkLoad into an empty index, rarely after single writes to a large one.
  void FinishWriteLocked() {
    if (dead_postings > 0 && static_cast<double>(dead_postings) >
                                 kCompactDeadShare * static_cast<double>(total_postings)) {
      CompactLocked();
    }
    if (log_df_stale) {
      for (size_t t = 0; t < df.size(); ++t) {
        log_df[t] = LogDf(df[t]);
      }
      log_df_stale = false;
    }
    if (!norm_stale && !NormsDrifted()) {
      return;
    }
    for (size_t f = 0; f < kFieldCount; ++f) {
      norm_avg[f] = alive > 0 ? total_length[f] / static_cast<double>(alive) : 0;
    }
    std::vector<std::array<double, kFieldCount>> norms(slots.size());
    for (size_t s = 0; s < slots.size(); ++s) {
      norms[s] = Norms(slots[s].length);
    }
    for (size_t t = 0; t < postings.size(); ++t) {
      float best = 0;
      std::vector<Posting>& list = postings[t];
      const std::vector<TermFreq>& tfs = posting_tf[t];
      for (size_t k = 0; k < list.size(); ++k) {
        list[k].sat = Saturation(tfs[k], norms[list[k].slot]);
        best = std::max(best, list[k].sat);
      }
      max_sat[t] = best;
    }
    norm_stale = false;
    BuildDenseLocked();
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
  impl_->AddLocked(std::move(analyzed), /*bulk=*/false);
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
    impl_->AddLocked(std::move(a), /*bulk=*/true);
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
  std::swap(impl_->posting_tf, fresh->posting_tf);
  std::swap(impl_->dense_of, fresh->dense_of);
  std::swap(impl_->dense, fresh->dense);
  std::swap(impl_->df, fresh->df);
  std::swap(impl_->log_df, fresh->log_df);
  std::swap(impl_->slots, fresh->slots);
  std::swap(impl_->meta, fresh->meta);
  std::swap(impl_->dead, fresh->dead);
  std::swap(impl_->slot_of, fresh->slot_of);
  std::swap(impl_->code_slots, fresh->code_slots);
  std::swap(impl_->strings, fresh->strings);
  std::swap(impl_->total_length, fresh->total_length);
  std::swap(impl_->max_sat, fresh->max_sat);
  std::swap(impl_->kind_weight, fresh->kind_weight);
  std::swap(impl_->norm_avg, fresh->norm_avg);
  impl_->norm_stale = true;
  impl_->log_df_stale = false;
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
  const double k1 = options.k1;
  std::vector<Cursor> cursors;
  cursors.reserve(aq.terms.size());
  for (const QueryTerm& qt : aq.terms) {
    const uint32_t id = index.term_ids.Find(qt.term);
    if (id == TermTable::kNone || index.df[id] == 0) {
      continue;
    }
    const double df = index.df[id];
    const std::vector<Posting>& list = index.postings[id];
    Cursor c;
    c.begin = list.data();
    c.it = list.data();
    c.end = list.data() + list.size();
    if (index.dense_of[id] != Impl::kNoDense) {
      c.dense = &index.dense[index.dense_of[id]];
    }
    c.weight =
        static_cast<float>(qt.weight * std::log(1.0 + (n - df + 0.5) / (df + 0.5)) * (k1 + 1));
    // 0.1 % above: float sums in another order must never exceed the bounds they are
    // compared with.
    c.bound = static_cast<float>(static_cast<double>(c.weight) * index.max_sat[id] * 1.001);
    c.counts = qt.counts;
    c.is_char = internal::KindOf(qt.term) == TermKind::kChar;
    c.tally = (c.counts ? Window::kMatched : 0) + (c.is_char ? Window::kChar : 0);
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

  // MaxScore (Turtle & Flood 1995) over windows of slots in ascending order: the best `depth`
  // documents so far sit in a heap whose top is the worst kept, with score theta. Terms whose
  // bounds together cannot lift a document to theta no longer propose documents
  // ("non-essential"); they are probed only for documents the other terms proposed, and not at
  // all once the score so far plus the remaining bounds falls short. Textbook MaxScore makes
  // the terms with the smallest bounds non-essential; any set whose bounds sum below theta will
  // do, and the one chosen here skips the most postings: terms by remaining list length per
  // unit of bound, so the single characters (long lists, middling bounds) go first and the
  // rare pairs, cheap to scan, stay essential. The partition is redone when theta has risen,
  // between windows.
  const size_t depth = std::max(kRerankDepth, q.offset + q.limit);
  std::vector<Candidate> candidates;
  candidates.reserve(depth + 1);
  float theta = 0;
  const size_t m = cursors.size();
  const bool any_dead = index.dead_postings > 0;
  // order[0, non_essential): the non-essential cursors by ascending bound, prefix[k] the sum
  // of their first k + 1 bounds; order[non_essential, m): the essential ones.
  std::vector<size_t> order(m);
  std::vector<float> prefix(m);
  std::vector<char> chosen(m);
  std::vector<std::pair<double, size_t>> by_cost(m);
  size_t non_essential = 0;
  float partitioned_at = -1;
  uint32_t frontier = 0;  // every slot below has been scored or ruled out
  auto partition = [&] {
    for (size_t i = 0; i < m; ++i) {
      // Dense lists are not advanced by their probes.
      cursors[i].it = AdvanceTo(cursors[i].it, cursors[i].end, frontier);
      const double left = static_cast<double>(cursors[i].end - cursors[i].it);
      by_cost[i] = {left / std::max(cursors[i].bound, 1e-20f), i};
    }
    std::sort(by_cost.begin(), by_cost.end(), std::greater<>());
    double sum = 0;
    std::fill(chosen.begin(), chosen.end(), 0);
    for (const auto& [cost, i] : by_cost) {
      if (sum + cursors[i].bound < theta) {
        sum += cursors[i].bound;
        chosen[i] = 1;
      }
    }
    non_essential = 0;
    for (size_t i = 0; i < m; ++i) {  // cursors are by ascending bound
      if (chosen[i]) {
        order[non_essential] = i;
        prefix[non_essential] =
            cursors[i].bound + (non_essential > 0 ? prefix[non_essential - 1] : 0.0f);
        ++non_essential;
      }
    }
    for (size_t i = 0, k = non_essential; i < m; ++i) {
      if (!chosen[i]) {
        order[k++] = i;
      }
    }
    partitioned_at = theta;
  };
  // The essential lists are merged a window of slots at a time into a small accumulator
  // (Lucene's BooleanScorer): O(1) per posting however many lists there are, where a
  // document-at-a-time merge pays for every list at every document.
  static thread_local Window window;
  while (true) {
    if (theta > partitioned_at) {
      partition();
    }
    uint32_t base = UINT32_MAX;
    for (size_t k = non_essential; k < m; ++k) {
      Cursor& c = cursors[order[k]];
      // A list that was non-essential may lag behind; it was probed up to here.
      c.it = AdvanceTo(c.it, c.end, frontier);
      if (c.it != c.end) {
        base = std::min(base, c.it->slot);
      }
    }
    if (base == UINT32_MAX) {
      break;
    }
    const uint64_t limit = static_cast<uint64_t>(base) + Window::kSlots;
    frontier = static_cast<uint32_t>(std::min<uint64_t>(limit, UINT32_MAX));
    for (size_t k = non_essential; k < m; ++k) {
      Cursor& c = cursors[order[k]];
      for (; c.it != c.end && c.it->slot < limit; ++c.it) {
        const uint32_t j = c.it->slot - base;
        window.Touch(j);
        window.score[j] += c.weight * c.it->sat;
        window.tally[j] += c.tally;
      }
    }
    // Then the non-essential lists, one at a time for the whole window, strongest first: before
    // each, the candidates that cannot reach theta even with it and all weaker lists drop out
    // (MaxScore's test, with the window's starting theta). A list at a time, its postings are
    // read in ascending order, which the hardware prefetches; a document at a time, every
    // probe was a cache miss in another list. The filters run without branches (each test is
    // a coin flip for the branch predictor).
    size_t live = 0;
    {
      const float need = theta - (non_essential > 0 ? prefix[non_essential - 1] : 0.0f);
      for (size_t word = 0; word < Window::kWords; ++word) {
        for (uint64_t bits = window.touched[word]; bits != 0; bits &= bits - 1) {
          const auto j =
              static_cast<uint16_t>(word * 64 + static_cast<size_t>(std::countr_zero(bits)));
          window.live[live] = j;
          window.live_score[live] = window.score[j];
          window.live_tally[live] = window.tally[j];
          const bool gone = any_dead && index.dead[base + j] != 0;
          live += window.score[j] >= need && !gone ? 1 : 0;
          window.score[j] = 0;
          window.tally[j] = 0;
        }
        window.touched[word] = 0;
      }
    }
    for (size_t k = non_essential; k-- > 0 && live > 0;) {
      const float need = theta - (k > 0 ? prefix[k - 1] : 0.0f);
      Cursor& c = cursors[order[k]];
      size_t kept = 0;
      for (size_t x = 0; x < live; ++x) {
        const uint32_t d = base + window.live[x];
        float score = window.live_score[x];
        uint32_t tally = window.live_tally[x];
        if (c.dense != nullptr) {
          if (const int64_t at = c.dense->Find(d); at >= 0) {
            score += c.weight * c.begin[at].sat;
            tally += c.tally;
          }
        } else {
          c.it = AdvanceTo(c.it, c.end, d);
          if (c.it != c.end && c.it->slot == d) {
            score += c.weight * c.it->sat;
            tally += c.tally;
          }
        }
        window.live[kept] = window.live[x];
        window.live_score[kept] = score;
        window.live_tally[kept] = tally;
        kept += score >= need ? 1 : 0;
      }
      live = kept;
    }
    for (size_t x = 0; x < live; ++x) {
      const uint32_t d = base + window.live[x];
      const float score = window.live_score[x];
      const uint32_t tally = window.live_tally[x];
      if (score < theta || !eligible(tally % Window::kChar, tally / Window::kChar)) {
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
      }
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
      float score = 0;
      for (size_t i = 0; i < m; ++i) {
        const Posting* at = std::lower_bound(
            list_begin[i], cursors[i].end, s,
            [](const Posting& p, uint32_t slot) { return p.slot < slot; });
        if (at != cursors[i].end && at->slot == s) {
          score += cursors[i].weight * at->sat;
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
      const uint32_t id = index.term_ids.Find(qt.term);
      if (qt.synonym || id == TermTable::kNone || index.df[id] == 0) {
        continue;
      }
      const double w = qt.weight * (log_n - index.log_df[id]);
      query_terms.emplace_back(id, w);
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
