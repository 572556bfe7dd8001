#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "kefu/core/check.h"
#include "kefu/core/status.h"

namespace kefu {

// Either a value of type T or an error Status. Constructing from an OK status is a bug.
// Value type; not thread-safe to mutate.
template <typename T>
class [[nodiscard]] Result {
 public:
  static_assert(!std::is_same_v<std::decay_t<T>, Status>, "Result<Status> makes no sense");

  Result(const T& value) : value_(value) {}  // NOLINT: implicit by design
  Result(T&& value) : value_(std::move(value)) {}  // NOLINT
  template <typename U, typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                                    !std::is_same_v<std::decay_t<U>, Status> &&
                                                    !std::is_same_v<std::decay_t<U>, Result>>>
  Result(U&& value) : value_(T(std::forward<U>(value))) {}  // NOLINT
  Result(Status status) : status_(std::move(status)) {       // NOLINT
    KEFU_CHECK(!status_.ok()) << "Result constructed from an OK status";
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const& { return status_; }
  // On a temporary Result, a copy: `return db.Exec(...).status();` must not dangle.
  Status status() && { return std::move(status_); }

  // REQUIRES: ok().
  T& value() & {
    KEFU_CHECK(ok()) << status_.ToString();
    return *value_;
  }
  const T& value() const& {
    KEFU_CHECK(ok()) << status_.ToString();
    return *value_;
  }
  T&& value() && {
    KEFU_CHECK(ok()) << status_.ToString();
    return std::move(*value_);
  }
  T value_or(T fallback) const& { return ok() ? *value_ : std::move(fallback); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

namespace internal {
// Copies, because `expr` may be a temporary (e.g. `db.Exec(...).status()` refers into a
// Result that dies at the end of the full expression).
inline Status ToStatus(const Status& s) { return s; }
template <typename T>
Status ToStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

}  // namespace kefu

#define KEFU_INTERNAL_CONCAT2(a, b) a##b
#define KEFU_INTERNAL_CONCAT(a, b) KEFU_INTERNAL_CONCAT2(a, b)

// Returns the Status from the enclosing function when `expr` (a Status or Result) failed.
#define KEFU_RETURN_IF_ERROR(expr)                                  \
  do {                                                              \
    ::kefu::Status kefu_status_ = ::kefu::internal::ToStatus(expr); \
    if (!kefu_status_.ok()) {                                       \
      return kefu_status_;                                          \
    }                                                               \
  } while (false)

// KEFU_ASSIGN_OR_RETURN(auto x, ComputeX()); declares/assigns `lhs` from a Result's value, or
// returns its error Status from the enclosing function.
#define KEFU_ASSIGN_OR_RETURN(lhs, expr) \
  KEFU_INTERNAL_ASSIGN_OR_RETURN(KEFU_INTERNAL_CONCAT(kefu_result_, __LINE__), lhs, expr)
#define KEFU_INTERNAL_ASSIGN_OR_RETURN(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) {                                     \
    return tmp.status();                               \
  }                                                    \
  lhs = std::move(tmp).value()
