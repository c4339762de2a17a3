#include "server/backup/maintenance.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>
#include <map>

#include "common/error.h"
#include "common/json/json.h"
#include "common/thread/thread_name.h"
#include "server/backup/last_backups.h"
#include "server/backup/retention.h"

namespace parc::server::backup {

namespace {

void auditSystem(store::Store& store, store::Time now, const std::string& action,
                 store::Id tenantId, const std::string& result, const std::string& detail) {
  store::AuditEntry e;
  e.at = now;
  e.actor = "system";
  e.action = action;
  e.target = "tenant:" + std::to_string(tenantId);
  e.result = result;
  e.tenantId = tenantId;
  e.detail = detail;
  store.appendAudit(e);
}

std::string packProblem(const std::string& problem) {
  if (problem == "missing") return "manquant";
  if (problem == "corrupt") return "corrompu (son contenu ne correspond plus à son nom)";
  return "illisible (structure invalide)";
}

std::string snapshotProblem(const VerifyReport::BadSnapshot& bad) {
  if (bad.unreadable.empty())
    return std::to_string(bad.missingChunks) + " bloc(s) de données absent(s) du dépôt";
  return "illisible (" + bad.unreadable + ")";
}

// Host names for the alerts' texts, each read once per verification slice.
class HostNames {
 public:
  explicit HostNames(store::Store& store) : store_(store) {}
  const std::string& operator()(store::Id id) {
    auto it = names_.find(id);
    if (it != names_.end()) return it->second;
    auto host = id ? store_.findHost(id) : std::nullopt;
    return names_[id] = host ? host->hostname : "poste " + std::to_string(id);
  }

 private:
  store::Store& store_;
  std::map<store::Id, std::string> names_;
};

// What a damaged pack costs one host: its snapshots hit (the first five by date, newest
// first) and the chunks lost. The server cannot name files (manifests are encrypted);
// it says whether a snapshot's file list itself is hit.
std::string packLoss(std::vector<PackImpact>& hits, const std::string& hostName,
                     const std::string& timeZone) {
  if (hits.empty())
    return " ; aucune sauvegarde ne s'en sert (il sera supprimé au prochain nettoyage)";
  std::sort(hits.begin(), hits.end(),
            [](const auto& a, const auto& b) { return a.created > b.created; });
  std::size_t chunks = 0;
  bool manifest = false;
  for (const auto& h : hits) {
    chunks += h.chunks;
    manifest = manifest || h.manifest;
  }
  std::string d =
      " ; " + std::to_string(hits.size()) + " sauvegarde(s) de " + hostName + " touchée(s) :";
  for (std::size_t i = 0; i < hits.size() && i < 5; ++i)
    d += std::string(i ? "," : "") + " " + hits[i].snapshot + " du " +
         localDay(hits[i].created, timeZone) +
         (hits[i].manifest ? " (liste des fichiers atteinte : sauvegarde illisible)" : "");
  if (hits.size() > 5) d += " et " + std::to_string(hits.size() - 5) + " autre(s)";
  d += " ; " + std::to_string(chunks) + " bloc(s) de données perdu(s)";
  if (!manifest) d += ", fichiers touchés : connus seulement d'un poste qui a la clé";
  return d;
}

// The other hosts a damaged pack hurts, with how many of their snapshots.
std::string otherHosts(const std::map<store::Id, std::vector<PackImpact>>& perHost,
                       store::Id hostId, HostNames& nameOf) {
  std::string others;
  for (const auto& [otherId, otherHits] : perHost) {
    if (otherId == hostId || otherId == 0) continue;
    others += (others.empty() ? "" : ", ") + nameOf(otherId) + " (" +
              std::to_string(otherHits.size()) + ")";
  }
  return others.empty() ? others : " ; autres postes touchés : " + others;
}

}  // namespace

// One finding per damaged pack and host it hurts (host 0: none), one per damaged snapshot.
std::vector<DamageFinding> Maintenance::findings(store::Id tenantId, Repository& repo,
                                                 const VerifyReport& report, store::Time now) {
  std::vector<DamageFinding> out;
  HostNames nameOf(store_);
  std::vector<std::string> packs;
  for (const auto& [name, problem] : report.badPacks) packs.push_back(name);
  auto impact = repo.impactOf(packs);
  for (const auto& [name, problem] : report.badPacks) {
    std::map<store::Id, std::vector<PackImpact>> perHost;
    for (const auto& hit : impact[name]) perHost[hostIdOfLabel(hit.host)].push_back(hit);
    if (perHost.empty()) perHost[0];  // referenced by no snapshot: recorded, no host alerted
    for (auto& [hostId, hits] : perHost) {
      std::string d = "paquet " + name + " " + packProblem(problem) +
                      packLoss(hits, nameOf(hostId), settings_.timeZone) +
                      otherHosts(perHost, hostId, nameOf);
      out.push_back({tenantId, "pack:" + name, hostId, clipUtf8(d, 2000),
                     static_cast<std::int64_t>(hits.size()), now});
    }
  }
  if (report.badSnapshots.empty()) return out;
  std::map<std::string, SnapshotInfo> byId;
  for (auto& s : repo.listSnapshots()) byId[s.id] = s;
  for (const auto& bad : report.badSnapshots) {
    auto it = byId.find(bad.id);
    store::Id hostId = it == byId.end() ? 0 : hostIdOfLabel(it->second.host);
    std::string d = "sauvegarde " + bad.id +
                    (it == byId.end() ? std::string()
                                      : " du " + localDay(it->second.created, settings_.timeZone)) +
                    " de " + nameOf(hostId) + " inutilisable : " + snapshotProblem(bad);
    out.push_back({tenantId, "snapshot:" + bad.id, hostId, clipUtf8(d, 2000), 1, now});
  }
  return out;
}

Maintenance::Maintenance(store::Store& store, Repositories& repositories, Policies& policies,
                         MaintenanceSettings settings)
    : store_(store), repositories_(repositories), policies_(policies), settings_(settings) {
  checkTimeZone(settings_.timeZone);  // a wrong setting stops the server at start, clearly
}

Maintenance::~Maintenance() {
  stop();
}

void Maintenance::start() {
  thread_ = namedThread("backup-maint", [this] { loop(); });
}

void Maintenance::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Maintenance::loop() {
  auto wait = settings_.firstDelay;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (cv_.wait_for(lock, wait, [this] { return stopping_; })) return;
    }
    wait = settings_.tick;
    try {
      runDue(static_cast<store::Time>(std::time(nullptr)));
    } catch (const std::exception& e) {
      spdlog::error("backup maintenance failed: {}", e.what());
    }
  }
}

void Maintenance::runDue(store::Time now) {
  for (const auto& tenant : store_.listTenants()) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    auto state = policies_.store().maintenance(tenant.id);
    if (state.lastRetentionAt && now - *state.lastRetentionAt < settings_.retentionEvery.count())
      continue;
    try {
      auto run = applyRetention(tenant.id, now);
      // A postponed run is retried after retryAfter, not a whole day later.
      auto next = run.postponed
                      ? now - settings_.retentionEvery.count() + settings_.retryAfter.count()
                      : now;
      policies_.store().setRetentionRun(tenant.id, next);
    } catch (const Error& e) {
      spdlog::error("backup retention of tenant {} failed: {}", tenant.id, e.what());
      auditSystem(store_, now, "backup.retention", tenant.id, "failed", e.what());
      policies_.store().setRetentionRun(
          tenant.id, now - settings_.retentionEvery.count() + settings_.retryAfter.count());
    }
  }
  // One budget per tick for every tenant together: a pass in progress goes on, the
  // next due tenant gets what is left, and a tenant done is not due for a week.
  const auto deadline = std::chrono::steady_clock::now() + settings_.verifyBudget;
  for (const auto& tenant : store_.listTenants()) {
    auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline -
                                                                 std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto state = policies_.store().maintenance(tenant.id);
    bool inProgress = !state.verifyCursor.empty();
    bool due = !state.lastVerifyAt || now - *state.lastVerifyAt >= settings_.verifyEvery.count();
    if (!inProgress && !due) continue;
    try {
      verify(tenant.id, now, left);
    } catch (const Error& e) {
      spdlog::error("backup verification of tenant {} failed: {}", tenant.id, e.what());
    }
  }
}

VerifyRun Maintenance::verify(store::Id tenantId, store::Time now, std::chrono::seconds budget,
                              bool restart) {
  VerifyRun run;
  Repository* repo = repositories_.find(tenantId);
  if (!repo) {
    run.complete = true;
    return run;
  }
  auto state = policies_.store().maintenance(tenantId);
  std::string from = restart ? std::string() : state.verifyCursor;
  run.report = repo->verifySome(from, std::chrono::steady_clock::now() + budget, &run.next);
  run.complete = run.next.empty();
  if (damage_) {
    // A pass that starts over must find old damage again for its alert to stay open.
    if (from.empty()) damage_->beginPass(tenantId);
    damage_->record(findings(tenantId, *repo, run.report, now));
    if (run.complete) damage_->endPass(tenantId);
  }
  policies_.store().setVerifyState(tenantId, run.complete ? std::optional(now) : state.lastVerifyAt,
                                   run.next);
  const auto& r = run.report;
  std::string counts = std::to_string(r.packs) + " pack(s), " + std::to_string(r.blobs) +
                       " blob(s)" +
                       (run.complete ? ", " + std::to_string(r.snapshots) + " snapshot(s)" : "");
  if (!r.ok()) {
    std::string detail = std::to_string(r.problems.size()) + " problem(s) in " + counts + ": ";
    for (std::size_t i = 0; i < r.problems.size() && i < 10; ++i)
      detail += (i ? "; " : "") + r.problems[i];
    auditSystem(store_, now, "backup.verify", tenantId, "damaged", detail.substr(0, 4000));
    spdlog::error("backup repository of tenant {} is damaged: {}", tenantId, detail);
  } else if (run.complete) {
    auditSystem(store_, now, "backup.verify", tenantId, "ok", counts + " verified");
  }
  return run;
}

RetentionRun Maintenance::applyRetention(store::Id tenantId, store::Time now) {
  RetentionRun run;
  Repository* repo = repositories_.find(tenantId);
  if (!repo) return run;
  BackupPolicy tenantPolicy = policies_.tenantPolicy(tenantId);
  run.legalHold = tenantPolicy.legalHold;
  std::vector<std::string> forget;
  if (!run.legalHold) {
    std::map<std::string, std::vector<DatedSnapshot>> byHost;
    for (const auto& s : repo->listSnapshots()) byHost[s.host].push_back({s.id, s.created});
    for (auto& [label, snaps] : byHost) {
      ++run.hosts;
      // Each host by its own policy; a host that no longer exists by the tenant's.
      Retention r = tenantPolicy.retention;
      if (auto id = hostIdOfLabel(label)) {
        if (auto host = store_.findHost(id); host && host->tenantId == tenantId)
          r = policies_.effective(*host).retention;
      }
      auto decision = decideRetention(std::move(snaps), r, settings_.timeZone);
      run.snapshotsKept += decision.keep.size();
      forget.insert(forget.end(), decision.forget.begin(), decision.forget.end());
    }
  }
  try {
    run.prune = repo->prune(forget, settings_.grace);
    run.snapshotsForgotten = run.prune.snapshotsRemoved;
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kConflict) throw;
    run.postponed = true;  // a backup holds a lease: nothing was deleted
    auditSystem(store_, now, "backup.retention", tenantId, "postponed", e.what());
    spdlog::info("backup retention of tenant {} postponed: {}", tenantId, e.what());
    return run;
  }
  std::string detail = std::to_string(run.snapshotsForgotten) + " snapshot(s) forgotten, " +
                       std::to_string(run.snapshotsKept) + " kept, " +
                       std::to_string(run.prune.packsDeleted) + " pack(s) deleted, " +
                       std::to_string(run.prune.packsRepacked) + " repacked, " +
                       std::to_string(run.prune.uploadsRemoved) + " stale upload(s) removed, " +
                       std::to_string(run.prune.bytesFreed) + " bytes freed" +
                       (run.legalHold ? " (legal hold: nothing forgotten)" : "");
  auditSystem(store_, now, "backup.retention", tenantId, "ok", detail);
  spdlog::info("backup retention of tenant {}: {}", tenantId, detail);
  return run;
}

}  // namespace parc::server::backup
