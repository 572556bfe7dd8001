#pragma once

// Test helper: a fresh folder per test, removed afterwards. Header-only; tests only.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

namespace kefu::testing {

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info != nullptr ? info->name() : "kefu";
    for (char& c : name) {
      c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    }
    path_ = std::filesystem::temp_directory_path() /
            ("kefu_" + name + "_" + std::to_string(::getpid()) + "_" +
             std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }
  // "sqlite:<folder>/<name>" for store::OpenDatabase.
  std::string SqliteUrl(const std::string& name = "test.db") const { return "sqlite:" + File(name); }

 private:
  std::filesystem::path path_;
};

}  // namespace kefu::testing
