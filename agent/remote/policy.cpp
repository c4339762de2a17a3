#include "agent/remote/policy.h"

#include "common/config/toml_file.h"
#include "common/error.h"
#include "common/remote/action_catalog.h"

namespace parc::agent::remote {

std::string RemotePolicy::refuseAction(const std::string& name) const {
  if (!actionsEnabled) return "remote actions are disabled by this PC's local policy";
  if (allowedActions && !allowedActions->count(name))
    return "action '" + name + "' is not allowed by this PC's local policy";
  return {};
}

std::string RemotePolicy::refuseScripts() const {
  if (!scriptsEnabled) return "scripts are disabled by this PC's local policy";
  return {};
}

bool RemotePolicy::serviceAllowed(const std::string& unit) const {
  if (services.count(unit)) return true;
  // "cups" in the list allows "cups.service" and the other way round.
  const std::string suffix = ".service";
  if (unit.size() > suffix.size() && unit.ends_with(suffix))
    return services.count(unit.substr(0, unit.size() - suffix.size())) > 0;
  return services.count(unit + suffix) > 0;
}

RemotePolicy remotePolicyFromToml(const toml::table& root, const std::string& source) {
  RemotePolicy p;
  const toml::table* t = root["remote"].as_table();
  if (!t) return p;
  auto bad = [&source](const std::string& key, const std::string& what) {
    return Error(ErrorKind::kBadRequest, source + ": [remote] " + key + " " + what);
  };
  auto strings = [&](const char* key) {
    std::vector<std::string> out;
    const toml::array* a = (*t)[key].as_array();
    if (!a) throw bad(key, "must be a list of strings");
    for (const auto& v : *a) {
      auto s = v.value<std::string>();
      if (!s) throw bad(key, "must be a list of strings");
      out.push_back(*s);
    }
    return out;
  };
  if (auto node = (*t)["actions"]; node) {
    if (auto b = node.value<bool>(); b && node.is_boolean()) {
      p.actionsEnabled = *b;
    } else {
      std::set<std::string> names;
      for (const auto& n : strings("actions")) {
        parc::remote::findAction(n);  // an unknown name is a typo: say so
        names.insert(n);
      }
      p.allowedActions = std::move(names);
    }
  }
  if (auto node = (*t)["scripts"]; node) {
    if (!node.is_boolean()) throw bad("scripts", "must be true or false");
    p.scriptsEnabled = *node.value<bool>();
  }
  if ((*t)["services"]) {
    p.services.clear();
    for (const auto& s : strings("services")) {
      if (!parc::remote::isValidUnitName(s))
        throw bad("services", "has an invalid unit '" + s + "'");
      p.services.insert(s);
    }
  }
  if ((*t)["command_path"]) {
    p.commandPath.clear();
    for (const auto& s : strings("command_path")) {
      if (s.empty() || s.front() != '/') throw bad("command_path", "entries must be absolute");
      p.commandPath.emplace_back(s);
    }
  }
  p.backupUnit = config::getString(*t, "backup_unit", p.backupUnit);
  if (!parc::remote::isValidUnitName(p.backupUnit)) throw bad("backup_unit", "is not a unit name");
  if (auto node = (*t)["scripts_in_own_unit"]; node) {
    if (!node.is_boolean()) throw bad("scripts_in_own_unit", "must be true or false");
    p.scriptsInOwnUnit = *node.value<bool>();
  }
  auto max = config::getInt(*t, "script_timeout_max", p.scriptTimeoutMax.count());
  if (max < 1 || max > 3600) throw bad("script_timeout_max", "must be 1 to 3600 seconds");
  p.scriptTimeoutMax = std::chrono::seconds(max);
  return p;
}

RemotePolicy loadRemotePolicy(const std::filesystem::path& configFile) {
  if (configFile.empty() || !std::filesystem::exists(configFile)) return {};
  return remotePolicyFromToml(config::loadToml(configFile), configFile.string());
}

}  // namespace parc::agent::remote
