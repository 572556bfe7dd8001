#pragma once

#include <memory>
#include <string>

#include "kefu/core/config.h"
#include "kefu/core/id.h"
#include "kefu/core/result.h"
#include "kefu/store/database.h"

namespace kefu::cli {

// What every command (and, with #3, the server) starts from: the resolved configuration,
// logging set up, the keyed-hash secret, and the database opened. Owned by main().
struct App {
  Config config;
  std::string pii_key;
  std::unique_ptr<IdGenerator> ids;  // this node's ids (node.id)
  std::unique_ptr<store::Database> db;
};

// Loads configuration (file < env < overrides), initialises logging and loads the keyed-hash
// secret; opens the database when `open_db`. Errors name the setting or file at fault.
Result<App> StartApp(const ConfigSources& sources, bool open_db);

// The keyed-hash secret: pii.key when set, else the contents of pii.key_file, which is created
// with 32 random bytes (hex, mode 0600) when missing.
Result<std::string> LoadPiiKey(const Config& config);

}  // namespace kefu::cli
