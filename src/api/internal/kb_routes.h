#pragma once

#include <vector>

#include "internal/route.h"

namespace kefu::api::internal {

// Appends the knowledge base routes (kb_routes.cc) to the route table.
void AppendKbRoutes(std::vector<Route>& routes);

}  // namespace kefu::api::internal
