#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kefu/core/result.h"
#include "kefu/core/status.h"

namespace kefu::search {

// Who may see a document. Agents see everything; a customer-facing search passes
// Filter::customer_facing_only.
enum class Visibility : uint8_t { kCustomer = 0, kAgentOnly = 1 };

// The ranked text fields of a document, in BM25F weight order.
enum class Field : uint8_t { kQuestion = 0, kSimilar = 1, kAnswer = 2, kTags = 3 };
inline constexpr int kFieldCount = 4;

// One searchable entry: an FAQ, canned phrase, link, article, activity or error code. Text may
// be simplified or traditional Chinese, full- or half-width; the index folds it. All strings
// must be valid UTF-8.
struct Document {
  int64_t id = 0;
  std::string type;      // "faq", "phrase", "link", "article", "activity", "error_code", …
  std::string category;  // free-form, filtered by exact match
  Visibility visibility = Visibility::kCustomer;
  int64_t valid_from_ms = 0;  // UTC ms; 0 = no start
  int64_t valid_to_ms = 0;    // UTC ms, exclusive; 0 = no end

  std::string question;                        // the standard question / title
  std::vector<std::string> similar_questions;  // paraphrases of the question
  std::string answer;                          // answer, phrase text, article body …
  std::vector<std::string> tags;
  // Activity codes, error codes, shortcuts: a query equal to one of them (after case and
  // width folding) ranks this document first.
  std::vector<std::string> codes;
  // Generic filter attributes, e.g. {"region", "广东"}, {"card_type", "金卡"}; a key may repeat.
  std::vector<std::pair<std::string, std::string>> attributes;
};

// Restricts results; an empty list means "any". All conditions must hold.
struct Filter {
  std::vector<std::string> types;       // document type is one of these
  std::vector<std::string> categories;  // category is one of these
  bool customer_facing_only = false;    // drop Visibility::kAgentOnly
  // For each listed key, the document must carry that key with one of the values. A document
  // without the key passes only when `attributes_missing_ok` is set (e.g. "national" campaigns
  // carry no region).
  std::vector<std::pair<std::string, std::vector<std::string>>> attributes;
  bool attributes_missing_ok = true;
};

struct Query {
  std::string text;  // REQUIRES: valid UTF-8, at most Index::kMaxQueryBytes bytes
  size_t limit = 10;  // at most Index::kMaxLimit
  size_t offset = 0;
  Filter filter;
  // UTC ms. When set, documents outside [valid_from_ms, valid_to_ms) are dropped.
  std::optional<int64_t> now_ms;
  // Fraction (0..1) of the query's distinct terms a document must contain. Terms that count are
  // words, character pairs and Latin/number tokens (single characters only when the query has
  // nothing longer); a synonym match counts for the word it stands for. At least one counting
  // term is always required, so 0 is OR semantics over words and pairs: single characters
  // then only add to the score of documents that already match, or make a match when a
  // document shares Options::min_shared_chars of them.
  double min_should_match = 0.0;
  bool highlight = true;
};

// A byte range [begin, end) into Highlight::text.
struct Span {
  uint32_t begin = 0;
  uint32_t end = 0;
};

// A snippet of one field of a hit with the matched parts marked. `text` is an excerpt of the
// document's original (unfolded) text, at most ~120 characters with "…" where it was cut;
// `spans` are byte ranges of matched terms in `text`; `html` is `text` HTML-escaped with every
// span wrapped in <em>…</em>, ready for the web page.
struct Highlight {
  Field field = Field::kQuestion;
  size_t index = 0;  // which similar question / tag; 0 for question and answer
  std::string text;
  std::vector<Span> spans;
  std::string html;
};

struct Hit {
  int64_t id = 0;
  double score = 0;
  bool code_match = false;  // the query equals one of the document's codes
  std::vector<Highlight> highlights;  // fields with a match, in Field order
};

// Ranking parameters. k1/b are Robertson's textbook values; see bench/search for how the
// others were chosen (tuned on BQ train only; reported on BQ dev and E.SUN).
struct Options {
  double k1 = 1.2;
  double b = 0.75;
  // BM25F weights, relative to the question: they scale a field's term frequency before the
  // saturation, so the strongest field keeps the textbook k1.
  double field_weight[kFieldCount] = {1.0, 0.85, 0.33, 0.67};  // question, similar, answer, tags
  // Evidence types. Single characters weigh as much as pairs: in short questions a shared
  // character is often the only trace of a paraphrase (未接到 / 没接到). A word of two
  // characters is also a pair term, so a word weighs half: it confirms the segmentation without
  // counting the same two characters twice at full weight.
  double char_weight = 1.0;    // single Chinese characters
  double bigram_weight = 1.0;  // adjacent character pairs
  double word_weight = 0.5;    // ICU / banking-dictionary words and Latin/number tokens
  double synonym_weight = 0.7;  // a synonym counts this much of the word it replaces
  double phrase_boost = 0.5;    // the whole query appears verbatim in a field: score *= 1+this
  // Overlap re-ranking of the BM25F top hits: score *= Dice^overlap_power, where Dice =
  // 2·shared / (query + document) over distinct terms, each weighted by its evidence-type
  // weight × idf, and "document" is the question side (question and similar questions; all
  // fields when it has none). BM25 rewards what a document has of the query but hardly
  // notices what else it says; matching one question against another, both sides count.
  // 0 turns it off.
  double overlap_power = 1.0;
  double code_boost = 1000.0;   // added for an exact code match
  // With OR semantics (Query::min_should_match 0), a document that shares no word or pair with
  // the query still matches when it shares this many distinct characters of it (不能借款 for
  // 借不到); 0 keeps single characters from ever making a match on their own.
  size_t min_shared_chars = 2;
};

// A Chinese full-text index over Documents: folding (NFKC, case, width, traditional →
// simplified, 帐 → 账), words from ICU plus a banking dictionary, single characters and
// character pairs, a synonym list, BM25F ranking, filters and highlights. Memory only: the
// owner (the kb service) keeps documents in the store and calls BulkLoad on start.
//
// Thread-safe: any number of concurrent Search calls together with writers (Upsert, Remove,
// BulkLoad). Writers serialise on a std::shared_mutex; BulkLoad and Upsert analyse text before
// taking the lock, so searches stall only for the short merge.
class Index {
 public:
  static constexpr size_t kMaxQueryBytes = 4096;
  static constexpr size_t kMaxLimit = 1000;

  explicit Index(Options options = {});
  ~Index();
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  // Adds the document or replaces the one with the same id. kInvalidArgument on invalid UTF-8
  // (naming the field); kUnavailable if the OpenCC data files are missing.
  Status Upsert(const Document& doc);
  // kNotFound when no document has this id.
  Status Remove(int64_t id);
  // Upserts many documents at once; much faster than one Upsert each. On error nothing is
  // applied.
  Status BulkLoad(std::vector<Document> docs);
  // Removes every document.
  void Clear();

  // Ranked hits, best first. kInvalidArgument for invalid UTF-8, an over-long query or limit.
  // A query with no searchable term (empty, punctuation only) returns no hits, not an error.
  Result<std::vector<Hit>> Search(const Query& query) const;

  // The stored document, or kNotFound.
  Result<Document> Get(int64_t id) const;
  size_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kefu::search
