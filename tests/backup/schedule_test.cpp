// Backup policies and scheduled backups against the real parc-server, parc-agent
// services and parcctl (docs/backups.md, "Policies", "Schedule", "Stale backups"):
// strict validation that changes nothing, host overrides, the agent's effective policy
// over mTLS, a scheduled run honouring excludes, backup_now through the remote action,
// a PC without the tenant key reporting a clear event, and the stale-backup alert.
#include <gtest/gtest.h>

#include <regex>

#include "cli/api_client.h"
#include "cli/session_file.h"
#include "common/files/files.h"
#include "common/net/client.h"
#include "common/sqlite/database.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class BackupSchedule : public ::testing::Test {
 protected:
  void SetUp() override {
    server = std::make_unique<ServerFixture>(tmp.path() / "server");
    ctl.login(*server);
    tenant =
        ctl.json({"tenants", "create", "--name", "Mairie de Millau", "--insee", "12145"})["id"];
    other = ctl.json({"tenants", "create", "--name", "Mairie de Rodez", "--insee", "12202"})["id"];
  }

  fs::path agentDir(const std::string& name) const { return tmp.path() / name; }

  std::int64_t enroll(const std::string& name, std::int64_t t) {
    std::string token = ctl.json({"tokens", "create", "--tenant", std::to_string(t)})["token"];
    RunResult r = runProgram({binary("parc-agent"), "enroll", "--server", server->agentUrl,
                              "--ca-fingerprint", server->caFingerprint, "--token", token,
                              "--data-dir", agentDir(name).string()});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return parseJson(files::read(agentDir(name) / "identity.json"))["host_id"].get<std::int64_t>();
  }

  RunResult agent(const std::string& name, std::vector<std::string> args) {
    args.insert(args.begin(), binary("parc-agent"));
    args.insert(args.end(), {"--data-dir", agentDir(name).string()});
    return runProgram(args, {}, "", 180s);
  }

  std::unique_ptr<Process> startAgent(const std::string& name) {
    return std::make_unique<Process>(
        std::vector<std::string>{binary("parc-agent"), "run", "--data-dir", agentDir(name).string(),
                                 "--retry-max-seconds", "1"},
        tmp.path() / (name + "-run"));
  }

  net::Response agentGet(const std::string& name, const std::string& path) {
    tls::ClientTlsConfig c;
    c.caBundlePem = files::read(agentDir(name) / "ca.pem");
    c.certificatePem = files::read(agentDir(name) / "agent.pem");
    c.privateKeyPem = files::read(agentDir(name) / "agent.key");
    net::HttpsClient client(net::parseUrl(server->agentUrl), tls::TlsContext::client(c), 20s);
    net::Request req;
    req.method = "GET";
    req.target = path;
    return client.send(req);
  }

  RunResult setPolicy(const std::vector<std::string>& args, const std::string& input = "") {
    std::vector<std::string> full = {"backups", "policy", "set"};
    full.insert(full.end(), args.begin(), args.end());
    return ctl.run(full, input);
  }

  // The snapshots of host `hostId` in the tenant's repository, as an agent lists them.
  std::vector<std::string> snapshotsOf(const std::string& agentName, std::int64_t hostId) {
    RunResult r = agent(agentName, {"backup", "--list"});
    std::vector<std::string> ids;
    std::regex line("([0-9a-f]{16}) .* host:" + std::to_string(hostId) + "\\b");
    for (std::sregex_iterator it(r.out.begin(), r.out.end(), line), end; it != end; ++it)
      ids.push_back((*it)[1]);
    return ids;
  }

  Json jsonFile(const fs::path& p) {
    auto text = files::tryRead(p);
    return text ? parseJson(*text) : Json();
  }

  TempDir tmp;
  std::unique_ptr<ServerFixture> server;
  Parcctl ctl{tmp.path() / "home"};
  std::int64_t tenant = 0, other = 0;
};

TEST_F(BackupSchedule, PoliciesAreValidatedScopedAndAudited) {
  std::string t = std::to_string(tenant);
  Json initial = ctl.json({"backups", "policy", "get", "--tenant", t});
  EXPECT_FALSE(initial["stored"].get<bool>());
  EXPECT_FALSE(initial["policy"]["enabled"].get<bool>());
  EXPECT_EQ(initial["policy"]["retention"]["daily"], 14);
  EXPECT_EQ(initial["policy"]["bandwidth"]["office_hours"], "08:00-18:00");

  // Bad values: refused with the field named, nothing stored.
  RunResult bad = setPolicy({"--tenant", t, "--keep-last", "0"});
  EXPECT_NE(bad.exitCode, 0);
  EXPECT_NE(bad.err.find("keep_last"), std::string::npos) << bad.err;
  bad = setPolicy({"--tenant", t, "--file", "-"}, R"({"enabled": true, "include": ["/srv"],
      "schedule": {"kind": "daily", "at": "25:61"}})");
  EXPECT_NE(bad.exitCode, 0);
  EXPECT_NE(bad.err.find("schedule.at"), std::string::npos) << bad.err;
  bad = setPolicy({"--tenant", t, "--enabled", "on"});  // on, but no folder
  EXPECT_NE(bad.exitCode, 0);
  EXPECT_NE(bad.err.find("include"), std::string::npos) << bad.err;
  EXPECT_FALSE(ctl.json({"backups", "policy", "get", "--tenant", t})["stored"].get<bool>());

  RunResult ok = setPolicy({"--tenant", t, "--enabled", "on", "--include", "/home/secretariat",
                            "--exclude", "*.tmp", "--schedule", "daily@12:30", "--spread", "60",
                            "--office-kib", "512", "--legal-hold", "on"});
  ASSERT_EQ(ok.exitCode, 0) << ok.err;
  Json stored = ctl.json({"backups", "policy", "get", "--tenant", t});
  EXPECT_TRUE(stored["stored"].get<bool>());
  EXPECT_TRUE(stored["policy"]["legal_hold"].get<bool>());
  EXPECT_EQ(stored["policy"]["schedule"]["spread_minutes"], 60);
  EXPECT_EQ(stored["policy"]["bandwidth"]["office_kib_per_s"], 512);
  EXPECT_TRUE(stored["enabled_since"].is_number());

  // A host override changes only what it names; legal hold is the tenant's alone.
  std::int64_t host = enroll("pc1", tenant);
  std::string h = std::to_string(host);
  ASSERT_EQ(setPolicy({"--host", h, "--schedule", "every:6"}).exitCode, 0);
  Json hp = ctl.json({"backups", "policy", "get", "--host", h});
  EXPECT_EQ(hp["override"], Json::parse(R"({"schedule": {"kind": "every", "hours": 6}})"));
  EXPECT_EQ(hp["effective"]["schedule"]["kind"], "every");
  EXPECT_EQ(hp["effective"]["include"], Json::array({"/home/secretariat"}));
  EXPECT_NE(setPolicy({"--host", h, "--legal-hold", "off"}).exitCode, 0);

  // The agent fetches its effective policy with its certificate.
  auto res = agentGet("pc1", "/api/v1/backup/policy");
  ASSERT_EQ(res.status, 200) << res.body;
  Json mine = parseJson(res.body);
  EXPECT_EQ(mine["host_id"], host);
  EXPECT_EQ(mine["schedule"]["hours"], 6);
  EXPECT_EQ(mine["exclude"], Json::array({"*.tmp"}));

  // Removing the override brings back the tenant's daily schedule, with this host's
  // own start inside the spread window.
  ASSERT_EQ(ctl.run({"backups", "policy", "unset", "--host", h}).exitCode, 0);
  EXPECT_NE(ctl.run({"backups", "policy", "unset", "--host", h}).exitCode, 0);  // none left
  mine = parseJson(agentGet("pc1", "/api/v1/backup/policy").body);
  ASSERT_EQ(mine["schedule"]["kind"], "daily");
  std::string start = mine["schedule"]["start"];
  EXPECT_GE(start, "12:30");
  EXPECT_LT(start, "13:30");

  // Another tenant's PC sees its own tenant's policy (off), not this one.
  enroll("rodez", other);
  Json theirs = parseJson(agentGet("rodez", "/api/v1/backup/policy").body);
  EXPECT_FALSE(theirs["enabled"].get<bool>());
  // A host of another tenant is out of a scoped caller's reach like any unknown id.
  EXPECT_NE(ctl.run({"backups", "policy", "get", "--host", "999999"}).exitCode, 0);

  RunResult audit = ctl.run({"audit", "list", "--action", "backup.policy"});
  EXPECT_NE(audit.out.find("backup.policy.tenant"), std::string::npos) << audit.out;
  EXPECT_NE(audit.out.find("backup.policy.host"), std::string::npos) << audit.out;
}

TEST_F(BackupSchedule, ScheduledRunsBackupNowMissingKeyAndStaleAlert) {
  std::int64_t pc1 = enroll("pc1", tenant), pc2 = enroll("pc2", tenant);
  fs::path src = tmp.path() / "documents";
  files::ensureDirectory(src / "Courrier", 0755);
  files::writeAtomic(src / "Courrier" / "lettre.txt", "Madame, Monsieur,\n", 0644);
  files::writeAtomic(src / "brouillon.tmp", "scratch\n", 0644);
  // The tenant's first PC creates the key and the repository (today's rule).
  RunResult init = agent("pc1", {"backup", "--init", "--source", src.string()});
  ASSERT_EQ(init.exitCode, 0) << init.err;
  ASSERT_EQ(snapshotsOf("pc1", pc1).size(), 1u);

  ASSERT_EQ(setPolicy({"--tenant", std::to_string(tenant), "--enabled", "on", "--include",
                       src.string(), "--exclude", "*.tmp", "--schedule", "every:24"})
                .exitCode,
            0);
  // pc2 only: stale after 2 seconds without a backup.
  Json rule{{"scope", "host"},
            {"scope_id", pc2},
            {"rule", "backup_stale"},
            {"settings", {{"params", {{"hours", 0.0005}}}}}};
  cli::ApiClient(cli::readSessionFile(tmp.path() / "home" / "parc" / "parcctl.toml"))
      .call("PUT", "/api/v1/alert-rules", rule);

  auto run1 = startAgent("pc1");
  auto run2 = startAgent("pc2");
  // pc1 never ran on schedule: due at once. Its snapshot leaves *.tmp out.
  ASSERT_TRUE(waitFor([&] { return snapshotsOf("pc1", pc1).size() >= 2; }, 90s))
      << run1->stderrText();
  ASSERT_TRUE(waitFor(
      [&] {
        return jsonFile(agentDir("pc1") / "backup-schedule.json").value("last_result", "") == "ok";
      },
      30s));
  Json lastRun = jsonFile(agentDir("pc1") / "backup-run.json");
  EXPECT_TRUE(lastRun["test_restore"]["ok"].get<bool>()) << lastRun.dump();
  EXPECT_GE(lastRun["test_restore"]["files"].get<int>(), 1) << lastRun.dump();
  fs::path out = tmp.path() / "restored";
  RunResult restore = agent("pc1", {"restore", "--snapshot", "latest", "--target", out.string()});
  ASSERT_EQ(restore.exitCode, 0) << restore.err;
  fs::path rel = src.relative_path();
  EXPECT_TRUE(fs::exists(out / rel / "Courrier" / "lettre.txt"));
  EXPECT_FALSE(fs::exists(out / rel / "brouillon.tmp"));

  // The server re-hashes the tenant's packs on demand.
  RunResult verify = ctl.run({"backups", "verify", "--tenant", std::to_string(tenant)});
  EXPECT_EQ(verify.exitCode, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find(": ok"), std::string::npos) << verify.out;

  // backup_now through the remote action: the running scheduler starts another run.
  RunResult now = ctl.run({"action", std::to_string(pc1), "backup_now"});
  ASSERT_EQ(now.exitCode, 0) << now.out << now.err;
  EXPECT_TRUE(waitFor([&] { return snapshotsOf("pc1", pc1).size() >= 3; }, 90s))
      << run1->stderrText();

  // pc2 has no key file: no key invented, a clear event reaches the server instead.
  ASSERT_TRUE(waitFor(
      [&] {
        return jsonFile(agentDir("pc2") / "backup-schedule.json").value("last_result", "") ==
               "no_key";
      },
      60s))
      << run2->stderrText();
  EXPECT_FALSE(fs::exists(agentDir("pc2") / "backup.key"));
  EXPECT_NE(jsonFile(agentDir("pc2") / "backup-run.json").value("error", "").find("--init"),
            std::string::npos);
  ASSERT_TRUE(waitFor(
      [&] {
        auto db = sqlite::Database::open(tmp.path() / "server" / "parc.db");
        sqlite::Statement s(db,
                            "SELECT count(*) FROM agent_messages WHERE host_id = ? AND "
                            "type = 'event' AND payload LIKE '%backup_failed%no_key%'");
        s.bind(1, pc2);
        return s.step() && s.int64(0) > 0;
      },
      30s));

  // Stale-backup alert for pc2 (policy on, never backed up), none for pc1.
  Json alerts;
  ASSERT_TRUE(waitFor(
      [&] {
        alerts = ctl.json({"alerts", "list"})["items"];
        for (const auto& a : alerts)
          if (a["rule"] == "backup_stale") return true;
        return false;
      },
      60s))
      << alerts.dump();
  for (const auto& a : alerts) {
    if (a["rule"] != "backup_stale") continue;
    EXPECT_EQ(a["host_id"], pc2) << a.dump();
  }
  EXPECT_EQ(run1->stop(), 0);
  EXPECT_EQ(run2->stop(), 0);
}

}  // namespace
}  // namespace parc::testing
