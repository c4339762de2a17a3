#include "server/backup/repository.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "common/backup/manifest.h"
#include "common/crypto/hash.h"
#include "common/error.h"
#include "common/files/files.h"

namespace parc::server::backup {
namespace fs = std::filesystem;
using parc::backup::ChunkIdHash;
using parc::backup::PackEntry;

namespace {

constexpr std::string_view kConfigHeader = "parc-backup-repository v1\n";

const std::vector<sqlite::Migration> kMigrations = {
    {1, R"(
CREATE TABLE packs(name TEXT PRIMARY KEY, size INTEGER NOT NULL, blobs INTEGER NOT NULL,
                   created INTEGER NOT NULL, verified_at INTEGER);
CREATE TABLE chunks(id BLOB PRIMARY KEY, pack TEXT NOT NULL, offset INTEGER NOT NULL,
                    type INTEGER NOT NULL, flags INTEGER NOT NULL, plain_len INTEGER NOT NULL,
                    stored_len INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX chunks_pack ON chunks(pack);
CREATE TABLE snapshots(id TEXT PRIMARY KEY, created INTEGER NOT NULL, host TEXT NOT NULL,
                       refs INTEGER NOT NULL);
CREATE TABLE leases(holder TEXT PRIMARY KEY, exclusive INTEGER NOT NULL, expires INTEGER NOT NULL);
)"},
};

std::int64_t now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

std::vector<std::uint8_t> blob(const ChunkId& id) {
  return {id.begin(), id.end()};
}

bool isPackName(std::string_view name) {
  return name.size() == 64 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

void fsyncDir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Readers of a pack go through the file descriptor only; RAII closes it.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// Pack writes bypass the page cache (O_DIRECT): on this kind of machine copying 8 MiB
// into fresh page-cache pages cost more CPU than compressing it (21 % of a first
// backup's CPU in `perf`), and nothing reads a pack right after writing it. Data goes
// through a reused aligned buffer in slices; the unaligned tail and file systems that
// refuse O_DIRECT (tmpfs, some network shares) take the ordinary path.
constexpr std::size_t kDirectAlign = 4096;
constexpr std::size_t kDirectSlice = 1024 * 1024;

struct AlignedFree {
  void operator()(char* p) const { std::free(p); }
};

char* directBuffer() {
  thread_local std::unique_ptr<char, AlignedFree> buffer(
      static_cast<char*>(std::aligned_alloc(kDirectAlign, kDirectSlice)));
  return buffer.get();
}

bool writeAll(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    auto n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Writes `bytes` to `fd`, with O_DIRECT when the descriptor has it (cleared on the
// first refusal, then the rest goes through the page cache).
bool writeMaybeDirect(int fd, std::string_view bytes) {
  std::size_t done = 0;
  char* slice = directBuffer();
  bool direct = (::fcntl(fd, F_GETFL) & O_DIRECT) != 0 && slice != nullptr;
  while (direct && bytes.size() - done >= kDirectAlign) {
    std::size_t n = std::min(kDirectSlice, (bytes.size() - done) / kDirectAlign * kDirectAlign);
    std::memcpy(slice, bytes.data() + done, n);
    auto w = ::write(fd, slice, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EINVAL) break;  // alignment rules differ here: plain writes
    if (w <= 0 || static_cast<std::size_t>(w) % kDirectAlign != 0) {
      if (w > 0) done += static_cast<std::size_t>(w);
      break;
    }
    done += static_cast<std::size_t>(w);
  }
  if ((::fcntl(fd, F_GETFL) & O_DIRECT) != 0)
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_DIRECT);
  return writeAll(fd, bytes.data() + done, bytes.size() - done);
}

// The durable write of a pack (files::writeAtomic's order: temporary file, fsync,
// rename, directory fsync), through writeMaybeDirect.
void writePackAtomic(const fs::path& path, std::string_view bytes) {
  fs::path tmp = path;
  tmp += ".tmp";
  int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
  Fd fd(::open(tmp.c_str(), flags | O_DIRECT, 0400));
  if (fd.fd < 0 && errno == EINVAL) fd.fd = ::open(tmp.c_str(), flags, 0400);
  if (fd.fd < 0) throw Error(ErrorKind::kUnavailable, "cannot write " + tmp.string());
  ::fchmod(fd.fd, 0400);
  if (!writeMaybeDirect(fd.fd, bytes) || ::fsync(fd.fd) != 0) {
    throw Error(ErrorKind::kUnavailable,
                "cannot write " + tmp.string() + ": " + std::strerror(errno));
  }
  ::close(fd.fd);
  fd.fd = -1;
  fs::rename(tmp, path);
  fsyncDir(path.parent_path());
}

std::string readWhole(const fs::path& path) {
  auto content = files::tryRead(path);
  if (!content) throw Error(ErrorKind::kUnavailable, "cannot read " + path.string());
  return *content;
}

}  // namespace

void Repository::init(const fs::path& root, const std::string& keyCheck) {
  if (fs::exists(root / "config")) {
    throw Error(ErrorKind::kConflict, "a backup repository already exists in " + root.string());
  }
  for (auto sub : {"packs", "snapshots", "uploads", "quarantine"}) {
    files::ensureDirectory(root / sub, 0700);
  }
  std::string config(kConfigHeader);
  config += "id " + crypto::toHex(crypto::randomBytes(16)) + "\n";
  config += "key-check " + keyCheck + "\n";
  files::writeAtomic(root / "config", config, 0600);
}

Repository::Repository(const fs::path& root) : root_(root) {
  auto config = files::tryRead(root / "config");
  if (!config || config->compare(0, kConfigHeader.size(), kConfigHeader) != 0) {
    throw Error(ErrorKind::kNotFound, "no backup repository in " + root.string());
  }
  std::istringstream in(config->substr(kConfigHeader.size()));
  std::string key, value;
  while (in >> key >> value) {
    if (key == "id") id_ = value;
    if (key == "key-check") keyCheck_ = value;
  }
  if (id_.empty() || keyCheck_.empty()) {
    throw Error(ErrorKind::kBadRequest, "corrupt repository configuration " + root.string());
  }
  db_ = std::make_unique<sqlite::Database>(sqlite::Database::open(root / "index.db"));
  db_->exec("PRAGMA busy_timeout=10000;");
  sqlite::migrate(*db_, kMigrations);
  // Lookups (hasChunks, locate) on their own connection: WAL readers never wait for a
  // writer, so hashing threads do not stall while a pack's index commit is fsynced.
  readDb_ = std::make_unique<sqlite::Database>(sqlite::Database::open(root / "index.db"));
  readDb_->exec("PRAGMA busy_timeout=10000;");
  reconcile();
}

Repository::~Repository() = default;

fs::path Repository::packPath(const std::string& name) const {
  return root_ / "packs" / name.substr(0, 2) / name;
}

std::vector<bool> Repository::hasChunks(const std::vector<ChunkId>& ids) {
  std::lock_guard lock(readMu_);
  sqlite::Statement q(*readDb_, "SELECT 1 FROM chunks WHERE id = ?");
  std::vector<bool> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    q.reset();
    q.bindBlob(1, blob(id));
    out.push_back(q.step());
  }
  return out;
}

bool Repository::hasChunk(const ChunkId& id) {
  return hasChunks({id}).front();
}

bool Repository::storePackFile(const std::string& name, std::string_view bytes) {
  auto path = packPath(name);
  if (fs::exists(path)) return false;
  files::ensureDirectory(path.parent_path(), 0700);
  writePackAtomic(path, bytes);  // immutable: read-only from the start
  return true;
}

void Repository::indexPack(const std::string& name, std::string_view bytes, std::int64_t created) {
  auto entries = parc::backup::parsePack(bytes, name);
  std::lock_guard lock(mu_);
  sqlite::Transaction tx(*db_);
  sqlite::Statement p(*db_,
                      "INSERT OR IGNORE INTO packs(name, size, blobs, created) VALUES(?,?,?,?)");
  p.bind(1, name).bind(2, static_cast<std::int64_t>(bytes.size()));
  p.bind(3, static_cast<std::int64_t>(entries.size())).bind(4, created).run();
  // A chunk already stored elsewhere keeps its first location; the copy is dead weight
  // that prune reclaims.
  sqlite::Statement c(*db_, "INSERT OR IGNORE INTO chunks VALUES(?,?,?,?,?,?,?)");
  for (const auto& e : entries) {
    c.reset();
    c.bindBlob(1, blob(e.header.id)).bind(2, name).bind(3, static_cast<std::int64_t>(e.offset));
    c.bind(4, static_cast<int>(e.header.type)).bind(5, static_cast<int>(e.header.flags));
    c.bind(6, static_cast<std::int64_t>(e.header.plainLen));
    c.bind(7, static_cast<std::int64_t>(e.header.storedLen)).run();
  }
  tx.commit();
}

std::string Repository::putPack(std::string_view pack) {
  auto name = parc::backup::packName(pack);
  parc::backup::parsePack(pack, name);  // refuse garbage before it touches the disk
  storePackFile(name, pack);
  indexPack(name, pack, now());
  return name;
}

std::uint64_t Repository::uploadOffset(const std::string& name) {
  if (!isPackName(name)) throw Error(ErrorKind::kBadRequest, "bad pack name");
  if (fs::exists(packPath(name))) return UINT64_MAX;  // already stored: nothing to send
  std::error_code ec;
  auto size = fs::file_size(root_ / "uploads" / name, ec);
  return ec ? 0 : size;
}

void Repository::appendUpload(const std::string& name, std::uint64_t offset,
                              std::string_view data) {
  if (!isPackName(name)) throw Error(ErrorKind::kBadRequest, "bad pack name");
  auto current = uploadOffset(name);
  if (current != offset) {
    throw Error(ErrorKind::kConflict, "upload of pack " + name + " continues at " +
                                          std::to_string(current) + ", not " +
                                          std::to_string(offset));
  }
  if (offset + data.size() > 2 * parc::backup::kPackTarget + parc::backup::kMaxBlobPlain) {
    throw Error(ErrorKind::kTooLarge, "pack upload too large");
  }
  auto path = root_ / "uploads" / name;
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (fd.fd < 0 || ::write(fd.fd, data.data(), data.size()) != static_cast<ssize_t>(data.size()) ||
      ::fsync(fd.fd) != 0) {
    throw Error(ErrorKind::kUnavailable, "cannot write " + path.string());
  }
}

void Repository::finishUpload(const std::string& name) {
  if (!isPackName(name)) throw Error(ErrorKind::kBadRequest, "bad pack name");
  auto path = root_ / "uploads" / name;
  auto bytes = readWhole(path);
  if (parc::backup::packName(bytes) != name) {
    fs::remove(path);
    throw Error(ErrorKind::kBadRequest, "uploaded pack " + name + " does not match its name");
  }
  parc::backup::parsePack(bytes, name);  // refuse garbage before it becomes a pack
  // Every part was fsynced as it came: the upload becomes the pack by a rename (made
  // durable by the directory fsync) instead of being written a second time.
  auto target = packPath(name);
  if (fs::exists(target)) {
    fs::remove(path);
  } else {
    files::ensureDirectory(target.parent_path(), 0700);
    ::chmod(path.c_str(), 0400);
    fs::rename(path, target);
    fsyncDir(target.parent_path());
  }
  indexPack(name, bytes, now());
}

std::vector<ChunkId> Repository::missingRefs(const std::vector<ChunkId>& refs) {
  auto have = hasChunks(refs);
  std::vector<ChunkId> missing;
  for (std::size_t i = 0; i < refs.size(); ++i) {
    if (!have[i]) missing.push_back(refs[i]);
  }
  return missing;
}

std::string Repository::commitSnapshot(std::string_view object, const std::string& host) {
  auto snap = parc::backup::decodeSnapshot(object);
  auto missing = missingRefs(snap.refs);
  if (!missing.empty()) {
    throw Error(ErrorKind::kConflict, "snapshot references " + std::to_string(missing.size()) +
                                          " chunk(s) the repository does not hold, e.g. " +
                                          parc::backup::toHex(missing.front()));
  }
  auto id = crypto::toHex(crypto::randomBytes(8));
  auto path = root_ / "snapshots" / id;
  auto created = now();
  // The host and date travel in the file too, so a rebuilt index keeps them.
  std::string file = "host " + host + "\ncreated " + std::to_string(created) + "\n\n";
  file.append(object);
  files::writeAtomic(path, file, 0400);
  std::lock_guard lock(mu_);
  sqlite::Statement(*db_, "INSERT INTO snapshots VALUES(?,?,?,?)")
      .bind(1, id)
      .bind(2, created)
      .bind(3, host)
      .bind(4, static_cast<std::int64_t>(snap.refs.size()))
      .run();
  return id;
}

std::vector<SnapshotInfo> Repository::listSnapshots() {
  std::lock_guard lock(mu_);
  sqlite::Statement q(*db_,
                      "SELECT id, created, host, refs FROM snapshots ORDER BY created, rowid");
  std::vector<SnapshotInfo> out;
  while (q.step()) {
    out.push_back({q.text(0), q.int64(1), q.text(2), static_cast<std::uint64_t>(q.int64(3))});
  }
  return out;
}

namespace {

// Splits a stored snapshot file into its server header and the agent's object.
std::string_view snapshotBody(std::string_view file, std::string* host, std::int64_t* created) {
  auto end = file.find("\n\n");
  if (end == std::string_view::npos) throw Error(ErrorKind::kBadRequest, "corrupt snapshot file");
  std::istringstream in{std::string(file.substr(0, end))};
  std::string key, value;
  while (in >> key >> value) {
    if (key == "host" && host) *host = value;
    if (key == "created" && created) *created = std::stoll(value);
  }
  return file.substr(end + 2);
}

}  // namespace

std::string Repository::readSnapshot(const std::string& id) {
  if (id.empty() || id.find('/') != std::string::npos || id.find('.') != std::string::npos) {
    throw Error(ErrorKind::kBadRequest, "bad snapshot id");
  }
  {
    std::lock_guard lock(mu_);
    sqlite::Statement q(*db_, "SELECT 1 FROM snapshots WHERE id = ?");
    if (!q.bind(1, id).step()) throw Error(ErrorKind::kNotFound, "no snapshot " + id);
  }
  auto file = readWhole(root_ / "snapshots" / id);
  return std::string(snapshotBody(file, nullptr, nullptr));
}

std::optional<BlobLocation> Repository::locate(const ChunkId& id) {
  std::lock_guard lock(readMu_);
  sqlite::Statement q(*readDb_,
                      "SELECT pack, offset, type, flags, plain_len, stored_len FROM chunks "
                      "WHERE id = ?");
  if (!q.bindBlob(1, blob(id)).step()) return std::nullopt;
  BlobLocation loc;
  loc.pack = q.text(0);
  loc.offset = static_cast<std::uint64_t>(q.int64(1));
  loc.header.id = id;
  loc.header.type = static_cast<parc::backup::BlobType>(q.int64(2));
  loc.header.flags = static_cast<std::uint8_t>(q.int64(3));
  loc.header.plainLen = static_cast<std::uint32_t>(q.int64(4));
  loc.header.storedLen = static_cast<std::uint32_t>(q.int64(5));
  return loc;
}

std::string Repository::readBlob(const BlobLocation& where) {
  auto path = packPath(where.pack);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0) throw Error(ErrorKind::kUnavailable, "cannot open pack " + where.pack);
  std::string out(where.header.storedLen, '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    auto n = ::pread(fd.fd, out.data() + done, out.size() - done,
                     static_cast<off_t>(where.offset + done));
    if (n <= 0) throw Error(ErrorKind::kUnavailable, "cannot read pack " + where.pack);
    done += static_cast<std::size_t>(n);
  }
  return out;
}

bool Repository::acquireLease(const std::string& holder, bool exclusive, std::chrono::seconds ttl) {
  std::lock_guard lock(mu_);
  sqlite::Transaction tx(*db_);
  sqlite::Statement(*db_, "DELETE FROM leases WHERE expires < ?").bind(1, now()).run();
  sqlite::Statement others(*db_,
                           "SELECT exclusive FROM leases WHERE holder != ? ORDER BY exclusive "
                           "DESC LIMIT 1");
  if (others.bind(1, holder).step() && (exclusive || others.int64(0) != 0)) return false;
  sqlite::Statement(*db_, "INSERT OR REPLACE INTO leases VALUES(?,?,?)")
      .bind(1, holder)
      .bind(2, exclusive ? 1 : 0)
      .bind(3, now() + ttl.count())
      .run();
  tx.commit();
  return true;
}

void Repository::releaseLease(const std::string& holder) {
  std::lock_guard lock(mu_);
  sqlite::Statement(*db_, "DELETE FROM leases WHERE holder = ?").bind(1, holder).run();
}

void Repository::reconcile() {
  std::unordered_set<std::string> known;
  {
    std::lock_guard lock(mu_);
    sqlite::Statement q(*db_, "SELECT name FROM packs");
    while (q.step()) known.insert(q.text(0));
  }
  auto quarantine = [&](const fs::path& p) {
    files::ensureDirectory(root_ / "quarantine", 0700);
    std::error_code ec;
    fs::rename(p, root_ / "quarantine" / p.filename(), ec);
  };
  for (const auto& dir : fs::directory_iterator(root_ / "packs")) {
    for (const auto& f : fs::directory_iterator(dir.path())) {
      auto name = f.path().filename().string();
      if (known.count(name)) continue;
      if (!isPackName(name)) {
        fs::remove(f.path());  // a temporary file of an interrupted atomic write
        continue;
      }
      auto bytes = readWhole(f.path());
      try {
        if (parc::backup::packName(bytes) != name) throw Error(ErrorKind::kBadRequest, "hash");
        indexPack(name, bytes, now());
      } catch (const Error&) {
        quarantine(f.path());
      }
    }
  }
  std::unordered_set<std::string> listed;
  for (const auto& s : listSnapshots()) listed.insert(s.id);
  for (const auto& f : fs::directory_iterator(root_ / "snapshots")) {
    auto id = f.path().filename().string();
    if (listed.count(id)) continue;
    if (id.find('.') != std::string::npos) {
      fs::remove(f.path());
      continue;
    }
    try {
      std::string host;
      std::int64_t created = 0;
      auto file = readWhole(f.path());
      auto snap = parc::backup::decodeSnapshot(snapshotBody(file, &host, &created));
      if (!missingRefs(snap.refs).empty()) throw Error(ErrorKind::kConflict, "missing refs");
      std::lock_guard lock(mu_);
      sqlite::Statement(*db_, "INSERT INTO snapshots VALUES(?,?,?,?)")
          .bind(1, id)
          .bind(2, created)
          .bind(3, host)
          .bind(4, static_cast<std::int64_t>(snap.refs.size()))
          .run();
    } catch (const Error&) {
      quarantine(f.path());
    }
  }
}

void Repository::rebuildIndex() {
  {
    std::lock_guard lock(mu_);
    db_->exec("DELETE FROM chunks; DELETE FROM packs; DELETE FROM snapshots;");
  }
  reconcile();
}

bool Repository::verifyPack(const std::string& name, VerifyReport& report) {
  ++report.packs;
  auto bytes = files::tryRead(packPath(name));
  if (!bytes) {
    report.problems.push_back("pack " + name + ": missing");
    report.badPacks.emplace_back(name, "missing");
    return false;
  }
  if (parc::backup::packName(*bytes) != name) {
    report.problems.push_back("pack " + name + ": content does not match its name (corrupt)");
    report.badPacks.emplace_back(name, "corrupt");
    return false;
  }
  try {
    auto entries = parc::backup::parsePack(*bytes, name);
    report.blobs += entries.size();
  } catch (const Error& e) {
    report.problems.push_back(e.what());
    report.badPacks.emplace_back(name, "malformed");
    return false;
  }
  std::lock_guard lock(mu_);
  sqlite::Statement(*db_, "UPDATE packs SET verified_at = ? WHERE name = ?")
      .bind(1, now())
      .bind(2, name)
      .run();
  return true;
}

void Repository::verifySnapshots(VerifyReport& report) {
  for (const auto& s : listSnapshots()) {
    ++report.snapshots;
    try {
      auto snap = parc::backup::decodeSnapshot(readSnapshot(s.id));
      auto missing = missingRefs(snap.refs);
      if (!missing.empty()) {
        report.problems.push_back("snapshot " + s.id + ": " + std::to_string(missing.size()) +
                                  " chunk(s) missing");
        report.badSnapshots.push_back({s.id, missing.size(), {}});
      }
    } catch (const Error& e) {
      report.problems.push_back("snapshot " + s.id + ": " + e.what());
      report.badSnapshots.push_back({s.id, 0, e.what()});
    }
  }
}

VerifyReport Repository::verify() {
  VerifyReport report;
  std::vector<std::string> packs;
  {
    std::lock_guard lock(mu_);
    sqlite::Statement q(*db_, "SELECT name FROM packs ORDER BY name");
    while (q.step()) packs.push_back(q.text(0));
  }
  for (const auto& name : packs) verifyPack(name, report);
  verifySnapshots(report);
  return report;
}

VerifyReport Repository::verifySome(const std::string& after,
                                    std::chrono::steady_clock::time_point deadline,
                                    std::string* next) {
  VerifyReport report;
  next->clear();
  std::string cursor = after;
  while (true) {
    std::vector<std::string> batch;
    {
      std::lock_guard lock(mu_);
      sqlite::Statement q(*db_, "SELECT name FROM packs WHERE name > ? ORDER BY name LIMIT 64");
      q.bind(1, cursor);
      while (q.step()) batch.push_back(q.text(0));
    }
    if (batch.empty()) break;
    for (const auto& name : batch) {
      verifyPack(name, report);
      cursor = name;
      if (std::chrono::steady_clock::now() >= deadline) {
        *next = cursor;  // time is up: the next run resumes after this pack
        return report;
      }
    }
  }
  verifySnapshots(report);  // the last slice also checks every snapshot's references
  return report;
}

std::map<std::string, std::vector<PackImpact>> Repository::impactOf(
    const std::vector<std::string>& packs) {
  std::map<std::string, std::vector<PackImpact>> out;
  if (packs.empty()) return out;
  // chunk id -> (pack, is a manifest piece), for the packs named only.
  std::unordered_map<ChunkId, std::pair<const std::string*, bool>, ChunkIdHash> where;
  {
    std::lock_guard lock(mu_);
    for (const auto& name : packs) {
      out[name];
      sqlite::Statement q(*db_, "SELECT id, type FROM chunks WHERE pack = ?");
      q.bind(1, name);
      const std::string* key = &out.find(name)->first;
      while (q.step()) {
        auto bytes = q.blob(0);
        if (bytes.size() != ChunkId{}.size()) continue;
        ChunkId id;
        std::copy(bytes.begin(), bytes.end(), id.begin());
        where[id] = {key, q.int64(1) == static_cast<int>(parc::backup::BlobType::kTree)};
      }
    }
  }
  for (const auto& s : listSnapshots()) {
    std::map<const std::string*, PackImpact> hits;
    try {
      auto snap = parc::backup::decodeSnapshot(readSnapshot(s.id));
      for (const auto& ref : snap.refs) {
        auto it = where.find(ref);
        if (it == where.end()) continue;
        auto& hit = hits[it->second.first];
        ++hit.chunks;
        hit.manifest = hit.manifest || it->second.second;
      }
    } catch (const Error&) {
      continue;  // an unreadable snapshot is reported on its own by verification
    }
    for (auto& [pack, hit] : hits) {
      hit.snapshot = s.id;
      hit.host = s.host;
      hit.created = s.created;
      out[*pack].push_back(std::move(hit));
    }
  }
  return out;
}

PruneReport Repository::prune(const std::vector<std::string>& forget, std::chrono::seconds grace,
                              double repackBelow) {
  const std::string holder = "prune";
  if (!acquireLease(holder, true, std::chrono::hours(1))) {
    throw Error(ErrorKind::kConflict, "a backup is running on this repository: prune later");
  }
  struct Release {
    Repository* r;
    std::string h;
    ~Release() { r->releaseLease(h); }
  } release{this, holder};

  PruneReport report;
  for (const auto& id : forget) {
    readSnapshot(id);  // kNotFound for an unknown id, before anything is deleted
  }
  for (const auto& id : forget) {
    {
      std::lock_guard lock(mu_);
      sqlite::Statement(*db_, "DELETE FROM snapshots WHERE id = ?").bind(1, id).run();
    }
    fs::remove(root_ / "snapshots" / id);
    ++report.snapshotsRemoved;
  }
  // Mark: every chunk a remaining snapshot references.
  std::unordered_set<ChunkId, ChunkIdHash> live;
  for (const auto& s : listSnapshots()) {
    auto snap = parc::backup::decodeSnapshot(readSnapshot(s.id));
    live.insert(snap.refs.begin(), snap.refs.end());
  }
  struct PackRow {
    std::string name;
    std::int64_t size, created;
  };
  std::vector<PackRow> packs;
  {
    std::lock_guard lock(mu_);
    sqlite::Statement q(*db_, "SELECT name, size, created FROM packs");
    while (q.step()) packs.push_back({q.text(0), q.int64(1), q.int64(2)});
  }
  // Live bytes per pack from the index alone: a pack that stays as it is is not read,
  // so prune's time follows what it frees, not the repository's size.
  std::unordered_map<std::string, std::uint64_t> liveInPack;
  {
    std::lock_guard lock(mu_);
    sqlite::Statement q(*db_, "SELECT id, pack, stored_len FROM chunks");
    while (q.step()) {
      auto raw = q.blob(0);
      ChunkId id{};
      if (raw.size() != id.size()) continue;
      std::copy(raw.begin(), raw.end(), id.begin());
      if (live.count(id)) {
        liveInPack[q.text(1)] +=
            static_cast<std::uint64_t>(q.int64(2)) + parc::backup::kBlobHeaderSize;
      }
    }
  }
  const auto cutoff = now() - grace.count();
  for (const auto& p : packs) {
    if (p.created > cutoff) continue;
    auto estimate = liveInPack.count(p.name) ? liveInPack[p.name] : 0;
    if (estimate > 0 && estimate >= repackBelow * static_cast<double>(p.size)) continue;
    auto bytes = readWhole(packPath(p.name));
    auto entries = parc::backup::parsePack(bytes, p.name);
    std::uint64_t liveBytes = 0;
    std::vector<const PackEntry*> keep;
    for (const auto& e : entries) {
      // Live here only if referenced and indexed to this pack (not a duplicate copy).
      auto loc = live.count(e.header.id) ? locate(e.header.id) : std::nullopt;
      if (loc && loc->pack == p.name) {
        keep.push_back(&e);
        liveBytes += e.header.storedLen + parc::backup::kBlobHeaderSize;
      }
    }
    if (!keep.empty() && liveBytes >= repackBelow * static_cast<double>(bytes.size())) continue;
    if (!keep.empty()) {
      // Copy the live blobs as they are (no key needed); the new pack is durable and
      // indexed before the old one goes, so a crash here loses nothing.
      parc::backup::PackWriter w;
      std::string enc;
      for (const auto* e : keep) {
        enc.clear();
        parc::backup::appendBlobHeader(enc, e->header);
        enc.append(bytes, e->offset, e->header.storedLen);
        w.addEncoded(enc);
      }
      auto fresh = w.finish();
      auto name = parc::backup::packName(fresh);
      storePackFile(name, fresh);
      auto freshEntries = parc::backup::parsePack(fresh, name);
      std::lock_guard lock(mu_);
      sqlite::Transaction tx(*db_);
      sqlite::Statement(*db_,
                        "INSERT OR IGNORE INTO packs(name, size, blobs, created) "
                        "VALUES(?,?,?,?)")
          .bind(1, name)
          .bind(2, static_cast<std::int64_t>(fresh.size()))
          .bind(3, static_cast<std::int64_t>(freshEntries.size()))
          .bind(4, p.created)
          .run();
      sqlite::Statement c(*db_, "UPDATE chunks SET pack = ?, offset = ? WHERE id = ?");
      for (const auto& e : freshEntries) {
        c.reset();
        c.bind(1, name).bind(2, static_cast<std::int64_t>(e.offset)).bindBlob(3, blob(e.header.id));
        c.run();
      }
      tx.commit();
      ++report.packsRepacked;
    }
    {
      std::lock_guard lock(mu_);
      sqlite::Transaction tx(*db_);
      sqlite::Statement(*db_, "DELETE FROM chunks WHERE pack = ?").bind(1, p.name).run();
      sqlite::Statement(*db_, "DELETE FROM packs WHERE name = ?").bind(1, p.name).run();
      tx.commit();
    }
    fs::remove(packPath(p.name));
    fsyncDir(packPath(p.name).parent_path());
    if (keep.empty()) ++report.packsDeleted;
    report.bytesFreed += bytes.size();
  }
  // Partial uploads older than the grace period belong to agents that gave up.
  for (const auto& f : fs::directory_iterator(root_ / "uploads")) {
    auto age = fs::file_time_type::clock::now() - fs::last_write_time(f.path());
    if (age <= grace) continue;
    std::error_code ec;
    auto size = fs::file_size(f.path(), ec);
    if (fs::remove(f.path(), ec)) {
      ++report.uploadsRemoved;
      report.bytesFreed += ec ? 0 : size;
    }
  }
  return report;
}

namespace {
void checkSlotName(const std::string& name) {
  if (name.empty() || name.size() > 64 ||
      !std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(c) || c == '-'; })) {
    throw Error(ErrorKind::kBadRequest, "bad key slot name");
  }
}
}  // namespace

void Repository::putKeySlot(const std::string& name, std::string_view wrapped) {
  checkSlotName(name);
  files::ensureDirectory(root_ / "keys", 0700);
  auto path = root_ / "keys" / name;
  if (fs::exists(path)) throw Error(ErrorKind::kConflict, "key slot " + name + " exists");
  files::writeAtomic(path, wrapped, 0400);
}

std::optional<std::string> Repository::keySlot(const std::string& name) {
  checkSlotName(name);
  return files::tryRead(root_ / "keys" / name);
}

Usage Repository::usage() {
  std::lock_guard lock(mu_);
  Usage u;
  sqlite::Statement q(*db_, "SELECT count(*), coalesce(sum(size),0) FROM packs");
  q.step();
  u.packs = static_cast<std::size_t>(q.int64(0));
  u.bytes = static_cast<std::uint64_t>(q.int64(1));
  sqlite::Statement c(*db_, "SELECT count(*) FROM chunks");
  c.step();
  u.chunks = static_cast<std::size_t>(c.int64(0));
  sqlite::Statement s(*db_, "SELECT count(*) FROM snapshots");
  s.step();
  u.snapshots = static_cast<std::size_t>(s.int64(0));
  return u;
}

}  // namespace parc::server::backup
