#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include <memory>

#include "internal/import_jobs.h"
#include "kefu/api/api.h"

namespace kefu::api {

// Token buckets by key ("login:<ip>", "u:<user id>", "ip:<address>"). Thread-safe.
class RateLimiter {
 public:
  explicit RateLimiter(const Clock* clock) : clock_(clock) {}
  // True when a request may go ahead; rate in tokens per second.
  bool Allow(const std::string& key, double rate, double burst);

 private:
  struct Bucket {
    double tokens;
    int64_t last_ms;
  };
  const Clock* clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mu_
  int64_t last_sweep_ms_ = 0;                        // guarded by mu_
};

struct Api::Impl {
  Impl(store::Database* db, const Clock* clock, IdGenerator* ids, ApiOptions options)
      : db(db), clock(clock), ids(ids), options(options), limiter(clock) {}
  store::Database* db;
  const Clock* clock;
  IdGenerator* ids;
  ApiOptions options;
  RateLimiter limiter;
  std::unique_ptr<ImportJobs> import_jobs;  // set by Api's constructor, reset first by ~Api
};

}  // namespace kefu::api
