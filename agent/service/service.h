#pragma once
#include "agent/config/agent_config.h"
#include "common/json/json.h"

namespace parc::agent::service {

/// The full inventory document of this machine: collector sections plus "agent".
Json localInventory(const std::string& deviceId);

/// The service loop: enrol if needed, then send the inventory at start and every
/// interval (with jitter) when it changed, until SIGTERM/SIGINT. Returns the exit code.
int run(const AgentConfig& config);

}  // namespace parc::agent::service
