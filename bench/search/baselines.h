#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kefu::bench {

// A document as the benchmark sees it: the baselines index `Flat()`, kefu the fields.
struct BenchDoc {
  std::string question;
  std::vector<std::string> similar;
  std::string answer;

  std::string Flat() const;
};

// One retrieval system under test. Documents are numbered by their position in Build's input.
class System {
 public:
  virtual ~System() = default;
  virtual std::string Name() const = 0;
  virtual void Build(const std::vector<BenchDoc>& docs) = 0;
  // Up to k document numbers, best first.
  virtual std::vector<int> Search(const std::string& query, size_t k) = 0;
};

// Xapian 1.4: TermGenerator with FLAG_CJK_NGRAM for documents and query, OR of the query terms.
std::unique_ptr<System> MakeXapian();
// SQLite FTS5 with the trigram tokenizer; the query is an OR of the query's trigrams.
std::unique_ptr<System> MakeFts5Trigram();
// The floor: BM25 (k1 1.2, b 0.75) over single characters and character pairs of the raw text.
std::unique_ptr<System> MakeCharBm25();

// UTF-8 code points of `s` as separate strings.
std::vector<std::string> CodePoints(std::string_view s);

}  // namespace kefu::bench
