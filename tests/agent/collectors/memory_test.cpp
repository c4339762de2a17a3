#include "agent/collectors/linux/memory.h"

#include <gtest/gtest.h>

#include "tests/agent/collectors/fixtures.h"

namespace parc::agent::collectors::linux_ {
namespace {

using testing::collectFixture;
using testing::hasWarning;
using testing::TempDir;

constexpr std::int64_t kKiB = 1024;
constexpr std::int64_t kGiB = 1024 * 1024 * 1024;

TEST(MemoryCollector, DesktopTotalsAndModules) {
  std::vector<std::string> warnings;
  Json m = collectFixture(*makeMemoryCollector(), "desktop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  EXPECT_EQ(m["total_bytes"], 16219300 * kKiB);
  EXPECT_EQ(m["available_bytes"], 13012876 * kKiB);
  EXPECT_EQ(m["free_bytes"], 9876544 * kKiB);
  EXPECT_EQ(m["swap_total_bytes"], 2097148 * kKiB);
  EXPECT_EQ(m["swap_free_bytes"], 2097148 * kKiB);
  EXPECT_EQ(m["slots_total"], 2);
  EXPECT_EQ(m["slots_used"], 1);
  ASSERT_EQ(m["modules"].size(), 2u);
  const Json& d1 = m["modules"][0];
  EXPECT_EQ(d1["locator"], "DIMM1");
  EXPECT_FALSE(d1.contains("bank_locator"));
  EXPECT_EQ(d1["populated"], true);
  EXPECT_EQ(d1["size_bytes"], 16 * kGiB);
  EXPECT_EQ(d1["form_factor"], "DIMM");
  EXPECT_EQ(d1["type"], "DDR4");
  EXPECT_EQ(d1["total_width_bits"], 64);
  EXPECT_EQ(d1["data_width_bits"], 64);
  EXPECT_EQ(d1["speed_mts"], 2666);
  EXPECT_EQ(d1["configured_speed_mts"], 2666);
  EXPECT_EQ(d1["manufacturer"], "SK Hynix");
  EXPECT_EQ(d1["manufacturer_jedec_id"], "80AD000080AD");
  EXPECT_EQ(d1["serial_number"], "2E3A1B7C");
  EXPECT_EQ(d1["part_number"], "HMA82GU6DJR8N-VK");  // trailing blanks removed
  EXPECT_EQ(d1["rank"], 2);
  EXPECT_EQ(d1["configured_voltage_mv"], 1200);
  const Json& d2 = m["modules"][1];
  EXPECT_EQ(d2["locator"], "DIMM2");
  EXPECT_EQ(d2["populated"], false);
  EXPECT_FALSE(d2.contains("size_bytes"));
  EXPECT_FALSE(d2.contains("type"));
}

TEST(MemoryCollector, LaptopSmbios32Module) {
  std::vector<std::string> warnings;
  Json m = collectFixture(*makeMemoryCollector(), "laptop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  ASSERT_EQ(m["modules"].size(), 2u);
  const Json& d = m["modules"][0];
  EXPECT_EQ(d["locator"], "ChannelA-DIMM0");
  EXPECT_EQ(d["bank_locator"], "BANK 0");
  EXPECT_EQ(d["form_factor"], "SODIMM");
  EXPECT_EQ(d["size_bytes"], 16 * kGiB);
  EXPECT_EQ(d["manufacturer"], "SK Hynix");
  EXPECT_FALSE(d.contains("manufacturer_jedec_id"));  // the firmware wrote the name
  EXPECT_EQ(d["speed_mts"], 3200);
  EXPECT_EQ(d["configured_speed_mts"], 2667);
  EXPECT_EQ(d["part_number"], "HMAB2GS6AMR6N-XN");
  EXPECT_EQ(m["modules"][1]["bank_locator"], "BANK 2");
  EXPECT_EQ(m["slots_used"], 1);
}

TEST(MemoryCollector, ServerEccModuleAndEmptySlots) {
  std::vector<std::string> warnings;
  Json m = collectFixture(*makeMemoryCollector(), "server", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  EXPECT_EQ(m["total_bytes"], 8024400 * kKiB);
  EXPECT_EQ(m["swap_total_bytes"], 0);
  EXPECT_EQ(m["slots_total"], 4);
  EXPECT_EQ(m["slots_used"], 1);
  ASSERT_EQ(m["modules"].size(), 4u);
  EXPECT_EQ(m["modules"][0]["size_bytes"], 8 * kGiB);
  EXPECT_EQ(m["modules"][0]["total_width_bits"], 72);  // 8 ECC bits
  EXPECT_EQ(m["modules"][0]["manufacturer"], "SK Hynix");
  EXPECT_EQ(m["modules"][0]["serial_number"], "1F2E3D4C");
  EXPECT_EQ(m["modules"][3]["locator"], "A4");
}

TEST(MemoryCollector, VmModuleWithoutSpeed) {
  std::vector<std::string> warnings;
  Json m = collectFixture(*makeMemoryCollector(), "vm", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  EXPECT_EQ(m["total_bytes"], 24684096 * kKiB);  // captured from the build machine
  ASSERT_EQ(m["modules"].size(), 1u);
  EXPECT_EQ(m["modules"][0]["type"], "RAM");
  EXPECT_EQ(m["modules"][0]["manufacturer"], "QEMU");
  EXPECT_EQ(m["modules"][0]["size_bytes"], 4 * kGiB);
  EXPECT_FALSE(m["modules"][0].contains("speed_mts"));
  EXPECT_FALSE(m["modules"][0].contains("total_width_bits"));
}

TEST(MemoryCollector, GarbageSmbiosGivesTotalsAndWarning) {
  TempDir t;
  t.write("proc/meminfo", "MemTotal:        1000 kB\nMemAvailable:     500 kB\n");
  t.write("sys/firmware/dmi/tables/DMI", std::string("\x11\x02\x00\x00garbage", 11));
  CollectContext c;
  c.roots.proc = t.path() / "proc";
  c.roots.sys = t.path() / "sys";
  c.roots.live = false;
  std::vector<std::string> warnings;
  Json m = makeMemoryCollector()->collect(c, warnings);
  EXPECT_EQ(m["total_bytes"], 1000 * kKiB);
  EXPECT_EQ(m["available_bytes"], 500 * kKiB);
  EXPECT_EQ(m["modules"].size(), 0u);
  EXPECT_TRUE(hasWarning(warnings, "invalid length")) << ::testing::PrintToString(warnings);
}

TEST(MemoryCollector, NoMeminfoWarns) {
  TempDir t;
  CollectContext c;
  c.roots.proc = t.path();
  c.roots.sys = t.path();
  c.roots.live = false;
  std::vector<std::string> warnings;
  Json m = makeMemoryCollector()->collect(c, warnings);
  EXPECT_FALSE(m.contains("total_bytes"));
  EXPECT_TRUE(hasWarning(warnings, "meminfo"));
}

TEST(MemoryParsers, Meminfo) {
  auto m = parseMeminfo(
      "MemTotal:       16318480 kB\nHugePages_Total:       0\nbad line\n"
      "Weird:     x kB\n");
  EXPECT_EQ(m["MemTotal"], 16318480 * kKiB);
  EXPECT_EQ(m["HugePages_Total"], 0);
  EXPECT_EQ(m.count("Weird"), 0u);
}

// tests/fuzz/crashes/meminfo-kb-overflow.txt: kB × 1024 past INT64_MAX was signed overflow.
TEST(MemoryParsers, MeminfoValueTooLargeIsLeftOutWithAWarning) {
  std::vector<std::string> warnings;
  auto m =
      parseMeminfo("MemTotal:       9007199254740993 kB\nMemFree: 9007199254740991 kB\n", warnings);
  EXPECT_EQ(m.count("MemTotal"), 0u);
  EXPECT_EQ(m["MemFree"], 9007199254740991 * kKiB);  // INT64_MAX / 1024 still fits
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("MemTotal"), std::string::npos);
}

TEST(MemoryParsers, TypeAndFormFactorNames) {
  EXPECT_EQ(memoryTypeName(0x1A), "DDR4");
  EXPECT_EQ(memoryTypeName(0x22), "DDR5");
  EXPECT_EQ(memoryTypeName(0x23), "LPDDR5");
  EXPECT_EQ(memoryTypeName(0x14), "DDR2 FB-DIMM");
  EXPECT_EQ(memoryTypeName(0x16), "Unknown");  // reserved
  EXPECT_EQ(memoryTypeName(0xFF), "Unknown");
  EXPECT_EQ(memoryFormFactorName(0x0D), "SODIMM");
  EXPECT_EQ(memoryFormFactorName(0x09), "DIMM");
  EXPECT_EQ(memoryFormFactorName(0x40), "Unknown");
}

}  // namespace
}  // namespace parc::agent::collectors::linux_
