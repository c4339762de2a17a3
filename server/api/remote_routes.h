#pragma once
#include "server/api/router.h"
#include "server/api/services.h"
#include "server/remote/scripts.h"
#include "server/remote/signing.h"

namespace parc::server::api {

/// Remote support, one-shot half (docs/remote-support.md): the action catalog, the
/// script library, actions and signed scripts run on a host, their executions, and
/// the per-tenant script switch. Every run is recorded and audited.
void addRemoteRoutes(Router& router, Services& services, remote::ScriptLibrary& library,
                     const remote::CommandSigner& signer);

}  // namespace parc::server::api
