// Browse and restore from the console's API (docs/backups.md, "Console: browse and
// restore") against the real parc-server and two running parc-agents of one tenant,
// driven with parcctl: a fixture folder backed up with `parc-agent backup --init`,
// browsed through the server, restored to a folder, to its original place (an existing
// file is kept, the copy renamed), onto a second PC of the tenant; another tenant's PC
// and paths that leave the destination are refused.
#include <gtest/gtest.h>

#include <ctime>
#include <regex>

#include "common/files/files.h"
#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string today() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

class BackupConsole : public ::testing::Test {
 protected:
  void SetUp() override {
    server = std::make_unique<ServerFixture>(tmp.path() / "server");
    ctl.login(*server);
    tenantA =
        ctl.json({"tenants", "create", "--name", "Mairie de Millau", "--insee", "12145"})["id"];
    tenantB =
        ctl.json({"tenants", "create", "--name", "Mairie de Rodez", "--insee", "12202"})["id"];
    allowed = tmp.path() / "allowed";
    files::ensureDirectory(allowed, 0755);
    // The fixture: what a secretary keeps (source lives in tmp, so "original" stays there).
    source = tmp.path() / "mairie" / "secretariat";
    files::ensureDirectory(source / "Courrier", 0755);
    files::ensureDirectory(source / "Etat civil", 0755);
    files::writeAtomic(source / "Courrier" / "lettre.txt", "Madame, Monsieur,\n", 0644);
    files::writeAtomic(source / "Courrier" / "réponse.odt", std::string(300000, 'r'), 0644);
    files::writeAtomic(source / "Etat civil" / "naissances.csv", "nom;date\nDupont;2024-01-02\n",
                       0644);
    for (int i = 0; i < 30; ++i) {
      files::writeAtomic(source / "Courrier" / ("note" + std::to_string(100 + i) + ".txt"),
                         "note " + std::to_string(i) + "\n", 0644);
    }
  }

  fs::path agentDir(const std::string& name) const { return tmp.path() / name; }

  std::int64_t enroll(const std::string& name, std::int64_t tenant) {
    std::string token = ctl.json({"tokens", "create", "--tenant", std::to_string(tenant)})["token"];
    RunResult r = runProgram({binary("parc-agent"), "enroll", "--server", server->agentUrl,
                              "--ca-fingerprint", server->caFingerprint, "--token", token,
                              "--data-dir", agentDir(name).string()});
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return parseJson(files::read(agentDir(name) / "identity.json"))["host_id"];
  }

  std::unique_ptr<Process> start(const std::string& name) {
    auto config = tmp.path() / (name + ".toml");
    files::writeAtomic(config, "[backup]\nrestore_roots = [\"" + allowed.string() + "\"]\n");
    return std::make_unique<Process>(
        std::vector<std::string>{binary("parc-agent"), "run", "-c", config.string(), "--data-dir",
                                 agentDir(name).string()},
        tmp.path() / name);
  }

  bool online(std::int64_t hostId) {
    RunResult r = ctl.run({"--json", "hosts", "show", std::to_string(hostId)});
    return r.exitCode == 0 && parseJson(r.out).value("online", false);
  }

  // Waits (bounded) until the restore `id` of `host` is no longer running.
  Json finished(std::int64_t host, std::int64_t id) {
    Json row;
    waitFor(
        [&] {
          Json list = ctl.json({"backups", "restores", "--host", std::to_string(host)});
          for (const auto& r : list["items"]) {
            if (r["id"] == id) row = r;
          }
          return row.is_object() && row["state"] != "running" && row["state"] != "sending";
        },
        60s);
    return row;
  }

  Json browse(std::int64_t host, const std::string& snapshot, const std::string& path,
              int offset = 0, int limit = 200) {
    return ctl.json({"backups", "browse", "--host", std::to_string(host), "--snapshot", snapshot,
                     "--path", path, "--offset", std::to_string(offset), "--limit",
                     std::to_string(limit)});
  }

  TempDir tmp;
  std::unique_ptr<ServerFixture> server;
  Parcctl ctl{tmp.path() / "home"};
  std::int64_t tenantA = 0, tenantB = 0;
  fs::path allowed, source;
};

TEST_F(BackupConsole, BrowseAndRestoreToFolderOriginalAndAnotherPc) {
  std::int64_t pc1 = enroll("pc1", tenantA);
  std::int64_t pc2 = enroll("pc2", tenantA);
  std::int64_t pc3 = enroll("pc3", tenantB);
  RunResult b = runProgram({binary("parc-agent"), "backup", "--init", "--source", source.string(),
                            "--data-dir", agentDir("pc1").string()},
                           {}, "", 180s);
  ASSERT_EQ(b.exitCode, 0) << b.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(b.out, m, std::regex("snapshot ([0-9a-f]{16})"))) << b.out;
  const std::string snapshot = m[1];
  // A second PC of the tenant holds the same key file (docs/backups.md, "Keys").
  files::writeAtomic(agentDir("pc2") / "backup.key", files::read(agentDir("pc1") / "backup.key"),
                     0600);

  // Offline: the server cannot read the backup itself and says why, in French.
  RunResult off =
      ctl.run({"backups", "browse", "--host", std::to_string(pc1), "--snapshot", snapshot});
  EXPECT_NE(off.exitCode, 0);
  EXPECT_NE(off.err.find("poste hors ligne"), std::string::npos) << off.err;

  auto agent1 = start("pc1");
  auto agent2 = start("pc2");
  auto agent3 = start("pc3");
  ASSERT_TRUE(waitFor([&] { return online(pc1) && online(pc2) && online(pc3); }, 60s))
      << agent1->stderrText();

  Json listed = ctl.json({"backups", "list", "--host", std::to_string(pc1)});
  ASSERT_EQ(listed["items"].size(), 1u);
  EXPECT_EQ(listed["items"][0]["id"], snapshot);

  // Browse down to the folder, one level at a time.
  const std::string top = source.relative_path().string();  // the snapshot's path of it
  Json root = browse(pc1, snapshot, "");
  ASSERT_EQ(root["items"].size(), 1u) << root.dump();
  EXPECT_EQ(root["items"][0]["type"], "directory");
  Json folder = browse(pc1, snapshot, top);
  ASSERT_EQ(folder["total"], 2) << folder.dump();
  EXPECT_EQ(folder["items"][0]["name"], "Courrier");
  EXPECT_EQ(folder["items"][1]["name"], "Etat civil");
  // Paging: 32 files in Courrier, folders first then names.
  Json page1 = browse(pc1, snapshot, top + "/Courrier", 0, 10);
  Json page4 = browse(pc1, snapshot, top + "/Courrier", 30, 10);
  EXPECT_EQ(page1["total"], 32);
  EXPECT_EQ(page1["items"].size(), 10u);
  EXPECT_EQ(page1["items"][0]["name"], "lettre.txt");
  EXPECT_EQ(page4["items"].size(), 2u);
  EXPECT_EQ(page4["items"][1]["name"], "réponse.odt");
  EXPECT_EQ(page4["items"][1]["size"], 300000);
  // Not in the snapshot, or trying to climb out: refused.
  EXPECT_NE(ctl.run({"backups", "browse", "--host", std::to_string(pc1), "--snapshot", snapshot,
                     "--path", top + "/Absent"})
                .exitCode,
            0);
  EXPECT_NE(ctl.run({"backups", "browse", "--host", std::to_string(pc1), "--snapshot", snapshot,
                     "--path", "../etc"})
                .exitCode,
            0);
  // Another tenant's host does not see this snapshot.
  EXPECT_NE(ctl.run({"backups", "browse", "--host", std::to_string(pc3), "--snapshot", snapshot})
                .exitCode,
            0);

  // 1. To a folder under the allowed root.
  const std::string lettre = top + "/Courrier/lettre.txt";
  Json r1 = ctl.json({"backups", "restore", "--host", std::to_string(pc1), "--snapshot", snapshot,
                      "--path", lettre, "--path", top + "/Etat civil", "--destination",
                      (allowed / "r1").string()});
  Json done1 = finished(pc1, r1["id"]);
  ASSERT_EQ(done1["state"], "ok") << done1.dump();
  EXPECT_EQ(files::read(allowed / "r1" / lettre), "Madame, Monsieur,\n");
  EXPECT_EQ(files::read(allowed / "r1" / top / "Etat civil" / "naissances.csv"),
            files::read(source / "Etat civil" / "naissances.csv"));
  EXPECT_FALSE(fs::exists(allowed / "r1" / top / "Courrier" / "réponse.odt"));  // not selected

  // A folder outside the allowed roots, or with "..": refused before anything is written.
  RunResult outside =
      ctl.run({"backups", "restore", "--host", std::to_string(pc1), "--snapshot", snapshot,
               "--path", lettre, "--destination", (tmp.path() / "elsewhere").string()});
  EXPECT_NE(outside.exitCode, 0);
  EXPECT_FALSE(fs::exists(tmp.path() / "elsewhere"));
  RunResult climb =
      ctl.run({"backups", "restore", "--host", std::to_string(pc1), "--snapshot", snapshot,
               "--path", lettre, "--destination", (allowed / ".." / "escaped").string()});
  EXPECT_NE(climb.exitCode, 0);
  EXPECT_FALSE(fs::exists(tmp.path() / "escaped"));

  // 2. To the original place: the changed file stays, the restored copy is kept beside it.
  files::writeAtomic(source / "Courrier" / "lettre.txt", "version modifiée\n", 0644);
  fs::remove(source / "Etat civil" / "naissances.csv");
  Json r2 =
      ctl.json({"backups", "restore", "--host", std::to_string(pc1), "--snapshot", snapshot,
                "--path", lettre, "--path", top + "/Etat civil", "--destination", "original"});
  Json done2 = finished(pc1, r2["id"]);
  ASSERT_EQ(done2["state"], "ok") << done2.dump();
  EXPECT_EQ(files::read(source / "Courrier" / "lettre.txt"), "version modifiée\n");
  auto kept = source / "Courrier" / ("lettre (restauré " + today() + ").txt");
  ASSERT_TRUE(fs::exists(kept)) << done2.dump();
  EXPECT_EQ(files::read(kept), "Madame, Monsieur,\n");
  EXPECT_EQ(files::read(source / "Etat civil" / "naissances.csv"), "nom;date\nDupont;2024-01-02\n");
  ASSERT_EQ(done2["progress"]["renamed"].size(), 1u);
  // Once more: a second dated copy, never an overwrite.
  Json r3 = ctl.json({"backups", "restore", "--host", std::to_string(pc1), "--snapshot", snapshot,
                      "--path", lettre, "--destination", "original"});
  ASSERT_EQ(finished(pc1, r3["id"])["state"], "ok");
  EXPECT_TRUE(fs::exists(source / "Courrier" / ("lettre (restauré " + today() + " 2).txt")));
  EXPECT_EQ(files::read(kept), "Madame, Monsieur,\n");

  // 3. Onto the second PC of the tenant, in its default folder (DATA_DIR/restores/DATE).
  Json r4 = ctl.json({"backups", "restore", "--host", std::to_string(pc1), "--snapshot", snapshot,
                      "--path", top + "/Courrier/réponse.odt", "--to-host", std::to_string(pc2)});
  Json done4 = finished(pc2, r4["id"]);
  ASSERT_EQ(done4["state"], "ok") << done4.dump();
  EXPECT_EQ(done4["target_host_id"], pc2);
  EXPECT_EQ(files::read(agentDir("pc2") / "restores" / today() / top / "Courrier" / "réponse.odt"),
            std::string(300000, 'r'));

  // Another tenant's PC as the target: 404, nothing sent.
  RunResult foreign = ctl.run({"backups", "restore", "--host", std::to_string(pc1), "--snapshot",
                               snapshot, "--path", lettre, "--to-host", std::to_string(pc3)});
  EXPECT_NE(foreign.exitCode, 0);
  EXPECT_NE(foreign.err.find("no such host"), std::string::npos) << foreign.err;
  EXPECT_FALSE(fs::exists(agentDir("pc3") / "restores"));
  // A path that climbs out of the snapshot: refused by the agent, nothing restored.
  RunResult unsafe =
      ctl.run({"backups", "restore", "--host", std::to_string(pc1), "--snapshot", snapshot,
               "--path", "../../etc/passwd", "--destination", (allowed / "r5").string()});
  EXPECT_NE(unsafe.exitCode, 0);
  EXPECT_FALSE(fs::exists(allowed / "r5"));

  // The tenant overview: pc1 backed up now, pc2 never (stale), space accounted.
  Json overview = ctl.json({"backups", "list", "--tenant", std::to_string(tenantA)});
  ASSERT_EQ(overview["hosts"].size(), 2u) << overview.dump();
  for (const auto& h : overview["hosts"]) {
    if (h["host_id"] == pc1) {
      EXPECT_FALSE(h["stale"].get<bool>());
      EXPECT_EQ(h["snapshots"], 1);
      EXPECT_GT(h["size"].get<std::int64_t>(), 300000);
    } else {
      EXPECT_TRUE(h["stale"].get<bool>());
      EXPECT_EQ(h["snapshots"], 0);
    }
  }
  EXPECT_EQ(overview["stale_hosts"], 1);
  EXPECT_GT(overview["repository"]["bytes"].get<std::int64_t>(), 0);

  // The audit log names who restored what.
  Json audit = ctl.json({"audit", "list", "--action", "backup.restore"});
  ASSERT_GE(audit["items"].size(), 4u) << audit.dump();
  EXPECT_NE(audit.dump().find("lettre.txt"), std::string::npos);
}

}  // namespace
}  // namespace parc::testing
