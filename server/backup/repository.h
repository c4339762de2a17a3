#pragma once
// A tenant's backup repository on the server's file system. Agents may only add (packs,
// then a snapshot that references them); only the server deletes (prune). Everything the
// index holds can be rebuilt from the packs and snapshot files, and nothing here needs
// the tenant's key: the server stores ciphertext it cannot read.
//
//   <root>/config             repository id, format version, key check
//   <root>/packs/ab/<sha256>  immutable packs, named by the SHA-256 of their bytes
//   <root>/snapshots/<id>     snapshot objects (written once, never overwritten)
//   <root>/uploads/<sha256>   partial pack uploads (resumable)
//   <root>/index.db           SQLite (WAL): packs, chunks, snapshots, leases
//
// Write order (restic's): pack durable → pack indexed → snapshot checked, durable, listed.
// A crash between two steps leaves a pack nobody references (collected by prune) or a
// snapshot file not yet listed (re-checked and listed on open), never a listed snapshot
// whose data is missing.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/backup/bytes.h"
#include "common/backup/pack.h"
#include "common/sqlite/database.h"

namespace parc::server::backup {

using parc::backup::BlobHeader;
using parc::backup::ChunkId;

struct SnapshotInfo {
  std::string id;
  std::int64_t created = 0;  // the server's clock, never the agent's
  std::string host;
  std::uint64_t refs = 0;
};

struct BlobLocation {
  std::string pack;
  std::uint64_t offset = 0;  // of the stored bytes inside the pack
  BlobHeader header;
};

struct VerifyReport {
  std::size_t packs = 0, blobs = 0, snapshots = 0;
  std::vector<std::string> problems;  // one line each, naming the pack or snapshot
  /// The same problems by object, for alerts: packs that are missing, corrupt or
  /// malformed, and snapshots that are unreadable or miss chunks.
  std::vector<std::pair<std::string, std::string>> badPacks;  // name, problem
  struct BadSnapshot {
    std::string id;
    std::size_t missingChunks = 0;
    std::string unreadable;  // why it could not be read; empty when chunks are missing
  };
  std::vector<BadSnapshot> badSnapshots;
  bool ok() const { return problems.empty(); }
};

/// Who loses data when a pack is damaged: each snapshot with chunks in it.
struct PackImpact {
  std::string snapshot, host;
  std::int64_t created = 0;
  std::size_t chunks = 0;  // of the snapshot's chunks stored in the pack
  bool manifest = false;   // a piece of the snapshot's file list is in it
};

struct PruneReport {
  std::size_t snapshotsRemoved = 0, packsDeleted = 0, packsRepacked = 0;
  std::size_t uploadsRemoved = 0;  // partial uploads older than the grace period
  std::uint64_t bytesFreed = 0;
};

struct Usage {
  std::size_t packs = 0, chunks = 0, snapshots = 0;
  std::uint64_t bytes = 0;
};

class Repository {
 public:
  /// Creates an empty repository; kConflict if `root` already holds one.
  static void init(const std::filesystem::path& root, const std::string& keyCheck);
  /// Opens and reconciles after a crash: packs or snapshots written but not yet indexed
  /// are checked and indexed (or moved to quarantine/ when they do not verify).
  explicit Repository(const std::filesystem::path& root);
  ~Repository();

  const std::string& id() const { return id_; }
  const std::string& keyCheck() const { return keyCheck_; }
  const std::filesystem::path& root() const { return root_; }

  /// Batched "which of these do you have": one flag per id, in order.
  std::vector<bool> hasChunks(const std::vector<ChunkId>& ids);
  bool hasChunk(const ChunkId& id);

  /// Stores a whole pack: checks its structure, names it by its hash, makes it durable,
  /// indexes its blobs. Idempotent. Returns the pack's name.
  std::string putPack(std::string_view pack);

  /// Resumable upload of pack `name` (64 hex digits): the offset to continue from.
  std::uint64_t uploadOffset(const std::string& name);
  /// Appends at `offset` (must equal uploadOffset, else kConflict); data is fsynced.
  void appendUpload(const std::string& name, std::uint64_t offset, std::string_view data);
  /// Checks the hash against `name` and stores the pack as putPack does.
  void finishUpload(const std::string& name);

  /// Accepts a snapshot object when every chunk it references is stored. The server
  /// names it and dates it; an agent can neither choose nor overwrite an id.
  /// kConflict when references are missing (the agent must upload them and retry).
  std::string commitSnapshot(std::string_view object, const std::string& host);
  std::vector<SnapshotInfo> listSnapshots();
  /// kNotFound for an unknown id.
  std::string readSnapshot(const std::string& id);

  std::optional<BlobLocation> locate(const ChunkId& id);
  /// The stored (encrypted) bytes of a blob.
  std::string readBlob(const BlobLocation& where);

  /// Server-side leases instead of lock files: they expire on their own, so a killed
  /// agent never leaves the repository locked. Backups share; prune is exclusive.
  /// False when refused (a prune holds the repository, or backups run during prune).
  bool acquireLease(const std::string& holder, bool exclusive, std::chrono::seconds ttl);
  void releaseLease(const std::string& holder);

  /// Re-hashes every pack against its name and checks structure and index; checks that
  /// every snapshot's references are stored.
  VerifyReport verify();
  /// A slice of verify() bounded in time: packs named after `after`, in name order,
  /// until `deadline`. `next` is where the next slice resumes, empty once every pack
  /// was checked (the last slice also checks every snapshot's references).
  VerifyReport verifySome(const std::string& after, std::chrono::steady_clock::time_point deadline,
                          std::string* next);
  /// For each pack named, the snapshots that reference chunks stored in it (reads every
  /// snapshot's plain reference list; memory: the chunk ids of the packs named).
  std::map<std::string, std::vector<PackImpact>> impactOf(const std::vector<std::string>& packs);
  /// Drops the index and rebuilds it from the packs and snapshot files.
  void rebuildIndex();
  /// Forgets the given snapshots, deletes packs with no live blob and repacks packs
  /// whose live part is under `repackBelow`; packs younger than `grace` are kept (an
  /// upload in progress has not committed its snapshot yet). Refused during a backup.
  PruneReport prune(const std::vector<std::string>& forget, std::chrono::seconds grace,
                    double repackBelow = 0.8);
  Usage usage();

  /// Wrapped copies of the tenant key (e.g. "recovery" for the offline recovery key).
  /// Slots are written once: kConflict if the slot exists.
  void putKeySlot(const std::string& name, std::string_view wrapped);
  std::optional<std::string> keySlot(const std::string& name);

 private:
  std::filesystem::path packPath(const std::string& name) const;
  void indexPack(const std::string& name, std::string_view bytes, std::int64_t created);
  bool storePackFile(const std::string& name, std::string_view bytes);
  void reconcile();
  bool verifyPack(const std::string& name, VerifyReport& report);
  void verifySnapshots(VerifyReport& report);
  std::vector<ChunkId> missingRefs(const std::vector<ChunkId>& refs);

  std::filesystem::path root_;
  std::string id_, keyCheck_;
  std::mutex mu_;  // one connection, shared by the agent's threads in local mode
  std::unique_ptr<sqlite::Database> db_;
  std::mutex readMu_;  // a second connection for lookups only (never waits on a commit)
  std::unique_ptr<sqlite::Database> readDb_;
};

}  // namespace parc::server::backup
