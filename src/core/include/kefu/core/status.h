#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace kefu {

// What the caller should do about a failure decides the code (STYLE.md):
// fix the request (kInvalidArgument, kNotFound, kAlreadyExists, kFailedPrecondition,
// kPermissionDenied, kUnauthenticated), retry (kUnavailable, kAborted, kResourceExhausted,
// kDeadlineExceeded), or nothing it can do (kInternal).
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kPermissionDenied,
  kUnauthenticated,
  kResourceExhausted,
  kDeadlineExceeded,
  kUnavailable,
  kAborted,
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

// The outcome of an operation the outside world can make fail. An OK status carries no
// message; an error carries a human-readable message and, for bad input, the field at fault
// (e.g. "mobile" or "row 12, column 手机"). Value type; not thread-safe to mutate.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& field() const { return field_; }

  // Returns a copy whose message is "<context>: <message>".
  Status WithContext(std::string_view context) const;

  // "NOT_FOUND: customer 42 not found [field: id]"
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_ && a.field_ == b.field_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string field_;
};

inline Status OkStatus() { return Status(); }
Status InvalidArgumentError(std::string message, std::string field = {});
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status FailedPreconditionError(std::string message);
Status PermissionDeniedError(std::string message);
Status UnauthenticatedError(std::string message);
Status ResourceExhaustedError(std::string message);
Status DeadlineExceededError(std::string message);
Status UnavailableError(std::string message);
Status AbortedError(std::string message);
Status InternalError(std::string message);

}  // namespace kefu
