// parc-agent: inventory, health and remote support on a town-hall PC. See docs/.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <ctime>
#include <iostream>
#include <vector>

#include "agent/backup/commands.h"
#include "agent/collectors/glpi_format.h"
#include "agent/config/agent_config.h"
#include "agent/service/sandbox_paths.h"
#include "agent/service/service.h"
#include "agent/transport/identity.h"
#include "agent/transport/outbox.h"
#include "agent/update/updater.h"
#include "common/config/config_changes.h"
#include "common/error.h"
#include "common/files/files.h"
#include "common/log/log.h"
#include "common/systemd/journal_log.h"
#include "common/systemd/notify.h"
#include "common/version.h"

namespace {

struct Overrides {
  std::string configFile = "/etc/parc/agent.toml";
  std::string server, caFingerprint, token, dataDir, logLevel;
  int interval = 0;
  int retryMax = 0;
};

parc::agent::AgentConfig resolve(const Overrides& o, bool configGiven) {
  auto c = parc::agent::loadAgentConfig(o.configFile, configGiven);
  if (!o.server.empty()) c.server = o.server;
  if (!o.caFingerprint.empty()) c.caFingerprint = o.caFingerprint;
  if (!o.token.empty()) c.token = o.token;
  if (!o.dataDir.empty()) c.dataDir = o.dataDir;
  if (!o.logLevel.empty()) c.logLevel = o.logLevel;
  if (o.interval > 0) c.inventoryInterval = std::chrono::seconds(o.interval);
  if (o.retryMax > 0) c.retryMax = std::chrono::seconds(o.retryMax);
  return c;
}

// `systemctl reload` (SIGHUP): the file is read and checked again; the log level applies
// at once. Everything else ([remote], [update], [backup], the server…) applies at the next
// restart: each entry changed since the start is named in the journal, so that nobody
// believes a reload applied it.
void reload(const Overrides& o, bool configGiven, parc::agent::AgentConfig& running,
            const parc::config::ConfigSnapshot& atStart) {
  auto next = resolve(o, configGiven);
  if (next.logLevel != running.logLevel) {
    spdlog::set_level(spdlog::level::from_str(next.logLevel));
    spdlog::info("log level now {}", next.logLevel);
    running.logLevel = next.logLevel;
  }
  auto now = parc::config::ConfigSnapshot::read(next.configFile);
  for (const auto& entry : now.changedSince(atStart)) {
    // The token only serves enrolment; the agent removes it from the file once enrolled.
    if (entry == "log_level" || entry == "token") continue;
    spdlog::warn("{} changed in {}: NOT applied by this reload, applies at the next restart", entry,
                 next.configFile.string());
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Parc agent"};
  app.set_version_flag("--version", std::string("parc-agent ") + parc::version());
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  Overrides o;
  auto* configOpt = app.add_option("-c,--config", o.configFile, "TOML configuration file");
  app.add_option("--server", o.server, "server agent URL, https://HOST:PORT");
  app.add_option("--ca-fingerprint", o.caFingerprint, "SHA-256 fingerprint of the server's CA");
  app.add_option("--token", o.token, "enrolment token");
  app.add_option("--data-dir", o.dataDir, "data directory (identity, state)");
  app.add_option("--log-level", o.logLevel, "trace, debug, info, warn, error");
  app.add_option("--inventory-interval", o.interval, "seconds between inventories");
  app.add_option("--retry-max-seconds", o.retryMax, "longest wait between delivery retries");

  auto* enrollCmd = app.add_subcommand("enroll", "enrol with the server and exit");
  auto* runCmd = app.add_subcommand("run", "run the service loop (enrols first if needed)");
  auto* inventoryCmd = app.add_subcommand("inventory", "print this machine's inventory as JSON");
  std::string format = "parc";
  inventoryCmd
      ->add_option("--format", format, "parc (docs/inventory.md) or glpi (GLPI native inventory)")
      ->check(CLI::IsMember({"parc", "glpi"}));
  auto* emitCmd = app.add_subcommand(
      "emit", "queue messages in the outbox (local scripts reporting events; delivery tests)");
  std::string emitType = "event", emitText;
  int emitCount = 1;
  emitCmd
      ->add_option("--type", emitType,
                   "event, or metrics (numbered points a minute apart, the last now)")
      ->check(CLI::IsMember({"event", "metrics"}));
  emitCmd->add_option("--text", emitText, "what happened");
  emitCmd->add_option("--count", emitCount, "how many (numbered)")->check(CLI::Range(1, 1000000));
  parc::agent::backup::Commands backupCommands(app);
  auto* applyCmd = app.add_subcommand(
      "update-apply", "install a staged update, wait for it to check in, roll back otherwise");
  auto* sandboxCmd = app.add_subcommand(
      "sandbox-paths", "print the unit drop-in that lets the agent write its configured folders");
  CLI11_PARSE(app, argc, argv);

  try {
    auto config = resolve(o, configOpt->count() > 0);
    parc::log::setup("parc-agent", config.logLevel);
    parc::systemd::useJournalFormatIfConnected();
    if (*enrollCmd) {
      auto id = parc::agent::transport::enroll(config);
      parc::agent::forgetSpentToken(config);
      std::cout << "enrolled as host " << id.hostId << " (tenant " << id.tenantId << ")\n";
      return 0;
    }
    if (*runCmd) {
      // Ready as soon as the loop runs: enrolment and delivery retry inside it, and a
      // start that waited for the server would fail installs made before it is reachable.
      auto running = config;
      auto atStart = parc::config::ConfigSnapshot::read(config.configFile);
      parc::systemd::Supervisor supervisor(
          {[&] { reload(o, configOpt->count() > 0, running, atStart); }, {}});
      parc::systemd::notifyReady("running");
      int code = parc::agent::service::run(config);
      parc::systemd::notifyStopping();
      return code;
    }
    if (*sandboxCmd) {
      // Read by installers/systemd/parc-agent-generator at boot and daemon-reload.
      std::cout << parc::agent::service::sandboxDropIn(
          parc::agent::service::writablePaths(config.configFile, config.dataDir));
      return 0;
    }
    if (*applyCmd) {
      return parc::agent::update::applyUpdate(
          config.dataDir, parc::agent::update::loadUpdateSettings(config.configFile));
    }
    if (int rc = backupCommands.run(config.dataDir); rc >= 0) return rc;
    if (*emitCmd) {
      parc::agent::transport::Outbox outbox(config.dataDir / "outbox.db");
      auto now = static_cast<std::int64_t>(std::time(nullptr));
      // 500 per transaction: one transaction each let a long run starve the running
      // agent's own writes past SQLite's busy timeout.
      std::vector<parc::Json> chunk;
      for (int i = 0; i < emitCount; ++i) {
        // Metrics: one point of "emitted.seq" a minute, the last collected now (a point
        // per batch: the server's series show every batch that arrived).
        if (emitType == "metrics") {
          chunk.push_back(parc::Json{
              {"collected_at", now - 60 * static_cast<std::int64_t>(emitCount - 1 - i)},
              {"metrics", parc::Json::array({{{"name", "emitted.seq"}, {"value", i}}})}});
        } else {
          chunk.push_back(parc::Json{{"kind", "local"}, {"text", emitText}, {"seq", i}});
        }
        if (chunk.size() == 500 || i + 1 == emitCount) {
          outbox.enqueueMany(emitType, chunk, now);
          chunk.clear();
        }
      }
      std::cout << emitCount << " " << emitType << " message(s) queued\n";
      return 0;
    }
    if (*inventoryCmd) {
      // Needs no server and writes nothing: the device id only if one exists already.
      auto id = parc::files::tryRead(config.dataDir / "device-id").value_or("");
      id = id.substr(0, id.find('\n'));
      auto inventory =
          parc::agent::service::localInventory(id, config.disabledCollectors, config.systemRoot);
      if (format == "glpi") inventory = parc::agent::collectors::toGlpi(inventory, id);
      std::cout << inventory.dump(2, ' ', false, parc::Json::error_handler_t::replace) << "\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "parc-agent: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
