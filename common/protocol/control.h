#pragma once
// The control channel's envelope (docs/protocol.md, "Control channel"): small,
// versioned JSON messages over the agent's WebSocket. Later features (actions,
// terminal, tunnel, backup start) are new command names, not new envelopes.
#include <cstdint>
#include <string>

#include "common/json/json.h"

namespace parc::protocol {

inline constexpr int kControlVersion = 1;

/// Server → agent.
struct Command {
  std::string id;
  std::string name;           // "ping", "inventory_now", "configure", ...
  std::int64_t deadline = 0;  // Unix seconds; the agent refuses a command past it
  Json payload = Json::object();
};

/// Agent → server, answering a Command by id.
struct Reply {
  std::string id;
  std::string status;  // "ok", "error" (it failed), "refused" (not done: unknown, expired, policy)
  Json result = Json::object();
  std::string error;
};

/// Agent → server, first message after connecting.
struct Hello {
  std::string agentVersion;
};

Json toJson(const Command& c);
Json toJson(const Reply& r);
Json toJson(const Hello& h);

/// The "type" of a control message after checking its version; kBadRequest when the
/// message is not an object, has another version, or no type.
std::string controlType(const Json& message);

Command commandFromJson(const Json& j);
Reply replyFromJson(const Json& j);
Hello helloFromJson(const Json& j);

}  // namespace parc::protocol
