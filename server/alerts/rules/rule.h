#pragma once
// A rule kind decides, for one host, which conditions hold now. The engine adds what
// is common to all kinds: durations (for_seconds), clearing delays, deduplication,
// the lifecycle and notifications (docs/health.md, "Rules").
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "server/alerts/model.h"

namespace parc::server::alerts::rules {

struct Reading {
  Time t = 0;
  double value = 0;
};

/// What the engine knows of one host when it evaluates it.
struct HostView {
  HostInfo info;
  Time lastSeen = 0;  // newest of metrics received and presence frames; 0 = never
  /// Newest reading of each (metric, subject); owned by the engine, never null.
  const std::map<std::pair<std::string, std::string>, Reading>* latest = nullptr;
  /// Raw points of a series since a time, oldest first (the time-series store).
  std::function<std::vector<std::pair<Time, double>>(const std::string& metric,
                                                     const std::string& subject, Time from)>
      history;
  /// When the host's last successful backup finished; nullopt = no backup data.
  std::function<std::optional<Time>()> lastBackup;
  /// Damage backup verification found in this host's snapshots: subject, text, how
  /// many snapshots; empty = none (or no backup data).
  std::function<std::vector<std::tuple<std::string, std::string, double>>()> backupDamage;
};

/// A condition that holds: at most one per subject. A constructor, not an aggregate, so
/// rules may leave the detail out of `{subject, severity, value}`.
struct Condition {
  Condition(std::string subject = {}, Severity severity = Severity::kWarning, double value = 0,
            std::string detail = {})
      : subject(std::move(subject)), severity(severity), value(value), detail(std::move(detail)) {}
  std::string subject;
  Severity severity = Severity::kWarning;
  double value = 0;
  std::string detail;  // replaces {detail} in the summary (a text only the rule can build)
};

/// Severity of the alert already open per subject (for hysteresis).
using OpenSeverities = std::map<std::string, Severity>;

class RuleKind {
 public:
  virtual ~RuleKind() = default;
  virtual std::string_view kind() const = 0;
  virtual std::vector<Condition> check(const RuleConfig& rule, const HostView& host, Time now,
                                       const OpenSeverities& open) const = 0;
};

using RuleKindPtr = std::unique_ptr<RuleKind>;

RuleKindPtr makeThreshold();
RuleKindPtr makeAbsence();
RuleKindPtr makeState();
RuleKindPtr makePrediction();
RuleKindPtr makeBackupStale();
RuleKindPtr makeBackupDamaged();

/// The explicit list of rule kinds (rules.cpp).
std::vector<RuleKindPtr> allRuleKinds();

/// The rules shipped enabled (defaults.cpp), before any override.
std::vector<RuleConfig> defaultRules();

/// Readings of `metric` recent enough to judge (params "max_age_seconds", default 900),
/// host-wide only when params "host_wide_only" is true.
std::vector<std::pair<std::string, Reading>> freshReadings(const RuleConfig& rule,
                                                           const HostView& host, Time now);

}  // namespace parc::server::alerts::rules
