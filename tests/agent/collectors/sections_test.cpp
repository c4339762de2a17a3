// Per-section hashes and delta documents on the recorded desktop.
#include "agent/collectors/sections.h"

#include <gtest/gtest.h>

#include "agent/collectors/stable.h"
#include "common/crypto/hash.h"
#include "common/protocol/messages.h"
#include "tests/agent/collectors/fixtures.h"

namespace parc::agent::collectors {
namespace {

Json desktop() {
  static const Json inventory = [] {
    Json inv = collectInventory(testing::fixtureContext("desktop"), allCollectors());
    inv["agent"] = Json{{"version", "0.1.0"}, {"device_id", "dev-1"}};
    return inv;
  }();
  return inventory;
}

std::vector<std::string> keys(const Json& object) {
  std::vector<std::string> out;
  for (const auto& [k, v] : object.items()) out.push_back(k);
  return out;
}

TEST(Sections, IdentifyingSections) {
  EXPECT_EQ(identifyingSections(), (std::vector<std::string>{"system", "os", "agent"}));
}

TEST(Sections, OneHashPerStableSection) {
  Json inv = desktop();
  Json hashes = sectionHashes(inv);
  EXPECT_EQ(keys(hashes), keys(withoutVolatileFields(inv)));
  EXPECT_FALSE(hashes.contains("processes"));
  EXPECT_TRUE(hashes.contains("software"));
  EXPECT_TRUE(hashes.contains("agent"));
  const Json stable = withoutVolatileFields(inv);
  for (const auto& [name, hash] : hashes.items()) {
    ASSERT_TRUE(hash.is_string()) << name;
    EXPECT_EQ(hash.get<std::string>().size(), 64U) << name;
    EXPECT_EQ(hash, crypto::sha256Hex(protocol::canonical(stable[name]))) << name;
  }
}

TEST(Sections, VolatileReadingsDoNotChangeHashes) {
  Json inv = desktop();
  Json later = inv;
  later["os"]["uptime_seconds"] = 999999;
  later["cpu"]["current_mhz"] = 800.0;
  later["memory"]["free_bytes"] = 1;
  later["network"][0]["state"] = "down";
  later["monitors"][0]["status"] = "disconnected";
  later["processes"] = Json::array();
  later["_warnings"] = Json::array({"software: timed out after 10000 ms"});
  EXPECT_EQ(sectionHashes(inv), sectionHashes(later));
}

TEST(Sections, UnchangedMachineSendsOnlyIdentifyingSectionsAndWarnings) {
  Json inv = desktop();
  inv["_warnings"] = Json::array({"system: cannot read product_serial"});
  Json delta = deltaDocument(inv, sectionHashes(inv), false);
  EXPECT_EQ(keys(delta), (std::vector<std::string>{"_warnings", "agent", "os", "system"}));
  EXPECT_EQ(delta["system"], inv["system"]);
  EXPECT_EQ(delta["os"], inv["os"]);  // volatile fields included: the server shows them
}

TEST(Sections, ChangedSectionIsSentWhole) {
  Json inv = desktop();
  Json before = sectionHashes(inv);
  inv["software"].push_back(Json{{"name", "libreoffice"}, {"version", "4:7.5.1-1"}});
  Json delta = deltaDocument(inv, before, false);
  EXPECT_EQ(keys(delta), (std::vector<std::string>{"agent", "os", "software", "system"}));
  EXPECT_EQ(delta["software"], inv["software"]);
}

TEST(Sections, SectionWithoutPreviousHashIsSent) {
  Json inv = desktop();
  Json before = sectionHashes(inv);
  before.erase("monitors");
  before["cpu"] = "not-a-hash";
  Json delta = deltaDocument(inv, before, false);
  EXPECT_EQ(keys(delta), (std::vector<std::string>{"agent", "cpu", "monitors", "os", "system"}));
}

TEST(Sections, FullSendsEverythingIncludingProcesses) {
  Json inv = desktop();
  EXPECT_EQ(deltaDocument(inv, sectionHashes(inv), true), inv);
  EXPECT_FALSE(deltaDocument(inv, Json::object(), false).contains("processes"));
}

TEST(Sections, NoPreviousHashesSendsEveryStableSection) {
  Json inv = desktop();
  for (const Json& previous : {Json::object(), Json(), Json::array(), Json("x")}) {
    Json delta = deltaDocument(inv, previous, false);
    EXPECT_EQ(keys(delta), keys(withoutVolatileFields(inv))) << previous.dump();
  }
}

TEST(Sections, OddShapesDoNotThrow) {
  EXPECT_EQ(sectionHashes(Json()), Json::object());
  EXPECT_EQ(sectionHashes(Json::array({1, 2})), Json::object());
  EXPECT_EQ(deltaDocument(Json("x"), Json::object(), true), Json::object());
  Json odd = {{"system", 42}, {"software", "not a list"}, {"memory", nullptr}};
  Json hashes = sectionHashes(odd);
  EXPECT_EQ(keys(hashes), (std::vector<std::string>{"memory", "software", "system"}));
  EXPECT_EQ(deltaDocument(odd, hashes, false), (Json{{"system", 42}}));
}

}  // namespace
}  // namespace parc::agent::collectors
