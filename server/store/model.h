#pragma once
// The rows the server keeps, as plain structs. Times are Unix seconds (UTC).
#include <cstdint>
#include <optional>
#include <string>

#include "common/json/json.h"

namespace parc::server::store {

using Id = std::int64_t;
using Time = std::int64_t;

struct Tenant {
  Id id = 0;
  std::string name;
  std::string inseeCode;  // the commune's INSEE code (5 characters, e.g. "12202")
  Time createdAt = 0;
};

struct EnrollmentToken {
  Id id = 0;
  Id tenantId = 0;
  std::string prefix;  // first characters of the secret, to recognise it in lists
  std::string description;
  Time createdAt = 0;
  Time expiresAt = 0;
  int maxUses = 1;
  int uses = 0;
  bool revoked = false;
  std::string createdBy;
};

struct Host {
  Id id = 0;
  Id tenantId = 0;
  std::string uid;  // the certificate's common name
  std::string hostname;
  std::string deviceId;
  std::string certFingerprint;
  std::string certSerial;
  Time certNotAfter = 0;
  Time enrolledAt = 0;
  std::optional<Time> lastSeen;
  std::optional<Time> inventoryAt;
  std::string inventoryHash;
  std::string osName;    // summary columns for lists, from the last inventory
  std::string hardware;  // "vendor model"
  std::string serial;
  bool revoked = false;
  bool online = false;  // as last written by the control hub
  std::optional<Time> offlineSince;
  std::string agentVersion;
};

enum class Role { kAdministrator, kTechnician, kHelpdesk, kReadOnly, kTownHallStaff };

struct User {
  Id id = 0;
  std::string username;
  std::string passwordHash;
  Role role = Role::kReadOnly;
  Time createdAt = 0;
};

struct Session {
  std::string tokenHash;
  Id userId = 0;
  Time createdAt = 0;
  Time lastUsedAt = 0;
  Time expiresAt = 0;
};

struct AuditEntry {
  Id id = 0;
  Time at = 0;
  std::string actor;   // "user:admin", "host:<uid>", "system"
  std::string action;  // "tenant.create", "token.revoke", "agent.enroll", "login.failure", ...
  std::string target;
  std::string source;  // remote address
  std::string result;  // "ok" or the reason of a refusal
};

/// One entry of a host's inventory history (server/inventory/diff.h's Change, stored).
struct InventoryChangeRow {
  Id id = 0;
  Id hostId = 0;
  Time at = 0;  // when the inventory that showed it was received
  std::string section;
  std::string kind;  // "added", "removed", "changed"
  std::string item;
  std::string field;
  std::string before;
  std::string after;
  std::string summary;
};

const char* roleName(Role role);
std::optional<Role> roleFromName(const std::string& name);

}  // namespace parc::server::store
