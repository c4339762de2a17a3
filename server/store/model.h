#pragma once
// The rows the server keeps, as plain structs. Times are Unix seconds (UTC).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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
  // The certificate replaced by the last renewal, still accepted until the agent first
  // uses the new one (renewal overlap); empty when none.
  std::string previousFingerprint;
  Time previousNotAfter = 0;
  // Set at enrolment when another host of the tenant has the same device id: a
  // re-installed PC, merged into that host only when a technician approves.
  std::optional<Id> matchHostId;
  bool online = false;  // as last written by the control hub
  std::optional<Time> offlineSince;
  std::string agentVersion;
  // The hardware this host's inventories come from (canonical JSON of
  // protocol::HardwareFingerprint; "" until the first inventory). Another machine
  // reporting with the same identity is a clone: kept aside, never merged.
  std::string hardwareFingerprint{};
  bool cloneSuspected = false;
};

/// An inventory kept aside because it came from other hardware than the host's
/// (docs/inventory.md, "Cloned PCs").
struct CloneReport {
  Id id = 0;
  Id hostId = 0;
  std::string messageId;  // of the latest report
  Time firstAt = 0;
  Time receivedAt = 0;  // of the latest report
  std::int64_t reports = 1;
  std::string source;     // the reporting address
  std::string recorded;   // the host's fingerprint then (JSON)
  std::string current;    // the reporting machine's (JSON)
  std::string agentFlag;  // the agent's own "clone_suspected" when it sent one (JSON)
  std::string reason;     // "UUID … ≠ …"
  std::string document;   // the inventory (or delta) as received
  std::optional<Time> resolvedAt;
  std::string resolution;  // "accepted" when a technician accepted this hardware
};

enum class Role { kAdministrator, kTechnician, kHelpdesk, kReadOnly, kTownHallStaff };
inline constexpr Role kAllRoles[] = {Role::kAdministrator, Role::kTechnician, Role::kHelpdesk,
                                     Role::kReadOnly, Role::kTownHallStaff};

struct User {
  Id id = 0;
  std::string username;
  std::string passwordHash;
  Role role = Role::kReadOnly;
  Time createdAt = 0;
  // Tenant scope: all tenants, or only `tenants` (always the latter for town-hall staff).
  bool allTenants = true;
  std::vector<Id> tenants;
  bool disabled = false;
  std::string totpSecret;         // base32; empty when the second factor is off
  std::string totpPending;        // a secret offered but not yet confirmed with a code
  std::int64_t totpLastStep = 0;  // the last accepted TOTP step: each code works once
};

/// Which tenants a caller may see. Every listing and detail route filters with it.
struct TenantScope {
  std::optional<std::vector<Id>> tenants;  // nullopt: every tenant

  bool allows(Id tenantId) const;
  bool all() const { return !tenants.has_value(); }
  static TenantScope of(const User& user);
};

/// A bearer token for scripts and integrations, acting for its user with at most `role`.
struct ApiToken {
  Id id = 0;
  Id userId = 0;
  std::string name;
  std::string prefix;  // first characters of the secret, to recognise it in lists
  Role role = Role::kReadOnly;
  Time createdAt = 0;
  Time expiresAt = 0;
  std::optional<Time> lastUsedAt;
  bool revoked = false;
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
  std::string source;          // remote address
  std::string result;          // "ok" or the reason of a refusal
  std::optional<Id> tenantId;  // the tenant concerned, for scoped readers
  std::string detail;          // free text (never a secret)
  std::string hash;            // the record's link in the hash chain (set by the store)
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
