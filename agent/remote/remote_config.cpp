#include "agent/remote/remote_config.h"

#include <sstream>

#include "common/config/toml_file.h"
#include "common/error.h"

namespace parc::agent::remote {

namespace {

// A command as an array of strings, or one string split on spaces.
std::vector<std::string> command(const toml::table& t, std::string_view key,
                                 const std::string& file) {
  std::vector<std::string> argv;
  const toml::node* node = t.get(key);
  if (!node) return argv;
  if (auto s = node->value<std::string>()) {
    std::istringstream in(*s);
    for (std::string word; in >> word;) argv.push_back(word);
  } else if (const auto* a = node->as_array()) {
    for (const auto& item : *a) {
      auto v = item.value<std::string>();
      if (!v)
        throw Error(ErrorKind::kBadRequest,
                    file + ": [remote] " + std::string(key) + " must hold strings");
      argv.push_back(*v);
    }
  } else {
    throw Error(ErrorKind::kBadRequest,
                file + ": [remote] " + std::string(key) + " must be a string or an array");
  }
  return argv;
}

std::int64_t bounded(const toml::table& t, std::string_view key, std::int64_t fallback,
                     std::int64_t min, std::int64_t max, const std::string& file) {
  auto v = config::getInt(t, key, fallback);
  if (v < min || v > max)
    throw Error(ErrorKind::kBadRequest, file + ": [remote] " + std::string(key) +
                                            " must be between " + std::to_string(min) + " and " +
                                            std::to_string(max));
  return v;
}

}  // namespace

RemoteSettings loadRemoteSettings(const std::filesystem::path& configFile) {
  RemoteSettings r;
  if (configFile.empty() || !std::filesystem::exists(configFile)) return r;
  toml::table root = config::loadToml(configFile);
  const toml::table* t = root["remote"].as_table();
  if (!t) return r;
  std::string file = configFile.string();
  r.terminalUser = config::getString(*t, "terminal_user", r.terminalUser);
  r.terminalShell = config::getString(*t, "terminal_shell", r.terminalShell);
  if (auto v = (*t)["allow_root_terminal"].value<bool>()) r.allowRootTerminal = *v;
  if (auto v = (*t)["terminal_in_own_unit"].value<bool>()) r.terminalInOwnUnit = *v;
  r.terminalIdleTimeout = std::chrono::seconds(
      bounded(*t, "terminal_idle_timeout", r.terminalIdleTimeout.count(), 10, 86400, file));
  if (const auto* roots = (*t)["file_roots"].as_array()) {
    for (const auto& item : *roots) {
      auto v = item.value<std::string>();
      if (!v || v->empty() || (*v)[0] != '/')
        throw Error(ErrorKind::kBadRequest, file + ": [remote] file_roots must be absolute paths");
      r.fileRoots.emplace_back(*v);
    }
  }
  r.maxFileBytes = static_cast<std::uint64_t>(
      bounded(*t, "max_file_bytes", static_cast<std::int64_t>(r.maxFileBytes), 1, 1LL << 40, file));
  r.vncCommand = command(*t, "vnc_command", file);
  r.vncPort = static_cast<std::uint16_t>(bounded(*t, "vnc_port", r.vncPort, 1, 65535, file));
  r.vncStartTimeout = std::chrono::seconds(
      bounded(*t, "vnc_start_timeout", r.vncStartTimeout.count(), 1, 120, file));
  r.askCommand = command(*t, "consent_ask_command", file);
  r.notifyCommand = command(*t, "consent_notify_command", file);
  r.consentTimeout =
      std::chrono::seconds(bounded(*t, "consent_timeout", r.consentTimeout.count(), 1, 600, file));
  r.maxSessions = static_cast<int>(bounded(*t, "max_sessions", r.maxSessions, 1, 4096, file));
  return r;
}

}  // namespace parc::agent::remote
