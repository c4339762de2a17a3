#include "server/store/model.h"

#include <algorithm>

#include "server/store/store.h"

namespace parc::server::store {

const char* roleName(Role role) {
  switch (role) {
    case Role::kAdministrator: return "administrator";
    case Role::kTechnician: return "technician";
    case Role::kHelpdesk: return "helpdesk";
    case Role::kReadOnly: return "read_only";
    case Role::kTownHallStaff: return "town_hall_staff";
  }
  return "read_only";
}

std::optional<Role> roleFromName(const std::string& name) {
  for (Role r : kAllRoles) {
    if (name == roleName(r)) return r;
  }
  return std::nullopt;
}

bool TenantScope::allows(Id tenantId) const {
  return !tenants || std::find(tenants->begin(), tenants->end(), tenantId) != tenants->end();
}

TenantScope TenantScope::of(const User& user) {
  if (user.allTenants && user.role != Role::kTownHallStaff) return TenantScope{};
  return TenantScope{user.tenants};
}

const char* describe(TokenRefusal refusal) {
  switch (refusal) {
    case TokenRefusal::kNone: return "accepted";
    case TokenRefusal::kUnknown: return "unknown enrolment token";
    case TokenRefusal::kRevoked: return "enrolment token revoked";
    case TokenRefusal::kExpired: return "enrolment token expired";
    case TokenRefusal::kExhausted: return "enrolment token has no uses left";
  }
  return "refused";
}

}  // namespace parc::server::store
