#pragma once
// Plain-text tables for people; `--json` prints the API's JSON instead.
#include <ostream>
#include <string>
#include <vector>

#include "common/json/json.h"

namespace parc::cli {

void printTable(std::ostream& out, const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows);

/// "2026-11-29 10:00" (UTC) for Unix seconds; "-" for null/0.
std::string formatTime(long long unixSeconds);

/// Agent- and server-supplied text made safe for a terminal: every control character
/// (C0 including ESC, DEL, C1 U+0080–U+009F such as the 8-bit CSI, bidirectional
/// overrides) and every byte that is not valid UTF-8 becomes '?'. One line.
std::string printable(const std::string& s);
/// printable() that keeps line feeds and tabs: command output, script bodies.
std::string printableText(const std::string& s);
/// JSON for a terminal (--json): the same value, with DEL, C1 and bidirectional
/// controls written as \uXXXX escapes (JSON escapes C0 itself).
std::string terminalJson(const nlohmann::json& j);

}  // namespace parc::cli
