// The first end-to-end path: parcctl creates a tenant and a token, a real agent enrols
// and reports its inventory, parcctl sees it; the server restarts and still has it.
#include <gtest/gtest.h>
#include <unistd.h>

#include "common/crypto/x509.h"
#include "common/files/files.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

using namespace std::chrono_literals;

class EnrolInventory : public ::testing::Test {
 protected:
  TempDir tmp;
  Parcctl ctl{tmp.path() / "home"};

  std::string createToken(int maxUses = 1) {
    Json t = ctl.json({"tokens", "create", "--tenant", "1", "--max-uses", std::to_string(maxUses)});
    return t.value("token", "");
  }
};

TEST_F(EnrolInventory, AgentEnrolsReportsAndSurvivesServerRestart) {
  std::uint16_t agentPort = 0, consolePort = 0;
  std::string fingerprint;
  {
    ServerFixture server(tmp.path() / "server");
    agentPort = server.agentPort;
    consolePort = server.consolePort;
    fingerprint = server.caFingerprint;
    ctl.login(server);
    Json tenant = ctl.json({"tenants", "create", "--name", "Mairie de Rodez", "--insee", "12202"});
    ASSERT_EQ(tenant["id"], 1);
    std::string token = createToken();
    ASSERT_EQ(token.rfind("parc_enr_", 0), 0u);

    Process agent(
        {binary("parc-agent"), "run", "--server", server.agentUrl, "--ca-fingerprint",
         server.caFingerprint, "--token", token, "--data-dir", (tmp.path() / "agent").string()},
        tmp.path() / "agent-log");
    Json hosts;
    ASSERT_TRUE(waitFor(
        [&] {
          hosts = ctl.json({"hosts", "list"});
          // inventory_at, not last_seen: presence (the control channel) sets last_seen
          // before the first inventory has arrived.
          return hosts["count"] == 1 && hosts["items"][0]["inventory_at"].is_number();
        },
        30s))
        << agent.stderrText();
    EXPECT_EQ(agent.stop(), 0) << "agent must exit cleanly on SIGTERM";

    Json host = ctl.json({"hosts", "show", "1"});
    EXPECT_EQ(host["tenant_id"], 1);
    EXPECT_FALSE(host["hostname"].get<std::string>().empty());
    ASSERT_TRUE(host["inventory"].is_object());
    EXPECT_TRUE(host["inventory"].contains("os"));
    EXPECT_TRUE(host["inventory"].contains("cpu"));
    EXPECT_TRUE(host["inventory"].contains("memory"));
    EXPECT_EQ(host["inventory"]["agent"]["version"], PARC_VERSION);
    // The token was single-use: it is spent.
    EXPECT_EQ(ctl.json({"tokens", "list"})["items"][0]["uses"], 1);

    // The agent's key stays on the PC, owner-only.
    auto perms = std::filesystem::status(tmp.path() / "agent" / "agent.key").permissions();
    EXPECT_EQ(perms & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_EQ(agent.stderrText().find("BEGIN PRIVATE KEY"), std::string::npos);
    EXPECT_EQ(agent.stderrText().find(token), std::string::npos) << "the token must not be logged";
    EXPECT_EQ(server.stop(), 0) << "server must exit cleanly on SIGTERM";
    EXPECT_EQ(server.process().stderrText().find(token), std::string::npos);
  }

  // Restart on the same data directory and ports: everything is still there, the CA
  // is the same, and the session of parcctl is still valid.
  ServerFixture again(tmp.path() / "server", agentPort, consolePort);
  EXPECT_EQ(again.caFingerprint, fingerprint);
  Json hosts = ctl.json({"hosts", "list"});
  ASSERT_EQ(hosts["count"], 1);
  Json host = ctl.json({"hosts", "show", "1"});
  EXPECT_TRUE(host["inventory"].contains("os"));

  // The enrolled agent reports again to the restarted server without a new token.
  auto before = host["last_seen"].get<long long>();
  std::this_thread::sleep_for(1100ms);
  std::filesystem::remove(tmp.path() / "agent" / "last-inventory.json");  // force a resend
  Process agent({binary("parc-agent"), "run", "--data-dir", (tmp.path() / "agent").string()},
                tmp.path() / "agent-log2");
  EXPECT_TRUE(waitFor(
      [&] {
        return ctl.json({"hosts", "show", "1"})["last_seen"].get<long long>() > before;
      },
      30s))
      << agent.stderrText();
}

TEST_F(EnrolInventory, PeopleReadableTablesAndVersionFlags) {
  ServerFixture server(tmp.path() / "server");
  ctl.login(server);
  ctl.json({"tenants", "create", "--name", "Mairie d'Albi", "--insee", "81004"});
  RunResult table = ctl.run({"tenants", "list"});
  EXPECT_EQ(table.exitCode, 0);
  EXPECT_NE(table.out.find("Mairie d'Albi"), std::string::npos);
  EXPECT_NE(table.out.find("INSEE"), std::string::npos);
  for (const auto* name : {"parc-server", "parc-agent", "parcctl"}) {
    RunResult v = runProgram({binary(name), "--version"});
    EXPECT_EQ(v.exitCode, 0);
    EXPECT_NE(v.out.find(PARC_VERSION), std::string::npos) << name;
  }
  RunResult badInsee = ctl.run({"tenants", "create", "--name", "X", "--insee", "ABCDE"});
  EXPECT_NE(badInsee.exitCode, 0);
  EXPECT_NE(badInsee.err.find("INSEE"), std::string::npos);
}

TEST_F(EnrolInventory, InventoryCommandNeedsNoServer) {
  RunResult r =
      runProgram({binary("parc-agent"), "inventory", "--data-dir", (tmp.path() / "none").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  Json inv = parseJson(r.out);
  EXPECT_TRUE(inv.contains("os"));
  EXPECT_TRUE(inv.contains("cpu"));
  EXPECT_FALSE(std::filesystem::exists(tmp.path() / "none")) << "inventory must write nothing";
}

TEST_F(EnrolInventory, InventoryWorksUnprivileged) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch to an unprivileged user";
  // As nobody: fewer fields (root-only DMI serials, SMART), but a whole document.
  // A copy nobody can reach: the build tree may sit in a private home directory.
  auto dir = tmp.path() / "public";
  std::filesystem::create_directories(dir);
  std::filesystem::permissions(
      tmp.path(), std::filesystem::perms::owner_all | std::filesystem::perms::others_exec);
  std::filesystem::permissions(
      dir, std::filesystem::perms::owner_all | std::filesystem::perms::others_exec);
  std::filesystem::copy_file(binary("parc-agent"), dir / "parc-agent");
  std::filesystem::permissions(dir / "parc-agent", std::filesystem::perms::owner_all |
                                                       std::filesystem::perms::others_read |
                                                       std::filesystem::perms::others_exec);
  RunResult r =
      runProgram({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                  (dir / "parc-agent").string(), "inventory", "--data-dir", "/nonexistent"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  Json inv = parseJson(r.out);
  EXPECT_TRUE(inv.contains("os"));
  EXPECT_TRUE(inv.contains("cpu"));
  EXPECT_TRUE(inv.contains("memory"));
  EXPECT_TRUE(inv.contains("software"));
}

TEST_F(EnrolInventory, LiveGlpiInventoryValidatesAgainstGlpiSchema) {
  RunResult r = runProgram({binary("parc-agent"), "inventory", "--format", "glpi", "--data-dir",
                            (tmp.path() / "none").string()});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto file = tmp.path() / "live-glpi.json";
  files::writeAtomic(file, r.out);
  RunResult check = runProgram({"/usr/bin/python3",
                                std::string(PARC_SOURCE_DIR) + "/../shared/tools/validate-glpi.py",
                                file.string()});
  EXPECT_EQ(check.exitCode, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("valid"), std::string::npos) << check.out;
  Json glpi = parseJson(r.out);
  EXPECT_EQ(glpi["action"], "inventory");
  EXPECT_TRUE(glpi["content"].contains("operatingsystem"));
}

TEST_F(EnrolInventory, ConsoleCanUseTheOperatorsOwnCertificate) {
  // A certificate from the cooperative's own CA for the console; agents keep the internal CA.
  auto caKey = crypto::generateKey();
  auto ca = crypto::makeCaCertificate(caKey.get(), "Coop Occitanie CA", 30);
  auto key = crypto::generateKey();
  auto cert = crypto::makeServerCertificate(ca.get(), caKey.get(), key.get(), "localhost",
                                            {"localhost"}, {"127.0.0.1"}, 30);
  auto dir = tmp.path() / "operator";
  std::filesystem::create_directories(dir);
  files::writeAtomic(dir / "console.pem", crypto::certificateToPem(cert.get()));
  crypto::writePrivateKey(dir / "console.key", key.get());
  files::writeAtomic(dir / "ca.pem", crypto::certificateToPem(ca.get()));

  auto data = tmp.path() / "server";
  Process server({binary("parc-server"), "--data-dir", data.string(), "--agent-listen",
                  "127.0.0.1:0", "--console-listen", "127.0.0.1:0", "--console-cert",
                  (dir / "console.pem").string(), "--console-key", (dir / "console.key").string()},
                 tmp.path() / "server-log");
  ASSERT_TRUE(waitFor([&] { return std::filesystem::exists(data / "server.json"); }, 30s))
      << server.stderrText();
  Json runtime = parseJson(files::read(data / "server.json"));
  std::string password = files::read(data / "initial-admin-password");
  RunResult ok = ctl.run({"login", "--server", runtime["console_url"], "--ca-file",
                          (dir / "ca.pem").string(), "--password-stdin"},
                         password);
  EXPECT_EQ(ok.exitCode, 0) << ok.err;
  // The internal CA's fingerprint no longer vouches for the console.
  RunResult pinned = ctl.run({"login", "--server", runtime["console_url"], "--ca-fingerprint",
                              runtime["ca_fingerprint"], "--password-stdin"},
                             password);
  EXPECT_NE(pinned.exitCode, 0);
  EXPECT_NE(pinned.err.find("not trusted"), std::string::npos) << pinned.err;
}

}  // namespace
}  // namespace parc::testing
