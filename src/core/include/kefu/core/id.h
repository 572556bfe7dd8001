#pragma once

#include <cstdint>
#include <mutex>

#include "kefu/core/clock.h"
#include "kefu/core/result.h"

namespace kefu {

// Time-ordered 64-bit ids: 41 bits of milliseconds since kIdEpochMs, 10 bits of node id,
// 12 bits of sequence. Several nodes with distinct node ids never collide; ids from one
// generator strictly increase even if the clock steps back (the generator keeps its own
// high-water mark and borrows the next millisecond when 4096 ids were taken in one ms).
// Thread-safe.
class IdGenerator {
 public:
  static constexpr int64_t kIdEpochMs = 1'704'067'200'000;  // 2024-01-01T00:00:00Z
  static constexpr int kNodeBits = 10;
  static constexpr int kSequenceBits = 12;
  static constexpr int64_t kMaxNodeId = (int64_t{1} << kNodeBits) - 1;

  // REQUIRES: 0 <= node_id <= kMaxNodeId; clock outlives the generator.
  IdGenerator(const Clock* clock, int node_id);

  // Validates node_id (from configuration) before constructing.
  static Result<int> CheckNodeId(int64_t node_id);

  int64_t Next();

  // The parts of an id, for debugging and for range queries by time.
  static int64_t TimestampMs(int64_t id) { return (id >> (kNodeBits + kSequenceBits)) + kIdEpochMs; }
  static int NodeId(int64_t id) { return static_cast<int>((id >> kSequenceBits) & kMaxNodeId); }
  // The smallest id that any generator could produce at time `ms`.
  static int64_t MinIdAt(int64_t ms) { return (ms - kIdEpochMs) << (kNodeBits + kSequenceBits); }

 private:
  const Clock* clock_;
  const int64_t node_id_;
  std::mutex mu_;
  int64_t last_ms_ = 0;   // guarded by mu_
  int64_t sequence_ = 0;  // guarded by mu_
};

}  // namespace kefu
