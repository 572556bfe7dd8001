#pragma once

#include "command.h"

namespace CLI {
class App;
}

namespace kefu::cli {

// `kefu import customers FILE`: bulk import with de-duplication (#6), with a progress bar and
// an error file beside the input.
void AddImportCommands(CLI::App& cli, Commands& commands);

}  // namespace kefu::cli
