#pragma once
// A parser for raw SMBIOS structures as the kernel exposes them in
// /sys/firmware/dmi/tables/DMI (the structure table, without the entry point).
// Layout per DMTF DSP0134: a formatted area (type, length, handle, fields) followed by
// a string set of NUL-terminated strings ending with an extra NUL.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parc::agent::collectors::linux_ {

struct SmbiosStructure {
  std::uint8_t type = 0;
  std::uint16_t handle = 0;
  /// The formatted area, header included (its size is the header's length byte).
  std::string formatted;
  /// The string set; string number n (1-based in the formatted area) is strings[n-1].
  std::vector<std::string> strings;

  /// Little-endian fields at an offset of the formatted area; nullopt past its end,
  /// which is how older SMBIOS versions (shorter structures) are handled.
  std::optional<std::uint8_t> byteAt(std::size_t offset) const;
  std::optional<std::uint16_t> wordAt(std::size_t offset) const;
  std::optional<std::uint32_t> dwordAt(std::size_t offset) const;
  std::optional<std::uint64_t> qwordAt(std::size_t offset) const;
  /// The string whose number is stored at offset, with trailing blanks removed;
  /// nullopt for number 0 ("none"), a number past the string set, or an empty string.
  std::optional<std::string> stringAt(std::size_t offset) const;
};

struct SmbiosTable {
  std::vector<SmbiosStructure> structures;
  /// What was wrong with the data (truncation, bad lengths); parsing stops at the first.
  std::vector<std::string> problems;

  std::vector<const SmbiosStructure*> ofType(std::uint8_t type) const;
};

/// Parses structures until the end-of-table structure (type 127) or the end of data.
/// Never reads past `data`; a malformed structure ends the walk with a problem noted.
SmbiosTable parseSmbios(std::string_view data);

}  // namespace parc::agent::collectors::linux_
