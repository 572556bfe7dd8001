#include "kefu/api/metrics.h"

#include <fmt/format.h>

namespace kefu::api {

void Metrics::ObserveRequest(const std::string& route, int status, int64_t micros) {
  double seconds = static_cast<double>(micros) / 1e6;
  std::lock_guard lock(mu_);
  ++requests_[{route, status}];
  Histogram& h = latency_[route];
  for (size_t i = 0; i < kBucketsSeconds.size(); ++i) {
    if (seconds <= kBucketsSeconds[i]) {
      ++h.buckets[i];
    }
  }
  ++h.count;
  h.sum_seconds += seconds;
}

void Metrics::SetGauge(const std::string& name, const std::string& help, double value) {
  std::lock_guard lock(mu_);
  gauges_[name] = {help, value};
}

std::string Metrics::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  out += "# HELP kefu_http_requests_total HTTP requests by route and status.\n";
  out += "# TYPE kefu_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out += fmt::format("kefu_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", key.first,
                       key.second, n);
  }
  out += "# HELP kefu_http_request_duration_seconds Request latency by route.\n";
  out += "# TYPE kefu_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (size_t i = 0; i < kBucketsSeconds.size(); ++i) {
      out += fmt::format("kefu_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                         route, kBucketsSeconds[i], h.buckets[i]);
    }
    out += fmt::format("kefu_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
                       route, h.count);
    out += fmt::format("kefu_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route,
                       h.sum_seconds);
    out += fmt::format("kefu_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route,
                       h.count);
  }
  for (const auto& [name, gauge] : gauges_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", name, gauge.first, name, name,
                       gauge.second);
  }
  return out;
}

}  // namespace kefu::api
