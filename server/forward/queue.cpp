#include "server/forward/queue.h"

#include "common/error.h"

namespace parc::server::forward {

namespace {

const std::vector<sqlite::Migration> kMigrations = {{1, R"sql(
CREATE TABLE pending (
  host_id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL,
  host_uid TEXT NOT NULL,
  device_id TEXT NOT NULL,
  hostname TEXT NOT NULL,
  document TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  collected_at INTEGER NOT NULL,
  queued_at INTEGER NOT NULL,
  version INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE host_status (
  host_id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL,
  host_uid TEXT NOT NULL DEFAULT '',
  hostname TEXT NOT NULL DEFAULT '',
  last_success_at INTEGER,
  last_attempt_at INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  last_error_at INTEGER,
  last_http_status INTEGER NOT NULL DEFAULT 0,
  delivered INTEGER NOT NULL DEFAULT 0,
  replaced INTEGER NOT NULL DEFAULT 0,
  dropped INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE tenant_status (
  tenant_id INTEGER PRIMARY KEY,
  last_success_at INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  last_error_at INTEGER,
  delivered INTEGER NOT NULL DEFAULT 0,
  consecutive_failures INTEGER NOT NULL DEFAULT 0
);
)sql"}};

void touchHost(sqlite::Database& db, Id hostId, Id tenantId, const std::string& uid,
               const std::string& hostname) {
  sqlite::Statement s(db,
                      "INSERT INTO host_status(host_id, tenant_id, host_uid, hostname) "
                      "VALUES(?,?,?,?) ON CONFLICT(host_id) DO UPDATE SET "
                      "tenant_id=excluded.tenant_id, host_uid=excluded.host_uid, "
                      "hostname=excluded.hostname");
  s.bind(1, hostId).bind(2, tenantId).bind(3, uid).bind(4, hostname).run();
}

void touchTenant(sqlite::Database& db, Id tenantId) {
  sqlite::Statement s(db, "INSERT OR IGNORE INTO tenant_status(tenant_id) VALUES(?)");
  s.bind(1, tenantId).run();
}

}  // namespace

ForwardQueue::ForwardQueue(const std::filesystem::path& file) : db_(sqlite::Database::open(file)) {
  sqlite::migrate(db_, kMigrations);
  sqlite::Statement s(db_,
                      "SELECT COALESCE(SUM(bytes), 0), COALESCE(MAX(version), 0) FROM pending");
  s.step();
  bytes_ = static_cast<std::size_t>(s.int64(0));
  lastVersion_ = s.int64(1);
}

EnqueueResult ForwardQueue::enqueue(QueuedInventory item, std::size_t maxBytes) {
  sqlite::Transaction tx(db_);
  touchHost(db_, item.hostId, item.tenantId, item.hostUid, item.hostname);
  touchTenant(db_, item.tenantId);
  std::size_t previous = 0;
  bool replacing = false;
  {
    sqlite::Statement s(db_, "SELECT bytes, queued_at FROM pending WHERE host_id=?");
    s.bind(1, item.hostId);
    if (s.step()) {
      replacing = true;
      previous = static_cast<std::size_t>(s.int64(0));
      item.queuedAt = s.int64(1);  // keeps its place in line
    }
  }
  std::size_t total = bytes_ - previous + item.document.size();
  if (total > maxBytes) {
    sqlite::Statement s(db_,
                        "UPDATE host_status SET dropped=dropped+1, last_error=?, last_error_at=? "
                        "WHERE host_id=?");
    s.bind(1, "forwarding queue full (" + std::to_string(maxBytes / (1024 * 1024)) +
                  " MiB): this inventory was not forwarded")
        .bind(2, item.collectedAt)
        .bind(3, item.hostId)
        .run();
    tx.commit();
    return EnqueueResult::kFull;
  }
  item.version = lastVersion_ + 1;
  sqlite::Statement s(db_,
                      "INSERT INTO pending(host_id, tenant_id, host_uid, device_id, hostname, "
                      "document, bytes, collected_at, queued_at, version, attempts) "
                      "VALUES(?,?,?,?,?,?,?,?,?,?,0) ON CONFLICT(host_id) DO UPDATE SET "
                      "tenant_id=excluded.tenant_id, host_uid=excluded.host_uid, "
                      "device_id=excluded.device_id, hostname=excluded.hostname, "
                      "document=excluded.document, bytes=excluded.bytes, "
                      "collected_at=excluded.collected_at, version=excluded.version, attempts=0");
  s.bind(1, item.hostId)
      .bind(2, item.tenantId)
      .bind(3, item.hostUid)
      .bind(4, item.deviceId)
      .bind(5, item.hostname)
      .bind(6, item.document)
      .bind(7, static_cast<std::int64_t>(item.document.size()))
      .bind(8, item.collectedAt)
      .bind(9, item.queuedAt)
      .bind(10, item.version)
      .run();
  if (replacing) {
    sqlite::Statement r(db_, "UPDATE host_status SET replaced=replaced+1 WHERE host_id=?");
    r.bind(1, item.hostId).run();
  }
  tx.commit();
  lastVersion_ = item.version;
  bytes_ = total;
  return replacing ? EnqueueResult::kReplaced : EnqueueResult::kQueued;
}

std::vector<PendingEntry> ForwardQueue::pending() {
  std::vector<PendingEntry> out;
  sqlite::Statement s(db_,
                      "SELECT host_id, tenant_id, queued_at, version, attempts FROM pending "
                      "ORDER BY queued_at, version");
  while (s.step()) {
    out.push_back({s.int64(0), s.int64(1), s.int64(2), s.int64(3), static_cast<int>(s.int64(4))});
  }
  return out;
}

std::optional<QueuedInventory> ForwardQueue::load(Id hostId) {
  sqlite::Statement s(db_,
                      "SELECT tenant_id, host_uid, device_id, hostname, document, collected_at, "
                      "queued_at, version, attempts FROM pending WHERE host_id=?");
  s.bind(1, hostId);
  if (!s.step()) return std::nullopt;
  QueuedInventory q;
  q.hostId = hostId;
  q.tenantId = s.int64(0);
  q.hostUid = s.text(1);
  q.deviceId = s.text(2);
  q.hostname = s.text(3);
  q.document = s.text(4);
  q.collectedAt = s.int64(5);
  q.queuedAt = s.int64(6);
  q.version = s.int64(7);
  q.attempts = static_cast<int>(s.int64(8));
  return q;
}

bool ForwardQueue::markDelivered(Id hostId, Id tenantId, std::int64_t version, Time now,
                                 int httpStatus) {
  sqlite::Transaction tx(db_);
  std::size_t bytes = 0;
  {
    sqlite::Statement s(db_, "SELECT bytes FROM pending WHERE host_id=? AND version=?");
    s.bind(1, hostId).bind(2, version);
    if (s.step()) bytes = static_cast<std::size_t>(s.int64(0));
  }
  sqlite::Statement del(db_, "DELETE FROM pending WHERE host_id=? AND version=?");
  del.bind(1, hostId).bind(2, version).run();
  bool removed = db_.changes() > 0;
  sqlite::Statement h(db_,
                      "UPDATE host_status SET last_success_at=?, last_attempt_at=?, "
                      "last_http_status=?, delivered=delivered+1 WHERE host_id=?");
  h.bind(1, now).bind(2, now).bind(3, httpStatus).bind(4, hostId).run();
  touchTenant(db_, tenantId);
  sqlite::Statement t(db_,
                      "UPDATE tenant_status SET last_success_at=?, delivered=delivered+1, "
                      "consecutive_failures=0 WHERE tenant_id=?");
  t.bind(1, now).bind(2, tenantId).run();
  tx.commit();
  if (removed) bytes_ -= std::min(bytes_, bytes);
  return removed;
}

void ForwardQueue::markFailed(Id hostId, Id tenantId, Time now, const std::string& error,
                              int httpStatus, bool tenantWide) {
  sqlite::Transaction tx(db_);
  sqlite::Statement p(db_, "UPDATE pending SET attempts=attempts+1 WHERE host_id=?");
  p.bind(1, hostId).run();
  sqlite::Statement h(db_,
                      "UPDATE host_status SET last_attempt_at=?, last_error=?, last_error_at=?, "
                      "last_http_status=? WHERE host_id=?");
  h.bind(1, now).bind(2, error).bind(3, now).bind(4, httpStatus).bind(5, hostId).run();
  touchTenant(db_, tenantId);
  sqlite::Statement t(db_,
                      "UPDATE tenant_status SET last_error=?, last_error_at=?, "
                      "consecutive_failures=consecutive_failures+? WHERE tenant_id=?");
  t.bind(1, error).bind(2, now).bind(3, tenantWide ? 1 : 0).bind(4, tenantId).run();
  tx.commit();
}

void ForwardQueue::drop(Id hostId, Time now, const std::string& reason) {
  sqlite::Transaction tx(db_);
  std::size_t bytes = 0;
  {
    sqlite::Statement s(db_, "SELECT bytes FROM pending WHERE host_id=?");
    s.bind(1, hostId);
    if (s.step()) bytes = static_cast<std::size_t>(s.int64(0));
  }
  sqlite::Statement del(db_, "DELETE FROM pending WHERE host_id=?");
  del.bind(1, hostId).run();
  sqlite::Statement h(db_,
                      "UPDATE host_status SET dropped=dropped+1, last_error=?, last_error_at=? "
                      "WHERE host_id=?");
  h.bind(1, reason).bind(2, now).bind(3, hostId).run();
  tx.commit();
  bytes_ -= std::min(bytes_, bytes);
}

std::vector<HostStatusRow> ForwardQueue::hostStatus() {
  std::vector<HostStatusRow> out;
  sqlite::Statement s(
      db_,
      "SELECT h.host_id, h.tenant_id, h.host_uid, h.hostname, p.host_id IS NOT NULL, "
      "COALESCE(p.attempts, 0), p.queued_at, h.last_success_at, h.last_attempt_at, "
      "h.last_error_at, h.last_error, h.last_http_status, h.delivered, h.replaced, h.dropped "
      "FROM host_status h LEFT JOIN pending p ON p.host_id = h.host_id ORDER BY h.tenant_id, "
      "h.host_id");
  while (s.step()) {
    HostStatusRow r;
    r.hostId = s.int64(0);
    r.tenantId = s.int64(1);
    r.hostUid = s.text(2);
    r.hostname = s.text(3);
    r.pending = s.int64(4) != 0;
    r.attempts = static_cast<int>(s.int64(5));
    r.queuedAt = s.optInt64(6);
    r.lastSuccessAt = s.optInt64(7);
    r.lastAttemptAt = s.optInt64(8);
    r.lastErrorAt = s.optInt64(9);
    r.lastError = s.text(10);
    r.lastHttpStatus = static_cast<int>(s.int64(11));
    r.delivered = s.int64(12);
    r.replaced = s.int64(13);
    r.dropped = s.int64(14);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<TenantStatusRow> ForwardQueue::tenantStatus() {
  std::vector<TenantStatusRow> out;
  sqlite::Statement s(db_,
                      "SELECT tenant_id, last_success_at, last_error_at, last_error, delivered, "
                      "consecutive_failures FROM tenant_status ORDER BY tenant_id");
  while (s.step()) {
    TenantStatusRow r;
    r.tenantId = s.int64(0);
    r.lastSuccessAt = s.optInt64(1);
    r.lastErrorAt = s.optInt64(2);
    r.lastError = s.text(3);
    r.delivered = s.int64(4);
    r.consecutiveFailures = static_cast<int>(s.int64(5));
    out.push_back(std::move(r));
  }
  return out;
}

std::size_t ForwardQueue::queuedCount() {
  sqlite::Statement s(db_, "SELECT COUNT(*) FROM pending");
  s.step();
  return static_cast<std::size_t>(s.int64(0));
}

}  // namespace parc::server::forward
