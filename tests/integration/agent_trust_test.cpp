// Refusals on the agent side of the trust model, each asserted against the real server.
#include <gtest/gtest.h>

#include <set>

#include "common/crypto/x509.h"
#include "common/error.h"
#include "common/net/client.h"
#include "common/sqlite/database.h"
#include "tests/integration/console_api.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

class AgentTrust : public ::testing::Test {
 protected:
  void SetUp() override {
    server = std::make_unique<ServerFixture>(tmp.path() / "server");
    ctl.login(*server);
    ctl.json({"tenants", "create", "--name", "Mairie de Millau", "--insee", "12145"});
  }

  Json createToken(int maxUses = 1) {
    return ctl.json({"tokens", "create", "--tenant", "1", "--max-uses", std::to_string(maxUses)});
  }

  RunResult enroll(const std::string& token, const std::string& fingerprint,
                   const std::string& dir) {
    return runProgram({binary("parc-agent"), "enroll", "--server", server->agentUrl,
                       "--ca-fingerprint", fingerprint, "--token", token, "--data-dir",
                       (tmp.path() / dir).string()});
  }

  net::Response post(const std::string& url, const std::string& path,
                     const tls::ClientTlsConfig& tls) {
    net::HttpsClient client(net::parseUrl(url), tls::TlsContext::client(tls),
                            std::chrono::seconds(10));
    return client.send({"POST", path, {{"content-type", "application/json"}}, "{}", {}, {}});
  }

  TempDir tmp;
  Parcctl ctl{tmp.path() / "home"};
  std::unique_ptr<ServerFixture> server;
};

TEST_F(AgentTrust, UnknownTokenIsRefused) {
  RunResult r = enroll("parc_enr_" + std::string(43, 'A'), server->caFingerprint, "a");
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("unknown enrolment token"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "a" / "agent.pem"));
  EXPECT_EQ(ctl.json({"hosts", "list"})["count"], 0);
}

TEST_F(AgentTrust, RevokedTokenIsRefused) {
  Json t = createToken();
  RunResult revoke = ctl.run({"tokens", "revoke", std::to_string(t["id"].get<int>())});
  ASSERT_EQ(revoke.exitCode, 0) << revoke.err;
  RunResult r = enroll(t["token"], server->caFingerprint, "a");
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("revoked"), std::string::npos) << r.err;
  EXPECT_EQ(ctl.json({"hosts", "list"})["count"], 0);
}

TEST_F(AgentTrust, ExpiredTokenIsRefused) {
  Json t = createToken();
  {
    // Age the token in the real database rather than wait a day.
    auto db = sqlite::Database::open(tmp.path() / "server" / "parc.db");
    sqlite::Statement(db, "UPDATE enrollment_tokens SET expires_at = 1 WHERE id = ?")
        .bind(1, t["id"].get<std::int64_t>())
        .run();
  }
  RunResult r = enroll(t["token"], server->caFingerprint, "a");
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("expired"), std::string::npos) << r.err;
}

// The token is checked before anything is signed: unknown, revoked, expired and spent
// tokens leave no certificate anywhere (the CA's own counter), no host, no token use,
// and one audited refusal each.
TEST_F(AgentTrust, BadTokensNeverProduceACertificate) {
  ConsoleApi api;
  api.connect(*server);
  std::string admin = api.login("admin", server->adminPassword);
  auto issued = [&] {
    std::string body = api.call("GET", "/metrics", admin).body;
    std::string key = "\nparc_agent_certificates_issued_total ";
    auto at = body.find(key);
    EXPECT_NE(at, std::string::npos) << body;
    return at == std::string::npos ? -1 : std::stoi(body.substr(at + key.size()));
  };
  ASSERT_EQ(issued(), 0);

  Json spent = createToken(1);
  ASSERT_EQ(enroll(spent["token"], server->caFingerprint, "first").exitCode, 0);
  ASSERT_EQ(issued(), 1);

  Json revoked = createToken(3);
  ASSERT_EQ(ctl.run({"tokens", "revoke", std::to_string(revoked["id"].get<int>())}).exitCode, 0);
  Json expired = createToken(3);
  {
    auto db = sqlite::Database::open(tmp.path() / "server" / "parc.db");
    sqlite::Statement(db, "UPDATE enrollment_tokens SET expires_at = 1 WHERE id = ?")
        .bind(1, expired["id"].get<std::int64_t>())
        .run();
  }
  std::vector<std::string> bad = {"parc_enr_" + std::string(43, 'B'), revoked["token"],
                                  expired["token"], spent["token"]};
  for (std::size_t i = 0; i < bad.size(); ++i) {
    std::string dir = "bad" + std::to_string(i);
    EXPECT_NE(enroll(bad[i], server->caFingerprint, dir).exitCode, 0) << i;
    EXPECT_FALSE(std::filesystem::exists(tmp.path() / dir / "agent.pem")) << i;
  }
  EXPECT_EQ(issued(), 1) << "a refused token made the CA sign";
  EXPECT_EQ(ctl.json({"hosts", "list"})["count"], 1);
  Json tokens =
      ctl.json({"tokens", "list"});  // named: a range-for over a temporary's member dangles
  for (const auto& t : tokens["items"]) {
    EXPECT_EQ(t["uses"], t["id"] == spent["id"] ? 1 : 0) << t.dump();
  }
  Json audit = api.ok("GET", "/api/v1/audit?action=agent.enroll&limit=50", admin);
  std::multiset<std::string> results;
  for (const auto& e : audit["items"]) results.insert(e["result"].get<std::string>());
  EXPECT_EQ(results.count("ok"), 1u) << audit.dump();
  EXPECT_EQ(results.size(), 5u) << audit.dump();
  for (const char* reason : {"unknown", "revoked", "expired", "no uses left"}) {
    bool found = false;
    for (const auto& r : results) found = found || r.find(reason) != std::string::npos;
    EXPECT_TRUE(found) << reason << " not audited: " << audit.dump();
  }
}

TEST_F(AgentTrust, ExhaustedTokenIsRefused) {
  Json t = createToken(1);
  ASSERT_EQ(enroll(t["token"], server->caFingerprint, "a").exitCode, 0);
  RunResult r = enroll(t["token"], server->caFingerprint, "b");
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("no uses left"), std::string::npos) << r.err;
  EXPECT_EQ(ctl.json({"hosts", "list"})["count"], 1);
}

TEST_F(AgentTrust, WrongCaFingerprintIsRefusedByTheAgent) {
  Json t = createToken();
  std::string wrong = server->caFingerprint;
  wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
  RunResult r = enroll(t["token"], wrong, "a");
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.err.find("not trusted"), std::string::npos) << r.err;
  // The token never left the agent, so it is still unused.
  EXPECT_EQ(ctl.json({"tokens", "list"})["items"][0]["uses"], 0);
}

TEST_F(AgentTrust, AgentRouteWithoutClientCertificateIsRefused) {
  tls::ClientTlsConfig noCert;
  noCert.pinnedFingerprint = server->caFingerprint;
  net::Response r = post(server->agentUrl, "/api/v1/messages", noCert);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("client certificate"), std::string::npos);
}

TEST_F(AgentTrust, ClientCertificateFromAnotherCaIsRefused) {
  auto otherCaKey = crypto::generateKey();
  auto otherCa = crypto::makeCaCertificate(otherCaKey.get(), "Parc internal CA", 30);
  auto key = crypto::generateKey();
  auto cert = crypto::signClientCertificate(
      otherCa.get(), otherCaKey.get(), crypto::parseCsr(crypto::makeCsrPem(key.get(), "x")).get(),
      "x", 30);
  tls::ClientTlsConfig forged;
  forged.pinnedFingerprint = server->caFingerprint;
  forged.certificatePem = crypto::certificateToPem(cert.get());
  forged.privateKeyPem = crypto::privateKeyToPem(key.get());
  try {
    net::Response r = post(server->agentUrl, "/api/v1/messages", forged);
    FAIL() << "a foreign certificate got an HTTP answer: " << r.status;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnavailable) << e.what();
  }
  // The refusal is logged for the administrator (the line may lag the client's error).
  EXPECT_TRUE(
      waitFor([&] { return server->process().stderrText().find("handshake") != std::string::npos; },
              std::chrono::seconds(5)));
}

TEST_F(AgentTrust, ConsoleRoutesNeedASessionAndAreNotOnTheAgentListener) {
  tls::ClientTlsConfig pinned;
  pinned.pinnedFingerprint = server->caFingerprint;
  net::HttpsClient console(net::parseUrl(server->consoleUrl), tls::TlsContext::client(pinned));
  EXPECT_EQ(console.send({"GET", "/api/v1/hosts", {}, "", {}, {}}).status, 401);
  EXPECT_EQ(
      console
          .send({"GET", "/api/v1/hosts", {{"authorization", "Bearer parc_ses_forged"}}, "", {}, {}})
          .status,
      401);
  EXPECT_EQ(console.send({"POST", "/api/v1/enroll", {}, "{}", {}, {}}).status, 404);
  net::HttpsClient agentSide(net::parseUrl(server->agentUrl), tls::TlsContext::client(pinned));
  EXPECT_EQ(agentSide.send({"GET", "/api/v1/hosts", {}, "", {}, {}}).status, 404);
  EXPECT_EQ(agentSide.send({"POST", "/api/v1/login", {}, "{}", {}, {}}).status, 404);
}

TEST_F(AgentTrust, MalformedAndOversizeBodiesAreRefusedAndTheServerKeepsServing) {
  tls::ClientTlsConfig pinned;
  pinned.pinnedFingerprint = server->caFingerprint;
  net::HttpsClient agentSide(net::parseUrl(server->agentUrl), tls::TlsContext::client(pinned));
  EXPECT_EQ(agentSide.send({"POST", "/api/v1/enroll", {}, "{not json", {}, {}}).status, 400);
  EXPECT_EQ(
      agentSide.send({"POST", "/api/v1/enroll", {}, R"({"token":"x","csr":"y"})", {}, {}}).status,
      400);
  EXPECT_EQ(
      agentSide.send({"POST", "/api/v1/enroll", {{"content-encoding", "zstd"}}, "garbage", {}, {}})
          .status,
      400);
  EXPECT_EQ(
      agentSide.send({"POST", "/api/v1/enroll", {}, std::string(9 * 1024 * 1024, 'x'), {}, {}})
          .status,
      413);
  // Still serving after all that.
  Json t = createToken();
  EXPECT_EQ(enroll(t["token"], server->caFingerprint, "a").exitCode, 0);
}

}  // namespace
}  // namespace parc::testing
