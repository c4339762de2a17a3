// The hash-chained audit log of the SQLite store (server/security/audit_chain.h).
#include "server/security/audit_chain.h"
#include "server/store/sqlite/sqlite_store.h"

namespace parc::server::store {

using sqlite::Statement;
using sqlite::Transaction;

namespace {

constexpr const char* kAuditColumns =
    "id, at, actor, action, target, source, result, tenant_id, detail, hash";

AuditEntry readAudit(const Statement& s) {
  AuditEntry e;
  e.id = s.int64(0);
  e.at = s.int64(1);
  e.actor = s.text(2);
  e.action = s.text(3);
  e.target = s.text(4);
  e.source = s.text(5);
  e.result = s.text(6);
  e.tenantId = s.optInt64(7);
  e.detail = s.text(8);
  e.hash = s.text(9);
  return e;
}

}  // namespace

AuditCheckpoint SqliteStore::checkpointLocked() {
  Statement s(db_, "SELECT last_id, last_hash FROM audit_checkpoint WHERE id = 1");
  if (!s.step()) return AuditCheckpoint{0, security::genesisHash()};
  return AuditCheckpoint{s.int64(0), s.text(1)};
}

void SqliteStore::appendAudit(const AuditEntry& e) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  // The new record links to the newest one, or to the checkpoint when retention has
  // removed everything (or nothing was chained yet).
  AuditCheckpoint link = checkpointLocked();
  Statement last(db_, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1");
  if (last.step() && last.int64(0) > link.lastId)
    link = AuditCheckpoint{last.int64(0), last.text(1)};

  security::AuditRecord r{link.lastId + 1, e.at,     e.actor,  e.action,
                          e.target,        e.source, e.result, e.detail};
  std::string hash = security::chainHash(link.lastHash, r);
  Statement(db_,
            "INSERT INTO audit_log(id, at, actor, action, target, source, result, tenant_id, "
            "detail, hash) VALUES(?,?,?,?,?,?,?,?,?,?)")
      .bind(1, r.id)
      .bind(2, e.at)
      .bind(3, e.actor)
      .bind(4, e.action)
      .bind(5, e.target)
      .bind(6, e.source)
      .bind(7, e.result)
      .bind(8, e.tenantId)
      .bind(9, e.detail)
      .bind(10, hash)
      .run();
  tx.commit();
}

std::vector<AuditEntry> SqliteStore::listAudit(int limit) {
  AuditQuery q;
  q.limit = limit;
  return queryAudit(q);
}

std::vector<AuditEntry> SqliteStore::queryAudit(const AuditQuery& q) {
  std::lock_guard lock(mutex_);
  std::string sql = std::string("SELECT ") + kAuditColumns + " FROM audit_log WHERE 1 = 1";
  // Scoped readers see the entries of their tenants only, never the global ones.
  if (q.scope.tenants) sql += " AND tenant_id IN (SELECT value FROM json_each(?1))";
  if (!q.actor.empty()) sql += " AND actor = ?2";
  if (!q.action.empty()) sql += " AND substr(action, 1, length(?3)) = ?3";
  if (q.since) sql += " AND at >= ?4";
  if (q.until) sql += " AND at < ?5";
  if (q.beforeId > 0) sql += " AND id < ?6";
  sql += " ORDER BY id DESC LIMIT ?7";
  Statement s(db_, sql);
  if (q.scope.tenants) s.bind(1, Json(*q.scope.tenants).dump());
  if (!q.actor.empty()) s.bind(2, q.actor);
  if (!q.action.empty()) s.bind(3, q.action);
  if (q.since) s.bind(4, *q.since);
  if (q.until) s.bind(5, *q.until);
  if (q.beforeId > 0) s.bind(6, q.beforeId);
  s.bind(7, q.limit);
  std::vector<AuditEntry> out;
  while (s.step()) out.push_back(readAudit(s));
  return out;
}

std::vector<AuditEntry> SqliteStore::auditRange(Id afterId, int limit) {
  std::lock_guard lock(mutex_);
  Statement s(db_, std::string("SELECT ") + kAuditColumns +
                       " FROM audit_log WHERE id > ? ORDER BY id LIMIT ?");
  s.bind(1, afterId).bind(2, limit);
  std::vector<AuditEntry> out;
  while (s.step()) out.push_back(readAudit(s));
  return out;
}

AuditCheckpoint SqliteStore::auditCheckpoint() {
  std::lock_guard lock(mutex_);
  return checkpointLocked();
}

std::int64_t SqliteStore::purgeAudit(Time before) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  // Records are removed oldest first and as a prefix only: a gap in the middle would
  // break the chain (and hide what happened between).
  Statement firstKept(db_, "SELECT COALESCE(MIN(id), 0) FROM audit_log WHERE at >= ?");
  firstKept.bind(1, before);
  firstKept.step();
  Id keepFrom = firstKept.int64(0);
  Id lastId = 0;
  std::string lastHash;
  {
    Statement s(
        db_, "SELECT id, hash FROM audit_log WHERE (?1 = 0 OR id < ?1) ORDER BY id DESC LIMIT 1");
    s.bind(1, keepFrom);
    if (!s.step()) return 0;
    lastId = s.int64(0);
    lastHash = s.text(1);
  }
  AuditCheckpoint current = checkpointLocked();
  Statement(db_, "UPDATE audit_gate SET open = 1 WHERE id = 1").run();
  Statement(db_, "DELETE FROM audit_log WHERE id <= ?").bind(1, lastId).run();
  std::int64_t removed = db_.changes();
  Statement(db_, "UPDATE audit_gate SET open = 0 WHERE id = 1").run();
  // Legacy records (before the chain existed) carry no hash: the checkpoint keeps its own.
  if (lastId > current.lastId && !lastHash.empty()) {
    Statement(db_,
              "INSERT OR REPLACE INTO audit_checkpoint(id, last_id, last_hash) VALUES(1, ?, ?)")
        .bind(1, lastId)
        .bind(2, lastHash)
        .run();
  }
  tx.commit();
  return removed;
}

}  // namespace parc::server::store
