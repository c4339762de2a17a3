#pragma once
// The control channel's envelope (docs/protocol.md, "Control channel"): small,
// versioned JSON messages over the agent's WebSocket. Later features (actions,
// terminal, tunnel, backup start) are new command names, not new envelopes.
#include <chrono>
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

/// Agent → server: an outbox batch sent over the open channel instead of a new HTTPS
/// connection. `batch` is exactly the body of POST /api/v1/messages.
struct Report {
  std::string id;
  Json batch = Json::object();
};

/// Server → agent, answering a Report by id once its messages are durable: the same
/// per-message results as POST /api/v1/messages, or why the batch was refused whole.
struct ReportAck {
  std::string id;
  Json results = Json::array();
  std::string error;  // empty when `results` holds the answer
  int status = 200;   // the HTTP status POST /api/v1/messages would have answered
  // With a 503 "busy": when to send it again (the server's turn for it, docs/protocol.md
  // "Busy"); zero when the server named none. "retry_after_ms" on the wire.
  std::chrono::milliseconds retryAfter{0};
};

Json toJson(const Command& c);
Json toJson(const Reply& r);
Json toJson(const Hello& h);
Json toJson(const Report& r);
Json toJson(const ReportAck& a);

/// The "type" of a control message after checking its version; kBadRequest when the
/// message is not an object, has another version, or no type.
std::string controlType(const Json& message);

Command commandFromJson(const Json& j);
Reply replyFromJson(const Json& j);
Hello helloFromJson(const Json& j);
Report reportFromJson(const Json& j);
/// The same, moving the batch out of `j` instead of copying it (it may be large). `j`
/// keeps its "id" whatever happens, for the refusal's answer.
Report reportFromJson(Json&& j);
ReportAck reportAckFromJson(const Json& j);

}  // namespace parc::protocol
