// The comparison that tells one PC from another (common/protocol/hardware.h).
#include "common/protocol/hardware.h"

#include <gtest/gtest.h>

namespace parc::protocol {
namespace {

Json desktop() {
  return Json{{"product_uuid", "4C4C4544-0050-4110-8037-B7C04F374433"},
              {"product_serial", "PARC7D3"},
              {"board_serial", "/PARC7D3/CNFCW0012300AB/"},
              {"machine_id", "4f1c2a7be0d94e4c9a3f6d1e2b8c7a10"},
              {"hostname", "mairie-accueil"}};
}

TEST(HardwareFingerprint, ReadsTheSystemSectionAndRoundTrips) {
  auto fp = HardwareFingerprint::fromSystem(desktop());
  EXPECT_EQ(fp.uuid, "4c4c4544-0050-4110-8037-b7c04f374433");  // case does not count
  EXPECT_EQ(fp.productSerial, "PARC7D3");
  EXPECT_EQ(fp.boardSerial, "/PARC7D3/CNFCW0012300AB/");
  EXPECT_EQ(fp.machineId, "4f1c2a7be0d94e4c9a3f6d1e2b8c7a10");
  EXPECT_TRUE(fp.comparable());
  EXPECT_EQ(HardwareFingerprint::fromJson(fp.toJson()), fp);
}

TEST(HardwareFingerprint, TheSameMachineHasNoDifferenceWhateverItsNameOrSystem) {
  Json again = desktop();
  again["product_uuid"] = "4c4c4544-0050-4110-8037-b7c04f374433";
  again["machine_id"] = "00000000000000000000000000000001";  // reinstalled: not compared
  again["hostname"] = "autre-nom";
  EXPECT_TRUE(hardwareDifferences(HardwareFingerprint::fromSystem(desktop()),
                                  HardwareFingerprint::fromSystem(again))
                  .empty());
}

TEST(HardwareFingerprint, AnotherUuidOrSerialIsAnotherMachine) {
  auto recorded = HardwareFingerprint::fromSystem(desktop());
  Json clone = desktop();
  clone["product_uuid"] = "1d0a3f6c-2b7e-11b2-a85c-f2d8c1e0b3a4";
  auto d = hardwareDifferences(recorded, HardwareFingerprint::fromSystem(clone));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].field, "uuid");
  EXPECT_EQ(describeDifferences(d),
            "UUID 4c4c4544-0050-4110-8037-b7c04f374433 ≠ 1d0a3f6c-2b7e-11b2-a85c-f2d8c1e0b3a4");

  Json board = desktop();
  board["board_serial"] = "NEWBOARD01";  // motherboard replaced, UUID kept by the vendor
  d = hardwareDifferences(recorded, HardwareFingerprint::fromSystem(board));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].field, "board_serial");

  Json serial = desktop();
  serial["product_serial"] = "OTHER1";
  EXPECT_EQ(hardwareDifferences(recorded, HardwareFingerprint::fromSystem(serial)).size(), 1u);
}

TEST(HardwareFingerprint, UnknownFieldsProveNothing) {
  auto recorded = HardwareFingerprint::fromSystem(desktop());
  // An agent not running as root reads neither the UUID nor the serials.
  Json unprivileged{{"machine_id", "4f1c2a7be0d94e4c9a3f6d1e2b8c7a10"}};
  auto current = HardwareFingerprint::fromSystem(unprivileged);
  EXPECT_FALSE(current.comparable());
  EXPECT_TRUE(hardwareDifferences(recorded, current).empty());
  EXPECT_TRUE(hardwareDifferences(HardwareFingerprint{}, recorded).empty());
  // Only the UUID known on one side: compared on the UUID alone.
  HardwareFingerprint uuidOnly;
  uuidOnly.uuid = recorded.uuid;
  EXPECT_TRUE(hardwareDifferences(uuidOnly, recorded).empty());
  uuidOnly.uuid = "8a3f4c21-5d6e-4f70-9a1b-2c3d4e5f6071";
  EXPECT_EQ(hardwareDifferences(uuidOnly, recorded).size(), 1u);
}

TEST(HardwareFingerprint, CompletingFillsOnlyWhatIsUnknown) {
  HardwareFingerprint partial;
  partial.uuid = "abc";
  auto full = HardwareFingerprint::fromSystem(desktop());
  EXPECT_TRUE(completeFingerprint(partial, full));
  EXPECT_EQ(partial.uuid, "abc");
  EXPECT_EQ(partial.productSerial, "PARC7D3");
  EXPECT_FALSE(completeFingerprint(partial, full));
}

TEST(HardwareFingerprint, UntrustedJsonIsBoundedAndTyped) {
  Json j{{"uuid", 42},
         {"product_serial", std::string(500, 'x')},
         {"board_serial", "  B1  "},
         {"machine_id", Json::array()}};
  auto fp = HardwareFingerprint::fromJson(j);
  EXPECT_EQ(fp.uuid, "");
  EXPECT_EQ(fp.productSerial, "");
  EXPECT_EQ(fp.boardSerial, "B1");
  EXPECT_EQ(fp.machineId, "");
  EXPECT_FALSE(HardwareFingerprint::fromJson(Json("not an object")).comparable());
}

}  // namespace
}  // namespace parc::protocol
