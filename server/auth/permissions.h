#pragma once
// What each role may do. Every API route declares one Permission; the router checks it.
#include "server/store/model.h"

namespace parc::server::auth {

enum class Permission {
  kPublic,         // no authentication (enrolment, login, health)
  kAgent,          // an enrolled agent's client certificate
  kAuthenticated,  // any signed-in user (their own session and profile)
  kHostsRead,
  kHostsWrite,    // settings of a host
  kHostsCommand,  // commands over the control channel
  kTenantsRead,
  kTenantsWrite,
  kTokensRead,
  kTokensWrite,
  kAuditRead,
};

const char* permissionName(Permission p);
bool roleAllows(store::Role role, Permission p);

}  // namespace parc::server::auth
