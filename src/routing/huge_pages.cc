#include "internal/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <mutex>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define KEFU_HUGE_PAGES_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEFU_HUGE_PAGES_ASAN 1
#endif
#endif

namespace kefu::routing::internal {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kMinBlock = 64;
constexpr int kClasses = 15;  // 64 B << 14 = 1 MiB
constexpr size_t kMaxSmall = kMinBlock << (kClasses - 1);

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

// `bytes` (a multiple of kHugePage) of fresh memory on a 2 MiB boundary, advised for huge
// pages before anything touches it, so that its first faults already take 2 MiB pages.
void* MapHuge(size_t bytes) {
  const size_t len = bytes + kHugePage;
  void* raw = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) {
    throw std::bad_alloc();
  }
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = RoundUp(start, kHugePage);
  if (aligned > start) {
    munmap(raw, aligned - start);
  }
  const uintptr_t end = aligned + bytes;
  if (start + len > end) {
    munmap(reinterpret_cast<void*>(end), start + len - end);
  }
  void* p = reinterpret_cast<void*>(aligned);
  madvise(p, bytes, MADV_HUGEPAGE);  // advice only: without THP the pages stay small
  return p;
}

int ClassOf(size_t bytes) {
  int k = 0;
  while ((kMinBlock << k) < bytes) {
    ++k;
  }
  return k;
}

struct Pool {
  std::mutex mu;
  void* free[kClasses] = {};  // singly linked through each free block's first word
  char* next = nullptr;       // the rest of the current chunk
  char* end = nullptr;
};

// Never destroyed: containers in static objects may give their memory back after it would.
Pool& ThePool() {
  static Pool* pool = new Pool;
  return *pool;
}

}  // namespace

void* HugeAllocate(size_t bytes) {
  if (bytes == 0) {
    bytes = 1;
  }
#ifdef KEFU_HUGE_PAGES_ASAN
  return ::operator new(bytes, std::align_val_t{kMinBlock});
#else
  if (bytes > kMaxSmall) {
    return MapHuge(RoundUp(bytes, kHugePage));
  }
  const int k = ClassOf(bytes);
  const size_t size = kMinBlock << k;
  Pool& pool = ThePool();
  const std::lock_guard<std::mutex> lock(pool.mu);
  if (void* p = pool.free[k]) {
    pool.free[k] = *static_cast<void**>(p);
    return p;
  }
  if (pool.next == nullptr || static_cast<size_t>(pool.end - pool.next) < size) {
    // The tail of the old chunk (less than this block) is left unused.
    pool.next = static_cast<char*>(MapHuge(kHugePage));
    pool.end = pool.next + kHugePage;
  }
  void* p = pool.next;
  pool.next += size;
  return p;
#endif
}

void HugeDeallocate(void* p, size_t bytes) {
  if (p == nullptr) {
    return;
  }
  if (bytes == 0) {
    bytes = 1;
  }
#ifdef KEFU_HUGE_PAGES_ASAN
  ::operator delete(p, std::align_val_t{kMinBlock});
#else
  if (bytes > kMaxSmall) {
    munmap(p, RoundUp(bytes, kHugePage));
    return;
  }
  const int k = ClassOf(bytes);
  Pool& pool = ThePool();
  const std::lock_guard<std::mutex> lock(pool.mu);
  *static_cast<void**>(p) = pool.free[k];
  pool.free[k] = p;
#endif
}

}  // namespace kefu::routing::internal
