// The whole inventory on each recorded machine, the registry, and the GLPI conversion.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "agent/collectors/glpi_format.h"
#include "agent/collectors/linux/run.h"
#include "agent/collectors/selection.h"
#include "agent/collectors/stable.h"
#include "tests/agent/collectors/fixtures.h"

namespace parc::agent::collectors {
namespace {

using testing::fixtureContext;
using testing::TempDir;

const std::vector<std::string> kSections = {
    "system",         "os",       "cpu",         "memory",      "storage",  "network",
    "network_config", "monitors", "pci_devices", "usb_devices", "software", "batteries",
    "users",          "sessions", "printers",    "antivirus",   "firewall", "processes"};

// 2024-03-08 10:00:00 UTC: the day after the recorded machines booted.
constexpr std::int64_t kCollectedAt = 1709892000;

TEST(Registry, EveryCollectorOnceInOrder) {
  std::vector<std::string> names;
  for (const auto& c : allCollectors()) names.emplace_back(c->name());
  EXPECT_EQ(names, kSections);
}

TEST(Registry, ProcessesCanBeDisabled) {
  auto chosen = withoutCollectors(allCollectors(), {"processes", "no-such-section"});
  EXPECT_EQ(chosen.size(), kSections.size() - 1);
  Json inv = collectInventory(fixtureContext("desktop"), chosen);
  EXPECT_FALSE(inv.contains("processes"));
  EXPECT_TRUE(inv.contains("software"));
}

class FixtureInventory : public ::testing::TestWithParam<std::string> {};

TEST_P(FixtureInventory, AllSectionsWithoutWarnings) {
  Json inv = collectInventory(fixtureContext(GetParam()), allCollectors());
  EXPECT_FALSE(inv.contains("_warnings")) << inv["_warnings"].dump(1);
  for (const auto& s : kSections) EXPECT_TRUE(inv.contains(s)) << s;
}

// GLPI's own schema (shared/reference/glpi-inventory) checked by its validator script.
TEST_P(FixtureInventory, GlpiDocumentValidatesAgainstSchema) {
  Json glpi = toGlpi(collectInventory(fixtureContext(GetParam()), allCollectors()),
                     GetParam() + "-2024-03-07-09-00-00");
  TempDir t;
  t.write("inventory.json", glpi.dump());
  std::string tool = std::string(PARC_SOURCE_DIR) + "/../shared/tools/validate-glpi.py";
  if (!std::ifstream(tool)) GTEST_SKIP() << "no " << tool;
  auto r = linux_::runProgram({"/usr/bin/python3", tool, (t.path() / "inventory.json").string()},
                              std::chrono::seconds(60));
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find(": valid;"), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(Machines, FixtureInventory,
                         ::testing::Values("desktop", "laptop", "vm", "server"));

TEST(Glpi, DesktopFieldsAndUnits) {
  Json g = toGlpi(collectInventory(fixtureContext("desktop"), allCollectors()), "dev-1");
  EXPECT_EQ(g["action"], "inventory");
  EXPECT_EQ(g["deviceid"], "dev-1");
  EXPECT_EQ(g["itemtype"], "Computer");
  const Json& c = g["content"];
  EXPECT_EQ(c["versionclient"], std::string("Parc-Agent_v") + PARC_VERSION);
  EXPECT_EQ(c["bios"]["bdate"], "2021-06-07");
  EXPECT_EQ(c["bios"]["smodel"], "OptiPlex 3070");
  EXPECT_EQ(c["bios"]["ssn"], "PARC7D3");
  EXPECT_EQ(c["bios"]["msn"], "/PARC7D3/CNFCW0012300AB/");
  EXPECT_EQ(c["bios"]["assettag"], "MAIRIE-0042");
  EXPECT_EQ(c["bios"]["secure_boot"], "enabled");
  EXPECT_EQ(c["hardware"]["name"], "mairie-accueil-01");
  EXPECT_EQ(c["hardware"]["uuid"], "4c4c4544-0050-4110-8037-b7c04f374433");
  EXPECT_EQ(c["hardware"]["memory"], 16219300 / 1024);  // MiB
  EXPECT_EQ(c["hardware"]["vmsystem"], "Physical");
  EXPECT_EQ(c["operatingsystem"]["boot_time"], "2024-03-07 09:00:00");
  EXPECT_EQ(c["operatingsystem"]["kernel_version"], "6.1.0-18-amd64");
  ASSERT_EQ(c["cpus"].size(), 1u);
  EXPECT_EQ(c["cpus"][0]["manufacturer"], "Intel");
  EXPECT_EQ(c["cpus"][0]["core"], 8);
  EXPECT_EQ(c["cpus"][0]["speed"], 4700);
  EXPECT_EQ(c["memories"][0]["capacity"], 16384);
  EXPECT_EQ(c["memories"][0]["speed"], "2666");
  EXPECT_EQ(c["memories"][1]["numslots"], 2);
  EXPECT_EQ(c["storages"][0]["disksize"], 256060);  // decimal MB, as GLPI Agent reports
  EXPECT_EQ(c["storages"][0]["interface"], "SATA");
  EXPECT_EQ(c["storages"][1]["type"], "removable");
  EXPECT_EQ(c["drives"][0]["systemdrive"], true);
  EXPECT_EQ(c["monitors"][0]["serial"], "XVNNT874D56W");
  EXPECT_EQ(c["monitors"][0]["manufacturer"], "Dell Inc.");
  EXPECT_EQ(c["monitors"][0]["altserial"], "1144338007");
  EXPECT_EQ(c["monitors"][0]["description"], "27/2018");
  EXPECT_EQ(c["networks"][0]["type"], "ethernet");
  EXPECT_EQ(c["networks"][0]["speed"], "1000");
  EXPECT_EQ(c["softwares"].size(), 8u);
  EXPECT_EQ(c["softwares"][0]["from"], "deb");
  EXPECT_EQ(c["local_users"][9]["login"], "accueil");
  EXPECT_EQ(c["local_users"][9]["id"], "1000");
  EXPECT_EQ(c["controllers"][1]["pcisubsystemid"], "1028:0930");
  EXPECT_EQ(c["usbdevices"][0]["vendorid"], "413c");
  EXPECT_EQ(c["processes"][3]["started"], "2024-03-07 11:30:54");
}

TEST(Glpi, DesktopNetworkSessionsPrintersFirewall) {
  Json g =
      toGlpi(collectInventory(fixtureContext("desktop"), allCollectors()), "dev-1", kCollectedAt);
  const Json& c = g["content"];
  EXPECT_EQ(c["hardware"]["dns"], "192.168.1.10/192.168.1.254");
  EXPECT_EQ(c["hardware"]["defaultgateway"], "192.168.1.254");
  EXPECT_EQ(c["hardware"]["lastloggeduser"], "secretariat");
  EXPECT_EQ(c["hardware"]["datelastloggeduser"], "2024-03-07 10:30:00");
  EXPECT_EQ(c["operatingsystem"]["timezone"], Json({{"name", "CET"}, {"offset", "+0100"}}));
  EXPECT_EQ(c["operatingsystem"]["dns_domain"], "mairie.local");
  EXPECT_EQ(c["networks"][0]["ipgateway"], "192.168.1.254");  // eno1's default route
  EXPECT_EQ(c["users"], Json::array({Json{{"login", "accueil"}}}));
  EXPECT_EQ(c["accesslog"], Json({{"logdate", "2024-03-08 10:00:00"}, {"userid", "secretariat"}}));
  EXPECT_EQ(c["versionprovider"]["name"], "Parc-Agent");
  EXPECT_EQ(c["versionprovider"]["version"], PARC_VERSION);
  EXPECT_EQ(c["versionprovider"]["program"], "parc-agent");
  EXPECT_EQ(c["firewalls"],
            Json::array({Json{{"status", "on"}, {"description", "ufw (enabled)"}}}));
  ASSERT_EQ(c["printers"].size(), 2u);
  EXPECT_EQ(c["printers"][0], Json({{"name", "HP_LaserJet_P1102"},
                                    {"description", "HP LaserJet Professional P1102"},
                                    {"comment", "Accueil"},
                                    {"driver", "HP LaserJet Professional p1102, hpcups 3.22.10"},
                                    {"port",
                                     "hp:/usb/HP_LaserJet_Professional_P1102?serial="
                                     "000000000QNB7XHVPR1a"},
                                    {"status", "Idle"},
                                    {"network", false},
                                    {"shared", false}}));
  EXPECT_EQ(c["printers"][1]["port"], "smb://copieur.mairie.local/Copieur?encryption=yes");
  EXPECT_FALSE(c.contains("antivirus"));
  EXPECT_EQ(c["videos"], Json::array({Json{{"name", "CoffeeLake-S GT2 [UHD Graphics 630]"},
                                           {"chipset", "Intel Corporation"},
                                           {"pcislot", "0000:00:02.0"}}}));
  EXPECT_EQ(c["memories"][0]["formfactor"], "DIMM");
  // Processes as ps(1) shows them: %MEM of 15.5 GiB, VSZ in KiB, %CPU since start.
  const Json& web = c["processes"][3];
  EXPECT_EQ(web["mem"], "2.4");  // 389 120 KiB of 16 219 300 KiB
  EXPECT_EQ(web["virtualmemory"], 8 * 389120);
  EXPECT_EQ(web["cpuusage"], "0.0");
  // No credential of a printer URI reaches either document.
  Json inv = collectInventory(fixtureContext("desktop"), allCollectors());
  for (const std::string& doc : {inv.dump(), g.dump()}) {
    EXPECT_EQ(doc.find("S3cret"), std::string::npos);
    EXPECT_EQ(doc.find("hunter2"), std::string::npos);
  }
}

TEST(Glpi, ServerAntivirusHostKeyAndOffsets) {
  Json inv = collectInventory(fixtureContext("server"), allCollectors());
  Json g = toGlpi(inv, "dev-6", 1718800000 + 86400);  // one day after boot
  const Json& c = g["content"];
  ASSERT_EQ(c["antivirus"].size(), 1u);
  EXPECT_EQ(c["antivirus"][0], Json({{"name", "ClamAV"},
                                     {"company", "Cisco Talos"},
                                     {"version", "1.0.5"},
                                     {"enabled", true},
                                     {"base_version", "27310"},
                                     {"base_creation", "2024-06-19"},
                                     {"uptodate", true}}));
  Json stale = toGlpi(inv, "dev-6", 1718780400 + 8 * 86400);
  EXPECT_EQ(stale["content"]["antivirus"][0]["uptodate"], false);
  EXPECT_EQ(c["operatingsystem"]["timezone"], Json({{"name", "CEST"}, {"offset", "+0200"}}));
  EXPECT_EQ(c["operatingsystem"]["hostid"], "140ac0a8");
  EXPECT_EQ(c["operatingsystem"]["ssh_key"],
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPARCsrvFixtureHostKeyNotReal0000000000000002");
  EXPECT_EQ(c["firewalls"][0], Json({{"status", "on"}, {"description", "nftables (enabled)"}}));
  EXPECT_EQ(c["hardware"]["dns"], "192.168.10.10/192.168.10.11");
  EXPECT_EQ(c["users"], Json::array({Json{{"login", "admin"}}}));
  EXPECT_EQ(c["networks"][1]["ipgateway"], "192.168.10.1");  // eno1; docker0 has none
  EXPECT_FALSE(c["networks"][0].contains("ipgateway"));
}

TEST(Glpi, AddressesSubnetsAndMasks) {
  // Addresses come from getifaddrs (live only): a synthetic inventory stands for them.
  Json inv = Json::parse(R"({
    "network": [{"name": "eth0", "kind": "ethernet", "addresses": [
      {"family": "ipv6", "address": "2a01:cb00:1234:5600::17", "prefix_length": 56},
      {"family": "ipv4", "address": "192.168.1.17", "prefix_length": 22},
      {"family": "ipv4", "address": "10.0.0.1", "prefix_length": 8}]}],
    "network_config": {"routes": [{"family": "ipv4", "destination": "0.0.0.0",
                                   "prefix_length": 0, "gateway": "192.168.0.1",
                                   "interface": "eth0", "metric": 0}]}})");
  Json g = toGlpi(inv, "d", kCollectedAt);
  const Json& n = g["content"]["networks"][0];
  EXPECT_EQ(n["ipaddress"], "192.168.1.17");
  EXPECT_EQ(n["ipmask"], "255.255.252.0");
  EXPECT_EQ(n["ipsubnet"], "192.168.0.0");
  EXPECT_EQ(n["ipgateway"], "192.168.0.1");
  EXPECT_EQ(n["ipaddress6"], "2a01:cb00:1234:5600::17");
  EXPECT_EQ(n["ipmask6"], "ffff:ffff:ffff:ff00::");
  EXPECT_EQ(n["ipsubnet6"], "2a01:cb00:1234:5600::");
}

TEST(Glpi, LaptopBatteryInMilliwattHours) {
  Json g = toGlpi(collectInventory(fixtureContext("laptop"), allCollectors()), "dev-2");
  const Json& b = g["content"]["batteries"];
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0]["capacity"], 50500);
  EXPECT_EQ(b[0]["real_capacity"], 43210);
  EXPECT_EQ(b[0]["voltage"], 15440);
  EXPECT_EQ(b[0]["chemistry"], "Li-poly");
  EXPECT_EQ(g["content"]["monitors"][0]["name"], "K2JN7?140WFH");
  EXPECT_EQ(g["content"]["networks"][1]["type"], "wifi");
  EXPECT_EQ(g["content"]["networks"][1]["ipgateway"], "10.10.0.1");
  EXPECT_EQ(g["content"]["hardware"]["dns"], "10.10.0.1/2001:db8:10::53");
  EXPECT_EQ(g["content"]["users"],
            Json::array({Json{{"login", "maire"}}}));  // two sessions, one user
  EXPECT_EQ(g["content"]["operatingsystem"]["timezone"]["offset"], "+0200");
  EXPECT_EQ(g["content"]["firewalls"][0],
            Json({{"status", "off"}, {"description", "no firewall manager"}}));
}

TEST(Glpi, VmAndOddInput) {
  Json g = toGlpi(collectInventory(fixtureContext("vm"), allCollectors()), "dev-3");
  EXPECT_EQ(g["content"]["hardware"]["vmsystem"], "QEMU");
  EXPECT_FALSE(g["content"]["bios"].contains("bdate"));  // "2/2/2022" is no ISO date
  EXPECT_FALSE(g["content"].contains("users"));          // nobody logged in
  EXPECT_EQ(g["content"]["hardware"]["lastloggeduser"], "root");
  EXPECT_EQ(g["content"]["hardware"]["datelastloggeduser"], "2024-10-16 08:02:00");
  EXPECT_EQ(g["content"]["operatingsystem"]["timezone"],
            Json({{"name", "UTC"}, {"offset", "+0000"}}));
  Json odd = toGlpi(Json::parse(R"({"system": 5, "cpu": {"packages": "two"}, "software": [{}],
                                    "memory": {"modules": "none"}})"),
                    "dev-4");
  // versionclient, versionprovider, accesslog, and the cpu that defaulted to one.
  EXPECT_EQ(odd["content"].size(), 4u);
  EXPECT_TRUE(toGlpi(Json(), "dev-5")["content"].contains("versionclient"));
}

TEST(RunProgram, OutputExitAndTimeout) {
  auto ok = linux_::runProgram({"/bin/echo", "hello"}, std::chrono::seconds(5));
  EXPECT_EQ(ok.output, "hello\n");
  EXPECT_EQ(ok.exitCode, 0);
  auto fail = linux_::runProgram({"/bin/sh", "-c", "exit 3"}, std::chrono::seconds(5));
  EXPECT_EQ(fail.exitCode, 3);
  auto start = std::chrono::steady_clock::now();
  auto slow = linux_::runProgram({"/bin/sleep", "10"}, std::chrono::milliseconds(200));
  EXPECT_TRUE(slow.timedOut);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_FALSE(linux_::runProgram({"sleep", "1"}, std::chrono::seconds(1)).error.empty());
  EXPECT_FALSE(linux_::runProgram({"/nonexistent/x"}, std::chrono::seconds(1)).error.empty());
}

}  // namespace
}  // namespace parc::agent::collectors

namespace parc::agent::collectors {
namespace {

TEST(StableView, DropsReadingsKeepsIdentity) {
  Json inv = collectInventory(fixtureContext("laptop"), allCollectors());
  inv["_warnings"] = Json::array({"cpu: timed out"});
  inv["processes"] = Json::array();
  Json s = withoutVolatileFields(inv);
  EXPECT_FALSE(s.contains("processes"));
  EXPECT_FALSE(s.contains("_warnings"));
  EXPECT_FALSE(s["os"].contains("uptime_seconds"));
  EXPECT_TRUE(s["os"].contains("boot_time"));  // a reboot is a change worth sending
  EXPECT_FALSE(s["memory"].contains("available_bytes"));
  EXPECT_TRUE(s["memory"].contains("total_bytes"));
  EXPECT_FALSE(s["batteries"][0].contains("capacity_percent"));
  EXPECT_TRUE(s["batteries"][0].contains("health_percent"));
  EXPECT_FALSE(s["network"][0].contains("state"));
  EXPECT_TRUE(s["network"][0].contains("mac"));
  EXPECT_EQ(s["system"], inv["system"]);
  // Two runs on an unchanged machine give the same view, whatever the readings did.
  Json later = inv;
  later["os"]["uptime_seconds"] = 999999;
  later["memory"]["free_bytes"] = 1;
  later["batteries"][0]["remaining_wh"] = 1.5;
  EXPECT_EQ(withoutVolatileFields(later).dump(), s.dump());
  EXPECT_EQ(withoutVolatileFields(Json("odd")), Json("odd"));
  EXPECT_FALSE(s["sessions"].contains("logged_in"));
  EXPECT_FALSE(s["sessions"].contains("last_login_time"));
  EXPECT_EQ(s["sessions"]["last_user"], "maire");
  Json server = collectInventory(fixtureContext("server"), allCollectors());
  Json av = withoutVolatileFields(server)["antivirus"][0];
  EXPECT_FALSE(av.contains("database_version"));
  EXPECT_TRUE(av.contains("daemon_enabled"));
}

}  // namespace
}  // namespace parc::agent::collectors
