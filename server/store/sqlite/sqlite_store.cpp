#include "server/store/sqlite/sqlite_store.h"

#include "common/crypto/hash.h"
#include "common/error.h"
#include "common/protocol/messages.h"
#include "server/inventory/diff.h"
#include "server/inventory/merge.h"
#include "server/inventory/search_terms.h"
#include "server/store/sqlite/migrations.h"

namespace parc::server::store {

using sqlite::Statement;
using sqlite::Transaction;

namespace {

constexpr const char* kHostColumns =
    "id, tenant_id, uid, hostname, device_id, cert_fingerprint, cert_serial, cert_not_after, "
    "enrolled_at, last_seen, inventory_at, inventory_hash, os_name, hardware, serial, revoked, "
    "online, offline_since, agent_version, previous_fingerprint, previous_not_after, "
    "match_host_id, hw_fingerprint, clone_suspected";

Host readHost(const Statement& s) {
  Host h;
  h.id = s.int64(0);
  h.tenantId = s.int64(1);
  h.uid = s.text(2);
  h.hostname = s.text(3);
  h.deviceId = s.text(4);
  h.certFingerprint = s.text(5);
  h.certSerial = s.text(6);
  h.certNotAfter = s.int64(7);
  h.enrolledAt = s.int64(8);
  h.lastSeen = s.optInt64(9);
  h.inventoryAt = s.optInt64(10);
  h.inventoryHash = s.text(11);
  h.osName = s.text(12);
  h.hardware = s.text(13);
  h.serial = s.text(14);
  h.revoked = s.int64(15) != 0;
  h.online = s.int64(16) != 0;
  h.offlineSince = s.optInt64(17);
  h.agentVersion = s.text(18);
  h.previousFingerprint = s.text(19);
  h.previousNotAfter = s.int64(20);
  h.matchHostId = s.optInt64(21);
  h.hardwareFingerprint = s.text(22);
  h.cloneSuspected = s.int64(23) != 0;
  return h;
}

constexpr const char* kTokenColumns =
    "id, tenant_id, prefix, description, created_at, expires_at, max_uses, uses, revoked, "
    "created_by";

EnrollmentToken readToken(const Statement& s) {
  EnrollmentToken t;
  t.id = s.int64(0);
  t.tenantId = s.int64(1);
  t.prefix = s.text(2);
  t.description = s.text(3);
  t.createdAt = s.int64(4);
  t.expiresAt = s.int64(5);
  t.maxUses = static_cast<int>(s.int64(6));
  t.uses = static_cast<int>(s.int64(7));
  t.revoked = s.int64(8) != 0;
  t.createdBy = s.text(9);
  return t;
}

Tenant readTenant(const Statement& s) {
  return Tenant{s.int64(0), s.text(1), s.text(2), s.int64(3)};
}

}  // namespace

SqliteStore::SqliteStore(const std::filesystem::path& path) : db_(sqlite::Database::open(path)) {
  sqlite::migrate(db_, sqlite_store::migrations());
}

Tenant SqliteStore::createTenant(const std::string& name, const std::string& inseeCode, Time now) {
  std::lock_guard lock(mutex_);
  Statement(db_, "INSERT INTO tenants(name, insee_code, created_at) VALUES(?,?,?)")
      .bind(1, name)
      .bind(2, inseeCode)
      .bind(3, now)
      .run();
  return Tenant{db_.lastInsertId(), name, inseeCode, now};
}

std::vector<Tenant> SqliteStore::listTenants() {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT id, name, insee_code, created_at FROM tenants ORDER BY name");
  std::vector<Tenant> out;
  while (s.step()) out.push_back(readTenant(s));
  return out;
}

std::optional<Tenant> SqliteStore::findTenant(Id id) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT id, name, insee_code, created_at FROM tenants WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return readTenant(s);
}

EnrollmentToken SqliteStore::createToken(const EnrollmentToken& token,
                                         const std::string& secretHash) {
  std::lock_guard lock(mutex_);
  Statement(
      db_,
      "INSERT INTO enrollment_tokens(tenant_id, secret_hash, prefix, description, created_at, "
      "expires_at, max_uses, created_by) VALUES(?,?,?,?,?,?,?,?)")
      .bind(1, token.tenantId)
      .bind(2, secretHash)
      .bind(3, token.prefix)
      .bind(4, token.description)
      .bind(5, token.createdAt)
      .bind(6, token.expiresAt)
      .bind(7, token.maxUses)
      .bind(8, token.createdBy)
      .run();
  EnrollmentToken out = token;
  out.id = db_.lastInsertId();
  return out;
}

std::vector<EnrollmentToken> SqliteStore::listTokens() {
  std::lock_guard lock(mutex_);
  Statement s(db_, std::string("SELECT ") + kTokenColumns + " FROM enrollment_tokens ORDER BY id");
  std::vector<EnrollmentToken> out;
  while (s.step()) out.push_back(readToken(s));
  return out;
}

std::vector<Tenant> SqliteStore::listTenants(const TenantScope& scope) {
  if (scope.all()) return listTenants();
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT id, name, insee_code, created_at FROM tenants "
              "WHERE id IN (SELECT value FROM json_each(?)) ORDER BY name");
  s.bind(1, Json(*scope.tenants).dump());
  std::vector<Tenant> out;
  while (s.step()) out.push_back(readTenant(s));
  return out;
}

std::vector<EnrollmentToken> SqliteStore::listTokens(const TenantScope& scope) {
  auto all = listTokens();
  if (scope.all()) return all;
  std::erase_if(all, [&](const EnrollmentToken& t) { return !scope.allows(t.tenantId); });
  return all;
}

std::optional<EnrollmentToken> SqliteStore::findToken(Id id) {
  std::lock_guard lock(mutex_);
  Statement s(db_, std::string("SELECT ") + kTokenColumns + " FROM enrollment_tokens WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return readToken(s);
}

bool SqliteStore::revokeToken(Id id) {
  std::lock_guard lock(mutex_);
  Statement(db_, "UPDATE enrollment_tokens SET revoked = 1 WHERE id = ?").bind(1, id).run();
  return db_.changes() > 0;
}

EnrollOutcome SqliteStore::enrollHost(const std::string& secretHash, Time now, NewHost host,
                                      const IssueCertificate& issue) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  Statement find(db_, std::string("SELECT ") + kTokenColumns +
                          " FROM enrollment_tokens WHERE secret_hash = ?");
  find.bind(1, secretHash);
  if (!find.step()) return {TokenRefusal::kUnknown, std::nullopt};
  EnrollmentToken token = readToken(find);
  if (token.revoked) return {TokenRefusal::kRevoked, std::nullopt};
  if (token.expiresAt <= now) return {TokenRefusal::kExpired, std::nullopt};
  if (token.uses >= token.maxUses) return {TokenRefusal::kExhausted, std::nullopt};
  // Only now, with the token accepted and still locked in this transaction, is the CSR
  // signed: a refused enrolment never produces a certificate (and a throw rolls back).
  issue(host);

  Statement(db_, "UPDATE enrollment_tokens SET uses = uses + 1 WHERE id = ?")
      .bind(1, token.id)
      .run();
  // A re-installed PC keeps its hardware: the same device id in the same tenant.
  std::optional<Id> match;
  if (!host.deviceId.empty()) {
    Statement m(db_,
                "SELECT id FROM hosts WHERE tenant_id = ? AND device_id = ? AND revoked = 0 "
                "AND match_host_id IS NULL ORDER BY id LIMIT 1");
    m.bind(1, token.tenantId).bind(2, host.deviceId);
    if (m.step()) match = m.int64(0);
  }
  Statement(db_,
            "INSERT INTO hosts(tenant_id, uid, hostname, device_id, cert_fingerprint, cert_serial, "
            "cert_not_after, enrolled_at, match_host_id) VALUES(?,?,?,?,?,?,?,?,?)")
      .bind(1, token.tenantId)
      .bind(2, host.uid)
      .bind(3, host.hostname)
      .bind(4, host.deviceId)
      .bind(5, host.certFingerprint)
      .bind(6, host.certSerial)
      .bind(7, host.certNotAfter)
      .bind(8, now)
      .bind(9, match)
      .run();
  Id id = db_.lastInsertId();
  Statement(db_, "INSERT INTO host_search(rowid, terms) VALUES(?, ?)")
      .bind(1, id)
      .bind(2, host.hostname + " " + host.uid)
      .run();
  tx.commit();

  Host created;
  created.id = id;
  created.tenantId = token.tenantId;
  created.uid = host.uid;
  created.hostname = host.hostname;
  created.deviceId = host.deviceId;
  created.certFingerprint = host.certFingerprint;
  created.certSerial = host.certSerial;
  created.certNotAfter = host.certNotAfter;
  created.enrolledAt = now;
  created.matchHostId = match;
  return {TokenRefusal::kNone, created};
}

std::optional<Host> SqliteStore::findHostByFingerprint(const std::string& fingerprint) {
  std::lock_guard lock(mutex_);
  // The previous certificate stays valid during the renewal overlap.
  Statement s(db_, std::string("SELECT ") + kHostColumns +
                       " FROM hosts WHERE cert_fingerprint = ?1 OR previous_fingerprint = ?1");
  s.bind(1, fingerprint);
  if (!s.step()) return std::nullopt;
  return readHost(s);
}

std::optional<Host> SqliteStore::findHost(Id id) {
  std::lock_guard lock(mutex_);
  Statement s(db_, std::string("SELECT ") + kHostColumns + " FROM hosts WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return readHost(s);
}

std::vector<Host> SqliteStore::findHosts(const std::vector<Id>& ids) {
  if (ids.empty()) return {};
  std::string list = "[";
  for (Id id : ids) list += std::to_string(id) + ",";
  list.back() = ']';
  std::lock_guard lock(mutex_);
  Statement s(db_, std::string("SELECT ") + kHostColumns +
                       " FROM hosts WHERE id IN (SELECT value FROM json_each(?))");
  s.bind(1, list);
  std::vector<Host> out;
  while (s.step()) out.push_back(readHost(s));
  return out;
}

std::vector<Host> SqliteStore::listHosts() {
  std::lock_guard lock(mutex_);
  Statement s(db_, std::string("SELECT ") + kHostColumns + " FROM hosts ORDER BY hostname, id");
  std::vector<Host> out;
  while (s.step()) out.push_back(readHost(s));
  return out;
}

namespace {

// The columns the hosts list may sort by (never interpolated from input).
const char* sortColumn(const std::string& sort) {
  if (sort == "last_seen") return "h.last_seen";
  if (sort == "tenant") return "t.name";
  if (sort == "os") return "h.os_name";
  if (sort == "serial") return "h.serial";
  if (sort == "enrolled_at") return "h.enrolled_at";
  return "h.hostname";
}

// A person's search text as an FTS5 query: every word must match, as a prefix; quotes
// make each word a literal, so no FTS5 syntax comes through.
std::string ftsQuery(const std::string& text) {
  std::string out, word;
  auto flush = [&] {
    if (word.empty()) return;
    if (!out.empty()) out += " AND ";
    out += '"' + word + "\"*";
    word.clear();
  };
  for (char c : text) {
    if (c == '"') continue;
    if (c == ' ' || c == '\t') {
      flush();
    } else {
      word += c;
    }
  }
  flush();
  return out;
}

}  // namespace

HostPage SqliteStore::queryHosts(const HostQuery& q) {
  std::string where = " WHERE 1 = 1";
  if (q.scope.tenants) {
    where += " AND h.tenant_id IN (SELECT value FROM json_each(?1))";
  }
  if (q.tenantId) where += " AND h.tenant_id = ?2";
  if (q.online) where += " AND h.online = ?3";
  std::string fts = ftsQuery(q.text);
  // The inventory's words, or the tenant's name ("Espalion" finds the commune's PCs).
  if (!fts.empty()) {
    where +=
        " AND (h.id IN (SELECT rowid FROM host_search WHERE terms MATCH ?4) "
        "OR t.name LIKE '%' || ?7 || '%' ESCAPE '\\')";
  }
  auto bindAll = [&](Statement& st) {
    if (q.scope.tenants) st.bind(1, Json(*q.scope.tenants).dump());
    if (q.tenantId) st.bind(2, *q.tenantId);
    if (q.online) st.bind(3, *q.online ? 1 : 0);
    if (!fts.empty()) {
      st.bind(4, fts);
      std::string like;
      for (char c : q.text) {
        if (c == '%' || c == '_' || c == '\\') like += '\\';
        like += c;
      }
      st.bind(7, like);
    }
  };
  std::string from = " FROM hosts h JOIN tenants t ON t.id = h.tenant_id";
  std::lock_guard lock(mutex_);
  HostPage page;
  Statement count(db_, "SELECT COUNT(*)" + from + where);
  bindAll(count);
  count.step();
  page.total = count.int64(0);

  static const std::string columns = [] {
    // Every column with the hosts alias: tenants has an id too.
    std::string out = std::string("h.") + kHostColumns;
    for (auto pos = out.find(", "); pos != std::string::npos; pos = out.find(", ", pos + 4)) {
      out.replace(pos, 2, ", h.");
    }
    return out;
  }();
  std::string order = std::string(" ORDER BY ") + sortColumn(q.sort) +
                      (q.descending ? " DESC" : " ASC") + ", h.id LIMIT ?5 OFFSET ?6";
  Statement s(db_, "SELECT " + columns + from + where + order);
  bindAll(s);
  s.bind(5, q.limit).bind(6, q.offset);
  while (s.step()) page.items.push_back(readHost(s));
  return page;
}

bool SqliteStore::revokeHost(Id id) {
  std::lock_guard lock(mutex_);
  Statement(db_, "UPDATE hosts SET revoked = 1 WHERE id = ?").bind(1, id).run();
  return db_.changes() > 0;
}

void SqliteStore::renewHostCertificate(Id id, const std::string& fingerprint,
                                       const std::string& serial, Time notAfter) {
  std::lock_guard lock(mutex_);
  Statement(db_,
            "UPDATE hosts SET previous_fingerprint = cert_fingerprint, "
            "previous_not_after = cert_not_after, cert_fingerprint = ?, cert_serial = ?, "
            "cert_not_after = ? WHERE id = ?")
      .bind(1, fingerprint)
      .bind(2, serial)
      .bind(3, notAfter)
      .bind(4, id)
      .run();
}

void SqliteStore::forgetPreviousCertificate(Id id) {
  std::lock_guard lock(mutex_);
  Statement(db_, "UPDATE hosts SET previous_fingerprint = '', previous_not_after = 0 WHERE id = ?")
      .bind(1, id)
      .run();
}

bool SqliteStore::approveHostMatch(Id newId) {
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  Statement find(db_, std::string("SELECT ") + kHostColumns +
                          " FROM hosts WHERE id = ? AND match_host_id IS NOT NULL");
  find.bind(1, newId);
  if (!find.step()) return false;
  Host fresh = readHost(find);
  Id oldId = *fresh.matchHostId;
  // What the re-installed agent already sent moves over to the old host, whose history
  // stays; the newest inventory wins.
  for (const char* table :
       {"received_messages", "agent_messages", "inventory_changes", "host_clone_reports"}) {
    Statement(db_,
              std::string("UPDATE OR IGNORE ") + table + " SET host_id = ?1 WHERE host_id = ?2")
        .bind(1, oldId)
        .bind(2, newId)
        .run();
    Statement(db_, std::string("DELETE FROM ") + table + " WHERE host_id = ?").bind(1, newId).run();
  }
  Statement(db_,
            "INSERT OR REPLACE INTO host_inventory(host_id, document, agent_hash) "
            "SELECT ?1, document, agent_hash FROM host_inventory WHERE host_id = ?2")
      .bind(1, oldId)
      .bind(2, newId)
      .run();
  Statement(db_, "DELETE FROM host_inventory WHERE host_id = ?").bind(1, newId).run();
  Statement(db_, "DELETE FROM host_search WHERE rowid = ?").bind(1, newId).run();
  Statement(db_, "DELETE FROM hosts WHERE id = ?").bind(1, newId).run();
  // Only now, the unique certificate columns being free: the old host takes the new identity.
  Statement(db_,
            "UPDATE hosts SET uid = ?, cert_fingerprint = ?, cert_serial = ?, cert_not_after = ?, "
            "hostname = CASE WHEN ?5 = '' THEN hostname ELSE ?5 END, previous_fingerprint = '', "
            "previous_not_after = 0, revoked = 0, online = 0 WHERE id = ?6")
      .bind(1, fresh.uid)
      .bind(2, fresh.certFingerprint)
      .bind(3, fresh.certSerial)
      .bind(4, fresh.certNotAfter)
      .bind(5, fresh.hostname)
      .bind(6, oldId)
      .run();
  tx.commit();
  return true;
}

bool SqliteStore::rejectHostMatch(Id newId) {
  std::lock_guard lock(mutex_);
  Statement(db_, "UPDATE hosts SET match_host_id = NULL WHERE id = ? AND match_host_id IS NOT NULL")
      .bind(1, newId)
      .run();
  return db_.changes() > 0;
}

std::optional<std::string> SqliteStore::hostInventory(Id id) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT document FROM host_inventory WHERE host_id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

void SqliteStore::writeInventory(const InventoryWrite& w, const std::string& document,
                                 const std::string& agentHash) {
  Statement(db_,
            "INSERT INTO host_inventory(host_id, document, agent_hash) VALUES(?,?,?) "
            "ON CONFLICT(host_id) DO UPDATE SET document = excluded.document, "
            "agent_hash = excluded.agent_hash")
      .bind(1, w.hostId)
      .bind(2, document)
      .bind(3, agentHash)
      .run();
  // A summary field missing from this message (a delta, a failed collector) keeps the
  // last known value rather than blanking the host list.
  Statement(db_,
            "UPDATE hosts SET last_seen = ?, inventory_at = ?, inventory_hash = ?, "
            "os_name = CASE WHEN ?4 = '' THEN os_name ELSE ?4 END, "
            "hardware = CASE WHEN ?5 = '' THEN hardware ELSE ?5 END, "
            "serial = CASE WHEN ?6 = '' THEN serial ELSE ?6 END, "
            "hostname = CASE WHEN ?7 = '' THEN hostname ELSE ?7 END "
            "WHERE id = ?8")
      .bind(1, w.receivedAt)
      .bind(2, w.receivedAt)
      .bind(3, crypto::sha256Hex(document))
      .bind(4, w.osName)
      .bind(5, w.hardware)
      .bind(6, w.serial)
      .bind(7, w.hostname)
      .bind(8, w.hostId)
      .run();
}

void SqliteStore::insertChanges(Id hostId, Time at, const Json& before, const Json& after) {
  Statement s(db_,
              "INSERT INTO inventory_changes(host_id, at, section, kind, item, field, \"before\", "
              "\"after\", summary) VALUES(?,?,?,?,?,?,?,?,?)");
  for (const auto& c : inventory::diffInventories(before, after)) {
    s.reset();
    s.bind(1, hostId)
        .bind(2, at)
        .bind(3, c.section)
        .bind(4, c.kind)
        .bind(5, c.item)
        .bind(6, c.field)
        .bind(7, c.before)
        .bind(8, c.after)
        .bind(9, c.summary)
        .run();
  }
}

MessageOutcome SqliteStore::applyInventory(const InventoryWrite& w) {
  std::optional<Json> stored;
  std::string storedBase;
  {
    Statement s(db_, "SELECT document, agent_hash FROM host_inventory WHERE host_id = ?");
    s.bind(1, w.hostId);
    if (s.step()) {
      stored = parseJson(s.text(0), 256);
      storedBase = s.text(1);
    }
  }
  Json incoming = parseJson(w.document, 256);
  // Another machine's inventory is kept aside before anything else: merged, it would
  // overwrite this PC's view; refused as a stale delta, it would come back forever.
  if (auto aside = keepAsideIfCloned(w, incoming, stored)) return *aside;
  // A delta only makes sense on the view it was computed against: otherwise sections
  // the agent believes the server has would silently be stale or missing.
  if (!w.full && (!stored || storedBase.empty() || storedBase != w.base))
    return MessageOutcome::kUnknownBase;
  Json merged = w.full ? std::move(incoming) : inventory::mergeInventory(*stored, incoming);
  // The first inventory of a host is its starting point, not a list of changes.
  if (stored) insertChanges(w.hostId, w.receivedAt, *stored, merged);
  writeInventory(w, protocol::canonical(merged), w.agentHash);
  Statement(db_, "INSERT OR REPLACE INTO host_search(rowid, terms) VALUES(?, ?)")
      .bind(1, w.hostId)
      .bind(2, inventory::searchTerms(merged) + w.hostname)
      .run();
  return MessageOutcome::kStored;
}

std::vector<InventoryChangeRow> SqliteStore::listInventoryChanges(Id hostId, int limit,
                                                                  Id beforeId) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT id, host_id, at, section, kind, item, field, \"before\", \"after\", summary "
              "FROM inventory_changes WHERE host_id = ? AND (? = 0 OR id < ?) "
              "ORDER BY id DESC LIMIT ?");
  s.bind(1, hostId).bind(2, beforeId).bind(3, beforeId).bind(4, limit);
  std::vector<InventoryChangeRow> out;
  while (s.step()) {
    out.push_back({s.int64(0), s.int64(1), s.int64(2), s.text(3), s.text(4), s.text(5), s.text(6),
                   s.text(7), s.text(8), s.text(9)});
  }
  return out;
}

// Group commit: requests that arrive while a transaction is being written wait, then
// the first of them writes all of theirs in one transaction (one fsync for many
// reports). Each caller still returns only once its messages are durable.
std::vector<MessageOutcome> SqliteStore::storeMessages(Id hostId,
                                                       const std::vector<IncomingMessage>& batch,
                                                       Time now) {
  auto result = storeMessageGroups({{hostId, batch}}, now);
  if (result.front().error) std::rethrow_exception(result.front().error);
  return std::move(result.front().outcomes);
}

std::vector<Store::GroupOutcome> SqliteStore::storeMessageGroups(
    const std::vector<HostBatch>& batches, Time now) {
  std::vector<PendingBatch> mine;
  mine.reserve(batches.size());
  for (const auto& b : batches)
    mine.push_back({b.hostId, b.messages, now, {}, {}, {}, false, b.touchLastSeen});
  group_.submit(mine, [this](const std::vector<PendingBatch*>& taken) { commitGroup(taken); });
  std::vector<GroupOutcome> out;
  out.reserve(mine.size());
  for (auto& p : mine) {
    if (p.groupError) std::rethrow_exception(p.groupError);
    out.push_back({std::move(p.outcomes), p.error});
  }
  return out;
}

// The statements every message of a group runs, prepared once for the whole group.
struct SqliteStore::MessageStatements {
  explicit MessageStatements(sqlite::Database& db)
      : seen(db, "SELECT 1 FROM received_messages WHERE host_id = ? AND message_id = ?"),
        remember(db,
                 "INSERT INTO received_messages(message_id, host_id, received_at) VALUES(?,?,?)"),
        keep(db,
             "INSERT INTO agent_messages(host_id, message_id, type, created_at, received_at, "
             "payload) VALUES(?,?,?,?,?,?)"),
        touch(db, "UPDATE hosts SET last_seen = MAX(COALESCE(last_seen, 0), ?) WHERE id = ?") {}
  Statement seen, remember, keep, touch;
};

void SqliteStore::commitGroup(const std::vector<PendingBatch*>& group) {
  std::lock_guard lock(mutex_);
  try {
    Transaction tx(db_);
    MessageStatements st(db_);
    for (auto* p : group) {
      // One host's bad batch must not fail the others' in the same transaction.
      try {
        sqlite::Savepoint part(db_);
        p->outcomes = storeBatchLocked(st, *p);
        part.release();
      } catch (...) {
        p->outcomes.clear();
        p->error = std::current_exception();
      }
    }
    tx.commit();
  } catch (...) {
    // Nothing of the group was written: every caller gets the error and its agent resends.
    for (auto* p : group) {
      p->outcomes.clear();
      p->groupError = std::current_exception();
    }
  }
}

std::vector<MessageOutcome> SqliteStore::storeBatchLocked(MessageStatements& st,
                                                          const PendingBatch& pending) {
  const Id hostId = pending.hostId;
  const Time now = pending.now;
  const auto& batch = pending.batch;
  std::vector<MessageOutcome> outcomes;
  outcomes.reserve(batch.size());
  for (const auto& m : batch) {
    // A resend of an applied delta is a duplicate, not a stale base: check ids first.
    st.seen.reset();
    st.seen.bind(1, hostId).bind(2, m.id);
    bool seen = st.seen.step();
    st.seen.reset();  // no read left open across the writes and the commit
    if (seen) {
      outcomes.push_back(MessageOutcome::kDuplicate);
      continue;
    }
    MessageOutcome outcome = m.inventory ? applyInventory(*m.inventory) : MessageOutcome::kStored;
    if (outcome == MessageOutcome::kUnknownBase) {
      outcomes.push_back(outcome);
      continue;
    }
    st.remember.reset();
    st.remember.bind(1, m.id).bind(2, hostId).bind(3, now).run();
    if (!m.inventory) {
      st.keep.reset();
      st.keep.bind(1, hostId)
          .bind(2, m.id)
          .bind(3, m.type)
          .bind(4, m.createdAt)
          .bind(5, now)
          .bind(6, m.payload)
          .run();
    }
    outcomes.push_back(outcome);
  }
  // A page of the hosts table per report otherwise, scattered over the fleet's rows: at
  // 10,000 hosts nearly one page written (and checkpointed) per report.
  if (pending.touchLastSeen) {
    st.touch.reset();
    st.touch.bind(1, now).bind(2, hostId).run();
  }
  return outcomes;
}

std::int64_t SqliteStore::countMessages(Id hostId, const std::string& type) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT COUNT(*) FROM agent_messages WHERE host_id = ? AND type = ?");
  s.bind(1, hostId).bind(2, type);
  s.step();
  return s.int64(0);
}

Store::MessagePurge SqliteStore::purgeMessages(const MessageCutoffs& cutoffs,
                                               const std::function<bool()>& keepGoing) {
  // Each statement deletes at most kSlice rows of one host (both tables lead with
  // host_id), in a transaction of its own: the reports' group commits wait for the lock
  // a few milliseconds at most, even on the first purge of a years-old database.
  constexpr int kSlice = 2000;
  MessagePurge purged;
  struct Kind {
    const char* sql;
    Time before;
    std::int64_t& removed;
  };
  const Kind kinds[] = {
      {"DELETE FROM agent_messages WHERE id IN (SELECT id FROM agent_messages WHERE "
       "host_id = ?1 AND type = 'metrics' AND received_at < ?2 LIMIT ?3)",
       cutoffs.metricsBefore, purged.metricsCopies},
      {"DELETE FROM agent_messages WHERE id IN (SELECT id FROM agent_messages WHERE "
       "host_id = ?1 AND type <> 'metrics' AND received_at < ?2 LIMIT ?3)",
       cutoffs.othersBefore, purged.otherMessages},
      {"DELETE FROM received_messages WHERE host_id = ?1 AND message_id IN (SELECT message_id "
       "FROM received_messages WHERE host_id = ?1 AND received_at < ?2 LIMIT ?3)",
       cutoffs.idsBefore, purged.receivedIds},
  };
  std::vector<Id> hosts;
  {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT id FROM hosts ORDER BY id");
    while (s.step()) hosts.push_back(s.int64(0));
  }
  for (Id host : hosts) {
    for (const Kind& kind : kinds) {
      if (kind.before <= 0) continue;  // kept forever: no need to walk the host's rows
      for (int removed = kSlice; removed == kSlice;) {
        if (!keepGoing()) return purged;
        std::lock_guard lock(mutex_);
        Statement(db_, kind.sql)
            .bind(1, host)
            .bind(2, kind.before)
            .bind(3, std::int64_t{kSlice})
            .run();
        removed = db_.changes();
        kind.removed += removed;
      }
    }
  }
  return purged;
}

std::optional<Time> SqliteStore::lastMessageReceivedAt() {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT received_at FROM agent_messages ORDER BY id DESC LIMIT 1");
  if (!s.step()) return std::nullopt;
  return s.int64(0);
}

void SqliteStore::forEachMetricsCopy(Time since,
                                     const std::function<void(std::vector<MetricsCopy>&)>& visit) {
  // agent_messages has no index on received_at (one more write per message for a read
  // done once per start), but its ids grow with arrival: the copies since `since` are the
  // table's tail, found walking back from the newest row. A group's received_at is taken
  // before it waits for this lock, so arrival order may run behind it by that wait: the
  // walk goes kOrderSlack further back.
  constexpr Time kOrderSlack = 300;
  constexpr int kPage = 1000;
  Id first = 0;
  {
    std::lock_guard lock(mutex_);
    Statement tail(db_, "SELECT id, received_at FROM agent_messages ORDER BY id DESC");
    while (tail.step() && tail.int64(1) >= since - kOrderSlack) first = tail.int64(0);
  }
  if (first == 0) return;
  for (Id next = first;;) {
    std::vector<MetricsCopy> page;
    {
      std::lock_guard lock(mutex_);
      Statement s(db_,
                  "SELECT m.id, m.host_id, h.tenant_id, m.message_id, m.received_at, m.payload "
                  "FROM agent_messages m JOIN hosts h ON h.id = m.host_id "
                  "WHERE m.id >= ? AND m.type = 'metrics' AND m.received_at >= ? "
                  "ORDER BY m.id LIMIT ?");
      s.bind(1, next).bind(2, since).bind(3, std::int64_t{kPage});
      while (s.step()) {
        next = s.int64(0) + 1;
        page.push_back({s.int64(1), s.int64(2), s.text(3), s.int64(4), s.text(5)});
      }
    }
    bool last = page.size() < kPage;
    if (!page.empty()) visit(page);
    if (last) return;
  }
}

std::vector<std::pair<std::string, std::string>> SqliteStore::listMessages(Id hostId,
                                                                           const std::string& type,
                                                                           int limit) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT message_id, payload FROM agent_messages WHERE host_id = ? AND type = ? "
              "ORDER BY id LIMIT ?");
  s.bind(1, hostId).bind(2, type).bind(3, limit);
  std::vector<std::pair<std::string, std::string>> out;
  while (s.step()) out.emplace_back(s.text(0), s.text(1));
  return out;
}

void SqliteStore::updatePresence(const std::vector<PresenceUpdate>& updates) {
  if (updates.empty()) return;
  std::lock_guard lock(mutex_);
  Transaction tx(db_);
  Statement s(db_,
              "UPDATE hosts SET online = ?, last_seen = MAX(COALESCE(last_seen, 0), ?), "
              "offline_since = ?, agent_version = CASE WHEN ? = '' THEN agent_version ELSE ? END "
              "WHERE id = ?");
  for (const auto& u : updates) {
    s.reset();
    s.bind(1, u.online ? 1 : 0)
        .bind(2, u.lastSeen)
        .bind(3, u.offlineSince)
        .bind(4, u.agentVersion)
        .bind(5, u.agentVersion)
        .bind(6, u.hostId)
        .run();
  }
  tx.commit();
}

void SqliteStore::markAllOffline(Time now) {
  std::lock_guard lock(mutex_);
  Statement(
      db_,
      "UPDATE hosts SET online = 0, offline_since = COALESCE(offline_since, ?) WHERE online = 1")
      .bind(1, now)
      .run();
}

void SqliteStore::setHostConfig(Id hostId, const std::string& configJson) {
  std::lock_guard lock(mutex_);
  Statement(db_, "UPDATE hosts SET config = ? WHERE id = ?")
      .bind(1, configJson)
      .bind(2, hostId)
      .run();
}

std::string SqliteStore::hostConfig(Id hostId) {
  std::lock_guard lock(mutex_);
  Statement s(db_, "SELECT config FROM hosts WHERE id = ?");
  s.bind(1, hostId);
  return s.step() ? s.text(0) : std::string("{}");
}

}  // namespace parc::server::store
