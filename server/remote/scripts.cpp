#include "server/remote/scripts.h"

#include <algorithm>

#include "common/error.h"

namespace parc::server::remote {

namespace {

constexpr const char* kScriptColumns =
    "id, tenant_id, name, language, description, body, sha256, created_by, created_at, "
    "updated_at";
constexpr const char* kExecutionColumns =
    "id, host_id, tenant_id, kind, name, script_id, script_sha256, params, requested_by, "
    "started_at, finished_at, status, exit_code, output, error";

Script scriptRow(const sqlite::Statement& s) {
  Script r;
  r.id = s.int64(0);
  r.tenantId = s.optInt64(1);
  r.name = s.text(2);
  r.language = s.text(3);
  r.description = s.text(4);
  r.body = s.text(5);
  r.sha256 = s.text(6);
  r.createdBy = s.text(7);
  r.createdAt = s.int64(8);
  r.updatedAt = s.int64(9);
  return r;
}

Execution executionRow(const sqlite::Statement& s) {
  Execution e;
  e.id = s.int64(0);
  e.hostId = s.int64(1);
  e.tenantId = s.int64(2);
  e.kind = s.text(3);
  e.name = s.text(4);
  e.scriptId = s.optInt64(5);
  e.scriptSha256 = s.text(6);
  try {
    e.params = parseJson(s.text(7));
  } catch (const Error&) {
    e.params = Json::object();
  }
  e.requestedBy = s.text(8);
  e.startedAt = s.int64(9);
  e.finishedAt = s.optInt64(10);
  e.status = s.text(11);
  if (auto code = s.optInt64(12)) e.exitCode = static_cast<int>(*code);
  e.output = s.text(13);
  e.error = s.text(14);
  return e;
}

}  // namespace

Json toJson(const Script& s, bool withBody) {
  Json j{{"id", s.id},
         {"tenant_id", s.tenantId ? Json(*s.tenantId) : Json(nullptr)},
         {"name", s.name},
         {"language", s.language},
         {"description", s.description},
         {"sha256", s.sha256},
         {"size", s.body.size()},
         {"created_by", s.createdBy},
         {"created_at", s.createdAt},
         {"updated_at", s.updatedAt}};
  if (withBody) j["body"] = s.body;
  return j;
}

Json toJson(const Execution& e) {
  return Json{{"id", e.id},
              {"host_id", e.hostId},
              {"tenant_id", e.tenantId},
              {"kind", e.kind},
              {"name", e.name},
              {"script_id", e.scriptId ? Json(*e.scriptId) : Json(nullptr)},
              {"script_sha256", e.scriptSha256},
              {"params", e.params},
              {"requested_by", e.requestedBy},
              {"started_at", e.startedAt},
              {"finished_at", e.finishedAt ? Json(*e.finishedAt) : Json(nullptr)},
              {"status", e.status},
              {"exit_code", e.exitCode ? Json(*e.exitCode) : Json(nullptr)},
              {"output", e.output},
              {"error", e.error}};
}

ScriptLibrary::ScriptLibrary(const std::filesystem::path& databaseFile)
    : db_(sqlite::Database::open(databaseFile)) {
  // The store migrates; a schema without our tables means an older program opened it.
  sqlite::Statement s(db_, "SELECT count(*) FROM sqlite_master WHERE name = 'scripts'");
  if (!s.step() || s.int64(0) == 0)
    throw Error(ErrorKind::kInternal, databaseFile.string() + ": no scripts table (migration 5)");
}

Script ScriptLibrary::addScript(Script script) {
  std::lock_guard lock(mutex_);
  // One name per scope: NULL tenant ids are distinct for UNIQUE, so check the scope here.
  sqlite::Statement dup(db_, "SELECT 1 FROM scripts WHERE name = ? AND tenant_id IS ?");
  dup.bind(1, script.name).bind(2, script.tenantId);
  if (dup.step())
    throw Error(ErrorKind::kConflict, "a script named '" + script.name + "' already exists");
  sqlite::Statement s(db_,
                      "INSERT INTO scripts (tenant_id, name, language, description, body, "
                      "sha256, created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)");
  s.bind(1, script.tenantId)
      .bind(2, script.name)
      .bind(3, script.language)
      .bind(4, script.description)
      .bind(5, script.body)
      .bind(6, script.sha256)
      .bind(7, script.createdBy)
      .bind(8, script.createdAt)
      .bind(9, script.updatedAt);
  s.run();
  script.id = db_.lastInsertId();
  return script;
}

std::optional<Script> ScriptLibrary::findScript(store::Id id) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_, std::string("SELECT ") + kScriptColumns + " FROM scripts WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return scriptRow(s);
}

std::vector<Script> ScriptLibrary::listScripts(
    const std::optional<std::vector<store::Id>>& tenants) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_, std::string("SELECT ") + kScriptColumns +
                               " FROM scripts ORDER BY name COLLATE NOCASE, id");
  std::vector<Script> out;
  while (s.step()) {
    Script row = scriptRow(s);
    bool visible = !row.tenantId || !tenants ||
                   std::find(tenants->begin(), tenants->end(), *row.tenantId) != tenants->end();
    if (visible) out.push_back(std::move(row));
  }
  return out;
}

bool ScriptLibrary::removeScript(store::Id id) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_, "DELETE FROM scripts WHERE id = ?");
  s.bind(1, id);
  s.run();
  return db_.changes() > 0;
}

store::Id ScriptLibrary::startExecution(const Execution& e) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_,
                      "INSERT INTO remote_executions (host_id, tenant_id, kind, name, script_id, "
                      "script_sha256, params, requested_by, started_at, status) "
                      "VALUES (?,?,?,?,?,?,?,?,?,'running')");
  s.bind(1, e.hostId)
      .bind(2, e.tenantId)
      .bind(3, e.kind)
      .bind(4, e.name)
      .bind(5, e.scriptId)
      .bind(6, e.scriptSha256)
      .bind(7, e.params.dump())
      .bind(8, e.requestedBy)
      .bind(9, e.startedAt);
  s.run();
  return db_.lastInsertId();
}

void ScriptLibrary::finishExecution(store::Id id, const std::string& status,
                                    std::optional<int> exitCode, const std::string& output,
                                    const std::string& error, store::Time at) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_,
                      "UPDATE remote_executions SET status = ?, exit_code = ?, output = ?, "
                      "error = ?, finished_at = ? WHERE id = ?");
  s.bind(1, status).bind(2, exitCode).bind(3, output).bind(4, error).bind(5, at).bind(6, id);
  s.run();
}

std::vector<Execution> ScriptLibrary::listExecutions(store::Id hostId, int limit) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_, std::string("SELECT ") + kExecutionColumns +
                               " FROM remote_executions WHERE host_id = ? ORDER BY id DESC "
                               "LIMIT ?");
  s.bind(1, hostId).bind(2, limit);
  std::vector<Execution> out;
  while (s.step()) out.push_back(executionRow(s));
  return out;
}

std::optional<Execution> ScriptLibrary::findExecution(store::Id id) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(
      db_, std::string("SELECT ") + kExecutionColumns + " FROM remote_executions WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return executionRow(s);
}

bool ScriptLibrary::scriptsEnabled(store::Id tenantId) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(db_,
                      "SELECT scripts_enabled FROM tenant_remote_settings WHERE tenant_id = ?");
  s.bind(1, tenantId);
  return !s.step() || s.int64(0) != 0;
}

void ScriptLibrary::setScriptsEnabled(store::Id tenantId, bool enabled) {
  std::lock_guard lock(mutex_);
  sqlite::Statement s(
      db_,
      "INSERT INTO tenant_remote_settings (tenant_id, scripts_enabled) VALUES (?, ?) "
      "ON CONFLICT(tenant_id) DO UPDATE SET scripts_enabled = excluded.scripts_enabled");
  s.bind(1, tenantId).bind(2, enabled ? 1 : 0);
  s.run();
}

}  // namespace parc::server::remote
