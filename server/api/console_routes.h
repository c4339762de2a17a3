#pragma once
#include "server/api/router.h"
#include "server/api/services.h"

namespace parc::server::api {

/// Routes of the console listener: the technicians' REST API, one group per file.
void addConsoleRoutes(Router& router, Services& services);

/// GET /api/v1/routes: every route of both listeners with the permission it needs, so
/// that the attack tests enumerate what the running server really exposes. Add last.
void addRouteIndex(Router& console, const Router& agent);

void addSessionRoutes(Router& router, Services& services);  // session_routes.cpp
void addHostRoutes(Router& router, Services& services);     // host_routes.cpp
void addAdminRoutes(Router& router, Services& services);    // admin_routes.cpp
void addAuditRoutes(Router& router, Services& services);    // audit_routes.cpp
void addGlpiRoutes(Router& router, Services& services);     // glpi_routes.cpp

}  // namespace parc::server::api
