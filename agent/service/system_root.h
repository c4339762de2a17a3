#pragma once
// Where the agent reads the machine from: the live system, or a recorded machine tree
// (`system_root` in agent.toml: tests and diagnostics, laid out as tests/fixtures/machines).
#include <filesystem>

#include "agent/collectors/collector.h"
#include "common/json/json.h"

namespace parc::agent::service {

/// The live system when `root` is empty; else `root`/sys, /proc, /etc, … with live = false
/// (no programs run, no live kernel asked).
collectors::CollectContext systemContext(const std::filesystem::path& root);

/// Only the "system" section (DMI identity, machine-id), as the inventory would have it.
Json systemSection(const collectors::CollectContext& context);

}  // namespace parc::agent::service
