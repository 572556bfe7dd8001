#pragma once

// Memory for the engine's state on transparent huge pages (2 MiB). Ten thousand agents
// with their seats, ready lists and contacts take tens of megabytes that the engine reads
// at random: on 4 KiB pages nearly every such read also misses the TLB, and in a virtual
// machine each of those misses walks two page tables. With MADV_HUGEPAGE the kernel backs
// the memory with 2 MiB pages where it can; where it cannot (THP disabled, other systems),
// the memory is ordinary and works the same.
//
// Blocks up to 1 MiB come from size classes (powers of two from 64 bytes) carved out of
// 2 MiB chunks and kept on free lists when released; larger ones are mapped on their own.
// Every block is aligned to 64 bytes (the engine's records are cache-line aligned).
// Thread-safe: one mutex, taken only when a container grows or shrinks, which the engine
// does rarely once its floor is set up. Under AddressSanitizer the blocks come from
// operator new, so that the sanitizer still sees every access.

#include <cstddef>
#include <vector>

namespace kefu::routing::internal {

void* HugeAllocate(size_t bytes);
void HugeDeallocate(void* p, size_t bytes);

template <typename T>
struct HugeAllocator {
  using value_type = T;
  HugeAllocator() = default;
  template <typename U>
  HugeAllocator(const HugeAllocator<U>& /*other*/) {}  // NOLINT: rebinding is implicit
  T* allocate(size_t n) { return static_cast<T*>(HugeAllocate(n * sizeof(T))); }
  void deallocate(T* p, size_t n) { HugeDeallocate(p, n * sizeof(T)); }
  friend bool operator==(const HugeAllocator&, const HugeAllocator&) { return true; }
};

template <typename T>
using HugeVector = std::vector<T, HugeAllocator<T>>;

}  // namespace kefu::routing::internal
