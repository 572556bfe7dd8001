#pragma once

#include "command.h"

namespace CLI {
class App;
}

namespace kefu::cli {

// `kefu kb import FILE`, `kefu kb export FILE` (.json or .xlsx) and
// `kefu kb search "text" [--region 广东 --card-type 金卡]`: the knowledge base (#7).
void AddKbCommands(CLI::App& cli, Commands& commands);

// Adds the demo knowledge base (idempotent); called after `kefu demo seed`.
Status SeedKbDemo(App& app);

}  // namespace kefu::cli
