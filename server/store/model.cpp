#include "server/store/model.h"

#include "server/store/store.h"

namespace parc::server::store {

const char* roleName(Role role) {
  switch (role) {
    case Role::kAdministrator: return "administrator";
    case Role::kTechnician: return "technician";
    case Role::kHelpdesk: return "helpdesk";
    case Role::kReadOnly: return "read-only";
    case Role::kTownHallStaff: return "town-hall-staff";
  }
  return "read-only";
}

std::optional<Role> roleFromName(const std::string& name) {
  for (Role r : {Role::kAdministrator, Role::kTechnician, Role::kHelpdesk, Role::kReadOnly,
                 Role::kTownHallStaff}) {
    if (name == roleName(r)) return r;
  }
  return std::nullopt;
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
