#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "huge_pages.h"

namespace kefu::routing::internal {

enum class TimerKind : uint8_t { kContact = 0, kAgent = 1 };

struct Timer {
  int64_t due = 0;
  uint64_t seq = 0;  // unique and increasing: ties on `due` go in push order
  int32_t slot = -1;
  uint32_t gen = 0;
  TimerKind kind = TimerKind::kContact;
};

inline bool Earlier(const Timer& a, const Timer& b) {
  return a.due != b.due ? a.due < b.due : a.seq < b.seq;
}

// Timers in (due, seq) order. Most timers of a contact center are "now + a fixed duration"
// (offer timeout, wrap-up, owner wait): pushed in due order per duration, so each common
// duration gets a FIFO lane with O(1) push and pop. The rest go to a binary heap. The
// earliest timer is the earliest of the lane heads and the heap top, so the order is exactly
// that of a single heap. Not thread-safe.
class TimerQueue {
 public:
  static constexpr size_t kMaxLanes = 4;

  struct Lane {
    int64_t duration = 0;
    size_t head = 0;
    HugeVector<Timer> timers;  // [head, end) in (due, seq) order
  };

  // REQUIRES: now never decreases between calls; t.seq larger than any pushed before.
  void Push(const Timer& t, int64_t now) {
    // Keep the cached earliest source exact: the new timer is the earliest if the queue was
    // empty (kNone) or it is earlier than the current earliest. An unknown cache stays
    // unknown (Best() works it out when asked): testing for empty would walk every lane on
    // each push.
    const int best = best_;
    const int where = Place(t, t.due - now);
    if (best == kNone || (best != kUnknown && Earlier(t, best_timer_))) {
      SetBest(where, t);
    }
  }

  bool empty() const { return size() == 0; }

  size_t size() const {
    size_t n = heap_.size();
    for (const Lane& lane : lanes_) {
      n += lane.timers.size() - lane.head;
    }
    return n;
  }

  // Due time of the earliest timer, or the maximum int64 when empty. O(1) when cached.
  int64_t NextDue() const {
    return Best() == kNone ? std::numeric_limits<int64_t>::max() : best_timer_.due;
  }

  // REQUIRES: !empty().
  Timer Pop() {
    const int source = Best();
    const Timer t = best_timer_;
    if (source == kHeap) {
      std::pop_heap(heap_.begin(), heap_.end(), After);
      heap_.pop_back();
    } else {
      Lane& lane = lanes_[source];
      if (++lane.head == lane.timers.size()) {
        lane.timers.clear();
        lane.head = 0;
      }
    }
    best_ = kUnknown;
    return t;
  }

  template <typename F>
  void ForEach(F&& f) const {
    for (const Timer& t : heap_) {
      f(t);
    }
    for (const Lane& lane : lanes_) {
      for (size_t i = lane.head; i < lane.timers.size(); ++i) {
        f(lane.timers[i]);
      }
    }
  }

  size_t MemoryBytes() const {
    size_t n = heap_.capacity() * sizeof(Timer) + lanes_.capacity() * sizeof(Lane);
    for (const Lane& lane : lanes_) {
      n += lane.timers.capacity() * sizeof(Timer);
    }
    return n;
  }

  // True when the heap and every lane are in order (for restore and self-checks).
  bool Consistent() const {
    if (lanes_.size() > kMaxLanes) {
      return false;
    }
    for (size_t i = 1; i < heap_.size(); ++i) {
      if (Earlier(heap_[i], heap_[(i - 1) / 2])) {
        return false;
      }
    }
    for (const Lane& lane : lanes_) {
      if (lane.head > lane.timers.size()) {
        return false;
      }
      for (size_t i = lane.head + 1; i < lane.timers.size(); ++i) {
        if (Earlier(lane.timers[i], lane.timers[i - 1])) {
          return false;
        }
      }
    }
    return true;
  }

  // For the snapshot: the representation itself, so a restored engine is identical.
  HugeVector<Timer>& heap() {
    best_ = kUnknown;
    return heap_;
  }
  HugeVector<Lane>& lanes() {
    best_ = kUnknown;
    return lanes_;
  }

 private:
  static constexpr int kUnknown = -3;
  static constexpr int kNone = -2;
  static constexpr int kHeap = -1;

  static bool After(const Timer& a, const Timer& b) { return Earlier(b, a); }

  // Puts t in the lane of its duration, a new or empty lane, or the heap. Returns where.
  // The common case, a lane for the duration with room, inline; the rest out of line, so
  // that a push saves and restores no registers for it.
  int Place(const Timer& t, int64_t duration) {
    if (duration >= 0) {
      for (size_t i = 0; i < lanes_.size(); ++i) {
        Lane& lane = lanes_[i];
        if (lane.duration == duration) {
          Append(lane, t);
          return static_cast<int>(i);
        }
      }
    }
    return PlaceElsewhere(t, duration);
  }

  // Place without a lane for the duration: a new or empty lane, or the heap.
  [[gnu::noinline]] int PlaceElsewhere(const Timer& t, int64_t duration) {
    if (duration >= 0) {
      if (lanes_.size() < kMaxLanes) {
        lanes_.push_back(Lane{duration, 0, {}});
        Append(lanes_.back(), t);
        return static_cast<int>(lanes_.size() - 1);
      }
      for (size_t i = 0; i < lanes_.size(); ++i) {
        Lane& lane = lanes_[i];
        if (lane.head == lane.timers.size()) {
          // An empty lane has no order to keep: it takes the new duration.
          lane.duration = duration;
          Append(lane, t);
          return static_cast<int>(i);
        }
      }
    }
    heap_.push_back(t);
    std::push_heap(heap_.begin(), heap_.end(), After);
    return kHeap;
  }

  const Timer* SourceAt(int source) const {
    return source == kHeap ? &heap_.front() : &lanes_[source].timers[lanes_[source].head];
  }

  int Best() const {
    if (best_ == kUnknown) {
      best_ = kNone;
      const Timer* top = nullptr;
      if (!heap_.empty()) {
        top = &heap_.front();
        best_ = kHeap;
      }
      for (size_t i = 0; i < lanes_.size(); ++i) {
        const Lane& lane = lanes_[i];
        if (lane.head < lane.timers.size() &&
            (top == nullptr || Earlier(lane.timers[lane.head], *top))) {
          top = &lane.timers[lane.head];
          best_ = static_cast<int>(i);
        }
      }
      if (top != nullptr) {
        best_timer_ = *top;
      }
    }
    return best_;
  }

  void SetBest(int source, const Timer& t) {
    best_ = source;
    best_timer_ = t;
  }

  static void Append(Lane& lane, const Timer& t) {
    if (NeedsCompaction(lane) || lane.timers.size() == lane.timers.capacity()) [[unlikely]] {
      AppendSlow(lane, t);
      return;
    }
    lane.timers.push_back(t);
  }

  static bool NeedsCompaction(const Lane& lane) {
    return lane.head > 256 && lane.head * 2 > lane.timers.size();
  }

  // Append when the lane is to be compacted or its vector grown.
  [[gnu::noinline]] static void AppendSlow(Lane& lane, const Timer& t) {
    if (NeedsCompaction(lane)) {
      lane.timers.erase(lane.timers.begin(),
                        lane.timers.begin() + static_cast<std::ptrdiff_t>(lane.head));
      lane.head = 0;
    }
    lane.timers.push_back(t);
  }

  HugeVector<Timer> heap_;
  HugeVector<Lane> lanes_;
  mutable int best_ = kUnknown;  // where the earliest timer is: a lane, kHeap, kNone
  // A copy of the earliest timer while best_ is a lane or kHeap: NextDue and Push compare
  // with it without finding it in its lane or the heap.
  mutable Timer best_timer_;
};

}  // namespace kefu::routing::internal
