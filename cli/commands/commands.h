#pragma once
// parcctl's subcommands, one file per resource, registered in main.cpp.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "cli/api_client.h"
#include "cli/session_file.h"

namespace parc::cli {

/// Options every subcommand shares.
struct Globals {
  std::string sessionPath = defaultSessionPath().string();
  bool json = false;

  SessionFile session() const { return readSessionFile(sessionPath); }
  ApiClient client() const { return ApiClient(session()); }
};

void addLoginCommands(CLI::App& app, std::shared_ptr<Globals> globals);
void addTenantCommands(CLI::App& app, std::shared_ptr<Globals> globals);
void addTokenCommands(CLI::App& app, std::shared_ptr<Globals> globals);
void addHostCommands(CLI::App& app, std::shared_ptr<Globals> globals);
void addCaCommands(CLI::App& app, std::shared_ptr<Globals> globals);  // host_certs.cpp
void addAuditCommands(CLI::App& app, std::shared_ptr<Globals> globals);
void addAlertCommands(CLI::App& app, std::shared_ptr<Globals> globals);
void addUserCommands(CLI::App& app, std::shared_ptr<Globals> globals);  // users + api-tokens
void addGlpiCommands(CLI::App& app, std::shared_ptr<Globals> globals);
void addRemoteCommands(CLI::App& app, std::shared_ptr<Globals> globals);   // remote.cpp
void addSessionCommands(CLI::App& app, std::shared_ptr<Globals> globals);  // sessions.cpp
void addFileCommands(CLI::App& app, std::shared_ptr<Globals> globals);     // files.cpp
/// remote terminal|tunnel|recording.
void addRemoteSessionCommands(CLI::App& app,
                              std::shared_ptr<Globals> globals);          // remote_sessions.cpp
void addUpdateCommands(CLI::App& app, std::shared_ptr<Globals> globals);  // updates.cpp
void addBackupCommands(CLI::App& app, std::shared_ptr<Globals> globals);  // backups.cpp
/// list, browse, restore, restores under `backups` (call after addBackupCommands).
void addBackupBrowseCommands(CLI::App& app, std::shared_ptr<Globals> globals);  // backup_browse.cpp

/// Prints JSON (for --json) and returns true, or returns false for the table path.
bool printJsonIf(const Globals& g, const Json& j);

/// A JSON value as display text: strings bare, null as "-".
std::string text(const Json& j, const char* key);

}  // namespace parc::cli
