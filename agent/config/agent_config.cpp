#include "agent/config/agent_config.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <sstream>

#include "common/config/toml_file.h"
#include "common/error.h"
#include "common/files/files.h"

namespace parc::agent {

AgentConfig loadAgentConfig(const std::filesystem::path& path, bool required) {
  AgentConfig c;
  c.configFile = path;
  if (!std::filesystem::exists(path)) {
    if (required)
      throw Error(ErrorKind::kNotFound, "configuration file " + path.string() + " not found");
    return c;
  }
  toml::table t = config::loadToml(path);
  c.server = config::getString(t, "server", c.server);
  c.caFingerprint = config::getString(t, "ca_fingerprint", c.caFingerprint);
  c.token = config::getString(t, "token", c.token);
  c.dataDir = config::getString(t, "data_dir", c.dataDir.string());
  c.logLevel = config::getString(t, "log_level", c.logLevel);
  c.systemRoot = config::getString(t, "system_root", "");
  auto interval = config::getInt(t, "inventory_interval", c.inventoryInterval.count());
  if (interval < 60)
    throw Error(ErrorKind::kBadRequest,
                path.string() + ": inventory_interval must be at least 60 seconds");
  c.inventoryInterval = std::chrono::seconds(interval);
  c.retryMax = std::chrono::seconds(config::getInt(t, "retry_max_seconds", c.retryMax.count()));
  auto every = config::getInt(t, "full_inventory_every", c.fullInventoryEvery);
  if (every < 1 || every > 10000)
    throw Error(ErrorKind::kBadRequest,
                path.string() + ": full_inventory_every must be between 1 and 10000");
  c.fullInventoryEvery = static_cast<int>(every);
  auto metrics = config::getInt(t, "metrics_interval", c.metricsInterval.count());
  if (metrics != 0 && (metrics < 10 || metrics > 86400))
    throw Error(ErrorKind::kBadRequest,
                path.string() + ": metrics_interval must be 0 (off) or 10 to 86400 seconds");
  c.metricsInterval = std::chrono::seconds(metrics);
  if (const auto* disabled = t["disabled_collectors"].as_array()) {
    for (const auto& name : *disabled) {
      if (auto v = name.value<std::string>()) c.disabledCollectors.push_back(*v);
    }
  }
  return c;
}

namespace {

// A top-level `token = …` line: before the first [table], key "token" then "=".
bool isTokenLine(const std::string& line) {
  auto start = line.find_first_not_of(" \t");
  if (start == std::string::npos || line.compare(start, 5, "token") != 0) return false;
  auto next = line.find_first_not_of(" \t", start + 5);
  return next != std::string::npos && line[next] == '=';
}

}  // namespace

bool forgetEnrolmentToken(const std::filesystem::path& file, const std::string& spentToken) {
  if (spentToken.empty() || file.empty() || !std::filesystem::exists(file)) return false;
  std::string text = files::read(file);
  if (config::getString(config::parseToml(text, file.string()), "token", "") != spentToken)
    return false;
  std::istringstream in(text);
  std::string kept;
  bool topLevel = true;
  for (std::string line; std::getline(in, line);) {
    auto first = line.find_first_not_of(" \t");
    if (first != std::string::npos && line[first] == '[') topLevel = false;
    if (topLevel && isTokenLine(line)) continue;
    kept += line + "\n";
  }
  struct stat st {};
  mode_t mode = ::stat(file.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0600;
  files::writeAtomic(file, kept, mode);
  return true;
}

void forgetSpentToken(const AgentConfig& config) {
  try {
    if (forgetEnrolmentToken(config.configFile, config.token))
      spdlog::info("enrolled: the enrolment token was removed from {}", config.configFile.string());
  } catch (const std::exception& e) {
    spdlog::warn("enrolled, but the enrolment token stays in {}: {}; remove its token line",
                 config.configFile.string(), e.what());
  }
}

}  // namespace parc::agent
