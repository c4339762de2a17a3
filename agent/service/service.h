#pragma once
#include "agent/config/agent_config.h"
#include <filesystem>
#include <string>
#include <vector>

#include "common/json/json.h"

namespace parc::agent::service {

/// The inventory document of this machine: collector sections (less the disabled ones)
/// plus "agent".
/// `systemRoot`: a recorded machine tree instead of the live system (system_root.h).
Json localInventory(const std::string& deviceId, const std::vector<std::string>& disabled = {},
                    const std::filesystem::path& systemRoot = {});

/// The service loop: enrol if needed, then send the inventory at start and every
/// interval (with jitter) when it changed, until SIGTERM/SIGINT. Returns the exit code.
int run(const AgentConfig& config);

}  // namespace parc::agent::service
