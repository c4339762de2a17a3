#pragma once
// The remote-streams fixture: a real parc-server and an enrolled parc-agent on loopback
// whose [remote] settings allow a terminal (as nobody), file transfer under
// <tmp>/files, a consent asker the test controls and a VNC port of the test's. Shared by
// the streams tests and the parcctl session tests.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/crypto/hash.h"
#include "common/files/files.h"
#include "common/net/client.h"
#include "tests/integration/harness.h"
#include "tests/remote/streams_socket.h"

namespace parc::testing {

using namespace std::chrono_literals;

class RemoteStreams : public ::testing::Test {
 protected:
  void SetUp() override {
    vncPort = freeLoopbackPort();
    server = std::make_unique<ServerFixture>(tmp.path() / "server");
    ctl.login(*server);
    ctl.json({"tenants", "create", "--name", "Mairie de Conques", "--insee", "12076"});
    std::string token = ctl.json({"tokens", "create", "--tenant", "1"})["token"];
    std::filesystem::create_directories(tmp.path() / "files" / "sub");
    std::filesystem::create_directories(tmp.path() / "outside");
    files::writeAtomic(tmp.path() / "outside" / "secret", "not for you", 0600);
    files::writeAtomic(tmp.path() / "answer", "0\n", 0644);
    // The consent "asker": a real program whose answer the test controls.
    files::writeAtomic(tmp.path() / "ask.sh",
                       "#!/bin/sh\necho \"$@\" >> " + (tmp.path() / "asked.log").string() +
                           "\nexit $(cat " + (tmp.path() / "answer").string() + ")\n",
                       0755);
    files::writeAtomic(tmp.path() / "agent.toml",
                       "data_dir = \"" + (tmp.path() / "agent").string() + "\"\n" +
                           "[remote]\n"
                           "terminal_user = \"nobody\"\n"
                           "terminal_shell = \"/bin/sh\"\n"
                           "terminal_idle_timeout = 60\n"
                           "file_roots = [\"" +
                           (tmp.path() / "files").string() +
                           "\"]\n"
                           "max_file_bytes = 20000000\n"
                           "consent_ask_command = [\"" +
                           (tmp.path() / "ask.sh").string() +
                           "\", \"{technician}\", \"{what}\"]\n"
                           "consent_notify_command = [\"true\"]\n"
                           "consent_timeout = 5\n"
                           "vnc_port = " +
                           std::to_string(vncPort) + "\n",
                       0644);
    RunResult r = runProgram({binary("parc-agent"), "enroll", "--config",
                              (tmp.path() / "agent.toml").string(), "--server", server->agentUrl,
                              "--ca-fingerprint", server->caFingerprint, "--token", token});
    ASSERT_EQ(r.exitCode, 0) << r.err;
    startAgent("agent-log");
    // nobody must be able to read and write in the shared folder for the terminal test.
    std::filesystem::permissions(tmp.path(), std::filesystem::perms::all,
                                 std::filesystem::perm_options::add);
  }

  // parc-agent run with <tmp>/agent.toml (its log in <tmp>/LOG), online once it returns.
  void startAgent(const std::string& log) {
    agent = std::make_unique<Process>(
        std::vector<std::string>{binary("parc-agent"), "run", "--config",
                                 (tmp.path() / "agent.toml").string(), "--retry-max-seconds", "1"},
        tmp.path() / log);
    ASSERT_TRUE(waitFor(
        [&] {
          return ctl.json({"hosts", "list"})["items"][0]["online"] == true;
        },
        30s))
        << agent->stderrText();
  }

  // Both stop promptly on SIGTERM with sessions behind them (no relay left holding a
  // connection: the server's 5 s grace would show).
  void TearDown() override {
    auto timed = [](Process& p) {
      auto t0 = std::chrono::steady_clock::now();
      p.stop();
      return std::chrono::steady_clock::now() - t0;
    };
    if (agent) {
      EXPECT_LT(timed(*agent), 4s) << agent->stderrText();
    }
    if (server) {
      EXPECT_LT(timed(server->process()), 4s);
    }
  }

  struct Login {
    std::string token, csrf;
  };
  Login login(const std::string& user, const std::string& password) {
    tls::ClientTlsConfig t;
    t.pinnedFingerprint = server->caFingerprint;
    net::HttpsClient client(net::parseUrl(server->consoleUrl), tls::TlsContext::client(t));
    net::Request req;
    req.method = "POST";
    req.target = "/api/v1/login";
    req.headers["content-type"] = "application/json";
    req.body = Json{{"username", user}, {"password", password}}.dump();
    net::Response res = client.send(req);
    EXPECT_EQ(res.status, 200) << res.body;
    Json j = parseJson(res.body);
    return {j["token"], j["csrf_token"]};
  }

  // GET with a bearer token (an account other than parcctl's).
  net::Response get(const std::string& path, const std::string& token) {
    return send("GET", path, token, "");
  }
  net::Response send(const std::string& method, const std::string& path, const std::string& token,
                     const std::string& body) {
    tls::ClientTlsConfig t;
    t.pinnedFingerprint = server->caFingerprint;
    net::HttpsClient client(net::parseUrl(server->consoleUrl), tls::TlsContext::client(t));
    net::Request req;
    req.method = method;
    req.target = path;
    req.headers["authorization"] = "Bearer " + token;
    if (!body.empty()) {
      req.headers["content-type"] = "application/json";
      req.body = body;
    }
    return client.send(req);
  }

  // A second PC, in another tenant, with the same settings as the first.
  std::unique_ptr<Process> startSecondAgent(const std::string& tenant) {
    std::string token = ctl.json({"tokens", "create", "--tenant", tenant})["token"];
    std::string conf = files::read(tmp.path() / "agent.toml");
    conf.replace(conf.find(tmp.path().string() + "/agent\""),
                 (tmp.path() / "agent").string().size(), (tmp.path() / "agent2").string());
    files::writeAtomic(tmp.path() / "agent2.toml", conf, 0644);
    RunResult r = runProgram({binary("parc-agent"), "enroll", "--config",
                              (tmp.path() / "agent2.toml").string(), "--server", server->agentUrl,
                              "--ca-fingerprint", server->caFingerprint, "--token", token});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return std::make_unique<Process>(
        std::vector<std::string>{binary("parc-agent"), "run", "--config",
                                 (tmp.path() / "agent2.toml").string(), "--retry-max-seconds", "1"},
        tmp.path() / "agent2-log");
  }

  std::unique_ptr<ConsoleSocket> open(const std::string& path, const std::string& token) {
    return std::make_unique<ConsoleSocket>(
        server->consoleUrl, server->caFingerprint, path,
        std::vector<std::pair<std::string, std::string>>{{"Authorization", "Bearer " + token}});
  }

  std::string adminToken() {
    if (admin.empty()) admin = login("admin", server->adminPassword).token;
    return admin;
  }

  // Upload then wait for the end message.
  Json put(const std::string& token, const std::string& remote, const std::string& content,
           std::string sha = {}) {
    if (sha.empty()) sha = crypto::sha256Hex(content);
    auto s = open("/api/v1/hosts/1/sessions/file-put?path=" + remote +
                      "&size=" + std::to_string(content.size()) + "&sha256=" + sha,
                  token);
    auto ready = s->waitType("ready", 20s);
    if (!ready) {
      auto end = s->waitType("end", 5s);
      return end ? *end : Json{{"status", "no answer"}};
    }
    // Respect the credit the server grants, as parcctl does.
    std::size_t window = (*ready)["window"], inFlight = 0, sent = 0;
    while (sent < content.size()) {
      while (inFlight >= window) {
        auto c = s->waitType("credit", 20s);
        if (!c) return Json{{"status", "stalled"}};
        inFlight -= std::min<std::size_t>(inFlight, (*c)["bytes"].get<std::size_t>());
      }
      std::size_t n = std::min({content.size() - sent, window - inFlight, std::size_t{32768}});
      s->sendBinary(content.substr(sent, n));
      sent += n;
      inFlight += n;
    }
    s->sendText(Json{{"type", "eof"}});
    auto end = s->waitType("end", 30s);
    return end ? *end : Json{{"status", "no end"}};
  }

  TempDir tmp;
  std::uint16_t vncPort = 0;
  Parcctl ctl{tmp.path() / "home"};
  std::unique_ptr<ServerFixture> server;
  std::unique_ptr<Process> agent;
  std::string admin;
};

}  // namespace parc::testing
