#pragma once
// Backup and restore of file trees against a Target.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "agent/backup/target.h"
#include "common/backup/crypto.h"
#include "common/backup/manifest.h"

namespace parc::agent::backup {

struct BackupOptions {
  std::vector<std::filesystem::path> sources;
  std::vector<std::string> excludes;  // fnmatch globs: with a '/', on the path; else the name
  std::string host;
  std::filesystem::path cacheFile;  // empty: no files cache (everything is read)
  unsigned threads = 0;             // 0: one per core
  int compressLevel = 3;            // zstd level, 0 = off
};

struct BackupResult {
  std::string snapshotId;
  std::size_t files = 0, directories = 0, symlinks = 0;
  std::size_t filesFromCache = 0, filesRead = 0;
  std::uint64_t bytesTotal = 0, bytesRead = 0;
  std::size_t chunksNew = 0;
  std::uint64_t bytesStored = 0;  // encrypted bytes added to the repository
  std::vector<std::string> warnings;
  double seconds = 0;
};

/// Reads the sources, uploads what the repository lacks, commits a snapshot.
/// Files that cannot be read are skipped with a warning; the snapshot is still made.
BackupResult runBackup(Target& target, const parc::backup::TenantKeys& keys,
                       const BackupOptions& options);

struct RestoreOptions {
  std::string snapshotId;  // or "latest"
  std::filesystem::path targetDir;
  std::string include;  // restore only this path (file or folder) of the snapshot
  unsigned threads = 0;
};

struct RestoreResult {
  std::size_t files = 0, directories = 0, symlinks = 0;
  std::uint64_t bytes = 0;
  std::vector<std::string> warnings;
  double seconds = 0;
};

/// Restores into targetDir, never outside it: unsafe paths in the snapshot refuse the
/// whole restore before anything is written, existing files are not overwritten, and
/// no symlink is followed while creating the tree.
RestoreResult runRestore(Target& target, const parc::backup::TenantKeys& keys,
                         const RestoreOptions& options);

/// Writes one file of a snapshot into `out` (opened by the caller, who decides where and
/// under which name): its chunks decoded and checked, zero blocks left as holes (sparse
/// files stay sparse), then owner (when root), mode and modification time. `name` is how
/// errors call the file; `progress` (optional) learns each chunk's size. Returns the bytes.
std::uint64_t writeRestoredFile(int out, const parc::backup::Entry& entry, Target& target,
                                parc::backup::BlobCodec& codec, std::string& scratch,
                                const std::string& name,
                                const std::function<void(std::size_t)>& progress = {});

/// Sets an entry's modification time (and access time) on an open file or folder.
void applyEntryTime(int fd, const parc::backup::Entry& entry);

/// The snapshot's entries (decrypted manifest), for listing and tests.
std::vector<parc::backup::Entry> readManifest(Target& target, const parc::backup::TenantKeys& keys,
                                              const std::string& snapshotId);

/// kUnauthorized with a clear message when the key does not match the repository.
void checkKey(Target& target, const parc::backup::TenantKeys& keys);

}  // namespace parc::agent::backup
