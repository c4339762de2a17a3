#pragma once
// The `[remote]` table of the agent's configuration file: what remote support may do on
// this PC (docs/remote-support.md). Local settings: the server cannot change them.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace parc::agent::remote {

struct RemoteSettings {
  /// The local account whose login shell a terminal runs; empty: no terminal.
  std::string terminalUser;
  /// Overrides that account's login shell (accounts like `nobody` have none).
  std::string terminalShell;
  /// root stays refused unless this says otherwise.
  bool allowRootTerminal = false;
  /// Run each terminal's shell as its own transient systemd unit (`systemd-run --pty
  /// --uid`): outside the agent's sandbox, accounted and stopped by systemd. The package's
  /// agent.toml sets it; off for an agent not started by systemd.
  bool terminalInOwnUnit = false;
  std::chrono::seconds terminalIdleTimeout{900};
  /// Directories file transfer may read and write under; empty: no file transfer.
  std::vector<std::filesystem::path> fileRoots;
  std::uint64_t maxFileBytes = 1ULL << 30;
  /// Started for a desktop session and stopped after it (e.g. x11vnc -localhost …);
  /// empty: a VNC server is expected to be running already.
  std::vector<std::string> vncCommand;
  std::uint16_t vncPort = 5900;
  std::chrono::seconds vncStartTimeout{10};
  /// Asks the logged-in user (exit status 0 = yes); `{technician}` and `{what}` in the
  /// arguments are replaced. Default: zenity --question in the user's session.
  std::vector<std::string> askCommand;
  /// Tells the user (notify policy, and the start of every session under ask).
  std::vector<std::string> notifyCommand;
  std::chrono::seconds consentTimeout{30};
  /// Sessions (streams) open at once on this PC.
  int maxSessions = 32;
};

/// Reads `[remote]` from the TOML file; defaults when the file or the table is absent.
/// kBadRequest with the file and key for a wrong value.
RemoteSettings loadRemoteSettings(const std::filesystem::path& configFile);

}  // namespace parc::agent::remote
