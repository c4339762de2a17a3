// parc-server: the fleet server. See docs/operations.md.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "common/error.h"
#include "common/log/log.h"
#include "common/net/http.h"
#include "server/app/server_app.h"

namespace {

parc::server::ListenerConfig parseListen(const std::string& text) {
  auto ep = parc::net::parseHostPort(text);
  return {ep.host, ep.port};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Parc fleet server"};
  app.set_version_flag("--version", std::string("parc-server ") + PARC_VERSION);
  std::string configFile, dataDir, agentListen, consoleListen, consoleCert, consoleKey, logLevel;
  std::vector<std::string> serverNames;
  app.add_option("-c,--config", configFile, "TOML configuration file");
  app.add_option("--data-dir", dataDir, "data directory (database, TLS material)");
  app.add_option("--agent-listen", agentListen, "agent listener ADDRESS:PORT (port 0: any)");
  app.add_option("--console-listen", consoleListen, "console listener ADDRESS:PORT");
  app.add_option("--console-cert", consoleCert, "PEM certificate chain for the console listener");
  app.add_option("--console-key", consoleKey, "PEM private key for the console listener");
  app.add_option("--server-name", serverNames, "extra DNS name or IP for the server certificate");
  app.add_option("--log-level", logLevel, "trace, debug, info, warn, error");
  CLI11_PARSE(app, argc, argv);

  try {
    parc::server::ServerConfig config;
    if (!configFile.empty()) parc::server::loadServerConfigFile(configFile, config);
    if (!dataDir.empty()) config.dataDir = dataDir;
    if (!agentListen.empty()) config.agentListener = parseListen(agentListen);
    if (!consoleListen.empty()) config.consoleListener = parseListen(consoleListen);
    if (!consoleCert.empty()) config.consoleCertificate = consoleCert;
    if (!consoleKey.empty()) config.consoleKey = consoleKey;
    if (!logLevel.empty()) config.logLevel = logLevel;
    for (auto& n : serverNames) config.serverNames.push_back(n);
    if (config.consoleCertificate.empty() != config.consoleKey.empty()) {
      throw parc::Error(parc::ErrorKind::kBadRequest,
                        "--console-cert and --console-key go together");
    }
    parc::log::setup("parc-server", config.logLevel);
    return parc::server::runServer(config);
  } catch (const std::exception& e) {
    std::cerr << "parc-server: " << e.what() << "\n";
    return 1;
  }
}
