#include "kefu/api/api.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <set>

#include "kefu/core/testing/temp_dir.h"
#include "kefu/store/migrate.h"

namespace kefu::api {
namespace {

namespace json = boost::json;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(store::OpenDatabase(dir_.SqliteUrl())).value();
    ASSERT_TRUE(store::Migrate(*db_, store::KefuMigrations()).ok());
    ApiOptions options;
    options.login_per_minute = 3;
    AccountsOptions accounts;
    accounts.argon2_ops = 1;
    accounts.argon2_mem_bytes = 8192;
    api_ = std::make_unique<Api>(db_.get(), &clock_, &ids_, options, accounts);
  }
  void TearDown() override {
    api_.reset();
    db_.reset();
  }

  HttpResponse Call(std::string method, std::string target, std::string body = "",
                    std::string ip = "10.1.1.1") {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.remote_ip = std::move(ip);
    if (!r.body.empty()) {
      r.headers.emplace_back("content-type", "application/json");
    }
    return api_->Handle(r);
  }

  kefu::testing::TempDir dir_;
  FakeClock clock_;
  IdGenerator ids_{&clock_, 1};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<Api> api_;
};

TEST_F(ApiTest, OpenApiDocumentMatchesTheRouteTable) {
  json::value doc = json::parse(api_->OpenApiJson());
  EXPECT_EQ(doc.at("openapi"), "3.0.3");
  const json::object& paths = doc.at("paths").as_object();
  std::set<std::string> documented;
  for (const auto& [path, ops] : paths) {
    for (const auto& [method, op] : ops.as_object()) {
      std::string m(method);
      for (char& c : m) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      documented.insert(m + " " + std::string(path));
      EXPECT_TRUE(op.as_object().contains("responses"));
    }
  }
  std::set<std::string> routed;
  for (const Api::RouteInfo& r : api_->Routes()) {
    routed.insert(r.method + " " + r.path);
    const json::object& op =
        paths.at(r.path).as_object().at(std::string(r.method == "GET"      ? "get"
                                                     : r.method == "POST"   ? "post"
                                                     : r.method == "DELETE" ? "delete"
                                                     : r.method == "PATCH"  ? "patch"
                                                                            : "put"))
            .as_object();
    std::string permission(op.at("x-permission").as_string());
    EXPECT_EQ(permission, r.permission.empty() ? "logged-in" : r.permission) << r.path;
    EXPECT_EQ(op.at("security").as_array().empty(), r.permission == "public") << r.path;
  }
  EXPECT_EQ(documented, routed);
}

TEST_F(ApiTest, ErrorsHaveOneShape) {
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/v1/users"}, {"GET", "/api/v1/nope"}, {"DELETE", "/api/v1/users"}}) {
    HttpResponse r = Call(method, target);
    EXPECT_GE(r.status, 400);
    json::value body = json::parse(r.body);
    const json::object& err = body.at("error").as_object();
    EXPECT_TRUE(err.contains("code") && err.contains("message") && err.contains("field"))
        << r.body;
  }
}

TEST_F(ApiTest, LoginIsRateLimitedPerAddress) {
  std::string body = R"({"username":"nobody","password":"whatever-123"})";
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Call("POST", "/api/v1/auth/login", body).status, 401);
  }
  HttpResponse limited = Call("POST", "/api/v1/auth/login", body);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(json::parse(limited.body).at("error").at("code"), "rate_limited");
  // Another address is not affected; time refills the bucket.
  EXPECT_EQ(Call("POST", "/api/v1/auth/login", body, "10.2.2.2").status, 401);
  clock_.AdvanceMs(60'000);
  EXPECT_EQ(Call("POST", "/api/v1/auth/login", body).status, 401);
}

TEST_F(ApiTest, HealthAndReadiness) {
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  EXPECT_EQ(Call("GET", "/readyz").status, 200);
  api_->SetDraining();
  EXPECT_EQ(Call("GET", "/readyz").status, 503);
  // Metrics only for the machine itself (or a token with metrics.read).
  EXPECT_EQ(Call("GET", "/metrics", "", "10.9.9.9").status, 403);
  HttpResponse m = Call("GET", "/metrics", "", "127.0.0.1");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("kefu_http_requests_total"), std::string::npos);
}

TEST_F(ApiTest, WebSocketUpgradeChecksOrigin) {
  HttpRequest r;
  r.method = "GET";
  r.target = "/api/v1/ws";
  r.headers = {{"host", "kefu.bank.cn"}, {"origin", "https://evil.example"}};
  EXPECT_EQ(api_->AuthenticateUpgrade(r).status().code(), StatusCode::kPermissionDenied);
  r.headers = {{"host", "kefu.bank.cn"}, {"origin", "https://kefu.bank.cn"}};
  EXPECT_EQ(api_->AuthenticateUpgrade(r).status().code(), StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace kefu::api
