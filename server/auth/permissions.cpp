#include "server/auth/permissions.h"

namespace parc::server::auth {

const char* permissionName(Permission p) {
  switch (p) {
    case Permission::kPublic: return "public";
    case Permission::kAgent: return "agent";
    case Permission::kAuthenticated: return "authenticated";
    case Permission::kHostsRead: return "hosts.read";
    case Permission::kHostsWrite: return "hosts.write";
    case Permission::kHostsCommand: return "hosts.command";
    case Permission::kRemoteSupport: return "hosts.remote_support";
    case Permission::kTenantsRead: return "tenants.read";
    case Permission::kTenantsWrite: return "tenants.write";
    case Permission::kTokensRead: return "tokens.read";
    case Permission::kTokensWrite: return "tokens.write";
    case Permission::kUsersRead: return "users.read";
    case Permission::kUsersWrite: return "users.write";
    case Permission::kApiTokens: return "api_tokens";
    case Permission::kAuditRead: return "audit.read";
    case Permission::kAlertsRead: return "alerts.read";
    case Permission::kAlertsWrite: return "alerts.write";
    case Permission::kAlertRulesWrite: return "alert_rules.write";
    case Permission::kChannelsWrite: return "channels.write";
    case Permission::kScriptsWrite: return "scripts.write";
    case Permission::kUpdatesWrite: return "updates.write";
    case Permission::kBackupsWrite: return "backups.write";
    case Permission::kBackupsRestore: return "backups.restore";
  }
  return "unknown";
}

bool roleAllows(store::Role role, Permission p) {
  using store::Role;
  const bool admin = role == Role::kAdministrator;
  const bool technician = admin || role == Role::kTechnician;
  switch (p) {
    case Permission::kPublic:
    case Permission::kAuthenticated: return true;
    case Permission::kAgent:
      return false;  // never a human's
    // Everyone reads hosts and tenants; town-hall staff only their own tenant's (scope).
    case Permission::kHostsRead:
    case Permission::kTenantsRead: return true;
    case Permission::kRemoteSupport: return technician || role == Role::kHelpdesk;
    case Permission::kHostsWrite:
    case Permission::kHostsCommand:
    case Permission::kTokensRead:
    case Permission::kTokensWrite: return technician;
    case Permission::kApiTokens: return role != Role::kTownHallStaff;  // scripts: not staff
    case Permission::kTenantsWrite:
    case Permission::kUsersRead:
    case Permission::kUsersWrite:
    case Permission::kAuditRead:
    case Permission::kScriptsWrite: return admin;  // a library script runs as root on PCs
    case Permission::kUpdatesWrite: return admin;  // what every PC installs as root
    case Permission::kAlertsRead: return true;     // narrowed to the caller's tenants
    case Permission::kAlertsWrite: return technician || role == Role::kHelpdesk;
    case Permission::kAlertRulesWrite:
    case Permission::kChannelsWrite:
    case Permission::kBackupsWrite: return technician;
    // Restoring reads a town hall's files through the agent: not helpdesk, not staff.
    case Permission::kBackupsRestore: return technician;
  }
  return false;
}

}  // namespace parc::server::auth
