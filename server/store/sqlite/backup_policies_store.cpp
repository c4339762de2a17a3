#include "server/store/sqlite/backup_policies_store.h"

namespace parc::server::store {

namespace {

constexpr const char* kColumns =
    "SELECT tenant_id, host_id, policy, updated_at, enabled_since, updated_by "
    "FROM backup_policies ";

StoredBackupPolicy row(const sqlite::Statement& s) {
  return StoredBackupPolicy{s.int64(0), s.int64(1),    s.text(2),
                            s.int64(3), s.optInt64(4), s.text(5)};
}

}  // namespace

BackupPolicyStore::BackupPolicyStore(const std::filesystem::path& database)
    : db_(sqlite::Database::open(database)) {}

std::optional<StoredBackupPolicy> BackupPolicyStore::tenantPolicy(Id tenantId) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_, std::string(kColumns) + "WHERE tenant_id = ? AND host_id = 0");
  s.bind(1, tenantId);
  if (!s.step()) return std::nullopt;
  return row(s);
}

std::optional<StoredBackupPolicy> BackupPolicyStore::hostPolicy(Id hostId) {
  if (hostId == 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_, std::string(kColumns) + "WHERE host_id = ?");
  s.bind(1, hostId);
  if (!s.step()) return std::nullopt;
  return row(s);
}

std::vector<StoredBackupPolicy> BackupPolicyStore::all() {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_, std::string(kColumns) + "ORDER BY tenant_id, host_id");
  std::vector<StoredBackupPolicy> out;
  while (s.step()) out.push_back(row(s));
  return out;
}

void BackupPolicyStore::put(Id tenantId, Id hostId, const std::string& policyJson,
                            std::optional<bool> enabled, Time now, const std::string& by) {
  std::lock_guard lock(mutex_);
  sqlite::Transaction tx(db_);
  std::optional<Time> since;
  {
    sqlite::Statement s(db_,
                        "SELECT enabled_since FROM backup_policies "
                        "WHERE tenant_id = ? AND host_id = ?");
    s.bind(1, tenantId).bind(2, hostId);
    if (s.step()) {
      since = s.optInt64(0);
    }
  }
  // Stale-backup alerts count from the moment backups were switched on, not from
  // every later edit of the folders.
  if (enabled.value_or(false)) {
    if (!since) since = now;
  } else {
    since.reset();
  }
  sqlite::Statement s(db_,
                      "INSERT INTO backup_policies "
                      "(tenant_id, host_id, policy, updated_at, enabled_since, updated_by) "
                      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(tenant_id, host_id) DO UPDATE SET "
                      "policy = excluded.policy, updated_at = excluded.updated_at, "
                      "enabled_since = excluded.enabled_since, updated_by = excluded.updated_by");
  s.bind(1, tenantId).bind(2, hostId).bind(3, policyJson).bind(4, now).bind(5, since).bind(6, by);
  s.run();
  tx.commit();
}

bool BackupPolicyStore::removeHostPolicy(Id hostId) {
  if (hostId == 0) return false;
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_, "DELETE FROM backup_policies WHERE host_id = ?");
  s.bind(1, hostId);
  s.run();
  return db_.changes() > 0;
}

BackupMaintenanceState BackupPolicyStore::maintenance(Id tenantId) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_,
                      "SELECT last_retention_at, last_verify_at, verify_cursor "
                      "FROM backup_maintenance WHERE tenant_id = ?");
  s.bind(1, tenantId);
  BackupMaintenanceState out;
  if (s.step()) {
    out.lastRetentionAt = s.optInt64(0);
    out.lastVerifyAt = s.optInt64(1);
    out.verifyCursor = s.text(2);
  }
  return out;
}

void BackupPolicyStore::setRetentionRun(Id tenantId, Time at) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_,
                      "INSERT INTO backup_maintenance (tenant_id, last_retention_at) VALUES (?, ?) "
                      "ON CONFLICT(tenant_id) DO UPDATE SET "
                      "last_retention_at = excluded.last_retention_at");
  s.bind(1, tenantId).bind(2, at);
  s.run();
}

void BackupPolicyStore::setVerifyState(Id tenantId, std::optional<Time> at,
                                       const std::string& cursor) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_,
                      "INSERT INTO backup_maintenance (tenant_id, last_verify_at, verify_cursor) "
                      "VALUES (?, ?, ?) ON CONFLICT(tenant_id) DO UPDATE SET "
                      "last_verify_at = excluded.last_verify_at, "
                      "verify_cursor = excluded.verify_cursor");
  s.bind(1, tenantId).bind(2, at).bind(3, cursor);
  s.run();
}

}  // namespace parc::server::store
