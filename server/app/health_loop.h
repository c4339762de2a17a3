#pragma once
// Drives health monitoring in the server: every `interval`, the control hub's presence
// goes to the rules (absence) and the rules are evaluated; due notifications are sent by
// a second thread (at once after a round, and every few seconds for retries), so that a
// slow SMTP server or webhook never delays the rules — and never on the request or
// network threads.
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "server/alerts/health_service.h"
#include "server/control/control_hub.h"
#include "server/store/store.h"

namespace parc::server {

/// What the rules need to know of a host (tenant for scoping, name for messages, groups
/// for their rule overrides). Its serial number and UUID are read only when a
/// notification goes (HealthService's identity source), not for every host at start.
alerts::HostInfo hostInfo(const store::Host& host, std::vector<store::Id> groups = {});

class HealthLoop {
 public:
  /// `hostGroups`: host → its groups (HostGroupStore::memberships()).
  HealthLoop(alerts::HealthService& health, store::Store& store, control::ControlHub& hub,
             const std::map<store::Id, std::vector<store::Id>>& hostGroups = {},
             std::chrono::seconds interval = std::chrono::seconds(5));
  ~HealthLoop();
  HealthLoop(const HealthLoop&) = delete;
  HealthLoop& operator=(const HealthLoop&) = delete;

  /// One round of the rules now (tests, and the loop itself); wakes the sender.
  void round(store::Time now);

 private:
  void run();
  void sendLoop();

  alerts::HealthService& health_;
  store::Store& store_;
  control::ControlHub& hub_;
  std::chrono::seconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool sendNow_ = false;  // guarded by mutex_
  std::thread thread_;
  std::thread sender_;
};

}  // namespace parc::server
