#pragma once

#include <string>
#include <utility>
#include <vector>

namespace kefu::api {

// A request as the transport (src/server) hands it over: nothing Beast-specific, so the whole
// pipeline runs in unit tests without sockets.
struct HttpRequest {
  std::string method;  // "GET", "POST" …
  std::string target;  // path and query as sent: "/api/v1/users?limit=20"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string remote_ip;

  // The first header of that (lower-case) name, or "".
  const std::string& Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. Set-Cookie
  std::string body;
};

}  // namespace kefu::api
