// Search quality and speed (#7).
//
//   search_bench                   everything (quality on E.SUN and BQ, latency over 100,000)
//   search_bench --only=quality    E.SUN + BQ quality table only
//   search_bench --only=latency    latency and build time only
//   search_bench --data=DIR        evaluation data directory (default ../shared/data next to
//                                  the checkout, or $KEFU_DATA_DIR)
//   search_bench --latency-docs=N --latency-queries=N
//   search_bench --latency-repeat=N   run the query set N times and keep each query's fastest
//                                  time (a shared machine's stalls then stay out of p99)
//   search_bench --dump=FILE          write kefu's ranked ids per quality query (diff two builds)
//   search_bench --systems=kefu,floor   run only these systems
//   search_bench --kefu=char=1.0   override one of kefu's search::Options (sensitivity runs)
//   search_bench --bq-split=train --bq-every=5   BQ on train.tsv (tuning set; dev is reported)
//   search_bench --bq-queries=distinct           one query per distinct sentence (old protocol)
//
// Quality: top-1, R@5 (a relevant entry among the first five) and MRR@10 for kefu, Xapian 1.4
// (FLAG_CJK_NGRAM, OR), SQLite FTS5 (trigram, OR of the query's trigrams) and a plain character
// BM25 floor, on the same documents and queries. kefu indexes the fields (question, similar
// questions, answer); the baselines index the same text concatenated. Skips with a message when
// the evaluation data is absent (it is never copied into the repository).
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "baselines.h"
#include "kefu/core/text.h"
#include "kefu/search/index.h"

namespace kefu::bench {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of the calling thread, s: unlike wall time it does not count the time the thread
// waits for a core, so it stays meaningful on a machine shared with builds.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct LabelledQuery {
  std::string text;
  std::set<int> relevant;  // document numbers
  int exclude = -1;        // the query's own document (BQ), never counted
};

struct EvalSet {
  std::string name;
  std::vector<BenchDoc> docs;
  std::vector<LabelledQuery> queries;
};

// kefu behind the benchmark's System interface, with default Options and Query.
class KefuSystem final : public System {
 public:
  explicit KefuSystem(const search::Options& options, bool highlight = true)
      : index_(options), highlight_(highlight) {}
  std::string Name() const override { return highlight_ ? "kefu" : "kefu (no highlights)"; }
  void Build(const std::vector<BenchDoc>& docs) override {
    std::vector<search::Document> out;
    out.reserve(docs.size());
    for (size_t i = 0; i < docs.size(); ++i) {
      search::Document doc;
      doc.id = static_cast<int64_t>(i);
      doc.type = "faq";
      doc.question = docs[i].question;
      doc.similar_questions = docs[i].similar;
      doc.answer = docs[i].answer;
      out.push_back(std::move(doc));
    }
    const Status status = index_.BulkLoad(std::move(out));
    if (!status.ok()) {
      std::fprintf(stderr, "kefu: %s\n", status.ToString().c_str());
      std::exit(1);
    }
  }
  std::vector<int> Search(const std::string& text, size_t k) override {
    search::Query query;
    query.text = text;
    query.limit = k;
    query.highlight = highlight_;
    std::vector<int> out;
    auto hits = index_.Search(query);
    if (!hits.ok()) {
      std::fprintf(stderr, "kefu: %s\n", hits.status().ToString().c_str());
      return out;
    }
    for (const auto& hit : *hits) {
      out.push_back(static_cast<int>(hit.id));
    }
    return out;
  }

 private:
  search::Index index_;
  bool highlight_ = true;
};

// kefu's ranking options: the library defaults unless --kefu=name=value overrides them (for
// sensitivity runs; the figures reported for #7 use the defaults).
search::Options& KefuOptions() {
  static search::Options options;
  return options;
}

bool SetKefuOption(const std::string& assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos) {
    return false;
  }
  const std::string name = assignment.substr(0, eq);
  const double value = std::atof(assignment.c_str() + eq + 1);
  search::Options& o = KefuOptions();
  const std::map<std::string, double*> fields = {
      {"k1", &o.k1},
      {"b", &o.b},
      {"question", &o.field_weight[0]},
      {"similar", &o.field_weight[1]},
      {"answer", &o.field_weight[2]},
      {"tags", &o.field_weight[3]},
      {"char", &o.char_weight},
      {"bigram", &o.bigram_weight},
      {"word", &o.word_weight},
      {"synonym", &o.synonym_weight},
      {"phrase", &o.phrase_boost},
      {"overlap", &o.overlap_power},
  };
  if (name == "min_chars") {
    o.min_shared_chars = static_cast<size_t>(value);
    return true;
  }
  const auto it = fields.find(name);
  if (it == fields.end()) {
    return false;
  }
  *it->second = value;
  return true;
}

// --latency-slowest=N: print kefu's N slowest latency queries (by CPU time).
size_t& SlowestToShow() {
  static size_t n = 0;
  return n;
}

// --latency-repeat=N: passes over the latency queries; each query keeps its fastest pass.
size_t& LatencyRepeat() {
  static size_t n = 1;
  return n;
}

// --dump=FILE: kefu's ranked ids for every quality query, one line per query.
std::string& DumpPath() {
  static std::string path;
  return path;
}

// --systems=kefu,xapian,fts5,floor (default all).
std::string& SystemList() {
  static std::string list = "kefu,xapian,fts5,floor";
  return list;
}

bool Wanted(const std::string& name) {
  return ("," + SystemList() + ",").find("," + name + ",") != std::string::npos;
}

std::vector<std::unique_ptr<System>> AllSystems() {
  std::vector<std::unique_ptr<System>> systems;
  if (Wanted("kefu")) {
    systems.push_back(std::make_unique<KefuSystem>(KefuOptions()));
  }
  if (Wanted("xapian")) {
    systems.push_back(MakeXapian());
  }
  if (Wanted("fts5")) {
    systems.push_back(MakeFts5Trigram());
  }
  if (Wanted("floor")) {
    systems.push_back(MakeCharBm25());
  }
  return systems;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Simplified(const std::string& s) {
  auto r = text::ToSimplified(s);
  if (!r.ok()) {
    std::fprintf(stderr, "t2s: %s\n", r.status().ToString().c_str());
    std::exit(1);
  }
  return *r;
}

// E.SUN: one document per pid (first question; other questions as similar ones; all answers).
std::vector<EvalSet> LoadEsun(const std::filesystem::path& dir) {
  const auto faq = boost::json::parse(ReadFile(dir / "faq.json")).as_object();
  std::vector<std::pair<long, BenchDoc>> by_pid;
  for (const auto& [pid, items] : faq) {
    BenchDoc doc;
    bool first = true;
    for (const auto& item : items.as_array()) {
      const auto& obj = item.as_object();
      std::string question(obj.at("question").as_string());
      if (first) {
        doc.question = std::move(question);
        first = false;
      } else {
        doc.similar.push_back(std::move(question));
      }
      for (const auto& answer : obj.at("answers").as_array()) {
        if (!doc.answer.empty()) {
          doc.answer += '\n';
        }
        doc.answer += std::string(answer.as_string());
      }
    }
    by_pid.emplace_back(std::stol(std::string(pid)), std::move(doc));
  }
  std::sort(by_pid.begin(), by_pid.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::unordered_map<long, int> number;
  EvalSet traditional{"E.SUN (traditional)", {}, {}};
  for (auto& [pid, doc] : by_pid) {
    number[pid] = static_cast<int>(traditional.docs.size());
    traditional.docs.push_back(std::move(doc));
  }
  const auto queries = boost::json::parse(ReadFile(dir / "queries.json")).as_array();
  for (const auto& q : queries) {
    const auto& obj = q.as_object();
    const long pid = static_cast<long>(obj.at("answer_pid").to_number<int64_t>());
    if (!number.contains(pid)) {
      continue;
    }
    traditional.queries.push_back({std::string(obj.at("query").as_string()), {number[pid]}, -1});
  }
  EvalSet simplified{"E.SUN (query t2s)", traditional.docs, traditional.queries};
  for (auto& q : simplified.queries) {
    q.text = Simplified(q.text);
  }
  return {std::move(traditional), std::move(simplified)};
}

struct Pair {
  std::string a;
  std::string b;
  bool same = false;
};

std::vector<Pair> LoadTsv(const std::filesystem::path& path) {
  std::vector<Pair> pairs;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const size_t t1 = line.find('\t');
    const size_t t2 = t1 == std::string::npos ? t1 : line.find('\t', t1 + 1);
    if (t2 == std::string::npos) {
      continue;
    }
    pairs.push_back({line.substr(0, t1), line.substr(t1 + 1, t2 - t1 - 1),
                     line.substr(t2 + 1, 1) == "1"});
  }
  return pairs;
}

// How BQ is turned into a retrieval task (--bq-protocol, --bq-split).
struct BqProtocol {
  std::string split = "dev";  // dev.tsv (reported) or train.tsv (for tuning)
  // "pairs": one query per positive pair (the README's "query with one side of each positive
  // pair"), so a sentence that sits in several positive pairs is asked once per pair;
  // "distinct": each distinct first side of a positive pair asked once (the first version).
  std::string queries = "pairs";
  size_t every = 1;  // keep every Nth query (train has 50,000 positive pairs)
};

BqProtocol& BqOptions() {
  static BqProtocol protocol;
  return protocol;
}

// BQ as retrieval, following ../shared/data/README.md: every distinct sentence of the split
// (both sides of every pair, positive or not) is a document; the first side of a positive pair
// is a query; a hit is a sentence linked to the query by a positive pair of the split; the
// query's own sentence is excluded from the ranking.
//
// The README quotes top-1 ≈ 31 %, MRR ≈ 42 for a character + pair BM25 "on the held-out
// split". No reasonable reading reproduces that (checked with the floor, MRR x100): this
// protocol gives 11.4 / 21.2 (distinct queries 9.7 / 18.4); indexing only the sentences of
// positive pairs 14.4 / 25.6; indexing only second sides 14.0 / 25.2; train as the index with
// dev queries 2.9 / 6.5; P@1 within each query's own labelled pairs 86 / 91. Only counting
// every sentence transitively linked through positive pairs as relevant, on the sentences of
// positive pairs, one query per pair, comes near (25.9 / 40.5), and that is not what the
// README describes. The floor is therefore the floor measured here, in the same run.
EvalSet LoadBq(const std::filesystem::path& dir, const BqProtocol& protocol) {
  EvalSet set{"BQ " + protocol.split + " (" + protocol.queries + ")", {}, {}};
  std::unordered_map<std::string, int> number;
  auto id = [&](const std::string& s) {
    auto [it, inserted] = number.emplace(s, static_cast<int>(set.docs.size()));
    if (inserted) {
      set.docs.push_back({s, {}, {}});
    }
    return it->second;
  };
  const auto pairs = LoadTsv(dir / (protocol.split + ".tsv"));
  std::map<int, std::set<int>> linked;
  for (const auto& p : pairs) {
    const int a = id(p.a);
    const int b = id(p.b);
    if (p.same && a != b) {
      linked[a].insert(b);
      linked[b].insert(a);
    }
  }
  std::set<int> asked;
  size_t positive = 0;
  for (const auto& p : pairs) {
    const int a = number[p.a];
    if (!p.same || a == number[p.b]) {
      continue;
    }
    if (protocol.queries == "distinct" && !asked.insert(a).second) {
      continue;
    }
    if (positive++ % std::max<size_t>(1, protocol.every) != 0) {
      continue;
    }
    set.queries.push_back({p.a, linked[a], a});
  }
  return set;
}

struct Scores {
  double top1 = 0;
  double r5 = 0;
  double mrr = 0;
};

Scores Evaluate(System& system, const EvalSet& set, std::FILE* dump) {
  Scores s;
  for (const auto& q : set.queries) {
    std::vector<int> ranked = system.Search(q.text, 11);
    if (dump != nullptr) {
      std::fprintf(dump, "%s\t%s\t", set.name.c_str(), q.text.c_str());
      for (int id : ranked) {
        std::fprintf(dump, " %d", id);
      }
      std::fprintf(dump, "\n");
    }
    ranked.erase(std::remove(ranked.begin(), ranked.end(), q.exclude), ranked.end());
    if (ranked.size() > 10) {
      ranked.resize(10);
    }
    for (size_t r = 0; r < ranked.size(); ++r) {
      if (q.relevant.contains(ranked[r])) {
        s.top1 += r == 0 ? 1 : 0;
        s.r5 += r < 5 ? 1 : 0;
        s.mrr += 1.0 / static_cast<double>(r + 1);
        break;
      }
    }
  }
  const double n = std::max<double>(1, static_cast<double>(set.queries.size()));
  return {100 * s.top1 / n, 100 * s.r5 / n, 100 * s.mrr / n};
}

void RunQuality(const std::filesystem::path& data) {
  std::vector<EvalSet> sets = LoadEsun(data / "faq-eval" / "esun");
  sets.push_back(LoadBq(data / "faq-eval" / "bq", BqOptions()));
  std::printf("\n== Quality: top-1 %%, R@5 %% (a relevant entry in the first five), MRR@10 x100\n");
  std::printf("BQ protocol: index every distinct sentence of %s.tsv; query with the first side of "
              "%s positive pair%s; a hit is a sentence linked to the query by a positive pair; "
              "the query's own sentence is excluded\n",
              BqOptions().split.c_str(),
              BqOptions().queries == "pairs" ? "each" : "each distinct",
              BqOptions().every > 1 ? (", every " + std::to_string(BqOptions().every) + "th").c_str()
                                    : "");
  std::printf("%-20s %6s %7s  %-20s %7s %7s %7s %9s\n", "set", "docs", "queries", "system",
              "top-1", "R@5", "MRR", "build s");
  std::FILE* dump = DumpPath().empty() ? nullptr : std::fopen(DumpPath().c_str(), "w");
  for (const auto& set : sets) {
    for (auto& system : AllSystems()) {
      const auto start = Clock::now();
      system->Build(set.docs);
      const double build = SecondsSince(start);
      const Scores s = Evaluate(*system, set, system->Name() == "kefu" ? dump : nullptr);
      std::printf("%-20s %6zu %7zu  %-20s %7.1f %7.1f %7.1f %9.2f\n", set.name.c_str(),
                  set.docs.size(), set.queries.size(), system->Name().c_str(), s.top1, s.r5,
                  s.mrr, build);
      std::fflush(stdout);
    }
  }
  if (dump != nullptr) {
    std::fclose(dump);
  }
}

// 100,000 entries combined from the datasets' sentences. BQ train and dev hold only ~30,000
// distinct sentences, so each entry combines three: a question, a similar question and an
// answer, drawn deterministically from the pool of distinct BQ sentences and E.SUN questions and
// answers. The queries are distinct BQ sentences held out of the pool.
void RunLatency(const std::filesystem::path& data, size_t want_docs, size_t want_queries) {
  std::vector<std::string> pool;
  std::unordered_set<std::string> seen;
  const std::vector<EvalSet> esun = LoadEsun(data / "faq-eval" / "esun");
  for (const auto& doc : esun[0].docs) {
    for (const std::string* s : {&doc.question, &doc.answer}) {
      if (seen.insert(*s).second) {
        pool.push_back(*s);
      }
    }
  }
  std::vector<std::string> bq;
  for (const char* file : {"dev.tsv", "train.tsv"}) {
    for (const auto& p : LoadTsv(data / "faq-eval" / "bq" / file)) {
      for (const std::string* s : {&p.a, &p.b}) {
        if (seen.insert(*s).second) {
          bq.push_back(*s);
        }
      }
    }
  }
  std::vector<std::string> queries;
  while (queries.size() < want_queries && !bq.empty()) {
    queries.push_back(std::move(bq.back()));
    bq.pop_back();
  }
  pool.insert(pool.end(), std::make_move_iterator(bq.begin()), std::make_move_iterator(bq.end()));
  std::vector<BenchDoc> docs;
  docs.reserve(want_docs);
  const size_t p = pool.size();
  for (size_t i = 0; i < want_docs && p > 0; ++i) {
    docs.push_back({pool[i % p], {pool[(i * 31 + 7) % p]}, pool[(i * 131 + 11) % p]});
  }
  std::printf("\n== Latency: %zu entries (question + similar + answer from %zu distinct sentences), "
              "%zu held-out queries, top 10 (kefu with highlights); wall and thread-CPU ms per query\n",
              docs.size(), p, queries.size());
  std::printf("%-20s %9s %9s %8s %9s %9s %9s %9s %9s\n", "system", "build s", "build cpu",
              "queries", "p50 ms", "p99 ms", "max ms", "cpu p50", "cpu p99");
  std::vector<std::unique_ptr<System>> systems = AllSystems();
  if (Wanted("kefu")) {
    systems.insert(systems.begin() + 1, std::make_unique<KefuSystem>(KefuOptions(), false));
  }
  for (auto& system : systems) {
    const auto start = Clock::now();
    const double start_cpu = ThreadCpuSeconds();
    system->Build(docs);
    const double build = SecondsSince(start);
    const double build_cpu = ThreadCpuSeconds() - start_cpu;
    // Xapian and FTS5 take tens of milliseconds per OR query here; a tenth of the queries
    // keeps `make bench` short and still gives their percentiles.
    const bool slow = system->Name().starts_with("Xapian") || system->Name().starts_with("SQLite");
    const size_t count = slow ? std::min(queries.size(), std::max<size_t>(1, queries.size() / 10))
                              : queries.size();
    std::vector<double> ms(count, 1e300);
    std::vector<double> cpu_ms(count, 1e300);
    for (size_t pass = 0; pass < std::max<size_t>(1, LatencyRepeat()); ++pass) {
      for (size_t i = 0; i < count; ++i) {
        const auto t = Clock::now();
        const double cpu = ThreadCpuSeconds();
        const auto hits = system->Search(queries[i], 10);
        cpu_ms[i] = std::min(cpu_ms[i], 1000 * (ThreadCpuSeconds() - cpu));
        ms[i] = std::min(ms[i], 1000 * SecondsSince(t));
        if (hits.size() > 10) {
          std::abort();  // keeps the call from being optimised away
        }
      }
    }
    if (SlowestToShow() > 0 && system->Name() == "kefu") {
      std::vector<std::pair<double, size_t>> slow;
      for (size_t i = 0; i < count; ++i) {
        slow.emplace_back(cpu_ms[i], i);
      }
      std::sort(slow.rbegin(), slow.rend());
      for (size_t i = 0; i < std::min(SlowestToShow(), slow.size()); ++i) {
        std::printf("  slow: %.3f ms cpu  %s\n", slow[i].first, queries[slow[i].second].c_str());
      }
    }
    std::sort(ms.begin(), ms.end());
    std::sort(cpu_ms.begin(), cpu_ms.end());
    auto pct = [](const std::vector<double>& v, double p) {
      return v.empty() ? 0.0 : v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
    };
    std::printf("%-20s %9.2f %9.2f %8zu %9.3f %9.3f %9.3f %9.3f %9.3f\n", system->Name().c_str(),
                build, build_cpu, count, pct(ms, 0.50), pct(ms, 0.99), ms.empty() ? 0.0 : ms.back(),
                pct(cpu_ms, 0.50), pct(cpu_ms, 0.99));
    std::fflush(stdout);
    system.reset();  // free the index before building the next
  }
}

}  // namespace
}  // namespace kefu::bench

int main(int argc, char** argv) {
  std::string only;
  std::filesystem::path data;
  size_t docs = 100000;
  size_t queries = 2000;
  if (const char* env = std::getenv("KEFU_DATA_DIR")) {
    data = env;
  } else {
    data = KEFU_SHARED_DATA_DIR;
  }
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.starts_with("--only=")) {
      only = arg.substr(7);
    } else if (arg.starts_with("--data=")) {
      data = arg.substr(7);
    } else if (arg.starts_with("--systems=")) {
      kefu::bench::SystemList() = arg.substr(10);
    } else if (arg.starts_with("--kefu=")) {
      if (!kefu::bench::SetKefuOption(arg.substr(7))) {
        std::fprintf(stderr, "search_bench: unknown --kefu option %s\n", arg.c_str());
        return 2;
      }
    } else if (arg.starts_with("--bq-split=")) {
      kefu::bench::BqOptions().split = arg.substr(11);
    } else if (arg.starts_with("--bq-queries=")) {
      kefu::bench::BqOptions().queries = arg.substr(13);
    } else if (arg.starts_with("--bq-every=")) {
      kefu::bench::BqOptions().every = std::stoul(arg.substr(11));
    } else if (arg.starts_with("--latency-docs=")) {
      docs = std::stoul(arg.substr(15));
    } else if (arg.starts_with("--latency-slowest=")) {
      kefu::bench::SlowestToShow() = std::stoul(arg.substr(18));
    } else if (arg.starts_with("--latency-repeat=")) {
      kefu::bench::LatencyRepeat() = std::stoul(arg.substr(17));
    } else if (arg.starts_with("--dump=")) {
      kefu::bench::DumpPath() = arg.substr(7);
    } else if (arg.starts_with("--latency-queries=")) {
      queries = std::stoul(arg.substr(18));
    } else {
      std::fprintf(
          stderr,
          "usage: search_bench [--only=quality|latency] [--data=DIR] "
          "[--latency-docs=N] [--latency-queries=N] [--latency-repeat=N] [--dump=FILE] "
          "[--systems=kefu,xapian,fts5,floor] "
          "[--bq-split=dev|train] [--bq-queries=pairs|distinct] [--bq-every=N] "
          "[--kefu=NAME=VALUE …]\n"
          "  NAME: k1 b question similar answer tags char bigram word synonym phrase overlap "
          "min_chars\n");
      return 2;
    }
  }
  const auto& bq_options = kefu::bench::BqOptions();
  if ((bq_options.split != "dev" && bq_options.split != "train") ||
      (bq_options.queries != "pairs" && bq_options.queries != "distinct")) {
    std::fprintf(stderr, "search_bench: --bq-split must be dev or train, --bq-queries pairs or "
                         "distinct\n");
    return 2;
  }
  if (only != "" && only != "quality" && only != "latency") {
    std::fprintf(stderr, "search_bench: --only must be quality or latency\n");
    return 2;
  }
  const auto esun = data / "faq-eval" / "esun" / "faq.json";
  const auto bq = data / "faq-eval" / "bq" / "dev.tsv";
  if (!std::filesystem::exists(esun) || !std::filesystem::exists(bq)) {
    std::printf("search_bench: skipped, evaluation data not found under %s "
                "(../shared/data/faq-eval next to the checkout, or --data / KEFU_DATA_DIR)\n",
                data.string().c_str());
    return 0;
  }
  std::printf("search_bench: data %s\n", std::filesystem::weakly_canonical(data).c_str());
  if (only.empty() || only == "quality") {
    kefu::bench::RunQuality(data);
  }
  if (only.empty() || only == "latency") {
    kefu::bench::RunLatency(data, docs, queries);
  }
  return 0;
}
