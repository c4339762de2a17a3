#include "server/app/server_app.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <iostream>

#include "common/crypto/password.h"
#include "common/files/files.h"
#include "common/liveness/liveness.h"
#include "common/net/server.h"
#include "server/api/agent_routes.h"
#include "server/api/backup_console_routes.h"
#include "server/api/backup_routes.h"
#include "server/api/console_routes.h"
#include "server/api/dispatcher.h"
#include "server/api/fleet_routes.h"
#include "server/api/health_routes.h"
#include "server/api/host_cert_routes.h"
#include "server/api/host_group_routes.h"
#include "server/api/remote_routes.h"
#include "server/api/remote_session_routes.h"
#include "server/api/update_routes.h"
#include "server/app/health_loop.h"
#include "server/app/metrics_replay.h"
#include "server/auth/audit_retention.h"
#include "server/backup/backup_service.h"
#include "server/backup/repositories.h"
#include "server/console/console_assets.h"
#include "server/control/report_workers.h"
#include "server/forward/glpi_forwarder.h"
#include "server/modules/routes.h"
#include "server/remote/remote_service.h"
#include "server/store/sqlite/sqlite_store.h"

namespace parc::server {

namespace {

// A pool that has kept a no-op waiting this long is hung, not busy (the watchdog asks
// every WatchdogSec/2; installers/systemd/parc-server.service sets 60 s).
constexpr auto kLoopAnswerBound = std::chrono::seconds(20);

std::vector<std::string> certificateNames(const ServerConfig& config) {
  std::vector<std::string> names = {"localhost", "127.0.0.1", "::1"};
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0 && host[0]) names.emplace_back(host);
  for (const auto& n : config.serverNames) names.push_back(n);
  return names;
}

void createFirstAdministrator(store::Store& store, const std::filesystem::path& dataDir) {
  if (store.countUsers() > 0) return;
  std::string password = crypto::generatePassword();
  store.createUser("admin", crypto::hashPassword(password), store::Role::kAdministrator,
                   static_cast<store::Time>(std::time(nullptr)));
  auto file = dataDir / "initial-admin-password";
  files::writeAtomic(file, password + "\n", 0600);
  // Shown once on standard output (not in the logs), and kept in a 0600 file.
  std::cout << "Initial administrator: admin / " << password << "\n"
            << "(also in " << file.string() << "; change it after the first sign-in)\n"
            << std::flush;
}

std::shared_ptr<tls::TlsContext> consoleTls(const ServerConfig& config, const ca::InternalCa& ca) {
  tls::ServerTlsConfig tlsConfig;
  if (!config.consoleCertificate.empty()) {
    tlsConfig.certificateChainPem = files::read(config.consoleCertificate);
    tlsConfig.privateKeyPem = files::read(config.consoleKey);
  } else {
    tlsConfig.certificateChainPem = ca.serverChainPem();
    tlsConfig.privateKeyPem = ca.serverKeyPem();
  }
  return tls::TlsContext::server(tlsConfig);
}

std::shared_ptr<tls::TlsContext> agentTls(const ca::InternalCa& ca) {
  tls::ServerTlsConfig tlsConfig;
  tlsConfig.certificateChainPem = ca.serverChainPem();
  tlsConfig.privateKeyPem = ca.serverKeyPem();
  tlsConfig.clientCerts = tls::ClientCertMode::kOptional;  // enrolment comes without one
  tlsConfig.clientCaBundlePem = ca.clientTrustPem();       // active and previous CAs
  return tls::TlsContext::server(tlsConfig);
}

std::string url(const std::string& address, std::uint16_t port) {
  bool v6 = address.find(':') != std::string::npos;
  std::string host = address == "0.0.0.0" ? "127.0.0.1" : address == "::" ? "::1" : address;
  return "https://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// One descriptor per connected agent: take all the system allows. Returns the limit now
// in force (RLIM_INFINITY when unknown).
rlim_t raiseFileLimit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return RLIM_INFINITY;
  rlim_t former = r.rlim_cur;
  r.rlim_cur = r.rlim_max;
  return setrlimit(RLIMIT_NOFILE, &r) == 0 ? r.rlim_cur : former;
}

// Descriptors kept for the databases, their journals and temporary files, backups and the
// console: connections stop there. Past the limit SQLite could not open a file, and a
// report was refused with "unable to open database file" (docs/benchmarks.md).
constexpr std::size_t kConsoleConnections = 512;
constexpr std::size_t kDescriptorsForFiles = 512;
constexpr std::size_t kKeptDescriptors = kConsoleConnections + kDescriptorsForFiles;

std::size_t agentConnectionLimit(std::size_t configured, rlim_t fileLimit) {
  if (fileLimit == RLIM_INFINITY) return configured;
  std::size_t open = fileLimit > kKeptDescriptors ? fileLimit - kKeptDescriptors : 1;
  return std::min(configured, open);
}

// Batches a power cut took from metrics.sqlite, back from their copies (metrics_replay.h).
void replayMetrics(store::Store& store, alerts::HealthService& health) {
  auto started = std::chrono::steady_clock::now();
  auto replay = app::replayLostMetrics(store, health, std::time(nullptr));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                .count();
  if (replay.restored + replay.unusable > 0) {
    spdlog::warn(
        "metrics store: {} batch(es) missing from the series restored from their copies in "
        "parc.db ({} unusable; {} copies received since {} checked in {} ms)",
        replay.restored, replay.unusable, replay.checked, replay.since, ms);
  } else {
    spdlog::info("metrics store: nothing missing ({} copies received since {} checked in {} ms)",
                 replay.checked, replay.since, ms);
  }
}

}  // namespace

int runServer(const ServerConfig& settings) {
  ServerConfig config = settings;  // completed below with what is known once listening
  rlim_t fileLimit = raiseFileLimit();
  files::ensureDirectory(config.dataDir, 0700);
  store::SqliteStore store(config.dataDir / "parc.db");
  auto ca = ca::InternalCa::openOrCreate(config.dataDir / "tls", certificateNames(config));
  createFirstAdministrator(store, config.dataDir);

  auth::AuditRetention auditRetention(store, config.auditRetentionDays);
  auth::SessionManager sessions(store, config.sessionIdleSeconds, config.sessionAbsoluteSeconds);
  control::ControlHub hub(store, config.presenceFlushInterval);
  security::RateLimiter publicLimiter({config.publicRequestBurst, config.publicRequestsPerSecond});
  security::RateLimiter requestLimiter({config.requestBurst, config.requestsPerSecond});
  // GLPI forwarding only when configured (or to settle what an earlier configuration left).
  std::unique_ptr<forward::GlpiForwarder> glpiForwarder;
  if (!config.glpiForward.targets.empty() ||
      std::filesystem::exists(config.dataDir / "glpi-forward.db"))
    glpiForwarder =
        std::make_unique<forward::GlpiForwarder>(store, config.dataDir, config.glpiForward);
  api::Services services{store, ca, config, sessions, hub, publicLimiter, requestLimiter};
  services.glpiForwarder = glpiForwarder.get();
  backup::Repositories backups(config.dataDir / "backups");
  services.backups = &backups;
  alerts::HealthSettings healthSettings;
  healthSettings.dataDir = config.dataDir;
  healthSettings.consoleUrl = config.consolePublicUrl.empty()
                                  ? url(config.consoleListener.address, config.consoleListener.port)
                                  : config.consolePublicUrl;
  healthSettings.outgoingAllow = config.outgoingAllow;
  healthSettings.retention = {config.metricsRetentionRaw, config.metricsRetentionFiveMinutes,
                              config.metricsRetentionHourly};
  alerts::HealthService health(healthSettings);
  services.health = &health;
  replayMetrics(store, health);
  // After the replay: the copies it reads are the ones the retention deletes first.
  store::MessageRetention messageRetention(store, config.messageRetention);
  // Backup policies, the daily retention job, and stale-backup alerts (docs/backups.md).
  backup::MaintenanceSettings backupSettings;
  backupSettings.timeZone = config.backupTimeZone;
  backup::BackupService backupService(store, backups, config.dataDir / "parc.db", backupSettings);
  services.backupPolicies = &backupService.policies();
  services.backupJobs = &backupService.maintenance();
  health.engine().setLastBackup(backupService.lastBackupFn());
  health.engine().setBackupDamage(backupService.damageFn());
  store::HostGroupStore hostGroups(config.dataDir / "parc.db");
  services.hostGroups = &hostGroups;
  HealthLoop healthLoop(health, store, hub, hostGroups.memberships());
  remote::RemoteService remoteService(store, hub, config.dataDir);
  services.remote = &remoteService;
  api::Router agentRouter, consoleRouter;
  api::addAgentRoutes(agentRouter, services);
  api::addBackupAgentRoutes(agentRouter, services);
  update::UpdateCatalog updates(config.dataDir / "updates", config.releaseKeys);
  api::addUpdateAgentRoutes(agentRouter, services, updates);
  api::addUpdateConsoleRoutes(consoleRouter, services, updates);
  api::addBackupConsoleRoutes(consoleRouter, services);
  api::addBackupBrowseRoutes(consoleRouter, services);  // browse, restore, tenant overview
  api::addConsoleRoutes(consoleRouter, services);
  api::addHostCertRoutes(consoleRouter, services);
  api::addHealthRoutes(consoleRouter, services, health);
  api::addHostGroupRoutes(consoleRouter, services);
  api::addRemoteSessionRoutes(consoleRouter, services);
  // The two WebSocket endpoints, decided by their services' upgrade handlers below:
  // declared so that the route index (and the test that walks it) sees them.
  agentRouter.addUpgrade(control::ControlHub::kPath, auth::Permission::kAgent);
  consoleRouter.addUpgrade(remote::RemoteService::kSessionsPattern,
                           remote::RemoteService::kSessionsPermission);
  // Actions and signed scripts: the signing key lives beside the CA files.
  remote::CommandSigner commandSigner(config.dataDir / "tls" / "command-signing.key");
  remote::ScriptLibrary scriptLibrary(config.dataDir / "parc.db");
  services.commandSigningKey = commandSigner.publicKeyHex();
  api::addRemoteRoutes(consoleRouter, services, scriptLibrary, commandSigner);
  api::addFleetRoutes(consoleRouter, services, health);
  console::addConsoleAssets(consoleRouter);
  modules::addRoutes(consoleRouter, services);  // administrative modules (docs/modules.md)
  api::addRouteIndex(consoleRouter, agentRouter);

  // Reports over the agents' control channels, stored by workers of their own, each
  // taking what is queued into one transaction (docs/protocol.md). At most 50,000 of them
  // or 64 MiB as received (~32,000 metrics batches, ~190 full inventories) are held.
  control::ReportWorkers channelReports(
      store,
      [&services](std::vector<api::IngestReport>& reports) {
        return api::ingestBatches(services, reports, std::time(nullptr));
      },
      static_cast<std::size_t>(config.reportThreads), 50000, std::size_t{64} << 20);
  hub.setReportSink(&channelReports);
  services.reports = &channelReports;  // its queue and latency in /metrics

  net::ServerLimits limits;
  limits.maxBodyBytes = config.maxBodyBytes;
  limits.requestTimeout = std::chrono::seconds(config.requestTimeoutSeconds);
  limits.maxConnections = agentConnectionLimit(limits.maxConnections, fileLimit);
  spdlog::info("agent listener: at most {} connections (open-files limit less {} kept)",
               limits.maxConnections, kKeptDescriptors);
  net::EventLoop loop(config.networkThreads, config.workerThreads, config.channelThreads);
  // systemd's keep-alive (WatchdogSec=) only while both thread pools answer: a hung
  // event loop or a worker pool stuck on one lock gets the server restarted.
  auto loopWatch = Liveness::process().watch("the server's event loop",
                                             [&loop] { return loop.probe() - kLoopAnswerBound; });
  net::HttpsServer agentServer(loop, "agent listener", config.agentListener.address,
                               config.agentListener.port, agentTls(ca), limits,
                               api::makeDispatcher(agentRouter, services, api::Listener::kAgent),
                               [&hub](const net::Request& r) { return hub.upgrade(r); });
  // Before the console listens: its handlers read this without a lock.
  if (config.agentUrl.empty())
    config.agentUrl = url(config.agentListener.address, agentServer.port());
  net::ServerLimits consoleLimits = limits;
  consoleLimits.maxConnections = kConsoleConnections;
  consoleLimits.maxConnectionsPerAddress = config.consoleConnectionsPerAddress;
  net::HttpsServer consoleServer(
      loop, "console listener", config.consoleListener.address, config.consoleListener.port,
      consoleTls(config, ca), consoleLimits,
      api::makeDispatcher(consoleRouter, services, api::Listener::kConsole),
      [&](const net::Request& r) { return remoteService.upgrade(services, r); });

  Json runtime{{"agent_url", url(config.agentListener.address, agentServer.port())},
               {"console_url", url(config.consoleListener.address, consoleServer.port())},
               {"ca_fingerprint", ca.fingerprint()},
               {"pid", getpid()}};
  files::writeAtomic(config.dataDir / "server.json", runtime.dump(2) + "\n", 0644);
  spdlog::info("parc-server {} ready: agents on {}, console on {}", PARC_VERSION,
               runtime["agent_url"].get<std::string>(), runtime["console_url"].get<std::string>());
  spdlog::info("CA fingerprint (SHA-256) for agents to pin: {}", ca.fingerprint());
  std::cout << "Agent URL:      " << runtime["agent_url"].get<std::string>() << "\n"
            << "Console URL:    " << runtime["console_url"].get<std::string>() << "\n"
            << "CA fingerprint: " << ca.fingerprint() << "\n"
            << std::flush;

  loop.run([](int signal) { spdlog::info("signal {} received: shutting down", signal); });
  // Before the network goes: workers still answering on its connections.
  hub.setReportSink(nullptr);
  channelReports.stop();
  spdlog::info("parc-server stopped");
  return 0;
}

}  // namespace parc::server
