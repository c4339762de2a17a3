#include "server/backup/policies.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/error.h"

namespace parc::server::backup {

namespace {

// What is stored was validated when written; a document a later version would refuse
// is logged and replaced by the defaults rather than taking the server down.
BackupPolicy parseStoredTenant(const store::StoredBackupPolicy& row) {
  try {
    return parseTenantPolicy(parseJson(row.policy));
  } catch (const Error& e) {
    spdlog::error("stored backup policy of tenant {} is invalid ({}); using the defaults",
                  row.tenantId, e.what());
    return BackupPolicy{};
  }
}

}  // namespace

BackupPolicy Policies::tenantPolicy(store::Id tenantId) {
  auto row = store_.tenantPolicy(tenantId);
  return row ? parseStoredTenant(*row) : BackupPolicy{};
}

std::optional<Json> Policies::hostOverride(store::Id hostId) {
  auto row = store_.hostPolicy(hostId);
  if (!row) return std::nullopt;
  try {
    return parseHostOverride(parseJson(row->policy));
  } catch (const Error& e) {
    spdlog::error("stored backup policy override of host {} is invalid ({}); ignored", hostId,
                  e.what());
    return std::nullopt;
  }
}

BackupPolicy Policies::effective(const store::Host& host) {
  BackupPolicy tenant = tenantPolicy(host.tenantId);
  auto over = hostOverride(host.id);
  if (!over) return tenant;
  try {
    return applyOverride(tenant, *over);
  } catch (const Error& e) {
    // e.g. the override enables backups but the tenant's folders were emptied since.
    spdlog::warn("backup policy override of host {} does not apply ({}); tenant's policy used",
                 host.id, e.what());
    return tenant;
  }
}

std::optional<store::Time> Policies::enabledSince(const store::Host& host) {
  if (!effective(host).enabled) return std::nullopt;
  std::optional<store::Time> since;
  auto over = store_.hostPolicy(host.id);
  if (over && over->enabledSince) {
    since = over->enabledSince;
  } else if (auto t = store_.tenantPolicy(host.tenantId); t && t->enabledSince) {
    since = t->enabledSince;
  }
  if (!since) since = host.enrolledAt;
  return std::max(*since, host.enrolledAt);
}

}  // namespace parc::server::backup
