#include "server/app/config.h"

#include "common/config/toml_file.h"
#include "common/error.h"

namespace parc::server {

namespace {
std::uint16_t portOf(const toml::table& t, std::string_view key, std::uint16_t fallback) {
  auto v = config::getInt(t, key, fallback);
  if (v < 0 || v > 65535)
    throw Error(ErrorKind::kBadRequest, std::string(key) + " must be a port number");
  return static_cast<std::uint16_t>(v);
}
}  // namespace

void loadServerConfigFile(const std::filesystem::path& path, ServerConfig& c) {
  toml::table t = config::loadToml(path);
  c.dataDir = config::getString(t, "data_dir", c.dataDir.string());
  c.agentListener.address = config::getString(t, "agent.address", c.agentListener.address);
  c.agentListener.port = portOf(t, "agent.port", c.agentListener.port);
  c.consoleListener.address = config::getString(t, "console.address", c.consoleListener.address);
  c.consoleListener.port = portOf(t, "console.port", c.consoleListener.port);
  c.consoleCertificate = config::getString(t, "console.certificate", c.consoleCertificate.string());
  c.consoleKey = config::getString(t, "console.key", c.consoleKey.string());
  c.logLevel = config::getString(t, "log_level", c.logLevel);
  if (auto* names = t["server_names"].as_array()) {
    for (const auto& n : *names) {
      if (auto s = n.value<std::string>()) c.serverNames.push_back(*s);
    }
  }
}

}  // namespace parc::server
