#pragma once

#include <vector>

#include "internal/route.h"

namespace kefu::api::internal {

// Appends the customer routes (customer_routes.cc) to the route table.
void AppendCustomerRoutes(std::vector<Route>& routes);

}  // namespace kefu::api::internal
