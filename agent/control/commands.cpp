#include "agent/control/commands.h"

#include <ctime>

#include "common/error.h"
#include "common/version.h"

namespace parc::agent::control {

void CommandRegistry::add(std::string name, CommandHandler handler) {
  handlers_[std::move(name)] = std::move(handler);
}

void CommandRegistry::addSlow(std::string name, CommandHandler handler) {
  slow_.insert(name);
  add(std::move(name), std::move(handler));
}

protocol::Reply CommandRegistry::dispatch(const protocol::Command& command,
                                          std::int64_t now) const {
  protocol::Reply reply;
  reply.id = command.id;
  if (command.deadline < now) {
    reply.status = "refused";
    reply.error = "command expired (deadline passed)";
    return reply;
  }
  auto it = handlers_.find(command.name);
  if (it == handlers_.end()) {
    reply.status = "refused";
    reply.error = "unknown command '" + command.name.substr(0, 64) + "'";
    return reply;
  }
  try {
    reply.result = it->second(command.payload);
    reply.status = "ok";
  } catch (const Error& e) {
    // A handler that declines (local policy, a refused signature) did nothing: "refused".
    reply.status = e.kind() == ErrorKind::kForbidden ? "refused" : "error";
    reply.error = e.what();
  }
  return reply;
}

CommandRegistry builtinCommands(const AgentHooks& hooks) {
  CommandRegistry r;
  r.add("ping", [](const Json&) {
    return Json{{"pong", true}, {"agent_version", parc::version()}, {"time", std::time(nullptr)}};
  });
  r.add("inventory_now", [hooks](const Json&) {
    hooks.inventoryNow();
    return Json{{"queued", true}};
  });
  r.add("configure", [hooks](const Json& payload) { return hooks.configure(payload); });
  r.add("status", [hooks](const Json&) { return hooks.status(); });
  return r;
}

}  // namespace parc::agent::control
