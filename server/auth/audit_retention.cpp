#include "server/auth/audit_retention.h"

#include <spdlog/spdlog.h>

#include <ctime>

namespace parc::server::auth {

AuditRetention::AuditRetention(store::Store& store, std::int64_t retentionDays)
    : store_(store), retentionDays_(retentionDays) {
  if (retentionDays_ <= 0) return;
  thread_ =
      std::make_unique<PeriodicThread>("audit-purge", std::chrono::hours(24), [this](const auto&) {
        try {
          purgeOnce(static_cast<store::Time>(std::time(nullptr)));
        } catch (const std::exception& e) {
          spdlog::error("audit retention failed (retried tomorrow): {}", e.what());
        }
      });
}

std::int64_t AuditRetention::purgeOnce(store::Time now) {
  if (retentionDays_ <= 0) return 0;
  store::Time before = now - retentionDays_ * 86400;
  std::int64_t removed = store_.purgeAudit(before);
  if (removed > 0) {
    store::AuditEntry e;
    e.at = now;
    e.actor = "system";
    e.action = "audit.retention";
    e.result = "ok";
    e.detail = std::to_string(removed) + " records older than " + std::to_string(retentionDays_) +
               " days removed";
    store_.appendAudit(e);
    spdlog::info("audit retention: {}", e.detail);
  }
  return removed;
}

}  // namespace parc::server::auth
