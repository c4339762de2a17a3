#pragma once
// A decoder for EDID 1.x (VESA E-EDID) as /sys/class/drm/*/edid returns it: a 128-byte
// base block and (byte 126) extension blocks.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json/json.h"

namespace parc::agent::collectors::linux_ {

struct EdidMode {
  int widthPx = 0;
  int heightPx = 0;
  double refreshHz = 0;
  double pixelClockMhz = 0;
};

struct Edid {
  std::string manufacturer;                   // PNP id, e.g. "DEL"
  int productCode = 0;                        // bytes 10-11, little-endian
  std::optional<std::uint32_t> serialNumber;  // bytes 12-15; absent when 0
  std::optional<std::string> serialText;      // display descriptor 0xFF
  std::optional<std::string> name;            // display descriptor 0xFC
  std::vector<std::string> texts;             // display descriptors 0xFE
  std::optional<int> week;                    // 1-54; absent when 0 or a model year
  std::optional<int> year;                    // year of manufacture
  std::optional<int> modelYear;               // when week is 0xFF
  int versionMajor = 0;
  int versionMinor = 0;
  bool digital = false;
  int widthCm = 0;  // 0 = unknown or variable
  int heightCm = 0;
  std::optional<EdidMode> preferredMode;    // first detailed timing descriptor
  int extensionCount = 0;                   // byte 126
  std::vector<std::uint8_t> extensionTags;  // tags of the extension blocks present
  bool checksumValid = false;               // base block
};

/// Decodes an EDID. Returns nullopt (with the reason in `problem`) when the data is
/// not an EDID (shorter than the base block's identification or wrong header);
/// otherwise the fields the data holds, with anything odd noted in `problems`.
std::optional<Edid> parseEdid(std::string_view bytes, std::vector<std::string>& problems);

/// Diagonal in inches from the image size in cm, rounded to one decimal; 0 if unknown.
double diagonalInches(int widthCm, int heightCm);

/// The name of an extension block tag (0x02 "CTA-861", 0x70 "DisplayID"...).
std::string edidExtensionName(std::uint8_t tag);

/// The monitor as an inventory object (docs/inventory.md, "monitors").
Json edidToJson(const Edid& edid);

std::string base64Encode(std::string_view bytes);

}  // namespace parc::agent::collectors::linux_
