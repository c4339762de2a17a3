#pragma once
// After a backup, a test restore of a small random sample: the files' chunks are read
// back from the repository, authenticated, decrypted and re-hashed, and nothing is
// written. It catches what verification on the server cannot: a key, a codec or a
// manifest that would not restore.
#include <cstdint>
#include <string>
#include <vector>

#include "agent/backup/target.h"
#include "common/backup/crypto.h"

namespace parc::agent::backup {

struct SampleCheck {
  std::size_t files = 0, chunks = 0;
  std::uint64_t bytes = 0;
  std::vector<std::string> problems;  // one line each, naming the file and the chunk
  bool ok() const { return problems.empty(); }
};

/// Reads back up to `maxFiles` random files of the snapshot (stopping past `maxBytes`).
SampleCheck testRestoreSample(Target& target, const parc::backup::TenantKeys& keys,
                              const std::string& snapshotId, std::size_t maxFiles = 5,
                              std::uint64_t maxBytes = 64ULL << 20);

}  // namespace parc::agent::backup
