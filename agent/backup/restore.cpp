// Restore: decrypt the manifest, refuse unsafe paths, create directories, then files on
// one worker per core (chunks verified against their ids, holes kept sparse), and finally
// directory permissions and times, deepest first.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>

#include "agent/backup/engine.h"
#include "common/backup/manifest.h"
#include "common/backup/pack.h"
#include "common/error.h"

namespace parc::agent::backup {
namespace fs = std::filesystem;
using namespace parc::backup;

namespace {

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd, o.fd);
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

[[noreturn]] void sysFail(const std::string& what) {
  throw Error(ErrorKind::kUnavailable, what + ": " + std::strerror(errno));
}

// Opens the parent directory of `rel` under root, one component at a time with
// O_NOFOLLOW: a symlink (from the snapshot or planted by someone else) on the way is
// refused instead of followed out of the target.
Fd openParent(int root, const std::string& rel, std::string& leaf) {
  auto slash = rel.rfind('/');
  leaf = slash == std::string::npos ? rel : rel.substr(slash + 1);
  Fd dir(::dup(root));
  if (slash == std::string::npos) return dir;
  std::size_t start = 0;
  while (start < slash) {
    auto end = rel.find('/', start);
    auto part = rel.substr(start, end - start);
    int next = ::openat(dir.fd, part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) sysFail("cannot enter " + rel.substr(0, end) + " (not a plain directory)");
    dir = Fd(next);
    start = end + 1;
  }
  return dir;
}

constexpr std::size_t kHoleBlock = 64 * 1024;

bool allZero(const char* p, std::size_t n) {
  return n == 0 || (p[0] == 0 && std::memcmp(p, p + 1, n - 1) == 0);
}

struct timespec toTimespec(std::int64_t nsTime) {
  struct timespec t {};
  t.tv_sec = static_cast<time_t>(nsTime / 1'000'000'000);
  t.tv_nsec = static_cast<long>(nsTime % 1'000'000'000);
  if (t.tv_nsec < 0) {
    t.tv_nsec += 1'000'000'000;
    --t.tv_sec;
  }
  return t;
}

std::string resolveSnapshot(Target& target, const std::string& id) {
  if (id != "latest") return id;
  auto list = target.listSnapshots();
  if (list.empty()) throw Error(ErrorKind::kNotFound, "the repository has no snapshot");
  return list.back().id;
}

bool included(const std::string& path, const std::string& include) {
  if (include.empty()) return true;
  return path == include ||
         (path.size() > include.size() && path.compare(0, include.size(), include) == 0 &&
          path[include.size()] == '/') ||
         // ancestors of the included path, so it lands at its place in the tree
         (include.size() > path.size() && include.compare(0, path.size(), path) == 0 &&
          include[path.size()] == '/');
}

}  // namespace

std::vector<Entry> readManifest(Target& target, const TenantKeys& keys,
                                const std::string& snapshotId) {
  checkKey(target, keys);
  auto snap = decodeSnapshot(target.readSnapshot(resolveSnapshot(target, snapshotId)));
  openInfo(keys, snap.sealedInfo);  // wrong key → kUnauthorized before any blob
  BlobCodec codec(keys, 0);
  std::string manifest, piece;
  for (const auto& id : snap.tree) {
    auto [header, stored] = target.readBlob(id);
    if (header.type != BlobType::kTree) throw Error(ErrorKind::kBadRequest, "not a tree blob");
    codec.decode(header, stored, piece);
    manifest += piece;
  }
  return decodeManifest(manifest);
}

std::uint64_t writeRestoredFile(int out, const Entry& e, Target& target, BlobCodec& codec,
                                std::string& plain, const std::string& name,
                                const std::function<void(std::size_t)>& progress) {
  off_t pos = 0;
  for (const auto& c : e.chunks) {
    auto [header, stored] = target.readBlob(c.id);
    codec.decode(header, stored, plain);
    if (plain.size() != c.size) {
      throw Error(ErrorKind::kBadRequest, "chunk " + toHex(c.id) + " has the wrong size");
    }
    // Zero blocks become holes: sparse files stay sparse. (A run of zeros makes an
    // 8 MiB chunk, so the test is per block, not per chunk.)
    for (std::size_t off = 0; off < plain.size(); off += kHoleBlock) {
      auto len = std::min(kHoleBlock, plain.size() - off);
      if (allZero(plain.data() + off, len)) continue;
      std::size_t done = 0;
      while (done < len) {
        auto n = ::pwrite(out, plain.data() + off + done, len - done,
                          pos + static_cast<off_t>(off + done));
        if (n < 0) sysFail("cannot write " + name);
        done += static_cast<std::size_t>(n);
      }
    }
    pos += static_cast<off_t>(plain.size());
    if (progress) progress(plain.size());
  }
  if (::ftruncate(out, pos) != 0) sysFail("cannot write " + name);
  if (::geteuid() == 0 && ::fchown(out, e.uid, e.gid) != 0) sysFail("cannot chown " + name);
  if (::fchmod(out, e.mode) != 0) sysFail("cannot chmod " + name);
  applyEntryTime(out, e);
  return static_cast<std::uint64_t>(pos);
}

void applyEntryTime(int fd, const Entry& e) {
  struct timespec times[2] = {toTimespec(e.mtimeNs), toTimespec(e.mtimeNs)};
  ::futimens(fd, times);
}

RestoreResult runRestore(Target& target, const TenantKeys& keys, const RestoreOptions& opt) {
  auto t0 = std::chrono::steady_clock::now();
  RestoreResult result;
  auto all = readManifest(target, keys, opt.snapshotId);
  std::vector<Entry> entries;
  for (auto& e : all) {
    // Refuse the whole restore, before writing anything, if one path could escape.
    if (!isSafeRelativePath(e.path)) {
      throw Error(ErrorKind::kForbidden, "refusing to restore: unsafe path in snapshot: " + e.path);
    }
    if (included(e.path, opt.include)) entries.push_back(std::move(e));
  }
  if (!opt.include.empty() && std::none_of(entries.begin(), entries.end(),
                                           [&](const Entry& e) { return e.path == opt.include; })) {
    throw Error(ErrorKind::kNotFound, "the snapshot has no " + opt.include);
  }
  fs::create_directories(opt.targetDir);
  Fd root(::open(opt.targetDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (root.fd < 0) sysFail("cannot open " + opt.targetDir.string());
  const bool asRoot = ::geteuid() == 0;

  // Directories first, owner-only until their real mode is applied at the end.
  std::vector<const Entry*> files, dirs;
  for (const auto& e : entries) {
    std::string leaf;
    if (e.type == EntryType::kDirectory) {
      auto parent = openParent(root.fd, e.path, leaf);
      if (::mkdirat(parent.fd, leaf.c_str(), 0700) != 0 && errno != EEXIST) {
        sysFail("cannot create " + e.path);
      }
      dirs.push_back(&e);
    } else if (e.type == EntryType::kFile) {
      files.push_back(&e);
    }
  }
  std::mutex mu;
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> bytes{0};
  std::exception_ptr failure;
  auto worker = [&] {
    BlobCodec codec(keys, 0);
    std::string plain;
    for (;;) {
      auto k = next.fetch_add(1);
      if (k >= files.size()) return;
      const auto& e = *files[k];
      try {
        std::string leaf;
        auto parent = openParent(root.fd, e.path, leaf);
        Fd out(::openat(parent.fd, leaf.c_str(),
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (out.fd < 0) sysFail("cannot create " + e.path + " (existing files are not replaced)");
        auto pos = writeRestoredFile(out.fd, e, target, codec, plain, e.path);
        bytes += pos;
      } catch (...) {
        std::lock_guard lock(mu);
        if (!failure) failure = std::current_exception();
        next = files.size();
        return;
      }
    }
  };
  unsigned n = opt.threads ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> workers;
  for (unsigned i = 0; i < n; ++i) workers.emplace_back(worker);
  for (auto& w : workers) w.join();
  if (failure) std::rethrow_exception(failure);

  for (const auto& e : entries) {
    if (e.type != EntryType::kSymlink) continue;
    std::string leaf;
    auto parent = openParent(root.fd, e.path, leaf);
    if (::symlinkat(e.linkTarget.c_str(), parent.fd, leaf.c_str()) != 0) {
      sysFail("cannot create link " + e.path);
    }
    if (asRoot) ::fchownat(parent.fd, leaf.c_str(), e.uid, e.gid, AT_SYMLINK_NOFOLLOW);
    struct timespec times[2] = {toTimespec(e.mtimeNs), toTimespec(e.mtimeNs)};
    ::utimensat(parent.fd, leaf.c_str(), times, AT_SYMLINK_NOFOLLOW);
    ++result.symlinks;
  }
  // Deepest first, so setting a parent's time is not undone by work in its children.
  std::sort(dirs.begin(), dirs.end(), [](auto* a, auto* b) { return a->path > b->path; });
  for (const auto* e : dirs) {
    std::string leaf;
    auto parent = openParent(root.fd, e->path, leaf);
    Fd dir(::openat(parent.fd, leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (dir.fd < 0) sysFail("cannot open " + e->path + " (not a plain directory)");
    if (asRoot && ::fchown(dir.fd, e->uid, e->gid) != 0) sysFail("cannot chown " + e->path);
    if (::fchmod(dir.fd, e->mode) != 0) sysFail("cannot chmod " + e->path);
    struct timespec times[2] = {toTimespec(e->mtimeNs), toTimespec(e->mtimeNs)};
    ::futimens(dir.fd, times);
  }
  result.files = files.size();
  result.directories = dirs.size();
  result.bytes = bytes;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace parc::agent::backup
