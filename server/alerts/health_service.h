#pragma once
// The entry point of health monitoring for the server application (docs/health.md):
// metrics and events from agents go in, the time series and alerts come out, and
// notifications are delivered. The application calls:
//   ingestMetrics / ingestEvent  for each stored "metrics" / "event" agent message,
//   presence                    from the control hub (a frame = alive),
//   evaluate(now)               every few seconds (rules, escalations, retention),
//   deliver(now)                every few seconds on its own thread (network I/O).
#include <array>
#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/alerts/alert_store.h"
#include "server/alerts/engine.h"
#include "server/alerts/notifiers/notifier.h"
#include "server/health/metrics_store.h"

namespace parc::server::alerts {

struct HealthSettings {
  std::filesystem::path dataDir;  // metrics.sqlite and alerts.sqlite go here
  health::Retention retention;
  EngineSettings engine;
  /// The console's public URL, for the links in notifications.
  std::string consoleUrl = "https://localhost:8444";
  /// Hosts or CIDR ranges webhooks and GLPI may reach although internal (SSRF guard).
  std::vector<std::string> outgoingAllow;
  /// A notification still failing after this long is given up (and counted).
  Time giveUpAfter = 48 * 3600;
};

/// Counters for the server's own /metrics (Prometheus text).
struct HealthCounters {
  std::atomic<std::int64_t> metricBatches{0};
  std::atomic<std::int64_t> metricPoints{0};
  std::atomic<std::int64_t> duplicateBatches{0};
  std::atomic<std::int64_t> notificationsSent{0};
  std::atomic<std::int64_t> notificationFailures{0};
  /// notificationFailures by channel kind, in kChannelKinds' order (digests are e-mail).
  std::array<std::atomic<std::int64_t>, 3> failuresByKind{};
};

/// The channel kinds, in the order of HealthCounters::failuresByKind.
inline constexpr std::array<const char*, 3> kChannelKinds = {"email", "webhook", "glpi"};

class HealthService {
 public:
  explicit HealthService(HealthSettings settings);
  /// Both stores in memory (tests, benchmarks).
  static std::unique_ptr<HealthService> inMemory(HealthSettings settings);

  /// Who a host is; call at start for every host and when one is enrolled or changes.
  void setHost(const HostInfo& host);

  /// Stores a metrics batch (kBadRequest when malformed: nothing stored) and feeds the
  /// rules; false when this message id was already ingested (a resend).
  bool ingestMetrics(Id hostId, Id tenantId, const std::string& messageId, const Json& payload,
                     Time receivedAt);
  /// One metrics message of ingestMetricsMany.
  struct MetricsMessage {
    Id hostId = 0;
    Id tenantId = 0;
    const std::string* messageId = nullptr;
    const Json* payload = nullptr;
  };
  /// ingestMetrics for the metrics of many reports, stored in one transaction. Returns,
  /// in order, an empty string for each message stored or resent, else why it was
  /// unusable (malformed: nothing of it stored).
  std::vector<std::string> ingestMetricsMany(const std::vector<MetricsMessage>& messages,
                                             Time receivedAt);
  /// Batches already read (parseMetricsPayload), of many reports, stored in one
  /// transaction of the metrics store and fed to the rules. Returns, in order, false for
  /// each batch held before (a resend); throws when nothing could be stored.
  std::vector<bool> ingestParsedMetrics(const std::vector<health::MetricsStore::Incoming>& batches,
                                        Time receivedAt);
  /// An agent event: a local threshold (disk almost full, SMART failing) is evaluated
  /// at once for that host, without waiting for the next evaluate().
  void ingestEvent(Id hostId, Id tenantId, const Json& payload, Time receivedAt);
  /// The host was heard from (control-channel frame) at `lastSeen`.
  void presence(Id hostId, Id tenantId, Time lastSeen);

  /// Rules, site dependencies, escalations; retention once an hour.
  void evaluate(Time now);
  /// Sends due notifications and daily digests; returns how many were delivered. Failures are
  /// retried with exponential backoff (30 s × 2ⁿ, at most 1 h) until giveUpAfter.
  int deliver(Time now);

  /// Where deliver() reads a host's current name, serial number and UUID (they come
  /// with inventories, after setHost); without it, what setHost() was told.
  using IdentitySource = std::function<std::optional<HostInfo>(Id hostId)>;
  void setIdentitySource(IdentitySource source);

  /// Channel management with validation by the channel's notifier (kBadRequest).
  Channel createChannel(Channel c);
  Channel updateChannel(Channel c);
  /// Sends the channel's test message now, through its notifier and the SSRF guard;
  /// throws what the notifier throws (kUnavailable, kForbidden…). Nothing is stored.
  void testChannel(const Channel& c, const std::string& requestedBy, Time now);

  health::MetricsStore& metrics() { return *metrics_; }
  AlertStore& alerts() { return *alerts_; }
  Engine& engine() { return *engine_; }
  const HealthCounters& counters() const { return counters_; }
  /// Health's part of the server's Prometheus exposition.
  std::string prometheusText();

 private:
  HealthService(HealthSettings settings, std::unique_ptr<health::MetricsStore> metrics,
                std::unique_ptr<AlertStore> alerts);
  notifiers::Notifier& notifier(const std::string& kind);
  /// Feeds the rules with a stored batch.
  void observe(Id hostId, Id tenantId, const health::MetricsBatch& batch, Time receivedAt);
  int sendDigests(Time now);
  void countFailure(const std::string& kind);

  HealthSettings settings_;
  std::unique_ptr<health::MetricsStore> metrics_;
  std::unique_ptr<AlertStore> alerts_;
  std::unique_ptr<Engine> engine_;
  std::vector<notifiers::NotifierPtr> notifiers_;
  HealthCounters counters_;
  std::mutex deliverMutex_;
  IdentitySource identitySource_;     // guarded by deliverMutex_
  std::map<Id, Time> digestRetryAt_;  // guarded by deliverMutex_: a failed digest waits
  Time lastRetention_ = 0;
};

}  // namespace parc::server::alerts
