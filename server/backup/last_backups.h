#pragma once
// When each host last backed up, for the backup_stale alert rule: the newest snapshot
// per host, read once per tenant from its repository then kept up to date by commits
// (no disk scan per rule evaluation). A host with backups on but none made yet counts
// from when its policy turned them on.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "server/backup/policies.h"
#include "server/backup/repositories.h"
#include "server/store/store.h"

namespace parc::server::backup {

class LastBackups {
 public:
  LastBackups(store::Store& store, Repositories& repositories, Policies& policies,
              std::chrono::seconds policyCache = std::chrono::seconds(60));

  /// The time the stale rule measures from, or nullopt (backups off, unknown host).
  std::optional<store::Time> lastBackup(store::Id hostId, store::Time now);
  /// A snapshot was committed for `host` ("host:<id>") at `created`.
  void committed(std::int64_t tenantId, const std::string& host, store::Time created);
  /// The newest snapshot of the host, if any (the rest of the server may ask too).
  std::optional<store::Time> newestSnapshot(store::Id hostId);

 private:
  struct HostState {
    store::Id tenantId = 0;
    std::optional<store::Time> enabledSince;
    store::Time checkedAt = 0;
    bool known = false;
  };
  void loadTenant(std::int64_t tenantId);  // mutex_ held

  store::Store& store_;
  Repositories& repositories_;
  Policies& policies_;
  std::chrono::seconds policyCache_;
  std::mutex mutex_;
  std::set<std::int64_t> loadedTenants_;
  std::map<store::Id, store::Time> newest_;
  std::map<store::Id, HostState> hosts_;
};

/// "host:42" → 42; 0 when the label is not a host's.
store::Id hostIdOfLabel(const std::string& label);

}  // namespace parc::server::backup
