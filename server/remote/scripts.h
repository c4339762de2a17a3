#pragma once
// The script library, remote executions and per-tenant remote settings (migration 5 of
// the main database). A connection of its own to `<data>/parc.db`: the store migrated
// the schema; WAL lets both write, one at a time.
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/json/json.h"
#include "common/sqlite/database.h"
#include "server/store/model.h"

namespace parc::server::remote {

struct Script {
  store::Id id = 0;
  std::optional<store::Id> tenantId;  // nullopt: available to every tenant
  std::string name, language = "sh", description, body, sha256, createdBy;
  store::Time createdAt = 0, updatedAt = 0;
};

struct Execution {
  store::Id id = 0;
  store::Id hostId = 0;
  store::Id tenantId = 0;
  std::string kind;  // "action" or "script"
  std::string name;  // action name or script name
  std::optional<store::Id> scriptId;
  std::string scriptSha256;
  Json params = Json::object();
  std::string requestedBy;
  store::Time startedAt = 0;
  std::optional<store::Time> finishedAt;
  std::string status;  // running, ok, failed (script exit ≠ 0), error, refused, unavailable
  std::optional<int> exitCode;
  std::string output;  // capped
  std::string error;
};

Json toJson(const Script& s, bool withBody);
Json toJson(const Execution& e);

class ScriptLibrary {
 public:
  explicit ScriptLibrary(const std::filesystem::path& databaseFile);

  /// kConflict when the name is taken in that scope.
  Script addScript(Script script);
  std::optional<Script> findScript(store::Id id);
  /// Global scripts and those of the given tenants (nullopt: all).
  std::vector<Script> listScripts(const std::optional<std::vector<store::Id>>& tenants);
  bool removeScript(store::Id id);

  /// Recorded before the command is sent, finished after: a crash leaves "running".
  store::Id startExecution(const Execution& e);
  void finishExecution(store::Id id, const std::string& status, std::optional<int> exitCode,
                       const std::string& output, const std::string& error, store::Time at);
  std::vector<Execution> listExecutions(store::Id hostId, int limit);
  std::optional<Execution> findExecution(store::Id id);

  bool scriptsEnabled(store::Id tenantId);
  void setScriptsEnabled(store::Id tenantId, bool enabled);

 private:
  std::mutex mutex_;
  sqlite::Database db_;
};

}  // namespace parc::server::remote
