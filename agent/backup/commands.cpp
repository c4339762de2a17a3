#include "agent/backup/commands.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/file.h>
#include <unistd.h>

#include <ctime>
#include <iomanip>
#include <iostream>

#include "agent/backup/engine.h"
#include "agent/backup/remote_target.h"
#include "agent/backup/schedule.h"
#include "agent/backup/test_restore.h"
#include "agent/transport/identity.h"
#include "common/backup/crypto.h"
#include "common/error.h"
#include "common/files/files.h"
#include "server/backup/repository.h"

namespace parc::agent::backup {
namespace fs = std::filesystem;
using parc::backup::TenantKeys;

namespace {

std::string hostName() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

// An exclusive flock held for the object's life; released by the kernel on kill -9.
class UniqueLockFile {
 public:
  explicit UniqueLockFile(const fs::path& path)
      : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    acquired_ = fd_ >= 0 && ::flock(fd_, LOCK_EX | LOCK_NB) == 0;
  }
  ~UniqueLockFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueLockFile(const UniqueLockFile&) = delete;
  UniqueLockFile& operator=(const UniqueLockFile&) = delete;
  bool acquired() const { return acquired_; }

 private:
  int fd_;
  bool acquired_ = false;
};

double mbps(std::uint64_t bytes, double seconds) {
  return seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0;
}

TenantKeys loadKey(const fs::path& keyFile) {
  auto text = files::tryRead(keyFile);
  if (!text) {
    throw Error(ErrorKind::kNotFound, "no backup key in " + keyFile.string() +
                                          " (create the repository with --init, or restore with "
                                          "--recovery-private-key)");
  }
  return TenantKeys::derive(parc::backup::decodeKeyFile(*text));
}

// Without --repo, the tenant's repository on the server the agent enrolled with.
transport::Identity enrolledIdentity(const fs::path& dataDir) {
  auto identity = transport::loadIdentity(dataDir);
  if (!identity) {
    throw Error(ErrorKind::kNotFound, "this agent is not enrolled (no identity in " +
                                          dataDir.string() +
                                          "): enrol it, or back up to a directory with --repo");
  }
  return *identity;
}

TargetPtr openTarget(const CommandOptions& o, const fs::path& dataDir, bool ownOnly) {
  if (!o.repo.empty()) return openLocalTarget(o.repo);
  return openRemoteTarget(enrolledIdentity(dataDir), RemoteOptions{ownOnly});
}

}  // namespace

Commands::Commands(CLI::App& app) {
  backup_ = app.add_subcommand(
      "backup", "back up folders to the server (enrolled agent) or to a repository directory");
  restore_ = app.add_subcommand("restore", "restore a snapshot, a folder or a file");
  for (auto* cmd : {backup_, restore_}) {
    cmd->add_option("--repo", o_.repo,
                    "repository directory (default: the server this agent enrolled with)");
    cmd->add_option("--key-file", o_.keyFile, "tenant key file (default DATA_DIR/backup.key)");
    cmd->add_option("--threads", o_.threads, "worker threads (default: one per core)");
  }
  backup_->add_option("--source", o_.sources, "folder or file to back up (repeatable)");
  backup_->add_option("--cache", o_.cacheFile, "files cache (default DATA_DIR/backup-cache.db)");
  backup_->add_option("--host", o_.host, "host name recorded in the snapshot");
  backup_->add_option("--compression", o_.compression, "zstd level, 0 = off")
      ->check(CLI::Range(0, 19));
  backup_->add_flag("--init", o_.init, "create the repository and the key if missing");
  backup_->add_option("--recovery-public-key", o_.recoveryPublicKey,
                      "with --init: wrap the tenant key for this X25519 recovery key (PEM)");
  backup_->add_flag("--list", o_.list, "list the snapshots (on a server: the tenant's) and exit");
  backup_->add_flag("--verify", o_.verify, "re-hash every pack and check every snapshot");
  backup_->add_flag("--scheduled", o_.scheduled,
                    "run the backup the server's policy describes (folders, excludes, "
                    "bandwidth), as the agent's scheduler does");
  backup_->add_option("--limit-kib", o_.limitKiBps, "upload limit for this run, KiB/s")
      ->check(CLI::Range(0, 10'000'000));
  restore_->add_option("--snapshot", o_.snapshot, "snapshot id, or latest");
  restore_->add_option("--target", o_.targetDir, "directory to restore into")->required();
  restore_->add_option("--path", o_.include, "only this file or folder of the snapshot");
  restore_->add_option("--recovery-private-key", o_.recoveryPrivateKey,
                       "recover the tenant key with the offline recovery key (PEM) and save "
                       "it to the key file");
}

int Commands::run(const fs::path& dataDir) {
  if (*backup_ || *restore_) {
    // Packs and chunk buffers (MiBs) move between threads; with glibc's sliding mmap
    // threshold they end up in per-thread arenas that never shrink. A fixed threshold
    // keeps them mmapped and returned on free: peak RSS stays under the 100 MiB target.
    ::mallopt(M_MMAP_THRESHOLD, 1 << 20);
  }
  if (*backup_) return backup(dataDir);
  if (*restore_) return restore(dataDir);
  return -1;
}

int Commands::backup(const fs::path& dataDir) {
  if (o_.scheduled) return scheduledBackup(dataDir);
  fs::path keyFile = o_.keyFile.empty() ? dataDir / "backup.key" : fs::path(o_.keyFile);
  if (o_.init && o_.repo.empty()) {
    // On the server: the tenant's first agent creates the repository; the others reuse
    // it with a copy of the same key file (docs/backups.md, "Keys").
    auto identity = enrolledIdentity(dataDir);
    auto existing = files::tryRead(keyFile);
    auto keys = existing ? TenantKeys::derive(parc::backup::decodeKeyFile(*existing))
                         : TenantKeys::generate();
    bool created = initRemoteRepository(identity, keys.keyCheck());
    if (!existing) {
      if (keyFile.has_parent_path()) files::ensureDirectory(keyFile.parent_path(), 0700);
      files::writeAtomic(keyFile, parc::backup::encodeKeyFile(keys.master), 0600);
    }
    if (!o_.recoveryPublicKey.empty()) {
      auto target = openRemoteTarget(identity);
      if (!target->keySlot("recovery")) {
        target->putKeySlot("recovery", parc::backup::wrapForRecovery(
                                           keys.master, files::read(o_.recoveryPublicKey)));
      }
    }
    std::cerr << (created ? "created" : "using") << " the tenant's backup repository on "
              << identity.server << " (key " << keyFile.string() << ")\n";
  }
  if (o_.init && !o_.repo.empty() && !fs::exists(fs::path(o_.repo) / "config")) {
    // One tenant key may serve several repositories: reuse it when present.
    auto existing = files::tryRead(keyFile);
    auto keys = existing ? TenantKeys::derive(parc::backup::decodeKeyFile(*existing))
                         : TenantKeys::generate();
    std::optional<std::string> wrapped;
    if (!o_.recoveryPublicKey.empty()) {
      wrapped = parc::backup::wrapForRecovery(keys.master, files::read(o_.recoveryPublicKey));
    }
    initLocalRepository(o_.repo, keys.keyCheck());
    if (!existing) {
      if (keyFile.has_parent_path()) files::ensureDirectory(keyFile.parent_path(), 0700);
      files::writeAtomic(keyFile, parc::backup::encodeKeyFile(keys.master), 0600);
    }
    if (wrapped) openLocalTarget(o_.repo)->putKeySlot("recovery", *wrapped);
    std::cerr << "created repository " << o_.repo << " (key " << keyFile.string() << ")\n";
  }
  if (o_.verify) {
    if (o_.repo.empty()) {
      throw Error(ErrorKind::kBadRequest,
                  "--verify checks a repository directory (--repo); the server verifies its own");
    }
    server::backup::Repository repo(o_.repo);
    auto report = repo.verify();
    for (const auto& p : report.problems) std::cout << "problem: " << p << "\n";
    std::cout << report.packs << " packs, " << report.blobs << " blobs, " << report.snapshots
              << " snapshots: " << (report.ok() ? "ok" : "DAMAGED") << "\n";
    return report.ok() ? 0 : 2;
  }
  TargetPtr target;
  if (o_.repo.empty() && !o_.list && o_.limitKiBps > 0) {
    RemoteOptions limited;
    limited.limitKiBps = [l = o_.limitKiBps] { return l; };
    target = openRemoteTarget(enrolledIdentity(dataDir), limited);
  } else {
    target = openTarget(o_, dataDir, !o_.list);
  }
  if (o_.list) {
    for (const auto& s : target->listSnapshots()) {
      std::time_t t = s.created;
      std::cout << s.id << "  " << std::put_time(std::gmtime(&t), "%Y-%m-%d %H:%M:%SZ") << "  "
                << s.host << "\n";
    }
    return 0;
  }
  auto keys = loadKey(keyFile);
  BackupOptions opt;
  for (const auto& s : o_.sources) opt.sources.emplace_back(s);
  opt.host = o_.host.empty() ? hostName() : o_.host;
  opt.cacheFile = o_.cacheFile.empty() ? dataDir / "backup-cache.db" : fs::path(o_.cacheFile);
  opt.threads = o_.threads;
  opt.compressLevel = o_.compression;
  auto r = runBackup(*target, keys, opt);
  for (const auto& w : r.warnings) std::cerr << "warning: " << w << "\n";
  std::cout << "snapshot " << r.snapshotId << "\n"
            << r.files << " files (" << r.filesRead << " read, " << r.filesFromCache
            << " unchanged), " << r.directories << " folders, " << r.symlinks << " links\n"
            << std::fixed << std::setprecision(1) << r.bytesTotal / 1e6 << " MB in snapshot, "
            << r.bytesRead / 1e6 << " MB read, " << r.bytesStored / 1e6 << " MB new in "
            << r.chunksNew << " chunks, " << std::setprecision(2) << r.seconds << " s ("
            << std::setprecision(0) << mbps(r.bytesRead, r.seconds) << " MB/s)\n";
  return 0;
}

// `backup --scheduled`: what the scheduler starts. Everything comes from the stored
// policy; the outcome goes to DATA_DIR/backup-run.json for the scheduler to report.
int Commands::scheduledBackup(const fs::path& dataDir) {
  auto writeRun = [&](const Json& j) {
    files::writeAtomic(runFile(dataDir), j.dump() + "\n", 0600);
  };
  // One backup at a time on this PC, whoever started it.
  files::ensureDirectory(dataDir, 0700);
  UniqueLockFile lock(dataDir / "backup.lock");
  if (!lock.acquired()) {
    writeRun(Json{{"result", "busy"}, {"error", "another backup is running on this PC"}});
    std::cerr << "another backup is running on this PC\n";
    return 3;
  }
  fs::path keyFile = o_.keyFile.empty() ? dataDir / "backup.key" : fs::path(o_.keyFile);
  try {
    auto policy = loadPolicy(dataDir);
    if (!policy) {
      throw Error(ErrorKind::kNotFound, "no backup policy received from the server yet (" +
                                            policyFile(dataDir).string() + ")");
    }
    auto sched = scheduledOptions(*policy);
    if (!files::tryRead(keyFile)) {
      // The tenant key is never invented silently: another PC of the tenant may hold it.
      std::string msg = "no backup key in " + keyFile.string() +
                        ": run `parc-agent backup --init` on the tenant's first PC, or copy "
                        "its key file here (docs/backups.md, \"Keys\")";
      writeRun(Json{{"result", "no_key"}, {"error", msg}});
      std::cerr << msg << "\n";
      return 3;
    }
    auto keys = loadKey(keyFile);
    BackupOptions opt;
    for (const auto& s : sched.include) {
      std::error_code ec;
      if (fs::exists(fs::symlink_status(s, ec))) {
        opt.sources.emplace_back(s);
      } else {
        std::cerr << "warning: " << s << " does not exist on this PC: skipped\n";
      }
    }
    if (opt.sources.empty())
      throw Error(ErrorKind::kNotFound, "none of the policy's folders exists on this PC");
    opt.excludes = sched.exclude;
    opt.host = hostName();
    opt.cacheFile = dataDir / "backup-cache.db";
    opt.threads = o_.threads;
    opt.compressLevel = o_.compression;
    RemoteOptions remote;
    remote.limitKiBps = [sched] {
      return bandwidthLimitAt(sched, static_cast<std::int64_t>(std::time(nullptr)));
    };
    auto target = o_.repo.empty() ? openRemoteTarget(enrolledIdentity(dataDir), remote)
                                  : openLocalTarget(o_.repo);
    auto r = runBackup(*target, keys, opt);
    for (const auto& w : r.warnings) std::cerr << "warning: " << w << "\n";
    // Read a small random sample back (decrypt + re-hash, nothing written).
    auto sample = testRestoreSample(*target, keys, r.snapshotId);
    for (const auto& p : sample.problems) std::cerr << "test restore: " << p << "\n";
    Json run{
        {"result", sample.ok() ? "ok" : "test_restore_failed"},
        {"snapshot", r.snapshotId},
        {"files", r.files},
        {"bytes_read", r.bytesRead},
        {"bytes_stored", r.bytesStored},
        {"warnings", r.warnings.size()},
        {"seconds", r.seconds},
        {"test_restore", {{"files", sample.files}, {"bytes", sample.bytes}, {"ok", sample.ok()}}}};
    if (!sample.ok())
      run["error"] = "test restore of snapshot " + r.snapshotId + ": " + sample.problems.front();
    writeRun(run);
    std::cout << "snapshot " << r.snapshotId << "\n"
              << "test restore: " << sample.files << " file(s), " << sample.bytes << " bytes "
              << (sample.ok() ? "ok" : "FAILED") << "\n";
    return sample.ok() ? 0 : 2;
  } catch (const Error& e) {
    writeRun(Json{{"result", "failed"}, {"error", e.what()}});
    throw;
  }
}

int Commands::restore(const fs::path& dataDir) {
  fs::path keyFile = o_.keyFile.empty() ? dataDir / "backup.key" : fs::path(o_.keyFile);
  auto target = openTarget(o_, dataDir, true);
  if (!o_.recoveryPrivateKey.empty()) {
    // A new PC after the old one died: the cooperative's offline key opens the wrap.
    auto wrapped = target->keySlot("recovery");
    if (!wrapped) throw Error(ErrorKind::kNotFound, "this repository has no recovery key slot");
    auto master = parc::backup::unwrapWithRecovery(*wrapped, files::read(o_.recoveryPrivateKey));
    if (files::tryRead(keyFile)) {
      throw Error(ErrorKind::kConflict, "key file " + keyFile.string() + " exists: not replaced");
    }
    if (keyFile.has_parent_path()) files::ensureDirectory(keyFile.parent_path(), 0700);
    files::writeAtomic(keyFile, parc::backup::encodeKeyFile(master), 0600);
  }
  auto keys = loadKey(keyFile);
  RestoreOptions opt;
  opt.snapshotId = o_.snapshot;
  opt.targetDir = o_.targetDir;
  opt.include = o_.include;
  opt.threads = o_.threads;
  auto r = runRestore(*target, keys, opt);
  std::cout << r.files << " files, " << r.directories << " folders, " << r.symlinks
            << " links restored, " << std::fixed << std::setprecision(1) << r.bytes / 1e6
            << " MB in " << std::setprecision(2) << r.seconds << " s (" << std::setprecision(0)
            << mbps(r.bytes, r.seconds) << " MB/s)\n";
  return 0;
}

}  // namespace parc::agent::backup
