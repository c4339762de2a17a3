#pragma once
// What the server runs for backups beside the repositories: policies, the newest
// backup per host (for stale-backup alerts), the daily retention job. One object so
// the application wires it with a couple of lines.
#include <ctime>
#include <filesystem>
#include <functional>
#include <optional>

#include "server/backup/damage.h"
#include "server/backup/last_backups.h"
#include "server/backup/maintenance.h"
#include "server/backup/policies.h"
#include "server/backup/repositories.h"
#include "server/store/sqlite/backup_policies_store.h"

namespace parc::server::backup {

class BackupService {
 public:
  /// `database`: the main database (parc.db), already migrated. Starts the daily job.
  BackupService(store::Store& store, Repositories& repositories,
                const std::filesystem::path& database, MaintenanceSettings settings = {})
      : policyStore_(database),
        damage_(database),
        policies_(policyStore_),
        lastBackups_(store, repositories, policies_),
        maintenance_(store, repositories, policies_, settings) {
    repositories.setCommitListener(
        [this](std::int64_t tenant, const std::string& host, std::int64_t created) {
          lastBackups_.committed(tenant, host, created);
        });
    maintenance_.setDamage(&damage_);
    maintenance_.start();
  }

  Policies& policies() { return policies_; }
  LastBackups& lastBackups() { return lastBackups_; }
  Maintenance& maintenance() { return maintenance_; }
  BackupDamage& damage() { return damage_; }

  /// For alerts::Engine::setLastBackup.
  std::function<std::optional<store::Time>(store::Id)> lastBackupFn() {
    return [this](store::Id host) {
      return lastBackups_.lastBackup(host, static_cast<store::Time>(std::time(nullptr)));
    };
  }
  /// For alerts::Engine::setBackupDamage.
  std::function<std::vector<std::tuple<std::string, std::string, double>>(store::Id)> damageFn() {
    return [this](store::Id host) { return damage_.forHost(host); };
  }

 private:
  store::BackupPolicyStore policyStore_;
  BackupDamage damage_;
  Policies policies_;
  LastBackups lastBackups_;
  Maintenance maintenance_;
};

}  // namespace parc::server::backup
