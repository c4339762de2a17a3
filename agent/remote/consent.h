#pragma once
// The PC's user's say on a remote session (docs/remote-support.md, "Consent policies"):
// the server sends its tenant's policy with each stream; the agent applies it here.
//   none   — nothing asked, a log line;
//   notify — a desktop notification, a log line; the session goes on;
//   ask    — the consent command asks the user; yes (exit 0) within the timeout, or
//            the session is refused. No way to ask is a refusal too.
#include <string>

#include "agent/remote/remote_config.h"
#include "common/json/json.h"

namespace parc::agent::remote {

struct ConsentOutcome {
  bool allowed = false;
  std::string reason;  // why not, for the technician and the audit
};

/// `consent` is the stream's {"policy","technician","what"}; an unknown policy is
/// treated as ask (the strictest).
ConsentOutcome obtainConsent(const RemoteSettings& settings, const Json& consent);

}  // namespace parc::agent::remote
