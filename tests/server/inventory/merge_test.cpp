// Merging delta documents into the server's full view, end to end with the agent's deltas.
#include "server/inventory/merge.h"

#include <gtest/gtest.h>

#include "agent/collectors/sections.h"
#include "agent/collectors/stable.h"
#include "server/inventory/diff.h"
#include "tests/agent/collectors/fixtures.h"

namespace parc::server::inventory {
namespace {

namespace collectors = agent::collectors;

TEST(Merge, DeltaSectionsReplaceStoredOnesOthersKept) {
  Json stored = {
      {"system", {{"hostname", "a"}}}, {"cpu", {{"cores", 4}}}, {"software", Json::array()}};
  Json delta = {{"system", {{"hostname", "b"}}}, {"software", Json::array({{{"name", "vim"}}})}};
  Json merged = mergeInventory(stored, delta);
  EXPECT_EQ(merged, (Json{{"system", {{"hostname", "b"}}},
                          {"cpu", {{"cores", 4}}},
                          {"software", Json::array({{{"name", "vim"}}})}}));
}

TEST(Merge, WarningsComeFromTheLatestCollectionOnly) {
  Json stored = {{"os", {{"id", "debian"}}}, {"_warnings", Json::array({"cpu: timed out"})}};
  EXPECT_FALSE(mergeInventory(stored, Json{{"os", {{"id", "debian"}}}}).contains("_warnings"));
  Json delta = {{"_warnings", Json::array({"software: failed"})}};
  EXPECT_EQ(mergeInventory(stored, delta)["_warnings"], delta["_warnings"]);
}

TEST(Merge, OddShapesDoNotThrow) {
  Json stored = {{"os", {{"id", "debian"}}}};
  EXPECT_EQ(mergeInventory(stored, Json()), stored);
  EXPECT_EQ(mergeInventory(stored, Json::array({1})), stored);
  EXPECT_EQ(mergeInventory(Json("x"), Json{{"os", 1}}), (Json{{"os", 1}}));
  EXPECT_EQ(mergeInventory(Json(), Json()), Json::object());
}

// The agent sends only what changed; the server's merged view then equals the
// agent's inventory in everything but readings of sections that were not sent.
TEST(Merge, AgentDeltaRoundTrip) {
  Json first = collectors::collectInventory(collectors::testing::fixtureContext("desktop"),
                                            collectors::allCollectors());
  first["agent"] = Json{{"version", "0.1.0"}, {"device_id", "dev-1"}};
  Json second = first;
  second["os"]["uptime_seconds"] = 200000;
  second["memory"]["free_bytes"] = 123;  // not sent: memory's stable view did not change
  for (Json& p : second["software"]) {
    if (p["name"] == "bash") p["version"] = "5.2.15-2+b7";
  }
  Json delta = collectors::deltaDocument(second, collectors::sectionHashes(first), false);
  EXPECT_EQ(delta.size(), 4U) << delta.dump();  // agent, os, software, system
  Json merged = mergeInventory(first, delta);
  EXPECT_EQ(collectors::withoutVolatileFields(merged), collectors::withoutVolatileFields(second));
  EXPECT_EQ(merged["os"]["uptime_seconds"], 200000);
  EXPECT_EQ(merged["memory"], first["memory"]);
  auto changes = diffInventories(first, merged);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].summary, "Logiciel bash : version 5.2.15-2+b2 → 5.2.15-2+b7");
}

}  // namespace
}  // namespace parc::server::inventory
