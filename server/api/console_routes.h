#pragma once
#include "server/api/router.h"
#include "server/api/services.h"

namespace parc::server::api {

/// Routes of the console listener: the technicians' REST API (session authentication).
void addConsoleRoutes(Router& router, Services& services);

}  // namespace parc::server::api
