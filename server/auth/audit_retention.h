#pragma once
// Applies the audit log's retention setting: at start, then once a day, records older
// than the retention are removed (oldest first, the chain's checkpoint moved), and the
// purge itself is audited.
#include <condition_variable>
#include <mutex>
#include <thread>

#include "server/store/store.h"

namespace parc::server::auth {

class AuditRetention {
 public:
  /// `retentionDays` 0 keeps everything (no thread is started).
  AuditRetention(store::Store& store, std::int64_t retentionDays);
  ~AuditRetention();
  AuditRetention(const AuditRetention&) = delete;
  AuditRetention& operator=(const AuditRetention&) = delete;

  /// One pass now: returns how many records were removed.
  std::int64_t purgeOnce(store::Time now);

 private:
  void run();

  store::Store& store_;
  std::int64_t retentionDays_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace parc::server::auth
