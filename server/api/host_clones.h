#pragma once
// Cloned PCs (docs/inventory.md, "Cloned PCs"): what the server does when a host's
// identity reports from other hardware, and the technician's routes to decide.
#include <string>

#include "server/api/router.h"
#include "server/api/services.h"

namespace parc::server::api {

/// An inventory of `host` was kept aside as another machine's (store outcome
/// kCloneDetected/kCloneReported). The first time (`detected`): a warning in the log and
/// an audit entry; every time: the "clone_suspected" alert rule's reading.
void noteCloneSuspected(Services& s, const store::Host& host, const std::string& source,
                        store::Time now, bool detected);

/// GET  /api/v1/hosts/{id}/clone-reports        the inventories kept aside
/// POST /api/v1/hosts/{id}/hardware/accept       accept the new hardware (audited)
void addHostCloneRoutes(Router& router, Services& services);

}  // namespace parc::server::api
