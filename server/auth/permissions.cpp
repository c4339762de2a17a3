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
    case Permission::kTenantsRead: return "tenants.read";
    case Permission::kTenantsWrite: return "tenants.write";
    case Permission::kTokensRead: return "tokens.read";
    case Permission::kTokensWrite: return "tokens.write";
    case Permission::kAuditRead: return "audit.read";
  }
  return "unknown";
}

bool roleAllows(store::Role role, Permission p) {
  using store::Role;
  switch (p) {
    case Permission::kPublic:
    case Permission::kAuthenticated: return true;
    case Permission::kAgent: return false;  // never a human's
    case Permission::kHostsRead:
    case Permission::kTenantsRead:
      return true;  // town-hall staff are narrowed to their tenant by the query scope
    case Permission::kTokensRead:
    case Permission::kTokensWrite:
    case Permission::kHostsWrite:
    case Permission::kHostsCommand:
      return role == Role::kAdministrator || role == Role::kTechnician;
    case Permission::kTenantsWrite:
    case Permission::kAuditRead: return role == Role::kAdministrator;
  }
  return false;
}

}  // namespace parc::server::auth
