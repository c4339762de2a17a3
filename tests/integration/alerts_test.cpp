// Health end to end through the real server: an agent's metrics batch with a full disk
// opens the default critical alert within a rules round, parcctl lists and acknowledges
// it, and the acknowledgement is audited.
#include <gtest/gtest.h>

#include "common/crypto/x509.h"
#include "common/net/client.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

TEST(Alerts, FullDiskOpensACriticalAlertThatParcctlAcknowledges) {
  TempDir tmp;
  ServerFixture server(tmp.path() / "server");
  Parcctl ctl(tmp.path() / "home");
  ctl.login(server);
  ctl.json({"tenants", "create", "--name", "Mairie de Bozouls", "--insee", "12033"});
  Json token = ctl.json({"tokens", "create", "--tenant", "1"});

  // A PC enrols and reports its disk at 99 % (docs/health.md, metrics batch).
  tls::ClientTlsConfig pinned;
  pinned.pinnedFingerprint = server.caFingerprint;
  net::HttpsClient enrolClient(net::parseUrl(server.agentUrl), tls::TlsContext::client(pinned));
  auto key = crypto::generateKey();
  Json enrol{{"token", token["token"]},
             {"csr", crypto::makeCsrPem(key.get(), "x")},
             {"hostname", "pc-secretariat"},
             {"device_id", "dev-1"}};
  net::Response enrolled = enrolClient.send(
      {"POST", "/api/v1/enroll", {{"content-type", "application/json"}}, enrol.dump(), {}, {}});
  ASSERT_EQ(enrolled.status, 201) << enrolled.body;
  tls::ClientTlsConfig mtls = pinned;
  mtls.certificatePem = parseJson(enrolled.body)["certificate"];
  mtls.privateKeyPem = crypto::privateKeyToPem(key.get());
  net::HttpsClient agent(net::parseUrl(server.agentUrl), tls::TlsContext::client(mtls));
  std::int64_t now = std::time(nullptr);
  Json batch{{"version", 1},
             {"messages", Json::array({{{"id", "metrics-1"},
                                        {"type", "metrics"},
                                        {"created_at", now},
                                        {"payload",
                                         {{"version", 1},
                                          {"collected_at", now},
                                          {"interval_seconds", 60},
                                          {"metrics", Json::array({{{"name", "disk.used_pct"},
                                                                    {"subject", "/"},
                                                                    {"value", 99.0}}})}}}}})}};
  net::Response sent = agent.send(
      {"POST", "/api/v1/messages", {{"content-type", "application/json"}}, batch.dump(), {}, {}});
  ASSERT_EQ(sent.status, 200) << sent.body;

  // The rules run every 5 s.
  Json alerts;
  ASSERT_TRUE(waitFor(
      [&] {
        alerts = ctl.json({"alerts", "list"})["items"];
        return !alerts.empty();
      },
      std::chrono::seconds(30)));
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
  RunResult audit = ctl.run({"audit", "list", "--action", "alert."});
  EXPECT_NE(audit.out.find("alert.acknowledge"), std::string::npos) << audit.out;
  // Acknowledging what does not exist is refused clearly.
  EXPECT_NE(ctl.run({"alerts", "ack", "999999"}).exitCode, 0);
}

}  // namespace
}  // namespace parc::testing
