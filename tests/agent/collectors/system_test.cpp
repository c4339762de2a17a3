#include "agent/collectors/linux/system.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/agent/collectors/fixtures.h"

namespace parc::agent::collectors::linux_ {
namespace {

using testing::collectFixture;
using testing::hasWarning;
using testing::TempDir;

Json collect(const std::string& machine, std::vector<std::string>& warnings) {
  return collectFixture(*makeSystemCollector(), machine, warnings);
}

TEST(SystemCollector, Desktop) {
  std::vector<std::string> warnings;
  Json s = collect("desktop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  EXPECT_EQ(s["hostname"], "mairie-accueil-01");
  EXPECT_EQ(s["machine_id"], "4f1c2a7be0d94e4c9a3f6d1e2b8c7a10");
  EXPECT_EQ(s["sys_vendor"], "Dell Inc.");
  EXPECT_EQ(s["product_name"], "OptiPlex 3070");
  EXPECT_FALSE(s.contains("product_version"));  // "Not Specified" is an empty DMI string
  EXPECT_EQ(s["product_family"], "OptiPlex");
  EXPECT_EQ(s["product_serial"], "PARC7D3");
  EXPECT_EQ(s["product_uuid"], "4c4c4544-0050-4110-8037-b7c04f374433");
  EXPECT_EQ(s["product_sku"], "0930");
  EXPECT_EQ(s["chassis_vendor"], "Dell Inc.");
  EXPECT_EQ(s["chassis_serial"], "PARC7D3");
  EXPECT_EQ(s["chassis_asset_tag"], "MAIRIE-0042");
  EXPECT_EQ(s["chassis_type"], "Desktop");
  EXPECT_EQ(s["chassis_type_id"], 3);
  EXPECT_EQ(s["bios_vendor"], "Dell Inc.");
  EXPECT_EQ(s["bios_version"], "1.8.4");
  EXPECT_EQ(s["bios_date"], "2021-06-07");
  EXPECT_EQ(s["bios_release"], "1.8");
  EXPECT_EQ(s["board_vendor"], "Dell Inc.");
  EXPECT_EQ(s["board_name"], "0HMX8D");
  EXPECT_EQ(s["board_version"], "A01");
  EXPECT_EQ(s["board_serial"], "/PARC7D3/CNFCW0012300AB/");
  EXPECT_FALSE(s.contains("board_asset_tag"));
  EXPECT_EQ(s["firmware_type"], "uefi");
  EXPECT_EQ(s["secure_boot"], true);
  EXPECT_TRUE(s["virtualization"].is_null());
}

TEST(SystemCollector, Laptop) {
  std::vector<std::string> warnings;
  Json s = collect("laptop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  EXPECT_EQ(s["hostname"], "portable-maire");
  EXPECT_EQ(s["sys_vendor"], "LENOVO");
  EXPECT_EQ(s["product_name"], "20S0002VUS");
  EXPECT_EQ(s["product_version"], "ThinkPad T14 Gen 1");
  EXPECT_EQ(s["product_sku"], "LENOVO_MT_20S0_BU_Think_FM_ThinkPad T14 Gen 1");
  EXPECT_EQ(s["product_serial"], "PF2PARC1");
  EXPECT_EQ(s["chassis_type"], "Notebook");
  EXPECT_EQ(s["chassis_type_id"], 10);
  EXPECT_EQ(s["bios_version"], "N2XET40W (1.30 )");
  EXPECT_EQ(s["bios_date"], "2023-10-31");
  EXPECT_EQ(s["ec_firmware_release"], "1.16");
  EXPECT_EQ(s["board_version"], "SDK0J40697 WIN");
  EXPECT_EQ(s["board_serial"], "L1HF0PARC01");
  EXPECT_FALSE(s.contains("chassis_asset_tag"));
  EXPECT_EQ(s["secure_boot"], true);
}

TEST(SystemCollector, VmIsRecognisedFromDmi) {
  std::vector<std::string> warnings;
  Json s = collect("vm", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  EXPECT_EQ(s["hostname"], "srv-paie-vm");
  EXPECT_EQ(s["sys_vendor"], "QEMU");
  EXPECT_EQ(s["product_name"], "Standard PC (Q35 + ICH9, 2009)");
  EXPECT_EQ(s["product_version"], "pc-q35-8.2");
  EXPECT_EQ(s["board_vendor"], "Canonical Ltd.");
  EXPECT_EQ(s["board_name"], "LXD");
  EXPECT_EQ(s["bios_vendor"], "EDK II");
  EXPECT_EQ(s["bios_version"], "unknown");
  EXPECT_EQ(s["bios_date"], "2/2/2022");  // not mm/dd/yyyy: kept as the firmware wrote it
  EXPECT_EQ(s["chassis_type"], "Other");
  EXPECT_EQ(s["product_uuid"], "8a3f4c21-5d6e-4f70-9a1b-2c3d4e5f6071");
  EXPECT_FALSE(s.contains("product_serial"));
  EXPECT_EQ(s["virtualization"], "qemu");
  EXPECT_EQ(s["firmware_type"], "uefi");
  EXPECT_EQ(s["secure_boot"], false);
}

TEST(SystemCollector, ServerWithLegacyBios) {
  std::vector<std::string> warnings;
  Json s = collect("server", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  EXPECT_EQ(s["hostname"], "srv-fichiers");
  EXPECT_EQ(s["product_name"], "PowerEdge R330");
  EXPECT_EQ(s["product_sku"], "SKU=NotProvided;ModelName=PowerEdge R330");
  EXPECT_EQ(s["chassis_type"], "Rack Mount Chassis");
  EXPECT_EQ(s["chassis_type_id"], 23);
  EXPECT_EQ(s["board_name"], "084XW4");
  EXPECT_EQ(s["board_serial"], "..CN7016371P01AB.");
  EXPECT_EQ(s["bios_date"], "2017-08-17");
  EXPECT_EQ(s["firmware_type"], "bios");
  EXPECT_FALSE(s.contains("secure_boot"));
}

TEST(SystemCollector, UnreadableSerialGivesWarningAndTheRest) {
  TempDir t;
  t.write("proc/sys/kernel/hostname", "poste-1\n");
  t.write("sys/class/dmi/id/sys_vendor", "HP\n");
  t.write("sys/class/dmi/id/product_name", "ProDesk 400 G7\n");
  t.write("sys/class/dmi/id/chassis_type", "35\n");
  // A directory where a file is expected cannot be read: it stands in for EACCES,
  // which root (who runs the tests) never gets.
  std::filesystem::create_directories(t.path() / "sys/class/dmi/id/product_serial");
  t.write("sys/class/dmi/id/board_serial", "To Be Filled By O.E.M.\n");
  CollectContext c;
  c.roots.sys = t.path() / "sys";
  c.roots.proc = t.path() / "proc";
  c.roots.etc = t.path() / "etc";
  c.roots.live = false;
  std::vector<std::string> warnings;
  Json s = makeSystemCollector()->collect(c, warnings);
  EXPECT_EQ(s["hostname"], "poste-1");
  EXPECT_EQ(s["sys_vendor"], "HP");
  EXPECT_EQ(s["product_name"], "ProDesk 400 G7");
  EXPECT_EQ(s["chassis_type"], "Mini PC");
  EXPECT_FALSE(s.contains("product_serial"));
  EXPECT_FALSE(s.contains("board_serial"));  // placeholder, not a serial
  EXPECT_TRUE(hasWarning(warnings, "product_serial")) << ::testing::PrintToString(warnings);
  EXPECT_EQ(warnings.size(), 1u) << ::testing::PrintToString(warnings);
}

TEST(SystemCollector, NoDmiAtAll) {
  TempDir t;
  CollectContext c;
  c.roots.sys = t.path() / "sys";
  c.roots.proc = t.path() / "proc";
  c.roots.etc = t.path() / "etc";
  c.roots.live = false;
  std::vector<std::string> warnings;
  Json s = makeSystemCollector()->collect(c, warnings);
  EXPECT_FALSE(s.contains("hostname"));
  EXPECT_FALSE(s.contains("sys_vendor"));
  EXPECT_TRUE(hasWarning(warnings, "no DMI data"));
  EXPECT_TRUE(hasWarning(warnings, "host name unknown"));
}

TEST(SystemHelpers, ChassisTypeNames) {
  EXPECT_EQ(chassisTypeName(3), "Desktop");
  EXPECT_EQ(chassisTypeName(9), "Laptop");
  EXPECT_EQ(chassisTypeName(10), "Notebook");
  EXPECT_EQ(chassisTypeName(0x80 | 10), "Notebook");  // lock bit
  EXPECT_EQ(chassisTypeName(36), "Stick PC");
  EXPECT_EQ(chassisTypeName(37), "Unknown");
  EXPECT_EQ(chassisTypeName(0), "Unknown");
}

TEST(SystemHelpers, DatesAndPlaceholders) {
  EXPECT_EQ(isoDateFromDmi("06/07/2021"), "2021-06-07");
  EXPECT_EQ(isoDateFromDmi("12/31/99"), "1999-12-31");
  EXPECT_EQ(isoDateFromDmi("2/2/2022"), std::nullopt);
  EXPECT_EQ(isoDateFromDmi("2021-06-07"), std::nullopt);
  EXPECT_TRUE(isPlaceholder("To Be Filled By O.E.M."));
  EXPECT_TRUE(isPlaceholder("Default string"));
  EXPECT_TRUE(isPlaceholder("00000000-0000-0000-0000-000000000000"));
  EXPECT_TRUE(isPlaceholder("   "));
  EXPECT_FALSE(isPlaceholder("PF2PARC1"));
  EXPECT_EQ(parseEfiBoolVariable(std::string("\x06\0\0\0\x01", 5)), true);
  EXPECT_EQ(parseEfiBoolVariable(std::string("\x06\0\0\0\x00", 5)), false);
  EXPECT_EQ(parseEfiBoolVariable(std::string("\x06\0", 2)), std::nullopt);
  EXPECT_EQ(virtualizationFromDmi("VMware, Inc.", "VMware Virtual Platform"), "vmware");
  EXPECT_EQ(virtualizationFromDmi("innotek GmbH", "VirtualBox"), "virtualbox");
  EXPECT_EQ(virtualizationFromDmi("Microsoft Corporation", "Virtual Machine"), "hyperv");
  EXPECT_EQ(virtualizationFromDmi("Red Hat", "KVM"), "kvm");
  EXPECT_EQ(virtualizationFromDmi("Microsoft Corporation", "Surface Book 2"), std::nullopt);
  EXPECT_EQ(virtualizationFromDmi("Dell Inc.", "OptiPlex 3070"), std::nullopt);
}

}  // namespace
}  // namespace parc::agent::collectors::linux_
