// Values as technicians read them in change summaries.
#include "server/inventory/format.h"

#include <gtest/gtest.h>

namespace parc::server::inventory {
namespace {

TEST(Format, BytesInBinaryUnitsWithOneDecimal) {
  EXPECT_EQ(formatBytes(0), "0 o");
  EXPECT_EQ(formatBytes(800), "800 o");
  EXPECT_EQ(formatBytes(1024), "1 Kio");
  EXPECT_EQ(formatBytes(536870912), "512 Mio");
  EXPECT_EQ(formatBytes(8589934592.0), "8 Gio");
  EXPECT_EQ(formatBytes(16608563200.0), "15,5 Gio");  // MemTotal of the desktop
  EXPECT_EQ(formatBytes(4000787030016.0), "3,6 Tio");
  EXPECT_EQ(formatBytes(1023.96 * 1024), "1 Mio");  // not "1024 Kio"
}

TEST(Format, NumbersWithFrenchComma) {
  EXPECT_EQ(formatNumber(24.0), "24");
  EXPECT_EQ(formatNumber(43.21), "43,21");
  EXPECT_EQ(formatNumber(85.6), "85,6");
  EXPECT_EQ(formatNumber(-3.5), "-3,5");
  EXPECT_EQ(formatNumber(-0.001), "0");
}

TEST(Format, ValuesByKeySuffix) {
  EXPECT_EQ(formatValue("memory.total_bytes", Json(17179869184LL)), "16 Gio");
  EXPECT_EQ(formatValue("cpu.max_mhz", Json(4700)), "4700 MHz");
  EXPECT_EQ(formatValue("cpu.current_mhz", Json(4006.139)), "4006,14 MHz");
  EXPECT_EQ(formatValue("memory.modules[].speed_mts", Json(2666)), "2666 MT/s");
  EXPECT_EQ(formatValue("batteries[].full_capacity_wh", Json(43.21)), "43,21 Wh");
  EXPECT_EQ(formatValue("storage.disks[].smart.temperature_celsius", Json(41)), "41 °C");
  EXPECT_EQ(formatValue("batteries[].health_percent", Json(85.6)), "85,6 %");
  EXPECT_EQ(formatValue("memory.modules[].configured_voltage_mv", Json(1200)), "1200 mV");
  EXPECT_EQ(formatValue("batteries[].voltage_design_v", Json(15.44)), "15,44 V");
  EXPECT_EQ(formatValue("monitors[].diagonal_inches", Json(24.0)), "24 pouces");
  EXPECT_EQ(formatValue("cpu.cores", Json(8)), "8");
  EXPECT_EQ(formatValue("system.secure_boot", Json(true)), "oui");
  EXPECT_EQ(formatValue("system.secure_boot", Json(false)), "non");
  EXPECT_EQ(formatValue("system.virtualization", Json()), "—");
  EXPECT_EQ(formatValue("system.hostname", Json("mairie-01")), "mairie-01");
}

TEST(Format, ListsInline) {
  EXPECT_EQ(formatValue("users.groups[].members", Json::array({"accueil", "secretariat"})),
            "accueil, secretariat");
  EXPECT_EQ(formatValue("users.groups[].members", Json::array()), "aucun");
  Json partitions =
      Json::array({{{"name", "sda1"}, {"size_bytes", 536870912}}, {{"name", "sda2"}}});
  EXPECT_EQ(formatValue("storage.disks[].partitions", partitions), "sda1 (512 Mio), sda2");
  Json addresses =
      Json::array({{{"family", "ipv4"}, {"address", "192.168.1.10"}, {"prefix_length", 24}},
                   {{"family", "ipv6"}, {"address", "fe80::1"}}});
  EXPECT_EQ(formatValue("network[].addresses", addresses), "192.168.1.10/24, fe80::1");
  EXPECT_EQ(formatValue("x", Json::array({Json::object({{"k", 1}})})), "{\"k\":1}");
}

}  // namespace
}  // namespace parc::server::inventory
