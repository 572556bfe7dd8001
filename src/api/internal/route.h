#pragma once

// Private to the api module: the shape of a route and of the context a handler sees.

#include <boost/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kefu/api/api.h"
#include "kefu/api/rbac.h"

namespace kefu::api::internal {

namespace json = boost::json;

enum class Access {
  kPublic,      // no login (login itself, the OpenAPI document)
  kLoggedIn,    // any authenticated caller
  kPermission,  // a caller whose role or token scopes grant `permission`
};

enum class FieldType { kString, kInt, kBool, kStringArray, kObjectArray };

// A JSON body field the validate stage checks before the handler runs.
struct Field {
  const char* name;
  FieldType type;
  bool required;
  const char* description;
};

struct Ctx;

// What a handler returns on success: a status, a JSON body (null for 204) and extra headers.
struct Reply {
  int status = 200;
  json::value body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using Handler = Result<Reply> (*)(Ctx&);

// One row of the route table: routes are data (STYLE.md).
struct Route {
  const char* method;
  const char* path;  // "/api/v1/users/{id}"
  Handler handler;
  Access access;
  Permission permission;  // when access == kPermission
  const char* rate_class;  // "default" or "login"
  const char* summary;
  std::vector<Field> body;
  bool paginated = false;
  int success_status = 200;  // what a handler's Reply with the default status 200 becomes
  // The body is a file's bytes (application/octet-stream), not JSON, and may be as large as
  // server.max_upload_bytes; the handler reads ctx.request.body.
  bool upload = false;
};

struct Ctx {
  Ctx(const HttpRequest& request, Api& api, Api::Impl& impl)
      : request(request), api(api), impl(impl) {}
  const HttpRequest& request;
  Api& api;
  Api::Impl& impl;
  const Route* route = nullptr;
  std::string path;
  std::map<std::string, std::string, std::less<>> query;
  std::map<std::string, std::string, std::less<>> params;  // from {name} in the path
  json::value body;                                         // object, or null
  std::optional<AuthContext> auth;
  std::string session_token;  // the cookie's value, for logout

  // Query helpers for list routes: limit (1..500, default 50) and cursor.
  int Limit() const;
  std::string Cursor() const;
  Result<int64_t> IdParam(const char* name) const;
  const json::object& Body() const { return body.as_object(); }
  std::string BodyString(const char* name) const;  // "" when absent
  Actor ToActor() const;
};

// The table of every route, in one place (routes.cc).
const std::vector<Route>& RouteTable();

// A reply carrying the standard error body {"error":{"code","message","field"}}.
Reply ErrorReply(int status, std::string_view code, std::string_view message,
                 std::string_view field = {});

std::string IdString(int64_t id);
// Standard base64 (uploads sent as JSON); kInvalidArgument (field content_base64) otherwise.
Result<std::string> DecodeBase64(std::string_view in);
json::value OptId(const std::optional<int64_t>& id);

}  // namespace kefu::api::internal
