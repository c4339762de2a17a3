#include "server/forward/glpi_forwarder.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <ctime>
#include <limits>
#include <random>
#include <set>

#include "agent/collectors/glpi_format.h"
#include "common/error.h"
#include "common/thread/thread_name.h"
#include "server/health/prometheus.h"

namespace parc::server::forward {

namespace {

using Clock = std::chrono::steady_clock;

Time wallNow() {
  return static_cast<Time>(std::time(nullptr));
}

Json optTime(const std::optional<Time>& t) {
  return t ? Json(*t) : Json();
}

}  // namespace

GlpiForwarder::GlpiForwarder(store::Store& store, const std::filesystem::path& dataDir,
                             ForwardSettings settings)
    : store_(store), settings_(std::move(settings)), queue_(dataDir / "glpi-forward.db") {
  for (const auto& t : settings_.targets) clients_.push_back(std::make_unique<GlpiClient>(t));
  // What waits from before the restart: resume it, or drop it when its tenant is no
  // longer forwarded (it would otherwise hold queue space for ever).
  std::size_t resumed = 0;
  for (const auto& p : queue_.pending()) {
    if (!clientFor(p.tenantId)) {
      queue_.drop(p.hostId, wallNow(), "forwarding no longer configured for this tenant");
      spdlog::warn(
          "GLPI forwarding: tenant {} is no longer forwarded: dropped the inventory of "
          "host {} that was waiting",
          p.tenantId, p.hostId);
      continue;
    }
    pending_[p.hostId] = Pending{p.tenantId, p.queuedAt, p.version, p.attempts, {}};
    ++resumed;
  }
  for (const auto& c : clients_) {
    const auto& t = c->target();
    spdlog::info("GLPI forwarding for {}: {}{}{}", t.who(), t.endpoint.toString(),
                 t.endpoint.tls ? "" : " (plain HTTP: not encrypted)",
                 t.enabled ? "" : " (disabled)");
  }
  if (resumed) spdlog::info("GLPI forwarding: {} inventories still to deliver", resumed);
  int threads = clients_.empty() ? 0 : std::max(1, settings_.senderThreads);
  for (int i = 0; i < threads; ++i)
    senders_.push_back(namedThread("glpi-forward", [this] { senderLoop(); }));
}

GlpiForwarder::~GlpiForwarder() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : senders_) t.join();
}

const GlpiClient* GlpiForwarder::clientFor(Id tenantId) {
  if (clients_.empty()) return nullptr;
  std::unique_lock lock(mutex_);
  auto it = targetOfTenant_.find(tenantId);
  if (it == targetOfTenant_.end()) {
    lock.unlock();
    // Tenants keep their id and INSEE code for life: the answer can be cached.
    int index = -1;
    std::optional<store::Tenant> tenant;
    for (size_t i = 0; i < clients_.size() && index < 0; ++i) {
      const auto& t = clients_[i]->target();
      if (t.tenantId) {
        if (*t.tenantId == tenantId) index = static_cast<int>(i);
      } else {
        if (!tenant) tenant = store_.findTenant(tenantId);
        if (tenant && tenant->inseeCode == t.tenantInsee) index = static_cast<int>(i);
      }
    }
    lock.lock();
    it = targetOfTenant_.emplace(tenantId, index).first;
  }
  return it->second < 0 ? nullptr : clients_[static_cast<size_t>(it->second)].get();
}

bool GlpiForwarder::inventoryStored(const store::Host& host, store::Time now) noexcept {
  try {
    const GlpiClient* client = clientFor(host.tenantId);
    if (!client || !client->target().enabled) return false;
    auto document = store_.hostInventory(host.id);
    if (!document) return false;
    QueuedInventory item;
    item.hostId = host.id;
    item.tenantId = host.tenantId;
    item.hostUid = host.uid;
    item.deviceId = host.deviceId.empty() ? host.uid : host.deviceId;
    item.hostname = host.hostname;
    item.document = std::move(*document);
    item.collectedAt = now;
    item.queuedAt = now;
    EnqueueResult result;
    std::int64_t version = 0;
    {
      std::lock_guard db(dbMutex_);
      result = queue_.enqueue(item, settings_.maxQueueBytes);
      if (result != EnqueueResult::kFull) version = queue_.load(host.id)->version;
    }
    if (result == EnqueueResult::kFull) {
      spdlog::warn("GLPI forwarding queue full ({} MiB): inventory of host {} not forwarded",
                   settings_.maxQueueBytes / (1024 * 1024), host.id);
      return false;
    }
    {
      std::lock_guard lock(mutex_);
      auto [it, inserted] = pending_.try_emplace(host.id);
      auto& p = it->second;
      if (inserted || result == EnqueueResult::kQueued) p.queuedAt = now;
      p.tenantId = host.tenantId;
      p.version = std::max(p.version, version);
      p.attempts = 0;
      p.nextAttempt = {};  // a new document deserves a new try (the tenant may still wait)
    }
    wake_.notify_one();
    return true;
  } catch (const std::exception& e) {
    spdlog::error("GLPI forwarding: cannot queue the inventory of host {}: {}", host.id, e.what());
    return false;
  }
}

std::chrono::milliseconds GlpiForwarder::backoff(const GlpiTarget& target, int failures) {
  // Exponential, capped, with jitter over the upper half: retries of many hosts (and of
  // many Parc servers) do not hit a recovering GLPI at the same instant.
  double base = static_cast<double>(target.retryMin.count());
  double cap = static_cast<double>(target.retryMax.count());
  double delay = base;
  for (int i = 1; i < failures && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> half(delay / 2, delay);
  return std::chrono::milliseconds(static_cast<std::int64_t>(half(rng)));
}

void GlpiForwarder::senderLoop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // The oldest waiting host whose tenant is neither busy nor backing off.
    auto now = Clock::now();
    auto wakeAt = Clock::time_point::max();
    std::optional<Id> chosen;
    const GlpiClient* client = nullptr;
    std::pair<Time, std::int64_t> best{std::numeric_limits<Time>::max(), 0};
    for (const auto& [hostId, p] : pending_) {
      auto& tenant = tenants_[p.tenantId];
      if (tenant.busy) continue;
      auto ready = std::max(tenant.nextAttempt, p.nextAttempt);
      if (ready > now) {
        wakeAt = std::min(wakeAt, ready);
        continue;
      }
      std::pair<Time, std::int64_t> key{p.queuedAt, p.version};
      if (key < best) {
        best = key;
        chosen = hostId;
      }
    }
    if (chosen) {
      // Busy before unlocking: another sender must not take this tenant (or this host).
      Id tenantId = pending_[*chosen].tenantId;
      tenants_[tenantId].busy = true;
      lock.unlock();
      client = clientFor(tenantId);
      if (!client || !client->target().enabled) {
        // Disabled since it was queued: it waits for a restart with forwarding enabled.
        lock.lock();
        tenants_[tenantId].busy = false;
        if (auto it = pending_.find(*chosen); it != pending_.end())
          it->second.nextAttempt = Clock::time_point::max();
        continue;
      }
      deliver(*chosen, *client);
      lock.lock();
      tenants_[tenantId].busy = false;
      wake_.notify_all();
      continue;
    }
    if (wakeAt == Clock::time_point::max()) {
      wake_.wait(lock);
    } else {
      wake_.wait_until(lock, wakeAt);
    }
  }
}

void GlpiForwarder::deliver(Id hostId, const GlpiClient& client) {
  const GlpiTarget& target = client.target();
  std::optional<QueuedInventory> item;
  try {
    std::lock_guard db(dbMutex_);
    item = queue_.load(hostId);
  } catch (const std::exception& e) {
    spdlog::error("GLPI forwarding: cannot read the queue: {}", e.what());
    std::lock_guard lock(mutex_);
    tenants_[pending_[hostId].tenantId].nextAttempt = Clock::now() + target.retryMin;
    return;
  }
  if (!item) {
    std::lock_guard lock(mutex_);
    pending_.erase(hostId);
    return;
  }

  std::string body;
  try {
    Json parc = parseJson(item->document, 128);
    body = agent::collectors::toGlpi(parc, item->deviceId, item->collectedAt).dump();
  } catch (const std::exception& e) {
    // Nothing a retry would fix: the stored document is not an inventory.
    spdlog::error("GLPI forwarding: the inventory of host {} cannot be converted: {}", hostId,
                  e.what());
    std::lock_guard db(dbMutex_);
    queue_.drop(hostId, wallNow(), std::string("cannot convert to GLPI's format: ") + e.what());
    std::lock_guard lock(mutex_);
    pending_.erase(hostId);
    return;
  }

  DeliveryOutcome outcome = client.send(body, item->hostUid);
  Time now = wallNow();
  try {
    std::lock_guard db(dbMutex_);
    if (outcome.kind == DeliveryOutcome::Kind::kDelivered) {
      queue_.markDelivered(hostId, item->tenantId, item->version, now, outcome.httpStatus);
    } else {
      queue_.markFailed(hostId, item->tenantId, now, outcome.message, outcome.httpStatus,
                        outcome.kind == DeliveryOutcome::Kind::kServerFailed);
    }
  } catch (const std::exception& e) {
    spdlog::error("GLPI forwarding: cannot record a delivery: {}", e.what());
  }

  if (outcome.kind == DeliveryOutcome::Kind::kDelivered) {
    ++delivered_;
  } else if (outcome.kind == DeliveryOutcome::Kind::kServerFailed) {
    ++serverFailures_;
  } else {
    ++refusals_;
  }
  std::lock_guard lock(mutex_);
  auto& tenant = tenants_[item->tenantId];
  auto it = pending_.find(hostId);
  if (outcome.kind == DeliveryOutcome::Kind::kDelivered) {
    if (tenant.failures > 0)
      spdlog::info("GLPI forwarding for {} works again after {} failures", target.who(),
                   tenant.failures);
    tenant.failures = 0;
    tenant.nextAttempt = {};
    // A newer inventory queued while this one travelled stays for the next round.
    if (it != pending_.end() && it->second.version == item->version) pending_.erase(it);
    spdlog::debug("GLPI forwarding: host {} delivered to {}", hostId, target.endpoint.toString());
    return;
  }
  if (outcome.kind == DeliveryOutcome::Kind::kServerFailed) {
    tenant.failures++;
    auto wait = backoff(target, tenant.failures);
    tenant.nextAttempt = Clock::now() + wait;
    // The first failure and then every tenth: a GLPI down for a day must not flood the log.
    if (tenant.failures == 1 || tenant.failures % 10 == 0)
      spdlog::warn("GLPI forwarding for {} failed ({} in a row), next try in {} s: {}",
                   target.who(), tenant.failures, (wait.count() + 999) / 1000, outcome.message);
    if (it != pending_.end()) it->second.attempts++;
    return;
  }
  // Refused: this document waits on its own; the tenant's other hosts go on.
  if (it != pending_.end()) {
    it->second.attempts++;
    if (it->second.version == item->version)
      it->second.nextAttempt = Clock::now() + backoff(target, it->second.attempts);
  }
  spdlog::warn("GLPI ({}) refused the inventory of host {}: {}", target.who(), hostId,
               outcome.message);
}

bool GlpiForwarder::idle() {
  std::lock_guard lock(mutex_);
  return pending_.empty();
}

std::string GlpiForwarder::prometheusText() {
  std::size_t queued = 0, bytes = 0;
  {
    std::lock_guard lock(mutex_);
    queued = pending_.size();
  }
  {
    std::lock_guard db(dbMutex_);
    bytes = queue_.queuedBytes();
  }
  using health::prometheusFamily;
  return prometheusFamily("parc_glpi_forward_queued", "gauge",
                          "Inventories waiting to be forwarded to GLPI.") +
         fmt::format("parc_glpi_forward_queued {}\n", queued) +
         prometheusFamily("parc_glpi_forward_queued_bytes", "gauge",
                          "Size of the inventories waiting for GLPI.") +
         fmt::format("parc_glpi_forward_queued_bytes {}\n", bytes) +
         prometheusFamily("parc_glpi_forward_delivered_total", "counter",
                          "Inventories GLPI accepted.") +
         fmt::format("parc_glpi_forward_delivered_total {}\n", delivered_.load()) +
         prometheusFamily("parc_glpi_forward_failures_total", "counter",
                          "Failed forwarding attempts: GLPI unreachable or erring (server), or "
                          "refusing the inventory (refused).") +
         fmt::format(
             "parc_glpi_forward_failures_total{{reason=\"server\"}} {}\n"
             "parc_glpi_forward_failures_total{{reason=\"refused\"}} {}\n",
             serverFailures_.load(), refusals_.load());
}

Json GlpiForwarder::status(const store::TenantScope& scope) {
  std::vector<HostStatusRow> hosts;
  std::vector<TenantStatusRow> tenantRows;
  std::size_t bytes = 0, count = 0;
  {
    std::lock_guard db(dbMutex_);
    hosts = queue_.hostStatus();
    tenantRows = queue_.tenantStatus();
    bytes = queue_.queuedBytes();
    count = queue_.queuedCount();
  }
  // Every tenant with a target, and every tenant with a history in the queue.
  std::set<Id> ids;
  for (const auto& t : store_.listTenants(scope)) {
    if (clientFor(t.id)) ids.insert(t.id);
  }
  for (const auto& r : tenantRows) {
    if (scope.allows(r.tenantId)) ids.insert(r.tenantId);
  }
  Json tenants = Json::array();
  auto steadyNow = Clock::now();
  for (Id id : ids) {
    const GlpiClient* client = clientFor(id);
    Json t{{"tenant_id", id}, {"configured", client != nullptr}};
    if (client) {
      const auto& target = client->target();
      t["url"] = target.endpoint.toString();
      t["encrypted"] = target.endpoint.tls;
      t["enabled"] = target.enabled;
      t["compress"] = target.compress;
    }
    for (const auto& r : tenantRows) {
      if (r.tenantId != id) continue;
      t["last_success_at"] = optTime(r.lastSuccessAt);
      t["last_error"] = r.lastError.empty() ? Json() : Json(r.lastError);
      t["last_error_at"] = optTime(r.lastErrorAt);
      t["delivered"] = r.delivered;
      t["consecutive_failures"] = r.consecutiveFailures;
    }
    {
      std::lock_guard lock(mutex_);
      auto it = tenants_.find(id);
      std::int64_t retryIn = 0;
      if (it != tenants_.end() && it->second.nextAttempt > steadyNow) {
        retryIn =
            std::chrono::duration_cast<std::chrono::seconds>(it->second.nextAttempt - steadyNow)
                .count();
      }
      t["next_attempt_in_seconds"] = retryIn;
    }
    Json list = Json::array();
    std::int64_t pendingHosts = 0;
    for (const auto& h : hosts) {
      if (h.tenantId != id) continue;
      std::string state = h.pending         ? (h.attempts > 0 ? "retrying" : "queued")
                          : h.lastSuccessAt ? "delivered"
                          : h.dropped       ? "dropped"
                                            : "none";
      pendingHosts += h.pending ? 1 : 0;
      list.push_back(Json{{"host_id", h.hostId},
                          {"uid", h.hostUid},
                          {"hostname", h.hostname},
                          {"state", state},
                          {"pending", h.pending},
                          {"attempts", h.attempts},
                          {"queued_at", optTime(h.queuedAt)},
                          {"last_success_at", optTime(h.lastSuccessAt)},
                          {"last_attempt_at", optTime(h.lastAttemptAt)},
                          {"last_error", h.lastError.empty() ? Json() : Json(h.lastError)},
                          {"last_error_at", optTime(h.lastErrorAt)},
                          {"last_http_status", h.lastHttpStatus},
                          {"delivered", h.delivered},
                          {"replaced", h.replaced},
                          {"dropped", h.dropped}});
    }
    t["pending"] = pendingHosts;
    t["hosts"] = list;
    tenants.push_back(std::move(t));
  }
  Json out{{"tenants", tenants}};
  if (scope.all()) {
    out["queue"] =
        Json{{"pending", count}, {"bytes", bytes}, {"max_bytes", settings_.maxQueueBytes}};
  }
  return out;
}

}  // namespace parc::server::forward
