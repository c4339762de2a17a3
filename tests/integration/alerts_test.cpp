// Health end to end through the real server: an agent's metrics batch with a full disk
// opens the default critical alert within a rules round, parcctl lists, acknowledges and
// silences it, and both are audited.
#include <gtest/gtest.h>

#include <thread>

#include "common/crypto/x509.h"
#include "common/net/client.h"
#include "tests/integration/console_api.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

// An enrolled PC as the server sees it: its id, its key and certificate.
struct EnrolledPc {
  std::int64_t hostId = 0;
  tls::ClientTlsConfig mtls;
};

EnrolledPc enrolPc(const ServerFixture& server, const Json& token, const std::string& hostname) {
  tls::ClientTlsConfig pinned;
  pinned.pinnedFingerprint = server.caFingerprint;
  net::HttpsClient client(net::parseUrl(server.agentUrl), tls::TlsContext::client(pinned));
  auto key = crypto::generateKey();
  Json enrol{{"token", token["token"]},
             {"csr", crypto::makeCsrPem(key.get(), "x")},
             {"hostname", hostname},
             {"device_id", "dev-" + hostname}};
  net::Response enrolled = client.send(
      {"POST", "/api/v1/enroll", {{"content-type", "application/json"}}, enrol.dump(), {}, {}});
  EXPECT_EQ(enrolled.status, 201) << enrolled.body;
  Json body = parseJson(enrolled.body);
  EnrolledPc pc;
  pc.hostId = body["host_id"];
  pc.mtls = pinned;
  pc.mtls.certificatePem = body["certificate"];
  pc.mtls.privateKeyPem = crypto::privateKeyToPem(key.get());
  return pc;
}

// The PC's metrics batch with its root file system at `pct` (docs/health.md).
void sendDisk(const ServerFixture& server, const EnrolledPc& pc, const std::string& id,
              double pct) {
  tls::ClientTlsConfig mtls = pc.mtls;
  mtls.pinnedFingerprint = server.caFingerprint;
  net::HttpsClient agent(net::parseUrl(server.agentUrl), tls::TlsContext::client(mtls));
  std::int64_t now = std::time(nullptr);
  Json metrics = Json::array({{{"name", "disk.used_pct"}, {"subject", "/"}, {"value", pct}}});
  Json batch{{"version", 1},
             {"messages", Json::array({{{"id", id},
                                        {"type", "metrics"},
                                        {"created_at", now},
                                        {"payload",
                                         {{"version", 1},
                                          {"collected_at", now},
                                          {"interval_seconds", 60},
                                          {"metrics", metrics}}}}})}};
  net::Response sent = agent.send(
      {"POST", "/api/v1/messages", {{"content-type", "application/json"}}, batch.dump(), {}, {}});
  EXPECT_EQ(sent.status, 200) << sent.body;
}

// The open alerts once there is at least one (rules run every 5 s); empty after 30 s.
Json openAlerts(Parcctl& ctl) {
  Json alerts = Json::array();
  waitFor(
      [&] {
        alerts = ctl.json({"alerts", "list"})["items"];
        return !alerts.empty();
      },
      std::chrono::seconds(30));
  return alerts;
}

TEST(Alerts, FullDiskOpensACriticalAlertThatParcctlAcknowledges) {
  TempDir tmp;
  ServerFixture server(tmp.path() / "server");
  Parcctl ctl(tmp.path() / "home");
  ctl.login(server);
  ctl.json({"tenants", "create", "--name", "Mairie de Bozouls", "--insee", "12033"});
  Json token = ctl.json({"tokens", "create", "--tenant", "1"});

  // A PC enrols and reports its disk at 99 % (docs/health.md, metrics batch).
  EnrolledPc pc = enrolPc(server, token, "pc-secretariat");
  sendDisk(server, pc, "metrics-1", 99.0);

  // The rules run every 5 s.
  Json alerts = openAlerts(ctl);
  ASSERT_FALSE(alerts.empty());
  ASSERT_EQ(alerts.size(), 1u) << alerts.dump();
  EXPECT_EQ(alerts[0]["severity"], "critical");
  EXPECT_EQ(alerts[0]["rule"], "disk_usage");
  EXPECT_EQ(alerts[0]["host_name"], "pc-secretariat");
  EXPECT_NE(alerts[0]["summary"].get<std::string>().find("99"), std::string::npos);

  std::string id = std::to_string(alerts[0]["id"].get<std::int64_t>());
  RunResult table = ctl.run({"alerts", "list"});
  EXPECT_NE(table.out.find("pc-secretariat"), std::string::npos) << table.out;
  RunResult ack = ctl.run({"alerts", "ack", id});
  ASSERT_EQ(ack.exitCode, 0) << ack.err;
  Json after = ctl.json({"alerts", "list", "--state", "acknowledged"})["items"];
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0]["acknowledged_by"], "user:admin");

  // parcctl alerts silence: a silence of that alert for the minutes asked, and the next
  // rules round marks the alert silenced.
  std::int64_t before = std::time(nullptr);
  Json silence = ctl.json({"alerts", "silence", id, "--minutes", "30"});
  EXPECT_EQ(silence["alert_id"], alerts[0]["id"]);
  EXPECT_EQ(silence["created_by"], "user:admin");
  EXPECT_GE(silence["ends_at"].get<std::int64_t>(), before + 30 * 60);
  EXPECT_LE(silence["ends_at"].get<std::int64_t>(), std::time(nullptr) + 30 * 60);
  RunResult plain = ctl.run({"alerts", "silence", id});
  ASSERT_EQ(plain.exitCode, 0) << plain.err;
  EXPECT_NE(plain.out.find("Alert " + id + " silenced"), std::string::npos) << plain.out;
  EXPECT_TRUE(waitFor(
      [&] {
        Json listed = ctl.json({"alerts", "list", "--state", "acknowledged"})["items"];
        return listed.size() == 1 && listed[0].value("silenced", false);
      },
      std::chrono::seconds(30)));
  EXPECT_NE(ctl.run({"alerts", "silence", id, "--minutes", "0"}).exitCode, 0);
  EXPECT_NE(ctl.run({"alerts", "silence", "999999"}).exitCode, 0);

  RunResult audit = ctl.run({"audit", "list", "--action", "alert."});
  EXPECT_NE(audit.out.find("alert.acknowledge"), std::string::npos) << audit.out;
  EXPECT_NE(audit.out.find("alert.silence"), std::string::npos) << audit.out;
  // Acknowledging what does not exist is refused clearly.
  EXPECT_NE(ctl.run({"alerts", "ack", "999999"}).exitCode, 0);
}

// Host groups through the real server and parcctl: a group's override applies to its
// PCs, also after a restart (memberships are read from parc.db at start), and stops
// applying when the PC leaves the group.
TEST(Alerts, HostGroupOverrideAppliesThroughTheRealServer) {
  TempDir tmp;
  auto server = std::make_unique<ServerFixture>(tmp.path() / "server");
  Parcctl ctl(tmp.path() / "home");
  ctl.login(*server);
  ctl.json({"tenants", "create", "--name", "Mairie d'Espalion", "--insee", "12096"});
  EnrolledPc pc = enrolPc(*server, ctl.json({"tokens", "create", "--tenant", "1"}), "pc-accueil");
  Json group = ctl.json({"hosts", "groups", "create", "--tenant", "1", "--name", "Accueil"});
  std::string g = std::to_string(group["id"].get<std::int64_t>());
  std::string host = std::to_string(pc.hostId);
  RunResult set = ctl.run({"hosts", "set-groups", host, g});
  ASSERT_EQ(set.exitCode, 0) << set.err;
  EXPECT_NE(set.out.find("groups: " + g), std::string::npos) << set.out;
  Json listed = ctl.json({"hosts", "groups", "list", "--tenant", "1"})["items"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["hosts"], Json::array({pc.hostId}));
  ConsoleApi api;
  api.connect(*server);
  std::string admin = api.login("admin", server->adminPassword);
  api.ok("PUT", "/api/v1/alert-rules", admin,
         Json{{"scope", "group"},
              {"scope_id", group["id"]},
              {"rule", "disk_usage"},
              {"settings", {{"enabled", false}}}});

  // Restarted: the membership comes back from the database.
  ASSERT_EQ(server->stop(), 0);
  server = std::make_unique<ServerFixture>(tmp.path() / "server");
  ctl.login(*server);
  sendDisk(*server, pc, "metrics-1", 99.0);
  std::this_thread::sleep_for(std::chrono::seconds(12));  // two rules rounds and more
  EXPECT_TRUE(ctl.json({"alerts", "list"})["items"].empty());

  // Out of the group: the default rule applies again.
  RunResult leave = ctl.run({"hosts", "set-groups", host});
  ASSERT_EQ(leave.exitCode, 0) << leave.err;
  sendDisk(*server, pc, "metrics-2", 99.0);
  Json alerts = openAlerts(ctl);
  ASSERT_FALSE(alerts.empty());
  EXPECT_EQ(alerts[0]["rule"], "disk_usage");
  EXPECT_EQ(alerts[0]["severity"], "critical");
  RunResult audit = ctl.run({"audit", "list", "--action", "host"});
  EXPECT_NE(audit.out.find("host_group.create"), std::string::npos) << audit.out;
  EXPECT_NE(audit.out.find("host.groups"), std::string::npos) << audit.out;
  // Deleting the group: refused for an unknown id, then done.
  EXPECT_NE(ctl.run({"hosts", "groups", "delete", "999"}).exitCode, 0);
  EXPECT_EQ(ctl.run({"hosts", "groups", "delete", g}).exitCode, 0);
  EXPECT_TRUE(ctl.json({"hosts", "groups", "list"})["items"].empty());
}

}  // namespace
}  // namespace parc::testing
