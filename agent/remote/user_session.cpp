#include "agent/remote/user_session.h"

#include <filesystem>
#include <map>
#include <sstream>

namespace parc::agent::remote {

namespace {

constexpr unsigned kFirstUserUid = 1000;  // Debian's first regular account

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::optional<UserSession> activeGraphicalSession(const ProcessRunner& runner) {
  RunLimits limits;
  limits.timeout = std::chrono::seconds(5);
  limits.maxOutputBytes = 4096;
  RunOutcome seat;
  try {
    seat = runner.run("loginctl", {"show-seat", "seat0", "-p", "ActiveSession", "--value"}, limits);
  } catch (const std::exception&) {
    return std::nullopt;  // no loginctl: no logind to ask
  }
  std::string id = trimmed(seat.out);
  if (!seat.succeeded() || id.empty() || id.find_first_of(" /") != std::string::npos) {
    return std::nullopt;
  }
  RunOutcome show = runner.run("loginctl",
                               {"show-session", id, "-p", "Name", "-p", "User", "-p", "Type", "-p",
                                "Display", "-p", "State", "-p", "Remote"},
                               limits);
  if (!show.succeeded()) return std::nullopt;
  std::map<std::string, std::string> p;
  std::istringstream in(show.out);
  for (std::string line; std::getline(in, line);) {
    if (auto eq = line.find('='); eq != std::string::npos)
      p[line.substr(0, eq)] = line.substr(eq + 1);
  }
  UserSession s{id, p["Name"], 0, p["Type"], p["Display"]};
  try {
    s.uid = static_cast<unsigned>(std::stoul(p["User"]));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  bool graphical = s.type == "x11" || s.type == "wayland";
  bool local = p["Remote"] != "yes";
  bool active = p["State"] == "active";
  // The greeter (gdm, lightdm) has a session too, under a system account: nobody to ask.
  if (!graphical || !local || !active || s.uid < kFirstUserUid || s.user.empty()) {
    return std::nullopt;
  }
  return s;
}

std::vector<std::string> inUserSession(const UserSession& s, const std::vector<std::string>& argv) {
  std::string runtime = "/run/user/" + std::to_string(s.uid);
  std::vector<std::string> out = {
      "systemd-run",
      "--quiet",
      "--collect",
      "--pipe",
      "--wait",
      "--service-type=exec",
      "--uid=" + std::to_string(s.uid),
      "--setenv=XDG_RUNTIME_DIR=" + runtime,
      "--setenv=DBUS_SESSION_BUS_ADDRESS=unix:path=" + runtime + "/bus"};
  if (s.type == "wayland") {
    out.push_back("--setenv=WAYLAND_DISPLAY=wayland-0");
  } else {
    out.push_back("--setenv=DISPLAY=" + (s.display.empty() ? std::string(":0") : s.display));
    // GDM keeps the X cookie in the runtime directory; other display managers in ~.
    std::string gdm = runtime + "/gdm/Xauthority";
    if (std::filesystem::exists(gdm)) out.push_back("--setenv=XAUTHORITY=" + gdm);
  }
  out.push_back("--");
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

}  // namespace parc::agent::remote
