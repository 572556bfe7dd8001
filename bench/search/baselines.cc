#include "baselines.h"

#include <sqlite3.h>
#include <xapian.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace kefu::bench {

std::string BenchDoc::Flat() const {
  std::string out = question;
  for (const auto& s : similar) {
    out += '\n';
    out += s;
  }
  out += '\n';
  out += answer;
  return out;
}

std::vector<std::string> CodePoints(std::string_view s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    while (i + len < s.size() && (static_cast<unsigned char>(s[i + len]) & 0xC0) == 0x80) {
      ++len;
    }
    out.emplace_back(s.substr(i, len));
    i += len;
  }
  return out;
}

namespace {

class XapianSystem final : public System {
 public:
  XapianSystem() : db_(std::string(), Xapian::DB_BACKEND_INMEMORY) {}
  std::string Name() const override { return "Xapian 1.4"; }
  void Build(const std::vector<BenchDoc>& docs) override {
    Xapian::TermGenerator generator;
    generator.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
    for (size_t i = 0; i < docs.size(); ++i) {
      Xapian::Document doc;
      generator.set_document(doc);
      generator.index_text(docs[i].Flat());
      db_.replace_document(static_cast<Xapian::docid>(i + 1), doc);
    }
    db_.commit();
  }
  std::vector<int> Search(const std::string& query, size_t k) override {
    std::vector<int> out;
    try {
      // The query's terms as the indexer makes them (CJK unigrams and bigrams, words), joined
      // with OR. QueryParser would AND the n-grams of each CJK run, which loses most queries.
      Xapian::Document scratch;
      Xapian::TermGenerator generator;
      generator.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
      generator.set_document(scratch);
      generator.index_text(query);
      std::vector<std::string> terms(scratch.termlist_begin(), scratch.termlist_end());
      if (terms.empty()) {
        return out;
      }
      Xapian::Enquire enquire(db_);
      enquire.set_query(Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end()));
      const Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(k));
      for (auto it = mset.begin(); it != mset.end(); ++it) {
        out.push_back(static_cast<int>(*it) - 1);
      }
    } catch (const Xapian::Error& e) {
      std::fprintf(stderr, "xapian: %s\n", e.get_description().c_str());
    }
    return out;
  }

 private:
  Xapian::WritableDatabase db_;
};

class Fts5Trigram final : public System {
 public:
  Fts5Trigram() {
    if (sqlite3_open(":memory:", &db_) != SQLITE_OK) {
      std::fprintf(stderr, "sqlite: cannot open\n");
      std::abort();
    }
    Exec("CREATE VIRTUAL TABLE docs USING fts5(body, tokenize='trigram')");
  }
  ~Fts5Trigram() override {
    sqlite3_finalize(query_);
    sqlite3_close(db_);
  }
  std::string Name() const override { return "SQLite FTS5 trigram"; }
  void Build(const std::vector<BenchDoc>& docs) override {
    Exec("BEGIN");
    sqlite3_stmt* insert = nullptr;
    sqlite3_prepare_v2(db_, "INSERT INTO docs(rowid, body) VALUES (?, ?)", -1, &insert, nullptr);
    for (size_t i = 0; i < docs.size(); ++i) {
      const std::string body = docs[i].Flat();
      sqlite3_bind_int64(insert, 1, static_cast<sqlite3_int64>(i + 1));
      sqlite3_bind_text(insert, 2, body.data(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
      sqlite3_step(insert);
      sqlite3_reset(insert);
    }
    sqlite3_finalize(insert);
    Exec("COMMIT");
    sqlite3_prepare_v2(db_, "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?", -1,
                       &query_, nullptr);
  }
  std::vector<int> Search(const std::string& query, size_t k) override {
    std::vector<int> out;
    const std::vector<std::string> cps = CodePoints(query);
    std::unordered_set<std::string> seen;
    std::string match;
    for (size_t i = 0; i + 3 <= cps.size(); ++i) {
      std::string trigram = cps[i] + cps[i + 1] + cps[i + 2];
      if (!seen.insert(trigram).second) {
        continue;
      }
      std::string quoted = "\"";
      for (char c : trigram) {
        quoted += c;
        if (c == '"') {
          quoted += '"';
        }
      }
      quoted += '"';
      match += match.empty() ? quoted : " OR " + quoted;
    }
    if (match.empty()) {
      return out;  // trigram needs at least three characters
    }
    sqlite3_bind_text(query_, 1, match.data(), static_cast<int>(match.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(query_, 2, static_cast<sqlite3_int64>(k));
    while (sqlite3_step(query_) == SQLITE_ROW) {
      out.push_back(static_cast<int>(sqlite3_column_int64(query_, 0)) - 1);
    }
    sqlite3_reset(query_);
    return out;
  }

 private:
  void Exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
      std::fprintf(stderr, "sqlite: %s: %s\n", sql, error);
      std::abort();
    }
  }
  sqlite3* db_ = nullptr;
  sqlite3_stmt* query_ = nullptr;
};

// Plain BM25 over characters and character pairs, whitespace skipped, no folding at all.
class CharBm25 final : public System {
 public:
  std::string Name() const override { return "char BM25 floor"; }
  void Build(const std::vector<BenchDoc>& docs) override {
    lengths_.resize(docs.size());
    double total = 0;
    for (size_t d = 0; d < docs.size(); ++d) {
      std::unordered_map<std::string, int> tf;
      const auto terms = Terms(docs[d].Flat());
      for (const auto& t : terms) {
        ++tf[t];
      }
      for (auto& [term, count] : tf) {
        postings_[term].emplace_back(static_cast<int>(d), count);
      }
      lengths_[d] = static_cast<double>(terms.size());
      total += lengths_[d];
    }
    avg_ = docs.empty() ? 1 : total / static_cast<double>(docs.size());
    scores_.assign(docs.size(), 0);
  }
  std::vector<int> Search(const std::string& query, size_t k) override {
    std::vector<int> touched;
    std::unordered_set<std::string> seen;
    const double n = static_cast<double>(lengths_.size());
    for (const auto& term : Terms(query)) {
      if (!seen.insert(term).second) {
        continue;
      }
      const auto it = postings_.find(term);
      if (it == postings_.end()) {
        continue;
      }
      const double df = static_cast<double>(it->second.size());
      const double idf = std::log(1 + (n - df + 0.5) / (df + 0.5));
      for (const auto& [d, tf] : it->second) {
        if (scores_[d] == 0) {
          touched.push_back(d);
        }
        const double norm = 1 - kB + kB * lengths_[d] / avg_;
        scores_[d] += idf * tf * (kK1 + 1) / (tf + kK1 * norm);
      }
    }
    std::vector<std::pair<double, int>> ranked;
    for (int d : touched) {
      ranked.emplace_back(-scores_[d], d);
      scores_[d] = 0;
    }
    const size_t top = std::min(k, ranked.size());
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<long>(top), ranked.end());
    std::vector<int> out;
    for (size_t i = 0; i < top; ++i) {
      out.push_back(ranked[i].second);
    }
    return out;
  }

 private:
  static constexpr double kK1 = 1.2;
  static constexpr double kB = 0.75;

  static std::vector<std::string> Terms(std::string_view text) {
    std::vector<std::string> terms;
    std::vector<std::string> run;
    auto flush = [&] {
      for (size_t i = 0; i < run.size(); ++i) {
        terms.push_back(run[i]);
        if (i + 1 < run.size()) {
          terms.push_back(run[i] + run[i + 1]);
        }
      }
      run.clear();
    };
    for (auto& cp : CodePoints(text)) {
      if (cp == " " || cp == "\n" || cp == "\t" || cp == "\r") {
        flush();
      } else {
        run.push_back(std::move(cp));
      }
    }
    flush();
    return terms;
  }

  std::unordered_map<std::string, std::vector<std::pair<int, int>>> postings_;
  std::vector<double> lengths_;
  std::vector<double> scores_;
  double avg_ = 1;
};

}  // namespace

std::unique_ptr<System> MakeXapian() { return std::make_unique<XapianSystem>(); }
std::unique_ptr<System> MakeFts5Trigram() { return std::make_unique<Fts5Trigram>(); }
std::unique_ptr<System> MakeCharBm25() { return std::make_unique<CharBm25>(); }

}  // namespace kefu::bench
