#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kefu/core/check.h"

namespace kefu::routing::internal {

// A vector of trivially copyable T that keeps up to N elements inside itself and moves them
// to the heap past that. For the short lists in an agent's record (contacts it holds,
// contacts waiting for it): held inline they lie on the record's own cache line, where a
// std::vector's elements would be one more cache miss, after the record's, on every offer
// and release.
template <typename T, int N>
class SmallVec {
  static_assert(std::is_trivially_copyable_v<T>);
  static_assert(N >= 1);

 public:
  SmallVec() = default;
  SmallVec(const SmallVec& o) { CopyFrom(o); }
  SmallVec& operator=(const SmallVec& o) {
    if (this != &o) {
      Release();
      CopyFrom(o);
    }
    return *this;
  }
  SmallVec(SmallVec&& o) noexcept { StealFrom(o); }
  SmallVec& operator=(SmallVec&& o) noexcept {
    if (this != &o) {
      Release();
      StealFrom(o);
    }
    return *this;
  }
  ~SmallVec() { Release(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return OnHeap() ? u_.heap : u_.local; }
  const T* data() const { return OnHeap() ? u_.heap : u_.local; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }
  T& back() { return data()[size_ - 1]; }
  const T& back() const { return data()[size_ - 1]; }

  void push_back(const T& x) {
    if (size_ == Capacity()) {
      Grow();
    }
    data()[size_++] = x;
  }
  void pop_back() { --size_; }
  void clear() { size_ = 0; }
  // n copies of x (as std::vector::assign).
  void assign(size_t n, const T& x) {
    size_ = 0;
    while (Capacity() < n) {
      Grow();
    }
    std::fill_n(data(), n, x);
    size_ = static_cast<uint32_t>(n);
  }
  // Bytes held on the heap (0 while the elements fit inside).
  size_t HeapBytes() const { return OnHeap() ? cap_ * sizeof(T) : 0; }

  friend bool operator==(const SmallVec& a, const SmallVec& b) {
    return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
  }

 private:
  bool OnHeap() const { return cap_ > static_cast<uint32_t>(N); }
  size_t Capacity() const { return OnHeap() ? cap_ : static_cast<size_t>(N); }
  void Grow() {
    const size_t cap = std::max<size_t>(2 * Capacity(), 2 * static_cast<size_t>(N));
    KEFU_CHECK(cap <= UINT32_MAX);
    T* heap = new T[cap];
    std::memcpy(heap, data(), size_ * sizeof(T));
    Release();
    u_.heap = heap;
    cap_ = static_cast<uint32_t>(cap);
  }
  void Release() {
    if (OnHeap()) {
      delete[] u_.heap;
    }
    cap_ = N;
  }
  void CopyFrom(const SmallVec& o) {
    size_ = 0;
    while (Capacity() < o.size_) {
      Grow();
    }
    std::memcpy(data(), o.data(), o.size_ * sizeof(T));
    size_ = o.size_;
  }
  void StealFrom(SmallVec& o) {
    size_ = o.size_;
    cap_ = o.cap_;
    if (o.OnHeap()) {
      u_.heap = o.u_.heap;
    } else {
      std::memcpy(u_.local, o.u_.local, sizeof(u_.local));
    }
    o.size_ = 0;
    o.cap_ = N;
  }

  uint32_t size_ = 0;
  uint32_t cap_ = N;  // N: the elements are inside (u_.local)
  union U {
    T local[N];
    T* heap;
  } u_{};
};

}  // namespace kefu::routing::internal
