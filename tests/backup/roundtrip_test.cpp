// Backup → restore round trips through the real engine and a real repository directory,
// with the edge cases of the issue: empty, large, sparse, symlinks, permissions, unicode
// names, files changing during backup, wrong key, damaged pack, path traversal.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <thread>

#include "agent/backup/engine.h"
#include "agent/backup/target.h"
#include "agent/backup/test_restore.h"
#include "common/backup/manifest.h"
#include "common/backup/pack.h"
#include "common/error.h"
#include "server/backup/repository.h"
#include "tests/backup/test_util.h"

namespace parc::agent::backup {
namespace {

namespace fs = std::filesystem;
using namespace parc::backup;
using parc::backup::testing::pseudoRandom;
using parc::backup::testing::readFile;
using parc::backup::testing::TempDir;
using parc::backup::testing::testMaster;
using parc::backup::testing::writeFile;

// What a restore must reproduce, per relative path.
std::map<std::string, std::string> describe(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    struct stat st {};
    ::lstat(it->path().c_str(), &st);
    auto rel = fs::relative(it->path(), root).string();
    std::string d = std::to_string(st.st_mode) + " ";
    if (S_ISREG(st.st_mode)) {
      d += std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + " " +
           std::to_string(std::hash<std::string>{}(readFile(it->path())));
    } else if (S_ISLNK(st.st_mode)) {
      d += fs::read_symlink(it->path()).string();
    } else if (S_ISDIR(st.st_mode)) {
      d += std::to_string(st.st_mtim.tv_sec);
    }
    out[rel] = d;
  }
  return out;
}

class BackupRoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    initLocalRepository(repoDir(), keys.keyCheck());
    target = openLocalTarget(repoDir());
    src = tmp.path() / "src" / "mairie";
    fs::create_directories(src);
  }
  fs::path repoDir() const { return tmp.path() / "repo"; }

  BackupResult backup(bool cache = true) {
    BackupOptions o;
    o.sources = {src};
    o.host = "pc-test";
    if (cache) o.cacheFile = tmp.path() / "cache.db";
    o.threads = 2;
    return runBackup(*target, keys, o);
  }
  fs::path restore(const std::string& id, const std::string& include = "") {
    auto dest = tmp.path() / ("restore" + std::to_string(++restores));
    RestoreOptions o;
    o.snapshotId = id;
    o.targetDir = dest;
    o.include = include;
    o.threads = 2;
    runRestore(*target, keys, o);
    return dest / src.relative_path();
  }

  TempDir tmp;
  TenantKeys keys = TenantKeys::derive(testMaster());
  TargetPtr target;
  fs::path src;
  int restores = 0;
};

TEST_F(BackupRoundTrip, EdgeCaseTree) {
  writeFile(src / "vide.txt", "");
  writeFile(src / "registre/naissances 1998.csv", std::string(3 << 20, 'a') + "fin\n");
  writeFile(src / "scans/acte-0001.jpg", pseudoRandom(20 << 20, 5));  // several chunks
  writeFile(src / "état civil/été 🌞.txt", "unicode name");
  writeFile(src / std::string("bizarre-\xff\xfe.bin"), "not utf-8 name");
  fs::create_directories(src / "dossier vide");
  // Sparse: 64 MiB with two small islands of data.
  {
    int fd = ::open((src / "disque.img").c_str(), O_WRONLY | O_CREAT, 0640);
    ASSERT_EQ(::pwrite(fd, "island1", 7, 10 << 20), 7);
    ASSERT_EQ(::pwrite(fd, "island2", 7, 50 << 20), 7);
    ASSERT_EQ(::ftruncate(fd, 64 << 20), 0);
    ::close(fd);
  }
  fs::create_symlink("registre/naissances 1998.csv", src / "lien relatif");
  fs::create_symlink("/nonexistent/target", src / "lien cassé");
  writeFile(src / "script.sh", "#!/bin/sh\n");
  ::chmod((src / "script.sh").c_str(), 0755);
  ::chmod((src / "vide.txt").c_str(), 0600);
  ::chmod((src / "état civil").c_str(), 0750);
  writeFile(src / "lecture seule/secret.txt", "read only");
  ::chmod((src / "lecture seule").c_str(), 0500);

  auto r = backup();
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  EXPECT_EQ(r.files, 8u);
  EXPECT_EQ(r.symlinks, 2u);
  auto out = restore(r.snapshotId);
  EXPECT_EQ(describe(out), describe(src));
  struct stat st {};
  ASSERT_EQ(::stat((out / "disque.img").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 64 << 20);
  EXPECT_LT(st.st_blocks * 512, 8 << 20) << "the sparse file was not restored sparse";
  ::chmod((src / "lecture seule").c_str(), 0700);
}

TEST_F(BackupRoundTrip, UnchangedFilesAreNotReadAgain) {
  for (int i = 0; i < 20; ++i) {
    writeFile(src / ("doc" + std::to_string(i) + ".txt"), pseudoRandom(100000, i));
  }
  // Old mtimes: files written "just now" are not trusted by the cache.
  for (int i = 0; i < 20; ++i) {
    struct timespec t[2] = {{1600000000, 0}, {1600000000, 0}};
    ::utimensat(AT_FDCWD, (src / ("doc" + std::to_string(i) + ".txt")).c_str(), t, 0);
  }
  auto first = backup();
  EXPECT_EQ(first.filesRead, 20u);
  auto second = backup();
  EXPECT_EQ(second.filesFromCache, 20u);
  EXPECT_EQ(second.bytesRead, 0u);
  // Only the manifest can be new (/tmp, an ancestor, changes its mtime all the time).
  EXPECT_LE(second.chunksNew, 1u);
  EXPECT_LT(second.bytesStored, 64u * 1024);
  writeFile(src / "doc3.txt", "changed");
  auto third = backup();
  EXPECT_EQ(third.filesRead, 1u);
  EXPECT_EQ(third.filesFromCache, 19u);
  EXPECT_EQ(readFile(restore(third.snapshotId) / "doc3.txt"), "changed");
  EXPECT_EQ(readFile(restore(first.snapshotId) / "doc3.txt"), pseudoRandom(100000, 3));
  EXPECT_EQ(target->listSnapshots().size(), 3u);
}

TEST_F(BackupRoundTrip, SingleFileAndFolderRestore) {
  writeFile(src / "a/one.txt", "1");
  writeFile(src / "b/two.txt", "2");
  auto r = backup();
  auto rel = src.relative_path().string();
  auto out = restore("latest", rel + "/b/two.txt");
  EXPECT_EQ(readFile(out / "b/two.txt"), "2");
  EXPECT_FALSE(fs::exists(out / "a"));
  EXPECT_THROW(restore(r.snapshotId, rel + "/nope"), Error);
}

TEST_F(BackupRoundTrip, FileChangingDuringBackupIsFlaggedNotCached) {
  writeFile(src / "stable.txt", "stable");
  writeFile(src / "journal.log", pseudoRandom(30 << 20, 1));
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    int fd = ::open((src / "journal.log").c_str(), O_WRONLY | O_APPEND);
    while (!stop) {
      (void)::write(fd, "x", 1);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    ::close(fd);
  });
  auto r = backup();
  stop = true;
  writer.join();
  bool flagged = false;
  for (const auto& w : r.warnings)
    flagged |= w.find("changed while it was read") != std::string::npos;
  EXPECT_TRUE(flagged);
  auto entries = readManifest(*target, keys, r.snapshotId);
  for (const auto& e : entries) {
    if (e.path.ends_with("journal.log")) {
      EXPECT_TRUE(e.flags & kEntryChanged);
    }
  }
  // The snapshot still restores, with the content as read.
  auto out = restore(r.snapshotId);
  EXPECT_EQ(readFile(out / "stable.txt"), "stable");
  EXPECT_GE(fs::file_size(out / "journal.log"), 30u << 20);
  EXPECT_EQ(backup().filesFromCache, 0u);  // neither file was cached (both too recent)
}

TEST_F(BackupRoundTrip, WrongKeyFailsCleanly) {
  writeFile(src / "a.txt", "secret");
  auto r = backup();
  auto stranger = TenantKeys::generate();
  RestoreOptions o;
  o.snapshotId = r.snapshotId;
  o.targetDir = tmp.path() / "wrong";
  try {
    runRestore(*target, stranger, o);
    FAIL() << "restore with a wrong key succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnauthorized);
  }
  EXPECT_FALSE(fs::exists(tmp.path() / "wrong"));
  BackupOptions b;
  b.sources = {src};
  EXPECT_THROW(runBackup(*target, stranger, b), Error);
  EXPECT_EQ(target->listSnapshots().size(), 1u);
}

TEST_F(BackupRoundTrip, FlippedByteIsDetectedAndNamed) {
  writeFile(src / "a.bin", pseudoRandom(3 << 20, 2));
  auto r = backup();
  std::string packFile;
  for (const auto& f : fs::recursive_directory_iterator(repoDir() / "packs")) {
    if (f.is_regular_file() && fs::file_size(f.path()) > (1 << 20)) packFile = f.path().string();
  }
  ASSERT_FALSE(packFile.empty());
  fs::permissions(packFile, fs::perms::owner_write, fs::perm_options::add);
  auto bytes = readFile(packFile);
  bytes[bytes.size() / 3] ^= 0x40;
  writeFile(packFile, bytes);
  try {
    restore(r.snapshotId);
    FAIL() << "a corrupt chunk was restored";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("blob "), std::string::npos) << e.what();
  }
  server::backup::Repository repo(repoDir());
  auto report = repo.verify();
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.problems[0].find(fs::path(packFile).filename().string()), std::string::npos);
}

// The agent's test restore after a backup: a sample read back, decrypted and re-hashed,
// nothing written; a flipped byte makes it fail naming the file.
TEST_F(BackupRoundTrip, TestRestoreSampleReadsBackAndCatchesDamage) {
  writeFile(src / "lettre.txt", "Madame, Monsieur,\n");
  writeFile(src / "scan.bin", pseudoRandom(3 << 20, 5));
  writeFile(src / "vide.txt", "");
  auto r = backup();
  auto sample = testRestoreSample(*target, keys, r.snapshotId, 10);
  EXPECT_TRUE(sample.ok()) << sample.problems.front();
  EXPECT_EQ(sample.files, 2u);  // the empty file has no chunk to read
  EXPECT_EQ(sample.bytes, (3u << 20) + 18u);
  auto few = testRestoreSample(*target, keys, r.snapshotId, 1);
  EXPECT_EQ(few.files, 1u);

  for (const auto& f : fs::recursive_directory_iterator(repoDir() / "packs")) {
    if (!f.is_regular_file() || fs::file_size(f.path()) < (1 << 20)) continue;
    fs::permissions(f.path(), fs::perms::owner_write, fs::perm_options::add);
    auto bytes = readFile(f.path());
    bytes[bytes.size() / 2] ^= 0x01;
    writeFile(f.path(), bytes);
  }
  auto damaged = testRestoreSample(*target, keys, r.snapshotId, 10);
  ASSERT_FALSE(damaged.ok());
  EXPECT_NE(damaged.problems[0].find("scan.bin"), std::string::npos) << damaged.problems[0];
}

// A snapshot written by a hostile or buggy agent with the tenant key.
std::string commitHostile(Target& target, const TenantKeys& keys, std::vector<Entry> entries) {
  BlobCodec codec(keys);
  PackWriter w;
  SnapshotObject snap;
  for (auto& e : entries) {
    if (e.type != EntryType::kFile) continue;
    std::string plain = "pwned", enc;
    auto id = codec.id(plain);
    codec.encode(id, BlobType::kData, plain, enc);
    w.addEncoded(enc);
    e.chunks = {{id, 5}};
    e.size = 5;
    snap.refs.push_back(id);
  }
  auto manifest = encodeManifest(entries);
  std::string enc;
  auto tid = codec.id(manifest);
  codec.encode(tid, BlobType::kTree, manifest, enc);
  w.addEncoded(enc);
  target.putPack(w.finish());
  snap.tree = {tid};
  snap.refs.push_back(tid);
  std::sort(snap.refs.begin(), snap.refs.end());
  snap.refs.erase(std::unique(snap.refs.begin(), snap.refs.end()), snap.refs.end());
  snap.sealedInfo = sealInfo(keys, "{}");
  return target.commitSnapshot(encodeSnapshot(snap), "evil");
}

TEST_F(BackupRoundTrip, PathTraversalIsRefused) {
  auto outside = tmp.path() / "outside";
  fs::create_directories(outside);
  for (const char* bad : {"../outside/pwned", "/tmp/pwned-abs", "a/../../outside/pwned"}) {
    Entry e;
    e.path = bad;
    e.mode = 0644;
    auto id = commitHostile(*target, keys, {e});
    RestoreOptions o;
    o.snapshotId = id;
    o.targetDir = tmp.path() / "dest";
    try {
      runRestore(*target, keys, o);
      FAIL() << "restored " << bad;
    } catch (const Error& err) {
      EXPECT_EQ(err.kind(), ErrorKind::kForbidden) << err.what();
    }
  }
  EXPECT_TRUE(fs::is_empty(outside));
  EXPECT_FALSE(fs::exists("/tmp/pwned-abs"));

  // Through a symlink: the snapshot's own link, then a file "inside" it.
  Entry link;
  link.type = EntryType::kSymlink;
  link.path = "esc";
  link.linkTarget = outside.string();
  Entry file;
  file.path = "esc/pwned";
  file.mode = 0644;
  auto id = commitHostile(*target, keys, {link, file});
  RestoreOptions o;
  o.snapshotId = id;
  o.targetDir = tmp.path() / "dest2";
  EXPECT_THROW(runRestore(*target, keys, o), Error);
  EXPECT_TRUE(fs::is_empty(outside));

  // Through a symlink planted in the target before the restore.
  Entry dir;
  dir.type = EntryType::kDirectory;
  dir.path = "planted";
  dir.mode = 0755;
  Entry inner;
  inner.path = "planted/pwned";
  inner.mode = 0644;
  id = commitHostile(*target, keys, {dir, inner});
  fs::create_directories(tmp.path() / "dest3");
  fs::create_symlink(outside, tmp.path() / "dest3" / "planted");
  o.snapshotId = id;
  o.targetDir = tmp.path() / "dest3";
  EXPECT_THROW(runRestore(*target, keys, o), Error);
  EXPECT_TRUE(fs::is_empty(outside));
}

TEST_F(BackupRoundTrip, ExistingFilesAreNotOverwritten) {
  writeFile(src / "a.txt", "backup");
  auto r = backup();
  auto dest = tmp.path() / "dest";
  writeFile(dest / src.relative_path() / "a.txt", "newer work");
  RestoreOptions o;
  o.snapshotId = r.snapshotId;
  o.targetDir = dest;
  EXPECT_THROW(runRestore(*target, keys, o), Error);
  EXPECT_EQ(readFile(dest / src.relative_path() / "a.txt"), "newer work");
}

}  // namespace
}  // namespace parc::agent::backup

namespace parc::agent::backup {
namespace {

// Two folders backed up in turn with one cache: each keeps its entries.
TEST(BackupFileCache, SourcesBackedUpInTurnKeepTheirEntries) {
  parc::backup::testing::TempDir tmp;
  auto keys = parc::backup::TenantKeys::derive(parc::backup::testing::testMaster());
  initLocalRepository(tmp.path() / "repo", keys.keyCheck());
  auto target = openLocalTarget(tmp.path() / "repo");
  for (const char* d : {"a", "ab"}) {
    parc::backup::testing::writeFile(tmp.path() / d / "f.txt", d);
    struct timespec t[2] = {{1600000000, 0}, {1600000000, 0}};
    ::utimensat(AT_FDCWD, (tmp.path() / d / "f.txt").c_str(), t, 0);
  }
  auto run = [&](const char* d) {
    BackupOptions o;
    o.sources = {tmp.path() / d};
    o.cacheFile = tmp.path() / "cache.db";
    return runBackup(*target, keys, o);
  };
  EXPECT_EQ(run("a").filesRead, 1u);
  EXPECT_EQ(run("ab").filesRead, 1u);  // "ab" is not under "a"
  EXPECT_EQ(run("a").filesFromCache, 1u);
  EXPECT_EQ(run("ab").filesFromCache, 1u);
}

}  // namespace
}  // namespace parc::agent::backup
