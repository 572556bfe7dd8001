#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace kefu::api {

// Request counters by route and status, latency histograms by route, and gauges the server
// sets; rendered as Prometheus text for /metrics. Thread-safe.
class Metrics {
 public:
  static constexpr std::array<double, 13> kBucketsSeconds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

  void ObserveRequest(const std::string& route, int status, int64_t micros);
  void SetGauge(const std::string& name, const std::string& help, double value);
  std::string Render() const;

 private:
  struct Histogram {
    std::array<uint64_t, kBucketsSeconds.size()> buckets{};
    uint64_t count = 0;
    double sum_seconds = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // guarded by mu_
  std::map<std::string, Histogram> latency_;                  // guarded by mu_
  std::map<std::string, std::pair<std::string, double>> gauges_;  // name → (help, value)
};

}  // namespace kefu::api
