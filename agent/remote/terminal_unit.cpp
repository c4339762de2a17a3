#include "agent/remote/terminal_unit.h"

namespace parc::agent::remote {

std::vector<std::string> terminalUnitCommand(const std::string& unit, unsigned uid, unsigned gid,
                                             const std::string& home, const std::string& shell) {
  return {"/usr/bin/systemd-run",
          "--quiet",
          "--collect",
          "--pty",
          "--unit=" + unit,
          "--description=Parc remote terminal",
          "--uid=" + std::to_string(uid),
          "--gid=" + std::to_string(gid),
          "--working-directory=" + home,
          "--setenv=TERM=xterm-256color",
          "--setenv=LANG=C.UTF-8",
          "--",
          shell,
          "-l"};
}

}  // namespace parc::agent::remote
