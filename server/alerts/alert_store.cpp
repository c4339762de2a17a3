#include "server/alerts/alert_store.h"

#include "common/error.h"

namespace parc::server::alerts {

namespace {

const std::vector<sqlite::Migration> kMigrations = {
    {1, R"sql(
CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL,
  host_id INTEGER NOT NULL,
  rule_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  severity INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('firing', 'acknowledged', 'resolved')),
  value REAL NOT NULL,
  summary TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  acknowledged_at INTEGER,
  acknowledged_by TEXT NOT NULL DEFAULT '',
  resolved_at INTEGER,
  silenced INTEGER NOT NULL DEFAULT 0,
  flaps INTEGER NOT NULL DEFAULT 0,
  suppressed_by INTEGER
);
-- One alert per (rule, host, subject) while it is not resolved: never duplicates.
CREATE UNIQUE INDEX alerts_open ON alerts (rule_id, host_id, subject) WHERE state != 'resolved';
CREATE INDEX alerts_tenant ON alerts (tenant_id, opened_at);
CREATE INDEX alerts_key ON alerts (rule_id, host_id, subject, resolved_at);
CREATE TABLE alert_comments (
  id INTEGER PRIMARY KEY,
  alert_id INTEGER NOT NULL REFERENCES alerts (id),
  at INTEGER NOT NULL,
  author TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE TABLE silences (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER,
  host_id INTEGER,
  rule_id TEXT,
  alert_id INTEGER,
  starts_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL,
  comment TEXT NOT NULL,
  created_by TEXT NOT NULL
);
CREATE TABLE rule_overrides (
  scope TEXT NOT NULL CHECK (scope IN ('tenant', 'group', 'host')),
  scope_id INTEGER NOT NULL,
  rule_id TEXT NOT NULL,
  settings TEXT NOT NULL,
  PRIMARY KEY (scope, scope_id, rule_id)
);
CREATE TABLE channels (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  min_severity INTEGER NOT NULL,
  delay_seconds INTEGER NOT NULL,
  enabled INTEGER NOT NULL,
  settings TEXT NOT NULL
);
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  alert_id INTEGER NOT NULL,
  channel_id INTEGER NOT NULL,
  event TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  delivered_at INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  UNIQUE (alert_id, channel_id, event)
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);
CREATE TABLE channel_refs (
  alert_id INTEGER NOT NULL,
  channel_id INTEGER NOT NULL,
  ref TEXT NOT NULL,
  PRIMARY KEY (alert_id, channel_id)
);
)sql"},
    // The day (local, YYYY-MM-DD) each channel last received its daily digest.
    {2, "CREATE TABLE digests (channel_id INTEGER PRIMARY KEY, last_day TEXT NOT NULL);"},
    // What a channel keeps about a host across alerts (GLPI: the host's Computer id,
    // found once by a search and reused for every later ticket).
    {3, R"sql(
CREATE TABLE channel_host_refs (
  channel_id INTEGER NOT NULL,
  host_id INTEGER NOT NULL,
  ref TEXT NOT NULL,
  PRIMARY KEY (channel_id, host_id)
);
)sql"},
};

AlertState parseState(const std::string& s) {
  if (s == "acknowledged") return AlertState::kAcknowledged;
  if (s == "resolved") return AlertState::kResolved;
  return AlertState::kFiring;
}

constexpr const char* kAlertColumns =
    "id, tenant_id, host_id, rule_id, subject, severity, state, value, summary, opened_at, "
    "updated_at, acknowledged_at, acknowledged_by, resolved_at, silenced, flaps, suppressed_by";

Alert readAlert(const sqlite::Statement& q) {
  Alert a;
  a.id = q.int64(0);
  a.tenantId = q.int64(1);
  a.hostId = q.int64(2);
  a.ruleId = q.text(3);
  a.subject = q.text(4);
  a.severity = static_cast<Severity>(q.int64(5));
  a.state = parseState(q.text(6));
  a.value = q.real(7);
  a.summary = q.text(8);
  a.openedAt = q.int64(9);
  a.updatedAt = q.int64(10);
  a.acknowledgedAt = q.optInt64(11);
  a.acknowledgedBy = q.text(12);
  a.resolvedAt = q.optInt64(13);
  a.silenced = q.int64(14) != 0;
  a.flaps = static_cast<int>(q.int64(15));
  a.suppressedBy = q.optInt64(16);
  return a;
}

void bindAlert(sqlite::Statement& s, const Alert& a) {
  s.bind(1, a.tenantId)
      .bind(2, a.hostId)
      .bind(3, a.ruleId)
      .bind(4, a.subject)
      .bind(5, static_cast<std::int64_t>(a.severity))
      .bind(6, stateName(a.state))
      .bind(7, a.value)
      .bind(8, a.summary)
      .bind(9, a.openedAt)
      .bind(10, a.updatedAt)
      .bind(11, a.acknowledgedAt)
      .bind(12, a.acknowledgedBy)
      .bind(13, a.resolvedAt)
      .bind(14, a.silenced ? 1 : 0)
      .bind(15, a.flaps)
      .bind(16, a.suppressedBy);
}

Channel readChannel(const sqlite::Statement& q) {
  Channel c;
  c.id = q.int64(0);
  c.tenantId = q.int64(1);
  c.kind = q.text(2);
  c.name = q.text(3);
  c.minSeverity = static_cast<Severity>(q.int64(4));
  c.delaySeconds = q.int64(5);
  c.enabled = q.int64(6) != 0;
  c.settings = parseJson(q.text(7));
  return c;
}

constexpr const char* kChannelColumns =
    "id, tenant_id, kind, name, min_severity, delay_seconds, enabled, settings";

}  // namespace

AlertStore::AlertStore(sqlite::Database db) : db_(std::move(db)) {
  sqlite::migrate(db_, kMigrations);
}

AlertStore::AlertStore(const std::filesystem::path& file)
    : AlertStore(sqlite::Database::open(file)) {
  db_.exec("PRAGMA synchronous=FULL");
}

std::unique_ptr<AlertStore> AlertStore::inMemory() {
  return std::unique_ptr<AlertStore>(new AlertStore(sqlite::Database::openMemory()));
}

Id AlertStore::insertAlert(const Alert& a) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_,
                      "INSERT INTO alerts (tenant_id, host_id, rule_id, subject, severity, state, "
                      "value, summary, opened_at, updated_at, acknowledged_at, acknowledged_by, "
                      "resolved_at, silenced, flaps, suppressed_by) VALUES "
                      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  bindAlert(s, a);
  s.run();
  return db_.lastInsertId();
}

void AlertStore::updateAlert(const Alert& a) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_,
                      "UPDATE alerts SET tenant_id = ?, host_id = ?, rule_id = ?, subject = ?, "
                      "severity = ?, state = ?, value = ?, summary = ?, opened_at = ?, "
                      "updated_at = ?, acknowledged_at = ?, acknowledged_by = ?, resolved_at = ?, "
                      "silenced = ?, flaps = ?, suppressed_by = ? WHERE id = ?");
  bindAlert(s, a);
  s.bind(17, a.id).run();
}

std::optional<Alert> AlertStore::findAlert(Id id) {
  std::lock_guard lock(mutex_);
  sqlite::Statement q(db_, std::string("SELECT ") + kAlertColumns + " FROM alerts WHERE id = ?");
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  return readAlert(q);
}

std::vector<Alert> AlertStore::listAlerts(const AlertFilter& f) {
  std::string sql = std::string("SELECT ") + kAlertColumns + " FROM alerts WHERE 1";
  if (f.tenants) {
    sql += " AND tenant_id IN (SELECT value FROM json_each(?1))";
  }
  if (f.hostId) sql += " AND host_id = ?2";
  if (f.state) sql += *f.state == "open" ? " AND state != 'resolved'" : " AND state = ?3";
  sql += " ORDER BY id DESC LIMIT ?4";
  std::lock_guard lock(mutex_);
  sqlite::Statement q(db_, sql);
  if (f.tenants) q.bind(1, Json(*f.tenants).dump());
  if (f.hostId) q.bind(2, *f.hostId);
  if (f.state && *f.state != "open") q.bind(3, *f.state);
  q.bind(4, f.limit);
  std::vector<Alert> out;
  while (q.step()) out.push_back(readAlert(q));
  return out;
}

std::string AlertStore::lastDigestDay(Id channelId) {
  std::lock_guard lock(mutex_);
  sqlite::Statement q(db_, "SELECT last_day FROM digests WHERE channel_id = ?");
  q.bind(1, channelId);
  return q.step() ? q.text(0) : std::string();
}

void AlertStore::setDigestDay(Id channelId, const std::string& day) {
  std::lock_guard lock(mutex_);
  sqlite::Statement(db_,
                    "INSERT INTO digests (channel_id, last_day) VALUES (?, ?) "
                    "ON CONFLICT (channel_id) DO UPDATE SET last_day = excluded.last_day")
      .bind(1, channelId)
      .bind(2, day)
      .run();
}

std::map<std::string, long> AlertStore::openCountsBySeverity(
    const std::optional<std::vector<Id>>& tenants) {
  std::string sql = "SELECT severity, COUNT(*) FROM alerts WHERE state != 'resolved'";
  if (tenants) sql += " AND tenant_id IN (SELECT value FROM json_each(?1))";
  sql += " GROUP BY severity";
  std::lock_guard lock(mutex_);
  sqlite::Statement q(db_, sql);
  if (tenants) q.bind(1, Json(*tenants).dump());
  std::map<std::string, long> out;
  while (q.step()) out[severityName(static_cast<Severity>(q.int64(0)))] = q.int64(1);
  return out;
}

std::vector<Alert> AlertStore::openAlerts() {
  AlertFilter f;
  f.state = "open";
  f.limit = 1000000;
  return listAlerts(f);
}

std::optional<Alert> AlertStore::recentlyResolved(const std::string& ruleId, Id hostId,
                                                  const std::string& subject, Time since) {
  std::lock_guard lock(mutex_);
  sqlite::Statement q(db_, std::string("SELECT ") + kAlertColumns +
                               " FROM alerts WHERE rule_id = ? AND host_id = ? AND subject = ? "
                               "AND state = 'resolved' AND resolved_at >= ? "
                               "ORDER BY resolved_at DESC LIMIT 1");
  q.bind(1, ruleId).bind(2, hostId).bind(3, subject).bind(4, since);
  if (!q.step()) return std::nullopt;
  return readAlert(q);
}

void AlertStore::addComment(const AlertComment& c) {
  std::lock_guard lock(mutex_);
  sqlite::Statement(db_, "INSERT INTO alert_comments (alert_id, at, author, text) VALUES (?,?,?,?)")
      .bind(1, c.alertId)
      .bind(2, c.at)
      .bind(3, c.author)
      .bind(4, c.text)
      .run();
}

std::vector<AlertComment> AlertStore::comments(Id alertId) {
  std::lock_guard lock(mutex_);
  sqlite::Statement q(
      db_,
      "SELECT id, alert_id, at, author, text FROM alert_comments WHERE alert_id = ? ORDER BY id");
  q.bind(1, alertId);
  std::vector<AlertComment> out;
  while (q.step()) out.push_back({q.int64(0), q.int64(1), q.int64(2), q.text(3), q.text(4)});
  return out;
}

Id AlertStore::addSilence(const Silence& s) {
  std::lock_guard lock(mutex_);
  sqlite::Statement(db_,
                    "INSERT INTO silences (tenant_id, host_id, rule_id, alert_id, starts_at, "
                    "ends_at, comment, created_by) VALUES (?,?,?,?,?,?,?,?)")
      .bind(1, s.tenantId)
      .bind(2, s.hostId)
      .bind(3, s.ruleId)
      .bind(4, s.alertId)
      .bind(5, s.startsAt)
      .bind(6, s.endsAt)
      .bind(7, s.comment)
      .bind(8, s.createdBy)
      .run();
  return db_.lastInsertId();
}

std::vector<Silence> AlertStore::silences(std::optional<Time> activeAt) {
  std::lock_guard lock(mutex_);
  sqlite::Statement q(db_,
                      std::string("SELECT id, tenant_id, host_id, rule_id, alert_id, starts_at, "
                                  "ends_at, comment, created_by FROM silences") +
                          (activeAt ? " WHERE ends_at > ?" : "") + " ORDER BY id");
  if (activeAt) q.bind(1, *activeAt);
  std::vector<Silence> out;
  while (q.step()) {
    Silence s;
    s.id = q.int64(0);
    s.tenantId = q.optInt64(1);
    s.hostId = q.optInt64(2);
    s.ruleId = q.optText(3);
    s.alertId = q.optInt64(4);
    s.startsAt = q.int64(5);
    s.endsAt = q.int64(6);
    s.comment = q.text(7);
    s.createdBy = q.text(8);
    out.push_back(std::move(s));
  }
  return out;
}

bool AlertStore::deleteSilence(Id id) {
  std::lock_guard lock(mutex_);
  sqlite::Statement(db_, "DELETE FROM silences WHERE id = ?").bind(1, id).run();
  return db_.changes() > 0;
}

bool AlertStore::endSilence(Id id, Time at) {
  std::lock_guard lock(mutex_);
  sqlite::Statement(db_, "UPDATE silences SET ends_at = ? WHERE id = ? AND ends_at > ?")
      .bind(1, at)
      .bind(2, id)
      .bind(3, at)
      .run();
  return db_.changes() > 0;
}

void AlertStore::setOverride(const RuleOverride& o) {
  std::lock_guard lock(mutex_);
  sqlite::Statement(db_,
                    "INSERT INTO rule_overrides (scope, scope_id, rule_id, settings) VALUES "
                    "(?,?,?,?) ON CONFLICT (scope, scope_id, rule_id) DO UPDATE SET "
                    "settings = excluded.settings")
      .bind(1, o.scope)
      .bind(2, o.scopeId)
      .bind(3, o.ruleId)
      .bind(4, o.settings.dump())
      .run();
}

bool AlertStore::deleteOverride(const std::string& scope, Id scopeId, const std::string& ruleId) {
  std::lock_guard lock(mutex_);
  sqlite::Statement(db_,
                    "DELETE FROM rule_overrides WHERE scope = ? AND scope_id = ? AND rule_id = ?")
      .bind(1, scope)
      .bind(2, scopeId)
      .bind(3, ruleId)
      .run();
  return db_.changes() > 0;
}

std::vector<RuleOverride> AlertStore::overrides() {
  std::lock_guard lock(mutex_);
  sqlite::Statement q(db_, "SELECT scope, scope_id, rule_id, settings FROM rule_overrides");
  std::vector<RuleOverride> out;
  while (q.step()) out.push_back({q.text(0), q.int64(1), q.text(2), parseJson(q.text(3))});
  return out;
}

Id AlertStore::createChannel(const Channel& c) {
  std::lock_guard lock(mutex_);
  sqlite::Statement(db_,
                    "INSERT INTO channels (tenant_id, kind, name, min_severity, delay_seconds, "
                    "enabled, settings) VALUES (?,?,?,?,?,?,?)")
      .bind(1, c.tenantId)
      .bind(2, c.kind)
      .bind(3, c.name)
      .bind(4, static_cast<std::int64_t>(c.minSeverity))
      .bind(5, c.delaySeconds)
      .bind(6, c.enabled ? 1 : 0)
      .bind(7, c.settings.dump())
      .run();
  return db_.lastInsertId();
}

void AlertStore::updateChannel(const Channel& c) {
  std::lock_guard lock(mutex_);
  sqlite::Statement(db_,
                    "UPDATE channels SET tenant_id = ?, kind = ?, name = ?, min_severity = ?, "
                    "delay_seconds = ?, enabled = ?, settings = ? WHERE id = ?")
      .bind(1, c.tenantId)
      .bind(2, c.kind)
      .bind(3, c.name)
      .bind(4, static_cast<std::int64_t>(c.minSeverity))
      .bind(5, c.delaySeconds)
      .bind(6, c.enabled ? 1 : 0)
      .bind(7, c.settings.dump())
      .bind(8, c.id)
      .run();
  // The settings may now name another GLPI: what was found on the old one is forgotten.
  sqlite::Statement(db_, "DELETE FROM channel_host_refs WHERE channel_id = ?").bind(1, c.id).run();
}

bool AlertStore::deleteChannel(Id id) {
  std::lock_guard lock(mutex_);
  sqlite::Statement(db_, "DELETE FROM channels WHERE id = ?").bind(1, id).run();
  bool deleted = db_.changes() > 0;
  sqlite::Statement(db_, "DELETE FROM channel_host_refs WHERE channel_id = ?").bind(1, id).run();
  return deleted;
}

std::optional<Channel> AlertStore::findChannel(Id id) {
  std::lock_guard lock(mutex_);
  sqlite::Statement q(db_,
                      std::string("SELECT ") + kChannelColumns + " FROM channels WHERE id = ?");
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  return readChannel(q);
}

std::vector<Channel> AlertStore::channels(std::optional<Id> tenantId) {
  std::lock_guard lock(mutex_);
  sqlite::Statement q(db_, std::string("SELECT ") + kChannelColumns + " FROM channels" +
                               (tenantId ? " WHERE tenant_id = ?" : "") + " ORDER BY id");
  if (tenantId) q.bind(1, *tenantId);
  std::vector<Channel> out;
  while (q.step()) out.push_back(readChannel(q));
  return out;
}

bool AlertStore::enqueue(Id alertId, Id channelId, const std::string& event, Time now) {
  std::lock_guard lock(mutex_);
  sqlite::Statement(db_,
                    "INSERT INTO notifications (alert_id, channel_id, event, created_at, "
                    "next_attempt_at) VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING")
      .bind(1, alertId)
      .bind(2, channelId)
      .bind(3, event)
      .bind(4, now)
      .bind(5, now)
      .run();
  return db_.changes() > 0;
}

std::vector<QueuedNotification> AlertStore::due(Time now, int limit) {
  std::lock_guard lock(mutex_);
  sqlite::Statement q(db_,
                      "SELECT id, alert_id, channel_id, event, attempts, created_at FROM "
                      "notifications WHERE status = 'pending' AND next_attempt_at <= ? "
                      "ORDER BY id LIMIT ?");
  q.bind(1, now).bind(2, limit);
  std::vector<QueuedNotification> out;
  while (q.step()) {
    out.push_back(
        {q.int64(0), q.int64(1), q.int64(2), q.text(3), static_cast<int>(q.int64(4)), q.int64(5)});
  }
  return out;
}

void AlertStore::delivered(Id id, Time now) {
  std::lock_guard lock(mutex_);
  sqlite::Statement(db_,
                    "UPDATE notifications SET status = 'delivered', delivered_at = ?, "
                    "attempts = attempts + 1 WHERE id = ?")
      .bind(1, now)
      .bind(2, id)
      .run();
}

void AlertStore::failed(Id id, const std::string& error, Time nextAttempt, bool giveUp) {
  std::lock_guard lock(mutex_);
  sqlite::Statement(db_,
                    "UPDATE notifications SET attempts = attempts + 1, last_error = ?, "
                    "next_attempt_at = ?, status = ? WHERE id = ?")
      .bind(1, error)
      .bind(2, nextAttempt)
      .bind(3, giveUp ? "failed" : "pending")
      .bind(4, id)
      .run();
}

std::vector<Id> AlertStore::notifiedChannels(Id alertId) {
  std::lock_guard lock(mutex_);
  sqlite::Statement q(db_, "SELECT DISTINCT channel_id FROM notifications WHERE alert_id = ?");
  q.bind(1, alertId);
  std::vector<Id> out;
  while (q.step()) out.push_back(q.int64(0));
  return out;
}

std::int64_t AlertStore::countNotifications(const std::string& status) {
  std::lock_guard lock(mutex_);
  sqlite::Statement q(db_, "SELECT COUNT(*) FROM notifications WHERE status = ?");
  q.bind(1, status);
  q.step();
  return q.int64(0);
}

std::map<std::string, std::int64_t> AlertStore::pendingNotificationsByKind() {
  std::lock_guard lock(mutex_);
  sqlite::Statement q(db_,
                      "SELECT c.kind, COUNT(*) FROM notifications n JOIN channels c "
                      "ON c.id = n.channel_id WHERE n.status = 'pending' GROUP BY c.kind");
  std::map<std::string, std::int64_t> out;
  while (q.step()) out[q.text(0)] = q.int64(1);
  return out;
}

Json AlertStore::channelRef(Id alertId, Id channelId) {
  std::lock_guard lock(mutex_);
  sqlite::Statement q(db_, "SELECT ref FROM channel_refs WHERE alert_id = ? AND channel_id = ?");
  q.bind(1, alertId).bind(2, channelId);
  if (!q.step()) return Json::object();
  return parseJson(q.text(0));
}

void AlertStore::setChannelRef(Id alertId, Id channelId, const Json& ref) {
  std::lock_guard lock(mutex_);
  sqlite::Statement(db_,
                    "INSERT INTO channel_refs (alert_id, channel_id, ref) VALUES (?,?,?) "
                    "ON CONFLICT (alert_id, channel_id) DO UPDATE SET ref = excluded.ref")
      .bind(1, alertId)
      .bind(2, channelId)
      .bind(3, ref.dump())
      .run();
}

Json AlertStore::channelHostRef(Id channelId, Id hostId) {
  std::lock_guard lock(mutex_);
  sqlite::Statement q(db_,
                      "SELECT ref FROM channel_host_refs WHERE channel_id = ? AND host_id = ?");
  q.bind(1, channelId).bind(2, hostId);
  if (!q.step()) return Json::object();
  return parseJson(q.text(0));
}

void AlertStore::setChannelHostRef(Id channelId, Id hostId, const Json& ref) {
  std::lock_guard lock(mutex_);
  sqlite::Statement(db_,
                    "INSERT INTO channel_host_refs (channel_id, host_id, ref) VALUES (?,?,?) "
                    "ON CONFLICT (channel_id, host_id) DO UPDATE SET ref = excluded.ref")
      .bind(1, channelId)
      .bind(2, hostId)
      .bind(3, ref.dump())
      .run();
}

}  // namespace parc::server::alerts

namespace parc::server::alerts {

void AlertStore::transaction(const std::function<void()>& work) {
  std::lock_guard lock(mutex_);
  sqlite::Transaction tx(db_);
  work();
  tx.commit();
}

}  // namespace parc::server::alerts
