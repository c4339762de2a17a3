#pragma once
// Backup policies (tenant + per-host overrides) and the server's backup maintenance
// state, in the main database (migration 8). Its own connection, as the remote
// sessions registry does: the Store interface stays about fleet data.
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/sqlite/database.h"
#include "server/store/model.h"

namespace parc::server::store {

struct StoredBackupPolicy {
  Id tenantId = 0;
  Id hostId = 0;       // 0: the tenant's policy
  std::string policy;  // normalised JSON (server/backup/policy.h)
  Time updatedAt = 0;
  std::optional<Time> enabledSince;  // when the document last went from disabled to enabled
  std::string updatedBy;
};

struct BackupMaintenanceState {
  std::optional<Time> lastRetentionAt, lastVerifyAt;
  std::string verifyCursor;  // the pack where the next verification resumes ("" = start)
};

class BackupPolicyStore {
 public:
  /// Opens the main database (already migrated by SqliteStore).
  explicit BackupPolicyStore(const std::filesystem::path& database);

  std::optional<StoredBackupPolicy> tenantPolicy(Id tenantId);
  std::optional<StoredBackupPolicy> hostPolicy(Id hostId);
  /// Every stored document (tenants' and overrides), for the server's daily jobs.
  std::vector<StoredBackupPolicy> all();
  /// Writes the tenant's (hostId 0) or a host's document. `enabled` says whether this
  /// document turns backups on; enabled_since is kept while it stays on.
  void put(Id tenantId, Id hostId, const std::string& policyJson, std::optional<bool> enabled,
           Time now, const std::string& by);
  /// Removes a host's override; false when it had none.
  bool removeHostPolicy(Id hostId);

  BackupMaintenanceState maintenance(Id tenantId);
  void setRetentionRun(Id tenantId, Time at);
  /// `at`: when the last complete verification ended (kept while one is in progress).
  void setVerifyState(Id tenantId, std::optional<Time> at, const std::string& cursor);

 private:
  std::mutex mutex_;
  sqlite::Database db_;
};

}  // namespace parc::server::store
