#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kefu::server {

struct StaticFile {
  int status = 200;
  std::string content_type;
  std::string cache_control;
  std::string body;
};

// Resolves a request path against the web UI folder: files as they are (hashed /assets/* are
// cached for a year, index.html never), "/" and paths without a file extension fall back to
// index.html (the single-page app routes them), anything that climbs out of the folder or is
// missing is 404. Reads the file; no caching in memory.
StaticFile ServeStatic(const std::string& web_root, std::string_view path);

// Percent-decodes a URL path; std::nullopt for malformed escapes or a NUL byte.
std::optional<std::string> DecodePath(std::string_view path);

}  // namespace kefu::server
