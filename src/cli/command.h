#pragma once

#include <functional>
#include <vector>

#include "app.h"
#include "kefu/core/status.h"

namespace CLI {
class App;
}

namespace kefu::cli {

// A subcommand registered by a module's Add…Commands(cli, commands) function: main() parses
// the command line, starts the App (opening the database only when `needs_db`) and runs the
// one command that was parsed. New commands live in their own file; main.cc only calls Add….
struct Command {
  CLI::App* sub = nullptr;
  std::function<Status(App&)> run;
  bool needs_db = true;
};
using Commands = std::vector<Command>;

}  // namespace kefu::cli
