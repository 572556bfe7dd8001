#pragma once

#include "command.h"

namespace CLI {
class App;
}

namespace kefu::cli {

// The contact-center digital twin on the command line (#5); neither command needs the
// database:
//   kefu simulate --scenario FILE --out DIR   a scenario (JSON or TOML) → CSV + HTML report
//   kefu simulate --replay calls.tsv          the Anonymous Bank log replayed, sim vs actual
//   kefu staff --forecast FILE …              minimum agents per interval and a shift cover
void AddSimulateCommands(CLI::App& cli, Commands& commands);

}  // namespace kefu::cli
