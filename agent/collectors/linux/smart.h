#pragma once
// SMART health of a disk from `smartctl --json` (smartmontools >= 7.0), run only on a
// live machine where smartctl is installed, with `-n standby` so that a sleeping disk
// is not spun up just to be inventoried.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json/json.h"

namespace parc::agent::collectors::linux_ {

/// The summary Parc keeps from smartctl's JSON output (docs/inventory.md, "smart").
/// Returns nullopt when the text is not smartctl JSON; notes odd content in `problems`.
std::optional<Json> parseSmartctlJson(std::string_view text, std::vector<std::string>& problems);

/// Path of an installed smartctl, or nullopt.
std::optional<std::string> findSmartctl();

/// Runs smartctl on /dev/<device>; nullopt (with a warning) on failure or timeout.
std::optional<Json> querySmart(const std::string& smartctl, const std::string& device,
                               std::chrono::milliseconds timeout,
                               std::vector<std::string>& warnings);

}  // namespace parc::agent::collectors::linux_
