#pragma once
// The forwarder's own durable queue, <data-dir>/glpi-forward.db: at most one pending
// inventory per host (a newer one replaces it: GLPI only needs the latest), and each
// host's and tenant's delivery status. Not thread-safe: the forwarder serialises calls.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/sqlite/database.h"

namespace parc::server::forward {

using Id = std::int64_t;
using Time = std::int64_t;  // seconds since the epoch

struct QueuedInventory {
  Id hostId = 0;
  Id tenantId = 0;
  std::string hostUid;   // GLPI-Agent-ID
  std::string deviceId;  // GLPI's deviceid
  std::string hostname;
  std::string document;  // the host's merged Parc inventory (canonical JSON)
  Time collectedAt = 0;
  Time queuedAt = 0;         // when this host first waited (kept when replaced)
  std::int64_t version = 0;  // grows with every enqueue: a delivery removes only what it sent
  int attempts = 0;
};

/// What the senders need to choose the next item, without the document.
struct PendingEntry {
  Id hostId = 0;
  Id tenantId = 0;
  Time queuedAt = 0;
  std::int64_t version = 0;
  int attempts = 0;
};

enum class EnqueueResult { kQueued, kReplaced, kFull };

struct HostStatusRow {
  Id hostId = 0;
  Id tenantId = 0;
  std::string hostUid, hostname;
  bool pending = false;
  int attempts = 0;  // of the pending inventory
  std::optional<Time> queuedAt, lastSuccessAt, lastAttemptAt, lastErrorAt;
  std::string lastError;
  int lastHttpStatus = 0;
  std::int64_t delivered = 0, replaced = 0, dropped = 0;
};

struct TenantStatusRow {
  Id tenantId = 0;
  std::optional<Time> lastSuccessAt, lastErrorAt;
  std::string lastError;
  std::int64_t delivered = 0;
  int consecutiveFailures = 0;
};

class ForwardQueue {
 public:
  /// Opens (creating, migrating) the queue file.
  explicit ForwardQueue(const std::filesystem::path& file);

  /// Durable when it returns. kFull: accepting it would pass `maxBytes` (the host's
  /// previous pending inventory, if any, stays; the drop is counted in its status).
  EnqueueResult enqueue(QueuedInventory item, std::size_t maxBytes);

  std::vector<PendingEntry> pending();
  std::optional<QueuedInventory> load(Id hostId);

  /// Removes the pending inventory if it is still `version` (false: a newer one came in
  /// meanwhile and stays), and records the success.
  bool markDelivered(Id hostId, Id tenantId, std::int64_t version, Time now, int httpStatus);
  /// Records a failed attempt; `tenantWide` when the GLPI server itself failed (counts
  /// towards the tenant's consecutive failures).
  void markFailed(Id hostId, Id tenantId, Time now, const std::string& error, int httpStatus,
                  bool tenantWide);
  /// Removes a pending inventory for good (a tenant no longer forwarded, a document
  /// that cannot be converted) and records why.
  void drop(Id hostId, Time now, const std::string& reason);

  std::vector<HostStatusRow> hostStatus();
  std::vector<TenantStatusRow> tenantStatus();

  std::size_t queuedBytes() const { return bytes_; }
  std::size_t queuedCount();

 private:
  sqlite::Database db_;
  std::size_t bytes_ = 0;
  std::int64_t lastVersion_ = 0;
};

}  // namespace parc::server::forward
