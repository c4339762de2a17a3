#include "server/app/health_loop.h"

#include <spdlog/spdlog.h>

#include <ctime>

namespace parc::server {

HealthLoop::HealthLoop(alerts::HealthService& health, store::Store& store, control::ControlHub& hub,
                       std::chrono::seconds interval)
    : health_(health), store_(store), hub_(hub), interval_(interval) {
  // Every host the rules should know, with its tenant (absence needs the silent ones too).
  for (const auto& h : store_.listHosts()) {
    alerts::HostInfo info;
    info.hostId = h.id;
    info.tenantId = h.tenantId;
    info.name = h.hostname;
    health_.setHost(info);
    if (h.lastSeen) health_.presence(h.id, h.tenantId, *h.lastSeen);
  }
  thread_ = std::thread([this] { run(); });
}

HealthLoop::~HealthLoop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HealthLoop::round(store::Time now) {
  for (const auto& h : store_.listHosts()) {
    if (auto p = hub_.presence(h.id); p && p->online) health_.presence(h.id, h.tenantId, now);
  }
  health_.evaluate(now);
  health_.deliver(now);
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
