#include "kefu/core/id.h"

#include <string>

namespace kefu {

IdGenerator::IdGenerator(const Clock* clock, int node_id) : clock_(clock), node_id_(node_id) {
  KEFU_CHECK(node_id >= 0 && node_id <= kMaxNodeId) << "node id " << node_id;
}

Result<int> IdGenerator::CheckNodeId(int64_t node_id) {
  if (node_id < 0 || node_id > kMaxNodeId) {
    return InvalidArgumentError(
        "node id must be between 0 and " + std::to_string(kMaxNodeId) + ", got " +
            std::to_string(node_id),
        "node_id");
  }
  return static_cast<int>(node_id);
}

int64_t IdGenerator::Next() {
  constexpr int64_t kMaxSequence = (int64_t{1} << kSequenceBits) - 1;
  int64_t now = clock_->NowMs() - kIdEpochMs;
  std::lock_guard lock(mu_);
  if (now > last_ms_) {
    last_ms_ = now;
    sequence_ = 0;
  } else if (sequence_ < kMaxSequence) {
    // Same millisecond, or the clock stepped back: stay on our high-water mark.
    ++sequence_;
  } else {
    // 4096 ids in one millisecond: borrow the next one rather than block on the clock.
    ++last_ms_;
    sequence_ = 0;
  }
  return (last_ms_ << (kNodeBits + kSequenceBits)) | (node_id_ << kSequenceBits) | sequence_;
}

}  // namespace kefu
