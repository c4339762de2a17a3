#pragma once
// Section "memory": totals from /proc/meminfo and the memory modules (SMBIOS type 17)
// from /sys/firmware/dmi/tables/DMI.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/collectors/collector.h"
#include "agent/collectors/linux/smbios.h"

namespace parc::agent::collectors::linux_ {

/// /proc/meminfo as field -> bytes ("MemTotal: 16318480 kB" -> 16710123520). A value
/// whose bytes do not fit in 64 bits is left out, with a warning.
std::map<std::string, std::int64_t> parseMeminfo(std::string_view text,
                                                 std::vector<std::string>& warnings);
/// The same, warnings discarded.
std::map<std::string, std::int64_t> parseMeminfo(std::string_view text);

/// One SMBIOS type 17 "Memory Device" as a module object (see docs/inventory.md);
/// nullopt when the structure is not type 17 or too short to hold a size.
std::optional<Json> decodeMemoryDevice(const SmbiosStructure& s);

/// SMBIOS memory type byte (offset 0x12) -> "DDR4"...; form factor byte -> "SODIMM"...
std::string memoryTypeName(std::uint8_t type);
std::string memoryFormFactorName(std::uint8_t formFactor);

/// The memory module list and slot counts from a raw SMBIOS table.
Json memoryModulesFromSmbios(std::string_view table, std::vector<std::string>& warnings);

CollectorPtr makeMemoryCollector();

}  // namespace parc::agent::collectors::linux_
