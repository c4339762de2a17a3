#include "agent/collectors/linux/edid.h"

#include <cmath>
#include <cstring>

namespace parc::agent::collectors::linux_ {

namespace {

constexpr std::size_t kBlockSize = 128;
constexpr unsigned char kHeader[8] = {0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00};
constexpr std::size_t kDescriptorOffsets[] = {54, 72, 90, 108};

std::uint8_t at(std::string_view b, std::size_t i) { return static_cast<std::uint8_t>(b[i]); }

// Display descriptor text: 13 bytes, ended by 0x0A and padded with spaces. Bytes outside
// printable ASCII are replaced so that the inventory stays valid UTF-8.
std::string descriptorText(std::string_view d) {
  std::string out;
  for (std::size_t i = 5; i < 18; ++i) {
    auto c = static_cast<unsigned char>(d[i]);
    if (c == 0x0A) break;
    out.push_back(c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '?');
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\0')) out.pop_back();
  while (!out.empty() && out.front() == ' ') out.erase(out.begin());
  return out;
}

std::optional<EdidMode> detailedTiming(std::string_view d) {
  int clock10khz = at(d, 0) | (at(d, 1) << 8);
  if (clock10khz == 0) return std::nullopt;  // a display descriptor, not a timing
  int hActive = at(d, 2) | ((at(d, 4) & 0xF0) << 4);
  int hBlank = at(d, 3) | ((at(d, 4) & 0x0F) << 8);
  int vActive = at(d, 5) | ((at(d, 7) & 0xF0) << 4);
  int vBlank = at(d, 6) | ((at(d, 7) & 0x0F) << 8);
  EdidMode m;
  m.widthPx = hActive;
  m.heightPx = vActive;
  m.pixelClockMhz = clock10khz / 100.0;
  // Interlaced modes (byte 17 bit 7) carry one field per vActive: the frame rate halves.
  bool interlaced = (at(d, 17) & 0x80) != 0;
  double total = static_cast<double>(hActive + hBlank) * (vActive + vBlank);
  if (total > 0) m.refreshHz = clock10khz * 10000.0 / total * (interlaced ? 2.0 : 1.0);
  if (interlaced) m.heightPx *= 2;
  return m;
}

void decodeDescriptors(std::string_view base, Edid& e) {
  bool firstTiming = true;
  for (std::size_t off : kDescriptorOffsets) {
    std::string_view d = base.substr(off, 18);
    if (at(d, 0) != 0 || at(d, 1) != 0) {
      // Only the first DTD is the preferred mode (EDID 1.3: when byte 24 bit 1 says so;
      // EDID 1.4 always).
      if (firstTiming) e.preferredMode = detailedTiming(d);
      firstTiming = false;
      continue;
    }
    switch (at(d, 3)) {
      case 0xFF: {
        std::string s = descriptorText(d);
        if (!s.empty()) e.serialText = s;
        break;
      }
      case 0xFC: {
        // Some panels split a long name over two descriptors: join them.
        std::string s = descriptorText(d);
        if (!s.empty()) e.name = e.name ? *e.name + " " + s : s;
        break;
      }
      case 0xFE: {
        std::string s = descriptorText(d);
        if (!s.empty()) e.texts.push_back(s);
        break;
      }
      default:
        break;
    }
  }
}

}  // namespace

std::optional<Edid> parseEdid(std::string_view b, std::vector<std::string>& problems) {
  if (b.size() < 20) {
    problems.push_back("EDID is " + std::to_string(b.size()) + " bytes, too short to identify");
    return std::nullopt;
  }
  if (std::memcmp(b.data(), kHeader, sizeof kHeader) != 0) {
    problems.push_back("EDID header is missing (not an EDID)");
    return std::nullopt;
  }
  Edid e;
  int packed = (at(b, 8) << 8) | at(b, 9);
  for (int shift : {10, 5, 0}) {
    int letter = (packed >> shift) & 0x1F;
    // As edid-decode does: '@' + value, so that invalid ids (0, 27-31) stay visible.
    e.manufacturer.push_back(static_cast<char>('@' + letter));
  }
  e.productCode = at(b, 10) | (at(b, 11) << 8);
  std::uint32_t serial = static_cast<std::uint32_t>(at(b, 12)) | (at(b, 13) << 8) |
                         (at(b, 14) << 16) | (static_cast<std::uint32_t>(at(b, 15)) << 24);
  if (serial != 0) e.serialNumber = serial;
  int week = at(b, 16);
  int year = at(b, 17) + 1990;
  if (week == 0xFF) {
    e.modelYear = year;  // EDID 1.4: byte 17 is then the model year
  } else {
    if (week >= 1 && week <= 54) e.week = week;
    e.year = year;
  }
  e.versionMajor = at(b, 18);
  e.versionMinor = at(b, 19);
  if (b.size() < kBlockSize) {
    problems.push_back("EDID is truncated at " + std::to_string(b.size()) +
                       " bytes; only the identification was decoded");
    return e;
  }
  e.digital = (at(b, 20) & 0x80) != 0;
  e.widthCm = at(b, 21);
  e.heightCm = at(b, 22);
  if (e.widthCm == 0 || e.heightCm == 0) e.widthCm = e.heightCm = 0;  // aspect ratio or none
  decodeDescriptors(b.substr(0, kBlockSize), e);
  unsigned sum = 0;
  for (std::size_t i = 0; i < kBlockSize; ++i) sum += at(b, i);
  e.checksumValid = (sum & 0xFF) == 0;
  if (!e.checksumValid) problems.push_back("EDID base block checksum is wrong");
  e.extensionCount = at(b, 126);
  std::size_t present = b.size() / kBlockSize - 1;
  if (present < static_cast<std::size_t>(e.extensionCount)) {
    problems.push_back("EDID announces " + std::to_string(e.extensionCount) +
                       " extension blocks but holds " + std::to_string(present));
  }
  std::size_t blocks = std::min(present, static_cast<std::size_t>(e.extensionCount));
  for (std::size_t i = 1; i <= blocks; ++i) e.extensionTags.push_back(at(b, i * kBlockSize));
  return e;
}

double diagonalInches(int widthCm, int heightCm) {
  if (widthCm <= 0 || heightCm <= 0) return 0;
  double inches = std::sqrt(widthCm * widthCm + heightCm * heightCm) / 2.54;
  return std::round(inches * 10) / 10;
}

std::string edidExtensionName(std::uint8_t tag) {
  switch (tag) {
    case 0x02:
      return "CTA-861";
    case 0x10:
      return "VTB-EXT";
    case 0x40:
      return "DI-EXT";
    case 0x50:
      return "LS-EXT";
    case 0x60:
      return "DPVL-EXT";
    case 0x70:
      return "DisplayID";
    case 0xF0:
      return "Block Map";
    case 0xFF:
      return "Manufacturer";
    default:
      return "Unknown";
  }
}

Json edidToJson(const Edid& e) {
  Json m = Json::object();
  m["manufacturer"] = e.manufacturer;
  m["product_code"] = e.productCode;
  if (e.serialNumber) m["serial_number"] = *e.serialNumber;
  if (e.serialText) m["serial"] = *e.serialText;
  if (e.name) m["name"] = *e.name;
  if (!e.texts.empty()) m["texts"] = e.texts;
  if (e.week) m["week_of_manufacture"] = *e.week;
  if (e.year) m["year_of_manufacture"] = *e.year;
  if (e.modelYear) m["model_year"] = *e.modelYear;
  m["edid_version"] = std::to_string(e.versionMajor) + "." + std::to_string(e.versionMinor);
  m["digital"] = e.digital;
  if (e.widthCm > 0) {
    m["width_cm"] = e.widthCm;
    m["height_cm"] = e.heightCm;
    m["diagonal_inches"] = diagonalInches(e.widthCm, e.heightCm);
  }
  if (e.preferredMode) {
    m["preferred_width_px"] = e.preferredMode->widthPx;
    m["preferred_height_px"] = e.preferredMode->heightPx;
    m["preferred_refresh_hz"] = std::round(e.preferredMode->refreshHz * 100) / 100;
  }
  Json ext = Json::array();
  for (auto tag : e.extensionTags) ext.push_back(edidExtensionName(tag));
  m["extensions"] = std::move(ext);
  return m;
}

std::string base64Encode(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (at(in, i) << 16) | (at(in, i + 1) << 8) | at(in, i + 2);
    for (int s : {18, 12, 6, 0}) out.push_back(kAlphabet[(v >> s) & 0x3F]);
  }
  if (i + 1 == in.size()) {
    unsigned v = at(in, i) << 16;
    out += {kAlphabet[(v >> 18) & 0x3F], kAlphabet[(v >> 12) & 0x3F], '=', '='};
  } else if (i + 2 == in.size()) {
    unsigned v = (at(in, i) << 16) | (at(in, i + 1) << 8);
    out +=
        {kAlphabet[(v >> 18) & 0x3F], kAlphabet[(v >> 12) & 0x3F], kAlphabet[(v >> 6) & 0x3F], '='};
  }
  return out;
}

}  // namespace parc::agent::collectors::linux_
