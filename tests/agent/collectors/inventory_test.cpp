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
    "system",      "os",          "cpu",      "memory",    "storage", "network",  "monitors",
    "pci_devices", "usb_devices", "software", "batteries", "users",   "processes"};

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
}

TEST(Glpi, VmAndOddInput) {
  Json g = toGlpi(collectInventory(fixtureContext("vm"), allCollectors()), "dev-3");
  EXPECT_EQ(g["content"]["hardware"]["vmsystem"], "QEMU");
  EXPECT_FALSE(g["content"]["bios"].contains("bdate"));  // "2/2/2022" is no ISO date
  Json odd = toGlpi(Json::parse(R"({"system": 5, "cpu": {"packages": "two"}, "software": [{}],
                                    "memory": {"modules": "none"}})"),
                    "dev-4");
  EXPECT_EQ(odd["content"].size(), 2u);  // versionclient, and the cpu that defaulted to one
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
}

}  // namespace
}  // namespace parc::agent::collectors
