// Browse and restore backups from the console, and the tenant's backup overview.
// The server cannot decrypt a snapshot: browsing is the `backup.browse` command run by
// the host itself, a restore is `backup.restore` run by the PC that receives the files
// (any PC of the tenant: they share the tenant key). Restores are recorded here
// (migration 9) and their progress is asked from the agent while they run.
#include "server/api/backup_console_routes.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <mutex>
#include <unordered_map>

#include "common/backup/manifest.h"
#include "common/error.h"
#include "common/sqlite/database.h"
#include "server/api/route_helpers.h"
#include "server/backup/repositories.h"

namespace parc::server::api {

namespace {

using auth::Permission;

constexpr std::int64_t kStaleSeconds = 48 * 3600;  // a PC not backed up for 2 days
constexpr std::size_t kMaxPaths = 1000;
constexpr std::size_t kMaxPathBytes = 4096;
constexpr auto kBrowseTimeout = std::chrono::seconds(60);
constexpr auto kRestoreTimeout = std::chrono::seconds(30);
constexpr auto kStatusTimeout = std::chrono::seconds(5);

// The restores table, on a connection of its own to the main database (WAL: the store
// and this connection write one at a time).
class RestoreLog {
 public:
  explicit RestoreLog(const std::filesystem::path& file) : db_(sqlite::Database::open(file)) {}

  store::Id add(const store::Host& source, const store::Host& target, const std::string& snapshot,
                const Json& paths, const std::string& destination, const std::string& by,
                store::Time at) {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(db_,
                        "INSERT INTO backup_restores (tenant_id, source_host_id, target_host_id, "
                        "snapshot, paths, destination, requested_by, requested_at, state) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'sending')");
    s.bind(1, source.tenantId).bind(2, source.id).bind(3, target.id).bind(4, snapshot);
    s.bind(5, paths.dump()).bind(6, destination).bind(7, by).bind(8, at);
    s.run();
    return db_.lastInsertId();
  }

  void update(store::Id id, const std::string& state, const std::string& agentId,
              const Json& progress, std::optional<store::Time> finishedAt) {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(db_,
                        "UPDATE backup_restores SET state = ?, agent_restore_id = CASE WHEN ? = '' "
                        "THEN agent_restore_id ELSE ? END, progress = ?, finished_at = ? "
                        "WHERE id = ?");
    s.bind(1, state).bind(2, agentId).bind(3, agentId).bind(4, progress.dump());
    s.bind(5, finishedAt).bind(6, id);
    s.run();
  }

  struct Row {
    store::Id id = 0, sourceHostId = 0, targetHostId = 0;
    std::string snapshot, destination, agentRestoreId, requestedBy, state;
    Json paths, progress;
    store::Time requestedAt = 0;
    std::optional<store::Time> finishedAt;
  };

  std::vector<Row> forHost(store::Id hostId, int limit) {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(
        db_,
        "SELECT id, source_host_id, target_host_id, snapshot, paths, destination, "
        "agent_restore_id, requested_by, requested_at, finished_at, state, progress "
        "FROM backup_restores WHERE source_host_id = ? OR target_host_id = ? "
        "ORDER BY id DESC LIMIT ?");
    s.bind(1, hostId).bind(2, hostId).bind(3, limit);
    std::vector<Row> rows;
    while (s.step()) {
      Row r;
      r.id = s.int64(0);
      r.sourceHostId = s.int64(1);
      r.targetHostId = s.int64(2);
      r.snapshot = s.text(3);
      r.paths = parseJson(s.text(4));
      r.destination = s.text(5);
      r.agentRestoreId = s.text(6);
      r.requestedBy = s.text(7);
      r.requestedAt = s.int64(8);
      r.finishedAt = s.optInt64(9);
      r.state = s.text(10);
      r.progress = parseJson(s.text(11));
      rows.push_back(std::move(r));
    }
    return rows;
  }

 private:
  std::mutex mutex_;
  sqlite::Database db_;
};

struct BackupConsole {
  explicit BackupConsole(Services& services) : s(services) {}
  Services& s;
  std::once_flag opened;
  std::unique_ptr<RestoreLog> restores;

  RestoreLog& log() {
    std::call_once(
        opened, [this] { restores = std::make_unique<RestoreLog>(s.config.dataDir / "parc.db"); });
    return *restores;
  }
};

bool isSnapshotId(const std::string& s) {
  return s.size() == 16 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string hostLabel(store::Id id) {
  return "host:" + std::to_string(id);
}

std::optional<store::Id> hostIdOf(const std::string& label) {
  if (label.rfind("host:", 0) != 0) return std::nullopt;
  store::Id id = 0;
  auto text = std::string_view(label).substr(5);
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return id;
}

// The snapshot of this host in its tenant's repository; 404 otherwise, as for an id
// that does not exist (another tenant's or another host's id reveals nothing).
void requireSnapshot(Services& s, const store::Host& host, const std::string& id) {
  auto* repo = s.backups ? s.backups->find(host.tenantId) : nullptr;
  if (!repo || !isSnapshotId(id)) throw Error(ErrorKind::kNotFound, "no such snapshot");
  auto all = repo->listSnapshots();
  if (std::none_of(all.begin(), all.end(),
                   [&](const auto& sn) { return sn.id == id && sn.host == hostLabel(host.id); }))
    throw Error(ErrorKind::kNotFound, "no such snapshot");
}

void requireOnline(Services& s, const store::Host& host) {
  auto p = s.hub.presence(host.id);
  if (!p || !p->online)
    throw Error(ErrorKind::kConflict, "poste hors ligne : " + host.hostname +
                                          " doit être allumé et connecté pour cette opération");
}

// The agent's reply to a command, or a clear error with its reason.
Json callAgent(Services& s, const store::Host& host, const std::string& command,
               const Json& payload, std::chrono::seconds timeout) {
  protocol::Reply reply = s.hub.call(host.id, command, payload, timeout);
  if (reply.status == "ok") return reply.result;
  if (reply.status == "refused" && reply.error.rfind("unknown command", 0) == 0)
    throw Error(ErrorKind::kConflict,
                "l'agent de " + host.hostname + " est trop ancien pour cette opération");
  throw Error(ErrorKind::kConflict,
              "le poste " + host.hostname + " a refusé : " + reply.error.substr(0, 500));
}

// GET /api/v1/hosts/{id}/backups/{snapshot}/tree?path=&offset=&limit=
net::Response browse(Context& ctx, BackupConsole& b) {
  store::Host host = scopedHost(b.s, ctx, ctx.id("id"));
  std::string snapshot = ctx.params.at("snapshot");
  requireSnapshot(b.s, host, snapshot);
  std::string path = ctx.request.query("path");
  if (path.size() > kMaxPathBytes) throw Error(ErrorKind::kBadRequest, "path too long");
  Json payload{{"snapshot", snapshot},
               {"path", path},
               {"offset", queryInt(ctx, "offset", 0, 0, 10'000'000)},
               {"limit", queryInt(ctx, "limit", 200, 1, 1000)}};
  requireOnline(b.s, host);
  return jsonResponse(200, callAgent(b.s, host, "backup.browse", payload, kBrowseTimeout));
}

Json rowJson(const RestoreLog::Row& r) {
  return Json{{"id", r.id},
              {"source_host_id", r.sourceHostId},
              {"target_host_id", r.targetHostId},
              {"snapshot", r.snapshot},
              {"paths", r.paths},
              {"destination", r.destination},
              {"restore_id", r.agentRestoreId},
              {"requested_by", r.requestedBy},
              {"requested_at", r.requestedAt},
              {"finished_at", r.finishedAt ? Json(*r.finishedAt) : Json(nullptr)},
              {"state", r.state},
              {"progress", r.progress}};
}

// POST /api/v1/hosts/{id}/backups/{snapshot}/restore
//   {"paths": [...], "target_host_id"?: id, "destination": "original"|"default"|"/folder"}
net::Response restore(Context& ctx, BackupConsole& b) {
  store::Host source = scopedHost(b.s, ctx, ctx.id("id"));
  std::string snapshot = ctx.params.at("snapshot");
  requireSnapshot(b.s, source, snapshot);
  Json body = bodyObject(ctx);
  store::Host target = source;
  if (auto t = body.find("target_host_id"); t != body.end() && !t->is_null()) {
    if (!t->is_number_integer())
      throw Error(ErrorKind::kBadRequest, "target_host_id must be an id");
    target = scopedHost(b.s, ctx, t->get<store::Id>());
    // Only a PC of the same tenant holds the key; another tenant's is "no such host".
    if (target.tenantId != source.tenantId || target.revoked)
      throw Error(ErrorKind::kNotFound, "no such host");
  }
  auto paths = body.find("paths");
  if (paths == body.end() || !paths->is_array() || paths->empty() || paths->size() > kMaxPaths)
    throw Error(ErrorKind::kBadRequest, "field 'paths' must list 1 to 1000 files or folders");
  for (const auto& p : *paths) {
    if (!p.is_string() || p.get_ref<const std::string&>().empty() ||
        p.get_ref<const std::string&>().size() > kMaxPathBytes)
      throw Error(ErrorKind::kBadRequest, "field 'paths' must hold non-empty paths");
  }
  std::string destination = "default";
  if (auto d = body.find("destination"); d != body.end() && !d->is_null()) {
    if (!d->is_string() || d->get_ref<const std::string&>().size() > kMaxPathBytes)
      throw Error(ErrorKind::kBadRequest, "field 'destination' must be text");
    destination = d->get<std::string>();
  }
  if (destination.empty()) destination = "default";
  if (destination != "original" && destination != "default" && destination.front() != '/')
    throw Error(ErrorKind::kBadRequest,
                "field 'destination' must be \"original\", \"default\" or an absolute folder");
  requireOnline(b.s, target);

  auto& log = b.log();
  store::Id id =
      log.add(source, target, snapshot, *paths, destination, ctx.caller.describe(), ctx.now);
  Json detail{{"restore", id},
              {"source_host_id", source.id},
              {"snapshot", snapshot},
              {"paths", *paths},
              {"destination", destination}};
  std::string auditTarget = "host:" + std::to_string(target.id) + " (" + target.hostname + ")";
  Json result;
  try {
    result =
        callAgent(b.s, target, "backup.restore",
                  Json{{"snapshot", snapshot}, {"paths", *paths}, {"destination", destination}},
                  kRestoreTimeout);
  } catch (const Error& e) {
    log.update(id, "failed", "", Json{{"error", e.what()}}, ctx.now);
    detail["error"] = std::string(e.what()).substr(0, 500);
    audit(b.s, ctx, "backup.restore", auditTarget, target.tenantId, "refused", detail.dump());
    throw;
  }
  std::string agentId = result.value("restore_id", "");
  log.update(id, "running", agentId, result, std::nullopt);
  audit(b.s, ctx, "backup.restore", auditTarget, target.tenantId, "ok", detail.dump());
  return jsonResponse(202, Json{{"id", id},
                                {"restore_id", agentId},
                                {"state", "running"},
                                {"target_host_id", target.id},
                                {"destination", result.value("destination", destination)}});
}

// Restores survive a server restart and an agent that goes away (docs/backups.md,
// "Restores that outlive the server or the agent"): every row that is not finished is
// settled from its agent when listed, and a state the server cannot know is shown as
// interrupted with the reason, never as running forever.
constexpr std::int64_t kSendingGrace = 90;  // the request is answered or failed by then
const char* const kServerRestarted =
    "le serveur a redémarré avant la réponse du poste : la restauration n'a pas été lancée, "
    "relancez-la";
const char* const kAgentRestarted =
    "l'agent du poste a redémarré pendant la restauration : elle est incomplète (les fichiers "
    "déjà écrits restent en place), relancez-la";
const char* const kAgentOffline =
    "poste hors ligne : la restauration a pu continuer sans le serveur ; son état sera "
    "redemandé au poste à son retour";
const char* const kSentWhileOffline =
    "le serveur a redémarré pendant l'envoi de la demande et le poste est hors ligne : état "
    "inconnu, redemandé au poste à son retour";

// The agent's answer to backup.restore_status, or nullopt when it cannot be asked now.
std::optional<Json> askStatus(Services& s, store::Id host, const Json& payload) {
  try {
    auto reply = s.hub.call(host, "backup.restore_status", payload, kStatusTimeout);
    if (reply.status != "ok" || !reply.result.is_object()) return std::nullopt;
    return reply.result;
  } catch (const Error&) {
    return std::nullopt;  // offline or slow right now: asked again next time
  }
}

void settle(RestoreLog& log, RestoreLog::Row& r, const Json& status, store::Time now) {
  std::string state = status.value("state", "");
  std::string agentId = status.value("restore_id", "");
  r.progress = status;
  if (!agentId.empty()) r.agentRestoreId = agentId;
  if (state.empty() || state == "running") {
    r.state = "running";
    r.finishedAt.reset();
  } else {
    r.state = state;
    r.finishedAt = now;
  }
  log.update(r.id, r.state, agentId, r.progress, r.finishedAt);
}

void interrupt(RestoreLog& log, RestoreLog::Row& r, const std::string& reason, bool recheck,
               store::Time now) {
  Json p = r.progress.is_object() ? r.progress : Json::object();
  p["error"] = reason;
  p["recheck"] = recheck;  // asked again when the agent is back
  r.state = "interrupted";
  r.progress = p;
  r.finishedAt = recheck ? std::nullopt : std::optional(now);
  log.update(r.id, r.state, "", r.progress, r.finishedAt);
}

// A request whose answer the server never recorded: the agent's restore started within
// the grace period with the same snapshot, number of paths and destination, if any.
std::optional<Json> adopt(const RestoreLog::Row& r, const Json& all) {
  if (!all.contains("items") || !all["items"].is_array()) return std::nullopt;
  for (const auto& j : all["items"]) {
    if (!j.is_object() || j.value("snapshot", "") != r.snapshot) continue;
    if (j.value("paths", std::size_t(0)) != r.paths.size()) continue;
    auto started = j.value("started_at", std::int64_t(0));
    if (started < r.requestedAt - 5 || started > r.requestedAt + kSendingGrace) continue;
    std::string dest = j.value("destination", "");
    if (r.destination == "original" ? dest != "/"
                                    : r.destination != "default" && dest != r.destination)
      continue;
    return j;
  }
  return std::nullopt;
}

void reconcile(BackupConsole& b, RestoreLog::Row& r, store::Time now) {
  bool recheck =
      r.state == "interrupted" && r.progress.is_object() && r.progress.value("recheck", false);
  if (r.state != "running" && r.state != "sending" && !recheck) return;
  if (r.state == "sending" && now - r.requestedAt < kSendingGrace) return;  // in flight
  auto& log = b.log();
  auto presence = b.s.hub.presence(r.targetHostId);
  if (!presence || !presence->online) {
    if (r.state == "interrupted") return;  // already said why
    interrupt(log, r, r.state == "sending" ? kSentWhileOffline : kAgentOffline, true, now);
    return;
  }
  if (r.agentRestoreId.empty()) {
    auto all = askStatus(b.s, r.targetHostId, Json::object());
    if (!all) return;
    if (auto found = adopt(r, *all)) {
      settle(log, r, *found, now);
    } else {
      interrupt(log, r, kServerRestarted, false, now);
    }
    return;
  }
  auto status = askStatus(b.s, r.targetHostId, Json{{"restore_id", r.agentRestoreId}});
  if (!status) return;
  if (status->value("state", "") == "unknown") {
    interrupt(log, r, kAgentRestarted, false, now);  // the agent forgot it: it restarted
  } else {
    settle(log, r, *status, now);
  }
}

// GET /api/v1/hosts/{id}/restores: restores from or onto this host, newest first; those
// not finished are settled from their agent first.
net::Response listRestores(Context& ctx, BackupConsole& b) {
  store::Host host = scopedHost(b.s, ctx, ctx.id("id"));
  int limit = static_cast<int>(queryInt(ctx, "limit", 20, 1, 200));
  auto rows = b.log().forHost(host.id, limit);
  for (auto& r : rows) reconcile(b, r, ctx.now);
  Json items = Json::array();
  for (const auto& r : rows) items.push_back(rowJson(r));
  return jsonResponse(200, Json{{"items", items}, {"count", items.size()}});
}

// GET /api/v1/tenants/{id}/backups: per host, the last snapshot, how many, the space
// its snapshots reference (chunks shared between hosts count for each of them), a stale
// flag; and the repository's totals (each chunk once).
net::Response tenantBackups(Context& ctx, BackupConsole& b) {
  store::Tenant tenant = scopedTenant(b.s, ctx, ctx.id("id"));
  struct PerHost {
    std::int64_t last = 0;
    std::size_t count = 0;
    std::vector<parc::backup::ChunkId> refs;
  };
  std::unordered_map<store::Id, PerHost> per;
  Json usage = nullptr;
  auto* repo = b.s.backups ? b.s.backups->find(tenant.id) : nullptr;
  std::unordered_map<store::Id, std::pair<std::uint64_t, std::uint64_t>> sizes;
  if (repo) {
    for (const auto& sn : repo->listSnapshots()) {
      auto hostId = hostIdOf(sn.host);
      if (!hostId) continue;
      auto& h = per[*hostId];
      h.last = std::max(h.last, sn.created);
      ++h.count;
      auto obj = parc::backup::decodeSnapshot(repo->readSnapshot(sn.id));
      h.refs.insert(h.refs.end(), obj.refs.begin(), obj.refs.end());
    }
    for (auto& [hostId, h] : per) {
      std::sort(h.refs.begin(), h.refs.end());
      h.refs.erase(std::unique(h.refs.begin(), h.refs.end()), h.refs.end());
      std::uint64_t plain = 0, stored = 0;
      for (const auto& id : h.refs) {
        if (auto loc = repo->locate(id)) {
          plain += loc->header.plainLen;
          stored += loc->header.storedLen;
        }
      }
      sizes[hostId] = {plain, stored};
      h.refs.clear();
      h.refs.shrink_to_fit();
    }
    auto u = repo->usage();
    usage = Json{
        {"packs", u.packs}, {"chunks", u.chunks}, {"snapshots", u.snapshots}, {"bytes", u.bytes}};
  }
  Json hosts = Json::array();
  std::size_t stale = 0;
  for (const auto& h : b.s.store.listHosts()) {
    if (h.tenantId != tenant.id || h.revoked) continue;
    auto it = per.find(h.id);
    bool has = it != per.end();
    bool isStale = !has || ctx.now - it->second.last >= kStaleSeconds;
    stale += isStale ? 1 : 0;
    auto presence = b.s.hub.presence(h.id);
    hosts.push_back(Json{{"host_id", h.id},
                         {"hostname", h.hostname},
                         {"online", presence && presence->online},
                         {"last_snapshot_at", has ? Json(it->second.last) : Json(nullptr)},
                         {"snapshots", has ? it->second.count : 0},
                         {"size", has ? sizes[h.id].first : 0},
                         {"stored_size", has ? sizes[h.id].second : 0},
                         {"stale", isStale}});
  }
  return jsonResponse(200, Json{{"tenant_id", tenant.id},
                                {"stale_after_seconds", kStaleSeconds},
                                {"hosts", hosts},
                                {"stale_hosts", stale},
                                {"repository", usage}});
}

}  // namespace

void addBackupBrowseRoutes(Router& router, Services& services) {
  // Shared by the handlers for the server's lifetime, like the services themselves.
  auto b = std::make_shared<BackupConsole>(services);
  router.add("GET", "/api/v1/hosts/{id}/backups/{snapshot}/tree", Permission::kBackupsRestore,
             [b](Context& c) { return browse(c, *b); });
  router.add("POST", "/api/v1/hosts/{id}/backups/{snapshot}/restore", Permission::kBackupsRestore,
             [b](Context& c) { return restore(c, *b); });
  router.add("GET", "/api/v1/hosts/{id}/restores", Permission::kBackupsRestore,
             [b](Context& c) { return listRestores(c, *b); });
  router.add("GET", "/api/v1/tenants/{id}/backups", Permission::kHostsRead,
             [b](Context& c) { return tenantBackups(c, *b); });
}

}  // namespace parc::server::api
