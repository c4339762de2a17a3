// The server's daily retention job on a real store and repository: forget per policy
// (per host), legal hold, a backup's lease postponing it, stale uploads removed,
// audited with counts; runDue runs each tenant once a day.
#include "server/backup/maintenance.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/backup/manifest.h"
#include "common/backup/pack.h"
#include "common/sqlite/database.h"
#include "server/store/sqlite/sqlite_store.h"
#include "tests/backup/test_util.h"

namespace parc::server::backup {
namespace {

using namespace parc::backup;
using parc::backup::testing::pseudoRandom;
using parc::backup::testing::TempDir;
using parc::backup::testing::testMaster;

constexpr std::int64_t kDay = 86400;

class MaintenanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tenant = store.createTenant("Mairie de Millau", "12145", now).id;
    repos.create(tenant, "check");
    repo = repos.find(tenant);
    BlobCodec codec(TenantKeys::derive(testMaster()));
    PackWriter w;
    for (int i = 0; i < 3; ++i) {
      auto plain = pseudoRandom(20000, 7 + i);
      std::string enc;
      ids.push_back(codec.id(plain));
      codec.encode(ids.back(), BlobType::kData, plain, enc);
      w.addEncoded(enc);
    }
    repo->putPack(w.finish());
    std::sort(ids.begin(), ids.end());
  }

  void setPolicy(const std::string& json) { policyStore.put(tenant, 0, json, false, now, "test"); }

  // A snapshot of `host` dated `daysAgo` days before now (the index's date, as the
  // server's clock would have set it then).
  std::string snapshot(const std::string& host, int daysAgo) {
    SnapshotObject s;
    s.tree = {ids.front()};
    s.refs = ids;
    s.sealedInfo = std::string(40, 'x');
    auto id = repo->commitSnapshot(encodeSnapshot(s), host);
    auto db = sqlite::Database::open(repo->root() / "index.db");
    sqlite::Statement(db, "UPDATE snapshots SET created = ? WHERE id = ?")
        .bind(1, now - daysAgo * kDay)
        .bind(2, id)
        .run();
    return id;
  }

  std::size_t countOf(const std::string& host) {
    std::size_t n = 0;
    for (const auto& s : repo->listSnapshots()) n += s.host == host;
    return n;
  }

  std::vector<store::AuditEntry> retentionAudit() {
    store::AuditQuery q;
    q.action = "backup.retention";
    q.limit = 50;
    return store.queryAudit(q);
  }

  TempDir dir;
  std::int64_t now = 1795953600;  // 2026-11-29 12:00 UTC
  store::SqliteStore store{dir.path() / "parc.db"};
  store::BackupPolicyStore policyStore{dir.path() / "parc.db"};
  Policies policies{policyStore};
  Repositories repos{dir.path() / "backups"};
  MaintenanceSettings settings = [] {
    MaintenanceSettings s;
    s.grace = std::chrono::seconds(0);
    return s;
  }();
  Maintenance maintenance{store, repos, policies, settings};
  store::Id tenant = 0;
  Repository* repo = nullptr;
  std::vector<ChunkId> ids;
};

TEST_F(MaintenanceTest, ForgetsPerHostByPolicyAndAudits) {
  setPolicy(R"({"retention": {"keep_last": 1, "daily": 3, "weekly": 0, "monthly": 0,
                              "yearly": 0}})");
  for (int d = 0; d < 10; ++d) snapshot("host:101", d);
  for (int d = 0; d < 2; ++d) snapshot("host:102", d * 2);
  auto run = maintenance.applyRetention(tenant, now);
  EXPECT_FALSE(run.postponed);
  EXPECT_EQ(run.hosts, 2u);
  EXPECT_EQ(run.snapshotsForgotten, 7u);  // host:101 keeps 3 days, host:102 both
  EXPECT_EQ(countOf("host:101"), 3u);
  EXPECT_EQ(countOf("host:102"), 2u);
  auto audit = retentionAudit();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].result, "ok");
  EXPECT_EQ(audit[0].actor, "system");
  EXPECT_EQ(audit[0].tenantId, tenant);
  EXPECT_NE(audit[0].detail.find("7 snapshot(s) forgotten"), std::string::npos) << audit[0].detail;
  EXPECT_TRUE(repo->verify().ok());
}

TEST_F(MaintenanceTest, LegalHoldForgetsNothing) {
  setPolicy(R"({"legal_hold": true, "retention": {"keep_last": 1, "daily": 1, "weekly": 0,
                "monthly": 0, "yearly": 0}})");
  for (int d = 0; d < 5; ++d) snapshot("host:101", d);
  auto run = maintenance.applyRetention(tenant, now);
  EXPECT_TRUE(run.legalHold);
  EXPECT_EQ(run.snapshotsForgotten, 0u);
  EXPECT_EQ(countOf("host:101"), 5u);
  auto audit = retentionAudit();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_NE(audit[0].detail.find("legal hold"), std::string::npos);
}

TEST_F(MaintenanceTest, ARunningBackupPostponesAndNothingIsDeleted) {
  setPolicy(R"({"retention": {"keep_last": 1, "daily": 1, "weekly": 0, "monthly": 0,
                "yearly": 0}})");
  for (int d = 0; d < 4; ++d) snapshot("host:101", d);
  ASSERT_TRUE(repo->acquireLease("host:101/backup", false, std::chrono::hours(1)));
  auto run = maintenance.applyRetention(tenant, now);
  EXPECT_TRUE(run.postponed);
  EXPECT_EQ(countOf("host:101"), 4u);
  EXPECT_EQ(retentionAudit().at(0).result, "postponed");
  repo->releaseLease("host:101/backup");
  run = maintenance.applyRetention(tenant, now);
  EXPECT_FALSE(run.postponed);
  EXPECT_EQ(countOf("host:101"), 1u);
}

TEST_F(MaintenanceTest, HalfUploadedPacksOlderThanGraceAreRemoved) {
  std::string name(64, 'a');
  repo->appendUpload(name, 0, "partial pack bytes");
  ASSERT_EQ(repo->uploadOffset(name), 18u);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto run = maintenance.applyRetention(tenant, now);
  EXPECT_EQ(run.prune.uploadsRemoved, 1u);
  EXPECT_EQ(repo->uploadOffset(name), 0u);
  EXPECT_NE(retentionAudit().at(0).detail.find("1 stale upload(s) removed"), std::string::npos);
}

TEST_F(MaintenanceTest, RunDueRunsEachTenantOnceADay) {
  setPolicy(R"({"retention": {"keep_last": 1, "daily": 1, "weekly": 0, "monthly": 0,
                "yearly": 0}})");
  snapshot("host:101", 1);
  snapshot("host:101", 0);
  maintenance.runDue(now);
  EXPECT_EQ(countOf("host:101"), 1u);
  EXPECT_EQ(policyStore.maintenance(tenant).lastRetentionAt, now);
  snapshot("host:101", 0);
  maintenance.runDue(now + 3600);  // same day: not again
  EXPECT_EQ(countOf("host:101"), 2u);
  maintenance.runDue(now + kDay);
  EXPECT_EQ(countOf("host:101"), 1u);
  EXPECT_EQ(retentionAudit().size(), 2u);
}

TEST_F(MaintenanceTest, VerificationResumesAndNamesAFlippedByte) {
  // More packs, so a zero budget stops after each one.
  for (int p = 0; p < 3; ++p) {
    BlobCodec codec(TenantKeys::derive(testMaster()));
    PackWriter w;
    auto plain = pseudoRandom(30000, 100 + p);
    std::string enc;
    codec.encode(codec.id(plain), BlobType::kData, plain, enc);
    w.addEncoded(enc);
    repo->putPack(w.finish());
  }
  snapshot("host:101", 0);
  auto first = maintenance.verify(tenant, now, std::chrono::seconds(0));
  EXPECT_FALSE(first.complete);
  EXPECT_EQ(first.report.packs, 1u);
  EXPECT_EQ(policyStore.maintenance(tenant).verifyCursor, first.next);
  std::size_t packs = first.report.packs;
  VerifyRun run;
  do {
    run = maintenance.verify(tenant, now, std::chrono::seconds(0));
    packs += run.report.packs;
  } while (!run.complete && packs < 10);
  EXPECT_TRUE(run.complete);
  EXPECT_EQ(packs, 4u);
  EXPECT_EQ(run.report.snapshots, 1u);
  EXPECT_TRUE(run.report.ok());
  EXPECT_EQ(policyStore.maintenance(tenant).lastVerifyAt, now);
  EXPECT_TRUE(policyStore.maintenance(tenant).verifyCursor.empty());

  // Flip one byte in a pack: the next pass names it, and the audit says "damaged".
  std::filesystem::path victim;
  for (const auto& e : std::filesystem::recursive_directory_iterator(repo->root() / "packs"))
    if (e.is_regular_file()) victim = e.path();
  ASSERT_FALSE(victim.empty());
  parc::backup::testing::flipByte(victim, 20);
  auto damaged = maintenance.verify(tenant, now + 1, std::chrono::seconds(60), true);
  EXPECT_TRUE(damaged.complete);
  ASSERT_FALSE(damaged.report.ok());
  EXPECT_NE(damaged.report.problems[0].find(victim.filename().string()), std::string::npos);
  store::AuditQuery q;
  q.action = "backup.verify";
  auto audit = store.queryAudit(q);
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit[0].result, "damaged");
  EXPECT_NE(audit[0].detail.find(victim.filename().string()), std::string::npos);
}

}  // namespace
}  // namespace parc::server::backup
