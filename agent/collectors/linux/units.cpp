#include "agent/collectors/linux/units.h"

#include "agent/collectors/linux/read.h"

namespace parc::agent::collectors::linux_ {

namespace fs = std::filesystem;

bool systemdUnitEnabled(const fs::path& etc, const std::string& unit) {
  fs::path dir = etc / "systemd/system";
  for (const std::string& entry : listDir(dir)) {
    if (!entry.ends_with(".wants")) continue;
    // The link points to /lib/systemd/system/<unit>: in a recorded tree it dangles, so
    // the link itself is what counts.
    std::error_code ec;
    if (fs::exists(fs::symlink_status(dir / entry / unit, ec))) return true;
  }
  return false;
}

}  // namespace parc::agent::collectors::linux_
