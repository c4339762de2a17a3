#pragma once
// Section "os": distribution (os-release), kernel, architecture, boot time, time zone.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "agent/collectors/collector.h"

namespace parc::agent::collectors::linux_ {

/// os-release(5) as KEY -> value, with shell quoting and backslash escapes removed.
/// Lines that are not KEY=value are skipped.
std::map<std::string, std::string> parseOsRelease(std::string_view text);

/// Seconds since boot: the first number of /proc/uptime.
std::optional<double> parseUptime(std::string_view text);

/// Boot time in seconds since the epoch: the "btime" line of /proc/stat.
std::optional<std::int64_t> parseBootTime(std::string_view procStat);

CollectorPtr makeOsCollector();

}  // namespace parc::agent::collectors::linux_
