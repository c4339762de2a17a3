#pragma once
#include "server/api/router.h"
#include "server/api/services.h"

namespace parc::server::api {

/// Routes of the agent listener: enrolment (no certificate) and agent reports (mTLS).
void addAgentRoutes(Router& router, Services& services);

}  // namespace parc::server::api
