#include "cli/session_file.h"

#include <sstream>

#include "common/config/toml_file.h"
#include "common/files/files.h"

namespace parc::cli {

std::filesystem::path defaultSessionPath() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const char* home = std::getenv("HOME");
  std::filesystem::path base =
      xdg && *xdg ? xdg : std::filesystem::path(home ? home : ".") / ".config";
  return base / "parc" / "parcctl.toml";
}

SessionFile readSessionFile(const std::filesystem::path& path) {
  SessionFile f;
  if (!std::filesystem::exists(path)) return f;
  auto t = config::loadToml(path);
  f.server = config::getString(t, "server", "");
  f.caFingerprint = config::getString(t, "ca_fingerprint", "");
  f.caFile = config::getString(t, "ca_file", "");
  f.token = config::getString(t, "token", "");
  return f;
}

void writeSessionFile(const std::filesystem::path& path, const SessionFile& f) {
  files::ensureDirectory(path.parent_path(), 0700);
  toml::table t{{"server", f.server},
                {"ca_fingerprint", f.caFingerprint},
                {"ca_file", f.caFile},
                {"token", f.token}};
  std::ostringstream out;
  out << "# parcctl session: keep private (mode 0600)\n" << t << "\n";
  files::writeAtomic(path, out.str(), 0600);
}

}  // namespace parc::cli
