#include "static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace kefu::server {
namespace {

std::string MimeType(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".woff") return "font/woff";
  if (ext == ".ttf") return "font/ttf";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

bool ReadFile(const std::filesystem::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

StaticFile NotFound() {
  StaticFile f;
  f.status = 404;
  f.content_type = "text/plain; charset=utf-8";
  f.cache_control = "no-store";
  f.body = "404 not found\n";
  return f;
}

}  // namespace

std::optional<std::string> DecodePath(std::string_view path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size() || !std::isxdigit(static_cast<unsigned char>(path[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
        return std::nullopt;
      }
      c = static_cast<char>(std::stoi(std::string(path.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    }
    if (c == '\0') {
      return std::nullopt;
    }
    out.push_back(c);
  }
  return out;
}

StaticFile ServeStatic(const std::string& web_root, std::string_view raw_path) {
  std::string_view path = raw_path.substr(0, raw_path.find('?'));
  std::optional<std::string> decoded = DecodePath(path);
  if (!decoded || decoded->empty() || decoded->front() != '/') {
    return NotFound();
  }
  // No segment may climb out of the web root.
  for (std::string_view rest = *decoded; !rest.empty();) {
    size_t slash = rest.find('/', 1);
    std::string_view segment = rest.substr(1, slash == std::string_view::npos ? rest.npos : slash - 1);
    if (segment == ".." || segment == ".") {
      return NotFound();
    }
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  std::filesystem::path root(web_root);
  std::filesystem::path file = root / decoded->substr(1);
  std::error_code ec;
  bool is_file = !decoded->ends_with("/") && std::filesystem::is_regular_file(file, ec);
  std::string last = decoded->substr(decoded->rfind('/') + 1);
  if (!is_file) {
    // The single-page app owns paths without an extension; a missing asset is a real 404.
    if (last.find('.') != std::string::npos) {
      return NotFound();
    }
    file = root / "index.html";
    if (!std::filesystem::is_regular_file(file, ec)) {
      StaticFile f;
      f.status = 503;
      f.content_type = "text/plain; charset=utf-8";
      f.cache_control = "no-store";
      f.body = "The web UI is not built (no " + file.string() + "): run `make`.\n";
      return f;
    }
  }
  StaticFile f;
  if (!ReadFile(file, f.body)) {
    return NotFound();
  }
  f.content_type = MimeType(file);
  if (file.filename() == "index.html") {
    f.cache_control = "no-cache";
  } else if (decoded->starts_with("/assets/")) {
    f.cache_control = "public, max-age=31536000, immutable";  // names carry a content hash
  } else {
    f.cache_control = "public, max-age=3600";
  }
  return f;
}

}  // namespace kefu::server
