#pragma once
// The PC's own say on remote support: the `[remote]` table of the agent's configuration
// file (/etc/parc/agent.toml). The server cannot change it; it is read at start.
//
//   [remote]
//   actions = true                 # or false, or a list: ["flush_dns", "restart_service"]
//   scripts = true                 # false: signed scripts are refused
//   services = ["cups", "NetworkManager"]   # units restart_service may restart
//   command_path = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
//   backup_unit = "parc-agent-backup.service"
//   script_timeout_max = 600       # seconds
#include <toml++/toml.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace parc::agent::remote {

struct RemotePolicy {
  bool actionsEnabled = true;
  std::optional<std::set<std::string>> allowedActions;  // nullopt: every action
  bool scriptsEnabled = true;
  std::set<std::string> services = {"cups", "cups.service"};
  std::vector<std::filesystem::path> commandPath = {"/usr/sbin", "/usr/bin", "/sbin", "/bin"};
  std::string backupUnit = "parc-agent-backup.service";
  std::chrono::seconds scriptTimeoutMax{600};
  /// Run each script as its own transient systemd unit (`systemd-run --wait --pipe`):
  /// outside the agent's sandbox (a script may repair the system the agent may only
  /// read), accounted and bounded by systemd. The package's agent.toml sets it; off for
  /// an agent not started by systemd.
  bool scriptsInOwnUnit = false;
  std::size_t maxOutputBytes = 64 * 1024;  // per stream: replies fit one 1 MiB message

  /// Empty when allowed; otherwise why not ("remote actions are disabled by local policy").
  std::string refuseAction(const std::string& name) const;
  std::string refuseScripts() const;
  bool serviceAllowed(const std::string& unit) const;
};

/// The [remote] table of `configFile` (defaults when the file or the table is absent);
/// kBadRequest naming the key for a malformed value.
RemotePolicy loadRemotePolicy(const std::filesystem::path& configFile);
RemotePolicy remotePolicyFromToml(const toml::table& root, const std::string& source);

}  // namespace parc::agent::remote
