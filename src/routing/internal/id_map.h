#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "huge_pages.h"

namespace kefu::routing::internal {

// External id (int64) -> dense slot (int32). Open addressing with linear probing and
// backward-shift deletion (no tombstones), so lookups stay short under churn and inserts
// allocate only when the table grows. Not thread-safe.
class IdMap {
 public:
  IdMap() { Rehash(16); }

  // -1 when absent.
  int32_t Find(int64_t key) const {
    size_t i = Hash(key) & mask_;
    while (true) {
      const Entry& e = entries_[i];
      if (e.value < 0) {
        return -1;
      }
      if (e.key == key) {
        return e.value;
      }
      i = (i + 1) & mask_;
    }
  }

  // REQUIRES: key absent, value >= 0.
  void Insert(int64_t key, int32_t value) {
    if ((size_ + 1) * 4 > entries_.size() * 3) {
      Rehash(entries_.size() * 2);
    }
    size_t i = Hash(key) & mask_;
    while (entries_[i].value >= 0) {
      i = (i + 1) & mask_;
    }
    entries_[i] = {key, value};
    ++size_;
  }

  // Returns false when absent.
  bool Erase(int64_t key) {
    size_t i = Hash(key) & mask_;
    while (true) {
      if (entries_[i].value < 0) {
        return false;
      }
      if (entries_[i].key == key) {
        break;
      }
      i = (i + 1) & mask_;
    }
    // Backward shift: move later members of the probe run into the hole when their home
    // slot does not lie cyclically in (hole, j].
    size_t hole = i;
    size_t j = i;
    while (true) {
      j = (j + 1) & mask_;
      if (entries_[j].value < 0) {
        break;
      }
      size_t home = Hash(entries_[j].key) & mask_;
      bool between = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!between) {
        entries_[hole] = entries_[j];
        hole = j;
      }
    }
    entries_[hole] = {0, -1};
    --size_;
    return true;
  }

  void Clear() {
    entries_.assign(16, Entry{0, -1});
    mask_ = 15;
    size_ = 0;
  }

  size_t size() const { return size_; }
  size_t MemoryBytes() const { return entries_.capacity() * sizeof(Entry); }

 private:
  struct Entry {
    int64_t key;
    int32_t value;  // -1 = empty
  };

  static size_t Hash(int64_t key) {
    uint64_t x = static_cast<uint64_t>(key) * 0x9E3779B97F4A7C15ull;
    return static_cast<size_t>(x ^ (x >> 29));
  }

  void Rehash(size_t n) {
    HugeVector<Entry> old;
    old.swap(entries_);
    entries_.assign(n, Entry{0, -1});
    mask_ = n - 1;
    size_ = 0;
    for (const Entry& e : old) {
      if (e.value >= 0) {
        Insert(e.key, e.value);
      }
    }
  }

  HugeVector<Entry> entries_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace kefu::routing::internal
