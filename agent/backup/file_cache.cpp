#include "agent/backup/file_cache.h"

#include <cstring>

namespace parc::agent::backup {
namespace {

const std::vector<sqlite::Migration> kMigrations = {
    {1, R"(
CREATE TABLE files(repo TEXT NOT NULL, path BLOB NOT NULL, size INTEGER NOT NULL,
                   mtime INTEGER NOT NULL, ctime INTEGER NOT NULL, inode INTEGER NOT NULL,
                   chunks BLOB, PRIMARY KEY(repo, path)) WITHOUT ROWID;
)"},
};

constexpr std::size_t kRefSize = 36;

sqlite::Database openCache(const std::filesystem::path& file) {
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  auto db = sqlite::Database::open(file);
  // A lost cache only costs a re-read: no need to fsync every commit.
  db.exec("PRAGMA synchronous=NORMAL;");
  sqlite::migrate(db, kMigrations);
  return db;
}

std::vector<std::uint8_t> asBlob(std::string_view s) {
  return {s.begin(), s.end()};
}

}  // namespace

FileCache::FileCache(const std::filesystem::path& file, std::string repoId)
    : db_(openCache(file)),
      repo_(std::move(repoId)),
      lookup_(db_,
              "SELECT size, mtime, ctime, inode, chunks FROM files WHERE repo = ? AND path = ?") {}

std::optional<std::vector<parc::backup::ChunkRef>> FileCache::lookup(const std::string& path,
                                                                     const FileStamp& stamp) {
  lookup_.reset();
  lookup_.bind(1, repo_).bindBlob(2, asBlob(path));
  if (!lookup_.step()) return std::nullopt;
  FileStamp cached{static_cast<std::uint64_t>(lookup_.int64(0)), lookup_.int64(1), lookup_.int64(2),
                   static_cast<std::uint64_t>(lookup_.int64(3))};
  if (!(cached == stamp)) return std::nullopt;
  auto raw = lookup_.blob(4);
  if (raw.size() % kRefSize) return std::nullopt;
  std::vector<parc::backup::ChunkRef> refs(raw.size() / kRefSize);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < refs.size(); ++i) {
    std::memcpy(refs[i].id.data(), raw.data() + i * kRefSize, 32);
    std::memcpy(&refs[i].size, raw.data() + i * kRefSize + 32, 4);
    total += refs[i].size;
  }
  if (total != stamp.size) return std::nullopt;
  return refs;
}

void FileCache::replaceUnder(const std::vector<std::string>& prefixes,
                             const std::vector<Update>& updates) {
  sqlite::Transaction tx(db_);
  // Paths are blobs (raw bytes): "under p/" is the byte range [p + '/', p + '0').
  sqlite::Statement del(db_,
                        "DELETE FROM files WHERE repo = ?1 AND (path = ?2 OR "
                        "(path >= ?3 AND path < ?4))");
  for (const auto& p : prefixes) {
    del.reset();
    del.bind(1, repo_).bindBlob(2, asBlob(p)).bindBlob(3, asBlob(p + "/"));
    del.bindBlob(4, asBlob(p + "0")).run();
  }
  sqlite::Statement ins(db_, "INSERT OR REPLACE INTO files VALUES(?,?,?,?,?,?,?)");
  std::vector<std::uint8_t> raw;
  for (const auto& u : updates) {
    raw.resize(u.chunks->size() * kRefSize);
    for (std::size_t i = 0; i < u.chunks->size(); ++i) {
      std::memcpy(raw.data() + i * kRefSize, (*u.chunks)[i].id.data(), 32);
      std::memcpy(raw.data() + i * kRefSize + 32, &(*u.chunks)[i].size, 4);
    }
    ins.reset();
    ins.bind(1, repo_).bindBlob(2, asBlob(u.path));
    ins.bind(3, static_cast<std::int64_t>(u.stamp.size)).bind(4, u.stamp.mtimeNs);
    ins.bind(5, u.stamp.ctimeNs).bind(6, static_cast<std::int64_t>(u.stamp.inode));
    ins.bindBlob(7, raw).run();
  }
  tx.commit();
}

void FileCache::clear() {
  sqlite::Statement(db_, "DELETE FROM files WHERE repo = ?").bind(1, repo_).run();
}

}  // namespace parc::agent::backup
