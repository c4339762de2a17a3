#pragma once
// The one-shot half of remote support on the agent: the `action` and `script_run`
// control commands, under the PC's local policy and, like sessions, the consent the
// server asks for (docs/remote-support.md, "Consent policies").
#include <filesystem>
#include <functional>

#include "agent/control/commands.h"
#include "agent/remote/policy.h"
#include "agent/remote/process_runner.h"
#include "agent/remote/remote_config.h"
#include "agent/remote/scripts.h"

namespace parc::agent::remote {

class OneShotCommands {
 public:
  /// `configFile`: the agent's TOML file, whose [remote] table is the local policy.
  OneShotCommands(const std::filesystem::path& dataDir, const std::filesystem::path& configFile,
                  std::int64_t hostId, std::function<void()> inventoryNow);
  OneShotCommands(const OneShotCommands&) = delete;
  OneShotCommands& operator=(const OneShotCommands&) = delete;

  /// Adds `action`, `script_run` and `remote_policy`; this object must outlive `registry`.
  void addTo(control::CommandRegistry& registry);
  const RemotePolicy& policy() const { return policy_; }

 private:
  RemotePolicy policy_;
  RemoteSettings
      consentSettings_;  // how the user is asked or told ([remote] consent_*), file roots
  ProcessRunner runner_;
  ScriptExecutor scripts_;
  std::function<void()> inventoryNow_;
};

}  // namespace parc::agent::remote
