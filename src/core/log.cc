#include "kefu/core/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <random>

namespace kefu::log {
namespace {

thread_local std::string current_trace_id;

// %* in a text pattern: " [trace <id>]" when the thread has a trace id.
class TraceFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    if (!current_trace_id.empty()) {
      static constexpr std::string_view kPrefix = " [trace ";
      dest.append(kPrefix.data(), kPrefix.data() + kPrefix.size());
      dest.append(current_trace_id.data(), current_trace_id.data() + current_trace_id.size());
      dest.push_back(']');
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<TraceFlag>();
  }
};

// One JSON object per line: ts (UTC, ms), level, thread, trace_id, msg.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    auto ms = duration_cast<milliseconds>(msg.time.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char ts[64];
    std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms % 1000));
    std::string line = "{\"ts\":\"";
    line += ts;
    line += "\",\"level\":\"";
    auto level = spdlog::level::to_string_view(msg.level);
    line.append(level.data(), level.size());
    line += "\",\"thread\":";
    line += std::to_string(msg.thread_id);
    if (!current_trace_id.empty()) {
      line += ",\"trace_id\":\"" + JsonEscape(current_trace_id) + "\"";
    }
    line += ",\"msg\":\"";
    line += JsonEscape(std::string_view(msg.payload.data(), msg.payload.size()));
    line += "\"}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

std::string JsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out.push_back(c);  // UTF-8 passes through unchanged
        }
    }
  }
  return out;
}

Status InitLogging(const LogOptions& options) {
  spdlog::level::level_enum level = spdlog::level::from_str(options.level);
  if (level == spdlog::level::off && options.level != "off") {
    return InvalidArgumentError("unknown log level '" + options.level + "'", "log.level");
  }
  if (options.format != "text" && options.format != "json") {
    return InvalidArgumentError("log format must be text or json, got '" + options.format + "'",
                                "log.format");
  }
  std::shared_ptr<spdlog::sinks::sink> sink;
  if (options.file.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  } else {
    try {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file);
    } catch (const spdlog::spdlog_ex& e) {
      return UnavailableError("cannot open log file " + options.file + ": " + e.what());
    }
  }
  if (options.format == "json") {
    sink->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<TraceFlag>('*').set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$%* %v");
    sink->set_formatter(std::move(formatter));
  }
  auto logger = std::make_shared<spdlog::logger>("kefu", std::move(sink));
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  return OkStatus();
}

std::string NewTraceId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

std::string_view CurrentTraceId() { return current_trace_id; }

ScopedTraceId::ScopedTraceId(std::string trace_id) : previous_(std::move(current_trace_id)) {
  current_trace_id = std::move(trace_id);
}

ScopedTraceId::~ScopedTraceId() { current_trace_id = std::move(previous_); }

}  // namespace kefu::log
