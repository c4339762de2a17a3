// Actions and signed scripts end to end: the real parc-server and parc-agent on
// loopback, commands through the control channel. The agent's commands root is a
// directory of the test's own programs, run through the real fork/exec path. Forged
// envelopes go through the real channel too (the generic commands route), signed with
// the server's own key read from its data directory, or with others.
#include <gtest/gtest.h>

#include <thread>

#include "common/crypto/hash.h"
#include "common/files/files.h"
#include "common/net/client.h"
#include "common/remote/envelope.h"
#include "common/remote/signing.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

using namespace std::chrono_literals;

class RemoteActions : public ::testing::Test {
 protected:
  void SetUp() override {
    server = std::make_unique<ServerFixture>(tmp.path() / "server");
    ctl.login(*server);
    ctl.json({"tenants", "create", "--name", "Mairie de Conques", "--insee", "12076"});
    std::string token = ctl.json({"tokens", "create", "--tenant", "1"})["token"];
    auto bin = tmp.path() / "bin";
    std::filesystem::create_directories(bin);
    fake(bin / "resolvectl",
         "echo \"resolvectl $*\" >> " + calls().string() + "; echo 'caches DNS vidés'");
    fake(bin / "systemctl", "echo \"systemctl $*\" >> " + calls().string() + "; echo active");
    std::filesystem::create_symlink("/bin/sh", bin / "sh");
    writeConfig(true);
    RunResult r = runProgram({binary("parc-agent"), "enroll", "--config", config().string(),
                              "--data-dir", agentDir().string(), "--server", server->agentUrl,
                              "--ca-fingerprint", server->caFingerprint, "--token", token});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    tls::ClientTlsConfig pinned;
    pinned.pinnedFingerprint = server->caFingerprint;
    console = std::make_unique<net::HttpsClient>(net::parseUrl(server->consoleUrl),
                                                 tls::TlsContext::client(pinned), 60s);
    admin = login("admin", server->adminPassword);
    startAgent();
    hostId = ctl.json({"hosts", "list"})["items"][0]["id"];
  }

  std::filesystem::path agentDir() const { return tmp.path() / "agent"; }
  std::filesystem::path config() const { return tmp.path() / "agent.toml"; }
  std::filesystem::path calls() const { return tmp.path() / "calls.log"; }
  void fake(const std::filesystem::path& p, const std::string& body) {
    files::writeAtomic(p, "#!/bin/sh\n" + body + "\n", 0755);
  }
  void writeConfig(bool scripts) {
    files::writeAtomic(config(),
                       "[remote]\nscripts = " + std::string(scripts ? "true" : "false") +
                           "\nservices = [\"cups\"]\ncommand_path = [\"" +
                           (tmp.path() / "bin").string() + "\"]\n",
                       0644);
  }
  void startAgent() {
    agent.reset();
    agent = std::make_unique<Process>(
        std::vector<std::string>{binary("parc-agent"), "run", "--config", config().string(),
                                 "--data-dir", agentDir().string()},
        tmp.path() / "agent");
    ASSERT_TRUE(waitFor(
        [&] {
          return ctl.json({"hosts", "list"})["items"][0]["online"] == true;
        },
        30s))
        << agent->stderrText();
  }

  net::Response call(const std::string& method, const std::string& path, const std::string& token,
                     const Json& body = nullptr) {
    std::map<std::string, std::string> headers{{"authorization", "Bearer " + token}};
    std::string text = body.is_null() ? std::string() : body.dump();
    if (!text.empty()) headers["content-type"] = "application/json";
    return console->send({method, path, headers, text, {}, {}});
  }
  Json ok(const std::string& method, const std::string& path, const Json& body = nullptr) {
    net::Response r = call(method, path, admin, body);
    EXPECT_LT(r.status, 300) << method << " " << path << ": " << r.body;
    return parseJson(r.body);
  }
  std::string login(const std::string& user, const std::string& password) {
    net::Response r = console->send({"POST",
                                     "/api/v1/login",
                                     {{"content-type", "application/json"}},
                                     Json{{"username", user}, {"password", password}}.dump(),
                                     {},
                                     {}});
    EXPECT_EQ(r.status, 200) << r.body;
    return parseJson(r.body).value("token", "");
  }
  std::string hostPath() const { return "/api/v1/hosts/" + std::to_string(hostId); }

  // A script_run payload signed by `key` (the server's own unless told otherwise).
  Json envelope(const parc::remote::SigningKey& key, std::int64_t target, std::int64_t expiresIn,
                const std::string& body = "echo signé") {
    parc::remote::ScriptEnvelope e;
    e.scriptName = "forged";
    e.body = body;
    e.scriptSha256 = crypto::sha256Hex(body);
    e.hostId = target;
    e.tenantId = 1;
    e.issuedAt = std::time(nullptr);
    e.expiresAt = e.issuedAt + expiresIn;
    e.nonce = parc::remote::newNonce();
    e.issuedBy = "user:test";
    e.timeoutSeconds = 10;
    parc::remote::SignedScript s;
    s.envelope = toJson(e).dump();
    s.signature = key.sign(s.envelope);
    s.signerKey = serverKey().publicKeyHex();
    return toJson(s);
  }
  parc::remote::SigningKey serverKey() {
    return parc::remote::SigningKey::fromPem(
        files::read(tmp.path() / "server" / "tls" / "command-signing.key"));
  }
  // Through the real channel, as any command: the agent alone decides.
  Json sendRaw(const Json& payload) {
    return ok("POST", hostPath() + "/commands",
              Json{{"command", "script_run"}, {"payload", payload}});
  }
  Json auditOf(const std::string& action) {
    Json out = Json::array();
    Json all = ok("GET", "/api/v1/audit?limit=500")["items"];
    for (const auto& e : all) {
      if (e["action"] == action) out.push_back(e);
    }
    if (out.empty()) ADD_FAILURE() << "no " << action << " in " << all.dump().substr(0, 3000);
    return out;
  }

  TempDir tmp;
  std::unique_ptr<ServerFixture> server;
  Parcctl ctl{tmp.path() / "home"};
  std::unique_ptr<net::HttpsClient> console;
  std::string admin;
  std::unique_ptr<Process> agent;
  std::int64_t hostId = 0;
};

TEST_F(RemoteActions, ActionRunsAndReturnsOutputThenIsRecordedAndAudited) {
  Json r = ok("POST", hostPath() + "/actions/flush_dns", Json::object());
  EXPECT_EQ(r["status"], "ok") << r.dump();
  EXPECT_NE(r["result"]["output"].get<std::string>().find("caches DNS vidés"), std::string::npos);
  EXPECT_EQ(files::read(calls()), "resolvectl flush-caches\n");

  r = ok("POST", hostPath() + "/actions/restart_service", Json{{"params", {{"unit", "cups"}}}});
  EXPECT_EQ(r["status"], "ok") << r.dump();
  // A unit outside the PC's list: refused by the agent, nothing run.
  r = ok("POST", hostPath() + "/actions/restart_service", Json{{"params", {{"unit", "ssh"}}}});
  EXPECT_EQ(r["status"], "refused") << r.dump();
  EXPECT_EQ(files::read(calls()),
            "resolvectl flush-caches\nsystemctl restart -- cups\nsystemctl is-active -- cups\n");
  // Bad parameters never leave the server.
  net::Response bad = call("POST", hostPath() + "/actions/restart_service", admin,
                           Json{{"params", {{"unit", "--force"}}}});
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(call("POST", hostPath() + "/actions/format_disk", admin, Json::object()).status, 404);

  Json executions = ok("GET", hostPath() + "/executions")["items"];
  ASSERT_EQ(executions.size(), 3u);
  EXPECT_EQ(executions[0]["status"], "refused");
  EXPECT_EQ(executions[2]["name"], "flush_dns");
  EXPECT_EQ(executions[2]["requested_by"], "user:admin");
  ASSERT_EQ(auditOf("remote.action:flush_dns").size(), 1u);
  EXPECT_EQ(auditOf("remote.action:flush_dns")[0]["result"], "ok");
  EXPECT_EQ(auditOf("remote.action:restart_service").size(), 2u);
}

TEST_F(RemoteActions, SignedScriptRunsAndForgedEnvelopesAreRefused) {
  Json script = ok("POST", "/api/v1/scripts",
                   Json{{"name", "Nettoyer le spouleur"}, {"body", "echo bonjour; exit 2"}});
  EXPECT_EQ(script["sha256"], crypto::sha256Hex("echo bonjour; exit 2"));
  // Library bodies are text: control bytes are refused before anything is stored.
  EXPECT_EQ(call("POST", "/api/v1/scripts", admin,
                 Json{{"name", "binaire"}, {"body", std::string("echo \x01\x1b[2J")}})
                .status,
            400);
  Json r = ok("POST", hostPath() + "/scripts/" + std::to_string(script["id"].get<int>()) + "/run",
              Json::object());
  EXPECT_EQ(r["status"], "failed") << r.dump();  // it ran, and exited 2
  EXPECT_EQ(r["exit_code"], 2);
  EXPECT_EQ(r["result"]["stdout"], "bonjour\n");
  // The agent pinned the server's key on first receipt.
  EXPECT_EQ(files::read(agentDir() / "command-signing.pub"), serverKey().publicKeyHex() + "\n");

  auto refusedBecause = [&](const Json& payload, const std::string& reason) {
    Json reply = sendRaw(payload);
    EXPECT_EQ(reply["status"], "refused") << reply.dump();
    EXPECT_NE(reply["error"].get<std::string>().find(reason), std::string::npos) << reply.dump();
  };
  refusedBecause(envelope(parc::remote::SigningKey::generate(), hostId, 60), "bad signature");
  refusedBecause(envelope(serverKey(), hostId + 1, 60), "wrong target");
  refusedBecause(envelope(serverKey(), hostId, -5), "expired");
  Json tampered = envelope(serverKey(), hostId, 60, "echo ok");
  std::string text = tampered["envelope"];
  text.replace(text.find("echo ok"), 7, "reboot!");
  tampered["envelope"] = text;
  refusedBecause(tampered, "bad signature");
  Json valid = envelope(serverKey(), hostId, 60, "echo une fois");
  Json first = sendRaw(valid);
  EXPECT_EQ(first["status"], "ok") << first.dump();
  EXPECT_EQ(first["result"]["stdout"], "une fois\n");
  refusedBecause(valid, "replayed");

  // Recorded and audited.
  Json runs = auditOf("remote.script:Nettoyer le spouleur");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["result"], "failed");
  EXPECT_NE(runs[0]["detail"].get<std::string>().find(script["sha256"].get<std::string>()),
            std::string::npos);
  EXPECT_EQ(auditOf("script.add").size(), 1u);
}

TEST_F(RemoteActions, TenantSwitchAndLocalPolicyWin) {
  Json script = ok("POST", "/api/v1/scripts", Json{{"name", "id"}, {"body", "id -u"}});
  std::string run = hostPath() + "/scripts/" + std::to_string(script["id"].get<int>()) + "/run";
  ok("PUT", "/api/v1/tenants/1/scripts-policy", Json{{"scripts_enabled", false}});
  net::Response off = call("POST", run, admin, Json::object());
  EXPECT_EQ(off.status, 403) << off.body;
  EXPECT_EQ(auditOf("remote.script:id").at(0)["result"], "refused");
  ok("PUT", "/api/v1/tenants/1/scripts-policy", Json{{"scripts_enabled", true}});

  // The PC says no: the server has no way around it.
  agent->stop();
  writeConfig(false);
  startAgent();
  Json r = ok("POST", run, Json::object());
  EXPECT_EQ(r["status"], "refused") << r.dump();
  EXPECT_NE(r["error"].get<std::string>().find("local policy"), std::string::npos);
  Json raw = sendRaw(envelope(serverKey(), hostId, 60));
  EXPECT_EQ(raw["status"], "refused");
  // Actions still work: only scripts were disabled.
  EXPECT_EQ(ok("POST", hostPath() + "/actions/flush_dns", Json::object())["status"], "ok");
}

TEST_F(RemoteActions, ParcctlRunsActionsAndScripts) {
  std::string host = std::to_string(hostId);
  RunResult r = ctl.run({"action", host, "restart_service", "--param", "unit=cups"});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("status: ok"), std::string::npos) << r.out;
  r = ctl.run({"action", host, "restart_service", "--param", "unit=ssh"});
  EXPECT_EQ(r.exitCode, 1) << r.out;  // refused by the PC: printed, and not a success
  EXPECT_NE(r.out.find("refused"), std::string::npos) << r.out;
  EXPECT_EQ(ctl.run({"action", host, "reboot", "--param", "delay_minutes=forever"}).exitCode, 1);
  files::writeAtomic(tmp.path() / "hello.sh", "echo \"bonjour de $(hostname)\"\n", 0644);
  r = ctl.run({"scripts", "add", "bonjour", (tmp.path() / "hello.sh").string(), "--description",
               "dit bonjour"});
  ASSERT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_EQ(ctl.json({"scripts", "list"})["count"], 1);
  r = ctl.run({"script", "run", host, "bonjour"});
  EXPECT_EQ(r.exitCode, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("bonjour de "), std::string::npos) << r.out;
  Json runs = ctl.json({"executions", host});
  ASSERT_EQ(runs["count"], 3);
  EXPECT_EQ(runs["items"][0]["kind"], "script");
  EXPECT_EQ(ctl.run({"scripts", "rm", "bonjour"}).exitCode, 0);
  EXPECT_EQ(ctl.json({"scripts", "list"})["count"], 0);
}

TEST_F(RemoteActions, RolesAreEnforced) {
  auto user = [&](const std::string& name, const std::string& role) {
    ok("POST", "/api/v1/users",
       Json{{"username", name},
            {"password", "Cassoulet-Aveyron-2026!"},
            {"role", role},
            {"tenants", nullptr}});
    return login(name, "Cassoulet-Aveyron-2026!");
  };
  std::string helpdesk = user("accueil", "helpdesk");
  std::string technician = user("tech", "technician");
  EXPECT_EQ(call("POST", hostPath() + "/actions/flush_dns", helpdesk, Json::object()).status, 200);
  Json script = ok("POST", "/api/v1/scripts", Json{{"name", "date"}, {"body", "date"}});
  std::string run = hostPath() + "/scripts/" + std::to_string(script["id"].get<int>()) + "/run";
  EXPECT_EQ(call("POST", run, helpdesk, Json::object()).status, 403);
  EXPECT_EQ(call("POST", run, technician, Json::object()).status, 200);
  EXPECT_EQ(call("POST", "/api/v1/scripts", technician, Json{{"name", "x"}, {"body", "x"}}).status,
            403);
  EXPECT_EQ(call("DELETE", "/api/v1/scripts/" + std::to_string(script["id"].get<int>()), technician)
                .status,
            403);
}

}  // namespace
}  // namespace parc::testing
