#pragma once
// What each role may do. Every API route declares one Permission; the dispatcher checks
// it before the handler runs, and a test enumerates every route against every role.
// What a role may *see* is narrowed further by its tenant scope (store::TenantScope).
#include "server/store/model.h"

namespace parc::server::auth {

enum class Permission {
  kPublic,         // no authentication (enrolment, login, health, console assets)
  kAgent,          // an enrolled agent's client certificate
  kAuthenticated,  // any signed-in user (their own session, profile, second factor)
  kHostsRead,
  kHostsWrite,     // settings of a host, revocation, re-enrolment approval
  kHostsCommand,   // allow-listed commands over the control channel
  kRemoteSupport,  // interactive sessions with the user's consent (terminal, desktop)
  kTenantsRead,
  kTenantsWrite,
  kTokensRead,  // enrolment tokens
  kTokensWrite,
  kUsersRead,
  kUsersWrite,
  kApiTokens,  // one's own API tokens for scripts
  kAuditRead,
  kAlertsRead,       // alerts and metrics charts (docs/health.md)
  kAlertsWrite,      // acknowledge, silence, comment
  kAlertRulesWrite,  // per-tenant/group/host rule overrides
  kScriptsWrite,     // the script library (what technicians may run signed on PCs)
  kChannelsWrite,    // notification channels
  kUpdatesWrite,     // agent releases offered per ring, rings of tenants and hosts
  kBackupsWrite,     // backup policies (folders, schedule, retention, bandwidth), verification
  kBackupsRestore,   // browse a snapshot's files and restore them onto a PC
};
/// The last enumerator: tests walk every permission up to it (keep it last).
inline constexpr Permission kLastPermission = Permission::kBackupsRestore;

const char* permissionName(Permission p);
bool roleAllows(store::Role role, Permission p);

}  // namespace parc::server::auth
