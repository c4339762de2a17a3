#pragma once
// Console routes of remote sessions (docs/remote-support.md, "Sessions" and "Consent
// policies"): the registry of sessions, ending one, each tenant's consent policy.
#include "server/api/router.h"
#include "server/api/services.h"

namespace parc::server::api {

void addRemoteSessionRoutes(Router& r, Services& s);

}  // namespace parc::server::api
