#include "internal/import_jobs.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "kefu/api/hub.h"

namespace kefu::api {
namespace {

namespace json = boost::json;

std::string IdText(int64_t id) { return std::to_string(id); }

}  // namespace

ImportJobs::ImportJobs(store::Database* db, const Clock* clock, IdGenerator* ids, Hub* hub)
    : db_(db), clock_(clock), ids_(ids), hub_(hub), worker_([this] { Loop(); }) {}

ImportJobs::~ImportJobs() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (int64_t id : queue_) {
      Job& job = jobs_.at(id);
      job.view.status = "cancelled";
      job.view.error = "the server stopped before the import started";
      job.spec.bytes.clear();
    }
    queue_.clear();
  }
  wake_.notify_all();
  worker_.join();
}

Result<int64_t> ImportJobs::Submit(ImportJobSpec spec) {
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.size() >= kMaxQueued) {
    return Status(StatusCode::kResourceExhausted,
                  std::to_string(queue_.size()) +
                      " imports are already waiting; try again when one has finished");
  }
  const int64_t id = ids_->Next();
  Job job;
  job.view.id = id;
  job.view.file_name = spec.file_name;
  job.view.status = "queued";
  job.view.user_id = spec.user_id;
  job.view.dry_run = spec.options.dry_run;
  job.view.created_ms = clock_->NowMs();
  job.spec = std::move(spec);
  job.spec.options.job_id = id;  // the import_jobs row gets the id the uploader holds
  job.spec.options.cancel = &stopping_;
  jobs_.emplace(id, std::move(job));
  queue_.push_back(id);
  // Forget the oldest finished jobs beyond the ones kept for the page.
  size_t finished = 0;
  for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it) {
    const std::string& s = it->second.view.status;
    if (s != "queued" && s != "running" && ++finished > kKeepFinished) {
      jobs_.erase(std::next(it).base());
      break;
    }
  }
  wake_.notify_one();
  return id;
}

Result<ImportJobView> ImportJobs::Get(int64_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) {
    return NotFoundError("no import job " + IdText(id) +
                         " (finished long ago or before the server restarted)");
  }
  return it->second.view;
}

void ImportJobs::Loop() {
  while (true) {
    Job* job = nullptr;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) {
        return;
      }
      job = &jobs_.at(queue_.front());
      queue_.pop_front();
      job->view.status = "running";
      job->view.started_ms = clock_->NowMs();
    }
    // jobs_ is a std::map: the element stays put while other jobs come and go, and Submit
    // never erases a running job.
    Run(*job);
  }
}

void ImportJobs::Run(Job& job) {
  const int64_t id = job.view.id;
  const std::string topic = "user." + IdText(job.spec.user_id);
  const std::string file_name = job.view.file_name;
  std::vector<crm::ImportIssue> issues;
  int64_t issues_total = 0;
  int64_t last_published_ms = 0;
  Result<crm::ImportReport> report = crm::ImportCustomers(
      *db_, *clock_, *ids_, file_name, std::move(job.spec.bytes), job.spec.options,
      [&](const crm::ImportIssue& issue) {
        ++issues_total;
        if (issues.size() < kMaxIssues) {
          issues.push_back(issue);
        }
      },
      [&](int64_t done, int64_t total) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          job.view.done = done;
          job.view.total = total;
        }
        // At most a few events a second: a big file reports progress often.
        const int64_t now = clock_->NowMs();
        if (now - last_published_ms >= 250 || done == total) {
          last_published_ms = now;
          hub_->Publish(topic, "import.progress",
                        json::serialize(json::object{{"job_id", IdText(id)},
                                                     {"file_name", file_name},
                                                     {"done", done},
                                                     {"total", total}}));
        }
      });
  std::string status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    job.view.finished_ms = clock_->NowMs();
    job.view.issues = std::move(issues);
    job.view.issues_total = issues_total;
    if (report.ok()) {
      job.view.status = "done";
      report->issues.clear();  // kept once, in view.issues
      job.view.report = std::move(report).value();
    } else if (stopping_ && report.status().code() == StatusCode::kAborted) {
      job.view.status = "cancelled";
      job.view.error = report.status().message();
    } else {
      job.view.status = "failed";
      job.view.error = report.status().message();
      spdlog::warn("import job {} ({}) failed: {}", id, file_name, report.status().ToString());
    }
    status = job.view.status;
  }
  hub_->Publish(topic, "import.done",
                json::serialize(json::object{{"job_id", IdText(id)},
                                             {"file_name", file_name},
                                             {"status", status}}));
}

}  // namespace kefu::api
