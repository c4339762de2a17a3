// The rollback of a self-update against the package's real preinst, which refuses to
// downgrade unless PARC_ALLOW_DOWNGRADE=1: the updater must give that permission to the
// rollback's install only (docs/operations.md, "Agent self-update").
#include <gtest/gtest.h>

#include <filesystem>

#include "agent/update/update_settings.h"
#include "agent/update/updater.h"
#include "common/files/files.h"
#include "tests/integration/harness.h"

namespace parc {
namespace {

namespace fs = std::filesystem;
using parc::testing::runProgram;
using parc::testing::RunResult;

const fs::path kPreinst = fs::path(PARC_SOURCE_DIR) / "installers/debian/agent/preinst";

RunResult preinst(const std::string& installed, const std::string& next, bool allow) {
  std::vector<std::string> argv{"/usr/bin/env", "-u", "PARC_ALLOW_DOWNGRADE"};
  if (allow) argv.push_back("PARC_ALLOW_DOWNGRADE=1");
  argv.insert(argv.end(), {"/bin/sh", kPreinst.string(), "upgrade", installed, next});
  return runProgram(argv);
}

TEST(AgentPreinst, RefusesADowngradeUnlessAllowed) {
  EXPECT_EQ(preinst("0.1.0-1", "0.2.0-1", false).exitCode, 0);
  RunResult refused = preinst("0.2.0-1", "0.1.0-1", false);
  EXPECT_EQ(refused.exitCode, 1);
  EXPECT_NE(refused.err.find("refusing to downgrade"), std::string::npos) << refused.err;
  RunResult allowed = preinst("0.2.0-1", "0.1.0-1", true);
  EXPECT_EQ(allowed.exitCode, 0) << allowed.err;
  EXPECT_NE(allowed.err.find("downgrading from 0.2.0-1 to 0.1.0-1"), std::string::npos);
}

// A stand-in for dpkg -i that runs the real preinst like dpkg, then "unpacks" the version
// named in the file; `fail_configure` makes the 0.2.0 package's postinst fail afterwards.
void writeFakeDpkg(const fs::path& dir) {
  files::writeAtomic(dir / "fake-dpkg",
                     "#!/bin/sh\nset -e\n"
                     "new=$(basename \"$1\" | sed -n 's/^parc-agent_\\([^_]*\\)_.*/\\1/p')\n"
                     "echo \"$new ${PARC_ALLOW_DOWNGRADE:-}\" >>\"" +
                         (dir / "installs.log").string() +
                         "\"\n"
                         "/bin/sh \"" +
                         kPreinst.string() + "\" upgrade \"$(cat \"" +
                         (dir / "installed").string() +
                         "\")\" \"$new\"\n"
                         "echo \"$new\" >\"" +
                         (dir / "installed").string() +
                         "\"\n"
                         "if [ \"$new\" = 0.2.0 ]; then echo 'postinst failed' >&2; exit 1; fi\n");
  fs::permissions(dir / "fake-dpkg", fs::perms::owner_all);
}

TEST(AgentUpdate, FailedInstallIsRolledBackPastThePackagesDowngradeRefusal) {
  parc::testing::TempDir tmp;
  writeFakeDpkg(tmp.path());
  files::writeAtomic(tmp.path() / "installed", "0.1.0\n");
  agent::update::UpdateSettings settings;
  settings.installCommand = {(tmp.path() / "fake-dpkg").string(), "{package}"};
  settings.launcher = {};
  agent::update::UpdateState st;
  st.phase = "installing";
  st.from = "0.1.0";
  st.to = "0.2.0";
  st.package = (tmp.path() / "parc-agent_0.2.0_amd64.deb").string();
  st.rollbackPackage = (tmp.path() / "parc-agent_0.1.0_amd64.deb").string();
  agent::update::writeState(tmp.path() / "data", st);

  EXPECT_EQ(agent::update::applyUpdate(tmp.path() / "data", settings), 1);
  auto after = agent::update::readState(tmp.path() / "data");
  EXPECT_EQ(after.phase, "failed");
  EXPECT_NE(after.detail.find("previous version reinstalled"), std::string::npos) << after.detail;
  EXPECT_EQ(files::tryRead(tmp.path() / "installed").value_or(""), "0.1.0\n");
  // The permission went to the rollback only: the update itself was installed without it.
  EXPECT_EQ(files::tryRead(tmp.path() / "installs.log").value_or(""), "0.2.0 \n0.1.0 1\n");
}

}  // namespace
}  // namespace parc
