#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kefu/core/result.h"

namespace kefu {

enum class SettingType { kString, kInt, kBool, kChoice };

// One documented setting. `key` is dotted ("db.url"); its TOML form is the same key under its
// table ([db] url = …), its environment variable is KEFU_ + the key upper-cased with dots as
// underscores (KEFU_DB_URL), and its flag is --set key=value (some have a short flag too).
struct SettingInfo {
  std::string_view key;
  SettingType type;
  std::string_view default_value;
  std::string_view help;
  std::string_view choices = {};  // kChoice: "text|json"
};

// Every setting kefu knows, with its default: the one place they are documented.
std::span<const SettingInfo> AllSettings();

// Where configuration comes from, lowest precedence first: defaults, the TOML file, the
// environment, command-line overrides.
struct ConfigSources {
  // A TOML file. Empty: use ./kefu.toml when it exists (and KEFU_CONFIG when set). A path
  // given explicitly must exist.
  std::string file;
  // The process environment as NAME=VALUE strings (environ); tests pass their own.
  std::vector<std::string> environment;
  // key=value overrides from the command line, highest precedence.
  std::vector<std::pair<std::string, std::string>> overrides;
};

// Resolved configuration: a value and its origin for every setting. Value type; immutable
// after Load, so safe to share between threads.
class Config {
 public:
  // Returns kInvalidArgument naming the source (file and key, variable, or flag) for an
  // unknown key in the file or overrides, or a value of the wrong type; kNotFound for an
  // explicit file that does not exist.
  static Result<Config> Load(const ConfigSources& sources);
  // The defaults alone.
  static Config Defaults();

  const std::string& GetString(std::string_view key) const;
  // REQUIRES: the setting is of type kInt / kBool (values were validated by Load).
  int64_t GetInt(std::string_view key) const;
  bool GetBool(std::string_view key) const;
  // "default", "kefu.toml", "env KEFU_DB_URL", "flag".
  const std::string& Source(std::string_view key) const;

  // All settings with value and source, for `kefu config`.
  std::string Describe() const;

 private:
  struct Entry {
    std::string value;
    std::string source;
  };
  Status Set(std::string_view key, std::string value, std::string source);
  const Entry& Find(std::string_view key) const;
  std::map<std::string, Entry, std::less<>> entries_;
};

// The environment of this process, for ConfigSources::environment.
std::vector<std::string> ProcessEnvironment();

}  // namespace kefu
