#include "server/remote/session_registry.h"

#include <spdlog/spdlog.h>

#include <ctime>

#include "common/error.h"
#include "common/files/files.h"

namespace parc::server::remote {

namespace {

store::Time now() {
  return static_cast<store::Time>(std::time(nullptr));
}

constexpr const char* kColumns =
    "id, user_id, username, host_id, tenant_id, kind, started_at, ended_at, bytes_to_host, "
    "bytes_from_host, result, detail, consent, recording";

}  // namespace

const char* consentPolicyName(ConsentPolicy p) {
  switch (p) {
    case ConsentPolicy::kNone: return "none";
    case ConsentPolicy::kNotify: return "notify";
    case ConsentPolicy::kAsk: return "ask";
  }
  return "none";
}

ConsentPolicy consentPolicyFromName(const std::string& name) {
  if (name == "none") return ConsentPolicy::kNone;
  if (name == "notify") return ConsentPolicy::kNotify;
  if (name == "ask") return ConsentPolicy::kAsk;
  throw Error(ErrorKind::kBadRequest, "consent policy must be none, notify or ask");
}

SessionRegistry::SessionRegistry(store::Store& store, const std::filesystem::path& database,
                                 std::filesystem::path recordingsDir, std::size_t maxActive)
    : store_(store),
      recordingsDir_(std::move(recordingsDir)),
      maxActive_(maxActive),
      db_(sqlite::Database::open(database)) {
  files::ensureDirectory(recordingsDir_, 0700);
  // Sessions that were running when the server stopped (or was killed) ended then.
  sqlite::Statement s(db_,
                      "UPDATE remote_sessions SET result = 'interrupted', ended_at = ? "
                      "WHERE result = 'active'");
  s.bind(1, now());
  s.run();
  if (int n = db_.changes(); n > 0)
    spdlog::info("remote support: {} session(s) marked interrupted (server restarted)", n);
}

store::Id SessionRegistry::begin(SessionRecord record, const std::string& source,
                                 std::function<void(const std::string&)> end) {
  std::lock_guard lock(mutex_);
  if (live_.size() >= maxActive_)
    throw Error(ErrorKind::kUnavailable, "too many remote sessions running (" +
                                             std::to_string(maxActive_) + "); try again later");
  record.startedAt = now();
  record.result = "active";
  sqlite::Statement s(db_,
                      "INSERT INTO remote_sessions (user_id, username, host_id, tenant_id, kind, "
                      "started_at, consent, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, record.userId).bind(2, record.username).bind(3, record.hostId);
  s.bind(4, record.tenantId).bind(5, record.kind).bind(6, record.startedAt);
  s.bind(7, record.consent).bind(8, record.subject.substr(0, 500));
  s.run();
  record.id = db_.lastInsertId();
  record.active = true;
  store::AuditEntry e;
  e.at = record.startedAt;
  e.actor = "user:" + record.username;
  e.action = "remote." + record.kind + ".start";
  e.target = "host:" + std::to_string(record.hostId);
  e.source = source;
  e.result = "ok";
  e.tenantId = record.tenantId;
  e.detail = "session " + std::to_string(record.id) + ", consent policy " + record.consent +
             (record.subject.empty() ? "" : ", " + record.subject.substr(0, 300));
  store_.appendAudit(e);
  store::Id id = record.id;
  live_[id] = Live{std::move(record), std::move(end)};
  return id;
}

void SessionRegistry::finish(store::Id id, const std::string& result, const std::string& detail,
                             std::int64_t bytesToHost, std::int64_t bytesFromHost) {
  std::lock_guard lock(mutex_);
  auto it = live_.find(id);
  if (it == live_.end()) return;
  SessionRecord r = std::move(it->second.record);
  live_.erase(it);
  store::Time t = now();
  try {
    sqlite::Statement s(db_,
                        "UPDATE remote_sessions SET ended_at = ?, bytes_to_host = ?, "
                        "bytes_from_host = ?, result = ?, detail = ? WHERE id = ?");
    s.bind(1, t).bind(2, bytesToHost).bind(3, bytesFromHost).bind(4, result);
    std::string kept = r.subject.empty() ? detail
                       : detail.empty()  ? r.subject
                                         : r.subject + " — " + detail;
    s.bind(5, kept.substr(0, 500)).bind(6, id);
    s.run();
    store::AuditEntry e;
    e.at = t;
    e.actor = "user:" + r.username;
    e.action = "remote." + r.kind + ".end";
    e.target = "host:" + std::to_string(r.hostId);
    e.result = result;
    e.tenantId = r.tenantId;
    e.detail = "session " + std::to_string(id) + ", " + std::to_string(t - r.startedAt) + " s, " +
               std::to_string(bytesToHost) + " B to host, " + std::to_string(bytesFromHost) +
               " B from host" + (r.recording.empty() ? "" : ", recording " + r.recording) +
               (r.subject.empty() ? "" : ", " + r.subject.substr(0, 300)) +
               (detail.empty() ? "" : ": " + detail.substr(0, 300));
    store_.appendAudit(e);
  } catch (const Error& e) {
    spdlog::error("remote session {} end not recorded: {}", id, e.what());
  }
}

void SessionRegistry::setRecording(store::Id id, const std::string& path) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_, "UPDATE remote_sessions SET recording = ? WHERE id = ?");
  s.bind(1, path).bind(2, id);
  s.run();
  if (auto it = live_.find(id); it != live_.end()) it->second.record.recording = path;
}

SessionRecord SessionRegistry::read(sqlite::Statement& s) {
  SessionRecord r;
  r.id = s.int64(0);
  r.userId = s.optInt64(1);
  r.username = s.text(2);
  r.hostId = s.int64(3);
  r.tenantId = s.optInt64(4);
  r.kind = s.text(5);
  r.startedAt = s.int64(6);
  r.endedAt = s.optInt64(7);
  r.bytesToHost = s.int64(8);
  r.bytesFromHost = s.int64(9);
  r.result = s.text(10);
  r.detail = s.text(11);
  r.consent = s.text(12);
  r.recording = s.text(13);
  r.active = live_.count(r.id) > 0;
  return r;
}

std::vector<SessionRecord> SessionRegistry::list(std::optional<store::Id> userId,
                                                 const store::TenantScope& scope, int limit) {
  std::lock_guard lock(mutex_);
  std::string sql = std::string("SELECT ") + kColumns + " FROM remote_sessions" +
                    (userId ? " WHERE user_id = ?" : "") + " ORDER BY id DESC LIMIT ?";
  sqlite::Statement s(db_, sql);
  int i = 1;
  if (userId) s.bind(i++, *userId);
  // Scoped readers filter after reading: ask for more rows than shown.
  s.bind(i, scope.all() ? limit : limit * 10);
  std::vector<SessionRecord> out;
  while (s.step() && static_cast<int>(out.size()) < limit) {
    SessionRecord r = read(s);
    if (!scope.all() && (!r.tenantId || !scope.allows(*r.tenantId))) continue;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<SessionRecord> SessionRegistry::listForTenant(store::Id tenantId, int limit) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_,
                      std::string("SELECT ") + kColumns +
                          " FROM remote_sessions WHERE tenant_id = ? ORDER BY id DESC LIMIT ?");
  s.bind(1, tenantId);
  s.bind(2, limit);
  std::vector<SessionRecord> out;
  while (s.step()) out.push_back(read(s));
  return out;
}

std::optional<SessionRecord> SessionRegistry::find(store::Id id) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_,
                      std::string("SELECT ") + kColumns + " FROM remote_sessions WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read(s);
}

bool SessionRegistry::end(store::Id id, const std::string& why) {
  std::function<void(const std::string&)> stop;
  {
    std::lock_guard lock(mutex_);
    auto it = live_.find(id);
    if (it == live_.end()) return false;
    stop = it->second.end;
  }
  if (stop) stop(why);  // outside the lock: it finishes the session
  return true;
}

std::size_t SessionRegistry::activeCount() {
  std::lock_guard lock(mutex_);
  return live_.size();
}

ConsentPolicy SessionRegistry::consentPolicy(store::Id tenantId) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_, "SELECT policy FROM remote_consent WHERE tenant_id = ?");
  s.bind(1, tenantId);
  if (!s.step()) return ConsentPolicy::kNone;
  return consentPolicyFromName(s.text(0));
}

void SessionRegistry::setConsentPolicy(store::Id tenantId, ConsentPolicy policy, store::Time t) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_,
                      "INSERT INTO remote_consent (tenant_id, policy, updated_at) VALUES (?, ?, ?) "
                      "ON CONFLICT(tenant_id) DO UPDATE SET policy = excluded.policy, "
                      "updated_at = excluded.updated_at");
  s.bind(1, tenantId).bind(2, consentPolicyName(policy)).bind(3, t);
  s.run();
}

}  // namespace parc::server::remote
