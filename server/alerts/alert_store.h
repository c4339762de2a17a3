#pragma once
// Alerts, silences, rule overrides, channels and the notification queue, in their own
// SQLite file (<data>/alerts.sqlite, WAL, synchronous=FULL: an acknowledged alert or a
// queued notification survives kill -9 and power cuts). Thread-safe.
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/sqlite/database.h"
#include "server/alerts/model.h"

namespace parc::server::alerts {

struct AlertFilter {
  std::optional<std::vector<Id>> tenants;  // nullopt = all tenants
  std::optional<Id> hostId;
  std::optional<std::string> state;  // "firing", "acknowledged", "resolved", "open" (not resolved)
  int limit = 500;
};

struct RuleOverride {
  std::string scope;  // "tenant", "group", "host"
  Id scopeId = 0;
  std::string ruleId;
  Json settings;
};

struct QueuedNotification {
  Id id = 0;
  Id alertId = 0;
  Id channelId = 0;
  std::string event;  // "firing", "acknowledged", "resolved"
  int attempts = 0;
  Time createdAt = 0;
};

class AlertStore {
 public:
  explicit AlertStore(const std::filesystem::path& file);
  static std::unique_ptr<AlertStore> inMemory();

  Id insertAlert(const Alert& a);
  void updateAlert(const Alert& a);
  std::optional<Alert> findAlert(Id id);
  std::vector<Alert> listAlerts(const AlertFilter& filter);
  std::vector<Alert> openAlerts();
  /// Open (not resolved) alerts counted per severity name, within `tenants` if given.
  std::map<std::string, long> openCountsBySeverity(const std::optional<std::vector<Id>>& tenants);
  /// The newest alert of this key resolved at or after `since` (to reopen a flapping one).
  std::optional<Alert> recentlyResolved(const std::string& ruleId, Id hostId,
                                        const std::string& subject, Time since);

  void addComment(const AlertComment& c);
  std::vector<AlertComment> comments(Id alertId);

  Id addSilence(const Silence& s);
  std::vector<Silence> silences(std::optional<Time> activeAt);
  bool deleteSilence(Id id);
  /// Ends a silence now (kept, for the alert's history); false if it had already ended.
  bool endSilence(Id id, Time at);

  void setOverride(const RuleOverride& o);
  bool deleteOverride(const std::string& scope, Id scopeId, const std::string& ruleId);
  std::vector<RuleOverride> overrides();

  Id createChannel(const Channel& c);
  void updateChannel(const Channel& c);
  bool deleteChannel(Id id);
  std::optional<Channel> findChannel(Id id);
  std::vector<Channel> channels(std::optional<Id> tenantId);
  /// The local day ("YYYY-MM-DD") the channel last got its daily digest; "" when never.
  std::string lastDigestDay(Id channelId);
  void setDigestDay(Id channelId, const std::string& day);

  /// Queues a notification once per (alert, channel, event): false when already queued.
  bool enqueue(Id alertId, Id channelId, const std::string& event, Time now);
  std::vector<QueuedNotification> due(Time now, int limit);
  void delivered(Id id, Time now);
  void failed(Id id, const std::string& error, Time nextAttempt, bool giveUp);
  /// Channels that were sent (or are due) something for this alert.
  std::vector<Id> notifiedChannels(Id alertId);
  std::int64_t countNotifications(const std::string& status);
  /// Pending notifications per channel kind ("email", "webhook", "glpi").
  std::map<std::string, std::int64_t> pendingNotificationsByKind();

  /// Runs `work` (calls to this store) in one transaction: one fsync for a whole
  /// evaluation round instead of one per alert. Other threads wait meanwhile.
  void transaction(const std::function<void()>& work);

  /// What a channel keeps about an alert (GLPI's ticket id), {} when nothing.
  Json channelRef(Id alertId, Id channelId);
  void setChannelRef(Id alertId, Id channelId, const Json& ref);
  /// What a channel keeps about a host across alerts (GLPI's Computer id), {} when nothing.
  Json channelHostRef(Id channelId, Id hostId);
  void setChannelHostRef(Id channelId, Id hostId, const Json& ref);

 private:
  explicit AlertStore(sqlite::Database db);
  std::recursive_mutex mutex_;  // recursive: transaction() calls the other methods
  sqlite::Database db_;
};

}  // namespace parc::server::alerts
