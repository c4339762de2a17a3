#pragma once
// A terminal's shell as its own transient systemd unit (`[remote] terminal_in_own_unit`,
// docs/remote-support.md, "Terminal"): systemd-run allocates the shell's PTY inside the
// unit and relays it to ours, switches to the account, and accounts the session apart
// from the agent — whose sandbox (read-only system and homes) would bind the shell too.
#include <string>
#include <vector>

namespace parc::agent::remote {

/// The command the agent runs on its PTY instead of the shell.
std::vector<std::string> terminalUnitCommand(const std::string& unit, unsigned uid, unsigned gid,
                                             const std::string& home, const std::string& shell);

}  // namespace parc::agent::remote
