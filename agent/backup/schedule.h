#pragma once
// The agent's side of backup policies: the policy the server last gave (kept in the
// data directory, so backups run on schedule offline), what the last runs did, and
// when the next run is due on the PC's clock. Pure functions plus two small files.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/json/json.h"

namespace parc::agent::backup {

/// DATA_DIR/backup-policy.json: the effective policy as GET /api/v1/backup/policy gave it.
std::filesystem::path policyFile(const std::filesystem::path& dataDir);
/// DATA_DIR/backup-schedule.json: the scheduler's state (ScheduleState).
std::filesystem::path scheduleFile(const std::filesystem::path& dataDir);
/// DATA_DIR/backup-run.json: what the last `backup --scheduled` did (written by it).
std::filesystem::path runFile(const std::filesystem::path& dataDir);

/// The stored policy, or nullopt when none was fetched yet (or it is unreadable).
std::optional<Json> loadPolicy(const std::filesystem::path& dataDir);

struct ScheduleState {
  std::optional<std::int64_t> lastSuccess;  // start time of the last successful run
  std::optional<std::int64_t> lastAttempt;  // start time of the last run, whatever its end
  std::optional<std::int64_t> enabledSeen;  // when this PC first saw backups turned on
  std::string lastResult;                   // "ok", "failed", "no_key", …
  std::string lastError;
};

ScheduleState loadState(const std::filesystem::path& dataDir);
void saveState(const std::filesystem::path& dataDir, const ScheduleState& state);

/// What `backup --scheduled` reads from the stored policy.
struct ScheduledOptions {
  std::vector<std::string> include, exclude;
  int officeKiBps = 0, otherKiBps = 0;
  std::uint8_t officeDays = 0x1f;
  int officeStart = 8 * 60, officeEnd = 18 * 60;
};
/// kBadRequest when the policy is disabled or names no folder.
ScheduledOptions scheduledOptions(const Json& policy);

/// The upload limit (KiB/s, 0 = none) at local time `now` for these options.
int bandwidthLimitAt(const ScheduledOptions& o, std::int64_t now);

/// A failed or refused run is tried again after this long (not before the next
/// scheduled time if that comes first).
inline constexpr std::int64_t kRetryAfterSeconds = 30 * 60;

/// When the next backup is due (seconds since the epoch, local wall clock for the
/// daily start); ≤ now means run now. nullopt when backups are off. A run missed while
/// the PC was off is due at once when it comes back.
std::optional<std::int64_t> nextDue(const Json& policy, const ScheduleState& state,
                                    std::int64_t now);

}  // namespace parc::agent::backup
