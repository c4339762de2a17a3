#pragma once
// Logging for system administrators: one line per event, to stderr (the journal under
// systemd). Secrets (keys, tokens, passwords) are never passed to the logger.
#include <string>

namespace parc::log {

/// Sets the level ("trace".."critical", "off") and the line format for the program.
void setup(const std::string& program, const std::string& level);

/// "abcd…" — the first characters of a secret, enough to tell two apart in a log.
std::string redact(const std::string& secret);

}  // namespace parc::log
