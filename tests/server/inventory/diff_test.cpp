// The change history on the recorded machines: real inventories, mutated the way
// machines change in town halls (a module added, a package upgraded, a monitor gone).
#include "server/inventory/diff.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <stdexcept>

#include "agent/collectors/stable.h"
#include "tests/agent/collectors/fixtures.h"

namespace parc::server::inventory {

void PrintTo(const Change& c, std::ostream* os) {
  *os << toJson(c).dump();
}

namespace {

namespace collectors = agent::collectors;

Json machine(const std::string& name) {
  Json inv = collectors::collectInventory(collectors::testing::fixtureContext(name),
                                          collectors::allCollectors());
  inv["agent"] = Json{{"version", "0.1.0"}, {"device_id", name + "-1"}};
  return inv;
}

const Json& desktop() {
  static const Json kDesktop = machine("desktop");
  return kDesktop;
}

Json& find(Json& list, const char* key, const std::string& value) {
  for (Json& item : list) {
    if (item.value(key, "") == value) return item;
  }
  throw std::runtime_error("no " + value + " in fixture");
}

// A different value of the same type.
Json mutated(const Json& v) {
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_number_integer()) return v.get<std::int64_t>() + 7;
  if (v.is_number_float()) return v.get<double>() * 1.5 + 1;
  if (v.is_string()) return v.get<std::string>() + "-later";
  return 1;
}

class EveryMachine : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryMachine, InventoryAgainstItselfGivesNothing) {
  Json inv = machine(GetParam());
  EXPECT_EQ(diffInventories(inv, inv), std::vector<Change>{});
}

// Every field that the agent's stable view drops (agent/collectors/stable.cpp) is changed:
// the server must not see a change either. This keeps the two lists in step.
TEST_P(EveryMachine, VolatileReadingsGiveNothing) {
  Json before = machine(GetParam());
  // Readings the recorded trees do not have (live only): SMART and free space.
  for (Json& disk : before["storage"]["disks"]) {
    disk["smart"] = {{"health_passed", true}, {"temperature_celsius", 31}, {"power_on_hours", 1200},
                     {"power_cycles", 300},   {"written_bytes", 1000000},  {"unsafe_shutdowns", 4},
                     {"power_mode", "ACTIVE"}};
  }
  for (Json& fs : before["storage"]["filesystems"]) {
    fs["available_bytes"] = 1000;
    fs["used_bytes"] = 2000;
  }
  Json after = before;
  const Json stable = collectors::withoutVolatileFields(before).flatten();
  int changed = 0;
  const Json leaves = before.flatten();  // named: items() would not keep a temporary alive
  for (const auto& [pointer, value] : leaves.items()) {
    if (stable.contains(pointer)) continue;
    if (!before.at(Json::json_pointer(pointer)).is_primitive()) continue;  // an empty list
    after[Json::json_pointer(pointer)] = mutated(value);
    ++changed;
  }
  after["_warnings"] = Json::array({"software: timed out after 10000 ms"});
  after["processes"].push_back({{"pid", 4242}, {"name", "libreoffice"}});
  EXPECT_GT(changed, 10);
  ASSERT_EQ(collectors::withoutVolatileFields(before), collectors::withoutVolatileFields(after));
  EXPECT_EQ(diffInventories(before, after), std::vector<Change>{});
}

INSTANTIATE_TEST_SUITE_P(Machines, EveryMachine,
                         ::testing::Values("desktop", "laptop", "vm", "server"));

TEST(Diff, RamModuleAdded) {
  Json before = desktop();
  Json after = before;
  Json& slot = find(after["memory"]["modules"], "locator", "DIMM2");
  slot = find(after["memory"]["modules"], "locator", "DIMM1");
  slot["locator"] = "DIMM2";
  slot["serial_number"] = "5F6A7B8C";
  after["memory"]["slots_used"] = 2;
  after["memory"]["total_bytes"] = 33285996544LL;
  EXPECT_EQ(
      diffInventories(before, after),
      (std::vector<Change>{
          {"memory", "added", "DIMM2", "", "", "16 Gio DDR4 2666 MT/s SK Hynix",
           "Barrette mémoire ajoutée : DIMM2, 16 Gio DDR4 2666 MT/s SK Hynix"},
          {"memory", "changed", "", "slots_used", "1", "2", "Emplacements mémoire occupés : 1 → 2"},
          {"memory", "changed", "", "total_bytes", "15,5 Gio", "31 Gio",
           "Mémoire : 15,5 Gio → 31 Gio"},
      }));
}

TEST(Diff, RamModuleReplacedInItsSlotOrPulled) {
  Json before = desktop();
  Json after = before;
  Json& dimm = find(after["memory"]["modules"], "locator", "DIMM1");
  dimm["size_bytes"] = 34359738368LL;
  dimm["serial_number"] = "9A8B7C6D";
  auto changes = diffInventories(before, after);
  ASSERT_EQ(changes.size(), 2U);
  EXPECT_EQ(changes[0],
            (Change{"memory", "changed", "DIMM1", "serial_number", "2E3A1B7C", "9A8B7C6D",
                    "Barrette mémoire DIMM1 : n° de série 2E3A1B7C → 9A8B7C6D"}));
  EXPECT_EQ(changes[1].summary, "Barrette mémoire DIMM1 : taille 16 Gio → 32 Gio");

  // Pulled: the slot reads as empty, which is a module removed, not ten fields cleared.
  after = before;
  find(after["memory"]["modules"], "locator", "DIMM1") = {{"locator", "DIMM1"},
                                                          {"populated", false}};
  changes = diffInventories(before, after);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0],
            (Change{"memory", "removed", "DIMM1", "", "16 Gio DDR4 2666 MT/s SK Hynix", "",
                    "Barrette mémoire retirée : DIMM1, 16 Gio DDR4 2666 MT/s SK Hynix"}));
}

TEST(Diff, PackageUpgradedIsOneChange) {
  Json before = desktop();
  Json after = before;
  find(after["software"], "name", "firefox-esr")["version"] = "115.9.0esr-1~deb12u1";
  EXPECT_EQ(diffInventories(before, after),
            (std::vector<Change>{{"software", "changed", "firefox-esr", "version",
                                  "115.8.0esr-1~deb12u1", "115.9.0esr-1~deb12u1",
                                  "Logiciel firefox-esr : version 115.8.0esr-1~deb12u1 → "
                                  "115.9.0esr-1~deb12u1"}}));
}

TEST(Diff, PackagesInstalledAndRemoved) {
  auto without = [](Json inv, const std::string& name, const std::string& arch) {
    auto& list = inv["software"];
    list.erase(std::remove_if(
                   list.begin(), list.end(),
                   [&](const Json& p) { return p["name"] == name && p["architecture"] == arch; }),
               list.end());
    return inv;
  };
  // The fixture has libc6 for amd64 and i386 (multi-arch): dpkg's name:arch tells them apart.
  Json before = without(desktop(), "libc6", "i386");
  Json after = without(desktop(), "bash", "amd64");
  after["software"].push_back(
      {{"name", "libreoffice"}, {"version", "4:7.4.7-1+deb12u1"}, {"architecture", "amd64"}});
  EXPECT_EQ(diffInventories(before, after),
            (std::vector<Change>{
                {"software", "removed", "bash", "", "5.2.15-2+b2", "",
                 "Logiciel désinstallé : bash 5.2.15-2+b2"},
                {"software", "added", "libc6:i386", "", "", "2.36-9+deb12u4",
                 "Logiciel installé : libc6:i386 2.36-9+deb12u4"},
                {"software", "added", "libreoffice", "", "", "4:7.4.7-1+deb12u1",
                 "Logiciel installé : libreoffice 4:7.4.7-1+deb12u1"},
            }));
}

TEST(Diff, MonitorRemovedOrMovedToAnotherConnector) {
  Json before = desktop();
  Json after = before;
  after["monitors"] = Json::array();
  EXPECT_EQ(diffInventories(before, after),
            (std::vector<Change>{{"monitors", "removed", "DELL U2417H (n° XVNNT874D56W)", "", "",
                                  "", "Écran retiré : DELL U2417H (n° XVNNT874D56W)"}}));

  after = before;
  after["monitors"][0]["connector"] = "HDMI-A-1";
  after["monitors"][0]["status"] = "disconnected";  // a reading: not reported
  EXPECT_EQ(diffInventories(before, after),
            (std::vector<Change>{
                {"monitors", "changed", "DELL U2417H (n° XVNNT874D56W)", "connector", "DP-1",
                 "HDMI-A-1", "Écran DELL U2417H (n° XVNNT874D56W) : connecteur DP-1 → HDMI-A-1"}}));
}

TEST(Diff, DiskReplacedOnTheSamePortIsRemovalAndAddition) {
  Json before = desktop();
  Json after = before;
  Json& sda = find(after["storage"]["disks"], "name", "sda");
  sda["model"] = "Samsung SSD 870 EVO 500GB";
  sda["serial"] = "S6PXNM0T123456A";
  sda["firmware"] = "SVT02B6Q";
  sda["size_bytes"] = 500107862016LL;
  EXPECT_EQ(diffInventories(before, after),
            (std::vector<Change>{
                {"storage", "removed", "Samsung SSD 860 PRO 256GB (sda, n° S5GANE0M812345K)", "",
                 "238,5 Gio", "",
                 "Disque retiré : Samsung SSD 860 PRO 256GB (sda, n° S5GANE0M812345K), 238,5 Gio"},
                {"storage", "added", "Samsung SSD 870 EVO 500GB (sda, n° S6PXNM0T123456A)", "", "",
                 "465,8 Gio",
                 "Disque ajouté : Samsung SSD 870 EVO 500GB (sda, n° S6PXNM0T123456A), 465,8 Gio"},
            }));
}

TEST(Diff, DiskFirmwareAndSmartHealth) {
  Json before = desktop();
  Json& disk = find(before["storage"]["disks"], "name", "sda");
  disk["smart"] = {
      {"health_passed", true}, {"reallocated_sectors", 0}, {"temperature_celsius", 30}};
  Json after = before;
  Json& later = find(after["storage"]["disks"], "name", "sda");
  later["firmware"] = "2B6Q";
  later["smart"] = {
      {"health_passed", false}, {"reallocated_sectors", 8}, {"temperature_celsius", 45}};
  const std::string name = "Samsung SSD 860 PRO 256GB (sda, n° S5GANE0M812345K)";
  EXPECT_EQ(diffInventories(before, after),
            (std::vector<Change>{
                {"storage", "changed", name, "firmware", "1B6Q", "2B6Q",
                 "Disque " + name + " : micrologiciel 1B6Q → 2B6Q"},
                {"storage", "changed", name, "smart.health_passed", "oui", "non",
                 "Disque " + name + " : santé SMART correcte oui → non"},
                {"storage", "changed", name, "smart.reallocated_sectors", "0", "8",
                 "Disque " + name + " : secteurs réalloués 0 → 8"},
            }));
}

TEST(Diff, NetworkMatchedByMac) {
  Json before = desktop();
  Json after = before;
  after["network"][0]["name"] = "enp0s31f6";  // renamed by a udev rule
  after["network"][0]["state"] = "down";
  after["network"][0]["speed_mbps"] = 100;
  EXPECT_EQ(diffInventories(before, after),
            (std::vector<Change>{{"network", "changed", "enp0s31f6 (d8:9e:f3:1a:2b:3c)", "name",
                                  "eno1", "enp0s31f6",
                                  "Interface réseau enp0s31f6 (d8:9e:f3:1a:2b:3c) : nom eno1 → "
                                  "enp0s31f6"}}));

  // A bridge takes its member's MAC: the member is still matched to itself.
  after = before;
  after["network"].insert(after["network"].begin(),
                          Json{{"name", "br0"}, {"kind", "bridge"}, {"mac", "d8:9e:f3:1a:2b:3c"}});
  EXPECT_EQ(diffInventories(before, after),
            (std::vector<Change>{{"network", "added", "br0 (d8:9e:f3:1a:2b:3c)", "", "", "bridge",
                                  "Interface réseau ajoutée : br0 (d8:9e:f3:1a:2b:3c), bridge"}}));
}

TEST(Diff, UsbDevicesBySerialThenPort) {
  Json before = desktop();
  Json after = before;
  Json& printer = find(after["usb_devices"], "port", "1-5");
  printer["port"] = "1-7";  // moved to another socket: still the same printer
  printer["device_number"] = 9;
  auto& list = after["usb_devices"];
  list.erase(list.begin());  // the keyboard (no serial) unplugged
  EXPECT_EQ(
      diffInventories(before, after),
      (std::vector<Change>{
          {"usb_devices", "removed", "Dell KB216 Wired Keyboard (port 1-3)", "",
           "Dell Computer Corp.", "",
           "Périphérique USB débranché : Dell KB216 Wired Keyboard (port 1-3), Dell Computer "
           "Corp."},
          {"usb_devices", "changed", "HP LaserJet Professional P1102 (port 1-7)", "port", "1-5",
           "1-7", "Périphérique USB HP LaserJet Professional P1102 (port 1-7) : port 1-5 → 1-7"},
      }));
}

TEST(Diff, ScalarSectionsReportFields) {
  Json before = desktop();
  Json after = before;
  after["system"]["bios_version"] = "1.9.0";
  after["system"]["bios_date"] = "2023-01-10";
  after["cpu"]["max_mhz"] = 4900;
  after["os"]["boot_time"] = "2024-03-08T08:00:00Z";  // a reboot is worth a line
  after["os"]["boot_time_epoch_seconds"] = 1709884800;
  EXPECT_EQ(diffInventories(before, after),
            (std::vector<Change>{
                {"cpu", "changed", "", "max_mhz", "4700 MHz", "4900 MHz",
                 "Fréquence maximale : 4700 MHz → 4900 MHz"},
                {"os", "changed", "", "boot_time", "2024-03-07T09:00:00Z", "2024-03-08T08:00:00Z",
                 "Dernier démarrage : 2024-03-07T09:00:00Z → 2024-03-08T08:00:00Z"},
                {"system", "changed", "", "bios_date", "2021-06-07", "2023-01-10",
                 "Date du BIOS : 2021-06-07 → 2023-01-10"},
                {"system", "changed", "", "bios_version", "1.8.4", "1.9.0",
                 "Version du BIOS : 1.8.4 → 1.9.0"},
            }));
}

TEST(Diff, UsersAndGroups) {
  Json before = desktop();
  Json after = before;
  after["users"]["users"].push_back({{"name", "stagiaire"}, {"uid", 1002}, {"gid", 1002}});
  find(after["users"]["groups"], "name", "sudo")["members"].push_back("secretariat");
  EXPECT_EQ(
      diffInventories(before, after),
      (std::vector<Change>{
          {"users", "changed", "sudo", "members", "accueil", "accueil, secretariat",
           "Groupe sudo : membres accueil → accueil, secretariat"},
          {"users", "added", "stagiaire", "", "", "uid 1002", "Compte créé : stagiaire, uid 1002"},
      }));
}

TEST(Diff, AgentOnlyItsVersion) {
  Json before = desktop();
  Json after = before;
  after["agent"]["device_id"] = "another";
  EXPECT_EQ(diffInventories(before, after), std::vector<Change>{});
  after["agent"]["version"] = "0.2.0";
  EXPECT_EQ(diffInventories(before, after),
            (std::vector<Change>{{"agent", "changed", "", "version", "0.1.0", "0.2.0",
                                  "Version de l'agent : 0.1.0 → 0.2.0"}}));
  before.erase("agent");
  EXPECT_EQ(diffInventories(before, after)[0].summary, "Version de l'agent : — → 0.2.0");
}

TEST(Diff, WholeSectionIsOneChange) {
  Json after = machine("laptop");
  Json before = after;
  before.erase("batteries");
  before.erase("software");
  EXPECT_EQ(diffInventories(before, after),
            (std::vector<Change>{
                {"batteries", "added", "", "", "", "", "Section d'inventaire ajoutée : Batteries"},
                {"software", "added", "", "", "", "", "Section d'inventaire ajoutée : Logiciels"},
            }));
  // An empty section appearing says nothing.
  before = desktop();
  after = before;
  before.erase("batteries");
  EXPECT_EQ(diffInventories(before, after), std::vector<Change>{});
}

TEST(Diff, BatteryWearIsReportedChargeIsNot) {
  Json before = machine("laptop");
  Json after = before;
  Json& bat = after["batteries"][0];
  bat["capacity_percent"] = 12;
  bat["status"] = "Charging";
  bat["full_capacity_wh"] = 40.5;
  auto changes = diffInventories(before, after);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].summary,
            "Batterie BAT0 (LGC 5B10W13930) : capacité réelle 43,21 Wh → 40,5 Wh");
}

TEST(Diff, OddShapesAreComparedOrSkippedNeverThrown) {
  Json inv = desktop();
  EXPECT_NO_THROW(diffInventories(Json(), inv));
  EXPECT_NO_THROW(diffInventories(inv, Json::array()));
  Json odd = inv;
  odd["software"] = Json{{"not", "a list"}};
  odd["system"] = 42;
  odd["memory"]["modules"] = Json::array({1, "two", nullptr});
  odd["monitors"].push_back("garbage");
  std::vector<Change> changes;
  ASSERT_NO_THROW(changes = diffInventories(inv, odd));
  ASSERT_NO_THROW(diffInventories(odd, inv));
  EXPECT_EQ(diffInventories(odd, odd), std::vector<Change>{});
  // Non-object items of a known list are skipped: the module list lost its DIMM1.
  bool moduleRemoved = false;
  for (const auto& c : changes) moduleRemoved |= c.kind == "removed" && c.item == "DIMM1";
  EXPECT_TRUE(moduleRemoved);
  // Unknown lists: items are matched by their whole content.
  Json a = {{"scanners", Json::array({{{"name", "hp"}}, {{"name", "canon"}}})}};
  Json b = {{"scanners", Json::array({{{"name", "hp"}}, {{"name", "epson"}}})}};
  EXPECT_EQ(
      diffInventories(a, b),
      (std::vector<Change>{{"scanners", "removed", "canon", "", "", "", "Élément retiré : canon"},
                           {"scanners", "added", "epson", "", "", "", "Élément ajouté : epson"}}));
}

// The sections of the GLPI-coverage collectors: printers and antivirus by name, so a new
// driver or version is one change; who is logged in and signature updates are readings.
TEST(Diff, PrintersAntivirusAndSessions) {
  Json a = {
      {"printers", Json::array({{{"name", "accueil"}, {"make_model", "HP LaserJet"}}})},
      {"antivirus",
       Json::array({{{"name", "ClamAV"}, {"version", "1.0.5"}, {"database_version", 27000}}})},
      {"sessions", {{"last_user", "marie"}, {"logged_in", Json::array()}}}};
  Json b = a;
  b["printers"][0]["make_model"] = "HP LaserJet Pro";
  b["antivirus"][0]["database_version"] = 27001;
  b["sessions"]["logged_in"].push_back({{"user", "marie"}, {"tty", "tty2"}});
  b["sessions"]["last_login_time"] = "2026-11-29T08:00:00Z";
  auto changes = diffInventories(a, b);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].summary, "Imprimante accueil : pilote HP LaserJet → HP LaserJet Pro");
}

TEST(Diff, ChangeAsJson) {
  Change c{"software", "changed", "vim", "version", "1", "2", "Logiciel vim : version 1 → 2"};
  EXPECT_EQ(toJson(c), (Json{{"section", "software"},
                             {"kind", "changed"},
                             {"item", "vim"},
                             {"field", "version"},
                             {"before", "1"},
                             {"after", "2"},
                             {"summary", "Logiciel vim : version 1 → 2"}}));
}

}  // namespace
}  // namespace parc::server::inventory
