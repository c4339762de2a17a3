// kill -9 of a real `parc-agent backup` at random points: the repository still verifies,
// no partial snapshot is listed, the next backup completes and restores byte for byte.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "common/backup/crypto.h"
#include "server/backup/repository.h"
#include "tests/backup/test_util.h"

namespace parc::backup {
namespace {

namespace fs = std::filesystem;
using testing::pseudoRandom;
using testing::readFile;
using testing::TempDir;
using testing::writeFile;

const std::string kAgent = std::string(PARC_BINARY_DIR) + "/agent/parc-agent";

pid_t spawn(const std::vector<std::string>& args) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

int waitFor(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

TEST(BackupKill, KillNineDuringBackupLeavesNoCorruptSnapshot) {
  ASSERT_TRUE(fs::exists(kAgent)) << kAgent;
  TempDir tmp;
  auto src = tmp.path() / "src";
  auto repo = (tmp.path() / "repo").string();
  auto key = (tmp.path() / "backup.key").string();
  auto cache = (tmp.path() / "cache.db").string();
  for (int i = 0; i < 60; ++i) {
    writeFile(src / ("scan" + std::to_string(i) + ".pdf"), pseudoRandom(3 << 20, i + 1));
  }
  std::vector<std::string> backupArgs = {kAgent,   "backup",  "--repo",    repo,       "--key-file",
                                         key,      "--cache", cache,       "--source", src.string(),
                                         "--host", "pc1",     "--threads", "2"};
  // A first complete snapshot, so "nothing acknowledged is lost" has something to lose.
  auto initArgs = backupArgs;
  initArgs.push_back("--init");
  writeFile(tmp.path() / "first/a.txt", "first");
  initArgs[9] = (tmp.path() / "first").string();
  ASSERT_EQ(waitFor(spawn(initArgs)), 0);

  std::mt19937 rng(12345);
  int killed = 0;
  for (int round = 0; round < 4; ++round) {
    auto pid = spawn(backupArgs);
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 600));
    if (::kill(pid, SIGKILL) == 0) ++killed;
    waitFor(pid);
    server::backup::Repository r(repo);
    auto report = r.verify();
    EXPECT_TRUE(report.ok()) << (report.problems.empty() ? "" : report.problems[0]);
    for (const auto& s : r.listSnapshots()) {
      // Every listed snapshot is whole: all its chunks are present (verify checked it).
      EXPECT_EQ(s.host, "pc1");
    }
    EXPECT_GE(r.listSnapshots().size(), 1u);
  }
  EXPECT_GT(killed, 0);
  // The interrupted work is reused: the next run completes and restores exactly.
  ASSERT_EQ(waitFor(spawn(backupArgs)), 0);
  auto dest = tmp.path() / "restore";
  ASSERT_EQ(waitFor(spawn({kAgent, "restore", "--repo", repo, "--key-file", key, "--snapshot",
                           "latest", "--target", dest.string()})),
            0);
  for (int i = 0; i < 60; ++i) {
    auto name = "scan" + std::to_string(i) + ".pdf";
    ASSERT_EQ(readFile(dest / src.relative_path() / name), pseudoRandom(3 << 20, i + 1)) << name;
  }
  server::backup::Repository r(repo);
  auto first = r.listSnapshots().front().id;
  auto dest2 = tmp.path() / "restore-first";
  ASSERT_EQ(waitFor(spawn({kAgent, "restore", "--repo", repo, "--key-file", key, "--snapshot",
                           first, "--target", dest2.string()})),
            0);
  EXPECT_EQ(readFile(dest2 / (tmp.path() / "first/a.txt").relative_path()), "first");
}

TEST(BackupKill, RecoveryKeyRestoresOnANewPc) {
  TempDir tmp;
  auto pair = generateRecoveryKey();
  writeFile(tmp.path() / "recovery.pem", pair.publicPem);
  writeFile(tmp.path() / "recovery-private.pem", pair.privatePem);
  writeFile(tmp.path() / "src/lettre.txt", "Madame le Maire");
  auto repo = (tmp.path() / "repo").string();
  ASSERT_EQ(waitFor(spawn({kAgent, "backup", "--init", "--repo", repo, "--key-file",
                           (tmp.path() / "old-pc.key").string(), "--cache",
                           (tmp.path() / "c.db").string(), "--recovery-public-key",
                           (tmp.path() / "recovery.pem").string(), "--source",
                           (tmp.path() / "src").string()})),
            0);
  fs::remove(tmp.path() / "old-pc.key");  // the old PC died
  auto newKey = (tmp.path() / "new-pc.key").string();
  auto dest = tmp.path() / "dest";
  // Without the key nothing is restored; with the wrong recovery key neither.
  EXPECT_NE(waitFor(spawn({kAgent, "restore", "--repo", repo, "--key-file", newKey, "--target",
                           dest.string()})),
            0);
  writeFile(tmp.path() / "other.pem", generateRecoveryKey().privatePem);
  EXPECT_NE(waitFor(spawn({kAgent, "restore", "--repo", repo, "--key-file", newKey,
                           "--recovery-private-key", (tmp.path() / "other.pem").string(),
                           "--target", dest.string()})),
            0);
  EXPECT_FALSE(fs::exists(newKey));
  ASSERT_EQ(waitFor(spawn({kAgent, "restore", "--repo", repo, "--key-file", newKey,
                           "--recovery-private-key", (tmp.path() / "recovery-private.pem").string(),
                           "--target", dest.string()})),
            0);
  EXPECT_EQ(readFile(dest / (tmp.path() / "src/lettre.txt").relative_path()), "Madame le Maire");
}

}  // namespace
}  // namespace parc::backup
