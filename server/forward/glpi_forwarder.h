#pragma once
// Forwards each host's inventory to its tenant's GLPI (docs/inventory.md, "GLPI
// forwarding"). The request path only enqueues, durably, in <data-dir>/glpi-forward.db;
// sender threads deliver in the background with exponential backoff and jitter, the
// newest inventory per host only, and keep a status per tenant and host.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/json/json.h"
#include "server/forward/glpi_client.h"
#include "server/forward/queue.h"
#include "server/forward/settings.h"
#include "server/store/store.h"

namespace parc::server::forward {

class GlpiForwarder {
 public:
  /// Opens the queue in `dataDir`, checks every target (CA files), drops what waits for
  /// a tenant no longer forwarded, and starts the senders. Throws parc::Error on a bad
  /// configuration or an unusable queue file.
  GlpiForwarder(store::Store& store, const std::filesystem::path& dataDir,
                ForwardSettings settings);
  /// Stops the senders (waiting for a delivery in flight, bounded by its timeout).
  ~GlpiForwarder();
  GlpiForwarder(const GlpiForwarder&) = delete;
  GlpiForwarder& operator=(const GlpiForwarder&) = delete;

  /// Called once the store has durably taken a new inventory of `host`: queues the
  /// host's merged inventory if its tenant forwards. Never throws (a failure is logged
  /// and shown in the status); true when queued.
  bool inventoryStored(const store::Host& host, store::Time now) noexcept;

  /// Per tenant the caller may see: target, queue, last success and error, and per host.
  Json status(const store::TenantScope& scope);

  /// True when nothing is pending (tests, benchmarks).
  bool idle();

  /// The forwarder's part of the server's /metrics: inventories waiting (count and
  /// bytes), delivered, and failed attempts by reason (GLPI down or erring, or refusing
  /// the document).
  std::string prometheusText();

 private:
  struct TenantState {
    bool busy = false;
    int failures = 0;
    std::chrono::steady_clock::time_point nextAttempt{};
  };
  struct Pending {
    Id tenantId = 0;
    Time queuedAt = 0;
    std::int64_t version = 0;
    int attempts = 0;
    std::chrono::steady_clock::time_point nextAttempt{};
  };

  /// The target for a tenant (by id or INSEE code), or nullptr; cached.
  const GlpiClient* clientFor(Id tenantId);
  void senderLoop();
  void deliver(Id hostId, const GlpiClient& client);
  std::chrono::milliseconds backoff(const GlpiTarget& target, int failures);

  store::Store& store_;
  ForwardSettings settings_;
  std::vector<std::unique_ptr<GlpiClient>> clients_;

  std::mutex dbMutex_;  // the queue's connection
  ForwardQueue queue_;

  std::mutex mutex_;  // what follows
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<Id, Pending> pending_;  // by host
  std::map<Id, TenantState> tenants_;
  std::map<Id, int> targetOfTenant_;  // index in clients_, -1: not forwarded
  std::vector<std::thread> senders_;

  std::atomic<std::int64_t> delivered_{0};
  std::atomic<std::int64_t> serverFailures_{0};  // GLPI unreachable, HTTP 5xx, garbage
  std::atomic<std::int64_t> refusals_{0};        // GLPI refused this document
};

}  // namespace parc::server::forward
