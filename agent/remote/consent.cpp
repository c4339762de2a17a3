#include "agent/remote/consent.h"

#include <spdlog/spdlog.h>

#include "agent/remote/child_process.h"
#include "agent/remote/user_session.h"
#include "common/error.h"

namespace parc::agent::remote {

namespace {

std::string clean(std::string s) {
  // Names end up in a dialog's text: keep them printable and short.
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '<' || c == '>' || c == '&') c = ' ';
  }
  return s.substr(0, 64);
}

std::vector<std::string> expand(std::vector<std::string> argv, const std::string& technician,
                                const std::string& what) {
  for (auto& a : argv) {
    for (auto [key, value] :
         {std::pair<std::string, std::string>{"{technician}", technician}, {"{what}", what}}) {
      for (auto pos = a.find(key); pos != std::string::npos; pos = a.find(key, pos + value.size()))
        a.replace(pos, key.size(), value);
    }
  }
  return argv;
}

// The default dialogs go to the person at the screen, in their own graphical session.
std::optional<UserSession> screenUser() {
  return activeGraphicalSession(ProcessRunner(ProcessRunner::defaultPath()));
}

void notifyUser(const RemoteSettings& s, const std::string& technician, const std::string& what) {
  std::vector<std::string> argv = s.notifyCommand;
  if (argv.empty()) {
    auto user = screenUser();
    if (!user) {
      spdlog::info("remote support: nobody at this PC's screen to notify");
      return;
    }
    argv = inUserSession(*user, {"notify-send", "Parc",
                                 "{technician} (support informatique) intervient à "
                                 "distance sur ce poste : {what}"});
  }
  try {
    auto status = runWithTimeout(expand(argv, technician, what), std::chrono::seconds(5));
    if (!status || *status != 0)
      spdlog::info("remote support: the user could not be notified (no desktop session?)");
  } catch (const Error& e) {
    spdlog::info("remote support: the user could not be notified: {}", e.what());
  }
}

}  // namespace

ConsentOutcome obtainConsent(const RemoteSettings& settings, const Json& consent) {
  std::string policy = consent.is_object() ? consent.value("policy", "ask") : "ask";
  std::string technician = clean(consent.is_object() ? consent.value("technician", "?") : "?");
  std::string what = clean(consent.is_object() ? consent.value("what", "session") : "session");
  if (policy == "none") {
    spdlog::info("remote support: {} session by {} (consent policy: none)", what, technician);
    return {true, {}};
  }
  if (policy == "notify") {
    spdlog::info("remote support: {} session by {}; notifying the user", what, technician);
    notifyUser(settings, technician, what);
    return {true, {}};
  }
  std::vector<std::string> argv = settings.askCommand;
  if (argv.empty()) {
    auto user = screenUser();
    if (!user) {
      spdlog::info("remote support: consent required and nobody is at this PC's screen");
      return {false, "consent required: nobody is logged in at the PC's screen to answer"};
    }
    argv =
        inUserSession(*user, {"zenity", "--question", "--title=Parc",
                              "--timeout=" + std::to_string(settings.consentTimeout.count()),
                              "--text={technician} (support informatique) demande à intervenir à "
                              "distance sur ce poste ({what}). Accepter ?"});
  }
  spdlog::info("remote support: asking the user to accept a {} session by {}", what, technician);
  std::optional<int> status;
  try {
    status = runWithTimeout(expand(argv, technician, what), settings.consentTimeout);
  } catch (const Error& e) {
    spdlog::warn("remote support: cannot ask the user ({}); session refused", e.what());
    return {false, "consent required and the user cannot be asked on this PC"};
  }
  if (!status) {
    spdlog::info("remote support: no answer from the user; session refused");
    return {false, "consent required: no answer from the user in time"};
  }
  if (*status != 0) {
    spdlog::info("remote support: the user declined the session");
    return {false, "consent required: the user declined"};
  }
  spdlog::info("remote support: the user accepted the {} session by {}", what, technician);
  return {true, {}};
}

}  // namespace parc::agent::remote
