#pragma once
#include "server/api/router.h"
#include "server/api/services.h"

namespace parc::server::api {

/// Backups over the agent listener (mTLS): an enrolled agent works on its own tenant's
/// repository only, and may only add to it (docs/backups.md, "Network protocol").
void addBackupAgentRoutes(Router& router, Services& services);

/// The console's view of a host's backups (tenant-scoped).
void addBackupConsoleRoutes(Router& router, Services& services);

/// Backup policies (backup_policy_routes.cpp), added by the two functions above.
void addBackupPolicyAgentRoutes(Router& router, Services& services);
void addBackupPolicyConsoleRoutes(Router& router, Services& services);

}  // namespace parc::server::api
