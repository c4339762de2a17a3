// parcctl: the technicians' command line for Parc's REST API.
#include <iostream>

#include "cli/commands/commands.h"
#include "cli/table.h"
#include "common/error.h"

namespace parc::cli {

bool printJsonIf(const Globals& g, const Json& j) {
  if (!g.json) return false;
  std::cout << terminalJson(j) << "\n";
  return true;
}

std::string text(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || j[key].is_null()) return "-";
  const Json& v = j[key];
  // Whatever the server relays (agent host names, errors) may carry terminal escapes.
  return printable(v.is_string() ? v.get<std::string>() : v.dump());
}

}  // namespace parc::cli

int main(int argc, char** argv) {
  CLI::App app{"parcctl: command line for the Parc fleet server"};
  app.set_version_flag("--version", std::string("parcctl ") + PARC_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  auto globals = std::make_shared<parc::cli::Globals>();
  app.add_option("--session-file", globals->sessionPath, "per-user session file");
  app.add_flag("--json", globals->json, "print JSON for scripts");
  parc::cli::addLoginCommands(app, globals);
  parc::cli::addTenantCommands(app, globals);
  parc::cli::addTokenCommands(app, globals);
  parc::cli::addHostCommands(app, globals);
  parc::cli::addCaCommands(app, globals);
  parc::cli::addAuditCommands(app, globals);
  parc::cli::addAlertCommands(app, globals);
  parc::cli::addUserCommands(app, globals);
  parc::cli::addGlpiCommands(app, globals);
  parc::cli::addRemoteCommands(app, globals);
  parc::cli::addSessionCommands(app, globals);
  parc::cli::addFileCommands(app, globals);
  parc::cli::addRemoteSessionCommands(app, globals);
  parc::cli::addUpdateCommands(app, globals);
  parc::cli::addBackupCommands(app, globals);
  parc::cli::addBackupBrowseCommands(app, globals);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a check that failed (e.g. audit verify), already reported
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const parc::Error& e) {
    // The server's refusals may quote agent-supplied text.
    std::cerr << "parcctl: " << parc::cli::printable(e.what()) << "\n";
    return e.kind() == parc::ErrorKind::kUnauthorized  ? 3
           : e.kind() == parc::ErrorKind::kUnavailable ? 4
                                                       : 1;
  } catch (const std::exception& e) {
    std::cerr << "parcctl: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
