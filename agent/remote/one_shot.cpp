#include "agent/remote/one_shot.h"

#include <ctime>

#include "agent/remote/actions/actions.h"

namespace parc::agent::remote {

OneShotCommands::OneShotCommands(const std::filesystem::path& dataDir,
                                 const std::filesystem::path& configFile, std::int64_t hostId,
                                 std::function<void()> inventoryNow)
    : policy_(loadRemotePolicy(configFile)),
      runner_(policy_.commandPath),
      scripts_(dataDir, hostId, runner_, policy_),
      inventoryNow_(std::move(inventoryNow)) {}

void OneShotCommands::addTo(control::CommandRegistry& registry) {
  registry.addSlow("action", [this](const Json& payload) {
    ActionEnv env{runner_, policy_, inventoryNow_};
    return runAction(env, payload);
  });
  registry.addSlow("script_run", [this](const Json& payload) {
    return scripts_.run(payload, static_cast<std::int64_t>(std::time(nullptr)));
  });
  // What this PC allows, for the console to grey out what would be refused anyway.
  registry.add("remote_policy", [this](const Json&) {
    Json actions = Json::array();
    for (const auto& a : actionList()) {
      if (policy_.refuseAction(a.name).empty()) actions.push_back(a.name);
    }
    return Json{
        {"actions", actions}, {"scripts", policy_.scriptsEnabled}, {"services", policy_.services}};
  });
}

}  // namespace parc::agent::remote
