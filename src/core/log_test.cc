#include "kefu/core/log.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace kefu::log {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string TempLog(const char* name) {
  return (std::filesystem::temp_directory_path() /
          (std::string("kefu_log_test_") + std::to_string(::getpid()) + name))
      .string();
}

TEST(LogTest, JsonLinesCarryTraceIdAndEscape) {
  std::string path = TempLog("json.log");
  ASSERT_TRUE(InitLogging({"info", "json", path}).ok());
  {
    ScopedTraceId trace("abc123");
    spdlog::info("客户 \"张三\" 来电\n");
    EXPECT_EQ(CurrentTraceId(), "abc123");
  }
  EXPECT_EQ(CurrentTraceId(), "");
  spdlog::debug("hidden at info level");
  spdlog::default_logger()->flush();
  std::string text = ReadFile(path);
  EXPECT_NE(text.find("\"level\":\"info\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"trace_id\":\"abc123\""), std::string::npos) << text;
  EXPECT_NE(text.find("客户 \\\"张三\\\" 来电\\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("hidden"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(LogTest, TextFormatShowsTrace) {
  std::string path = TempLog("text.log");
  ASSERT_TRUE(InitLogging({"debug", "text", path}).ok());
  {
    ScopedTraceId trace("feedbeef");
    spdlog::warn("slow query");
  }
  spdlog::default_logger()->flush();
  std::string text = ReadFile(path);
  EXPECT_NE(text.find("[trace feedbeef] slow query"), std::string::npos) << text;
  std::filesystem::remove(path);
}

TEST(LogTest, RejectsBadOptions) {
  EXPECT_EQ(InitLogging({"loud", "text", ""}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(InitLogging({"info", "xml", ""}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(InitLogging({"info", "text", "/dev/null/kefu/y.log"}).code(),
            StatusCode::kUnavailable);
}

TEST(LogTest, TraceIdsAreRandomHex) {
  std::string a = NewTraceId();
  std::string b = NewTraceId();
  EXPECT_EQ(a.size(), 16u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(JsonEscape("a\tb\x01"), "a\\tb\\u0001");
}

}  // namespace
}  // namespace kefu::log
