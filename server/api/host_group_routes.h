#pragma once
// Console routes of host groups (docs/health.md, "Host groups").
#include "server/api/router.h"
#include "server/api/services.h"
#include "server/store/sqlite/host_groups_store.h"

namespace parc::server::api {

void addHostGroupRoutes(Router& r, Services& s);
/// The group with this id if the caller's scope covers its tenant, otherwise kNotFound.
store::HostGroup scopedHostGroup(Services& s, const Context& ctx, store::Id id);

}  // namespace parc::server::api
