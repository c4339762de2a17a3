#pragma once
#include "server/api/router.h"
#include "server/api/services.h"

namespace parc::server::api {

/// Console routes of agents' certificates: revocation, approval or rejection of a
/// re-installed PC's match, and the trust anchors with what agents know of them.
void addHostCertRoutes(Router& router, Services& services);

}  // namespace parc::server::api
