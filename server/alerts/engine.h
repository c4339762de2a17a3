#pragma once
// The rules engine (docs/health.md, "Alerts"): keeps each host's newest readings,
// evaluates the effective rules with durations and hysteresis, opens one alert per
// (rule, host, subject), resolves it when the condition has cleared, and plans the
// notifications: per tenant channel and severity, with escalation delays, muted by
// silences and maintenance windows, and never for a flapping alert or a host whose
// whole site is silent. All methods are thread-safe; time is passed in (tests inject it).
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "server/alerts/alert_store.h"
#include "server/alerts/rules/rule.h"

namespace parc::server::alerts {

struct EngineSettings {
  /// A condition that comes back within this time reopens the alert it left.
  Time flapWindow = 1800;
  /// From this many reopenings, an alert stays open but notifies nobody again.
  int flapLimit = 3;
  /// A tenant with at least `siteMinHosts` known hosts of which this share is silent
  /// gets one "site_silent" alert instead of one per host.
  double siteSilentRatio = 0.75;
  int siteMinHosts = 3;
  /// A PC's "silent" alert in a tenant where a site alert can form is held this long
  /// before it is notified: a dark site's PCs cross their silence threshold one by one
  /// (each connection is found dead within 40 s, rounds run every 5 s), and the site
  /// alert only forms once most of them have. Held ones it then explains are never sent.
  Time siteGraceSeconds = 120;
};

/// Scope of an acknowledgement or a query: the caller's tenants (nullopt = all).
using TenantScope = std::optional<std::vector<Id>>;

class Engine {
 public:
  explicit Engine(AlertStore& store, EngineSettings settings = {},
                  std::vector<RuleConfig> defaults = rules::defaultRules());

  /// Who a host is (tenant, name, groups, GLPI id); called at start and on changes.
  void setHost(const HostInfo& host);
  /// New readings from a host's metrics batch (or event), collected at `t`.
  void observe(Id hostId, const std::vector<std::tuple<std::string, std::string, double>>& values,
               Time t);
  /// The host is alive (a control-channel frame or a message) at `t`.
  void seen(Id hostId, Time t);
  /// Where predictions read history and backup-stale reads backups.
  void setHistory(std::function<std::vector<std::pair<Time, double>>(Id, const std::string&,
                                                                     const std::string&, Time)>
                      history);
  void setLastBackup(std::function<std::optional<Time>(Id)> lastBackup);
  /// Where backup_damaged reads what verification found (subject, text, snapshots).
  void setBackupDamage(
      std::function<std::vector<std::tuple<std::string, std::string, double>>(Id)> damage);

  /// Evaluates every host (or only `onlyHost`) and plans notifications.
  void evaluate(Time now, std::optional<Id> onlyHost = std::nullopt);

  /// The rules as they apply to a host: defaults, then tenant, groups, host overrides.
  std::vector<RuleConfig> effectiveRules(const HostInfo& host);
  /// The rules of a tenant (defaults + tenant overrides), for the API.
  std::vector<RuleConfig> tenantRules(Id tenantId);
  const std::vector<RuleConfig>& defaults() const { return defaults_; }
  /// Checks an override against the defaults (kBadRequest) and stores it.
  void setOverride(const RuleOverride& o);
  void deleteOverride(const std::string& scope, Id scopeId, const std::string& ruleId);

  /// Lifecycle actions from people; kNotFound outside the caller's tenants.
  Alert acknowledge(Id alertId, const std::string& who, Time now, const TenantScope& scope);
  Silence silenceAlert(Id alertId, Time until, const std::string& who, const std::string& comment,
                       Time now, const TenantScope& scope);
  /// Lifts a silence set on this alert: ends the silences aimed at it (kept for its
  /// history) and clears its "silenced" mark, so it notifies again (a maintenance window
  /// still active mutes it again at the next round). Returns the alert and how many
  /// silences were ended.
  std::pair<Alert, int> unsilenceAlert(Id alertId, Time now, const TenantScope& scope);
  void comment(Id alertId, const std::string& who, const std::string& text, Time now,
               const TenantScope& scope);
  Alert alertInScope(Id alertId, const TenantScope& scope);

  std::optional<HostInfo> host(Id hostId);
  std::size_t openCount();

 private:
  using Key = std::tuple<std::string, Id, std::string>;  // rule, host, subject
  struct HostState {
    HostInfo info;
    Time lastSeen = 0;
    std::map<std::pair<std::string, std::string>, rules::Reading> latest;
  };

  void evaluateHost(HostState& h, Time now);
  void apply(const RuleConfig& rule, const HostState& h, const std::vector<rules::Condition>& conds,
             Time now);
  void open(const RuleConfig& rule, const HostInfo& host, const rules::Condition& c, Time now);
  void resolve(Alert& a, Time now);
  void siteDependencies(Time now);
  void planNotifications(Time now);
  /// True while a silent host's alert waits for its site alert to have a chance to form.
  bool heldForSite(const Alert& a, Time now);
  std::string summarize(const RuleConfig& rule, const HostInfo& host, const std::string& subject,
                        double value, const std::string& detail = {}) const;
  const rules::RuleKind* kind(const std::string& name) const;
  bool hasOverride(const HostInfo& host) const;

  /// Readings and presence received since the last round (see intake_).
  struct Intake {
    Time lastSeen = 0;
    std::map<std::pair<std::string, std::string>, rules::Reading> latest;
  };
  /// Moves what arrived since the last round into hosts_ (mutex_ held).
  void drainIntake();

  std::mutex mutex_;
  /// Ingest adds readings while a round may be running: they wait here under a lock of
  /// their own and join hosts_ when the next round starts, so that storing a report never
  /// waits for a whole round (10,000 hosts' rules and their transaction).
  std::mutex intakeMutex_;
  std::map<Id, Intake> intake_;
  std::map<Id, HostInfo> infos_;  // who each host is, readable without waiting for a round
  AlertStore& store_;
  EngineSettings settings_;
  std::vector<RuleConfig> defaults_;
  std::vector<rules::RuleKindPtr> kinds_;
  std::vector<RuleOverride> overrides_;
  std::map<Id, HostState> hosts_;
  std::map<Key, Alert> open_;
  std::map<Key, Time> pendingFire_;
  std::map<Key, Time> pendingClear_;
  /// Tenants with enough known hosts for a site alert (set by siteDependencies).
  std::set<Id> siteCapable_;
  /// Silent hosts' alerts held during the site grace: alert id → first held.
  std::map<Id, Time> silentHeld_;
  std::function<std::vector<std::pair<Time, double>>(Id, const std::string&, const std::string&,
                                                     Time)>
      history_;
  std::function<std::optional<Time>(Id)> lastBackup_;
  std::function<std::vector<std::tuple<std::string, std::string, double>>(Id)> backupDamage_;
};

}  // namespace parc::server::alerts
