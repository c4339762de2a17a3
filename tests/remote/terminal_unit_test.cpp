// The command that puts a terminal's shell in its own transient unit: the account's ids,
// its home, a login shell, and a unit name the agent can stop at the end of the session.
#include "agent/remote/terminal_unit.h"

#include <gtest/gtest.h>

namespace parc::agent::remote {
namespace {

TEST(TerminalUnit, ShellRunsAsTheAccountInItsOwnUnit) {
  auto argv = terminalUnitCommand("parc-terminal-42-1", 1001, 1001, "/home/marie", "/bin/bash");
  std::string line;
  for (const auto& a : argv) line += a + " ";
  EXPECT_EQ(argv.front(), "/usr/bin/systemd-run");
  EXPECT_NE(line.find(" --pty "), std::string::npos) << line;
  EXPECT_NE(line.find(" --unit=parc-terminal-42-1 "), std::string::npos) << line;
  EXPECT_NE(line.find(" --uid=1001 --gid=1001 --working-directory=/home/marie "), std::string::npos)
      << line;
  EXPECT_NE(line.find(" -- /bin/bash -l "), std::string::npos) << line;
  // Nothing after the separator but the shell: a name cannot smuggle options in.
  EXPECT_EQ(argv[argv.size() - 3], "--");
}

}  // namespace
}  // namespace parc::agent::remote
