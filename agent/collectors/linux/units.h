#pragma once
// Whether a systemd unit is enabled, read from the configuration rather than asked of
// systemd: `systemctl enable` links the unit into etc/systemd/system/<target>.wants/.
#include <filesystem>
#include <string>

namespace parc::agent::collectors::linux_ {

/// True when etc/systemd/system/*.wants/<unit> exists (unit with its suffix,
/// "nftables.service").
bool systemdUnitEnabled(const std::filesystem::path& etc, const std::string& unit);

}  // namespace parc::agent::collectors::linux_
