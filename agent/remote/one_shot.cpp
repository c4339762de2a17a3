#include "agent/remote/one_shot.h"

#include <ctime>

#include "agent/remote/actions/actions.h"
#include "agent/remote/consent.h"
#include "common/error.h"

namespace parc::agent::remote {

namespace {

// The consent the server sent beside the command ({"policy","technician","what"}), taken
// out of the payload; asked before anything runs. A payload without one (an older
// server) runs as before.
void requireConsent(const RemoteSettings& settings, Json& payload) {
  if (!payload.is_object()) return;
  auto it = payload.find("consent");
  if (it == payload.end()) return;
  Json consent = *it;
  payload.erase(it);
  auto outcome = obtainConsent(settings, consent);
  if (!outcome.allowed) throw Error(ErrorKind::kForbidden, outcome.reason);
}

}  // namespace

OneShotCommands::OneShotCommands(const std::filesystem::path& dataDir,
                                 const std::filesystem::path& configFile, std::int64_t hostId,
                                 std::function<void()> inventoryNow)
    : policy_(loadRemotePolicy(configFile)),
      consentSettings_(loadRemoteSettings(configFile)),
      runner_(policy_.commandPath),
      scripts_(dataDir, hostId, runner_, policy_),
      inventoryNow_(std::move(inventoryNow)) {}

void OneShotCommands::addTo(control::CommandRegistry& registry) {
  registry.addSlow("action", [this](const Json& payload) {
    Json p = payload;
    // What this PC refuses anyway is refused before anyone is asked.
    if (p.is_object() && p.contains("name") && p["name"].is_string()) {
      if (std::string why = policy_.refuseAction(p["name"].get<std::string>()); !why.empty())
        throw Error(ErrorKind::kForbidden, why);
    }
    requireConsent(consentSettings_, p);
    ActionEnv env{runner_, policy_, inventoryNow_};
    return runAction(env, p);
  });
  // The consent travels beside the signed envelope, not in it: the signature covers what
  // runs, the consent who must agree first (the server's choice either way).
  registry.addSlow("script_run", [this](const Json& payload) {
    Json p = payload;
    if (policy_.scriptsEnabled) requireConsent(consentSettings_, p);  // else refused below
    return scripts_.run(p, static_cast<std::int64_t>(std::time(nullptr)));
  });
  // What this PC allows, for the console to grey out what would be refused anyway.
  registry.add("remote_policy", [this](const Json&) {
    Json actions = Json::array();
    for (const auto& a : actionList()) {
      if (policy_.refuseAction(a.name).empty()) actions.push_back(a.name);
    }
    // The folders file transfer may use, for the console's file panel to offer them.
    Json roots = Json::array();
    for (const auto& root : consentSettings_.fileRoots) roots.push_back(root.string());
    return Json{{"actions", actions},
                {"scripts", policy_.scriptsEnabled},
                {"services", policy_.services},
                {"file_roots", roots},
                {"max_file_bytes", consentSettings_.maxFileBytes}};
  });
}

}  // namespace parc::agent::remote
