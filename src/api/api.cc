// The request pipeline: parse → route → authenticate → authorise → validate → rate-limit →
// handler → encode. Every /api/v1 request takes exactly this path; read it top to bottom.

#include "kefu/api/api.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <boost/url/parse.hpp>
#include <charconv>
#include <chrono>

#include "internal/impl.h"
#include "internal/route.h"
#include "kefu/api/metrics.h"
#include "kefu/core/log.h"

namespace kefu::api {

using internal::Access;
using internal::Ctx;
using internal::ErrorReply;
using internal::FieldType;
using internal::Reply;
using internal::Route;
namespace json = boost::json;

const std::string& HttpRequest::Header(std::string_view name) const {
  static const std::string kEmpty;
  for (const auto& [k, v] : headers) {
    if (k == name) {
      return v;
    }
  }
  return kEmpty;
}

bool RateLimiter::Allow(const std::string& key, double rate, double burst) {
  if (rate <= 0) {
    return true;
  }
  int64_t now = clock_->NowMs();
  std::lock_guard lock(mu_);
  if (now - last_sweep_ms_ > 60'000) {
    // Full buckets carry no state worth keeping.
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      it = now - it->second.last_ms > 600'000 ? buckets_.erase(it) : std::next(it);
    }
    last_sweep_ms_ = now;
  }
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst, now});
  Bucket& b = it->second;
  b.tokens = std::min(burst, b.tokens + static_cast<double>(now - b.last_ms) * rate / 1000.0);
  b.last_ms = now;
  if (b.tokens < 1.0) {
    return false;
  }
  b.tokens -= 1.0;
  return true;
}

namespace {

struct StatusMapping {
  int http;
  const char* code;
};

StatusMapping MapStatus(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return {200, "ok"};
    case StatusCode::kInvalidArgument: return {400, "invalid_argument"};
    case StatusCode::kNotFound: return {404, "not_found"};
    case StatusCode::kAlreadyExists: return {409, "already_exists"};
    case StatusCode::kFailedPrecondition: return {409, "failed_precondition"};
    case StatusCode::kPermissionDenied: return {403, "permission_denied"};
    case StatusCode::kUnauthenticated: return {401, "unauthenticated"};
    case StatusCode::kResourceExhausted: return {429, "rate_limited"};
    case StatusCode::kDeadlineExceeded: return {504, "deadline_exceeded"};
    case StatusCode::kUnavailable: return {503, "unavailable"};
    case StatusCode::kAborted: return {409, "aborted"};
    case StatusCode::kInternal: return {500, "internal"};
  }
  return {500, "internal"};
}

Reply FromStatus(const Status& status) {
  StatusMapping m = MapStatus(status.code());
  if (status.code() == StatusCode::kInternal) {
    // Details (SQL, file names) go to the log, not to the caller.
    spdlog::error("internal error: {}", status.ToString());
    return ErrorReply(m.http, m.code,
                      "internal error; quote trace " + std::string(log::CurrentTraceId()));
  }
  return ErrorReply(m.http, m.code, status.message(), status.field());
}

std::string CookieValue(const std::string& header, std::string_view name) {
  std::string_view rest = header;
  while (!rest.empty()) {
    size_t semi = rest.find(';');
    std::string_view part = rest.substr(0, semi);
    while (!part.empty() && part.front() == ' ') {
      part.remove_prefix(1);
    }
    if (part.size() > name.size() && part.substr(0, name.size()) == name &&
        part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
  }
  return "";
}

bool IsStateChanging(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

bool ConstantTimeEquals(const std::string& a, const std::string& b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Matches "/api/v1/users/{id}" against a concrete path, filling params.
bool MatchPath(std::string_view pattern, std::string_view path,
               std::map<std::string, std::string, std::less<>>& params) {
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern.front() != '/' || path.front() != '/') {
      return false;
    }
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    size_t pe = pattern.find('/');
    size_t se = path.find('/');
    std::string_view pseg = pattern.substr(0, pe);
    std::string_view sseg = path.substr(0, se);
    if (pseg.size() > 2 && pseg.front() == '{' && pseg.back() == '}') {
      if (sseg.empty()) {
        return false;
      }
      params[std::string(pseg.substr(1, pseg.size() - 2))] = std::string(sseg);
    } else if (pseg != sseg) {
      return false;
    }
    pattern = pe == std::string_view::npos ? std::string_view() : pattern.substr(pe);
    path = se == std::string_view::npos ? std::string_view() : path.substr(se);
  }
  return true;
}

bool TypeMatches(const json::value& v, FieldType type) {
  switch (type) {
    case FieldType::kString: return v.is_string();
    case FieldType::kInt: return v.is_int64() || v.is_uint64();
    case FieldType::kBool: return v.is_bool();
    case FieldType::kObjectArray: {
      if (!v.is_array()) {
        return false;
      }
      for (const json::value& e : v.as_array()) {
        if (!e.is_object()) {
          return false;
        }
      }
      return true;
    }
    case FieldType::kStringArray: {
      if (!v.is_array()) {
        return false;
      }
      for (const json::value& e : v.as_array()) {
        if (!e.is_string()) {
          return false;
        }
      }
      return true;
    }
  }
  return false;
}

const char* TypeName(FieldType type) {
  switch (type) {
    case FieldType::kString: return "a string";
    case FieldType::kInt: return "an integer";
    case FieldType::kBool: return "true or false";
    case FieldType::kStringArray: return "an array of strings";
    case FieldType::kObjectArray: return "an array of objects";
  }
  return "";
}

HttpResponse Encode(const Reply& reply) {
  HttpResponse r;
  r.status = reply.status;
  r.headers = reply.headers;
  r.headers.emplace_back("Cache-Control", "no-store");
  if (!reply.body.is_null()) {
    r.body = json::serialize(reply.body);
  } else {
    r.content_type.clear();
  }
  return r;
}

bool IsLoopback(const std::string& ip) {
  return ip == "127.0.0.1" || ip == "::1" || ip.starts_with("127.") || ip == "::ffff:127.0.0.1";
}

}  // namespace

namespace internal {

Reply ErrorReply(int status, std::string_view code, std::string_view message,
                 std::string_view field) {
  Reply r;
  r.status = status;
  json::object err;
  err["code"] = json::string(code);
  err["message"] = json::string(message);
  err["field"] = json::string(field);
  r.body = json::object{{"error", std::move(err)}};
  return r;
}

}  // namespace internal

Api::Api(store::Database* db, const Clock* clock, IdGenerator* ids, ApiOptions options,
         AccountsOptions accounts_options)
    : impl_(std::make_unique<Impl>(db, clock, ids, options)),
      db_(db),
      audit_(std::make_unique<AuditLog>(db, clock, ids)),
      accounts_(std::make_unique<Accounts>(db, clock, ids, audit_.get(), accounts_options)),
      hub_(std::make_unique<Hub>(clock)),
      metrics_(std::make_unique<Metrics>()),
      customers_(std::make_unique<crm::Customers>(db, clock, options.pii_key, ids)),
      ingest_(std::make_unique<crm::Ingest>(db, clock, ids, options.pii_key)),
      kb_(std::make_unique<kb::KnowledgeBase>(db, clock, ids)) {
  impl_->import_jobs = std::make_unique<ImportJobs>(db, clock, ids, hub_.get());
  // The knowledge base index is built now so the first search is fast. A failure (e.g. an
  // unmigrated database) is not fatal: the first search loads again and reports it.
  if (Status loaded = kb_->Load(); !loaded.ok()) {
    spdlog::warn("knowledge base not loaded yet: {}", loaded.ToString());
  }
}

Api::~Api() {
  // The import worker uses the hub and the database: stop it while they still exist.
  impl_->import_jobs.reset();
}

bool Api::IsUploadRoute(std::string_view method, std::string_view path) {
  std::map<std::string, std::string, std::less<>> params;
  for (const Route& r : internal::RouteTable()) {
    if (r.upload && method == r.method && MatchPath(r.path, path, params)) {
      return true;
    }
  }
  return false;
}

std::vector<Api::RouteInfo> Api::Routes() const {
  std::vector<RouteInfo> out;
  for (const Route& r : internal::RouteTable()) {
    std::string permission = r.access == Access::kPublic      ? "public"
                             : r.access == Access::kLoggedIn ? ""
                                                              : std::string(PermissionName(r.permission));
    out.push_back({r.method, r.path, permission, IsStateChanging(r.method)});
  }
  return out;
}

Result<AuthContext> Api::AuthenticateUpgrade(const HttpRequest& request) {
  // Cross-site WebSocket hijacking: a browser sends our cookie with any page's handshake, so
  // the Origin (when present) must be this host.
  const std::string& origin = request.Header("origin");
  const std::string& host = request.Header("host");
  if (!origin.empty()) {
    std::string_view o = origin;
    size_t scheme = o.find("://");
    if (scheme == std::string_view::npos || o.substr(scheme + 3) != host) {
      return PermissionDeniedError("WebSocket origin " + origin + " is not this server");
    }
  }
  const std::string& authorization = request.Header("authorization");
  if (authorization.starts_with("Bearer ")) {
    return accounts_->AuthenticateToken(authorization.substr(7));
  }
  return accounts_->AuthenticateSession(CookieValue(request.Header("cookie"), "kefu_session"));
}

HttpResponse Api::Handle(const HttpRequest& request) {
  auto started = std::chrono::steady_clock::now();
  std::string trace_id = request.Header("x-request-id");
  if (trace_id.empty() || trace_id.size() > 64) {
    trace_id = log::NewTraceId();
  }
  log::ScopedTraceId trace(trace_id);
  std::string route_label = "unmatched";
  Reply reply;
  HttpResponse response;
  try {
    // Parse.
    boost::system::result<boost::urls::url_view> url = boost::urls::parse_origin_form(request.target);
    Ctx ctx(request, *this, *impl_);
    if (!url) {
      reply = ErrorReply(400, "invalid_argument", "malformed request target");
    } else {
      ctx.path = std::string(url->encoded_path());
      for (auto param : url->params()) {
        ctx.query[std::string(param.key)] = std::string(param.value);
      }
    }

    if (url && (ctx.path == "/healthz" || ctx.path == "/readyz" || ctx.path == "/metrics")) {
      route_label = ctx.path;
      if (ctx.path == "/healthz") {
        reply.body = json::object{{"status", "ok"}};
      } else if (ctx.path == "/readyz") {
        bool db_ok = db_->QueryInt64("SELECT 1").ok();
        bool ready = db_ok && !draining_;
        reply.status = ready ? 200 : 503;
        reply.body = json::object{{"status", ready ? "ready" : "not_ready"},
                                  {"database", db_ok ? "ok" : "unavailable"},
                                  {"draining", draining_.load()}};
      } else {
        // Prometheus scrapes from the machine itself; from elsewhere a token with metrics.read.
        bool allowed = IsLoopback(request.remote_ip);
        const std::string& authorization = request.Header("authorization");
        if (!allowed && authorization.starts_with("Bearer ")) {
          auto auth = accounts_->AuthenticateToken(authorization.substr(7));
          allowed = auth.ok() && auth->Has(Permission::kMetricsRead);
        }
        if (!allowed) {
          reply = ErrorReply(403, "permission_denied", "metrics are served to localhost or a "
                                                       "token with metrics.read");
        } else {
          store::DatabaseStats s = db_->stats();
          metrics_->SetGauge("kefu_websocket_connections", "Open WebSocket connections.",
                             static_cast<double>(hub_->connections()));
          metrics_->SetGauge("kefu_store_transactions_total", "Store transactions.",
                             static_cast<double>(s.transactions));
          metrics_->SetGauge("kefu_store_commits_total", "Physical commits.",
                             static_cast<double>(s.commits));
          metrics_->SetGauge("kefu_store_connections_open", "Open database connections.",
                             static_cast<double>(s.connections_open));
          metrics_->SetGauge("kefu_store_pending_writes", "Transactions queued for the writer.",
                             static_cast<double>(s.pending_writes));
          HttpResponse r;
          r.content_type = "text/plain; version=0.0.4; charset=utf-8";
          r.body = metrics_->Render();
          return r;
        }
      }
    } else if (url) {
      reply = [&]() -> Reply {
        // Route.
        bool path_known = false;
        for (const Route& r : internal::RouteTable()) {
          ctx.params.clear();
          if (MatchPath(r.path, ctx.path, ctx.params)) {
            path_known = true;
            if (request.method == r.method) {
              ctx.route = &r;
              break;
            }
          }
        }
        if (ctx.route == nullptr) {
          return path_known ? ErrorReply(405, "method_not_allowed", "method not allowed")
                            : ErrorReply(404, "not_found", "no such API route: " + ctx.path);
        }
        const Route& route = *ctx.route;
        route_label = std::string(route.method) + " " + route.path;

        // Authenticate (public routes such as login ignore any session the browser sends).
        const std::string& authorization = request.Header("authorization");
        bool via_cookie = false;
        if (route.access == Access::kPublic) {
        } else if (authorization.starts_with("Bearer ")) {
          auto auth = accounts_->AuthenticateToken(authorization.substr(7));
          if (auth.ok()) {
            ctx.auth = std::move(auth).value();
          } else if (auth.status().code() != StatusCode::kUnauthenticated) {
            return FromStatus(auth.status());
          }
        } else {
          ctx.session_token = CookieValue(request.Header("cookie"), "kefu_session");
          if (!ctx.session_token.empty()) {
            auto auth = accounts_->AuthenticateSession(ctx.session_token);
            if (auth.ok()) {
              ctx.auth = std::move(auth).value();
              via_cookie = true;
            } else if (auth.status().code() != StatusCode::kUnauthenticated) {
              return FromStatus(auth.status());
            }
          }
        }
        if (route.access != Access::kPublic && !ctx.auth) {
          return ErrorReply(401, "unauthenticated", "please log in");
        }

        // Authorise: the role (or token scopes) must grant the route's permission, and a
        // browser session must prove with its CSRF token that the page made the request.
        if (route.access == Access::kPermission && !ctx.auth->Has(route.permission)) {
          return ErrorReply(403, "permission_denied",
                            "this needs the permission " +
                                std::string(PermissionName(route.permission)));
        }
        if (via_cookie && IsStateChanging(request.method) &&
            !ConstantTimeEquals(request.Header("x-csrf-token"), ctx.auth->csrf_token)) {
          return ErrorReply(403, "csrf_failed", "missing or wrong X-CSRF-Token header");
        }

        // Validate: JSON bodies are objects whose fields have the declared types.
        if (route.upload) {
          if (request.body.empty()) {
            return ErrorReply(400, "invalid_argument", "the body must be the file's bytes",
                              "body");
          }
        } else if (!route.body.empty() ||
                   (IsStateChanging(request.method) && !request.body.empty())) {
          if (!request.Header("content-type").starts_with("application/json")) {
            return ErrorReply(415, "unsupported_media_type",
                              "send the body as application/json");
          }
          boost::system::error_code ec;
          ctx.body = json::parse(request.body, ec);
          if (ec || !ctx.body.is_object()) {
            return ErrorReply(400, "invalid_argument", "the body is not a JSON object");
          }
          for (const auto& [key, value] : ctx.body.as_object()) {
            bool known = false;
            for (const internal::Field& f : route.body) {
              known = known || key == f.name;
            }
            if (!known) {
              return ErrorReply(400, "invalid_argument",
                                "unknown field \"" + std::string(key) + "\"", std::string(key));
            }
          }
          for (const internal::Field& f : route.body) {
            const json::value* v = ctx.body.as_object().if_contains(f.name);
            if (v == nullptr || v->is_null()) {
              if (f.required) {
                return ErrorReply(400, "invalid_argument",
                                  std::string("field \"") + f.name + "\" is required", f.name);
              }
            } else if (!TypeMatches(*v, f.type)) {
              return ErrorReply(400, "invalid_argument",
                                std::string("field \"") + f.name + "\" must be " +
                                    TypeName(f.type),
                                f.name);
            }
          }
        }
        if (route.paginated) {
          if (auto it = ctx.query.find("limit"); it != ctx.query.end()) {
            int limit = 0;
            auto [ptr, ec] = std::from_chars(it->second.data(),
                                             it->second.data() + it->second.size(), limit);
            if (ec != std::errc() || ptr != it->second.data() + it->second.size() || limit < 1 ||
                limit > 500) {
              return ErrorReply(400, "invalid_argument", "limit must be 1 to 500", "limit");
            }
          }
        }

        // Rate-limit.
        std::string rate_key;
        double rate = impl_->options.rate_limit_rps;
        double burst = impl_->options.rate_limit_burst;
        if (std::string_view(route.rate_class) == "login") {
          rate_key = "login:" + request.remote_ip;
          rate = impl_->options.login_per_minute / 60.0;
          burst = impl_->options.login_per_minute;
        } else if (ctx.auth) {
          rate_key = (ctx.auth->via_token ? "t:" : "u:") + std::to_string(ctx.auth->session_id);
        } else {
          rate_key = "ip:" + request.remote_ip;
        }
        if (!impl_->limiter.Allow(rate_key, rate, burst)) {
          Reply limited = ErrorReply(429, "rate_limited", "too many requests; slow down");
          limited.headers.emplace_back("Retry-After", "1");
          return limited;
        }

        // Handler.
        Result<Reply> result = route.handler(ctx);
        if (!result.ok()) {
          return FromStatus(result.status());
        }
        // A handler that does not choose a status succeeds with the route's (204: no body).
        Reply done = std::move(result).value();
        if (done.status == 200) {
          done.status = route.success_status;
        }
        return done;
      }();
    }
  } catch (const std::exception& e) {
    // Third-party code (Boost.JSON, Boost.URL) may throw; nothing crosses the request path.
    spdlog::error("exception handling {} {}: {}", request.method, request.target, e.what());
    reply = ErrorReply(500, "internal", "internal error; quote trace " + trace_id);
  }
  response = Encode(reply);
  response.headers.emplace_back("X-Request-Id", trace_id);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count();
  metrics_->ObserveRequest(route_label, response.status, micros);
  if (response.status >= 500) {
    spdlog::warn("{} {} → {} ({} µs)", request.method, request.target, response.status, micros);
  } else {
    spdlog::debug("{} {} → {} ({} µs)", request.method, request.target, response.status, micros);
  }
  return response;
}

}  // namespace kefu::api
