#include "server/app/health_loop.h"

#include <spdlog/spdlog.h>

#include <ctime>

#include "common/error.h"
#include "common/json/json.h"
#include "common/protocol/hardware.h"
#include "common/thread/thread_name.h"

namespace parc::server {

alerts::HostInfo hostInfo(const store::Host& host, std::vector<store::Id> groups) {
  alerts::HostInfo info;
  info.hostId = host.id;
  info.tenantId = host.tenantId;
  info.name = host.hostname;
  info.groups = std::move(groups);
  return info;
}

namespace {

// For the GLPI notifier's search, read when a notification goes: the identity of the last
// inventory, its placeholders already dropped; the summary column when there is none yet.
alerts::HostInfo hostIdentity(const store::Host& host) {
  alerts::HostInfo info = hostInfo(host);
  protocol::HardwareFingerprint hw;
  if (!host.hardwareFingerprint.empty()) {
    try {
      hw = protocol::HardwareFingerprint::fromJson(parseJson(host.hardwareFingerprint));
    } catch (const Error&) {
      // A stored fingerprint that does not parse identifies nothing.
    }
  }
  info.serial = hw.productSerial.empty() ? host.serial : hw.productSerial;
  info.uuid = hw.uuid;
  return info;
}

}  // namespace

HealthLoop::HealthLoop(alerts::HealthService& health, store::Store& store, control::ControlHub& hub,
                       const std::map<store::Id, std::vector<store::Id>>& hostGroups,
                       std::chrono::seconds interval)
    : health_(health), store_(store), hub_(hub), interval_(interval) {
  // Every host the rules should know, with its tenant (absence needs the silent ones too)
  // and its groups (group overrides). Later changes come from the host-group routes.
  for (const auto& h : store_.listHosts()) {
    auto groups = hostGroups.find(h.id);
    health_.setHost(
        hostInfo(h, groups == hostGroups.end() ? std::vector<store::Id>{} : groups->second));
    if (h.lastSeen) health_.presence(h.id, h.tenantId, *h.lastSeen);
  }
  // Read at each notification: serial number and UUID arrive with inventories.
  health_.setIdentitySource([this](store::Id hostId) -> std::optional<alerts::HostInfo> {
    auto host = store_.findHost(hostId);
    if (!host) return std::nullopt;
    return hostIdentity(*host);
  });
  thread_ = namedThread("health", [this] { run(); });
  sender_ = namedThread("alert-send", [this] { sendLoop(); });
}

HealthLoop::~HealthLoop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (sender_.joinable()) sender_.join();
  health_.setIdentitySource(nullptr);  // it reads through this loop's store reference
}

void HealthLoop::round(store::Time now) {
  // From the hub's memory: listing every host from the database every round would be a
  // 50,000-row read each 10 s for what the hub already holds.
  for (store::Id hostId : hub_.onlineHosts()) {
    if (auto host = health_.engine().host(hostId)) {
      health_.presence(hostId, host->tenantId, now);
    } else if (auto stored = store_.findHost(hostId)) {  // enrolled since start, not yet seen
      health_.setHost(hostInfo(*stored));
      health_.presence(hostId, stored->tenantId, now);
    }
  }
  health_.evaluate(now);
  {
    std::lock_guard lock(mutex_);
    sendNow_ = true;
  }
  wake_.notify_all();
}

void HealthLoop::sendLoop() {
  // Retries are due on their own schedule (backoff): look every few seconds too.
  constexpr std::chrono::seconds kRetryCheck{3};
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, kRetryCheck, [this] { return stopping_ || sendNow_; });
    if (stopping_) break;
    sendNow_ = false;
    lock.unlock();
    try {
      health_.deliver(static_cast<store::Time>(std::time(nullptr)));
    } catch (const std::exception& e) {
      spdlog::error("sending notifications failed: {}", e.what());
    }
    lock.lock();
  }
}

void HealthLoop::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    try {
      round(static_cast<store::Time>(std::time(nullptr)));
    } catch (const std::exception& e) {
      spdlog::error("health round failed (next one in {} s): {}", interval_.count(), e.what());
    }
    lock.lock();
  }
}

}  // namespace parc::server
