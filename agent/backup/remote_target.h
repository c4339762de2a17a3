#pragma once
// The network target: the tenant's repository on the Parc server, reached over the
// agent listener with the agent's own certificate (mTLS). The server picks the
// repository from the certificate's tenant; the agent never names one.
#include <filesystem>
#include <functional>

#include "agent/backup/target.h"
#include "agent/transport/identity.h"

namespace parc::agent::backup {

struct RemoteOptions {
  // A constructor, not an aggregate: RemoteOptions{false} stays valid as fields are added.
  RemoteOptions(bool ownOnly = true) : ownSnapshotsOnly(ownOnly) {}  // NOLINT: implicit on purpose
  /// listSnapshots() (and so restore's "latest") sees only this host's snapshots; off:
  /// every snapshot of the tenant (restoring another PC's files onto this one).
  bool ownSnapshotsOnly = true;
  /// The upload limit in KiB/s asked before each part (0 or unset: no limit); read
  /// per part so office hours starting mid-backup apply at once.
  std::function<int()> limitKiBps;
};

TargetPtr openRemoteTarget(const transport::Identity& identity, RemoteOptions options = {});

/// Creates the tenant's repository on the server with this key check (the key itself
/// never leaves the agent). Returns false when it existed already with the same key;
/// kConflict when it exists with another key.
bool initRemoteRepository(const transport::Identity& identity, const std::string& keyCheck);

}  // namespace parc::agent::backup
