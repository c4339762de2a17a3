#pragma once
// The policies as the server applies them: stored documents parsed back, the tenant's
// defaults when nothing is stored, a host's override applied on top.
#include <optional>

#include "server/backup/policy.h"
#include "server/store/model.h"
#include "server/store/sqlite/backup_policies_store.h"

namespace parc::server::backup {

class Policies {
 public:
  explicit Policies(store::BackupPolicyStore& store) : store_(store) {}

  store::BackupPolicyStore& store() { return store_; }

  /// The tenant's policy (the defaults, disabled, when none was set).
  BackupPolicy tenantPolicy(store::Id tenantId);
  /// The host's override document, if any.
  std::optional<Json> hostOverride(store::Id hostId);
  /// The tenant's policy with the host's override applied.
  BackupPolicy effective(const store::Host& host);
  /// Since when the host's effective policy has backups on (never before its
  /// enrolment); nullopt when they are off. Stale-backup alerts count from here.
  std::optional<store::Time> enabledSince(const store::Host& host);

 private:
  store::BackupPolicyStore& store_;
};

}  // namespace parc::server::backup
