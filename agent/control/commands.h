#pragma once
// The commands the agent accepts over its control channel: an explicit list of names
// and handlers (commands.cpp). Unknown names are refused, never guessed at.
#include <functional>
#include <map>
#include <set>
#include <string>

#include "common/json/json.h"
#include "common/protocol/control.h"

namespace parc::agent::control {

/// A handler returns its result; it throws parc::Error to report a failure.
using CommandHandler = std::function<Json(const Json& payload)>;

class CommandRegistry {
 public:
  void add(std::string name, CommandHandler handler);
  /// A command that may take minutes (scripts, actions): the channel runs it on a thread
  /// of its own so that pings and other commands keep flowing meanwhile.
  void addSlow(std::string name, CommandHandler handler);
  bool isSlow(const std::string& name) const { return slow_.count(name) > 0; }
  /// Runs a command: "refused" for unknown names and expired deadlines, "error" when
  /// the handler throws, "ok" with its result otherwise.
  protocol::Reply dispatch(const protocol::Command& command, std::int64_t now) const;

 private:
  std::map<std::string, CommandHandler> handlers_;
  std::set<std::string> slow_;
};

/// What the built-in commands act on; the service provides it.
struct AgentHooks {
  std::function<void()> inventoryNow;                 // collect and queue an inventory
  std::function<Json(const Json& config)> configure;  // apply and persist settings
  std::function<Json()> status;                       // outbox size, versions, memory
};

/// The built-in commands: ping, inventory_now, configure, status.
CommandRegistry builtinCommands(const AgentHooks& hooks);

}  // namespace parc::agent::control
