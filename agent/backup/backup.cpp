// Backup: walk the sources, reuse the files cache, chunk/hash/compress/encrypt new data
// on one worker per core (one dedup query per read window), hand full packs to the
// uploader threads, commit the snapshot last.
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "agent/backup/engine.h"
#include "agent/backup/file_cache.h"
#include "common/backup/chunker.h"
#include "common/backup/manifest.h"
#include "common/backup/pack.h"
#include "common/error.h"
#include "common/json/json.h"
#include "common/thread/thread_name.h"

namespace parc::agent::backup {
namespace fs = std::filesystem;
using namespace parc::backup;

namespace {

// Files whose mtime is this close to the scan start may still be written within the
// same timestamp granularity: do not trust them in the cache.
constexpr std::int64_t kRacyNs = 2'000'000'000;
constexpr std::size_t kMaxPendingPacks = 1;
// Storing a pack costs two fsyncs (file, directory) whose latency, not bandwidth, is the
// limit: two uploaders overlap them.
constexpr int kUploaders = 2;

std::int64_t ns(const struct timespec& t) {
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

FileStamp stampOf(const struct stat& st) {
  return {static_cast<std::uint64_t>(st.st_size), ns(st.st_mtim), ns(st.st_ctim),
          static_cast<std::uint64_t>(st.st_ino)};
}

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

struct WalkItem {
  Entry entry;
  std::string osPath;  // absolute path to read
  FileStamp stamp;
  bool fromCache = false;
  bool skipped = false;  // could not be read: left out of the snapshot with a warning
};

enum class ReadOutcome { kStable, kChanged, kUnreadable };

class Walker {
 public:
  Walker(std::vector<WalkItem>& out, std::vector<std::string>& warnings,
         const std::vector<std::string>& excludes)
      : out_(out), warnings_(warnings), excludes_(excludes) {}

  void addSource(const fs::path& source) {
    auto abs = fs::absolute(source).lexically_normal();
    auto rel = abs.relative_path().string();
    while (!rel.empty() && rel.back() == '/') rel.pop_back();
    // Record the ancestors so a restore recreates them with their permissions.
    fs::path prefix = "/";
    for (const auto& part : abs.parent_path().relative_path()) {
      prefix /= part;
      auto key = prefix.relative_path().string();
      if (seen_.insert(key).second) add(prefix.string(), key, false);
    }
    if (rel.empty()) throw Error(ErrorKind::kBadRequest, "cannot back up /: name folders");
    if (seen_.insert(rel).second) add(abs.string(), rel, true);
  }

 private:
  void add(const std::string& osPath, const std::string& rel, bool recurse) {
    struct stat st {};
    if (::lstat(osPath.c_str(), &st) != 0) {
      warnings_.push_back("cannot read " + osPath + ": " + std::strerror(errno));
      return;
    }
    WalkItem item;
    item.osPath = osPath;
    item.entry.path = rel;
    item.entry.mode = st.st_mode & 07777;
    item.entry.uid = st.st_uid;
    item.entry.gid = st.st_gid;
    item.entry.mtimeNs = ns(st.st_mtim);
    if (S_ISDIR(st.st_mode)) {
      item.entry.type = EntryType::kDirectory;
      out_.push_back(std::move(item));
      if (recurse) walkDir(osPath, rel);
    } else if (S_ISREG(st.st_mode)) {
      item.entry.type = EntryType::kFile;
      item.entry.size = static_cast<std::uint64_t>(st.st_size);
      item.stamp = stampOf(st);
      out_.push_back(std::move(item));
    } else if (S_ISLNK(st.st_mode)) {
      item.entry.type = EntryType::kSymlink;
      std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
      auto n = ::readlink(osPath.c_str(), target.data(), target.size());
      if (n < 0) {
        warnings_.push_back("cannot read link " + osPath + ": " + std::strerror(errno));
        return;
      }
      target.resize(static_cast<std::size_t>(n));
      item.entry.linkTarget = target;
      out_.push_back(std::move(item));
    }
    // Sockets, fifos and devices are not documents: skipped on purpose.
  }

  void walkDir(const std::string& osPath, const std::string& rel) {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(osPath, ec), end; !ec && it != end; it.increment(ec)) {
      names.push_back(it->path().filename().string());
    }
    if (ec) warnings_.push_back("cannot list " + osPath + ": " + ec.message());
    std::sort(names.begin(), names.end());  // stable manifests dedupe between snapshots
    for (const auto& n : names) {
      auto child = osPath + "/" + n;
      if (!excluded(child, n)) add(child, rel + "/" + n, true);
    }
  }

  // A glob with a '/' matches the absolute path ('*' stops at '/'); one without, the
  // name alone ("*.tmp", "Thumbs.db"). An excluded folder is not entered.
  bool excluded(const std::string& path, const std::string& name) const {
    for (const auto& g : excludes_) {
      bool matched = g.find('/') != std::string::npos
                         ? ::fnmatch(g.c_str(), path.c_str(), FNM_PATHNAME) == 0
                         : ::fnmatch(g.c_str(), name.c_str(), 0) == 0;
      if (matched) return true;
    }
    return false;
  }

  std::vector<WalkItem>& out_;
  std::vector<std::string>& warnings_;
  const std::vector<std::string>& excludes_;
  std::unordered_set<std::string> seen_;
};

// Uploader threads drain finished packs, so fsync never stalls the hashing workers; at
// most kMaxPendingPacks wait in memory besides the ones being stored.
class Uploader {
 public:
  explicit Uploader(Target& target) : target_(target) {
    for (int i = 0; i < kUploaders; ++i)
      threads_.push_back(namedThread("backup-upload", [this] { loop(); }));
  }
  ~Uploader() {
    // Joins without rethrowing: a destructor must not throw, and the error already
    // reached the caller through push() or close().
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      ready_.notify_all();
    }
    join();
  }

  void push(std::string pack) {
    std::unique_lock lock(mu_);
    space_.wait(lock, [&] { return queue_.size() < kMaxPendingPacks || error_; });
    if (error_) std::rethrow_exception(error_);
    queue_.push_back(std::move(pack));
    ready_.notify_one();
  }
  /// Waits until every pack is stored; rethrows the first upload error.
  void close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      ready_.notify_all();
    }
    join();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void join() {
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  void loop() {
    for (;;) {
      std::string pack;
      {
        std::unique_lock lock(mu_);
        ready_.wait(lock, [&] { return !queue_.empty() || closed_; });
        if (queue_.empty()) return;
        pack = std::move(queue_.front());
        queue_.pop_front();
      }
      try {
        target_.putPack(std::move(pack));
      } catch (...) {
        std::lock_guard lock(mu_);
        if (!error_) error_ = std::current_exception();
        queue_.clear();
        space_.notify_all();
        return;
      }
      std::lock_guard lock(mu_);
      space_.notify_all();
    }
  }

  Target& target_;
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<std::string> queue_;
  bool closed_ = false;
  std::exception_ptr error_;
  std::vector<std::thread> threads_;
};

class Engine {
 public:
  Engine(Target& target, const TenantKeys& keys, const BackupOptions& opt, BackupResult& result)
      : target_(target),
        keys_(keys),
        opt_(opt),
        result_(result),
        chunker_(keys.chunker),
        uploader_(target) {}

  // Stores one blob unless the repository (or this run) already has it.
  void store(BlobCodec& codec, const ChunkId& id, BlobType type, std::string_view plain,
             std::string& scratch) {
    {
      std::lock_guard lock(seenMu_);
      if (!seen_.insert(id).second) return;
    }
    if (target_.hasChunks({id}).front()) return;
    add(codec, id, type, plain, scratch);
  }

  struct Cut {
    std::size_t offset = 0, len = 0;
    ChunkId id;
  };

  // store() for several chunks of one buffer: one "which of these do you have" for
  // all of them (one round trip instead of one per chunk over the network).
  void storeAll(BlobCodec& codec, const std::vector<Cut>& cuts, const std::string& buf,
                std::string& scratch) {
    std::vector<ChunkId> ask;
    std::vector<const Cut*> asked;
    {
      std::lock_guard lock(seenMu_);
      for (const auto& c : cuts) {
        if (!seen_.insert(c.id).second) continue;
        ask.push_back(c.id);
        asked.push_back(&c);
      }
    }
    if (ask.empty()) return;
    auto have = target_.hasChunks(ask);
    for (std::size_t i = 0; i < asked.size(); ++i) {
      if (have[i]) continue;
      const auto& c = *asked[i];
      add(codec, c.id, BlobType::kData, std::string_view(buf.data() + c.offset, c.len), scratch);
    }
  }

  // Encodes a blob the repository lacks into the shared pack; full packs go up.
  void add(BlobCodec& codec, const ChunkId& id, BlobType type, std::string_view plain,
           std::string& scratch) {
    scratch.clear();
    auto h = codec.encode(id, type, plain, scratch);
    std::string full;
    {
      std::lock_guard lock(packMu_);
      pack_.addEncoded(scratch);
      ++result_.chunksNew;
      result_.bytesStored += h.storedLen + kBlobHeaderSize;
      if (pack_.size() >= kPackTarget) full = pack_.finish();
    }
    if (!full.empty()) uploader_.push(std::move(full));
  }

  // Reads one file. Read errors are an outcome (the file is skipped, the backup goes
  // on); repository errors throw and end the backup.
  ReadOutcome readFile(WalkItem& item, BlobCodec& codec, std::string& buf, std::string& scratch,
                       std::string& why) {
    // O_NOATIME spares the disk a metadata write per file, where we own the file.
    Fd fd(::open(item.osPath.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME));
    if (fd.fd < 0 && errno == EPERM) {
      fd.fd = ::open(item.osPath.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd.fd < 0) {
      why = std::strerror(errno);
      return ReadOutcome::kUnreadable;
    }
    struct stat before {};
    ::fstat(fd.fd, &before);
    ::posix_fadvise(fd.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    item.entry.chunks.clear();
    const std::size_t max = chunker_.maxSize();
    if (buf.size() < 2 * max) buf.resize(2 * max);
    std::size_t start = 0, end = 0;
    std::uint64_t total = 0;
    bool eof = false;
    std::vector<Cut> cuts;
    for (;;) {
      while (!eof && end - start < max) {
        if (end == buf.size()) {  // keep the unread tail contiguous
          std::memmove(buf.data(), buf.data() + start, end - start);
          end -= start;
          start = 0;
        }
        auto n = ::read(fd.fd, buf.data() + end, buf.size() - end);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          why = std::strerror(errno);
          return ReadOutcome::kUnreadable;
        }
        if (n == 0) eof = true;
        end += static_cast<std::size_t>(n);
      }
      if (start == end) break;
      // Every chunk whose end is certain (a boundary needs `max` bytes ahead, or the end
      // of the file), then one query for all of them.
      cuts.clear();
      std::size_t pos = start;
      while (pos < end && (eof || end - pos >= max)) {
        auto len = chunker_.cut(reinterpret_cast<const std::uint8_t*>(buf.data()) + pos, end - pos);
        cuts.push_back({pos, len, codec.id(std::string_view(buf.data() + pos, len))});
        pos += len;
      }
      storeAll(codec, cuts, buf, scratch);
      for (const auto& c : cuts) {
        item.entry.chunks.push_back({c.id, static_cast<std::uint32_t>(c.len)});
        total += c.len;
      }
      start = pos;
    }
    struct stat after {};
    ::fstat(fd.fd, &after);
    item.entry.size = total;
    bytesRead_ += total;
    auto a = stampOf(before), b = stampOf(after);
    return a == b && total == a.size ? ReadOutcome::kStable : ReadOutcome::kChanged;
  }

  void worker(std::vector<WalkItem>& items, const std::vector<std::size_t>& order) {
    BlobCodec codec(keys_, opt_.compressLevel);
    std::string buf, scratch;
    for (;;) {
      auto k = next_.fetch_add(1);
      if (k >= order.size() || failed_) return;
      auto& item = items[order[k]];
      try {
        // A file rewritten while read is read once more; if it moves again it is kept
        // as read and flagged, never cached.
        std::string why;
        auto outcome = readFile(item, codec, buf, scratch, why);
        if (outcome == ReadOutcome::kChanged) outcome = readFile(item, codec, buf, scratch, why);
        if (outcome == ReadOutcome::kChanged) {
          item.entry.flags |= kEntryChanged;
          warn("file changed while it was read: " + item.osPath);
        } else if (outcome == ReadOutcome::kUnreadable) {
          item.skipped = true;
          warn("cannot read " + item.osPath + ": " + why);
        }
      } catch (...) {
        fail();
        return;
      }
    }
  }

  void run(BackupResult& r) {
    auto t0 = std::chrono::steady_clock::now();
    const auto scanStart = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    std::vector<WalkItem> items;
    Walker walker(items, r.warnings, opt_.excludes);
    for (const auto& s : opt_.sources) walker.addSource(s);

    std::unique_ptr<FileCache> cache;
    if (!opt_.cacheFile.empty())
      cache = std::make_unique<FileCache>(opt_.cacheFile, target_.keyCheck());
    std::vector<std::size_t> toRead;
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto& it = items[i];
      if (it.entry.type != EntryType::kFile) continue;
      if (cache) {
        if (auto hit = cache->lookup(it.entry.path, it.stamp)) {
          it.entry.chunks = std::move(*hit);
          it.fromCache = true;
          // Register the cached chunks as "seen": unchanged data is never re-checked.
          std::lock_guard lock(seenMu_);
          for (const auto& c : it.entry.chunks) seen_.insert(c.id);
          continue;
        }
      }
      toRead.push_back(i);
    }
    // Largest files first: the long ones start early and the tail stays balanced.
    std::stable_sort(toRead.begin(), toRead.end(),
                     [&](auto a, auto b) { return items[a].entry.size > items[b].entry.size; });
    unsigned n = opt_.threads ? opt_.threads : std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> workers;
    for (unsigned i = 0; i < n; ++i)
      workers.push_back(namedThread("backup-read", [&] { worker(items, toRead); }));
    for (auto& w : workers) w.join();
    if (failed_) std::rethrow_exception(failure_);  // the uploader joins in its destructor

    // Manifest: the kept entries, in walk order, cut with the same chunker so an
    // unchanged part of the tree dedupes between snapshots.
    std::vector<Entry> kept;
    kept.reserve(items.size());
    for (auto& it : items) {
      if (it.skipped) continue;
      switch (it.entry.type) {
        case EntryType::kDirectory: ++r.directories; break;
        case EntryType::kSymlink: ++r.symlinks; break;
        case EntryType::kFile:
          ++r.files;
          r.bytesTotal += it.entry.size;
          (it.fromCache ? r.filesFromCache : r.filesRead)++;
          break;
      }
      kept.push_back(it.entry);
    }
    auto manifest = encodeManifest(kept);
    BlobCodec codec(keys_, opt_.compressLevel);
    std::string scratch;
    SnapshotObject snap;
    for (std::size_t pos = 0; pos < manifest.size();) {
      auto len = chunker_.cut(reinterpret_cast<const std::uint8_t*>(manifest.data()) + pos,
                              manifest.size() - pos);
      std::string_view piece(manifest.data() + pos, len);
      auto id = codec.id(piece);
      store(codec, id, BlobType::kTree, piece, scratch);
      snap.tree.push_back(id);
      pos += len;
    }
    {
      std::lock_guard lock(packMu_);
      if (!pack_.empty()) uploader_.push(pack_.finish());
    }
    uploader_.close();

    for (const auto& e : kept) {
      for (const auto& c : e.chunks) snap.refs.push_back(c.id);
    }
    snap.refs.insert(snap.refs.end(), snap.tree.begin(), snap.tree.end());
    std::sort(snap.refs.begin(), snap.refs.end());
    snap.refs.erase(std::unique(snap.refs.begin(), snap.refs.end()), snap.refs.end());
    Json info = {{"host", opt_.host},
                 {"client_time", scanStart / 1'000'000'000},
                 {"files", r.files},
                 {"bytes", r.bytesTotal}};
    Json paths = Json::array();
    for (const auto& s : opt_.sources) paths.push_back(fs::absolute(s).lexically_normal().string());
    info["paths"] = paths;
    snap.sealedInfo = sealInfo(keys_, info.dump(-1, ' ', false, Json::error_handler_t::replace));
    r.snapshotId = target_.commitSnapshot(encodeSnapshot(snap), opt_.host);

    if (cache) {
      std::vector<FileCache::Update> updates;
      std::size_t k = 0;
      for (auto& it : items) {
        if (it.skipped) continue;
        const auto& e = kept[k++];
        if (e.type != EntryType::kFile || (e.flags & kEntryChanged)) continue;
        if (it.stamp.mtimeNs > scanStart - kRacyNs) continue;
        if (e.size != it.stamp.size) continue;
        updates.push_back({e.path, it.stamp, &e.chunks});
      }
      std::vector<std::string> prefixes;
      for (const auto& s : opt_.sources) {
        auto rel = fs::absolute(s).lexically_normal().relative_path().string();
        while (!rel.empty() && rel.back() == '/') rel.pop_back();
        prefixes.push_back(rel);
      }
      cache->replaceUnder(prefixes, updates);
    }
    r.bytesRead = bytesRead_;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

 private:
  void warn(const std::string& w) {
    std::lock_guard lock(warnMu_);
    result_.warnings.push_back(w);
  }
  void fail() {
    std::lock_guard lock(warnMu_);
    if (!failed_) failure_ = std::current_exception();
    failed_ = true;
  }

  Target& target_;
  const TenantKeys& keys_;
  const BackupOptions& opt_;
  BackupResult& result_;
  Chunker chunker_;
  std::mutex seenMu_, packMu_, warnMu_;
  std::unordered_set<ChunkId, ChunkIdHash> seen_;
  PackWriter pack_;
  Uploader uploader_;
  std::atomic<std::size_t> next_{0};
  std::atomic<std::uint64_t> bytesRead_{0};
  std::atomic<bool> failed_{false};
  std::exception_ptr failure_;
};

}  // namespace

void checkKey(Target& target, const TenantKeys& keys) {
  if (target.keyCheck() != keys.keyCheck()) {
    throw Error(ErrorKind::kUnauthorized, "this key does not belong to the backup repository");
  }
}

BackupResult runBackup(Target& target, const TenantKeys& keys, const BackupOptions& options) {
  if (options.sources.empty()) throw Error(ErrorKind::kBadRequest, "nothing to back up: no source");
  for (const auto& s : options.sources) {
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(s, ec))) {
      throw Error(ErrorKind::kBadRequest, "source does not exist: " + s.string());
    }
  }
  checkKey(target, keys);
  const std::string holder = "backup:" + options.host + ":" + std::to_string(::getpid());
  if (!target.acquireLease(holder, std::chrono::hours(2))) {
    throw Error(ErrorKind::kUnavailable, "the repository is being pruned: try again later");
  }
  struct Release {
    Target& t;
    const std::string& h;
    ~Release() {
      try {
        t.releaseLease(h);
      } catch (const Error&) {
        // The lease expires on its own.
      }
    }
  } release{target, holder};
  BackupResult result;
  try {
    Engine engine(target, keys, options, result);
    engine.run(result);
  } catch (const Error& e) {
    // The cache may name chunks the server has since pruned: forget it and read all.
    if (e.kind() != ErrorKind::kConflict || options.cacheFile.empty()) throw;
    FileCache(options.cacheFile, target.keyCheck()).clear();
    result = BackupResult{};
    result.warnings.push_back(std::string("files cache was stale, read everything: ") + e.what());
    Engine engine(target, keys, options, result);
    engine.run(result);
  }
  return result;
}

}  // namespace parc::agent::backup
