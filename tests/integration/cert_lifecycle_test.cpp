// Agents' certificates over their life, against the real parc-server and parc-agent:
// renewal before expiry (with overlap), expiry, revocation of live channels, the match
// of a re-installed PC, and a CA rotation from enrolment to retirement.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "common/crypto/x509.h"
#include "common/error.h"
#include "common/files/files.h"
#include "common/net/client.h"
#include "common/sqlite/database.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A parc-server started with a configuration file (certificate lifetime in seconds),
// restartable on the same ports.
struct Server {
  std::unique_ptr<Process> process;
  std::string agentUrl, consoleUrl, caFingerprint, adminPassword;
  std::uint16_t agentPort = 0, consolePort = 0;
};

class CertLifecycle : public ::testing::Test {
 protected:
  fs::path serverDir() const { return tmp.path() / "server"; }
  fs::path agentDir(const std::string& name) const { return tmp.path() / name; }

  void startServer(std::int64_t certificateSeconds = 0) {
    lifetime_ = certificateSeconds;
    files::ensureDirectory(serverDir(), 0700);
    fs::path configFile = tmp.path() / "server.toml";
    files::writeAtomic(
        configFile, certificateSeconds > 0
                        ? "agent_certificate_seconds = " + std::to_string(certificateSeconds) + "\n"
                        : std::string("\n"));
    fs::path runtime = serverDir() / "server.json";
    fs::remove(runtime);
    server.process = std::make_unique<Process>(
        std::vector<std::string>{
            binary("parc-server"), "-c", configFile.string(), "--data-dir", serverDir().string(),
            "--agent-listen", "127.0.0.1:" + std::to_string(server.agentPort), "--console-listen",
            "127.0.0.1:" + std::to_string(server.consolePort)},
        tmp.path() / ("server-" + std::to_string(++starts_)));
    ASSERT_TRUE(waitFor([&] { return fs::exists(runtime) || !server.process->running(); }, 30s));
    ASSERT_TRUE(fs::exists(runtime)) << server.process->stderrText();
    Json j = parseJson(files::read(runtime));
    server.agentUrl = j["agent_url"];
    server.consoleUrl = j["console_url"];
    server.caFingerprint = j["ca_fingerprint"];
    auto port = [](const std::string& url) {
      return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
    };
    server.agentPort = port(server.agentUrl);
    server.consolePort = port(server.consoleUrl);
    std::string pw = files::read(serverDir() / "initial-admin-password");
    server.adminPassword = pw.substr(0, pw.find('\n'));
  }

  // parcctl pins the CA too: after a promotion it must sign in again (docs/operations.md).
  void restartServer() {
    ASSERT_EQ(server.process->stop(), 0);
    startServer(lifetime_);
    login();
  }

  void login() {
    RunResult r = ctl.run({"login", "--server", server.consoleUrl, "--ca-fingerprint",
                           server.caFingerprint, "--password-stdin"},
                          server.adminPassword + "\n");
    ASSERT_EQ(r.exitCode, 0) << r.err;
  }

  void setUpTenantAndLogin() {
    login();
    ctl.json({"tenants", "create", "--name", "Mairie de Millau", "--insee", "12145"});
  }

  void enroll(const std::string& name) {
    std::string token = ctl.json({"tokens", "create", "--tenant", "1"})["token"];
    RunResult r =
        runProgram({binary("parc-agent"), "enroll", "--server", server.agentUrl, "--ca-fingerprint",
                    server.caFingerprint, "--token", token, "--data-dir", agentDir(name).string()});
    ASSERT_EQ(r.exitCode, 0) << r.err;
  }

  std::unique_ptr<Process> startAgent(const std::string& name) {
    return std::make_unique<Process>(
        std::vector<std::string>{binary("parc-agent"), "run", "--data-dir", agentDir(name).string(),
                                 "--retry-max-seconds", "1"},
        tmp.path() / (name + "-run-" + std::to_string(++starts_)));
  }

  RunResult caCommand(std::vector<std::string> args) {
    args.insert(args.begin(), {binary("parc-server"), "ca"});
    args.insert(args.end(), {"--data-dir", serverDir().string()});
    return runProgram(args);
  }

  static std::string fingerprintOf(const fs::path& pem) {
    return crypto::fingerprint(crypto::readCertificate(pem).get());
  }
  static std::size_t anchorsIn(const fs::path& bundle) {
    return crypto::certificatesFromPem(files::read(bundle)).size();
  }

  // An agent identity as the server sees it: these exact files.
  struct Identity {
    std::string cert, key, ca;
  };
  Identity identityOf(const std::string& name) {
    return {files::read(agentDir(name) / "agent.pem"), files::read(agentDir(name) / "agent.key"),
            files::read(agentDir(name) / "ca.pem")};
  }
  net::Response agentPost(const Identity& id, const std::string& path, const std::string& body) {
    tls::ClientTlsConfig t;
    t.caBundlePem = id.ca;
    t.certificatePem = id.cert;
    t.privateKeyPem = id.key;
    net::HttpsClient client(net::parseUrl(server.agentUrl), tls::TlsContext::client(t), 10s);
    return client.send({"POST", path, {{"content-type", "application/json"}}, body, {}, {}});
  }

  bool online(std::int64_t hostId) {
    RunResult r = ctl.run({"--json", "hosts", "show", std::to_string(hostId)});
    return r.exitCode == 0 && parseJson(r.out).value("online", false);
  }

  std::int64_t scalar(const std::string& sql, std::int64_t bind = 0) {
    auto db = sqlite::Database::open(serverDir() / "parc.db");
    sqlite::Statement s(db, sql);
    if (bind) s.bind(1, bind);
    if (!s.step()) return -1;
    return s.int64(0);
  }

  TempDir tmp;
  Parcctl ctl{tmp.path() / "home"};
  Server server;
  std::int64_t lifetime_ = 0;
  int starts_ = 0;
};

TEST_F(CertLifecycle, OverlapEndsWhenTheRenewedCertificateIsFirstUsed) {
  startServer();
  setUpTenantAndLogin();
  enroll("a");
  Identity old = identityOf("a");
  auto key = crypto::generateKey();
  net::Response r = agentPost(old, "/api/v1/agent/renew",
                              Json{{"csr", crypto::makeCsrPem(key.get(), "x")}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  Json renewed = parseJson(r.body);
  Identity fresh{renewed["certificate"], crypto::privateKeyToPem(key.get()), old.ca};
  auto cert = crypto::certificateFromPem(fresh.cert);
  EXPECT_EQ(crypto::subjectCommonName(cert.get()),
            crypto::subjectCommonName(crypto::certificateFromPem(old.cert).get()));
  ASSERT_EQ(renewed["trust_anchors"].size(), 1u);

  // Overlap: the old certificate still works until the new one is used.
  EXPECT_EQ(agentPost(old, "/api/v1/agent/trust", "{}").status, 200);
  net::Response first = agentPost(fresh, "/api/v1/agent/trust", "{}");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(parseJson(first.body)["certificate_current"], true);
  EXPECT_EQ(agentPost(old, "/api/v1/agent/trust", "{}").status, 403);
  EXPECT_EQ(agentPost(old, "/api/v1/messages", "{}").status, 403);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'agent.certificate.renew' "
                   "AND tenant_id = 1"),
            1);
  // A malformed request changes nothing.
  EXPECT_EQ(agentPost(fresh, "/api/v1/agent/renew", R"({"csr":"garbage"})").status, 400);
  EXPECT_EQ(agentPost(fresh, "/api/v1/agent/trust", "{}").status, 200);
}

TEST_F(CertLifecycle, ShortLivedCertificatesAreRenewedAndTheAgentKeepsWorking) {
  startServer(24);  // renewed when 8 s remain, checked every 2.4 s
  setUpTenantAndLogin();
  enroll("a");
  std::string original = fingerprintOf(agentDir("a") / "agent.pem");
  auto originalNotAfter =
      crypto::notAfter(crypto::readCertificate(agentDir("a") / "agent.pem").get());
  auto agent = startAgent("a");
  std::set<std::string> seen{original};
  // Two renewals, and past the original certificate's expiry.
  ASSERT_TRUE(waitFor(
      [&] {
        if (auto pem = files::tryRead(agentDir("a") / "agent.pem"))
          seen.insert(crypto::fingerprint(crypto::certificateFromPem(*pem).get()));
        return seen.size() >= 3 && std::chrono::system_clock::now() > originalNotAfter + 2s;
      },
      90s))
      << agent->stderrText();
  EXPECT_FALSE(fs::exists(agentDir("a") / "agent.pem.new"));
  EXPECT_EQ(fs::status(agentDir("a") / "agent.key").permissions() & fs::perms::others_read,
            fs::perms::none);
  // Still working: control channel (ping) and reports, with the latest certificate.
  ASSERT_TRUE(waitFor([&] { return online(1); }, 20s)) << agent->stderrText();
  Json ping = ctl.json({"hosts", "command", "1", "ping", "--timeout", "10"});
  EXPECT_EQ(ping["status"], "ok");
  EXPECT_EQ(agentPost(identityOf("a"), "/api/v1/agent/trust", "{}").status, 200);
  EXPECT_GE(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'agent.certificate.renew'"), 2);
  EXPECT_EQ(agent->stop(), 0);
}

TEST_F(CertLifecycle, ExpiredCertificateIsRefused) {
  startServer();
  setUpTenantAndLogin();
  enroll("a");
  // Certificates for the agent's own key, issued by the server's real CA.
  auto caKey = crypto::readPrivateKey(serverDir() / "tls" / "ca.key");
  auto ca = crypto::readCertificate(serverDir() / "tls" / "ca.pem");
  Identity id = identityOf("a");
  auto key = crypto::privateKeyFromPem(id.key);
  auto csr = crypto::parseCsr(crypto::makeCsrPem(key.get(), "x"));
  std::string uid = crypto::subjectCommonName(crypto::certificateFromPem(id.cert).get());
  auto expired = crypto::signClientCertificate(ca.get(), caKey.get(), csr.get(), uid, 0);
  std::this_thread::sleep_for(1100ms);
  Identity stale{crypto::certificateToPem(expired.get()), id.key, id.ca};
  try {
    net::Response r = agentPost(stale, "/api/v1/agent/trust", "{}");
    FAIL() << "an expired certificate got an HTTP answer: " << r.status;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnavailable) << e.what();
  }
  // The same CA, key and name within validity pass TLS (and are then unknown: 403).
  auto valid = crypto::signClientCertificate(ca.get(), caKey.get(), csr.get(), uid, 1);
  Identity other{crypto::certificateToPem(valid.get()), id.key, id.ca};
  EXPECT_EQ(agentPost(other, "/api/v1/agent/trust", "{}").status, 403);
  EXPECT_EQ(agentPost(id, "/api/v1/agent/trust", "{}").status, 200);
}

TEST_F(CertLifecycle, RevocationClosesTheLiveChannelAndEveryLaterConnection) {
  startServer();
  setUpTenantAndLogin();
  enroll("a");
  auto agent = startAgent("a");
  ASSERT_TRUE(waitFor([&] { return online(1); }, 30s)) << agent->stderrText();
  EXPECT_NE(ctl.run({"hosts", "revoke", "99"}).exitCode, 0);  // unknown: 404, nothing changes
  auto start = std::chrono::steady_clock::now();
  RunResult r = ctl.run({"hosts", "revoke", "1"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("revoked"), std::string::npos);
  ASSERT_TRUE(waitFor([&] { return !online(1); }, 5s));
  auto closedAfter = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  std::cout << "control channel closed " << closedAfter.count() << " ms after revocation\n";
  EXPECT_EQ(agentPost(identityOf("a"), "/api/v1/agent/trust", "{}").status, 403);
  EXPECT_EQ(agentPost(identityOf("a"), "/api/v1/messages", "{}").status, 403);
  // The agent keeps redialling (1 to 10 s): none of its attempts gets through.
  ASSERT_TRUE(waitFor(
      [&] {
        return agent->stderrText().find("control channel not connected") != std::string::npos;
      },
      30s))
      << agent->stderrText();
  EXPECT_FALSE(online(1));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'host.revoke' AND tenant_id = 1"),
            1);
}

TEST_F(CertLifecycle, RevocationAndMatchesAreTenantScoped) {
  startServer();
  setUpTenantAndLogin();
  ctl.json({"tenants", "create", "--name", "Mairie d'Albi", "--insee", "81004"});
  enroll("a");  // tenant 1
  tls::ClientTlsConfig pinned;
  pinned.pinnedFingerprint = server.caFingerprint;
  net::HttpsClient console(net::parseUrl(server.consoleUrl), tls::TlsContext::client(pinned), 10s);
  auto call = [&](const std::string& method, const std::string& path, const std::string& token,
                  const Json& body) {
    net::Headers h{{"content-type", "application/json"}};
    if (!token.empty()) h["authorization"] = "Bearer " + token;
    return console.send({method, path, h, body.is_null() ? "" : body.dump(), {}, {}});
  };
  auto login = [&](const std::string& user, const std::string& password) {
    net::Response r =
        call("POST", "/api/v1/login", "", Json{{"username", user}, {"password", password}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? parseJson(r.body)["token"].get<std::string>() : std::string();
  };
  std::string admin = login("admin", server.adminPassword);
  const std::string password = "Rodez-Albi-Millau-2026!";
  net::Response created = call("POST", "/api/v1/users", admin,
                               Json{{"username", "tech-albi"},
                                    {"password", password},
                                    {"role", "technician"},
                                    {"tenants", {2}}});
  ASSERT_EQ(created.status, 201) << created.body;
  std::string albi = login("tech-albi", password);
  // Another tenant's host is answered exactly like a missing one, and nothing changes.
  for (const char* action : {"revoke", "match/approve", "match/reject"}) {
    net::Response r = call("POST", "/api/v1/hosts/1/" + std::string(action), albi, Json());
    EXPECT_EQ(r.status, 404) << action << ": " << r.body;
    EXPECT_EQ(r.body, call("POST", "/api/v1/hosts/999/" + std::string(action), albi, Json()).body);
  }
  EXPECT_EQ(agentPost(identityOf("a"), "/api/v1/agent/trust", "{}").status, 200);
  net::Response ca = call("GET", "/api/v1/ca", albi, Json());
  ASSERT_EQ(ca.status, 200) << ca.body;
  EXPECT_EQ(parseJson(ca.body)["hosts"], 0);  // host 1 is not theirs
  // No session: refused before anything is looked up.
  EXPECT_EQ(call("POST", "/api/v1/hosts/1/revoke", "", Json()).status, 401);
  EXPECT_EQ(call("POST", "/api/v1/hosts/1/revoke", admin, Json()).status, 200);
}

TEST_F(CertLifecycle, ReinstalledPcIsMergedOnlyWhenApproved) {
  startServer();
  setUpTenantAndLogin();
  enroll("a");
  // The first installation reported something: its history must survive the merge.
  Json batch{{"version", 1},
             {"messages",
              {{{"id", "m-1"}, {"type", "event"}, {"payload", {{"kind", "before-reinstall"}}}}}}};
  ASSERT_EQ(agentPost(identityOf("a"), "/api/v1/messages", batch.dump()).status, 200);

  // Re-installation: same device id, new key and certificate.
  auto enrollSameDevice = [&](const std::string& name) {
    files::ensureDirectory(agentDir(name), 0700);
    fs::copy_file(agentDir("a") / "device-id", agentDir(name) / "device-id");
    enroll(name);
  };
  enrollSameDevice("b");
  EXPECT_EQ(ctl.json({"hosts", "list"})["count"], 2);
  EXPECT_EQ(scalar("SELECT match_host_id FROM hosts WHERE id = 2"), 1);
  auto agentB = startAgent("b");
  ASSERT_TRUE(waitFor([&] { return online(2); }, 30s)) << agentB->stderrText();

  RunResult approve = ctl.run({"hosts", "match", "approve", "2"});
  ASSERT_EQ(approve.exitCode, 0) << approve.err;
  EXPECT_EQ(ctl.json({"hosts", "list"})["count"], 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM agent_messages WHERE host_id = 1 AND message_id = 'm-1'"),
            1);
  // The running agent was cut and came back as the old host, with its new certificate.
  ASSERT_TRUE(waitFor([&] { return online(1); }, 30s))
      << agentB->stderrText() << "\nserver:\n"
      << server.process->stderrText();
  net::Response who = agentPost(identityOf("b"), "/api/v1/agent/trust", "{}");
  ASSERT_EQ(who.status, 200);
  EXPECT_EQ(parseJson(who.body)["host_id"], 1);
  EXPECT_EQ(agentPost(identityOf("a"), "/api/v1/agent/trust", "{}").status, 403);
  EXPECT_NE(ctl.run({"hosts", "match", "approve", "2"}).exitCode, 0);  // gone

  // Another re-installation, rejected this time: two machines after all.
  enrollSameDevice("c");
  std::int64_t third = scalar("SELECT MAX(id) FROM hosts");
  EXPECT_EQ(scalar("SELECT match_host_id FROM hosts WHERE id = ?", third), 1);
  RunResult reject = ctl.run({"hosts", "match", "reject", std::to_string(third)});
  ASSERT_EQ(reject.exitCode, 0) << reject.err;
  EXPECT_EQ(ctl.json({"hosts", "list"})["count"], 2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM hosts WHERE match_host_id IS NOT NULL"), 0);
  EXPECT_NE(ctl.run({"hosts", "match", "approve", std::to_string(third)}).exitCode, 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'host.match.%' "
                   "AND tenant_id = 1"),
            2);
  EXPECT_EQ(agentB->stop(), 0);
}

TEST_F(CertLifecycle, CaRotationKeepsTheFleet) {
  startServer(30);
  setUpTenantAndLogin();
  enroll("a");
  enroll("never");  // enrolled under CA1, never runs until CA1 is retired
  std::string ca1 = server.caFingerprint;
  auto agent = startAgent("a");
  ASSERT_TRUE(waitFor([&] { return online(1); }, 30s)) << agent->stderrText();

  // 1. Stage CA2: announced to agents, not used.
  RunResult rotate = caCommand({"rotate"});
  ASSERT_EQ(rotate.exitCode, 0) << rotate.err;
  restartServer();
  EXPECT_EQ(server.caFingerprint, ca1);
  ASSERT_TRUE(waitFor([&] { return anchorsIn(agentDir("a") / "ca.pem") == 2; }, 30s))
      << agent->stderrText();
  Json status;
  ASSERT_TRUE(waitFor(
      [&] {
        status = ctl.json({"ca", "status"});
        return status["anchors"].size() == 2 && status["anchors"][1]["hosts_knowing"] == 1;
      },
      30s))
      << status.dump();
  std::string ca2 = status["staged"];
  EXPECT_EQ(status["promotion_safe"], false);  // "never" has not learned CA2
  EXPECT_EQ(status["hosts_without_staged"], 1);

  // 2. Promote: server and new agent certificates from CA2; CA1 still trusted.
  ASSERT_EQ(caCommand({"promote"}).exitCode, 0);
  restartServer();
  EXPECT_EQ(server.caFingerprint, ca2);
  ASSERT_TRUE(waitFor([&] { return online(1); }, 30s)) << agent->stderrText();
  auto ca2Cert = crypto::readCertificate(serverDir() / "tls" / "ca.pem");
  ASSERT_TRUE(waitFor(
      [&] {
        auto pem = files::tryRead(agentDir("a") / "agent.pem");
        return pem && crypto::verifyIssuedBy(crypto::certificateFromPem(*pem).get(), ca2Cert.get());
      },
      40s))
      << agent->stderrText();
  ASSERT_TRUE(waitFor([&] { return anchorsIn(agentDir("a") / "ca.pem") == 1; }, 30s));
  EXPECT_EQ(fingerprintOf(agentDir("a") / "ca.pem"), ca2);
  // The idle agent's CA1 certificate is still accepted (it cannot trust the server, though).
  Identity never = identityOf("never");
  never.ca = files::read(serverDir() / "tls" / "ca.pem");
  EXPECT_EQ(agentPost(never, "/api/v1/agent/trust", "{}").status, 200);

  // 3. Retire CA1: the running agent carries on; the one that never learned CA2 is out.
  RunResult retire = caCommand({"retire", ca1});
  ASSERT_EQ(retire.exitCode, 0) << retire.err;
  restartServer();
  ASSERT_TRUE(waitFor([&] { return online(1); }, 30s)) << agent->stderrText();
  Json ping = ctl.json({"hosts", "command", "1", "ping", "--timeout", "10"});
  EXPECT_EQ(ping["status"], "ok");
  try {
    agentPost(identityOf("never"), "/api/v1/agent/trust", "{}");
    ADD_FAILURE() << "an agent that never learned CA2 still connects";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnavailable) << e.what();
  }
  // Even trusting CA2 by hand, its CA1 certificate is now refused at the handshake.
  try {
    agentPost(never, "/api/v1/agent/trust", "{}");
    ADD_FAILURE() << "a certificate from a retired CA was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnavailable) << e.what();
  }
  EXPECT_EQ(agent->stop(), 0);
}

}  // namespace
}  // namespace parc::testing
