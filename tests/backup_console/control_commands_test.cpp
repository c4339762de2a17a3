// The agent's console commands (agent/backup/control_commands.h) on a real repository
// directory: browse paging and order, the dated name of a kept file, destinations under
// the allowed roots only, traversal refused, the original place never overwritten.
#include "agent/backup/control_commands.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>

#include "agent/backup/engine.h"
#include "common/backup/crypto.h"
#include "common/error.h"
#include "common/files/files.h"

namespace parc::agent::backup {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using parc::backup::Entry;
using parc::backup::EntryType;
using parc::backup::TenantKeys;

std::string today() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

Entry entry(std::string path, EntryType type, std::uint64_t size = 0) {
  Entry e;
  e.path = std::move(path);
  e.type = type;
  e.size = size;
  e.mtimeNs = 1'700'000'000'000'000'000;
  return e;
}

TEST(BackupBrowse, PagesOneFolderFoldersFirstThenNames) {
  std::vector<Entry> all{entry("home", EntryType::kDirectory),
                         entry("home/a", EntryType::kDirectory),
                         entry("home/a/zeta.txt", EntryType::kFile, 5),
                         entry("home/a/Beta", EntryType::kDirectory),
                         entry("home/a/alpha.txt", EntryType::kFile, 7),
                         entry("home/a/lien", EntryType::kSymlink),
                         entry("home/a/Beta/deep.txt", EntryType::kFile, 1)};
  Json top = browsePage(all, "", 0, 10);
  ASSERT_EQ(top["items"].size(), 1u);
  EXPECT_EQ(top["items"][0]["path"], "home");

  Json p1 = browsePage(all, "home/a", 0, 2);
  EXPECT_EQ(p1["total"], 4);
  ASSERT_EQ(p1["items"].size(), 2u);
  EXPECT_EQ(p1["items"][0]["name"], "Beta");  // the folder first
  EXPECT_EQ(p1["items"][0]["type"], "directory");
  EXPECT_EQ(p1["items"][1]["name"], "alpha.txt");
  EXPECT_EQ(p1["items"][1]["size"], 7);
  EXPECT_EQ(p1["items"][1]["mtime"], 1'700'000'000);
  Json p2 = browsePage(all, "home/a", 2, 2);
  ASSERT_EQ(p2["items"].size(), 2u);
  EXPECT_EQ(p2["items"][0]["name"], "lien");
  EXPECT_EQ(p2["items"][0]["type"], "symlink");
  EXPECT_EQ(p2["items"][1]["name"], "zeta.txt");
  EXPECT_EQ(browsePage(all, "home/a", 4, 2)["items"].size(), 0u);  // past the end: empty

  EXPECT_THROW(browsePage(all, "home/absent", 0, 10), Error);
  EXPECT_THROW(browsePage(all, "home/a/zeta.txt", 0, 10), Error);  // a file is not a folder
}

TEST(BackupBrowse, NamesThatAreNotUtf8AreShownAndMarked) {
  std::vector<Entry> all{entry("d", EntryType::kDirectory),
                         entry(std::string("d/caf\xe9.txt"), EntryType::kFile, 1),
                         entry("d/été.txt", EntryType::kFile, 1)};
  Json page = browsePage(all, "d", 0, 10);
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["name"], "caf\xef\xbf\xbd.txt");
  EXPECT_EQ(page["items"][0]["exact_name"], false);
  EXPECT_EQ(page["items"][1]["name"], "été.txt");
  EXPECT_FALSE(page["items"][1].contains("exact_name"));
  EXPECT_NO_THROW((void)page.dump());                            // valid JSON text
  EXPECT_EQ(validUtf8("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");  // overlong '/'
}

TEST(BackupRestoreNames, KeptNameKeepsTheExtensionLast) {
  EXPECT_EQ(keptName("lettre.odt", "2026-11-29"), "lettre (restauré 2026-11-29).odt");
  EXPECT_EQ(keptName("archive.tar.gz", "2026-11-29"), "archive.tar (restauré 2026-11-29).gz");
  EXPECT_EQ(keptName("LISEZMOI", "2026-11-29", 3), "LISEZMOI (restauré 2026-11-29 3)");
  EXPECT_EQ(keptName(".bashrc", "2026-11-29"), ".bashrc (restauré 2026-11-29)");
}

class BackupConsoleCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/parc-bconsole-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root = tmpl;
    repo = root / "repo";
    initLocalRepository(repo, keys.keyCheck());
    files::writeAtomic(root / "backup.key", parc::backup::encodeKeyFile(keys.master), 0600);
    src = root / "src" / "mairie";
    files::ensureDirectory(src / "Courrier", 0755);
    files::writeAtomic(src / "Courrier" / "lettre.txt", "original\n", 0644);
    files::writeAtomic(src / "Courrier" / "budget.ods", std::string(100000, 'b'), 0644);
    auto target = openLocalTarget(repo);
    BackupOptions o;
    o.sources = {src};
    o.host = "pc-test";
    o.threads = 1;
    snapshot = runBackup(*target, keys, o).snapshotId;
    allowed = root / "allowed";
    files::ensureDirectory(allowed, 0755);
    RestoreSettings settings{root / "data" / "restores", {allowed}};
    commands = std::make_unique<BackupControlCommands>([this] { return openLocalTarget(repo); },
                                                       root / "backup.key", settings);
  }
  void TearDown() override {
    commands.reset();
    fs::remove_all(root);
  }

  Json restoreAndWait(Json payload) {
    payload["snapshot"] = snapshot;
    Json started = commands->restore(payload);
    EXPECT_TRUE(commands->waitIdle(30s));
    return commands->status(Json{{"restore_id", started["restore_id"]}});
  }

  std::string rel(const fs::path& p) const { return p.relative_path().string(); }

  TenantKeys keys = TenantKeys::generate();
  fs::path root, repo, src, allowed;
  std::string snapshot;
  std::unique_ptr<BackupControlCommands> commands;
};

TEST_F(BackupConsoleCommands, BrowseThroughTheCommand) {
  Json page = commands->browse(
      Json{{"snapshot", snapshot}, {"path", "/" + rel(src / "Courrier") + "/"}, {"limit", 1}});
  EXPECT_EQ(page["total"], 2);
  ASSERT_EQ(page["items"].size(), 1u);
  EXPECT_EQ(page["items"][0]["name"], "budget.ods");
  EXPECT_THROW(commands->browse(Json{{"snapshot", snapshot}, {"path", "../etc"}}), Error);
  EXPECT_THROW(commands->browse(Json{{"snapshot", "zz"}}), Error);
  EXPECT_THROW(commands->browse(Json{{"snapshot", snapshot}, {"limit", "many"}}), Error);
}

TEST_F(BackupConsoleCommands, RestoresIntoTheDefaultFolderAndAnAllowedOne) {
  Json s1 = restoreAndWait(Json{{"paths", {rel(src / "Courrier" / "lettre.txt")}}});
  ASSERT_EQ(s1["state"], "ok") << s1.dump();
  EXPECT_EQ(s1["files_done"], 1);
  EXPECT_EQ(
      files::read(root / "data" / "restores" / today() / rel(src / "Courrier" / "lettre.txt")),
      "original\n");

  Json s2 = restoreAndWait(
      Json{{"paths", {rel(src / "Courrier")}}, {"destination", (allowed / "ici").string()}});
  ASSERT_EQ(s2["state"], "ok") << s2.dump();
  EXPECT_EQ(s2["files_total"], 2);
  EXPECT_EQ(files::read(allowed / "ici" / rel(src / "Courrier" / "budget.ods")),
            std::string(100000, 'b'));
}

TEST_F(BackupConsoleCommands, RefusesDestinationsOutsideTheRootsAndUnsafePaths) {
  const Json paths = {rel(src / "Courrier" / "lettre.txt")};
  auto refused = [&](Json payload) {
    payload["snapshot"] = snapshot;
    try {
      commands->restore(payload);
    } catch (const Error&) {
      return true;
    }
    return false;
  };
  EXPECT_TRUE(refused(Json{{"paths", paths}, {"destination", (root / "ailleurs").string()}}));
  EXPECT_TRUE(refused(Json{{"paths", paths}, {"destination", (allowed / ".." / "x").string()}}));
  EXPECT_TRUE(refused(Json{{"paths", paths}, {"destination", "relatif/dossier"}}));
  // A symlink under the root that points out of it is not followed.
  fs::create_directory_symlink(root, allowed / "lien");
  EXPECT_TRUE(
      refused(Json{{"paths", paths}, {"destination", (allowed / "lien" / "cible").string()}}));
  EXPECT_TRUE(refused(Json{{"paths", {"../../etc/passwd"}}}));
  EXPECT_TRUE(refused(Json{{"paths", Json::array()}}));
  EXPECT_TRUE(refused(Json{{"paths", {"a/./b"}}}));
  EXPECT_FALSE(fs::exists(root / "ailleurs"));
  EXPECT_FALSE(fs::exists(root / "x"));
  EXPECT_FALSE(fs::exists(root / "cible"));
  // Nothing written under the default root either: refusals happen before the job.
  EXPECT_FALSE(fs::exists(root / "data" / "restores" / today()));
}

TEST_F(BackupConsoleCommands, OriginalPlaceKeepsExistingFilesAndAddsDatedCopies) {
  files::writeAtomic(src / "Courrier" / "lettre.txt", "changée\n", 0644);
  fs::remove(src / "Courrier" / "budget.ods");
  Json s = restoreAndWait(Json{{"paths", {rel(src / "Courrier")}}, {"destination", "original"}});
  ASSERT_EQ(s["state"], "ok") << s.dump();
  EXPECT_EQ(files::read(src / "Courrier" / "lettre.txt"), "changée\n");  // untouched
  auto kept = src / "Courrier" / ("lettre (restauré " + today() + ").txt");
  EXPECT_EQ(files::read(kept), "original\n");
  EXPECT_EQ(files::read(src / "Courrier" / "budget.ods"), std::string(100000, 'b'));
  ASSERT_EQ(s["renamed"].size(), 1u);
  EXPECT_EQ(s["renamed"][0]["kept_as"], rel(kept));

  Json again = restoreAndWait(
      Json{{"paths", {rel(src / "Courrier" / "lettre.txt")}}, {"destination", "original"}});
  ASSERT_EQ(again["state"], "ok");
  EXPECT_EQ(files::read(src / "Courrier" / ("lettre (restauré " + today() + " 2).txt")),
            "original\n");
  EXPECT_EQ(files::read(kept), "original\n");
}

TEST_F(BackupConsoleCommands, MissingPathFailsTheJobAndStatusIsKept) {
  Json s = restoreAndWait(Json{{"paths", {rel(src / "absent.txt")}}});
  EXPECT_EQ(s["state"], "failed");
  EXPECT_NE(s["error"].get<std::string>().find("absent.txt"), std::string::npos);
  EXPECT_EQ(commands->status(Json{{"restore_id", "nope"}})["state"], "unknown");
  EXPECT_EQ(commands->status(Json::object())["items"].size(), 1u);
}

// The agent restarts: a finished restore is still reported as it ended, one that was
// running when the agent stopped is reported interrupted with the reason (not unknown).
TEST_F(BackupConsoleCommands, RestoresAreRememberedAcrossAnAgentRestart) {
  Json done = restoreAndWait(Json{{"paths", {rel(src / "Courrier" / "lettre.txt")}}});
  ASSERT_EQ(done["state"], "ok") << done.dump();
  const fs::path journal = root / "data" / "backup-restores.json";
  ASSERT_TRUE(fs::exists(journal));
  EXPECT_EQ(fs::status(journal).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  // As a killed agent leaves it: one more entry, still running.
  Json items = parseJson(files::read(journal));
  Json running = items[0];
  running["restore_id"] = "00000000000000cc";
  running["state"] = "running";
  running["finished_at"] = nullptr;
  items.push_back(running);
  files::writeAtomic(journal, items.dump(), 0600);

  commands.reset();
  RestoreSettings settings{root / "data" / "restores", {allowed}};
  commands = std::make_unique<BackupControlCommands>([this] { return openLocalTarget(repo); },
                                                     root / "backup.key", settings);
  Json again = commands->status(Json{{"restore_id", done["restore_id"]}});
  EXPECT_EQ(again["state"], "ok") << again.dump();
  EXPECT_EQ(again["files_done"], 1);
  EXPECT_EQ(again["snapshot"], snapshot);
  Json cut = commands->status(Json{{"restore_id", "00000000000000cc"}});
  EXPECT_EQ(cut["state"], "interrupted") << cut.dump();
  EXPECT_NE(cut["error"].get<std::string>().find("l'agent s'est arrêté"), std::string::npos);
  EXPECT_FALSE(cut["finished_at"].is_null());
  EXPECT_EQ(commands->status(Json{{"restore_id", "00000000000000dd"}})["state"], "unknown");
  // A damaged journal is ignored, not fatal.
  commands.reset();
  files::writeAtomic(journal, "{not json", 0600);
  commands = std::make_unique<BackupControlCommands>([this] { return openLocalTarget(repo); },
                                                     root / "backup.key", settings);
  EXPECT_EQ(commands->status(Json{{"restore_id", done["restore_id"]}})["state"], "unknown");
}

TEST_F(BackupConsoleCommands, NoKeyNoRestore) {
  fs::remove(root / "backup.key");
  EXPECT_THROW(commands->restore(Json{{"snapshot", snapshot}, {"paths", {"x"}}}), Error);
  EXPECT_THROW(commands->browse(Json{{"snapshot", snapshot}}), Error);
}

}  // namespace
}  // namespace parc::agent::backup
