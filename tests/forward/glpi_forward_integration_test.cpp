// GLPI forwarding end to end: a real parc-server configured with [[glpi_forward]], real
// agents reporting their live inventory, and a local GLPI stand-in that validates every
// body against GLPI's schema. Every wait is bounded.
#include <gtest/gtest.h>

#include <thread>

#include "common/files/files.h"
#include "tests/forward/receiver.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

using namespace std::chrono_literals;

class GlpiForwardIT : public ::testing::Test {
 protected:
  TempDir tmp;
  Parcctl ctl{tmp.path() / "home"};

  // Rodez (12202) forwards to `url`; Albi (81004) has no [[glpi_forward]] block.
  std::string configFile(const std::string& url) {
    auto path = tmp.path() / "server.toml";
    files::writeAtomic(path,
                       "[[glpi_forward]]\n"
                       "tenant_insee = \"12202\"\n"
                       "url = \"" +
                           url +
                           "\"\n"
                           "retry_min_seconds = 0.3\n"
                           "retry_max_seconds = 1\n",
                       0600);
    return path.string();
  }

  std::unique_ptr<ServerFixture> startServer(const std::string& url, std::uint16_t agentPort = 0,
                                             std::uint16_t consolePort = 0) {
    return std::make_unique<ServerFixture>(tmp.path() / "server", agentPort, consolePort,
                                           std::vector<std::string>{"--config", configFile(url)});
  }

  void createTenants() {
    ASSERT_EQ(
        ctl.json({"tenants", "create", "--name", "Mairie de Rodez", "--insee", "12202"})["id"], 1);
    ASSERT_EQ(ctl.json({"tenants", "create", "--name", "Mairie d'Albi", "--insee", "81004"})["id"],
              2);
  }

  // A real agent enrols in `tenant` and reports its inventory; returns the host.
  Json reportFrom(const ServerFixture& server, int tenant, const std::string& name) {
    std::string token =
        ctl.json({"tokens", "create", "--tenant", std::to_string(tenant)}).value("token", "");
    int before = ctl.json({"hosts", "list"})["count"].get<int>();
    Process agent(
        {binary("parc-agent"), "run", "--server", server.agentUrl, "--ca-fingerprint",
         server.caFingerprint, "--token", token, "--data-dir", (tmp.path() / name).string()},
        tmp.path() / (name + "-log"));
    Json host;
    bool reported = waitFor(
        [&] {
          Json hosts = ctl.json({"hosts", "list"});
          if (hosts["count"] != before + 1) return false;
          for (const auto& h : hosts["items"]) {
            if (h["tenant_id"] == tenant && h["inventory_at"].is_number()) host = h;
          }
          return host.is_object();
        },
        60s);
    EXPECT_TRUE(reported) << agent.stderrText();
    agent.stop();
    return host;
  }

  Json glpiHost(int hostId) {
    Json s = ctl.json({"glpi", "status"});
    for (const auto& t : s["tenants"])
      for (const auto& h : t["hosts"])
        if (h["host_id"] == hostId) return h;
    return Json::object();
  }
  Json glpiTenant(int tenantId) {
    Json s = ctl.json({"glpi", "status"});  // a local: iterating a temporary's member dangles
    for (const auto& t : s["tenants"])
      if (t["tenant_id"] == tenantId) return t;
    return Json::object();
  }
};

TEST_F(GlpiForwardIT, ValidInventoryReachesTheRightTenantsGlpiOnly) {
  GlpiReceiver receiver(tmp.path() / "glpi");
  auto server = startServer(receiver.url());
  ctl.login(*server);
  createTenants();
  Json rodez = reportFrom(*server, 1, "agent-rodez");
  Json albi = reportFrom(*server, 2, "agent-albi");
  ASSERT_TRUE(rodez.is_object() && albi.is_object());

  ASSERT_TRUE(waitFor([&] { return glpiHost(rodez["id"]).value("state", "") == "delivered"; }, 30s))
      << receiver.log() << server->process().stderrText();
  std::this_thread::sleep_for(1s);  // anything else would have arrived by now
  auto got = receiver.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0]["valid"].get<bool>()) << got[0].dump();
  EXPECT_EQ(got[0]["agent_id"], rodez["uid"]);
  EXPECT_EQ(got[0]["action"], "inventory");
  EXPECT_EQ(got[0]["content_type"], "application/x-compress-zlib");
  EXPECT_EQ(got[0]["user_agent"], std::string("Parc-Agent/") + PARC_VERSION);
  EXPECT_GE(got[0]["sections"].size(), 8u) << got[0]["sections"].dump();
  EXPECT_TRUE(glpiHost(albi["id"]).empty()) << "Albi has no GLPI forwarding";
  EXPECT_FALSE(glpiTenant(1)["last_success_at"].is_null());

  RunResult table = ctl.run({"glpi", "status"});
  EXPECT_EQ(table.exitCode, 0) << table.err;
  EXPECT_NE(table.out.find("delivered"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("plain HTTP"), std::string::npos) << table.out;
}

TEST_F(GlpiForwardIT, ReceiverDownThenUpGetsItOnceAfterRetries) {
  std::uint16_t port = freeLoopbackPort();  // a receiver started there later
  auto server = startServer("http://127.0.0.1:" + std::to_string(port) + "/");
  ctl.login(*server);
  createTenants();
  Json host = reportFrom(*server, 1, "agent-rodez");
  ASSERT_TRUE(waitFor([&] { return glpiHost(host["id"]).value("attempts", 0) >= 2; }, 30s));
  Json h = glpiHost(host["id"]);
  EXPECT_EQ(h["state"], "retrying");
  EXPECT_NE(h["last_error"].get<std::string>().find("cannot connect"), std::string::npos);

  GlpiReceiver receiver(tmp.path() / "glpi", port);
  ASSERT_TRUE(waitFor([&] { return glpiHost(host["id"]).value("state", "") == "delivered"; }, 30s));
  std::this_thread::sleep_for(2s);  // longer than the longest backoff: no second copy
  auto got = receiver.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0]["valid"].get<bool>());
  EXPECT_EQ(got[0]["agent_id"], host["uid"]);
}

TEST_F(GlpiForwardIT, PendingForwardSurvivesKill9) {
  std::uint16_t port = freeLoopbackPort();  // a receiver started there later
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  auto server = startServer(url);
  ctl.login(*server);
  createTenants();
  Json host = reportFrom(*server, 1, "agent-rodez");
  ASSERT_TRUE(waitFor([&] { return glpiHost(host["id"]).value("attempts", 0) >= 1; }, 30s));
  std::uint16_t agentPort = server->agentPort, consolePort = server->consolePort;
  server->process().kill9();
  server.reset();

  GlpiReceiver receiver(tmp.path() / "glpi", port);
  server = startServer(url, agentPort, consolePort);
  ASSERT_TRUE(waitFor([&] { return receiver.received().size() >= 1; }, 30s))
      << server->process().stderrText();
  ASSERT_TRUE(waitFor([&] { return glpiHost(host["id"]).value("state", "") == "delivered"; }, 10s));
  auto got = receiver.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0]["valid"].get<bool>());
  EXPECT_EQ(got[0]["agent_id"], host["uid"]);
}

TEST_F(GlpiForwardIT, ServerErrorsAndGarbageAreRetriedAndShown) {
  GlpiReceiver receiver(tmp.path() / "glpi");
  receiver.setMode("500");
  auto server = startServer(receiver.url());
  ctl.login(*server);
  createTenants();
  Json host = reportFrom(*server, 1, "agent-rodez");
  ASSERT_TRUE(waitFor([&] { return glpiTenant(1).value("consecutive_failures", 0) >= 2; }, 30s));
  Json t = glpiTenant(1);
  EXPECT_NE(t["last_error"].get<std::string>().find("HTTP 500"), std::string::npos) << t.dump();
  EXPECT_EQ(glpiHost(host["id"])["state"], "retrying");
  RunResult table = ctl.run({"glpi", "status"});
  EXPECT_NE(table.out.find("HTTP 500"), std::string::npos) << table.out;

  receiver.setMode("garbage");
  ASSERT_TRUE(waitFor(
      [&] {
        Json e = glpiTenant(1)["last_error"];
        return e.is_string() && e.get<std::string>().find("GLPI's JSON") != std::string::npos;
      },
      30s));
  receiver.setMode("ok");
  ASSERT_TRUE(waitFor([&] { return glpiHost(host["id"]).value("state", "") == "delivered"; }, 30s));
  auto got = receiver.received();
  ASSERT_GE(got.size(), 3u);  // 500s, garbage, then the delivery
  EXPECT_EQ(got.back()["answered"], "ok");
  EXPECT_TRUE(got.back()["valid"].get<bool>());
  EXPECT_EQ(glpiTenant(1)["consecutive_failures"], 0);
}

}  // namespace
}  // namespace parc::testing
