#pragma once
// Agent self-update (docs/operations.md, "Agent self-update"): what agents ask over their
// mTLS listener (is there a release for me, its package, the release I run for
// rollback, my result), and what administrators set in the console (rings and who
// follows which).
#include "server/api/router.h"
#include "server/api/services.h"
#include "server/update/catalog.h"

namespace parc::server::api {

void addUpdateAgentRoutes(Router& r, Services& s, update::UpdateCatalog& catalog);
void addUpdateConsoleRoutes(Router& r, Services& s, update::UpdateCatalog& catalog);

}  // namespace parc::server::api
