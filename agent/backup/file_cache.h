#pragma once
// The agent's files cache (SQLite): for each path backed up, the identity of the version
// read (size, mtime, ctime, inode) and its chunk list. A file whose identity is unchanged
// is not read again. Written only after the snapshot is committed, so it never claims
// chunks the repository does not hold.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/backup/manifest.h"
#include "common/sqlite/database.h"

namespace parc::agent::backup {

struct FileStamp {
  std::uint64_t size = 0;
  std::int64_t mtimeNs = 0, ctimeNs = 0;
  std::uint64_t inode = 0;
  bool operator==(const FileStamp&) const = default;
};

class FileCache {
 public:
  /// `repoId` scopes the entries: one cache file may serve several repositories.
  FileCache(const std::filesystem::path& file, std::string repoId);
  std::optional<std::vector<parc::backup::ChunkRef>> lookup(const std::string& path,
                                                            const FileStamp& stamp);
  struct Update {
    std::string path;
    FileStamp stamp;
    const std::vector<parc::backup::ChunkRef>* chunks;
  };
  /// Replaces the entries under `prefixes` (the sources just backed up) with these, in
  /// one transaction; entries of other sources are kept for their next backup.
  void replaceUnder(const std::vector<std::string>& prefixes, const std::vector<Update>& updates);
  void clear();

 private:
  sqlite::Database db_;
  std::string repo_;
  sqlite::Statement lookup_;
};

}  // namespace parc::agent::backup
