#include "server/backup/last_backups.h"

#include <spdlog/spdlog.h>

#include <charconv>

#include "common/error.h"

namespace parc::server::backup {

store::Id hostIdOfLabel(const std::string& label) {
  if (label.rfind("host:", 0) != 0) return 0;
  store::Id id = 0;
  const char* b = label.data() + 5;
  const char* e = label.data() + label.size();
  auto [p, ec] = std::from_chars(b, e, id);
  return ec == std::errc() && p == e ? id : 0;
}

LastBackups::LastBackups(store::Store& store, Repositories& repositories, Policies& policies,
                         std::chrono::seconds policyCache)
    : store_(store), repositories_(repositories), policies_(policies), policyCache_(policyCache) {}

void LastBackups::loadTenant(std::int64_t tenantId) {
  if (loadedTenants_.count(tenantId)) return;
  Repository* repo = nullptr;
  try {
    repo = repositories_.find(tenantId);
  } catch (const Error& e) {
    spdlog::warn("backup repository of tenant {} cannot be opened: {}", tenantId, e.what());
    return;  // tried again at the next evaluation
  }
  if (repo) {
    for (const auto& s : repo->listSnapshots()) {
      auto id = hostIdOfLabel(s.host);
      if (!id) continue;
      auto& t = newest_[id];
      t = std::max(t, s.created);
    }
  }
  loadedTenants_.insert(tenantId);
}

void LastBackups::committed(std::int64_t tenantId, const std::string& host, store::Time created) {
  std::lock_guard lock(mutex_);
  loadTenant(tenantId);
  if (auto id = hostIdOfLabel(host)) newest_[id] = std::max(newest_[id], created);
}

std::optional<store::Time> LastBackups::newestSnapshot(store::Id hostId) {
  std::lock_guard lock(mutex_);
  auto it = newest_.find(hostId);
  if (it == newest_.end()) return std::nullopt;
  return it->second;
}

std::optional<store::Time> LastBackups::lastBackup(store::Id hostId, store::Time now) {
  std::unique_lock lock(mutex_);
  auto& st = hosts_[hostId];
  if (!st.known || now - st.checkedAt >= policyCache_.count()) {
    // Policies change rarely: read them at most once a minute per host, outside the lock.
    lock.unlock();
    HostState fresh;
    if (auto host = store_.findHost(hostId); host && !host->revoked) {
      fresh.tenantId = host->tenantId;
      fresh.enabledSince = policies_.enabledSince(*host);
    }
    fresh.checkedAt = now;
    fresh.known = true;
    lock.lock();
    hosts_[hostId] = fresh;
  }
  const auto& state = hosts_[hostId];
  if (!state.enabledSince) return std::nullopt;  // backups off: nothing is late
  loadTenant(state.tenantId);
  auto it = newest_.find(hostId);
  return it != newest_.end() ? it->second : *state.enabledSince;
}

}  // namespace parc::server::backup
