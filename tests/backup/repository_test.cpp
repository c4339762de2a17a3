// The server-side repository: append-only for agents, crash reconciliation, verify,
// prune. No key is used here, as on the server.
#include "server/backup/repository.h"

#include <gtest/gtest.h>

#include "common/backup/manifest.h"
#include "common/backup/pack.h"
#include "common/error.h"
#include "tests/backup/test_util.h"

namespace parc::server::backup {
namespace {

using namespace parc::backup;
using parc::backup::testing::pseudoRandom;
using parc::backup::testing::TempDir;
using parc::backup::testing::testMaster;

struct Built {
  std::string pack;
  std::vector<ChunkId> ids;
};

Built buildPack(int blobs, std::uint64_t seed) {
  BlobCodec codec(TenantKeys::derive(testMaster()));
  PackWriter w;
  Built b;
  for (int i = 0; i < blobs; ++i) {
    auto plain = pseudoRandom(20000, seed * 100 + i);
    std::string enc;
    b.ids.push_back(codec.id(plain));
    codec.encode(b.ids.back(), BlobType::kData, plain, enc);
    w.addEncoded(enc);
  }
  b.pack = w.finish();
  return b;
}

std::string snapshotOf(std::vector<ChunkId> ids) {
  std::sort(ids.begin(), ids.end());
  SnapshotObject s;
  s.tree = {ids.front()};
  s.refs = ids;
  s.sealedInfo = std::string(40, 'x');
  return encodeSnapshot(s);
}

class RepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override { Repository::init(dir.path() / "repo", "check"); }
  std::filesystem::path root() const { return dir.path() / "repo"; }
  TempDir dir;
};

TEST_F(RepositoryTest, InitTwiceIsRefused) {
  EXPECT_THROW(Repository::init(root(), "check"), Error);
  EXPECT_THROW(Repository(dir.path() / "nothing"), Error);
}

TEST_F(RepositoryTest, PacksAreIndexedAndIdempotent) {
  Repository repo(root());
  auto b = buildPack(3, 1);
  EXPECT_EQ(repo.hasChunks(b.ids), std::vector<bool>(3, false));
  auto name = repo.putPack(b.pack);
  EXPECT_EQ(name, packName(b.pack));
  EXPECT_EQ(repo.putPack(b.pack), name);
  EXPECT_EQ(repo.hasChunks(b.ids), std::vector<bool>(3, true));
  auto loc = repo.locate(b.ids[1]);
  ASSERT_TRUE(loc);
  BlobCodec codec(TenantKeys::derive(testMaster()));
  std::string out;
  codec.decode(loc->header, repo.readBlob(*loc), out);
  EXPECT_EQ(out, pseudoRandom(20000, 101));
  EXPECT_THROW(repo.putPack("garbage"), Error);
  EXPECT_EQ(repo.usage().packs, 1u);
}

TEST_F(RepositoryTest, ResumableUpload) {
  Repository repo(root());
  auto b = buildPack(2, 2);
  auto name = packName(b.pack);
  EXPECT_EQ(repo.uploadOffset(name), 0u);
  repo.appendUpload(name, 0, std::string_view(b.pack).substr(0, 1000));
  EXPECT_EQ(repo.uploadOffset(name), 1000u);
  EXPECT_THROW(repo.appendUpload(name, 0, "again"), Error);  // wrong offset: kConflict
  repo.appendUpload(name, 1000, std::string_view(b.pack).substr(1000));
  repo.finishUpload(name);
  EXPECT_TRUE(repo.hasChunk(b.ids[0]));
  EXPECT_EQ(repo.uploadOffset(name), UINT64_MAX);
  EXPECT_THROW(repo.uploadOffset("../../etc"), Error);
}

// Packs are written with O_DIRECT where the file system takes it (in aligned 1 MiB
// slices, the tail through the page cache) and normally where it does not (tmpfs
// before Linux 6.6, some network file systems).
void expectStoredExactly(const std::filesystem::path& root) {
  Repository::init(root, "check");
  Repository repo(root);
  for (int blobs : {1, 60, 205}) {  // ~20 KB, ~1.2 MB (two slices), ~4.1 MB
    auto b = buildPack(blobs, 40 + blobs);
    ASSERT_NE(b.pack.size() % 4096, 0u);
    auto name = repo.putPack(b.pack);
    auto path = root / "packs" / name.substr(0, 2) / name;
    EXPECT_EQ(parc::backup::testing::readFile(path), b.pack) << blobs << " blobs";
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0400u);
    EXPECT_EQ(repo.hasChunks(b.ids), std::vector<bool>(b.ids.size(), true));
  }
  EXPECT_TRUE(repo.verify().ok());
}

TEST_F(RepositoryTest, PacksAreStoredByteForByte) {
  expectStoredExactly(dir.path() / "disk");
}

TEST(RepositoryFileSystems, PacksAreStoredOnTmpfsToo) {
  if (!std::filesystem::is_directory("/dev/shm")) GTEST_SKIP() << "no tmpfs at /dev/shm";
  std::string tmpl = "/dev/shm/parc-backup-XXXXXX";
  std::filesystem::path dir = ::mkdtemp(tmpl.data());
  expectStoredExactly(dir / "repo");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST_F(RepositoryTest, FinishedUploadBecomesThePackAndGarbageIsRefused) {
  Repository repo(root());
  auto b = buildPack(3, 7);
  auto name = packName(b.pack);
  repo.appendUpload(name, 0, b.pack);
  repo.finishUpload(name);
  auto path = root() / "packs" / name.substr(0, 2) / name;
  EXPECT_EQ(parc::backup::testing::readFile(path), b.pack);
  EXPECT_FALSE(std::filesystem::exists(root() / "uploads" / name));
  // Bytes named by their own hash but not a pack: refused, nothing stored.
  std::string junk(5000, 'j');
  auto junkName = packName(junk);
  repo.appendUpload(junkName, 0, junk);
  EXPECT_THROW(repo.finishUpload(junkName), Error);
  EXPECT_FALSE(std::filesystem::exists(root() / "packs" / junkName.substr(0, 2) / junkName));
  EXPECT_EQ(repo.usage().packs, 1u);
}

TEST_F(RepositoryTest, SnapshotNeedsEveryChunkAndIsNamedByTheServer) {
  Repository repo(root());
  auto b = buildPack(2, 3);
  ChunkId missing{};
  missing[5] = 7;
  auto ids = b.ids;
  ids.push_back(missing);
  try {
    repo.commitSnapshot(snapshotOf(ids), "pc1");
    FAIL() << "a snapshot with missing chunks was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
  }
  EXPECT_TRUE(repo.listSnapshots().empty());
  repo.putPack(b.pack);
  auto id1 = repo.commitSnapshot(snapshotOf(b.ids), "pc1");
  auto id2 = repo.commitSnapshot(snapshotOf(b.ids), "pc1");
  EXPECT_NE(id1, id2);  // an agent cannot overwrite: every commit is a new object
  ASSERT_EQ(repo.listSnapshots().size(), 2u);
  EXPECT_EQ(decodeSnapshot(repo.readSnapshot(id1)).refs.size(), 2u);
  EXPECT_THROW(repo.readSnapshot("../config"), Error);
  EXPECT_THROW(repo.commitSnapshot("PARCSNAP junk", "pc1"), Error);
}

TEST_F(RepositoryTest, FlippedByteInPackIsNamedByVerify) {
  std::string name;
  {
    Repository repo(root());
    auto b = buildPack(3, 4);
    name = repo.putPack(b.pack);
    repo.putPack(buildPack(1, 5).pack);
    repo.commitSnapshot(snapshotOf(b.ids), "pc1");
    EXPECT_TRUE(repo.verify().ok());
  }
  auto path = root() / "packs" / name.substr(0, 2) / name;
  std::filesystem::permissions(path, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  auto bytes = parc::backup::testing::readFile(path);
  bytes[bytes.size() / 2] ^= 0x01;
  parc::backup::testing::writeFile(path, bytes);
  Repository repo(root());
  auto report = repo.verify();
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_NE(report.problems[0].find(name), std::string::npos) << report.problems[0];
}

TEST_F(RepositoryTest, CrashLeftoversAreReconciledOnOpen) {
  auto b = buildPack(2, 6);
  auto name = packName(b.pack);
  // As if the server died after the pack's rename but before indexing it.
  parc::backup::testing::writeFile(root() / "packs" / name.substr(0, 2) / name, b.pack);
  // ... and after a snapshot's rename but before listing it.
  parc::backup::testing::writeFile(root() / "snapshots" / "0123456789abcdef",
                                   "host pc1\ncreated 5\n\n" + snapshotOf(b.ids));
  // A snapshot whose chunks never arrived must not be listed.
  auto other = buildPack(1, 7);
  parc::backup::testing::writeFile(root() / "snapshots" / "fedcba9876543210",
                                   "host pc1\ncreated 6\n\n" + snapshotOf(other.ids));
  // A torn temporary file of an interrupted write.
  parc::backup::testing::writeFile(root() / "packs" / name.substr(0, 2) / (name + ".tmp"), "x");
  Repository repo(root());
  EXPECT_TRUE(repo.hasChunk(b.ids[0]));
  auto list = repo.listSnapshots();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, "0123456789abcdef");
  EXPECT_TRUE(repo.verify().ok());
  EXPECT_TRUE(std::filesystem::exists(root() / "quarantine" / "fedcba9876543210"));
}

TEST_F(RepositoryTest, RebuildIndexFromPacks) {
  Repository repo(root());
  auto b = buildPack(3, 8);
  repo.putPack(b.pack);
  auto id = repo.commitSnapshot(snapshotOf(b.ids), "pc1");
  repo.rebuildIndex();
  EXPECT_TRUE(repo.hasChunk(b.ids[2]));
  ASSERT_EQ(repo.listSnapshots().size(), 1u);
  EXPECT_EQ(repo.listSnapshots()[0].id, id);
  EXPECT_EQ(repo.listSnapshots()[0].host, "pc1");
}

TEST_F(RepositoryTest, LeasesExcludePruneDuringBackup) {
  Repository repo(root());
  EXPECT_TRUE(repo.acquireLease("backup:pc1", false, std::chrono::seconds(60)));
  EXPECT_TRUE(repo.acquireLease("backup:pc2", false, std::chrono::seconds(60)));
  EXPECT_THROW(repo.prune({}, std::chrono::seconds(0)), Error);
  repo.releaseLease("backup:pc1");
  repo.releaseLease("backup:pc2");
  EXPECT_TRUE(repo.acquireLease("backup:pc3", false, std::chrono::seconds(-1)));  // expired
  EXPECT_NO_THROW(repo.prune({}, std::chrono::seconds(0)));
}

TEST_F(RepositoryTest, PruneDeletesAndRepacksOnlyDeadData) {
  Repository repo(root());
  auto a = buildPack(4, 9);
  auto b = buildPack(4, 10);
  repo.putPack(a.pack);
  repo.putPack(b.pack);
  auto keepA = repo.commitSnapshot(snapshotOf({a.ids[0]}), "pc1");  // 1/4 of pack a live
  auto dropB = repo.commitSnapshot(snapshotOf(b.ids), "pc1");
  EXPECT_THROW(repo.prune({"0000000000000000"}, std::chrono::seconds(0)), Error);
  EXPECT_EQ(repo.listSnapshots().size(), 2u);  // an unknown id deletes nothing
  auto report = repo.prune({dropB}, std::chrono::seconds(0));
  EXPECT_EQ(report.snapshotsRemoved, 1u);
  EXPECT_EQ(report.packsDeleted, 1u);
  EXPECT_EQ(report.packsRepacked, 1u);
  EXPECT_TRUE(repo.hasChunk(a.ids[0]));
  EXPECT_FALSE(repo.hasChunk(a.ids[1]));
  EXPECT_FALSE(repo.hasChunk(b.ids[0]));
  EXPECT_EQ(repo.usage().packs, 1u);
  EXPECT_TRUE(repo.verify().ok());
  auto loc = repo.locate(a.ids[0]);
  BlobCodec codec(TenantKeys::derive(testMaster()));
  std::string out;
  codec.decode(loc->header, repo.readBlob(*loc), out);
  EXPECT_EQ(out, pseudoRandom(20000, 900));
  EXPECT_EQ(repo.listSnapshots().at(0).id, keepA);
}

TEST_F(RepositoryTest, PruneKeepsYoungUnreferencedPacks) {
  Repository repo(root());
  auto a = buildPack(2, 11);
  repo.putPack(a.pack);  // uploaded by a backup that has not committed yet
  auto report = repo.prune({}, std::chrono::hours(1));
  EXPECT_EQ(report.packsDeleted, 0u);
  EXPECT_TRUE(repo.hasChunk(a.ids[0]));
}

}  // namespace
}  // namespace parc::server::backup
