#include "server/backup/damage.h"

namespace parc::server::backup {

BackupDamage::BackupDamage(const std::filesystem::path& database)
    : db_(sqlite::Database::open(database)) {
  std::lock_guard lock(mutex_);
  reload();
}

void BackupDamage::reload() {
  byHost_.clear();
  sqlite::Statement s(db_,
                      "SELECT tenant_id, subject, host_id, detail, snapshots, found_at "
                      "FROM backup_damage ORDER BY tenant_id, subject, host_id");
  while (s.step()) {
    DamageFinding f{s.int64(0), s.text(1), s.int64(2), s.text(3), s.int64(4), s.int64(5)};
    byHost_[f.hostId].push_back(std::move(f));
  }
}

void BackupDamage::beginPass(std::int64_t tenantId) {
  std::lock_guard lock(mutex_);
  sqlite::Statement(db_, "UPDATE backup_damage SET confirmed = 0 WHERE tenant_id = ?")
      .bind(1, tenantId)
      .run();
}

void BackupDamage::record(const std::vector<DamageFinding>& found) {
  if (found.empty()) return;
  std::lock_guard lock(mutex_);
  sqlite::Transaction tx(db_);
  sqlite::Statement put(db_,
                        "INSERT OR REPLACE INTO backup_damage (tenant_id, subject, host_id, "
                        "detail, snapshots, found_at, confirmed) VALUES (?, ?, ?, ?, ?, ?, 1)");
  for (const auto& f : found) {
    put.reset();
    put.bind(1, f.tenantId)
        .bind(2, f.subject)
        .bind(3, f.hostId)
        .bind(4, f.detail)
        .bind(5, f.snapshots)
        .bind(6, f.foundAt)
        .run();
  }
  tx.commit();
  reload();
}

void BackupDamage::endPass(std::int64_t tenantId) {
  std::lock_guard lock(mutex_);
  sqlite::Statement(db_, "DELETE FROM backup_damage WHERE tenant_id = ? AND confirmed = 0")
      .bind(1, tenantId)
      .run();
  reload();
}

std::vector<std::tuple<std::string, std::string, double>> BackupDamage::forHost(
    std::int64_t hostId) {
  std::lock_guard lock(mutex_);
  std::vector<std::tuple<std::string, std::string, double>> out;
  auto it = byHost_.find(hostId);
  if (hostId == 0 || it == byHost_.end()) return out;
  for (const auto& f : it->second) out.emplace_back(f.subject, f.detail, double(f.snapshots));
  return out;
}

std::vector<DamageFinding> BackupDamage::forTenant(std::int64_t tenantId) {
  std::lock_guard lock(mutex_);
  std::vector<DamageFinding> out;
  for (const auto& [host, list] : byHost_) {
    for (const auto& f : list) {
      if (f.tenantId == tenantId) out.push_back(f);
    }
  }
  return out;
}

}  // namespace parc::server::backup
