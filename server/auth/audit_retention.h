#pragma once
// Applies the audit log's retention setting: at start, then once a day, records older
// than the retention are removed (oldest first, the chain's checkpoint moved), and the
// purge itself is audited.
#include <memory>

#include "common/thread/periodic_thread.h"
#include "server/store/store.h"

namespace parc::server::auth {

class AuditRetention {
 public:
  /// `retentionDays` 0 keeps everything (no thread is started).
  AuditRetention(store::Store& store, std::int64_t retentionDays);

  /// One pass now: returns how many records were removed.
  std::int64_t purgeOnce(store::Time now);

 private:
  store::Store& store_;
  std::int64_t retentionDays_;
  std::unique_ptr<PeriodicThread> thread_;  // last: stopped before the members it uses
};

}  // namespace parc::server::auth
