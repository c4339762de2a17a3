// Remote sessions end to end with the real programs on loopback: a terminal round-trips
// keystrokes and output through the server (and is recorded in asciicast v2), a file
// round-trips with the same SHA-256 and escapes are refused, consent is enforced by the
// agent through a real asker program, browser sockets need CSRF + Origin, and every
// session is in the sessions registry and the audit log.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <thread>

#include "common/crypto/hash.h"
#include "common/files/files.h"
#include "common/net/client.h"
#include "tests/integration/harness.h"
#include "tests/remote/echo_vnc.h"
#include "tests/remote/streams_fixture.h"

namespace parc::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST_F(RemoteStreams, TerminalRoundTripsKeystrokesAndOutputAndIsRecorded) {
  auto s = open("/api/v1/hosts/1/sessions/terminal?cols=100&rows=30", adminToken());
  auto ready = s->waitType("ready", 20s);
  ASSERT_TRUE(ready) << s->endReason() << agent->stderrText();
  EXPECT_EQ((*ready)["info"]["user"], "nobody");  // never root by default
  s->sendBinary("echo parc-$((6*7)); id -u\n");
  ASSERT_TRUE(s->waitOutput("parc-42", 10s)) << s->output();
  EXPECT_TRUE(s->waitOutput("65534", 10s)) << s->output();
  s->sendText(Json{{"type", "resize"}, {"cols", 120}, {"rows", 40}});
  s->sendBinary("stty size\n");
  EXPECT_TRUE(s->waitOutput("40 120", 10s)) << s->output();
  s->sendBinary("exit\n");
  auto end = s->waitType("end", 10s);
  ASSERT_TRUE(end);
  EXPECT_EQ((*end)["status"], "ok");

  // The registry and the audit log know it; the recording is asciicast v2 with the output.
  Json sessions;
  ASSERT_TRUE(waitFor(
      [&] {
        sessions = ctl.json({"sessions", "list"});
        return sessions["count"] == 1 && sessions["items"][0]["result"] != "active";
      },
      10s))
      << sessions.dump();
  Json row = sessions["items"][0];
  EXPECT_EQ(row["kind"], "terminal");
  EXPECT_EQ(row["username"], "admin");
  EXPECT_EQ(row["result"], "ok");
  EXPECT_GT(row["bytes_from_host"].get<int>(), 0);
  std::string recording = row["recording"];
  ASSERT_FALSE(recording.empty());
  std::ifstream cast(recording);
  std::string header;
  std::getline(cast, header);
  Json h = parseJson(header);
  EXPECT_EQ(h["version"], 2);
  EXPECT_EQ(h["width"], 100);
  std::string rest((std::istreambuf_iterator<char>(cast)), std::istreambuf_iterator<char>());
  EXPECT_NE(rest.find("parc-42"), std::string::npos);
  EXPECT_NE(rest.find("\"r\",\"120x40\""), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(recording.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);

  Json audit = ctl.json({"audit", "list", "--action", "remote.terminal.end"});
  ASSERT_GE(audit["count"].get<int>(), 1) << audit.dump();
  EXPECT_NE(audit["items"][0]["detail"].get<std::string>().find(recording), std::string::npos);
}

TEST_F(RemoteStreams, FileRoundTripsWithTheSameChecksumAndEscapesAreRefused) {
  std::string content(3 * 1024 * 1024 + 17, '\0');
  std::mt19937 rng(7);
  for (auto& c : content) c = static_cast<char>(rng());
  std::string remote = (tmp.path() / "files" / "sub" / "report.bin").string();
  Json up = put(adminToken(), remote, content);
  ASSERT_EQ(up["status"], "ok") << up.dump() << agent->stderrText();
  EXPECT_EQ(up["info"]["sha256"], crypto::sha256Hex(content));
  EXPECT_EQ(files::read(remote), content);

  auto get = open("/api/v1/hosts/1/sessions/file-get?path=" + remote, adminToken());
  auto ready = get->waitType("ready", 20s);
  ASSERT_TRUE(ready);
  EXPECT_EQ((*ready)["info"]["size"], content.size());
  auto end = get->waitType("end", 30s);
  ASSERT_TRUE(end);
  EXPECT_EQ((*end)["status"], "ok");
  EXPECT_EQ((*end)["info"]["sha256"], crypto::sha256Hex(content));
  EXPECT_EQ(crypto::sha256Hex(get->output()), crypto::sha256Hex(content));

  // parcctl does the same round trip, checking the digest itself.
  files::writeAtomic(tmp.path() / "local.bin", content.substr(0, 200000), 0600);
  std::string viaCli = (tmp.path() / "files" / "cli.bin").string();
  RunResult up2 = ctl.run({"files", "put", "1", (tmp.path() / "local.bin").string(), viaCli});
  ASSERT_EQ(up2.exitCode, 0) << up2.err;
  RunResult down2 =
      ctl.run({"--json", "files", "get", "1", viaCli, (tmp.path() / "back.bin").string()});
  ASSERT_EQ(down2.exitCode, 0) << down2.err;
  EXPECT_EQ(parseJson(down2.out)["sha256"], crypto::sha256Hex(content.substr(0, 200000)));
  EXPECT_EQ(files::read(tmp.path() / "back.bin"), content.substr(0, 200000));
  RunResult refused2 = ctl.run({"files", "get", "1", "/etc/shadow", (tmp.path() / "x").string()});
  EXPECT_NE(refused2.exitCode, 0);
  EXPECT_FALSE(fs::exists(tmp.path() / "x"));

  // A wrong checksum keeps nothing.
  std::string other = (tmp.path() / "files" / "bad.bin").string();
  Json bad = put(adminToken(), other, "hello", std::string(64, 'a'));
  EXPECT_EQ(bad["status"], "refused") << bad.dump();
  EXPECT_FALSE(fs::exists(other));
  EXPECT_TRUE(fs::is_empty(tmp.path() / "files") == false);

  // ../ and symbolic links out of the root are refused, nothing read or written.
  std::string escape = (tmp.path() / "files" / ".." / "outside" / "secret").string();
  auto e = open("/api/v1/hosts/1/sessions/file-get?path=" + escape, adminToken());
  auto refused = e->waitType("end", 20s);
  ASSERT_TRUE(refused);
  EXPECT_EQ((*refused)["status"], "refused");
  EXPECT_EQ(e->output(), "");
  fs::create_symlink(tmp.path() / "outside" / "secret", tmp.path() / "files" / "link");
  auto l =
      open("/api/v1/hosts/1/sessions/file-get?path=" + (tmp.path() / "files" / "link").string(),
           adminToken());
  auto linkRefused = l->waitType("end", 20s);
  ASSERT_TRUE(linkRefused);
  EXPECT_EQ((*linkRefused)["status"], "refused");
  Json putEscape = put(adminToken(), (tmp.path() / "files" / ".." / "planted").string(), "x");
  EXPECT_EQ(putEscape["status"], "refused");
  EXPECT_FALSE(fs::exists(tmp.path() / "planted"));
  EXPECT_EQ(files::read(tmp.path() / "outside" / "secret"), "not for you");

  // Every transfer, done or refused, is in the audit log under its kind.
  for (const char* kind : {"file-get", "file-put"}) {
    Json starts = ctl.json({"audit", "list", "--action", std::string("remote.") + kind + ".start"});
    Json ends = ctl.json({"audit", "list", "--action", std::string("remote.") + kind + ".end"});
    std::set<std::string> results;
    for (const auto& e : ends["items"]) results.insert(e["result"].get<std::string>());
    EXPECT_GE(starts["items"].size(), 1u) << kind;
    EXPECT_TRUE(results.count("ok")) << kind << ": " << ends.dump();
    EXPECT_TRUE(results.count("refused")) << kind << ": " << ends.dump();
    // Which file: in both audit entries and in the sessions list.
    const std::string file = "path " + (tmp.path() / "files").string();
    EXPECT_NE(starts["items"][0]["detail"].get<std::string>().find(file), std::string::npos)
        << starts.dump();
    EXPECT_NE(ends["items"][0]["detail"].get<std::string>().find(file), std::string::npos)
        << ends.dump();
  }
  Json listed = ctl.json({"sessions", "list"});
  for (const auto& r : listed["items"]) {
    EXPECT_EQ(r["detail"].get<std::string>().rfind("path /", 0), 0u) << r.dump();
  }
}

TEST_F(RemoteStreams, ConsentIsAskedAndARefusalStopsTheSession) {
  // Tenant policy "ask" set by an administrator.
  Json set = ctl.json({"sessions", "consent", "1", "ask"});
  EXPECT_EQ(set["policy"], "ask");
  files::writeAtomic(tmp.path() / "answer", "1\n", 0644);  // the user says no
  auto s = open("/api/v1/hosts/1/sessions/terminal", adminToken());
  auto end = s->waitType("end", 20s);
  ASSERT_TRUE(end);
  EXPECT_EQ((*end)["status"], "refused");
  EXPECT_NE((*end)["reason"].get<std::string>().find("declined"), std::string::npos);
  EXPECT_NE(files::read(tmp.path() / "asked.log").find("admin terminal"), std::string::npos);

  files::writeAtomic(tmp.path() / "answer", "0\n", 0644);  // now yes
  auto ok = open("/api/v1/hosts/1/sessions/terminal", adminToken());
  ASSERT_TRUE(ok->waitType("ready", 20s));
  ok->close();

  Json refused = ctl.json({"audit", "list", "--action", "remote.terminal.end"});
  bool sawRefusal = false;
  for (const auto& e : refused["items"]) sawRefusal |= e["result"] == "refused";
  EXPECT_TRUE(sawRefusal) << refused.dump();
}

TEST_F(RemoteStreams, HelpdeskNeedsConsentEvenWhereThePolicyIsNone) {
  RunResult r =
      ctl.run({"users", "create", "marie", "--role", "helpdesk"}, "Tres-long-mot-de-passe-2026!\n");
  ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
  Login marie = login("marie", "Tres-long-mot-de-passe-2026!");
  files::writeAtomic(tmp.path() / "answer", "1\n", 0644);
  auto s = open("/api/v1/hosts/1/sessions/terminal", marie.token);
  auto end = s->waitType("end", 20s);
  ASSERT_TRUE(end);
  EXPECT_EQ((*end)["status"], "refused");
  // The technician (admin) under policy none is not asked.
  auto t = open("/api/v1/hosts/1/sessions/terminal", adminToken());
  EXPECT_TRUE(t->waitType("ready", 20s));
}

// The session socket is a root terminal (or the desktop, or any file) on a PC: a
// read-only account, the town hall's own staff and a technician of another commune who
// guesses the host id are all refused before the agent hears of it, and each refusal is
// audited. Status codes are read from a plain upgrade request; the real WebSocket client
// shows that no socket opens.
TEST_F(RemoteStreams, ReadOnlyStaffAndOtherCommunesAreRefusedTheSessionSocket) {
  ctl.json({"tenants", "create", "--name", "Mairie de Rodez", "--insee", "12202"});
  const std::string password = "Tres-long-mot-de-passe-2026!\n";
  for (std::vector<std::string> args :
       {std::vector<std::string>{"lecteur", "--role", "read_only"},
        std::vector<std::string>{"secretaire", "--role", "town_hall_staff", "--tenant", "1"},
        std::vector<std::string>{"tech-rodez", "--role", "technician", "--tenant", "2"},
        std::vector<std::string>{"admin-rodez", "--role", "administrator", "--tenant", "2"}}) {
    args.insert(args.begin(), {"users", "create"});
    RunResult r = ctl.run(args, password);
    ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
  }
  tls::ClientTlsConfig t;
  t.pinnedFingerprint = server->caFingerprint;
  net::HttpsClient client(net::parseUrl(server->consoleUrl), tls::TlsContext::client(t));
  auto upgrade = [&](const std::string& path, const std::string& token) {
    net::Request r{"GET", path, {}, "", {}, {}};
    r.headers = {{"connection", "Upgrade"},
                 {"upgrade", "websocket"},
                 {"sec-websocket-version", "13"},
                 {"sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="},
                 {"authorization", "Bearer " + token}};
    return client.send(r);
  };
  const std::vector<std::string> kinds = {"terminal", "desktop",
                                          "file-get?path=" + (tmp.path() / "files" / "a").string()};
  struct Attempt {
    std::string user;
    int status;
  };
  for (auto [user, status] : std::vector<Attempt>{
           {"lecteur", 403}, {"secretaire", 403}, {"tech-rodez", 404}, {"admin-rodez", 404}}) {
    SCOPED_TRACE(user);
    std::string token = login(user, "Tres-long-mot-de-passe-2026!").token;
    for (const auto& kind : kinds) {
      net::Response r = upgrade("/api/v1/hosts/1/sessions/" + kind, token);
      EXPECT_EQ(r.status, status) << kind << ": " << r.body;
      if (status == 404) {
        // Host 1 of Conques answers exactly like a host that does not exist.
        EXPECT_EQ(r.body, upgrade("/api/v1/hosts/999999/sessions/" + kind, token).body) << kind;
      } else {
        EXPECT_NE(r.body.find("your role may not hosts.remote_support"), std::string::npos)
            << r.body;
      }
    }
    auto socket = open("/api/v1/hosts/1/sessions/terminal", token);
    EXPECT_TRUE(socket->waitEnded(10s));
    EXPECT_FALSE(socket->waitOpen(1ms));
  }
  // The agent was never asked, no session was recorded, and the audit log names each try.
  EXPECT_FALSE(fs::exists(tmp.path() / "asked.log"));
  EXPECT_EQ(ctl.json({"sessions", "list"})["count"], 0);
  // A running session of Conques is invisible to Rodez's technician, listed or guessed.
  auto running = open("/api/v1/hosts/1/sessions/terminal", adminToken());
  auto ready = running->waitType("ready", 20s);
  ASSERT_TRUE(ready) << running->endReason();
  std::string sessionId = std::to_string((*ready)["session"].get<long long>());
  auto get = [&](const std::string& path, const std::string& token) {
    return client.send({"GET", path, {{"authorization", "Bearer " + token}}, "", {}, {}});
  };
  for (std::string user : {"tech-rodez", "admin-rodez"}) {
    std::string rodez = login(user, "Tres-long-mot-de-passe-2026!").token;
    net::Response listed = get("/api/v1/remote/sessions", rodez);
    ASSERT_EQ(listed.status, 200) << listed.body;
    EXPECT_EQ(parseJson(listed.body)["items"].size(), 0u) << user << ": " << listed.body;
    net::Response guessed = get("/api/v1/remote/sessions/" + sessionId, rodez);
    EXPECT_EQ(guessed.status, 404) << user << ": " << guessed.body;
    EXPECT_EQ(guessed.body, get("/api/v1/remote/sessions/999999", rodez).body) << user;
  }
  EXPECT_EQ(get("/api/v1/remote/sessions/" + sessionId, adminToken()).status, 200);
  running->close();
  for (std::string user : {"lecteur", "secretaire", "tech-rodez", "admin-rodez"}) {
    Json denied =
        ctl.json({"audit", "list", "--actor", "user:" + user, "--action", "access.denied"});
    ASSERT_GE(denied["count"].get<int>(), 4) << user << ": " << denied.dump();
    std::vector<std::string> targets;
    for (const auto& e : denied["items"]) targets.push_back(e["target"]);
    EXPECT_NE(std::find(targets.begin(), targets.end(), "GET /api/v1/hosts/1/sessions/terminal"),
              targets.end())
        << user << ": " << denied.dump();
    // Rodez's guess at Conques's running session is a probe, audited as one (newest); the
    // guess at a session that does not exist is not.
    if (user == "tech-rodez" || user == "admin-rodez") {
      EXPECT_EQ(targets[0], "GET /api/v1/remote/sessions/" + sessionId) << user;
      EXPECT_NE(denied["items"][0]["detail"].get<std::string>().find("out of scope: session"),
                std::string::npos)
          << user << ": " << denied.dump();
      EXPECT_EQ(std::count(targets.begin(), targets.end(), "GET /api/v1/remote/sessions/999999"), 0)
          << user;
    }
  }
}

// Consent covers actions too (docs/remote-support.md, "Consent policies"): a helpdesk
// account's action runs only once the user says yes, whatever the tenant's policy; a
// technician under policy none is not asked; each run's audit entry names the policy.
TEST_F(RemoteStreams, HelpdeskActionsNeedTheUsersConsentToo) {
  RunResult r =
      ctl.run({"users", "create", "marie", "--role", "helpdesk"}, "Tres-long-mot-de-passe-2026!\n");
  ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
  Login marie = login("marie", "Tres-long-mot-de-passe-2026!");
  const std::string action = "/api/v1/hosts/1/actions/inventory_now";

  files::writeAtomic(tmp.path() / "answer", "1\n", 0644);  // the user says no
  net::Response no = send("POST", action, marie.token, "{}");
  ASSERT_EQ(no.status, 200) << no.body;
  Json refused = parseJson(no.body);
  EXPECT_NE(refused["status"], "ok") << no.body;
  EXPECT_NE(refused["error"].get<std::string>().find("declined"), std::string::npos) << no.body;
  EXPECT_NE(files::read(tmp.path() / "asked.log")
                .find("marie Lancer l'inventaire maintenant (inventory_now)"),
            std::string::npos);

  files::writeAtomic(tmp.path() / "answer", "0\n", 0644);  // now yes
  net::Response yes = send("POST", action, marie.token, "{}");
  ASSERT_EQ(yes.status, 200) << yes.body;
  EXPECT_EQ(parseJson(yes.body)["status"], "ok") << yes.body;

  // The administrator (a technician's rights) under policy none: not asked.
  fs::remove(tmp.path() / "asked.log");
  Json admin = ctl.json({"action", "1", "inventory_now"});
  EXPECT_EQ(admin["status"], "ok") << admin.dump();
  EXPECT_FALSE(fs::exists(tmp.path() / "asked.log"));

  Json audit = ctl.json({"audit", "list", "--action", "remote.action:inventory_now"});
  int asked = 0, none = 0;
  for (const auto& e : audit["items"]) {
    Json detail = parseJson(e["detail"].get<std::string>());
    asked += detail.value("consent", "") == "ask";
    none += detail.value("consent", "") == "none";
  }
  EXPECT_EQ(asked, 2) << audit.dump();
  EXPECT_EQ(none, 1) << audit.dump();
}

TEST_F(RemoteStreams, BrowserSocketsNeedTheCsrfTokenAndTheConsoleOrigin) {
  Login a = login("admin", server->adminPassword);
  std::string origin = server->consoleUrl;
  auto cookie = std::pair<std::string, std::string>{"Cookie", "parc_session=" + a.token};
  auto attempt = [&](const std::string& query, const std::string& o) {
    std::vector<std::pair<std::string, std::string>> headers{cookie};
    if (!o.empty()) headers.emplace_back("Origin", o);
    return std::make_unique<ConsoleSocket>(server->consoleUrl, server->caFingerprint,
                                           "/api/v1/hosts/1/sessions/terminal" + query, headers);
  };
  auto evil = attempt("?csrf=" + a.csrf, "https://evil.example");
  EXPECT_TRUE(evil->waitEnded(10s));
  EXPECT_FALSE(evil->waitOpen(1ms));
  auto noCsrf = attempt("", origin);
  EXPECT_TRUE(noCsrf->waitEnded(10s));
  EXPECT_FALSE(noCsrf->waitOpen(1ms));
  auto good = attempt("?csrf=" + a.csrf, origin);
  EXPECT_TRUE(good->waitType("ready", 20s)) << good->endReason();
  // A bearer token from a page (with an Origin) is refused too.
  auto bearerFromPage = std::make_unique<ConsoleSocket>(
      server->consoleUrl, server->caFingerprint, "/api/v1/hosts/1/sessions/terminal",
      std::vector<std::pair<std::string, std::string>>{{"Authorization", "Bearer " + a.token},
                                                       {"Origin", origin}});
  EXPECT_TRUE(bearerFromPage->waitEnded(10s));
  EXPECT_FALSE(bearerFromPage->waitOpen(1ms));
}

TEST_F(RemoteStreams, AnAdministratorEndsARunningSession) {
  auto s = open("/api/v1/hosts/1/sessions/terminal", adminToken());
  auto ready = s->waitType("ready", 20s);
  ASSERT_TRUE(ready);
  std::string id = std::to_string((*ready)["session"].get<long long>());
  Json active = ctl.json({"sessions", "list", "--active"});
  ASSERT_EQ(active["count"], 1);
  EXPECT_EQ(active["items"][0]["active"], true);
  ctl.json({"sessions", "end", id});
  auto end = s->waitType("end", 10s);
  ASSERT_TRUE(end);
  EXPECT_EQ((*end)["status"], "ended");
  Json after = ctl.json({"sessions", "list"});
  EXPECT_EQ(after["items"][0]["result"], "ended");
  EXPECT_EQ(ctl.json({"sessions", "list", "--active"})["count"], 0);
}

// "The town hall can see who connected and when": staff and read-only accounts of
// commune A list the sessions on A's PCs (who, when, what, which PC), never B's.
TEST_F(RemoteStreams, TownHallAccountsSeeTheirCommunesSessionsOnly) {
  ctl.json({"tenants", "create", "--name", "Mairie de Belcastel", "--insee", "12025"});
  auto agent2 = startSecondAgent("2");
  ASSERT_TRUE(waitFor(
      [&] {
        Json hosts = ctl.json({"hosts", "list"});
        return hosts["items"].size() == 2 && hosts["items"][0]["online"] == true &&
               hosts["items"][1]["online"] == true;
      },
      30s))
      << agent2->stderrText();
  for (const char* host : {"1", "2"}) {
    auto s = open(std::string("/api/v1/hosts/") + host + "/sessions/terminal", adminToken());
    ASSERT_TRUE(s->waitType("ready", 20s)) << host;
    s->close();
  }
  ASSERT_TRUE(waitFor(
      [&] {
        return ctl.json({"sessions", "list", "--active"})["count"] == 0;
      },
      10s));

  const std::string password = "Tres-long-mot-de-passe-2026!\n";
  for (const char* role : {"town_hall_staff", "read_only"}) {
    std::string user = std::string("conques-") + role;
    RunResult r = ctl.run({"users", "create", user, "--role", role, "--tenant", "1"}, password);
    ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
    Login l = login(user, "Tres-long-mot-de-passe-2026!");

    net::Response mine = get("/api/v1/tenants/1/remote-sessions", l.token);
    ASSERT_EQ(mine.status, 200) << role << ": " << mine.body;
    Json items = parseJson(mine.body)["items"];
    ASSERT_EQ(items.size(), 1u) << role << ": " << mine.body;
    EXPECT_EQ(items[0]["username"], "admin");
    EXPECT_EQ(items[0]["host_id"], 1);
    EXPECT_FALSE(items[0]["hostname"].get<std::string>().empty());
    EXPECT_EQ(items[0]["kind"], "terminal");
    EXPECT_GT(items[0]["started_at"].get<std::int64_t>(), 0);
    EXPECT_FALSE(items[0]["ended_at"].is_null());
    EXPECT_FALSE(items[0].contains("recording"));  // for technicians only

    // Commune B's sessions: not even that the tenant exists.
    EXPECT_EQ(get("/api/v1/tenants/2/remote-sessions", l.token).status, 404) << role;
    // The technicians' list stays theirs.
    EXPECT_EQ(get("/api/v1/remote/sessions", l.token).status, 403) << role;
  }
  // An administrator reading commune B's list sees B's session only.
  Json b = ctl.json({"sessions", "list", "--tenant", "2"});
  ASSERT_EQ(b["count"], 1);
  EXPECT_EQ(b["items"][0]["host_id"], 2);
}

// An administrator sees a technician's running session and ends it; another technician
// neither sees nor ends it; the end is audited with who ended it.
TEST_F(RemoteStreams, AnAdministratorEndsATechniciansSessionAndOthersCannot) {
  const std::string password = "Tres-long-mot-de-passe-2026!";
  for (const char* user : {"paul", "luc"}) {
    RunResult r = ctl.run({"users", "create", user, "--role", "technician"}, password + "\n");
    ASSERT_EQ(r.exitCode, 0) << r.err << r.out;
  }
  Login paul = login("paul", password), luc = login("luc", password);
  auto s = open("/api/v1/hosts/1/sessions/terminal", paul.token);
  auto ready = s->waitType("ready", 20s);
  ASSERT_TRUE(ready);
  const std::string id = std::to_string((*ready)["session"].get<long long>());

  Json active = ctl.json({"sessions", "list", "--active"});  // the administrator's view
  ASSERT_EQ(active["count"], 1);
  EXPECT_EQ(active["items"][0]["username"], "paul");
  Json lucs = parseJson(get("/api/v1/remote/sessions?active=1", luc.token).body);
  EXPECT_EQ(lucs["count"], 0) << lucs.dump();
  // Luc's probes of Paul's session answer as a session that does not exist, and are
  // audited as probes; asking for one that does not exist is not.
  auto lucGet = get("/api/v1/remote/sessions/" + id, luc.token);
  auto lucDelete = send("DELETE", "/api/v1/remote/sessions/" + id, luc.token, "");
  auto missing = get("/api/v1/remote/sessions/" + std::to_string(std::stoll(id) + 1000), luc.token);
  EXPECT_EQ(lucGet.status, 404);
  EXPECT_EQ(lucDelete.status, 404);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(lucGet.body, missing.body) << "the probe must not tell the session exists";
  Json probes = ctl.json({"audit", "list", "--action", "access.denied"});
  int lucProbes = 0;
  for (const auto& e : probes["items"]) {
    if (e["actor"].get<std::string>().rfind("user:luc", 0) == 0 &&
        e.value("detail", "").find("out of scope: session") != std::string::npos)
      ++lucProbes;
  }
  EXPECT_EQ(lucProbes, 2) << probes.dump();

  ctl.json({"sessions", "end", id});
  auto end = s->waitType("end", 10s);
  ASSERT_TRUE(end);
  EXPECT_EQ((*end)["status"], "ended");
  Json ended = ctl.json({"audit", "list", "--action", "remote.session.end"});
  ASSERT_EQ(ended["items"].size(), 1u) << ended.dump();
  EXPECT_EQ(ended["items"][0]["target"], "session:" + id);
  EXPECT_EQ(ended["items"][0]["actor"].get<std::string>().rfind("user:admin", 0), 0u)
      << ended.dump();
  Json terminalEnd = ctl.json({"audit", "list", "--action", "remote.terminal.end"});
  ASSERT_GE(terminalEnd["items"].size(), 1u);
  EXPECT_EQ(terminalEnd["items"][0]["result"], "ended") << terminalEnd.dump();
}

// A desktop session through the tunnel reaches the PC's VNC port (here a stand-in that
// speaks the RFB greeting) and is in the sessions list and the audit log like the others.
TEST_F(RemoteStreams, DesktopSessionIsTunnelledAndAudited) {
  bool greeted = false;
  {
    EchoVnc vnc(vncPort);
    ASSERT_TRUE(vnc.bound()) << std::strerror(errno);
    auto s = open("/api/v1/hosts/1/sessions/desktop", adminToken());
    greeted = s->waitOutput("RFB 003.008", 20s);
    s->close();
  }
  ASSERT_TRUE(greeted) << agent->stderrText();

  ASSERT_TRUE(waitFor(
      [&] {
        return !ctl.json({"audit", "list", "--action", "remote.desktop.end"})["items"].empty();
      },
      15s));
  Json starts = ctl.json({"audit", "list", "--action", "remote.desktop.start"});
  EXPECT_EQ(starts["items"].size(), 1u) << starts.dump();
  Json listed = ctl.json({"sessions", "list"});
  ASSERT_GE(listed["items"].size(), 1u);
  EXPECT_EQ(listed["items"][0]["kind"], "desktop");
  EXPECT_EQ(listed["items"][0]["username"], "admin");
}

}  // namespace
}  // namespace parc::testing
