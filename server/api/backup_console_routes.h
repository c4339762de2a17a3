#pragma once
#include "server/api/router.h"
#include "server/api/services.h"

namespace parc::server::api {

/// The console's browse and restore of backups, and the tenant's backup overview
/// (docs/backups.md, "Console: browse and restore"). The server holds no key: browsing
/// and restoring are control commands run by an agent of the tenant.
void addBackupBrowseRoutes(Router& router, Services& services);

}  // namespace parc::server::api
