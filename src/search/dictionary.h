#pragma once

#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kefu::search::internal {

// The banking user dictionary and the synonym list, hand-written for kefu (simplified Chinese;
// text is folded to simplified before it is matched). Every synonym is also a dictionary word,
// so a document containing it always carries the word term the synonym expands to.
std::span<const std::string_view> BankingWords();
std::span<const std::vector<std::string_view>> SynonymGroups();

// Finds every dictionary word inside a run of text (overlapping matches included, as a search
// engine's "full" segmentation mode). Built once; immutable and thread-safe afterwards.
class Dictionary {
 public:
  struct Match {
    size_t begin_cp;  // code point index into the run
    size_t length_cp;
  };

  static const Dictionary& Get();

  // `cps` are the byte offsets of the run's code points into `text`, with an end sentinel.
  void FindAll(std::string_view text, const std::vector<size_t>& cps,
               std::vector<Match>* out) const;
  // The other members of the word's synonym groups (empty when it has none).
  const std::vector<std::string>* SynonymsOf(std::string_view word) const;

 private:
  Dictionary();
  // First code point (UTF-8) → words starting with it, longest first.
  std::unordered_map<std::string, std::vector<std::string>> by_first_;
  std::unordered_map<std::string, std::vector<std::string>> synonyms_;
};

}  // namespace kefu::search::internal
