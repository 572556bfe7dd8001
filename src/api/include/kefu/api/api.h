#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "kefu/api/accounts.h"
#include "kefu/api/audit.h"
#include "kefu/api/hub.h"
#include "kefu/api/http.h"
#include "kefu/core/clock.h"
#include "kefu/core/id.h"
#include "kefu/crm/customers.h"
#include "kefu/kb/knowledge_base.h"
#include "kefu/crm/ingest.h"
#include "kefu/store/database.h"

namespace kefu::api {

struct ApiOptions {
  // Per caller (user, token or address): sustained requests per second and burst; 0 disables.
  double rate_limit_rps = 50;
  double rate_limit_burst = 100;
  // Login attempts per minute from one address.
  double login_per_minute = 30;
  // Set-Cookie gets `Secure` when the server speaks TLS.
  bool secure_cookies = false;
  // HMAC secret for the customers' mobile_hash / id_number_hash (config pii.key).
  std::string pii_key;
};

class Metrics;

// The HTTP API: the route table and the one pipeline every request goes through
// (parse → route → authenticate → authorise → validate → rate-limit → handler → encode), plus
// the WebSocket hub's authentication. Handlers call services and map Status to HTTP. Owned by
// the server; thread-safe (requests are handled on many threads at once).
class Api {
 public:
  Api(store::Database* db, const Clock* clock, IdGenerator* ids, ApiOptions options = {},
      AccountsOptions accounts_options = {});
  ~Api();

  // True for the routes whose body is an uploaded file (server.max_upload_bytes applies to
  // them instead of server.max_body_bytes). `path` has no query string.
  static bool IsUploadRoute(std::string_view method, std::string_view path);

  // Handles /api/v1/*, /healthz, /readyz and /metrics. Never throws.
  HttpResponse Handle(const HttpRequest& request);

  // For the WebSocket upgrade of /api/v1/ws: authenticates the cookie (or bearer token) and
  // checks the Origin header against Host. kUnauthenticated / kPermissionDenied otherwise.
  Result<AuthContext> AuthenticateUpgrade(const HttpRequest& request);

  // Readiness: false while draining for shutdown (readyz answers 503).
  void SetDraining() { draining_ = true; }

  Accounts& accounts() { return *accounts_; }
  AuditLog& audit() { return *audit_; }
  Hub& hub() { return *hub_; }
  Metrics& metrics() { return *metrics_; }
  crm::Customers& customers() { return *customers_; }
  kb::KnowledgeBase& kb() { return *kb_; }
  crm::Ingest& ingest() { return *ingest_; }

  // The OpenAPI 3 document generated from the route table.
  std::string OpenApiJson() const;

  // Every route (method and path pattern) and the permission it needs ("" = any logged-in
  // caller, "public" = no login), for tests and documentation.
  struct RouteInfo {
    std::string method;
    std::string path;
    std::string permission;
    bool state_changing;
  };
  std::vector<RouteInfo> Routes() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  store::Database* db_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Accounts> accounts_;
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<crm::Customers> customers_;
  std::unique_ptr<crm::Ingest> ingest_;
  std::unique_ptr<kb::KnowledgeBase> kb_;  // loaded (index built) in the constructor
  std::atomic<bool> draining_{false};
};

}  // namespace kefu::api
