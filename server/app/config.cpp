#include "server/app/config.h"

#include "common/config/toml_file.h"
#include "common/error.h"
#include "common/remote/signing.h"
#include "server/forward/settings_toml.h"

namespace parc::server {

namespace {
std::uint16_t portOf(const toml::table& t, std::string_view key, std::uint16_t fallback) {
  auto v = config::getInt(t, key, fallback);
  if (v < 0 || v > 65535)
    throw Error(ErrorKind::kBadRequest, std::string(key) + " must be a port number");
  return static_cast<std::uint16_t>(v);
}

// [health] retention: raw points (hours), 5-minute and hourly roll-ups (days). The raw
// level must last at least the hour the hourly roll-up reads; each coarser level must
// outlive the finer one, or charts would show holes.
void loadMetricsRetention(const toml::table& t, ServerConfig& c) {
  using std::chrono::hours;
  auto raw = config::getInt(t, "health.retention_raw_hours", c.metricsRetentionRaw.count() / 3600);
  auto five = config::getInt(t, "health.retention_5min_days",
                             c.metricsRetentionFiveMinutes.count() / 86400);
  auto hourly =
      config::getInt(t, "health.retention_hourly_days", c.metricsRetentionHourly.count() / 86400);
  constexpr std::int64_t kMaxDays = 100 * 366;
  if (raw < 1 || raw > kMaxDays * 24 || five < 1 || five > kMaxDays || hourly < 1 ||
      hourly > kMaxDays) {
    throw Error(ErrorKind::kBadRequest,
                "health.retention_raw_hours and retention_5min_days/hourly_days must be "
                "positive");
  }
  if (!(raw < five * 24 && five < hourly)) {
    throw Error(ErrorKind::kBadRequest,
                "[health] retention must grow: retention_raw_hours < retention_5min_days < "
                "retention_hourly_days (in the same unit)");
  }
  c.metricsRetentionRaw = hours(raw);
  c.metricsRetentionFiveMinutes = hours(24 * five);
  c.metricsRetentionHourly = hours(24 * hourly);
}

// Each thread count from 1 to 64; defaults fit two cores (docs/operations.md).
void loadThreads(const toml::table& t, ServerConfig& c) {
  auto count = [&t](const char* key, int fallback) {
    std::int64_t n = config::getInt(t, key, fallback);
    if (n < 1 || n > 64) throw Error(ErrorKind::kBadRequest, std::string(key) + " must be 1 to 64");
    return static_cast<int>(n);
  };
  c.networkThreads = count("threads.network", c.networkThreads);
  c.workerThreads = count("threads.workers", c.workerThreads);
  c.channelThreads = count("threads.channels", c.channelThreads);
  c.reportThreads = count("threads.reports", c.reportThreads);
}

void loadMessageRetention(const toml::table& t, store::MessageRetentionSettings& m) {
  m.metricsCopyDays = config::getInt(t, "messages.metrics_copy_days", m.metricsCopyDays);
  m.logDays = config::getInt(t, "messages.log_days", m.logDays);
  m.idDays = config::getInt(t, "messages.id_days", m.idDays);
  constexpr std::int64_t kMaxDays = 100 * 366;
  for (auto days : {m.metricsCopyDays, m.logDays, m.idDays}) {
    if (days < 0 || days > kMaxDays) {
      throw Error(ErrorKind::kBadRequest,
                  "[messages] metrics_copy_days, log_days and id_days are 0 (keep) to 36600");
    }
  }
}
}  // namespace

void loadServerConfigFile(const std::filesystem::path& path, ServerConfig& c) {
  toml::table t = config::loadToml(path);
  c.dataDir = config::getString(t, "data_dir", c.dataDir.string());
  c.agentListener.address = config::getString(t, "agent.address", c.agentListener.address);
  c.agentListener.port = portOf(t, "agent.port", c.agentListener.port);
  c.consoleListener.address = config::getString(t, "console.address", c.consoleListener.address);
  c.consoleListener.port = portOf(t, "console.port", c.consoleListener.port);
  c.consoleCertificate = config::getString(t, "console.certificate", c.consoleCertificate.string());
  c.consoleKey = config::getString(t, "console.key", c.consoleKey.string());
  c.logLevel = config::getString(t, "log_level", c.logLevel);
  c.agentCertificateDays =
      static_cast<int>(config::getInt(t, "agent_certificate_days", c.agentCertificateDays));
  c.agentCertificateSeconds =
      config::getInt(t, "agent_certificate_seconds", c.agentCertificateSeconds);
  if (c.agentCertificateDays < 1 || c.agentCertificateDays > 3650 || c.agentCertificateSeconds < 0)
    throw Error(ErrorKind::kBadRequest, "agent_certificate_days must be 1 to 3650");
  c.agentUrl = config::getString(t, "agent.public_url", c.agentUrl);
  c.consolePublicUrl = config::getString(t, "console.public_url", c.consolePublicUrl);
  if (auto* allow = t.at_path("health.outgoing_allow").as_array()) {
    for (const auto& a : *allow) {
      if (auto v = a.value<std::string>()) c.outgoingAllow.push_back(*v);
    }
  }
  loadMetricsRetention(t, c);
  if (auto* keys = t.at_path("updates.trusted_keys").as_array()) {
    for (const auto& k : *keys) {
      auto v = k.value<std::string>();
      if (!v || !remote::isPublicKeyHex(*v)) {
        throw Error(ErrorKind::kBadRequest,
                    "updates.trusted_keys holds Ed25519 public keys in hex (64 digits)");
      }
      c.releaseKeys.push_back(*v);
    }
  }
  c.sessionIdleSeconds = config::getInt(t, "security.session_idle_seconds", c.sessionIdleSeconds);
  c.sessionAbsoluteSeconds =
      config::getInt(t, "security.session_absolute_seconds", c.sessionAbsoluteSeconds);
  c.publicRequestBurst = static_cast<double>(config::getInt(
      t, "security.public_request_burst", static_cast<std::int64_t>(c.publicRequestBurst)));
  c.requestBurst = static_cast<double>(
      config::getInt(t, "security.request_burst", static_cast<std::int64_t>(c.requestBurst)));
  c.requestsPerSecond = static_cast<double>(config::getInt(
      t, "security.requests_per_second", static_cast<std::int64_t>(c.requestsPerSecond)));
  c.consoleConnectionsPerAddress = static_cast<std::size_t>(
      config::getInt(t, "security.console_connections_per_address",
                     static_cast<std::int64_t>(c.consoleConnectionsPerAddress)));
  c.requestTimeoutSeconds =
      config::getInt(t, "security.request_timeout_seconds", c.requestTimeoutSeconds);
  c.auditRetentionDays = config::getInt(t, "audit.retention_days", c.auditRetentionDays);
  loadMessageRetention(t, c.messageRetention);
  c.backupTimeZone = config::getString(t, "backup.time_zone", c.backupTimeZone);
  if (c.sessionIdleSeconds < 1 || c.sessionAbsoluteSeconds < c.sessionIdleSeconds) {
    throw Error(ErrorKind::kBadRequest,
                "security.session_idle_seconds must be >= 1 and <= session_absolute_seconds");
  }
  if (c.publicRequestBurst < 1 || c.requestBurst < 1 || c.requestsPerSecond <= 0 ||
      c.consoleConnectionsPerAddress < 1 || c.auditRetentionDays < 0 ||
      c.requestTimeoutSeconds < 1 || c.requestTimeoutSeconds > 3600) {
    throw Error(ErrorKind::kBadRequest,
                "security limits must be positive (request_timeout_seconds: 1 to 3600)");
  }
  loadThreads(t, c);
  forward::loadForwardSettings(t, c.glpiForward);
  if (auto* names = t["server_names"].as_array()) {
    for (const auto& n : *names) {
      if (auto s = n.value<std::string>()) c.serverNames.push_back(*s);
    }
  }
}

}  // namespace parc::server
