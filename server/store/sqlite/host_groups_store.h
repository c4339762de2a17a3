#pragma once
// Host groups: named sets of a tenant's hosts ("Postes de l'accueil", "Portables"), in the
// main database (migration 11). Alert-rule overrides may target a group; the rules
// engine merges default, tenant, group and host settings in that order
// (docs/health.md, "Overrides"). Its own connection, as BackupPolicyStore.
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/sqlite/database.h"
#include "server/store/model.h"

namespace parc::server::store {

struct HostGroup {
  Id id = 0;
  Id tenantId = 0;
  std::string name;
  Time createdAt = 0;
  std::vector<Id> hosts;  // members, by id
};

class HostGroupStore {
 public:
  /// Opens the main database (already migrated by SqliteStore).
  explicit HostGroupStore(const std::filesystem::path& database);

  /// kConflict when the tenant already has a group of that name.
  HostGroup create(Id tenantId, const std::string& name, Time now);
  std::optional<HostGroup> find(Id id);
  /// The groups of the scope's tenants, by tenant then name, with their members.
  std::vector<HostGroup> list(const TenantScope& scope);
  /// Removes the group and its memberships; false when there was no such group.
  bool remove(Id id);
  /// Replaces the host's groups (the caller checked they are of the host's tenant).
  void setHostGroups(Id hostId, const std::vector<Id>& groups);
  std::vector<Id> groupsOf(Id hostId);
  /// host → its groups, for every host in a group (the health loop's start).
  std::map<Id, std::vector<Id>> memberships();

 private:
  std::vector<Id> membersOf(Id groupId);

  std::mutex mutex_;
  sqlite::Database db_;
};

}  // namespace parc::server::store
