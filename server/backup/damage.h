#pragma once
// Damage found by backup verification, kept per host it hurts, for the backup_damaged
// alert rule (docs/backups.md, "Verification"). A damaged pack is recorded once for
// every host whose snapshots reference chunks stored in it (host 0: no snapshot does);
// a damaged snapshot once for its host. Kept in the main database (migration 10) so
// an open alert is neither resolved nor forgotten by a restart, and in memory for the
// rules engine, which asks every few seconds.
//
// A verification pass replaces what the last one found: a pass starting marks every
// finding "unconfirmed", what it finds again is confirmed, and a complete pass drops
// what it did not find (the damaged snapshots were pruned, the pack was repaired).
// Until then an old finding stays: its alert is resolved only by a pass that proves
// the repository sound.
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "common/sqlite/database.h"

namespace parc::server::backup {

struct DamageFinding {
  std::int64_t tenantId = 0;
  std::string subject;  // "pack:<name>" or "snapshot:<id>"
  std::int64_t hostId = 0;
  std::string detail;          // French, for the alert: what is damaged and what it costs
  std::int64_t snapshots = 0;  // of this host's snapshots touched
  std::int64_t foundAt = 0;
};

class BackupDamage {
 public:
  /// Opens the main database (already migrated by SqliteStore).
  explicit BackupDamage(const std::filesystem::path& database);

  /// A pass starts for the tenant: its findings must be found again to stay.
  void beginPass(std::int64_t tenantId);
  /// Findings of a slice of the pass (replacing the same subject and host).
  void record(const std::vector<DamageFinding>& found);
  /// The pass is complete: what it did not find again is gone.
  void endPass(std::int64_t tenantId);

  /// The host's findings as the alert engine takes them: subject, detail, snapshots.
  std::vector<std::tuple<std::string, std::string, double>> forHost(std::int64_t hostId);
  std::vector<DamageFinding> forTenant(std::int64_t tenantId);

 private:
  void reload();  // mutex_ held

  std::mutex mutex_;
  sqlite::Database db_;
  std::map<std::int64_t, std::vector<DamageFinding>> byHost_;
};

}  // namespace parc::server::backup
