// The agent's half of cloned-PC detection (agent/service/clone_guard.h), on the recorded
// machine trees of tests/fixtures/machines.
#include "agent/service/clone_guard.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "agent/service/system_root.h"
#include "common/files/files.h"

namespace parc::agent::service {
namespace {

namespace fs = std::filesystem;

fs::path machine(const std::string& name) {
  return fs::path(PARC_SOURCE_DIR) / "tests/fixtures/machines" / name;
}

class CloneGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "parc-clone-guard-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  Json recordedFile() { return parseJson(files::tryRead(dir_ / "hardware.json").value_or("{}")); }
  static Json systemOf(const std::string& name) {
    return systemSection(systemContext(machine(name)));
  }

  fs::path dir_;
};

TEST_F(CloneGuardTest, RecordsTheFirstMachineAndStaysQuietOnIt) {
  CloneGuard guard(dir_, machine("desktop"));
  EXPECT_FALSE(guard.suspected());
  EXPECT_EQ(recordedFile()["recorded"]["uuid"], "4c4c4544-0050-4110-8037-b7c04f374433");
  EXPECT_EQ(recordedFile()["recorded"]["product_serial"], "PARC7D3");
  Json payload = Json::object();
  guard.annotate(payload, Json{{"system", systemOf("desktop")}});
  EXPECT_FALSE(payload.contains("clone_suspected"));
  // Restarted on the same machine: still itself.
  CloneGuard again(dir_, machine("desktop"));
  EXPECT_FALSE(again.suspected());
}

TEST_F(CloneGuardTest, ACopyOnOtherHardwareFlagsEveryInventoryAndKeepsTheRecord) {
  { CloneGuard original(dir_, machine("desktop")); }
  std::string before = *files::tryRead(dir_ / "hardware.json");
  CloneGuard copy(dir_, machine("laptop"));  // the data directory was imaged onto a laptop
  EXPECT_TRUE(copy.suspected());
  for (int run = 0; run < 2; ++run) {
    Json payload = Json::object();
    copy.annotate(payload, Json{{"system", systemOf("laptop")}});
    ASSERT_TRUE(payload.contains("clone_suspected"));
    EXPECT_EQ(payload["clone_suspected"]["recorded"]["uuid"],
              "4c4c4544-0050-4110-8037-b7c04f374433");
    EXPECT_EQ(payload["clone_suspected"]["current"]["uuid"],
              "1d0a3f6c-2b7e-11b2-a85c-f2d8c1e0b3a4");
    EXPECT_EQ(payload["clone_suspected"]["current"]["product_serial"], "PF2PARC1");
  }
  EXPECT_EQ(*files::tryRead(dir_ / "hardware.json"), before);  // never overwritten by itself
}

TEST_F(CloneGuardTest, OnlyTheServersAcceptanceOfThisHardwareIsRecorded) {
  { CloneGuard original(dir_, machine("desktop")); }
  CloneGuard copy(dir_, machine("laptop"));
  Json desktop = protocol::HardwareFingerprint::fromSystem(systemOf("desktop")).toJson();
  Json laptop = protocol::HardwareFingerprint::fromSystem(systemOf("laptop")).toJson();
  EXPECT_FALSE(copy.configured(Json{{"inventory_interval", 3600}}));
  EXPECT_FALSE(copy.configured(Json{{"accepted_hardware", desktop}}));  // not this machine
  EXPECT_TRUE(copy.suspected());
  EXPECT_FALSE(copy.takeFullInventoryDue());

  EXPECT_TRUE(copy.configured(Json{{"accepted_hardware", laptop}}));
  EXPECT_FALSE(copy.suspected());
  EXPECT_EQ(recordedFile()["recorded"]["uuid"], "1d0a3f6c-2b7e-11b2-a85c-f2d8c1e0b3a4");
  EXPECT_FALSE(copy.configured(Json{{"accepted_hardware", laptop}}));  // once
  // The full inventory that follows survives a restart until it is taken.
  CloneGuard restarted(dir_, machine("laptop"));
  EXPECT_FALSE(restarted.suspected());
  EXPECT_TRUE(restarted.takeFullInventoryDue());
  EXPECT_FALSE(restarted.takeFullInventoryDue());

  // The original PC, hearing the same settings, is now the other machine.
  CloneGuard original(dir_, machine("desktop"));
  EXPECT_TRUE(original.suspected());
  EXPECT_FALSE(original.configured(Json{{"accepted_hardware", laptop}}));
}

TEST_F(CloneGuardTest, ADamagedRecordIsNotReplacedByWhicheverMachineComesNext) {
  files::writeAtomic(dir_ / "hardware.json", "{not json", 0600);
  CloneGuard guard(dir_, machine("laptop"));
  EXPECT_FALSE(guard.suspected());
  EXPECT_EQ(*files::tryRead(dir_ / "hardware.json"), "{not json");
}

}  // namespace
}  // namespace parc::agent::service
