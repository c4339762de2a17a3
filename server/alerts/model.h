#pragma once
// What the alerting works with (docs/health.md, "Alerts"): rule settings, alerts and
// their lifecycle, silences, notification channels. Times are Unix seconds (UTC).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json/json.h"

namespace parc::server::alerts {

using Id = std::int64_t;
using Time = std::int64_t;

enum class Severity { kInfo = 0, kWarning = 1, kCritical = 2 };
const char* severityName(Severity s);
/// kBadRequest for anything but "info", "warning", "critical".
Severity severityFromName(const std::string& name);

/// One rule's effective settings: the shipped default with the tenant's, the host
/// group's and the host's overrides merged over it, in that order.
struct RuleConfig {
  std::string id;    // "disk_usage"
  std::string kind;  // "threshold", "absence", "state", "prediction", "backup_stale"
  bool enabled = true;
  std::string metric;  // "disk.used_pct"
  bool above = true;   // condition is value > threshold (else value < threshold)
  std::optional<double> warning, critical;
  /// Hysteresis: an open alert stays at its severity until the value passes these.
  std::optional<double> warningClear, criticalClear;
  std::int64_t forSeconds = 0;             // the condition must hold this long before firing
  std::int64_t clearSeconds = 0;           // and be gone this long before resolving
  Severity severity = Severity::kWarning;  // for kinds without levels (state, absence…)
  Json params = Json::object();            // kind-specific: silent_minutes, days, equals…
  std::string summary;  // French template: "{host}: disque {subject} à {value} %"

  Json toJson() const;
  /// Applies an override's known keys; kBadRequest for unknown keys or bad types.
  void merge(const Json& override);
};

enum class AlertState { kFiring, kAcknowledged, kResolved };
const char* stateName(AlertState s);

struct Alert {
  Id id = 0;
  Id tenantId = 0;
  Id hostId = 0;  // 0 for a tenant-wide alert (a whole site silent)
  std::string ruleId;
  std::string subject;
  Severity severity = Severity::kWarning;
  AlertState state = AlertState::kFiring;
  double value = 0;
  std::string summary;
  Time openedAt = 0;
  Time updatedAt = 0;
  std::optional<Time> acknowledgedAt;
  std::string acknowledgedBy;
  std::optional<Time> resolvedAt;
  bool silenced = false;           // opened or due while muted: never notified (known condition)
  int flaps = 0;                   // times reopened shortly after resolving
  std::optional<Id> suppressedBy;  // the site alert that explains this one

  Json toJson() const;
};

struct AlertComment {
  Id id = 0;
  Id alertId = 0;
  Time at = 0;
  std::string author;
  std::string text;
};

/// A maintenance window or a silence: mutes the alerts it matches while active. Empty
/// fields match everything (a tenant-wide window has only tenantId).
struct Silence {
  Id id = 0;
  std::optional<Id> tenantId;
  std::optional<Id> hostId;
  std::optional<std::string> ruleId;
  std::optional<Id> alertId;
  Time startsAt = 0;
  Time endsAt = 0;
  std::string comment;
  std::string createdBy;

  bool matches(const Alert& a, Time now) const;
  Json toJson() const;
};

/// Where notifications go: one per tenant and kind, from a minimum severity; with a
/// delay, it is an escalation step (notified only if nobody acknowledged by then).
struct Channel {
  Id id = 0;
  Id tenantId = 0;
  std::string kind;  // "email", "webhook", "glpi"
  std::string name;
  Severity minSeverity = Severity::kWarning;
  std::int64_t delaySeconds = 0;
  bool enabled = true;
  Json settings = Json::object();  // kind-specific; secrets never leave the server

  /// Settings without their secrets, for the API.
  Json toJson() const;
};

/// The host facts the engine needs beyond metrics.
struct HostInfo {
  Id hostId = 0;
  Id tenantId = 0;
  std::string name;
  std::vector<Id> groups;
  std::optional<std::string> glpiId;  // the computer's id in GLPI when known beforehand
  // What identifies the machine in GLPI when its id is not known: looked up by the GLPI
  // notifier (UUID, then serial number, then name). Empty when unknown.
  std::string serial{};
  std::string uuid{};
};

}  // namespace parc::server::alerts
