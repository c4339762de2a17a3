#pragma once
// The network target: the tenant's repository on the Parc server, reached over the
// agent listener with the agent's own certificate (mTLS). The server picks the
// repository from the certificate's tenant; the agent never names one.
#include <filesystem>

#include "agent/backup/target.h"
#include "agent/transport/identity.h"

namespace parc::agent::backup {

struct RemoteOptions {
  /// listSnapshots() (and so restore's "latest") sees only this host's snapshots; off:
  /// every snapshot of the tenant (restoring another PC's files onto this one).
  bool ownSnapshotsOnly = true;
};

TargetPtr openRemoteTarget(const transport::Identity& identity, RemoteOptions options = {});

/// Creates the tenant's repository on the server with this key check (the key itself
/// never leaves the agent). Returns false when it existed already with the same key;
/// kConflict when it exists with another key.
bool initRemoteRepository(const transport::Identity& identity, const std::string& keyCheck);

}  // namespace parc::agent::backup
