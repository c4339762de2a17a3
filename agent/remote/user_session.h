#pragma once
// The person at the PC: the active graphical session on the first seat (logind), and how
// to run a program inside it — as that user, with the display and the session bus — so
// that a consent dialog or a notification reaches the screen (docs/remote-support.md,
// "Consent policies"). The agent runs as root in its own sandbox, with none of that.
#include <optional>
#include <string>
#include <vector>

#include "agent/remote/process_runner.h"

namespace parc::agent::remote {

struct UserSession {
  std::string id;    // logind's session id
  std::string user;  // login name
  unsigned uid = 0;
  std::string type;     // "x11", "wayland"
  std::string display;  // ":0" for X11, empty for Wayland
};

/// The active session of seat0 when it is a graphical one (x11 or wayland) of a real
/// user; nullopt when nobody is at the screen (or logind cannot say). Uses `loginctl`
/// through `runner`.
std::optional<UserSession> activeGraphicalSession(const ProcessRunner& runner);

/// `argv` run inside `s` by systemd (outside the agent's sandbox): `systemd-run --uid
/// --pipe --wait` with DISPLAY/XAUTHORITY or WAYLAND_DISPLAY, XDG_RUNTIME_DIR and the
/// user's session bus.
std::vector<std::string> inUserSession(const UserSession& s, const std::vector<std::string>& argv);

}  // namespace parc::agent::remote
