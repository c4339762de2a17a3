#include "agent/update/update_settings.h"

#include <fstream>

#include "common/config/toml_file.h"
#include "common/error.h"
#include "common/remote/signing.h"

namespace parc::agent::update {

namespace {

std::vector<std::string> strings(const toml::table& t, std::string_view key,
                                 std::vector<std::string> fallback) {
  const toml::node* node = t.get(key);
  if (!node) return fallback;
  const auto* a = node->as_array();
  if (!a) throw Error(ErrorKind::kBadRequest, "[update] " + std::string(key) + " must be a list");
  std::vector<std::string> out;
  for (const auto& item : *a) {
    auto v = item.value<std::string>();
    if (!v) throw Error(ErrorKind::kBadRequest, "[update] " + std::string(key) + " holds strings");
    out.push_back(*v);
  }
  return out;
}

void addKey(UpdateSettings& s, const std::string& key, const std::string& where) {
  if (!remote::isPublicKeyHex(key)) {
    throw Error(ErrorKind::kBadRequest, where + ": not an Ed25519 public key in hex: " + key);
  }
  s.trustedKeys.push_back(key);
}

}  // namespace

UpdateSettings loadUpdateSettings(const std::filesystem::path& configFile,
                                  const std::filesystem::path& keysDir) {
  UpdateSettings s;
  if (!configFile.empty() && std::filesystem::exists(configFile)) {
    toml::table root = config::loadToml(configFile);
    if (const toml::table* t = root["update"].as_table()) {
      if (auto v = (*t)["enabled"].value<bool>()) s.enabled = *v;
      auto interval = config::getInt(*t, "check_interval", s.checkInterval.count());
      auto health = config::getInt(*t, "health_timeout", s.healthTimeout.count());
      if (interval < 1 || interval > 30 * 86400 || health < 5 || health > 86400) {
        throw Error(ErrorKind::kBadRequest,
                    "[update] check_interval is 1 s to 30 days, health_timeout 5 s to a day");
      }
      s.checkInterval = std::chrono::seconds(interval);
      s.healthTimeout = std::chrono::seconds(health);
      for (const auto& k : strings(*t, "trusted_keys", {})) addKey(s, k, configFile.string());
      s.installCommand = strings(*t, "install_command", s.installCommand);
      s.launcher = strings(*t, "launcher", s.launcher);
      if (s.installCommand.empty()) {
        throw Error(ErrorKind::kBadRequest, "[update] install_command cannot be empty");
      }
    }
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(keysDir, ec)) {
    if (entry.path().extension() != ".pub") continue;
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line[0] != '#') addKey(s, line, entry.path().string());
    }
  }
  return s;
}

}  // namespace parc::agent::update
