#pragma once
// Names for numeric hardware ids from the hwdata databases (pci.ids, usb.ids), which
// Debian ships in /usr/share/misc (pciutils/usbutils) or /usr/share/hwdata (hwdata).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace parc::agent::collectors::linux_ {

struct IdsNames {
  std::map<std::uint16_t, std::string> vendors;
  std::map<std::pair<std::uint16_t, std::uint16_t>, std::string> devices;
  std::map<std::uint8_t, std::string> classes;                              // "C cc"
  std::map<std::pair<std::uint8_t, std::uint8_t>, std::string> subclasses;  // "\tss"
};

/// Parses a pci.ids/usb.ids text, keeping vendors and devices only for `vendors`
/// (the file is 1.3 MB: a full map would cost more than the inventory itself), and
/// every device class. Unknown sections (usb.ids' HID, AT, HUT...) are skipped.
IdsNames parseIds(std::string_view text, const std::set<std::uint16_t>& vendors);

/// The company name of a PNP id ("DEL" -> "Dell Inc.") from a pnp.ids text
/// (one "ID<TAB>Name" line per id).
std::optional<std::string> pnpName(std::string_view pnpIds, std::string_view id);

/// The first existing `file` under usrShare/hwdata or usrShare/misc.
std::optional<std::filesystem::path> findIdsFile(const std::filesystem::path& usrShare,
                                                 const std::string& file);

}  // namespace parc::agent::collectors::linux_
