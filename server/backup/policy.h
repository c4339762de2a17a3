#pragma once
// Backup policies: what a PC backs up, when, how fast, and how long the server keeps it.
// A tenant has one policy; a host may override some of its top-level fields. Both are
// stored as the normalised JSON this file produces, so what is stored always validated.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json/json.h"

namespace parc::server::backup {

struct Schedule {
  enum class Kind { kDaily, kEvery };
  Kind kind = Kind::kDaily;
  int atMinute = 12 * 60 + 30;  // daily: minutes after local midnight (12:30: lunch break)
  int spreadMinutes = 120;      // daily: hosts start within [at, at + spread), per host
  int everyHours = 0;           // every: hours between two runs (1–168)
};

/// restic `forget` semantics: the newest `keepLast`, then the newest snapshot of each of
/// the last `daily` days, `weekly` ISO weeks, `monthly` months and `yearly` years.
struct Retention {
  int keepLast = 3, daily = 14, weekly = 8, monthly = 12, yearly = 5;
};

/// Upload limits on the PC's clock; 0 = unlimited.
struct Bandwidth {
  int officeKiBps = 0, otherKiBps = 0;
  std::uint8_t officeDays = 0x1f;                 // bit 0 = Monday … bit 6 = Sunday; Mon–Fri
  int officeStart = 8 * 60, officeEnd = 18 * 60;  // minutes after local midnight
  /// The limit that applies at this local time (weekday 0 = Monday).
  int limitAt(int weekday, int minuteOfDay) const;
};

struct BackupPolicy {
  bool enabled = false;
  std::vector<std::string> include;  // absolute folders or files
  std::vector<std::string> exclude;  // globs (fnmatch) on absolute paths or on names
  Schedule schedule;
  Retention retention;
  Bandwidth bandwidth;
  bool legalHold = false;  // tenant only: nothing is ever forgotten
};

/// Strict parsing of a tenant policy document: unknown keys, wrong types and values out
/// of range are kBadRequest naming the field. Missing fields take the defaults.
BackupPolicy parseTenantPolicy(const Json& doc);
/// Strict parsing of a host override: only the fields it names override the tenant's
/// (each top-level field as a whole); legal_hold is the tenant's alone.
Json parseHostOverride(const Json& doc);
/// The effective policy: the tenant's with the override's fields replaced.
BackupPolicy applyOverride(const BackupPolicy& tenant, const Json& hostOverride);

Json toJson(const BackupPolicy& p);
/// The host's deterministic offset in the daily spread window (0 ≤ offset < spread), so
/// 400 town halls configured for 12:30 do not all start at 12:30.
int spreadOffsetMinutes(std::int64_t hostId, int spreadMinutes);
/// The effective policy as the agent receives it: toJson plus the host's start time.
Json agentPolicyJson(const BackupPolicy& p, std::int64_t hostId);

std::string formatHhMm(int minuteOfDay);

}  // namespace parc::server::backup
