#pragma once
// Time zone offsets from compiled zone files (TZif, RFC 8536: /etc/localtime,
// /usr/share/zoneinfo/*), read as data so that a recorded tree gives the same answer as
// the live machine, and no thread touches the process-wide TZ state of localtime(3).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parc::agent::collectors::linux_ {

struct ZoneOffset {
  std::string abbreviation;           // "CET", "CEST", "UTC"
  std::int64_t utcOffsetSeconds = 0;  // east of UTC is positive
  bool dst = false;
};

/// The offset in force at `epochSeconds` according to a TZif file's bytes: its
/// transitions (64-bit data of version 2+ files, else 32-bit), and past the last one
/// the POSIX TZ footer ("CET-1CEST,M3.5.0,M10.5.0/3"). nullopt for malformed data.
std::optional<ZoneOffset> zoneOffsetAt(std::string_view tzif, std::int64_t epochSeconds);

/// The offset a POSIX TZ string gives at `epochSeconds` (Mm.w.d, Jn and n rules).
std::optional<ZoneOffset> posixTzOffsetAt(std::string_view tz, std::int64_t epochSeconds);

}  // namespace parc::agent::collectors::linux_
