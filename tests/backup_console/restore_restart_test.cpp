// Console restores outlive a server restart and an agent that goes away (docs/backups.md,
// "Restores that outlive the server or the agent"), against the real parc-server and
// parc-agent: a restore running when the server is killed (-9) ends with the agent's
// real state after the restart; a request the server never got an answer for, a
// restore the agent forgot (restarted) and a restore whose PC went offline are shown as
// interrupted with their reason, never as running forever; an offline PC is asked
// again when it comes back. And, on the same real server, a byte flipped in a pack:
// `parcctl backups verify` opens the critical backup_damaged alert naming the pack, a
// sound pass resolves it.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <regex>

#include "cli/api_client.h"
#include "cli/session_file.h"
#include "common/files/files.h"
#include "tests/backup/test_util.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class RestoreRestart : public ::testing::Test {
 protected:
  void SetUp() override {
    server = std::make_unique<ServerFixture>(serverDir());
    ctl.login(*server);
    tenant =
        ctl.json({"tenants", "create", "--name", "Mairie de Millau", "--insee", "12145"})["id"];
    allowed = tmp.path() / "allowed";
    files::ensureDirectory(allowed, 0755);
    source = tmp.path() / "mairie" / "secretariat";
    files::ensureDirectory(source, 0755);
    for (int i = 0; i < 40; ++i) {
      files::writeAtomic(source / ("acte" + std::to_string(100 + i) + ".txt"),
                         std::string(20000 + i, static_cast<char>('a' + i % 26)), 0644);
    }
  }

  fs::path serverDir() const { return tmp.path() / "server"; }
  fs::path agentDir() const { return tmp.path() / "pc1"; }

  std::int64_t enroll() {
    std::string token = ctl.json({"tokens", "create", "--tenant", std::to_string(tenant)})["token"];
    RunResult r = runProgram({binary("parc-agent"), "enroll", "--server", server->agentUrl,
                              "--ca-fingerprint", server->caFingerprint, "--token", token,
                              "--data-dir", agentDir().string()});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return parseJson(files::read(agentDir() / "identity.json"))["host_id"];
  }

  std::unique_ptr<Process> startAgent() {
    auto config = tmp.path() / "pc1.toml";
    files::writeAtomic(config, "[backup]\nrestore_roots = [\"" + allowed.string() + "\"]\n");
    return std::make_unique<Process>(
        std::vector<std::string>{binary("parc-agent"), "run", "-c", config.string(), "--data-dir",
                                 agentDir().string()},
        tmp.path() / "pc1");
  }

  bool online(std::int64_t hostId) {
    RunResult r = ctl.run({"--json", "hosts", "show", std::to_string(hostId)});
    return r.exitCode == 0 && parseJson(r.out).value("online", false);
  }

  Json row(std::int64_t host, std::int64_t id) {
    Json list = ctl.json({"backups", "restores", "--host", std::to_string(host)});
    for (const auto& r : list["items"]) {
      if (r["id"] == id) return r;
    }
    return nullptr;
  }

  // A row as the server would have left it, written into its database (WAL: while it runs).
  std::int64_t insertRow(std::int64_t host, const std::string& state, const std::string& agentId,
                         std::int64_t requestedAt) {
    std::string sql =
        "INSERT INTO backup_restores (tenant_id, source_host_id, target_host_id, snapshot, "
        "paths, destination, agent_restore_id, requested_by, requested_at, state) VALUES (" +
        std::to_string(tenant) + ", " + std::to_string(host) + ", " + std::to_string(host) + ", '" +
        snapshot + "', '[\"x\"]', 'default', '" + agentId + "', 'user:admin', " +
        std::to_string(requestedAt) + ", '" + state + "'); SELECT last_insert_rowid();";
    RunResult r = runProgram(
        {"/usr/bin/sqlite3", "-cmd", ".timeout 10000", (serverDir() / "parc.db").string(), sql});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return std::stoll(r.out);
  }

  TempDir tmp;
  std::unique_ptr<ServerFixture> server;
  Parcctl ctl{tmp.path() / "home"};
  std::int64_t tenant = 0;
  fs::path allowed, source;
  std::string snapshot;
};

TEST_F(RestoreRestart, StatesAreTruthfulAcrossServerAndAgentRestarts) {
  std::int64_t pc1 = enroll();
  RunResult b = runProgram({binary("parc-agent"), "backup", "--init", "--source", source.string(),
                            "--data-dir", agentDir().string()},
                           {}, "", 180s);
  ASSERT_EQ(b.exitCode, 0) << b.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(b.out, m, std::regex("snapshot ([0-9a-f]{16})"))) << b.out;
  snapshot = m[1];
  auto agent = startAgent();
  ASSERT_TRUE(waitFor([&] { return online(pc1); }, 60s)) << agent->stderrText();

  // 1. The server is killed right after a restore started; after the restart the row
  //    ends with what the agent says (done, or failed while the server was away).
  Json started = ctl.json({"backups", "restore", "--host", std::to_string(pc1), "--snapshot",
                           snapshot, "--path", source.relative_path().string(), "--destination",
                           (allowed / "r1").string()});
  std::int64_t r1 = started["id"];
  auto agentPort = server->agentPort, consolePort = server->consolePort;
  server->process().kill9();
  server.reset();
  server = std::make_unique<ServerFixture>(serverDir(), agentPort, consolePort);
  ctl.login(*server);
  ASSERT_TRUE(waitFor([&] { return online(pc1); }, 60s)) << agent->stderrText();
  Json after;
  ASSERT_TRUE(waitFor(
      [&] {
        after = row(pc1, r1);
        return after.is_object() && after["state"] != "running" && after["state"] != "sending";
      },
      60s))
      << after.dump();
  EXPECT_TRUE(after["state"] == "ok" || after["state"] == "failed" || after["state"] == "partial")
      << after.dump();
  EXPECT_FALSE(after["finished_at"].is_null());
  if (after["state"] == "ok") {
    EXPECT_EQ(files::read(allowed / "r1" / source.relative_path() / "acte100.txt"),
              files::read(source / "acte100.txt"));
  }

  // 2. The server died before the agent answered: no agent id, still "sending".
  std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  std::int64_t lost = insertRow(pc1, "sending", "", now - 300);
  std::int64_t fresh = insertRow(pc1, "sending", "", now);  // still in flight: left alone
  Json l = row(pc1, lost);
  EXPECT_EQ(l["state"], "interrupted") << l.dump();
  EXPECT_NE(l["progress"].value("error", "").find("le serveur a redémarré"), std::string::npos)
      << l.dump();
  EXPECT_EQ(row(pc1, fresh)["state"], "sending");

  // 3. The agent no longer knows the restore (it restarted): interrupted, with the reason.
  std::int64_t forgotten = insertRow(pc1, "running", "00000000000000aa", now - 60);
  Json f = row(pc1, forgotten);
  EXPECT_EQ(f["state"], "interrupted") << f.dump();
  EXPECT_NE(f["progress"].value("error", "").find("l'agent du poste a redémarré"),
            std::string::npos)
      << f.dump();
  EXPECT_FALSE(f["finished_at"].is_null());

  // 4. The PC goes offline during a restore: interrupted "hors ligne", asked again on return.
  std::int64_t away = insertRow(pc1, "running", "00000000000000bb", now - 30);
  agent->stop();
  ASSERT_TRUE(waitFor([&] { return !online(pc1); }, 60s));
  Json a = row(pc1, away);
  EXPECT_EQ(a["state"], "interrupted") << a.dump();
  EXPECT_NE(a["progress"].value("error", "").find("poste hors ligne"), std::string::npos)
      << a.dump();
  EXPECT_TRUE(a["progress"].value("recheck", false));
  EXPECT_TRUE(a["finished_at"].is_null());
  agent = startAgent();
  ASSERT_TRUE(waitFor([&] { return online(pc1); }, 60s)) << agent->stderrText();
  Json back = row(pc1, away);
  EXPECT_EQ(back["state"], "interrupted") << back.dump();
  EXPECT_NE(back["progress"].value("error", "").find("l'agent du poste a redémarré"),
            std::string::npos)
      << back.dump();
  EXPECT_FALSE(back["progress"].value("recheck", true));
  EXPECT_FALSE(back["finished_at"].is_null());
  // Nothing is left running.
  Json all = ctl.json({"backups", "restores", "--host", std::to_string(pc1)});
  for (const auto& r : all["items"]) {
    if (r["id"] != fresh) {
      EXPECT_NE(r["state"], "running") << r.dump();
    }
  }
}

TEST_F(RestoreRestart, VerificationDamageOpensAndResolvesCriticalAlert) {
  std::int64_t pc1 = enroll();
  RunResult b = runProgram({binary("parc-agent"), "backup", "--init", "--source", source.string(),
                            "--data-dir", agentDir().string()},
                           {}, "", 180s);
  ASSERT_EQ(b.exitCode, 0) << b.err;
  // The PC connects once (the rules engine evaluates the hosts it has heard of since
  // the server started), then is switched off: the alert does not need it.
  {
    auto agent = startAgent();
    ASSERT_TRUE(waitFor([&] { return online(pc1); }, 60s)) << agent->stderrText();
    agent->stop();
  }
  // Resolve as soon as the condition is gone (the shipped clear delay is 2 min).
  cli::ApiClient(cli::readSessionFile(tmp.path() / "home" / "parc" / "parcctl.toml"))
      .call("PUT", "/api/v1/alert-rules",
            Json{{"scope", "tenant"},
                 {"scope_id", tenant},
                 {"rule", "backup_damaged"},
                 {"settings", {{"clear_seconds", 0}}}});
  fs::path pack;
  for (const auto& e : fs::recursive_directory_iterator(serverDir() / "backups"))
    if (e.is_regular_file() && e.path().parent_path().parent_path().filename() == "packs")
      pack = e.path();
  ASSERT_FALSE(pack.empty());
  const std::string name = pack.filename().string();
  const std::string tenantArg = std::to_string(tenant);

  parc::backup::testing::flipByte(pack);
  RunResult damaged = ctl.run({"backups", "verify", "--tenant", tenantArg});
  EXPECT_EQ(damaged.exitCode, 2) << damaged.out << damaged.err;
  EXPECT_NE(damaged.out.find(name), std::string::npos) << damaged.out;
  Json alert;
  ASSERT_TRUE(waitFor(
      [&] {
        Json list = ctl.json({"alerts", "list"});  // kept: the loop reads into it
        for (const auto& a : list["items"])
          if (a["rule"] == "backup_damaged") alert = a;
        return alert.is_object();
      },
      60s))
      << ctl.json({"alerts", "list"}).dump() << server->process().stderrText();
  EXPECT_EQ(alert["severity"], "critical") << alert.dump();
  EXPECT_EQ(alert["host_id"], pc1) << alert.dump();
  std::string summary = alert.value("summary", "");
  EXPECT_EQ(summary.rfind("Sauvegarde endommagée", 0), 0u) << summary;
  EXPECT_NE(summary.find(name), std::string::npos) << summary;

  parc::backup::testing::flipByte(pack);  // a good copy put back
  RunResult sound = ctl.run({"backups", "verify", "--tenant", tenantArg});
  EXPECT_EQ(sound.exitCode, 0) << sound.out << sound.err;
  ASSERT_TRUE(waitFor(
      [&] {
        Json list = ctl.json({"alerts", "list"});
        for (const auto& a : list["items"])
          if (a["rule"] == "backup_damaged") return false;
        return true;
      },
      60s));
  Json resolved = ctl.json({"alerts", "list", "--state", "resolved"})["items"];
  bool found = false;
  for (const auto& a : resolved) found = found || a["id"] == alert["id"];
  EXPECT_TRUE(found) << resolved.dump();
}

}  // namespace
}  // namespace parc::testing
