#pragma once
// Plain-text tables for people; `--json` prints the API's JSON instead.
#include <ostream>
#include <string>
#include <vector>

namespace parc::cli {

void printTable(std::ostream& out, const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows);

/// "2026-11-29 10:00" (UTC) for Unix seconds; "-" for null/0.
std::string formatTime(long long unixSeconds);

/// Replaces control characters (terminal escapes from agent-supplied strings) with '?'.
std::string printable(const std::string& s);

}  // namespace parc::cli
