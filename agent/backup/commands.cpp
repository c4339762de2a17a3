#include "agent/backup/commands.h"

#include <malloc.h>
#include <unistd.h>

#include <iomanip>
#include <iostream>

#include "agent/backup/engine.h"
#include "agent/backup/remote_target.h"
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
  auto target = openTarget(o_, dataDir, !o_.list);
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
