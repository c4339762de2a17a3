#pragma once
// The server's daily backup job, on its own clock: per tenant, forget the snapshots
// each host's policy no longer keeps (never under legal hold), then prune (packs no
// snapshot references, half-uploaded packs older than the grace period). Audited with
// counts and bytes freed. A tenant whose backup holds a lease is retried later.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "server/backup/damage.h"
#include "server/backup/policies.h"
#include "server/backup/repositories.h"
#include "server/store/store.h"

namespace parc::server::backup {

struct MaintenanceSettings {
  std::chrono::seconds retentionEvery = std::chrono::hours(24);
  std::chrono::seconds retryAfter = std::chrono::hours(1);  // after a refused prune
  std::chrono::seconds grace = std::chrono::hours(24);      // packs/uploads younger are kept
  std::chrono::seconds tick = std::chrono::minutes(10);     // how often the thread looks
  std::chrono::seconds firstDelay = std::chrono::minutes(5);
  std::chrono::seconds verifyEvery = std::chrono::hours(24 * 7);  // a full pass weekly
  std::chrono::seconds verifyBudget = std::chrono::minutes(2);    // per tick, all tenants
  /// Retention's calendar (days, weeks, months, years): the town halls' zone.
  std::string timeZone = "Europe/Paris";
};

struct VerifyRun {
  VerifyReport report;
  bool complete = false;  // every pack checked (this slice finished the pass)
  std::string next;       // where the next slice resumes
};

struct RetentionRun {
  std::size_t hosts = 0, snapshotsForgotten = 0, snapshotsKept = 0;
  bool legalHold = false, postponed = false;
  PruneReport prune;
};

class Maintenance {
 public:
  Maintenance(store::Store& store, Repositories& repositories, Policies& policies,
              MaintenanceSettings settings = {});
  ~Maintenance();

  /// Starts the background thread (not started by the constructor: tests call runDue).
  void start();
  void stop();
  /// Where verification records damage for alerts (optional; set before start()).
  void setDamage(BackupDamage* damage) { damage_ = damage; }

  /// One tenant, now: forget per policy, prune. Throws only for a damaged repository;
  /// a backup holding a lease makes it `postponed`.
  RetentionRun applyRetention(store::Id tenantId, store::Time now);
  /// One slice of the tenant's verification (re-hash of packs against their names,
  /// snapshots' references), bounded by `budget`, resuming where the last one stopped
  /// (or from the first pack with `restart`). Problems are audited as "damaged".
  VerifyRun verify(store::Id tenantId, store::Time now, std::chrono::seconds budget,
                   bool restart = false);
  /// Every tenant whose last run is older than retentionEvery, then verification
  /// slices for tenants whose pass is due or in progress.
  void runDue(store::Time now);

 private:
  void loop();
  std::vector<DamageFinding> findings(store::Id tenantId, Repository& repo,
                                      const VerifyReport& report, store::Time now);

  store::Store& store_;
  Repositories& repositories_;
  Policies& policies_;
  MaintenanceSettings settings_;
  BackupDamage* damage_ = nullptr;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace parc::server::backup
