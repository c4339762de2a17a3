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
      {4, R"sql(
-- Accounts: tenant scope, state, second factor (docs/security.md).
ALTER TABLE users ADD COLUMN all_tenants INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_pending TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
UPDATE users SET role = 'read_only' WHERE role = 'read-only';
UPDATE users SET role = 'town_hall_staff' WHERE role = 'town-hall-staff';
CREATE TABLE user_tenants (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  PRIMARY KEY (user_id, tenant_id)
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked INTEGER NOT NULL DEFAULT 0
);
-- Hosts: renewal overlap, re-enrolment matches awaiting a technician's approval.
ALTER TABLE hosts ADD COLUMN previous_fingerprint TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN previous_not_after INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN match_host_id INTEGER;
CREATE INDEX hosts_previous_fingerprint ON hosts(previous_fingerprint)
  WHERE previous_fingerprint != '';
CREATE INDEX hosts_device ON hosts(tenant_id, device_id);
CREATE INDEX hosts_last_seen ON hosts(last_seen);
-- What the hosts list searches: names, serials, people, addresses, software.
CREATE VIRTUAL TABLE host_search USING fts5(terms, tokenize = 'unicode61 remove_diacritics 2');
-- Audit: tenant for scoped readers, detail, and the hash chain (server/security/audit_chain.h).
ALTER TABLE audit_log ADD COLUMN tenant_id INTEGER;
ALTER TABLE audit_log ADD COLUMN detail TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_log_at ON audit_log(at);
CREATE TABLE audit_checkpoint (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_id INTEGER NOT NULL,
  last_hash TEXT NOT NULL
);
-- Deletion stays refused, except by the retention purge, which opens this gate inside
-- its own transaction and moves the checkpoint.
-- Records written before the chain existed stay readable, outside the chain.
INSERT INTO audit_checkpoint SELECT 1, COALESCE(MAX(id), 0),
  '0000000000000000000000000000000000000000000000000000000000000000' FROM audit_log;
CREATE TABLE audit_gate (id INTEGER PRIMARY KEY CHECK (id = 1), open INTEGER NOT NULL);
INSERT INTO audit_gate VALUES (1, 0);
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  WHEN (SELECT open FROM audit_gate) = 0
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
)sql"},
      // 5: remote support, one-shot half: script library, executions, per-tenant switch.
      {5, R"sql(
CREATE TABLE scripts (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER REFERENCES tenants(id),
  name TEXT NOT NULL,
  language TEXT NOT NULL DEFAULT 'sh',
  description TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX scripts_name ON scripts(name, tenant_id);
CREATE TABLE remote_executions (
  id INTEGER PRIMARY KEY,
  host_id INTEGER NOT NULL REFERENCES hosts(id),
  tenant_id INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('action', 'script')),
  name TEXT NOT NULL,
  script_id INTEGER,
  script_sha256 TEXT NOT NULL DEFAULT '',
  params TEXT NOT NULL DEFAULT '{}',
  requested_by TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  status TEXT NOT NULL,
  exit_code INTEGER,
  output TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX remote_executions_host ON remote_executions(host_id, id);
CREATE TABLE tenant_remote_settings (
  tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id),
  scripts_enabled INTEGER NOT NULL DEFAULT 1
);
)sql"},
      // 6: remote support sessions (terminal, files, desktop) and per-tenant consent policy.
      {6, R"sql(
CREATE TABLE remote_sessions (
  id INTEGER PRIMARY KEY,
  user_id INTEGER,
  username TEXT NOT NULL,
  host_id INTEGER NOT NULL,
  tenant_id INTEGER,
  kind TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  bytes_to_host INTEGER NOT NULL DEFAULT 0,
  bytes_from_host INTEGER NOT NULL DEFAULT 0,
  result TEXT NOT NULL DEFAULT 'active',
  detail TEXT NOT NULL DEFAULT '',
  consent TEXT NOT NULL DEFAULT 'none',
  recording TEXT NOT NULL DEFAULT ''
);
CREATE INDEX remote_sessions_started ON remote_sessions(started_at);
CREATE INDEX remote_sessions_user ON remote_sessions(user_id, started_at);
CREATE TABLE remote_consent (
  tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id),
  policy TEXT NOT NULL CHECK (policy IN ('none', 'notify', 'ask')),
  updated_at INTEGER NOT NULL
);
)sql"},
      // 7: cloned PCs (docs/inventory.md, "Cloned PCs"): each host's hardware fingerprint,
      // and the inventories of other hardware reporting with its identity, kept aside:
      // one row per machine until a technician decides (the latest document, a count).
      {7, R"sql(
ALTER TABLE hosts ADD COLUMN hw_fingerprint TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN clone_suspected INTEGER NOT NULL DEFAULT 0;
CREATE TABLE host_clone_reports (
  id INTEGER PRIMARY KEY,
  host_id INTEGER NOT NULL REFERENCES hosts(id),
  message_id TEXT NOT NULL,
  first_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  reports INTEGER NOT NULL DEFAULT 1,
  source TEXT NOT NULL DEFAULT '',
  recorded TEXT NOT NULL,
  current TEXT NOT NULL,
  agent_flag TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL,
  document TEXT NOT NULL,
  resolved_at INTEGER,
  resolution TEXT NOT NULL DEFAULT ''
);
CREATE INDEX host_clone_reports_host ON host_clone_reports(host_id, id);
)sql"},
      // 8: backup policies (tenant, per-host overrides) and the server's backup jobs' state.
      {8, R"sql(
CREATE TABLE backup_policies (
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  host_id INTEGER NOT NULL DEFAULT 0,
  policy TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  enabled_since INTEGER,
  updated_by TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (tenant_id, host_id)
);
CREATE INDEX backup_policies_host ON backup_policies(host_id);
CREATE TABLE backup_maintenance (
  tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id),
  last_retention_at INTEGER,
  last_verify_at INTEGER,
  verify_cursor TEXT NOT NULL DEFAULT ''
);
)sql"},
      // 9: restores asked from the console (docs/backups.md, "Console: browse and restore"):
      // what was asked, where, by whom, and the agent's last reported progress.
      {9, R"sql(
CREATE TABLE backup_restores (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL,
  source_host_id INTEGER NOT NULL,
  target_host_id INTEGER NOT NULL,
  snapshot TEXT NOT NULL,
  paths TEXT NOT NULL,
  destination TEXT NOT NULL,
  agent_restore_id TEXT NOT NULL DEFAULT '',
  requested_by TEXT NOT NULL,
  requested_at INTEGER NOT NULL,
  finished_at INTEGER,
  state TEXT NOT NULL,
  progress TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX backup_restores_source ON backup_restores(source_host_id, id);
CREATE INDEX backup_restores_target ON backup_restores(target_host_id, id);
)sql"},
      // 10: damage found by backup verification, per host it hurts (server/backup/damage.h).
      {10, R"sql(
CREATE TABLE backup_damage (
  tenant_id INTEGER NOT NULL,
  subject TEXT NOT NULL,
  host_id INTEGER NOT NULL,
  detail TEXT NOT NULL,
  snapshots INTEGER NOT NULL,
  found_at INTEGER NOT NULL,
  confirmed INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (tenant_id, subject, host_id)
);
)sql"},
      // 11: host groups of a tenant and their members, for alert-rule overrides per group
      // (server/store/sqlite/host_groups_store.h).
      {11, R"sql(
CREATE TABLE host_groups (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (tenant_id, name)
);
CREATE TABLE host_group_members (
  group_id INTEGER NOT NULL REFERENCES host_groups(id),
  host_id INTEGER NOT NULL REFERENCES hosts(id),
  PRIMARY KEY (group_id, host_id)
);
CREATE INDEX host_group_members_host ON host_group_members(host_id);
)sql"},
  };
  return kMigrations;
}

}  // namespace parc::server::store::sqlite_store
