#pragma once

#include <atomic>
#include <cstdint>

namespace kefu {

// Wall-clock time as UTC milliseconds since the Unix epoch (ARCHITECTURE.md data rules).
// Engines read time only through a Clock so that simulations and tests run on virtual time.
// Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
};

// The real clock. Thread-safe; stateless.
class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
  // A process-wide instance for code that has no clock injected (the CLI, logging).
  static SystemClock* Get();
};

// A clock that moves only when told. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_ms = 1'767'225'600'000 /* 2026-01-01T00:00:00Z */)
      : now_ms_(now_ms) {}
  int64_t NowMs() const override { return now_ms_.load(std::memory_order_relaxed); }
  void SetMs(int64_t now_ms) { now_ms_.store(now_ms, std::memory_order_relaxed); }
  void AdvanceMs(int64_t delta_ms) { now_ms_.fetch_add(delta_ms, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace kefu
