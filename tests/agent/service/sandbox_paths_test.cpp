// The packaged agent's sandbox against what the agent writes (docs/operations.md,
// "Hardening"): the folders made writable follow the configuration and the backup
// policy, and the unit keeps the capabilities and system calls an upload or a restore
// to the original place needs. systemd cannot run here: the unit file is read as text.
#include "agent/service/sandbox_paths.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/files/files.h"

namespace parc::agent::service {
namespace {

namespace fs = std::filesystem;

class SandboxPathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("parc-sandbox-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path config(const std::string& text) {
    files::writeAtomic(dir_ / "agent.toml", text, 0600);
    return dir_ / "agent.toml";
  }

  fs::path dir_;
};

std::string readText(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(SandboxPathsTest, FileRootsRestoreRootsAndPolicyFoldersBecomeWritable) {
  auto conf = config(
      "[remote]\nfile_roots = [\"/srv/partage\", \"/home/\"]\n"
      "[backup]\nrestore_roots = [\"/srv/restaurations\", \"/home/marie/Documents\"]\n");
  files::writeAtomic(dir_ / "data" / "backup-policy.json",
                     R"({"enabled": true, "include": ["/home/marie", "/var/www", "relative"]})",
                     0600);
  auto paths = writablePaths(conf, dir_ / "data");
  // /home covers /home/marie and its Documents; the relative folder is ignored.
  std::vector<fs::path> expected = {"/home", "/srv/partage", "/srv/restaurations", "/var/www"};
  EXPECT_EQ(paths, expected);
}

TEST_F(SandboxPathsTest, NothingConfiguredLeavesTheSandboxReadOnly) {
  auto conf = config("[remote]\nterminal_in_own_unit = true\n");
  files::writeAtomic(dir_ / "data" / "backup-policy.json",
                     R"({"enabled": false, "include": ["/home"]})", 0600);
  auto paths = writablePaths(conf, dir_ / "data");
  EXPECT_TRUE(paths.empty());
  std::string dropIn = sandboxDropIn(paths);
  EXPECT_EQ(dropIn.find("ReadWritePaths"), std::string::npos) << dropIn;
  EXPECT_EQ(dropIn.find("[Service]"), std::string::npos) << dropIn;
}

TEST_F(SandboxPathsTest, ReadOnlyMountsAreNamed) {
  std::vector<fs::path> paths = {dir_, "/nonexistent-parc"};
  EXPECT_TRUE(readOnlyPaths(paths).empty());
  // A read-only mount as the unit's sandbox makes one, in a child's own mount namespace
  // (root only: the namespace and the mount need CAP_SYS_ADMIN).
  fs::create_directories(dir_ / "ro");
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::unshare(CLONE_NEWNS) != 0) ::_exit(77);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(77);
    if (::mount("tmpfs", (dir_ / "ro").c_str(), "tmpfs", MS_RDONLY, "size=4k") != 0) ::_exit(77);
    auto found = readOnlyPaths({dir_, dir_ / "ro"});
    ::_exit(found == std::vector<fs::path>{dir_ / "ro"} ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) GTEST_SKIP() << "no private mount namespace here (not root?)";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the read-only folder was not named";
}

TEST_F(SandboxPathsTest, DropInQuotesNamesAndSkipsControlCharacters) {
  std::string dropIn =
      sandboxDropIn({"/home", "/srv/Mes documents", "/srv/100%", "/srv/a\"b", "/srv/bad\nname"});
  EXPECT_NE(dropIn.find("[Service]\n"), std::string::npos);
  EXPECT_NE(dropIn.find("ReadWritePaths=-\"/home\"\n"), std::string::npos) << dropIn;
  EXPECT_NE(dropIn.find("ReadWritePaths=-\"/srv/Mes documents\"\n"), std::string::npos);
  EXPECT_NE(dropIn.find("ReadWritePaths=-\"/srv/100%%\"\n"), std::string::npos);
  EXPECT_NE(dropIn.find("ReadWritePaths=-\"/srv/a\\\"b\"\n"), std::string::npos);
  EXPECT_EQ(dropIn.find("bad"), std::string::npos) << dropIn;
  EXPECT_NE(dropIn.find("# skipped"), std::string::npos);
}

// Every value of `key=` in the unit file, in order (several lines accumulate).
std::vector<std::string> unitValues(const std::string& unit, const std::string& key) {
  std::vector<std::string> out;
  std::istringstream in(unit);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + "=", 0) == 0) out.push_back(line.substr(key.size() + 1));
  }
  return out;
}

// The shipped generator with the built agent: the drop-in lands where systemd reads it,
// and a broken configuration leaves no file (the unit keeps its read-only sandbox).
TEST_F(SandboxPathsTest, GeneratorWritesTheDropInAndNeverFails) {
  auto conf = config("data_dir = \"" + (dir_ / "data").string() +
                     "\"\n[remote]\nfile_roots = [\"/srv/partage\"]\n");
  const std::string env = "PARC_AGENT_PROGRAM=" PARC_AGENT_BINARY " PARC_AGENT_CONFIG=";
  const std::string generator = PARC_SOURCE_DIR "/installers/systemd/parc-agent-generator ";
  fs::create_directories(dir_ / "normal");
  ASSERT_EQ(
      std::system((env + conf.string() + " " + generator + (dir_ / "normal").string()).c_str()), 0);
  std::string dropIn =
      readText(dir_ / "normal" / "parc-agent.service.d" / "50-writable-paths.conf");
  EXPECT_NE(dropIn.find("[Service]\nReadWritePaths=-\"/srv/partage\"\n"), std::string::npos)
      << dropIn;

  auto bad = config("[remote]\nfile_roots = [\"relative\"]\n");
  fs::create_directories(dir_ / "bad");
  ASSERT_EQ(std::system((env + bad.string() + " " + generator + (dir_ / "bad").string()).c_str()),
            0);
  EXPECT_FALSE(fs::exists(dir_ / "bad" / "parc-agent.service.d" / "50-writable-paths.conf"));
  EXPECT_FALSE(fs::exists(dir_ / "bad" / "parc-agent.service.d" / "50-writable-paths.conf.tmp"));
}

TEST(AgentUnit, KeepsItsSandboxAndAllowsUploadsAndRestores) {
  const std::string unit = readText(PARC_SOURCE_DIR "/installers/systemd/parc-agent.service");
  ASSERT_FALSE(unit.empty());
  // The protections stay.
  EXPECT_EQ(unitValues(unit, "ProtectSystem"), std::vector<std::string>{"strict"});
  EXPECT_EQ(unitValues(unit, "ProtectHome"), std::vector<std::string>{"read-only"});
  EXPECT_EQ(unitValues(unit, "NoNewPrivileges"), std::vector<std::string>{"yes"});
  // The unit itself opens only /etc/parc (the spent enrolment token is removed from
  // agent.toml); upload and restore folders come from the generator: never a blanket one.
  EXPECT_EQ(unitValues(unit, "ReadWritePaths"), std::vector<std::string>{"/etc/parc"});
  // Writing into another user's folder, and giving restored files their owner back.
  auto caps = unitValues(unit, "CapabilityBoundingSet");
  ASSERT_EQ(caps.size(), 1u);
  for (const char* cap : {"CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_CHOWN", "CAP_DAC_READ_SEARCH"})
    EXPECT_NE((" " + caps[0] + " ").find(std::string(" ") + cap + " "), std::string::npos) << cap;
  // ~@privileged removes the chown calls; they must come back after it.
  auto filters = unitValues(unit, "SystemCallFilter");
  auto privileged = std::find(filters.begin(), filters.end(), "~@privileged");
  ASSERT_NE(privileged, filters.end());
  EXPECT_NE(std::find(privileged, filters.end(), "@chown"), filters.end());
  // The generator that writes the drop-in is shipped executable.
  struct stat st {};
  ASSERT_EQ(::stat(PARC_SOURCE_DIR "/installers/systemd/parc-agent-generator", &st), 0);
  EXPECT_TRUE(st.st_mode & S_IXUSR);
  const std::string cmake = readText(PARC_SOURCE_DIR "/installers/CMakeLists.txt");
  EXPECT_NE(cmake.find("systemd/parc-agent-generator DESTINATION /lib/systemd/system-generators"),
            std::string::npos);
}

}  // namespace
}  // namespace parc::agent::service
