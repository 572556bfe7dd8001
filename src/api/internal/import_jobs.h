#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kefu/core/clock.h"
#include "kefu/core/id.h"
#include "kefu/core/result.h"
#include "kefu/crm/import.h"
#include "kefu/store/database.h"

namespace kefu::api {

class Hub;

// What an upload asks for: the file and how to import it.
struct ImportJobSpec {
  std::string file_name;
  std::string bytes;
  crm::ImportOptions options;
  int64_t user_id = 0;  // progress goes to the topic "user.<id>"
};

// A job as the API shows it. `report` is set once the import finished; `issues` holds the
// first kMaxIssues of them (rejected rows and warnings) for the page, all counted in
// issues_total.
struct ImportJobView {
  int64_t id = 0;
  std::string file_name;
  std::string status;  // queued | running | done | failed | cancelled
  int64_t done = 0;    // rows read so far
  int64_t total = 0;   // rows in the file (when the reader knows it)
  std::optional<crm::ImportReport> report;
  std::vector<crm::ImportIssue> issues;
  int64_t issues_total = 0;
  std::string error;  // why it failed
  int64_t user_id = 0;
  bool dry_run = false;
  int64_t created_ms = 0;
  int64_t started_ms = 0;
  int64_t finished_ms = 0;
};

// Customer imports uploaded through the web UI run here, one at a time on a thread of their
// own (SQLite has one writer; a second import would only wait), so an upload of a few hundred
// thousand rows answers at once with a job id instead of holding an HTTP worker for minutes.
// Progress and the end are published to the uploader's topic ("import.progress",
// "import.done"); the page also polls Get. Finished jobs are kept in memory (the newest
// kKeepFinished); the durable record of each run is the import_jobs table. Thread-safe.
class ImportJobs {
 public:
  static constexpr size_t kMaxQueued = 4;
  static constexpr size_t kKeepFinished = 50;
  static constexpr size_t kMaxIssues = 500;

  ImportJobs(store::Database* db, const Clock* clock, IdGenerator* ids, Hub* hub);
  // Cancels queued jobs and waits for the running one to stop at its next batch.
  ~ImportJobs();
  ImportJobs(const ImportJobs&) = delete;
  ImportJobs& operator=(const ImportJobs&) = delete;

  // Queues the import and returns its job id. kResourceExhausted when kMaxQueued jobs wait.
  Result<int64_t> Submit(ImportJobSpec spec);
  // kNotFound for an unknown (or long finished) job.
  Result<ImportJobView> Get(int64_t id) const;

 private:
  struct Job {
    ImportJobView view;
    ImportJobSpec spec;
  };
  void Loop();
  void Run(Job& job);

  store::Database* db_;
  const Clock* clock_;
  IdGenerator* ids_;
  Hub* hub_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<int64_t> queue_;            // guarded by mu_
  std::map<int64_t, Job> jobs_;          // guarded by mu_; ids are time-ordered
  std::atomic<bool> stopping_{false};
  std::thread worker_;
};

}  // namespace kefu::api
