#pragma once

#include <string>
#include <string_view>

#include "kefu/core/status.h"

// Logging goes through spdlog (include <spdlog/spdlog.h> and call spdlog::info …); this header
// configures it and carries the request/trace id that every log line shows.
namespace kefu::log {

struct LogOptions {
  std::string level = "info";  // trace|debug|info|warn|error|critical|off
  std::string format = "text";  // text (readable on a terminal) or json (one object per line)
  std::string file;             // empty: standard error
};

// Replaces the default logger. Returns kInvalidArgument for an unknown level or format,
// kUnavailable when the file cannot be opened. Call once at start-up, before other threads log.
Status InitLogging(const LogOptions& options);

// A new random trace id: 16 lowercase hex characters.
std::string NewTraceId();

// The trace id of the work this thread is doing, or empty.
std::string_view CurrentTraceId();

// Sets this thread's trace id for its lifetime and restores the previous one after; the API
// layer opens one per request. Not movable.
class ScopedTraceId {
 public:
  explicit ScopedTraceId(std::string trace_id);
  ~ScopedTraceId();
  ScopedTraceId(const ScopedTraceId&) = delete;
  ScopedTraceId& operator=(const ScopedTraceId&) = delete;

 private:
  std::string previous_;
};

// Escapes a string for a JSON string literal (without the quotes). Exposed for tests.
std::string JsonEscape(std::string_view s);

}  // namespace kefu::log
