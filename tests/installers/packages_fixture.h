#pragma once
// What the installer tests share: the packages built once per test program with cpack
// (a "previous" build and a bumped one), tools found on PATH, and the throw-away root
// (tests/installers/throwaway-root.sh) the packages are installed in.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace parc::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kSourceDir = PARC_SOURCE_DIR;
const fs::path kBinaryDir = PARC_BINARY_DIR;
const std::string kThrowawayRoot = (kSourceDir / "tests/installers/throwaway-root.sh").string();

struct Packages {
  std::string agent, server, cli;
};

// runProgram execs a path, not a name: find the tool on PATH (empty: not installed,
// and the exec fails loudly rather than the test passing without running it).
std::string tool(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (size_t start = 0; start <= dirs.size();) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    fs::path candidate = fs::path(dirs.substr(start, end - start)) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    start = end + 1;
  }
  return "/usr/bin/" + name;
}

// Packages built once for the suite: the "previous" build and a bumped one.
class Installers : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    work_ = new TempDir;
    previous_ = build("1");
    next_ = build("2");
  }
  static void TearDownTestSuite() {
    delete work_;
    work_ = nullptr;
  }

  static Packages build(const std::string& release) {
    auto dir = work_->path() / ("debs-" + release);
    RunResult r = runProgram({tool("cpack"), "-G", "DEB", "--config",
                              (kBinaryDir / "CPackConfig.cmake").string(), "-B", dir.string()},
                             {{"PARC_PACKAGE_RELEASE", release}}, "", 240s);
    // No EXPECT here: a failure in SetUpTestSuite makes gtest report the tests as
    // skipped, which CTest counts as not failed. Each test asserts buildError_ instead.
    if (r.exitCode != 0)
      buildError_ += "cpack failed (" + std::to_string(r.exitCode) + "): " + r.out + r.err;
    std::string version = std::string(PARC_VERSION) + "-" + release;
    auto deb = [&](const std::string& name) {
      auto path = dir / (name + "_" + version + "_amd64.deb");
      if (!fs::exists(path)) buildError_ += "missing " + path.string() + "\n";
      return path.string();
    };
    return {deb("parc-agent"), deb("parc-server"), deb("parcctl")};
  }

  static std::string debInfo(const std::string& deb, const std::string& what = "") {
    std::vector<std::string> argv = {tool("dpkg-deb"), "-I", deb};
    if (!what.empty()) argv.push_back(what);
    return runProgram(argv).out;
  }

  void SetUp() override { ASSERT_TRUE(buildError_.empty()) << buildError_; }

  static inline TempDir* work_ = nullptr;
  static inline Packages previous_, next_;
  static inline std::string buildError_;
};

// The throw-away root: every command runs in it; files are read through it too (a
// deletion there is a whiteout in the upper layer, not a missing file).
class Root {
 public:
  Root(fs::path state, fs::path packages)
      : state_(std::move(state)), packages_(std::move(packages)) {}
  RunResult run(const std::vector<std::string>& command,
                const std::map<std::string, std::string>& env = {}) const {
    return runProgram(argv(command), env, "", 180s);
  }
  std::vector<std::string> argv(const std::vector<std::string>& command) const {
    std::vector<std::string> a = {kThrowawayRoot, state_.string(), "--bind", packages_.string(),
                                  "--"};
    a.insert(a.end(), command.begin(), command.end());
    return a;
  }
  bool exists(const std::string& path) const { return run({"test", "-e", path}).exitCode == 0; }
  std::string read(const std::string& path) const { return run({"cat", path}).out; }
  std::string status(const std::string& package) const {
    return run({"dpkg-query", "-W", "-f=${Status} ${Version}", package}).out;
  }
  // New files of the root, read from the host while a process inside still runs.
  fs::path upper(const std::string& path) const { return state_ / "upper" / path.substr(1); }
  const fs::path& state() const { return state_; }

 private:
  fs::path state_, packages_;
};

}  // namespace
}  // namespace parc::testing
