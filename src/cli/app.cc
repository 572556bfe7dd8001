#include "app.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "kefu/core/id.h"
#include "kefu/core/log.h"

namespace kefu::cli {
namespace {

Result<std::string> RandomHex(size_t bytes) {
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  std::string raw(bytes, '\0');
  if (!urandom.read(raw.data(), static_cast<std::streamsize>(bytes))) {
    return UnavailableError("cannot read /dev/urandom");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : raw) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 15]);
  }
  return hex;
}

}  // namespace

Result<std::string> LoadPiiKey(const Config& config) {
  const std::string& key = config.GetString("pii.key");
  if (!key.empty()) {
    return key;
  }
  std::filesystem::path path = config.GetString("pii.key_file");
  if (path.empty()) {
    return InvalidArgumentError("set pii.key or pii.key_file", "pii.key_file");
  }
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (path.has_parent_path()) {
      std::filesystem::create_directories(path.parent_path(), ec);
    }
    KEFU_ASSIGN_OR_RETURN(std::string fresh, RandomHex(32));
    {
      std::ofstream out(path, std::ios::trunc);
      out << fresh << "\n";
      if (!out) {
        return UnavailableError("cannot write key file " + path.string());
      }
    }
    ::chmod(path.c_str(), 0600);
    return fresh;
  }
  std::ifstream in(path);
  std::string stored;
  in >> stored;
  if (stored.size() < 32) {
    return InvalidArgumentError(
        "key file " + path.string() + " holds fewer than 32 characters", "pii.key_file");
  }
  return stored;
}

Result<App> StartApp(const ConfigSources& sources, bool open_db) {
  App app;
  KEFU_ASSIGN_OR_RETURN(app.config, Config::Load(sources));
  KEFU_RETURN_IF_ERROR(log::InitLogging({app.config.GetString("log.level"),
                                         app.config.GetString("log.format"),
                                         app.config.GetString("log.file")}));
  KEFU_RETURN_IF_ERROR(IdGenerator::CheckNodeId(app.config.GetInt("node.id"))
                           .status()
                           .WithContext("node.id from " + app.config.Source("node.id")));
  app.ids = std::make_unique<IdGenerator>(SystemClock::Get(),
                                          static_cast<int>(app.config.GetInt("node.id")));
  KEFU_ASSIGN_OR_RETURN(app.pii_key, LoadPiiKey(app.config));
  if (open_db) {
    store::DatabaseOptions options;
    options.sqlite_synchronous = app.config.GetString("db.sqlite_synchronous");
    options.sqlite_readers = static_cast<int>(app.config.GetInt("db.sqlite_readers"));
    options.sqlite_group_commit = app.config.GetBool("db.sqlite_group_commit");
    options.postgres_pool_size = static_cast<int>(app.config.GetInt("db.postgres_pool_size"));
    KEFU_ASSIGN_OR_RETURN(app.db, store::OpenDatabase(app.config.GetString("db.url"), options));
  }
  return app;
}

}  // namespace kefu::cli
