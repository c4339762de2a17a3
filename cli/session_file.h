#pragma once
// parcctl's per-user file ($XDG_CONFIG_HOME/parc/parcctl.toml, mode 0600): the server,
// how to trust it, and the session token from `parcctl login`.
#include <filesystem>
#include <string>

namespace parc::cli {

struct SessionFile {
  std::string server;         // console URL
  std::string caFingerprint;  // pinned CA, or
  std::string caFile;         // a CA bundle path; neither: the system's trust store
  std::string token;          // session bearer token
};

std::filesystem::path defaultSessionPath();
SessionFile readSessionFile(const std::filesystem::path& path);
void writeSessionFile(const std::filesystem::path& path, const SessionFile& file);

}  // namespace parc::cli
