#include "agent/collectors/linux/devices.h"

#include <gtest/gtest.h>

#include "agent/collectors/linux/ids.h"
#include "agent/collectors/linux/network.h"
#include "tests/agent/collectors/fixtures.h"

namespace parc::agent::collectors::linux_ {
namespace {

using testing::collectFixture;
using testing::fixtureContext;
using testing::hasWarning;

TEST(PciCollector, DesktopWithNames) {
  std::vector<std::string> warnings;
  Json p = collectFixture(*makePciCollector(), "desktop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  ASSERT_EQ(p.size(), 5u);
  const Json& gpu = p[1];
  EXPECT_EQ(gpu["slot"], "0000:00:02.0");
  EXPECT_EQ(gpu["vendor_id"], "8086");
  EXPECT_EQ(gpu["device_id"], "3e98");
  EXPECT_EQ(gpu["subsystem_vendor_id"], "1028");
  EXPECT_EQ(gpu["subsystem_device_id"], "0930");
  EXPECT_EQ(gpu["class_id"], "0300");
  EXPECT_EQ(gpu["revision"], "02");
  EXPECT_EQ(gpu["driver"], "i915");
  EXPECT_EQ(gpu["vendor_name"], "Intel Corporation");
  EXPECT_EQ(gpu["device_name"], "CoffeeLake-S GT2 [UHD Graphics 630]");
  EXPECT_EQ(gpu["class_name"], "Display controller");
  EXPECT_EQ(gpu["subclass_name"], "VGA compatible controller");
  EXPECT_FALSE(p[0].contains("driver"));  // host bridge: no driver bound
  EXPECT_EQ(p[4]["device_name"], "Ethernet Connection (7) I219-V");
}

TEST(PciCollector, UnknownVendorHasNoName) {
  std::vector<std::string> warnings;
  Json p = collectFixture(*makePciCollector(), "vm", warnings);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0]["vendor_id"], "1234");  // QEMU's VGA id is in no database
  EXPECT_FALSE(p[0].contains("vendor_name"));
  EXPECT_EQ(p[0]["driver"], "bochs-drm");
  EXPECT_EQ(p[1]["device_name"], "Virtio 1.0 network device");
  EXPECT_EQ(p[1]["vendor_name"], "Red Hat, Inc.");
}

TEST(PciCollector, NoIdsFileWarnsOnce) {
  CollectContext c = fixtureContext("server");
  c.roots.usrShare = "/nonexistent";
  std::vector<std::string> warnings;
  Json p = makePciCollector()->collect(c, warnings);
  EXPECT_EQ(p.size(), 7u);
  EXPECT_FALSE(p[0].contains("vendor_name"));
  EXPECT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(hasWarning(warnings, "pci.ids"));
}

TEST(UsbCollector, DesktopDevicesWithoutHubsAndInterfaces) {
  std::vector<std::string> warnings;
  Json u = collectFixture(*makeUsbCollector(), "desktop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  ASSERT_EQ(u.size(), 4u);
  EXPECT_EQ(u[0]["port"], "1-3");
  EXPECT_EQ(u[0]["vendor_id"], "413c");
  EXPECT_EQ(u[0]["product_id"], "2113");
  EXPECT_EQ(u[0]["vendor_name"], "Dell Computer Corp.");
  EXPECT_EQ(u[0]["product_name"], "KB216 Wired Keyboard");
  EXPECT_DOUBLE_EQ(u[0]["speed_mbps"].get<double>(), 1.5);
  const Json& printer = u[2];
  EXPECT_EQ(printer["manufacturer"], "Hewlett-Packard");
  EXPECT_EQ(printer["product"], "HP LaserJet Professional P1102");
  EXPECT_EQ(printer["product_name"], "LaserJet P1102");
  EXPECT_EQ(printer["serial"], "000000000QNB7XHVPR1a");
  EXPECT_EQ(printer["bus"], 1);
  EXPECT_EQ(printer["device_number"], 4);
  EXPECT_EQ(u[3]["usb_version"], "3.20");
}

TEST(IdsParser, VendorsDevicesClassesAndOtherSections) {
  const char* text =
      "# comment\n"
      "8086  Intel Corporation\n"
      "\t1234  Some device\n"
      "\t\t1028 0001  Subsystem (ignored)\n"
      "10de  NVIDIA Corporation\n"
      "\t1234  Not wanted\n"
      "C 02  Network controller\n"
      "\t00  Ethernet controller\n"
      "\t\t00  prog-if (ignored)\n"
      "HUT 01  Generic Desktop Controls\n"
      "\t000  Undefined\n";
  IdsNames n = parseIds(text, {0x8086});
  EXPECT_EQ(n.vendors.at(0x8086), "Intel Corporation");
  EXPECT_EQ(n.vendors.count(0x10de), 0u);
  EXPECT_EQ(n.devices.at({0x8086, 0x1234}), "Some device");
  EXPECT_EQ(n.devices.size(), 1u);
  EXPECT_EQ(n.classes.at(0x02), "Network controller");
  EXPECT_EQ(n.subclasses.at({0x02, 0x00}), "Ethernet controller");
  EXPECT_EQ(n.subclasses.size(), 1u);  // the HUT line is not a subclass
}

TEST(IdsParser, PnpNames) {
  const char* text = "DEL\tDell Inc.\nDELL\tnot an id\nGSM\tLG Electronics\n";
  EXPECT_EQ(pnpName(text, "DEL"), "Dell Inc.");
  EXPECT_EQ(pnpName(text, "GSM"), "LG Electronics");
  EXPECT_EQ(pnpName(text, "XYZ"), std::nullopt);
}

TEST(NetworkCollector, DesktopEthernet) {
  std::vector<std::string> warnings;
  Json n = collectFixture(*makeNetworkCollector(), "desktop", warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0]["name"], "eno1");
  EXPECT_EQ(n[0]["kind"], "ethernet");
  EXPECT_EQ(n[0]["mac"], "d8:9e:f3:1a:2b:3c");
  EXPECT_EQ(n[0]["mtu"], 1500);
  EXPECT_EQ(n[0]["state"], "up");
  EXPECT_EQ(n[0]["speed_mbps"], 1000);
  EXPECT_EQ(n[0]["duplex"], "full");
  EXPECT_EQ(n[0]["driver"], "e1000e");
  EXPECT_EQ(n[0]["bus_id"], "0000:00:1f.6");
  EXPECT_FALSE(n[0].contains("addresses"));  // addresses only from the live kernel
}

TEST(NetworkCollector, LaptopWifiAndDownEthernet) {
  std::vector<std::string> warnings;
  Json n = collectFixture(*makeNetworkCollector(), "laptop", warnings);
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0]["name"], "enp0s31f6");
  EXPECT_EQ(n[0]["state"], "down");
  EXPECT_FALSE(n[0].contains("speed_mbps"));  // -1 while the link is down
  EXPECT_FALSE(n[0].contains("duplex"));
  EXPECT_EQ(n[1]["kind"], "wifi");
  EXPECT_EQ(n[1]["driver"], "iwlwifi");
}

TEST(NetworkCollector, ServerSkipsLoopbackAndMarksBridge) {
  std::vector<std::string> warnings;
  Json n = collectFixture(*makeNetworkCollector(), "server", warnings);
  ASSERT_EQ(n.size(), 3u);
  EXPECT_EQ(n[0]["name"], "docker0");
  EXPECT_EQ(n[0]["kind"], "bridge");
  EXPECT_FALSE(n[0].contains("driver"));
  EXPECT_EQ(n[1]["driver"], "tg3");
  EXPECT_EQ(n[1]["bus_id"], "0000:02:00.0");
  EXPECT_EQ(n[2]["bus_id"], "0000:02:00.1");
}

TEST(NetworkCollector, VmVirtioNic) {
  std::vector<std::string> warnings;
  Json n = collectFixture(*makeNetworkCollector(), "vm", warnings);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0]["driver"], "virtio_net");
  EXPECT_EQ(n[0]["bus_id"], "virtio0");
  EXPECT_EQ(n[0]["mac"], "52:54:00:12:34:56");
}

TEST(NetworkCollector, LiveMachineHasAddresses) {
  std::vector<std::string> warnings;
  Json n = makeNetworkCollector()->collect(CollectContext{}, warnings);
  EXPECT_TRUE(warnings.empty()) << ::testing::PrintToString(warnings);
  for (const Json& i : n) {
    EXPECT_TRUE(i.contains("name"));
    if (i.contains("addresses")) {
      for (const Json& a : i["addresses"]) EXPECT_LE(a["prefix_length"].get<int>(), 128);
    }
  }
  EXPECT_EQ(linkTypeName(1), "ethernet");
  EXPECT_EQ(linkTypeName(772), "loopback");
}

}  // namespace
}  // namespace parc::agent::collectors::linux_
