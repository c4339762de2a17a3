// The server's store keeps a host's hardware and keeps other machines' inventories
// aside (docs/inventory.md, "Cloned PCs").
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/json/json.h"
#include "common/protocol/messages.h"
#include "common/sqlite/database.h"
#include "server/store/sqlite/sqlite_store.h"

namespace parc::server::store {
namespace {

Json system(const std::string& uuid, const std::string& serial) {
  return Json{{"product_uuid", uuid},
              {"product_serial", serial},
              {"board_serial", "B-" + serial},
              {"hostname", "pc-" + serial}};
}

class CloneStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("parc-clone-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::make_unique<SqliteStore>(dir_ / "parc.db");
    auto tenant = store_->createTenant("Mairie de Rodez", "12202", 1000);
    EnrollmentToken t;
    t.tenantId = tenant.id;
    t.prefix = "parc_enr_abc";
    t.createdAt = 1000;
    t.expiresAt = 99999;
    t.maxUses = 1;
    store_->createToken(t, "hash");
    auto outcome =
        store_->enrollHost("hash", 1000, NewHost{"uid-1", "pc", "dev", "fp", "01", 99999});
    hostId_ = outcome.host->id;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  MessageOutcome send(const std::string& id, const Json& sys, Time at, const std::string& flag = "",
                      const Json& extra = Json::object()) {
    Json doc = extra;
    doc["system"] = sys;
    InventoryWrite w;
    w.hostId = hostId_;
    w.messageId = id;
    w.document = protocol::canonical(doc);
    w.hash = "h-" + id;
    w.agentHash = "a-" + id;
    w.hostname = sys.value("hostname", "");
    w.serial = sys.value("product_serial", "");
    w.receivedAt = at;
    w.cloneFlag = flag;
    w.source = "192.0.2.7";
    IncomingMessage m{id, "inventory", at, "", w};
    return store_->storeMessages(hostId_, {m}, at).at(0);
  }

  Json view() { return parseJson(*store_->hostInventory(hostId_)); }

  std::filesystem::path dir_;
  std::unique_ptr<SqliteStore> store_;
  Id hostId_ = 0;
};

TEST_F(CloneStore, FirstInventorySetsTheFingerprintAndTheSameHardwareMerges) {
  EXPECT_EQ(send("m1", system("uuid-a", "SA"), 2000), MessageOutcome::kStored);
  auto host = *store_->findHost(hostId_);
  EXPECT_EQ(parseJson(host.hardwareFingerprint)["uuid"], "uuid-a");
  EXPECT_FALSE(host.cloneSuspected);
  // A legitimate re-inventory of the same PC: merged, recorded as a change.
  EXPECT_EQ(send("m2", system("uuid-a", "SA"), 2100, "", Json{{"os", {{"name", "Debian"}}}}),
            MessageOutcome::kStored);
  EXPECT_TRUE(view().contains("os"));
  EXPECT_FALSE(store_->findHost(hostId_)->cloneSuspected);
  EXPECT_TRUE(store_->listCloneReports(hostId_, 10).empty());
}

TEST_F(CloneStore, OtherHardwareIsKeptAsideNotMergedAndFlaggedOnce) {
  ASSERT_EQ(send("m1", system("uuid-a", "SA"), 2000), MessageOutcome::kStored);
  auto before = view();
  EXPECT_EQ(send("c1", system("uuid-b", "SB"), 2100, "", Json{{"software", Json::array()}}),
            MessageOutcome::kCloneDetected);
  EXPECT_EQ(view(), before);  // nothing merged
  auto host = *store_->findHost(hostId_);
  EXPECT_TRUE(host.cloneSuspected);
  EXPECT_EQ(host.hostname, "pc-SA");  // the summary is the first PC's
  EXPECT_EQ(host.serial, "SA");

  // Again from the same copy: one report, counted; a duplicate is a duplicate.
  EXPECT_EQ(send("c2", system("uuid-b", "SB"), 2200), MessageOutcome::kCloneReported);
  EXPECT_EQ(send("c2", system("uuid-b", "SB"), 2200), MessageOutcome::kDuplicate);
  auto reports = store_->listCloneReports(hostId_, 10);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].reports, 2);
  EXPECT_EQ(reports[0].firstAt, 2100);
  EXPECT_EQ(reports[0].receivedAt, 2200);
  EXPECT_EQ(reports[0].source, "192.0.2.7");
  EXPECT_EQ(parseJson(reports[0].current)["uuid"], "uuid-b");
  EXPECT_EQ(parseJson(reports[0].recorded)["uuid"], "uuid-a");
  EXPECT_NE(reports[0].reason.find("UUID uuid-a ≠ uuid-b"), std::string::npos);
  EXPECT_TRUE(parseJson(reports[0].document).contains("system"));

  // One history line, in French.
  auto history = store_->listInventoryChanges(hostId_, 10, 0);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].kind, "clone_suspected");
  EXPECT_EQ(
      history[0].summary.rfind("Clone suspecté : matériel différent (UUID uuid-a ≠ uuid-b", 0), 0u)
      << history[0].summary;

  // The first PC goes on reporting normally meanwhile.
  EXPECT_EQ(send("m3", system("uuid-a", "SA"), 2300, "", Json{{"os", {{"name", "Debian"}}}}),
            MessageOutcome::kStored);
  EXPECT_TRUE(view().contains("os"));

  // A third machine is a second report.
  EXPECT_EQ(send("d1", system("uuid-c", "SC"), 2400), MessageOutcome::kCloneDetected);
  EXPECT_EQ(store_->listCloneReports(hostId_, 10).size(), 2u);
}

TEST_F(CloneStore, TheAgentsOwnFlagKeepsACopyAsideEvenBeforeAnyFingerprint) {
  // The copy reports first: it must not become the host's hardware.
  std::string flag = protocol::canonical(
      Json{{"recorded", {{"uuid", "uuid-a"}}}, {"current", {{"uuid", "uuid-b"}}}});
  EXPECT_EQ(send("c1", system("uuid-b", "SB"), 2000, flag), MessageOutcome::kCloneDetected);
  EXPECT_FALSE(store_->hostInventory(hostId_).has_value());
  EXPECT_EQ(store_->findHost(hostId_)->hardwareFingerprint, "");
  auto reports = store_->listCloneReports(hostId_, 10);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(reports[0].reason.find("l'agent signale"), std::string::npos);
  EXPECT_EQ(parseJson(reports[0].agentFlag)["current"]["uuid"], "uuid-b");
  // The original then sets the fingerprint.
  EXPECT_EQ(send("m1", system("uuid-a", "SA"), 2100), MessageOutcome::kStored);
  EXPECT_EQ(parseJson(store_->findHost(hostId_)->hardwareFingerprint)["uuid"], "uuid-a");
}

TEST_F(CloneStore, AcceptingNewHardwareMakesItTheHostsAndDismissesTheOthers) {
  ASSERT_EQ(send("m1", system("uuid-a", "SA"), 2000), MessageOutcome::kStored);
  EXPECT_FALSE(store_->acceptHardware(hostId_, std::nullopt, 2050, "admin"));  // nothing to accept
  ASSERT_EQ(send("c1", system("uuid-b", "SB"), 2100), MessageOutcome::kCloneDetected);
  ASSERT_EQ(send("d1", system("uuid-c", "SC"), 2150), MessageOutcome::kCloneDetected);
  auto reports = store_->listCloneReports(hostId_, 10);
  Id reportB = reports[1].id;                                          // newest first
  EXPECT_FALSE(store_->acceptHardware(hostId_, 9999, 2200, "admin"));  // not this host's
  auto accepted = store_->acceptHardware(hostId_, reportB, 2200, "admin");
  ASSERT_TRUE(accepted);
  EXPECT_EQ(parseJson(*accepted)["uuid"], "uuid-b");
  auto host = *store_->findHost(hostId_);
  EXPECT_FALSE(host.cloneSuspected);
  EXPECT_EQ(parseJson(host.hardwareFingerprint)["uuid"], "uuid-b");
  reports = store_->listCloneReports(hostId_, 10);
  for (const auto& r : reports) {
    EXPECT_TRUE(r.resolvedAt.has_value());
    EXPECT_EQ(r.resolution, r.id == reportB ? "accepted" : "dismissed");
  }
  auto history = store_->listInventoryChanges(hostId_, 1, 0);
  EXPECT_EQ(history.at(0).kind, "hardware_accepted");
  EXPECT_NE(history.at(0).summary.find("accepté par admin"), std::string::npos);

  // The new hardware now merges, even while its agent still flags (it has not heard yet).
  std::string flag = protocol::canonical(
      Json{{"recorded", {{"uuid", "uuid-a"}}}, {"current", {{"uuid", "uuid-b"}}}});
  EXPECT_EQ(send("c2", system("uuid-b", "SB"), 2300, flag), MessageOutcome::kStored);
  EXPECT_EQ(store_->findHost(hostId_)->serial, "SB");
  // The old hardware, still reporting, is now the one kept aside.
  EXPECT_EQ(send("m2", system("uuid-a", "SA"), 2400), MessageOutcome::kCloneDetected);
  EXPECT_TRUE(store_->findHost(hostId_)->cloneSuspected);
}

TEST_F(CloneStore, HostsInventoriedBeforeFingerprintsAreComparedWithTheirStoredView) {
  ASSERT_EQ(send("m1", system("uuid-a", "SA"), 2000), MessageOutcome::kStored);
  // As if migrated from before migration 7: no fingerprint column value yet.
  store_.reset();
  {
    auto db = sqlite::Database::open(dir_ / "parc.db");
    db.exec("UPDATE hosts SET hw_fingerprint = ''");
  }
  store_ = std::make_unique<SqliteStore>(dir_ / "parc.db");
  EXPECT_EQ(send("c1", system("uuid-b", "SB"), 2100), MessageOutcome::kCloneDetected);
  EXPECT_EQ(send("m2", system("uuid-a", "SA"), 2200), MessageOutcome::kStored);
  EXPECT_EQ(parseJson(store_->findHost(hostId_)->hardwareFingerprint)["uuid"], "uuid-a");
}

TEST_F(CloneStore, AnInventoryWithoutReadableIdentityIsNotAClone) {
  ASSERT_EQ(send("m1", system("uuid-a", "SA"), 2000), MessageOutcome::kStored);
  // The agent run without root: no UUID, no serials. Nothing proves another machine.
  EXPECT_EQ(send("m2", Json{{"hostname", "pc-SA"}}, 2100), MessageOutcome::kStored);
  EXPECT_FALSE(store_->findHost(hostId_)->cloneSuspected);
}

}  // namespace
}  // namespace parc::server::store
