#pragma once
// Where backups go, as the agent sees it. The local implementation opens a repository
// directory in-process; the network one (later) speaks the same calls to the server.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/backup/bytes.h"
#include "common/backup/pack.h"

namespace parc::agent::backup {

using parc::backup::BlobHeader;
using parc::backup::ChunkId;

struct SnapshotSummary {
  std::string id;
  std::int64_t created = 0;
  std::string host;
};

class Target {
 public:
  virtual ~Target() = default;
  /// The repository's public key check: a wrong key is refused before any work.
  virtual std::string keyCheck() = 0;
  virtual std::vector<bool> hasChunks(const std::vector<ChunkId>& ids) = 0;
  virtual void putPack(std::string pack) = 0;
  /// Returns the snapshot id the server chose; kConflict when chunks are missing.
  virtual std::string commitSnapshot(const std::string& object, const std::string& host) = 0;
  virtual std::vector<SnapshotSummary> listSnapshots() = 0;
  virtual std::string readSnapshot(const std::string& id) = 0;
  /// The blob's header and stored bytes; kNotFound if the repository lacks it.
  virtual std::pair<BlobHeader, std::string> readBlob(const ChunkId& id) = 0;
  virtual bool acquireLease(const std::string& holder, std::chrono::seconds ttl) = 0;
  virtual void releaseLease(const std::string& holder) = 0;
  virtual std::optional<std::string> keySlot(const std::string& name) = 0;
  virtual void putKeySlot(const std::string& name, const std::string& wrapped) = 0;
};

using TargetPtr = std::unique_ptr<Target>;

/// A repository directory on this machine (or a mounted share).
TargetPtr openLocalTarget(const std::filesystem::path& repo);
/// Creates the repository directory; kConflict if one exists there.
void initLocalRepository(const std::filesystem::path& repo, const std::string& keyCheck);

}  // namespace parc::agent::backup
