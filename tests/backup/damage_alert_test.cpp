// Damage found by verification opens a critical alert through the rules engine, on
// every host whose snapshots lose data, naming the pack and the snapshots; it is kept
// across a restart and resolved only by a complete pass that finds the repository
// sound (here after the damaged snapshots were pruned). Real repository on disk, real
// main store, real alert engine and notification queue.
#include <gtest/gtest.h>


#include "common/backup/manifest.h"
#include "common/backup/pack.h"
#include "server/alerts/alert_store.h"
#include "server/alerts/engine.h"
#include "server/backup/damage.h"
#include "server/backup/maintenance.h"
#include "server/store/sqlite/sqlite_store.h"
#include "tests/backup/test_util.h"

namespace parc::server::backup {
namespace {

using namespace parc::backup;
using parc::backup::testing::flipByte;
using parc::backup::testing::pseudoRandom;
using parc::backup::testing::TempDir;
using parc::backup::testing::testMaster;

class DamageAlertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tenant = store.createTenant("Mairie de Millau", "12145", now).id;
    accueil = enrol("accueil");
    compta = enrol("compta");
    repos.create(tenant, "check");
    repo = repos.find(tenant);
    packA = pack(1, idsA);
    packB = pack(2, idsB);
    maintenance.setDamage(&damage);
    alertStore = alerts::AlertStore::inMemory();
    engine = std::make_unique<alerts::Engine>(*alertStore);
    engine->setHost({accueil.id, tenant, accueil.hostname, {}, {}});
    engine->setHost({compta.id, tenant, compta.hostname, {}, {}});
    engine->setBackupDamage([this](alerts::Id host) { return damage.forHost(host); });
    alerts::Channel c;
    c.tenantId = tenant;
    c.kind = "email";
    c.name = "technicien";
    c.minSeverity = alerts::Severity::kCritical;
    channel = alertStore->createChannel(c);
  }

  store::Host enrol(const std::string& uid) {
    store::EnrollmentToken tok;
    tok.tenantId = tenant;
    tok.prefix = "p";
    tok.createdAt = now;
    tok.expiresAt = now + 3600;
    tok.maxUses = 1;
    store.createToken(tok, "hash-" + uid);
    return *store
                .enrollHost(
                    "hash-" + uid, now,
                    store::NewHost{uid, "pc-" + uid, "dev-" + uid, "fp-" + uid, "01", 99999})
                .host;
  }

  std::string pack(int seed, std::vector<ChunkId>& ids) {
    BlobCodec codec(TenantKeys::derive(testMaster()));
    PackWriter w;
    for (int i = 0; i < 3; ++i) {
      auto plain = pseudoRandom(20000, seed * 100 + i);
      std::string enc;
      ids.push_back(codec.id(plain));
      codec.encode(ids.back(), seed == 1 && i == 0 ? BlobType::kTree : BlobType::kData, plain, enc);
      w.addEncoded(enc);
    }
    return repo->putPack(w.finish());
  }

  std::string snapshot(const store::Host& host, std::vector<ChunkId> refs) {
    std::sort(refs.begin(), refs.end());
    SnapshotObject s;
    s.tree = {refs.front()};
    s.refs = refs;
    s.sealedInfo = std::string(40, 'x');
    return repo->commitSnapshot(encodeSnapshot(s), "host:" + std::to_string(host.id));
  }

  std::filesystem::path packFile(const std::string& name) {
    return repo->root() / "packs" / name.substr(0, 2) / name;
  }

  std::vector<alerts::Alert> open() {
    std::vector<alerts::Alert> out;
    for (auto& a : alertStore->openAlerts())
      if (a.ruleId == "backup_damaged") out.push_back(a);
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.hostId < b.hostId; });
    return out;
  }

  std::vector<std::string> queuedKinds() {
    std::vector<std::string> out;
    for (auto& n : alertStore->due(now + 100 * 86400, 1000)) out.push_back(n.event);
    return out;
  }

  TempDir dir;
  std::int64_t now = 1795953600;  // 2026-11-29 12:00 UTC
  store::SqliteStore store{dir.path() / "parc.db"};
  store::BackupPolicyStore policyStore{dir.path() / "parc.db"};
  Policies policies{policyStore};
  Repositories repos{dir.path() / "backups"};
  BackupDamage damage{dir.path() / "parc.db"};
  MaintenanceSettings settings = [] {
    MaintenanceSettings s;
    s.grace = std::chrono::seconds(0);
    return s;
  }();
  Maintenance maintenance{store, repos, policies, settings};
  std::unique_ptr<alerts::AlertStore> alertStore;
  std::unique_ptr<alerts::Engine> engine;
  alerts::Id channel = 0;
  store::Id tenant = 0;
  store::Host accueil, compta;
  Repository* repo = nullptr;
  std::vector<ChunkId> idsA, idsB;
  std::string packA, packB;
};

TEST_F(DamageAlertTest, FlippedByteOpensCriticalAlertNamingPackUntilPruned) {
  std::vector<ChunkId> both = idsA;
  both.insert(both.end(), idsB.begin(), idsB.end());
  auto s1 = snapshot(accueil, both);  // accueil: A and B
  auto s2 = snapshot(compta, idsB);   // compta: B only
  auto s3 = snapshot(accueil, idsA);  // accueil: A only (unharmed)
  EXPECT_TRUE(maintenance.verify(tenant, now, std::chrono::seconds(60), true).report.ok());
  engine->evaluate(now);
  EXPECT_TRUE(open().empty());

  flipByte(packFile(packB));
  auto run = maintenance.verify(tenant, now + 10, std::chrono::seconds(60), true);
  ASSERT_FALSE(run.report.ok());
  engine->evaluate(now + 10);
  auto alerts = open();
  ASSERT_EQ(alerts.size(), 2u);  // both hosts lose data
  for (const auto& a : alerts) {
    EXPECT_EQ(a.severity, alerts::Severity::kCritical);
    EXPECT_EQ(a.tenantId, tenant);
    EXPECT_EQ(a.subject, "pack:" + packB);
    EXPECT_EQ(a.summary.rfind("Sauvegarde endommagée", 0), 0u) << a.summary;
    EXPECT_NE(a.summary.find(packB), std::string::npos) << a.summary;
    EXPECT_NE(a.summary.find("corrompu"), std::string::npos) << a.summary;
    EXPECT_EQ(a.value, 1);  // one snapshot of each host
  }
  EXPECT_EQ(alerts[0].hostId, accueil.id);
  EXPECT_NE(alerts[0].summary.find(s1), std::string::npos) << alerts[0].summary;
  EXPECT_EQ(alerts[0].summary.find(s3), std::string::npos) << alerts[0].summary;
  EXPECT_NE(alerts[0].summary.find("3 bloc(s)"), std::string::npos) << alerts[0].summary;
  EXPECT_NE(alerts[0].summary.find("pc-compta (1)"), std::string::npos) << alerts[0].summary;
  EXPECT_EQ(alerts[1].hostId, compta.id);
  EXPECT_NE(alerts[1].summary.find(s2), std::string::npos) << alerts[1].summary;
  auto kinds = queuedKinds();
  EXPECT_EQ(
      std::count_if(kinds.begin(), kinds.end(), [](auto& k) { return k.rfind("firing:", 0) == 0; }),
      2);

  // A restart keeps what was found: the alert is not resolved by an empty memory.
  {
    BackupDamage reopened(dir.path() / "parc.db");
    EXPECT_EQ(reopened.forHost(accueil.id).size(), 1u);
    EXPECT_EQ(reopened.forHost(compta.id).size(), 1u);
  }
  // A pass in progress (one pack per slice) does not resolve it before it is complete.
  auto slice = maintenance.verify(tenant, now + 20, std::chrono::seconds(0), true);
  EXPECT_FALSE(slice.complete);
  engine->evaluate(now + 20);
  engine->evaluate(now + 500);
  EXPECT_EQ(open().size(), 2u);

  // The technician prunes the damaged snapshots: the pack goes with them.
  repo->prune({s1, s2}, std::chrono::seconds(0));
  EXPECT_FALSE(std::filesystem::exists(packFile(packB)));
  auto sound = maintenance.verify(tenant, now + 600, std::chrono::seconds(60), true);
  EXPECT_TRUE(sound.report.ok());
  EXPECT_TRUE(damage.forTenant(tenant).empty());
  engine->evaluate(now + 600);
  engine->evaluate(now + 600 + 121);  // the rule's clear delay
  EXPECT_TRUE(open().empty());
  kinds = queuedKinds();
  EXPECT_EQ(std::count_if(kinds.begin(), kinds.end(),
                          [](auto& k) { return k.rfind("resolved:", 0) == 0; }),
            2);
}

TEST_F(DamageAlertTest, MissingPackAlertsOnlyTheHostsThatReferenceIt) {
  auto s1 = snapshot(accueil, idsA);
  snapshot(compta, idsB);
  std::filesystem::remove(packFile(packA));
  maintenance.verify(tenant, now, std::chrono::seconds(60), true);
  // The PC has been silent for two hours (switched off, or dead): its other rules wait,
  // the damage to its backups does not.
  engine->seen(accueil.id, now - 7200);
  engine->evaluate(now);
  ASSERT_EQ(alertStore->openAlerts().size(), 2u);  // host_silent + backup_damaged
  auto alerts = open();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].hostId, accueil.id);
  EXPECT_NE(alerts[0].summary.find(packA + " manquant"), std::string::npos) << alerts[0].summary;
  EXPECT_NE(alerts[0].summary.find(s1), std::string::npos);
  // The tree blob of s1 is in pack A: its file list is gone, the snapshot is unreadable.
  EXPECT_NE(alerts[0].summary.find("sauvegarde illisible"), std::string::npos) << alerts[0].summary;
}

}  // namespace
}  // namespace parc::server::backup
