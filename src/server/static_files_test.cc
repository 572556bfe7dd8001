#include "static_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace kefu::server {
namespace {

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("kefu_static_" + std::to_string(::getpid()));
    std::filesystem::create_directories(root_ / "assets");
    std::ofstream(root_ / "index.html") << "<html>客服中心</html>";
    std::ofstream(root_ / "assets" / "app-1a2b.js") << "console.log(1)";
    std::ofstream(root_ / "favicon.ico") << "ico";
    std::ofstream(root_.parent_path() / "kefu_secret.txt") << "secret";
  }
  void TearDown() override {
    std::filesystem::remove_all(root_);
    std::filesystem::remove(root_.parent_path() / "kefu_secret.txt");
  }
  std::filesystem::path root_;
};

TEST_F(StaticFilesTest, ServesFilesWithCacheHeaders) {
  StaticFile js = ServeStatic(root_, "/assets/app-1a2b.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.cache_control, "public, max-age=31536000, immutable");
  StaticFile index = ServeStatic(root_, "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.cache_control, "no-cache");
  EXPECT_NE(index.body.find("客服中心"), std::string::npos);
  EXPECT_EQ(ServeStatic(root_, "/favicon.ico").cache_control, "public, max-age=3600");
}

TEST_F(StaticFilesTest, SinglePageAppFallback) {
  StaticFile page = ServeStatic(root_, "/admin/audit?x=1");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<html>"), std::string::npos);
  EXPECT_EQ(ServeStatic(root_, "/assets/missing.js").status, 404);
}

TEST_F(StaticFilesTest, NeverLeavesTheRoot) {
  EXPECT_EQ(ServeStatic(root_, "/../kefu_secret.txt").status, 404);
  EXPECT_EQ(ServeStatic(root_, "/%2e%2e/kefu_secret.txt").status, 404);
  EXPECT_EQ(ServeStatic(root_, "/assets/%00.js").status, 404);
  EXPECT_EQ(ServeStatic(root_, "/bad%zz").status, 404);
}

TEST_F(StaticFilesTest, MissingUiSaysHowToBuildIt) {
  StaticFile f = ServeStatic((root_ / "nope").string(), "/");
  EXPECT_EQ(f.status, 503);
  EXPECT_NE(f.body.find("make"), std::string::npos);
}

}  // namespace
}  // namespace kefu::server
