#include "server/store/sqlite/migrations.h"

namespace parc::server::store::sqlite_store {

const std::vector<parc::sqlite::Migration>& migrations() {
  static const std::vector<parc::sqlite::Migration> kMigrations = {
      {1, R"sql(
CREATE TABLE tenants (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  insee_code TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE enrollment_tokens (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  secret_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  max_uses INTEGER NOT NULL,
  uses INTEGER NOT NULL DEFAULT 0,
  revoked INTEGER NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL DEFAULT ''
);
CREATE TABLE hosts (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  uid TEXT NOT NULL UNIQUE,
  hostname TEXT NOT NULL DEFAULT '',
  device_id TEXT NOT NULL DEFAULT '',
  cert_fingerprint TEXT NOT NULL UNIQUE,
  cert_serial TEXT NOT NULL,
  cert_not_after INTEGER NOT NULL,
  enrolled_at INTEGER NOT NULL,
  last_seen INTEGER,
  inventory_at INTEGER,
  inventory_hash TEXT NOT NULL DEFAULT '',
  os_name TEXT NOT NULL DEFAULT '',
  hardware TEXT NOT NULL DEFAULT '',
  serial TEXT NOT NULL DEFAULT '',
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX hosts_tenant ON hosts(tenant_id);
CREATE TABLE host_inventory (
  host_id INTEGER PRIMARY KEY REFERENCES hosts(id),
  document TEXT NOT NULL
);
-- One row per acknowledged agent message: a resend of the same id is a no-op.
CREATE TABLE received_messages (
  message_id TEXT NOT NULL,
  host_id INTEGER NOT NULL REFERENCES hosts(id),
  received_at INTEGER NOT NULL,
  PRIMARY KEY (host_id, message_id)
) WITHOUT ROWID;
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '',
  result TEXT NOT NULL
);
-- The audit log is append-only: the database itself refuses edits.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
)sql"},
      {2, R"sql(
-- Presence, written in batches by the control hub (never one write per heartbeat).
ALTER TABLE hosts ADD COLUMN online INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN offline_since INTEGER;
ALTER TABLE hosts ADD COLUMN agent_version TEXT NOT NULL DEFAULT '';
-- Settings pushed to the agent over the control channel (docs/protocol.md).
ALTER TABLE hosts ADD COLUMN config TEXT NOT NULL DEFAULT '{}';
-- Agent reports other than inventories (events, metrics, action results), as received.
CREATE TABLE agent_messages (
  id INTEGER PRIMARY KEY,
  host_id INTEGER NOT NULL REFERENCES hosts(id),
  message_id TEXT NOT NULL,
  type TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  payload TEXT NOT NULL
);
CREATE INDEX agent_messages_host_type ON agent_messages(host_id, type, id);
)sql"},
      {3, R"sql(
-- The inventory history: what changed between two inventories of a host (server/inventory).
CREATE TABLE inventory_changes (
  id INTEGER PRIMARY KEY,
  host_id INTEGER NOT NULL REFERENCES hosts(id),
  at INTEGER NOT NULL,
  section TEXT NOT NULL,
  kind TEXT NOT NULL,
  item TEXT NOT NULL DEFAULT '',
  field TEXT NOT NULL DEFAULT '',
  "before" TEXT NOT NULL DEFAULT '',
  "after" TEXT NOT NULL DEFAULT '',
  summary TEXT NOT NULL DEFAULT ''
);
CREATE INDEX inventory_changes_host ON inventory_changes(host_id, id);
-- The agent's hash of the collection the stored view reflects: the base of its deltas.
ALTER TABLE host_inventory ADD COLUMN agent_hash TEXT NOT NULL DEFAULT '';
)sql"},
  };
  return kMigrations;
}

}  // namespace parc::server::store::sqlite_store
