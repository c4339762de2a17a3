// Inventory deltas and the change history against the real programs: a real agent
// reports whole, then only what changed; the server keeps the whole view and records
// the change, which parcctl shows. The change is a real one: the second run collects a
// section (software) that the first run's configuration had disabled.
#include <gtest/gtest.h>

#include "common/files/files.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

using namespace std::chrono_literals;

class InventoryHistory : public ::testing::Test {
 protected:
  std::filesystem::path agentDir() const { return tmp.path() / "agent"; }

  std::filesystem::path agentConfig(const std::string& name, const std::string& disabled) {
    auto path = tmp.path() / name;
    files::writeAtomic(path, "disabled_collectors = [" + disabled + "]\n");
    return path;
  }

  // One run of the service: until the server has stored and the agent has recorded
  // the acknowledgement of its inventory (so the next run may send a delta).
  std::string runOnce(const std::filesystem::path& config, const std::string& log) {
    auto state = agentDir() / "inventory-state.json";
    std::string before = files::tryRead(state).value_or("");
    Process agent(
        {binary("parc-agent"), "run", "-c", config.string(), "--data-dir", agentDir().string()},
        tmp.path() / log);
    bool acknowledged = waitFor(
        [&] {
          auto text = files::tryRead(state);
          if (!text || *text == before) return false;
          Json j = parseJson(*text);
          return j["pending"].is_null() && j["acknowledged"].is_object();
        },
        60s);
    EXPECT_EQ(agent.stop(), 0);
    EXPECT_TRUE(acknowledged) << agent.stderrText();
    return agent.stderrText();
  }

  // The agent's log line for the inventory it queued: "inventory queued: …".
  static std::string queuedLine(const std::string& log) {
    auto at = log.find("inventory queued: ");
    if (at == std::string::npos) return "";
    return log.substr(at, log.find('\n', at) - at);
  }

  TempDir tmp;
  Parcctl ctl{tmp.path() / "home"};
};

TEST_F(InventoryHistory, DeltaKeepsTheWholeViewAndANewSectionIsOneChange) {
  ServerFixture server(tmp.path() / "server");
  ctl.login(server);
  ctl.json({"tenants", "create", "--name", "Mairie de Millau", "--insee", "12145"});
  std::string token = ctl.json({"tokens", "create", "--tenant", "1"})["token"];
  auto withoutSoftware = agentConfig("first.toml", "\"software\"");
  auto everything = agentConfig("second.toml", "");
  RunResult enrolled =
      runProgram({binary("parc-agent"), "enroll", "-c", withoutSoftware.string(), "--server",
                  server.agentUrl, "--ca-fingerprint", server.caFingerprint, "--token", token,
                  "--data-dir", agentDir().string()});
  ASSERT_EQ(enrolled.exitCode, 0) << enrolled.err;

  // First run: a full inventory, without software; the first one is no change.
  std::string first = queuedLine(runOnce(withoutSoftware, "agent-1"));
  EXPECT_EQ(first, "inventory queued: full");
  Json view = ctl.json({"hosts", "show", "1"})["inventory"];
  ASSERT_TRUE(view.is_object());
  EXPECT_FALSE(view.contains("software"));
  EXPECT_EQ(ctl.json({"hosts", "history", "1"})["count"], 0);

  // Second run collects software: a delta with the new section, not the unchanged ones.
  std::string second = queuedLine(runOnce(everything, "agent-2"));
  EXPECT_EQ(second.rfind("inventory queued: delta:", 0), 0u) << second;
  EXPECT_NE(second.find("software"), std::string::npos) << second;
  for (const char* unchanged : {"cpu", "memory", "pci_devices", "users"}) {
    if (view.contains(unchanged)) {
      EXPECT_EQ(second.find(unchanged), std::string::npos) << second;
    }
  }

  // The server merged it: every section of the first run is still there, plus software.
  Json merged = ctl.json({"hosts", "show", "1"})["inventory"];
  for (const auto& [section, value] : view.items()) {
    EXPECT_TRUE(merged.contains(section)) << section << " lost by the delta";
  }
  ASSERT_TRUE(merged.contains("software"));
  ASSERT_FALSE(merged["software"].empty()) << "this test needs dpkg on the machine";

  // One change for the section, shown by parcctl.
  Json history = ctl.json({"hosts", "history", "1"});
  int software = 0;
  std::string summary;
  for (const auto& c : history["items"]) {
    if (c["section"] != "software") continue;
    ++software;
    EXPECT_EQ(c["kind"], "added");
    EXPECT_TRUE(c["id"].is_number());
    EXPECT_TRUE(c["at"].is_number());
    summary = c["summary"].get<std::string>();
  }
  EXPECT_EQ(software, 1) << history.dump(2);
  RunResult table = ctl.run({"hosts", "history", "1", "--limit", "10"});
  EXPECT_EQ(table.exitCode, 0) << table.err;
  EXPECT_NE(table.out.find("DATE (UTC)"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(summary), std::string::npos) << table.out;

  RunResult unknown = ctl.run({"hosts", "history", "42"});
  EXPECT_NE(unknown.exitCode, 0);
}

}  // namespace
}  // namespace parc::testing
