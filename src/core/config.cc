#include "kefu/core/config.h"

#include <filesystem>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

extern char** environ;

namespace kefu {
namespace {

constexpr SettingInfo kSettings[] = {
    {"db.url", SettingType::kString, "sqlite:var/kefu.db",
     "Database: sqlite:PATH (embedded, the default) or postgresql://user@host:port/dbname. "
     "Flag: --db."},
    {"db.sqlite_synchronous", SettingType::kChoice, "FULL",
     "SQLite PRAGMA synchronous. FULL makes every commit durable (one fsync per group commit).",
     "OFF|NORMAL|FULL|EXTRA"},
    {"db.sqlite_readers", SettingType::kInt, "4",
     "SQLite reader connections used in parallel with the single writer."},
    {"db.sqlite_group_commit", SettingType::kBool, "true",
     "SQLite: commit concurrent transactions together with one fsync."},
    {"db.postgres_pool_size", SettingType::kInt, "8", "PostgreSQL connection pool size."},
    {"node.id", SettingType::kInt, "0",
     "This node's id (0-1023), part of every id it generates; unique per node in a cluster."},
    {"log.level", SettingType::kChoice, "info", "Log level.",
     "trace|debug|info|warn|error|critical|off"},
    {"log.format", SettingType::kChoice, "text",
     "text: readable on a terminal; json: one JSON object per line.", "text|json"},
    {"log.file", SettingType::kString, "", "Log file; empty logs to standard error."},
    {"pii.key", SettingType::kString, "",
     "Secret for keyed hashes of ID, card and mobile numbers. Empty: read pii.key_file. "
     "Set it through the environment (KEFU_PII_KEY), never in a committed file."},
    {"pii.key_file", SettingType::kString, "var/kefu.key",
     "File holding the keyed-hash secret; created with a random key (mode 0600) when missing."},
    {"display.timezone", SettingType::kString, "Asia/Shanghai",
     "Time zone for times shown to people (storage is always UTC)."},
    {"server.listen", SettingType::kString, "127.0.0.1:8080",
     "Address and port `kefu serve` listens on (HTTP and WebSocket); port 0 picks a free one."},
    {"server.io_threads", SettingType::kInt, "0", "Network threads; 0 means one per core."},
    {"server.workers", SettingType::kInt, "8",
     "Threads that run API handlers (they may wait on the database)."},
    {"server.max_body_bytes", SettingType::kInt, "1048576", "Largest request body accepted."},
    {"server.max_upload_bytes", SettingType::kInt, "134217728",
     "Largest uploaded file (customer imports through the web UI)."},
    {"server.web_root", SettingType::kString, "web/dist", "Folder of the built web UI."},
    {"server.port_file", SettingType::kString, "",
     "When set, the bound port is written to this file once listening (for tests)."},
    {"server.shutdown_grace_ms", SettingType::kInt, "10000",
     "On SIGTERM/SIGINT, how long in-flight requests may still take."},
    {"server.tls_cert", SettingType::kString, "",
     "PEM certificate chain; with server.tls_key, kefu serves HTTPS and WSS (cookies get Secure)."},
    {"server.tls_key", SettingType::kString, "", "PEM private key for server.tls_cert."},
    {"auth.session_idle_minutes", SettingType::kInt, "30",
     "A browser session ends after this long without a request."},
    {"auth.session_max_hours", SettingType::kInt, "12", "A browser session ends after this long."},
    {"auth.lockout_failures", SettingType::kInt, "5",
     "Failed logins (within auth.lockout_minutes) that lock an account."},
    {"auth.lockout_minutes", SettingType::kInt, "15", "The lockout window."},
    {"api.rate_limit_rps", SettingType::kInt, "50",
     "Requests per second per user, token or address (burst twice that); 0 disables."},
    {"api.login_per_minute", SettingType::kInt, "30", "Login attempts per minute per address."},
};

std::string EnvName(std::string_view key) {
  std::string name = "KEFU_";
  for (char c : key) {
    name.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return name;
}

const SettingInfo* FindSetting(std::string_view key) {
  for (const SettingInfo& s : kSettings) {
    if (s.key == key) {
      return &s;
    }
  }
  return nullptr;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Result<bool> ParseBool(std::string_view v) {
  std::string l = Lower(v);
  if (l == "true" || l == "1" || l == "yes" || l == "on") {
    return true;
  }
  if (l == "false" || l == "0" || l == "no" || l == "off") {
    return false;
  }
  return InvalidArgumentError("expected true or false, got '" + std::string(v) + "'");
}

Result<int64_t> ParseInt(std::string_view v) {
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size() || v.empty()) {
    return InvalidArgumentError("expected an integer, got '" + std::string(v) + "'");
  }
  return out;
}

Status Validate(const SettingInfo& info, std::string_view value) {
  switch (info.type) {
    case SettingType::kString:
      return OkStatus();
    case SettingType::kInt:
      return ParseInt(value).status();
    case SettingType::kBool:
      return ParseBool(value).status();
    case SettingType::kChoice: {
      std::string_view rest = info.choices;
      while (!rest.empty()) {
        size_t bar = rest.find('|');
        if (rest.substr(0, bar) == value) {
          return OkStatus();
        }
        rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
      }
      return InvalidArgumentError("expected one of " + std::string(info.choices) + ", got '" +
                                  std::string(value) + "'");
    }
  }
  return OkStatus();
}

// Flattens a TOML table into dotted keys with string values.
Status Flatten(const toml::table& table, const std::string& prefix,
               std::vector<std::pair<std::string, std::string>>& out) {
  for (const auto& [k, node] : table) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const toml::table* sub = node.as_table()) {
      KEFU_RETURN_IF_ERROR(Flatten(*sub, key, out));
    } else if (auto s = node.value<std::string>(); s && node.is_string()) {
      out.emplace_back(key, *s);
    } else if (node.is_integer()) {
      out.emplace_back(key, std::to_string(*node.value<int64_t>()));
    } else if (node.is_boolean()) {
      out.emplace_back(key, *node.value<bool>() ? "true" : "false");
    } else {
      return InvalidArgumentError("setting '" + key + "' must be a string, integer or boolean",
                                  key);
    }
  }
  return OkStatus();
}

}  // namespace

std::span<const SettingInfo> AllSettings() { return kSettings; }

std::vector<std::string> ProcessEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    env.emplace_back(*e);
  }
  return env;
}

Config Config::Defaults() {
  Config config;
  for (const SettingInfo& s : kSettings) {
    config.entries_[std::string(s.key)] = Entry{std::string(s.default_value), "default"};
  }
  return config;
}

Status Config::Set(std::string_view key, std::string value, std::string source) {
  const SettingInfo* info = FindSetting(key);
  if (info == nullptr) {
    return InvalidArgumentError(source + ": unknown setting '" + std::string(key) +
                                    "' (kefu config lists them all)",
                                std::string(key));
  }
  Status valid = Validate(*info, value);
  if (!valid.ok()) {
    return InvalidArgumentError(source + ": setting '" + std::string(key) + "' " +
                                    valid.message(),
                                std::string(key));
  }
  entries_[std::string(key)] = Entry{std::move(value), std::move(source)};
  return OkStatus();
}

Result<Config> Config::Load(const ConfigSources& sources) {
  Config config = Defaults();
  std::map<std::string, std::string, std::less<>> env;
  for (const std::string& kv : sources.environment) {
    size_t eq = kv.find('=');
    if (eq != std::string::npos) {
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }

  std::string file = sources.file;
  bool explicit_file = !file.empty();
  if (!explicit_file && env.count("KEFU_CONFIG") > 0) {
    file = env["KEFU_CONFIG"];
    explicit_file = true;
  }
  if (!explicit_file && std::filesystem::exists("kefu.toml")) {
    file = "kefu.toml";
  }
  if (!file.empty()) {
    if (!std::filesystem::exists(file)) {
      return NotFoundError("configuration file " + file + " does not exist");
    }
    // This build of toml++ reports syntax errors by exception; none escapes this function.
    toml::table parsed;
    try {
      parsed = toml::parse_file(file);
    } catch (const toml::parse_error& err) {
      return InvalidArgumentError(file + ":" + std::to_string(err.source().begin.line) + ":" +
                                  std::to_string(err.source().begin.column) + ": " +
                                  std::string(err.description()));
    }
    std::vector<std::pair<std::string, std::string>> flat;
    KEFU_RETURN_IF_ERROR(Flatten(parsed, "", flat).WithContext(file));
    for (auto& [key, value] : flat) {
      KEFU_RETURN_IF_ERROR(config.Set(key, std::move(value), file));
    }
  }

  for (const SettingInfo& s : kSettings) {
    std::string name = EnvName(s.key);
    auto it = env.find(name);
    if (it != env.end()) {
      KEFU_RETURN_IF_ERROR(config.Set(s.key, it->second, "env " + name));
    }
  }
  for (const auto& [key, value] : sources.overrides) {
    KEFU_RETURN_IF_ERROR(config.Set(key, value, "flag"));
  }
  return config;
}

const Config::Entry& Config::Find(std::string_view key) const {
  auto it = entries_.find(key);
  KEFU_CHECK(it != entries_.end()) << "unknown setting " << key;
  return it->second;
}

const std::string& Config::GetString(std::string_view key) const { return Find(key).value; }

int64_t Config::GetInt(std::string_view key) const {
  Result<int64_t> v = ParseInt(Find(key).value);
  KEFU_CHECK(v.ok()) << key << ": " << v.status().ToString();
  return *v;
}

bool Config::GetBool(std::string_view key) const {
  Result<bool> v = ParseBool(Find(key).value);
  KEFU_CHECK(v.ok()) << key << ": " << v.status().ToString();
  return *v;
}

const std::string& Config::Source(std::string_view key) const { return Find(key).source; }

std::string Config::Describe() const {
  std::ostringstream out;
  for (const SettingInfo& s : kSettings) {
    const Entry& e = Find(s.key);
    bool secret = s.key == "pii.key" && !e.value.empty();
    out << s.key << " = \"" << (secret ? "(set)" : e.value) << "\"   # " << e.source << "\n"
        << "    " << s.help << "\n"
        << "    default \"" << s.default_value << "\", env " << EnvName(s.key);
    if (s.type == SettingType::kChoice) {
      out << ", one of " << s.choices;
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace kefu
