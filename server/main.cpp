// parc-server: the fleet server. See docs/operations.md.
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <ctime>
#include <iostream>

#include "common/config/config_changes.h"
#include "common/error.h"
#include "common/files/files.h"
#include "common/json/json.h"
#include "common/log/log.h"
#include "common/net/http.h"
#include "common/systemd/journal_log.h"
#include "common/systemd/notify.h"
#include "common/version.h"
#include "server/app/server_app.h"
#include "server/ca/ca_command.h"
#include "server/update/catalog.h"

namespace {

parc::server::ListenerConfig parseListen(const std::string& text) {
  auto ep = parc::net::parseHostPort(text);
  return {ep.host, ep.port};
}

struct Flags {
  std::string configFile, dataDir, agentListen, consoleListen, consoleCert, consoleKey, logLevel;
  std::vector<std::string> serverNames;
};

// The file, then the command line over it; read again on `systemctl reload`.
parc::server::ServerConfig resolve(const Flags& f) {
  parc::server::ServerConfig config;
  if (!f.configFile.empty()) parc::server::loadServerConfigFile(f.configFile, config);
  if (!f.dataDir.empty()) config.dataDir = f.dataDir;
  if (!f.agentListen.empty()) config.agentListener = parseListen(f.agentListen);
  if (!f.consoleListen.empty()) config.consoleListener = parseListen(f.consoleListen);
  if (!f.consoleCert.empty()) config.consoleCertificate = f.consoleCert;
  if (!f.consoleKey.empty()) config.consoleKey = f.consoleKey;
  if (!f.logLevel.empty()) config.logLevel = f.logLevel;
  for (const auto& n : f.serverNames) config.serverNames.push_back(n);
  if (config.consoleCertificate.empty() != config.consoleKey.empty()) {
    throw parc::Error(parc::ErrorKind::kBadRequest, "--console-cert and --console-key go together");
  }
  return config;
}

// `systemctl reload` (SIGHUP): the log level applies at once. Everything else (listeners,
// certificates, the data directory, [updates], [[glpi_forward]]…) applies at the next
// restart: each entry changed since the start is named in the journal, so that nobody
// believes a reload applied it.
void reload(const Flags& f, parc::server::ServerConfig& running,
            const parc::config::ConfigSnapshot& atStart) {
  auto next = resolve(f);
  if (next.logLevel != running.logLevel) {
    spdlog::set_level(spdlog::level::from_str(next.logLevel));
    spdlog::info("log level now {}", next.logLevel);
    running.logLevel = next.logLevel;
  }
  auto now = parc::config::ConfigSnapshot::read(f.configFile);
  for (const auto& entry : now.changedSince(atStart)) {
    if (entry == "log_level") continue;
    spdlog::warn("{} changed in {}: NOT applied by this reload, applies at the next restart", entry,
                 f.configFile);
  }
}

// runServer writes server.json, with our pid, once both listeners are bound: that is the
// moment systemd may consider the server started.
bool listenersBound(const std::filesystem::path& dataDir, std::time_t startedAt) {
  auto file = dataDir / "server.json";
  struct stat st {};
  if (stat(file.c_str(), &st) != 0 || st.st_mtime < startedAt) return false;
  auto text = parc::files::tryRead(file);
  return text && parc::parseJson(*text).value("pid", -1) == getpid();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Parc fleet server"};
  app.set_version_flag("--version", std::string("parc-server ") + parc::version());
  Flags f;
  app.add_option("-c,--config", f.configFile, "TOML configuration file");
  app.add_option("--data-dir", f.dataDir, "data directory (database, TLS material)");
  app.add_option("--agent-listen", f.agentListen, "agent listener ADDRESS:PORT (port 0: any)");
  app.add_option("--console-listen", f.consoleListen, "console listener ADDRESS:PORT");
  app.add_option("--console-cert", f.consoleCert, "PEM certificate chain for the console listener");
  app.add_option("--console-key", f.consoleKey, "PEM private key for the console listener");
  app.add_option("--server-name", f.serverNames, "extra DNS name or IP for the server certificate");
  app.add_option("--log-level", f.logLevel, "trace, debug, info, warn, error");
  std::vector<std::string> caArgs;
  auto* caCommand = app.add_subcommand("ca", "CA rotation: rotate | promote | retire FP | status");
  caCommand->add_option("step", caArgs, "rotate, promote, retire FINGERPRINT, status")->required();
  caCommand->add_option("--data-dir", f.dataDir, "data directory (TLS material in its tls/)");
  std::string releaseFile, packageFile;
  auto* updateCommand = app.add_subcommand(
      "publish-update", "publish a signed agent release (docs/operations.md, Agent self-update)");
  updateCommand->add_option("--release", releaseFile, "signed manifest (parcctl release sign)")
      ->required();
  updateCommand->add_option("--package", packageFile, "the package the manifest names")->required();
  updateCommand->add_option("--data-dir", f.dataDir, "data directory (releases in its updates/)");
  updateCommand->fallthrough();  // --config after the subcommand too
  CLI11_PARSE(app, argc, argv);
  if (*updateCommand) {
    try {
      auto config = resolve(f);
      parc::server::update::UpdateCatalog catalog(config.dataDir / "updates", config.releaseKeys);
      auto text = parc::files::tryRead(releaseFile);
      if (!text) throw parc::Error(parc::ErrorKind::kBadRequest, "cannot read " + releaseFile);
      auto r = catalog.publish(parc::parseJson(*text), packageFile);
      std::cout << "published parc-agent " << r.release.version << " (" << r.release.architecture
                << ", " << r.release.size
                << " bytes); offer it with PUT /api/v1/updates/rings/"
                   "<ring> or `parcctl updates ring <ring> "
                << r.release.version << "`\n";
      return 0;
    } catch (const std::exception& e) {
      std::cerr << "parc-server publish-update: " << e.what() << "\n";
      return 1;
    }
  }
  if (*caCommand) {
    spdlog::set_level(spdlog::level::warn);  // the command prints its own outcome
    try {
      return parc::server::ca::runCaCommand(resolve(f).dataDir / "tls", caArgs, std::cout,
                                            std::cerr);
    } catch (const std::exception& e) {
      std::cerr << "parc-server ca: " << e.what() << "\n";
      return 1;
    }
  }

  try {
    auto config = resolve(f);
    parc::log::setup("parc-server", config.logLevel);
    parc::systemd::useJournalFormatIfConnected();
    auto running = config;
    auto atStart = parc::config::ConfigSnapshot::read(f.configFile);
    auto startedAt = std::time(nullptr);
    // Before runServer starts any thread (they inherit the blocked SIGHUP).
    parc::systemd::Supervisor supervisor({[&] { reload(f, running, atStart); }, {}});
    supervisor.readyWhen([&] { return listenersBound(config.dataDir, startedAt); }, "serving",
                         std::chrono::minutes(5));
    int code = parc::server::runServer(config);
    parc::systemd::notifyStopping();
    return code;
  } catch (const std::exception& e) {
    std::cerr << "parc-server: " << e.what() << "\n";
    return 1;
  }
}
