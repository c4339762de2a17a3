#pragma once
#include "server/api/router.h"
#include "server/api/services.h"

namespace parc::modules {

/// The module host's routes (activation, tenant profile, module roles, the caller's
/// modules) and every registered module's routes, each behind the host's checks.
/// One call in server_app.cpp, before the route index.
void addRoutes(server::api::Router& router, server::api::Services& services);

}  // namespace parc::modules
