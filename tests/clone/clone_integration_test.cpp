// Cloned PCs end to end (docs/inventory.md, "Cloned PCs"): a real server and two real
// agents sharing one copied data directory (identity, certificate, key, device id) but
// reading different machines (the desktop and laptop trees of tests/fixtures/machines).
// The host keeps the first PC's inventory, the copy is flagged and kept aside, the
// technician accepts the new hardware, and nothing is ever merged silently.
#include <gtest/gtest.h>

#include "common/files/files.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kDesktopUuid = "4c4c4544-0050-4110-8037-b7c04f374433";
constexpr const char* kLaptopUuid = "1d0a3f6c-2b7e-11b2-a85c-f2d8c1e0b3a4";

class ClonedPcs : public ::testing::Test {
 protected:
  fs::path config(const std::string& name, const std::string& machine,
                  const std::string& disabled = "\"processes\"") {
    auto path = tmp.path() / (name + ".toml");
    auto root = fs::path(PARC_SOURCE_DIR) / "tests/fixtures/machines" / machine;
    files::writeAtomic(path, "system_root = \"" + root.string() +
                                 "\"\nmetrics_interval = 0\ndisabled_collectors = [" + disabled +
                                 "]\n");
    return path;
  }
  std::unique_ptr<Process> agent(const fs::path& cfg, const fs::path& dataDir,
                                 const std::string& log) {
    return std::make_unique<Process>(
        std::vector<std::string>{binary("parc-agent"), "run", "-c", cfg.string(), "--data-dir",
                                 dataDir.string()},
        tmp.path() / log);
  }
  Json host() { return ctl.json({"hosts", "show", "1"}); }
  std::string recordedUuid(const fs::path& dataDir) {
    auto text = files::tryRead(dataDir / "hardware.json");
    if (!text) return "";
    return parseJson(*text)["recorded"].value("uuid", "");
  }
  static std::string systemUuid(const Json& h) {
    const Json& inv = h["inventory"];
    if (!inv.is_object() || !inv.contains("system")) return "";
    return inv["system"].value("product_uuid", "");
  }

  TempDir tmp;
  Parcctl ctl{tmp.path() / "home"};
};

TEST_F(ClonedPcs, ACopiedIdentityIsFlaggedKeptAsideAndResolvedByATechnician) {
  ServerFixture server(tmp.path() / "server");
  ctl.login(server);
  ctl.json({"tenants", "create", "--name", "Mairie de Millau", "--insee", "12145"});
  std::string token = ctl.json({"tokens", "create", "--tenant", "1"})["token"];
  fs::path dirA = tmp.path() / "agent-a", dirB = tmp.path() / "agent-b";
  auto desktop = config("desktop", "desktop"), laptop = config("laptop", "laptop");
  RunResult enrolled = runProgram(
      {binary("parc-agent"), "enroll", "-c", desktop.string(), "--server", server.agentUrl,
       "--ca-fingerprint", server.caFingerprint, "--token", token, "--data-dir", dirA.string()});
  ASSERT_EQ(enrolled.exitCode, 0) << enrolled.err;

  // PC A reports: the host is the desktop, and A recorded its hardware.
  auto a = agent(desktop, dirA, "agent-a");
  ASSERT_TRUE(waitFor([&] { return systemUuid(host()) == kDesktopUuid; }, 60s)) << a->stderrText();
  EXPECT_EQ(recordedUuid(dirA), kDesktopUuid);
  EXPECT_FALSE(host()["clone_suspected"].get<bool>());
  EXPECT_EQ(host()["hardware_fingerprint"]["uuid"], kDesktopUuid);
  ASSERT_EQ(a->stop(), 0);

  // A technician images A's disk onto a laptop: the same data directory, other hardware.
  fs::copy(dirA, dirB, fs::copy_options::recursive);
  a = agent(desktop, dirA, "agent-a2");
  auto b = agent(laptop, dirB, "agent-b");
  ASSERT_TRUE(waitFor([&] { return host()["clone_suspected"] == true; }, 60s)) << b->stderrText();

  // Nothing of the laptop was merged: the host is still the desktop.
  Json h = host();
  EXPECT_EQ(systemUuid(h), kDesktopUuid);
  EXPECT_EQ(h["serial"], "PARC7D3");
  EXPECT_EQ(h["hardware_fingerprint"]["uuid"], kDesktopUuid);
  Json listed = ctl.json({"hosts", "list"});
  ASSERT_EQ(listed["items"].size(), 1u);
  EXPECT_EQ(listed["items"][0]["clone_suspected"], true);

  // The copy knows it is one, said so once, and did not overwrite its record.
  ASSERT_TRUE(waitFor(
      [&] {
        return b->stderrText().find("not the one this agent was enrolled on") != std::string::npos;
      },
      10s));
  EXPECT_EQ(recordedUuid(dirB), kDesktopUuid);

  // Its inventory is kept aside with the agent's own flag. (The reporting address is
  // known for reports over HTTPS; those over the control channel do not carry it yet.)
  Json reports = ctl.json({"hosts", "clone-reports", "1"});
  ASSERT_EQ(reports["count"], 1) << reports.dump(2);
  const Json& r = reports["items"][0];
  EXPECT_EQ(r["current"]["uuid"], kLaptopUuid);
  EXPECT_EQ(r["recorded"]["uuid"], kDesktopUuid);
  EXPECT_EQ(r["agent_flag"]["current"]["product_serial"], "PF2PARC1");
  EXPECT_EQ(r["inventory"]["system"]["product_uuid"], kLaptopUuid);
  EXPECT_TRUE(r["resolved_at"].is_null());

  // The history says it in French, the audit log and the alerts have it.
  Json history = ctl.json({"hosts", "history", "1"});
  bool said = false;
  for (const auto& c : history["items"]) {
    said |= c["summary"].get<std::string>().rfind(std::string("Clone suspecté : ") +
                                                      "matériel différent (UUID " + kDesktopUuid +
                                                      " ≠ " + kLaptopUuid,
                                                  0) == 0;
  }
  EXPECT_TRUE(said) << history.dump(2);
  Json audit = ctl.json({"audit", "list", "--action", "host.clone_suspected"});
  ASSERT_FALSE(audit["items"].empty()) << audit.dump(2);
  EXPECT_EQ(audit["items"][0]["actor"].get<std::string>().rfind("host:", 0), 0u);
  bool alerted = waitFor(
      [&] {
        Json alerts = ctl.json({"alerts", "list", "--host", "1"});
        for (const auto& al : alerts["items"]) {
          if (al.value("summary", "").find("clone suspecté") != std::string::npos) return true;
        }
        return false;
      },
      15s);
  EXPECT_TRUE(alerted);

  // Nobody but a technician decides: accepting needs a suspicion, and is audited.
  RunResult wrong = ctl.run({"hosts", "accept-hardware", "1", "--report", "999"});
  EXPECT_NE(wrong.exitCode, 0);

  // Say the laptop is the legitimate machine (its motherboard replaced): A goes away,
  // the technician accepts, the copy records its hardware and sends a full inventory.
  ASSERT_EQ(a->stop(), 0);
  RunResult accepted = ctl.run({"hosts", "accept-hardware", "1"});
  ASSERT_EQ(accepted.exitCode, 0) << accepted.err;
  EXPECT_NE(accepted.out.find("new hardware accepted"), std::string::npos) << accepted.out;
  ASSERT_TRUE(waitFor([&] { return recordedUuid(dirB) == kLaptopUuid; }, 60s)) << b->stderrText();
  ASSERT_TRUE(waitFor([&] { return systemUuid(host()) == kLaptopUuid; }, 60s)) << b->stderrText();
  h = host();
  EXPECT_FALSE(h["clone_suspected"].get<bool>());
  EXPECT_EQ(h["serial"], "PF2PARC1");
  EXPECT_EQ(h["config"]["accepted_hardware"]["uuid"], kLaptopUuid);
  Json accepts = ctl.json({"audit", "list", "--action", "host.hardware.accept"});
  ASSERT_FALSE(accepts["items"].empty());
  EXPECT_EQ(accepts["items"][0]["actor"], "user:admin");
  EXPECT_EQ(ctl.json({"hosts", "clone-reports", "1"})["items"][0]["resolution"], "accepted");

  // The desktop, still carrying the identity, is now the one kept aside as soon as it
  // reports (an agent sends when its inventory changes: here one section less).
  a = agent(config("desktop2", "desktop", "\"processes\", \"users\""), dirA, "agent-a3");
  ASSERT_TRUE(waitFor([&] { return host()["clone_suspected"] == true; }, 60s)) << a->stderrText();
  EXPECT_EQ(systemUuid(host()), kLaptopUuid);
  EXPECT_EQ(a->stop(), 0);
  EXPECT_EQ(b->stop(), 0);
}

}  // namespace
}  // namespace parc::testing
