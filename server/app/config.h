#pragma once
// parc-server's settings: command line over an optional TOML file over defaults.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "server/forward/settings.h"
#include "server/store/message_retention.h"

namespace parc::server {

struct ListenerConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the system picks one (tests)
};

struct ServerConfig {
  std::filesystem::path dataDir = "/var/lib/parc-server";
  ListenerConfig agentListener{"0.0.0.0", 8443};
  ListenerConfig consoleListener{"127.0.0.1", 8444};
  /// Operator-provided certificate and key for the console listener (PEM paths);
  /// empty: the internal CA's server certificate.
  std::filesystem::path consoleCertificate;
  std::filesystem::path consoleKey;
  /// Names and addresses the internal server certificate covers (besides localhost).
  std::vector<std::string> serverNames;
  std::string logLevel = "info";
  /// The agent URL shown in install commands (set at start from the agent listener,
  /// or `agent.public_url` when agents reach the server through another name).
  std::string agentUrl;
  /// The console URL in notification links (`console.public_url`; default: the listener).
  std::string consolePublicUrl;
  /// Internal hosts or CIDR ranges that webhooks, GLPI and SMTP may reach despite the
  /// SSRF guard (`[health] outgoing_allow`), e.g. the town hall's GLPI on its LAN.
  std::vector<std::string> outgoingAllow;
  /// How long the metrics store keeps each level (`[health] retention_raw_hours`,
  /// `retention_5min_days`, `retention_hourly_days`); each level must outlive the finer one.
  std::chrono::seconds metricsRetentionRaw = std::chrono::hours(48);
  std::chrono::seconds metricsRetentionFiveMinutes = std::chrono::hours(24 * 10);
  std::chrono::seconds metricsRetentionHourly = std::chrono::hours(24 * 400);
  /// Ed25519 public keys (hex) of the offline release keys whose agent releases the
  /// server accepts and offers (`[updates] trusted_keys`); none: no updates published.
  std::vector<std::string> releaseKeys;
  /// Threads (`[threads] network`, `workers`, `channels`, `reports`): TLS and WebSocket
  /// framing, request handlers and upgrades, control-channel messages, and the group
  /// commits of the agents' reports.
  int networkThreads = 1;
  int workerThreads = 8;
  int channelThreads = 2;
  int reportThreads = 4;
  std::size_t maxBodyBytes = 8 * 1024 * 1024;
  std::size_t maxDecompressedBytes = 64 * 1024 * 1024;
  // ANSSI-style console sessions: ended after an hour unused, and after a working day.
  std::int64_t sessionIdleSeconds = 3600;
  std::int64_t sessionAbsoluteSeconds = 12 * 3600;
  // Per source address: unauthenticated writes (login, enrolment) burst then rate, and
  // every other console request; open connections on the console listener.
  double publicRequestBurst = 30;
  double publicRequestsPerSecond = 0.5;
  double requestBurst = 300;
  double requestsPerSecond = 50;
  std::size_t consoleConnectionsPerAddress = 64;
  /// Bound on reading one whole request once TLS is up, headers and body (slow-loris):
  /// `[security] request_timeout_seconds`, 1 to 3600.
  std::int64_t requestTimeoutSeconds = 30;
  // The audit log's retention (CNIL: 6 months to 1 year for such logs); 0 keeps all.
  std::int64_t auditRetentionDays = 365;
  /// `[messages]`: how long what agents sent is kept in parc.db (docs/protocol.md).
  store::MessageRetentionSettings messageRetention;
  /// The calendar of backup retention (tz database name), `[backup] time_zone`.
  std::string backupTimeZone = "Europe/Paris";
  /// How often presence changes (online/offline, last seen) are written in one batch.
  std::chrono::milliseconds presenceFlushInterval{5000};
  /// Agents' certificate lifetime (renewed when a third remains); the seconds override,
  /// when > 0, is for tests.
  int agentCertificateDays = 365;
  std::int64_t agentCertificateSeconds = 0;
  /// [[glpi_forward]] blocks: per-tenant forwarding of inventories to GLPI.
  forward::ForwardSettings glpiForward;
  std::chrono::seconds agentCertificateLifetime() const {
    return agentCertificateSeconds > 0 ? std::chrono::seconds(agentCertificateSeconds)
                                       : std::chrono::hours(24) * agentCertificateDays;
  }
};

/// Reads the TOML file (keys as in docs/operations.md) over the defaults.
void loadServerConfigFile(const std::filesystem::path& path, ServerConfig& config);

}  // namespace parc::server
