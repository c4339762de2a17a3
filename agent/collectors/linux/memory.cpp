#include "agent/collectors/linux/memory.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>

#include "agent/collectors/linux/read.h"
#include "agent/collectors/linux/system.h"

namespace parc::agent::collectors::linux_ {

namespace {

constexpr std::uint8_t kMemoryDevice = 17;
constexpr std::uint8_t kPhysicalMemoryArray = 16;
constexpr std::int64_t kMiB = 1024 * 1024;

// Firmware fills unset module strings with these; they identify nothing.
bool isModulePlaceholder(const std::string& v) {
  static constexpr std::array<std::string_view, 12> kValues{
      "Unknown",        "Undefined",     "[Empty]",      "NO DIMM",       "Empty",
      "SerNum0",        "PartNum0",      "AssetTagNum0", "Not Available", "ModulePartNumber00",
      "Manufacturer00", "Dimm0_AssetTag"};
  if (isPlaceholder(v)) return true;
  for (auto p : kValues) {
    if (v == p) return true;
  }
  return false;
}

// Some firmware writes the module's JEDEC JEP106 id ("80AD000080AD": continuation
// count 0x80 -> bank 1, code 0xAD) instead of a name; the common makers are named here.
std::optional<std::string> jedecManufacturer(const std::string& v) {
  if (v.size() < 4 || v.size() > 16) return std::nullopt;
  for (char c : v) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  auto bank = parseInt("0x" + v.substr(0, 2));
  auto code = parseInt("0x" + v.substr(2, 2));
  if (!bank || !code) return std::nullopt;
  static constexpr struct {
    int continuations;  // number of 0x7F continuation codes before the id
    int code;           // JEP106 id with its parity bit
    const char* name;
  } kMakers[] = {
      {0, 0x2C, "Micron"},   {0, 0xCE, "Samsung"}, {0, 0xAD, "SK Hynix"}, {0, 0x98, "Toshiba"},
      {0, 0xC1, "Infineon"}, {0, 0xFE, "Elpida"},  {1, 0x98, "Kingston"}, {1, 0x4F, "Transcend"},
      {1, 0x25, "Kingmax"},  {1, 0x94, "Mushkin"}, {2, 0x9E, "Corsair"},  {2, 0x51, "Qimonda"},
      {3, 0x0B, "Nanya"},    {4, 0xCD, "G.Skill"}, {4, 0xCB, "A-DATA"},   {4, 0xEF, "Team Group"},
      {4, 0x43, "Ramaxel"},  {5, 0x9B, "Crucial"},
  };
  // The first byte's bit 7 is odd parity; the rest counts continuation codes.
  int continuations = static_cast<int>(*bank & 0x7F), c = static_cast<int>(*code);
  for (const auto& m : kMakers) {
    if (m.continuations == continuations && m.code == c) return std::string(m.name);
  }
  return std::nullopt;
}

void putString(Json& out, const char* key, const SmbiosStructure& s, std::size_t offset) {
  if (auto v = s.stringAt(offset); v && !isModulePlaceholder(*v)) out[key] = *v;
}

// Speed words: 0 is unknown; 0xFFFF means "see the 32-bit extended field" (SMBIOS 3.3).
std::optional<std::int64_t> speed(const SmbiosStructure& s, std::size_t word, std::size_t ext) {
  auto v = s.wordAt(word);
  if (!v || *v == 0) return std::nullopt;
  if (*v == 0xFFFF) {
    auto e = s.dwordAt(ext);
    if (!e || (*e & 0x7FFFFFFF) == 0) return std::nullopt;
    return static_cast<std::int64_t>(*e & 0x7FFFFFFF);
  }
  return *v;
}

// Size word at 0x0C: 0 = empty slot, 0xFFFF = unknown, bit 15 = unit is KiB,
// 0x7FFF = the size is in the extended dword at 0x1C (MiB, bits 30:0).
struct ModuleSize {
  bool populated = false;
  std::optional<std::int64_t> bytes;
};

std::optional<ModuleSize> moduleSize(const SmbiosStructure& s) {
  auto size = s.wordAt(0x0C);
  if (!size) return std::nullopt;
  if (*size == 0) return ModuleSize{false, std::nullopt};
  if (*size == 0xFFFF) return ModuleSize{true, std::nullopt};
  if (*size == 0x7FFF) {
    auto ext = s.dwordAt(0x1C);
    if (!ext) return ModuleSize{true, std::nullopt};
    return ModuleSize{true, static_cast<std::int64_t>(*ext & 0x7FFFFFFF) * kMiB};
  }
  if (*size & 0x8000) return ModuleSize{true, static_cast<std::int64_t>(*size & 0x7FFF) * 1024};
  return ModuleSize{true, static_cast<std::int64_t>(*size) * kMiB};
}

class MemoryCollector final : public Collector {
 public:
  std::string_view name() const override { return "memory"; }

  Json collect(const CollectContext& context, std::vector<std::string>& warnings) const override {
    const SystemRoots& roots = context.roots;
    Json out = Json::object();
    if (FileRead r = readFile(roots.proc / "meminfo"); r.ok()) {
      putTotals(parseMeminfo(*r.data, warnings), out, warnings);
    } else {
      warnings.push_back("memory: cannot read " + (roots.proc / "meminfo").string() + ": " +
                         r.reason());
    }
    std::filesystem::path dmi = roots.sys / "firmware/dmi/tables/DMI";
    FileRead table = readFile(dmi, 1 << 20);
    if (table.ok()) {
      Json modules = memoryModulesFromSmbios(*table.data, warnings);
      for (auto& [k, v] : modules.items()) out[k] = v;
    } else if (!table.missing()) {
      warnings.push_back("memory: cannot read " + dmi.string() + ": " + table.reason() +
                         (table.error == EACCES ? " (readable by root only); modules unknown"
                                                : "; modules unknown"));
    }
    return out;
  }

 private:
  static void putTotals(const std::map<std::string, std::int64_t>& m, Json& out,
                        std::vector<std::string>& warnings) {
    static constexpr std::pair<const char*, const char*> kFields[] = {
        {"MemTotal", "total_bytes"},     {"MemAvailable", "available_bytes"},
        {"MemFree", "free_bytes"},       {"Buffers", "buffers_bytes"},
        {"Cached", "cached_bytes"},      {"SwapTotal", "swap_total_bytes"},
        {"SwapFree", "swap_free_bytes"},
    };
    for (const auto& [from, to] : kFields) {
      if (auto it = m.find(from); it != m.end()) out[to] = it->second;
    }
    if (!out.contains("total_bytes")) warnings.push_back("memory: MemTotal missing from meminfo");
  }
};

}  // namespace

std::map<std::string, std::int64_t> parseMeminfo(std::string_view text) {
  std::vector<std::string> ignored;
  return parseMeminfo(text, ignored);
}

std::map<std::string, std::int64_t> parseMeminfo(std::string_view text,
                                                 std::vector<std::string>& warnings) {
  std::map<std::string, std::int64_t> out;
  for (std::string_view line : splitLines(text)) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string key = trim(line.substr(0, colon));
    std::string value = trim(line.substr(colon + 1));
    std::int64_t unit = 1;
    if (value.size() > 3 && value.compare(value.size() - 3, 3, " kB") == 0) {
      unit = 1024;  // the kernel's "kB" is KiB
      value.resize(value.size() - 3);
    }
    auto n = parseInt(value);
    if (!n || *n < 0) continue;
    // No machine has 8 EiB: such a value is a corrupt file, and n × 1024 would overflow.
    if (*n > std::numeric_limits<std::int64_t>::max() / unit) {
      warnings.push_back("memory: meminfo " + key + " out of range: " + value.substr(0, 32));
      continue;
    }
    out[key] = *n * unit;
  }
  return out;
}

std::string memoryTypeName(std::uint8_t type) {
  // DSP0134 3.7 table 76 "Memory Device - Type".
  static constexpr std::array<const char*, 0x24> kNames{"",
                                                        "Other",
                                                        "Unknown",
                                                        "DRAM",
                                                        "EDRAM",
                                                        "VRAM",
                                                        "SRAM",
                                                        "RAM",
                                                        "ROM",
                                                        "Flash",
                                                        "EEPROM",
                                                        "FEPROM",
                                                        "EPROM",
                                                        "CDRAM",
                                                        "3DRAM",
                                                        "SDRAM",
                                                        "SGRAM",
                                                        "RDRAM",
                                                        "DDR",
                                                        "DDR2",
                                                        "DDR2 FB-DIMM",
                                                        "",
                                                        "",
                                                        "",
                                                        "DDR3",
                                                        "FBD2",
                                                        "DDR4",
                                                        "LPDDR",
                                                        "LPDDR2",
                                                        "LPDDR3",
                                                        "LPDDR4",
                                                        "Logical non-volatile device",
                                                        "HBM",
                                                        "HBM2",
                                                        "DDR5",
                                                        "LPDDR5"};
  if (type == 0x24) return "HBM3";
  if (type >= kNames.size() || kNames[type][0] == '\0') return "Unknown";
  return kNames[type];
}

std::string memoryFormFactorName(std::uint8_t ff) {
  // DSP0134 3.7 table 75 "Memory Device - Form Factor".
  static constexpr std::array<const char*, 0x11> kNames{"",        "Other",  "Unknown",
                                                        "SIMM",    "SIP",    "Chip",
                                                        "DIP",     "ZIP",    "Proprietary Card",
                                                        "DIMM",    "TSOP",   "Row Of Chips",
                                                        "RIMM",    "SODIMM", "SRIMM",
                                                        "FB-DIMM", "Die"};
  if (ff == 0 || ff >= kNames.size()) return "Unknown";
  return kNames[ff];
}

std::optional<Json> decodeMemoryDevice(const SmbiosStructure& s) {
  if (s.type != kMemoryDevice) return std::nullopt;
  auto size = moduleSize(s);
  if (!size) return std::nullopt;
  Json m = Json::object();
  putString(m, "locator", s, 0x10);
  putString(m, "bank_locator", s, 0x11);
  m["populated"] = size->populated;
  if (size->bytes) m["size_bytes"] = *size->bytes;
  if (!size->populated) return m;
  if (auto ff = s.byteAt(0x0E)) m["form_factor"] = memoryFormFactorName(*ff);
  if (auto t = s.byteAt(0x12)) m["type"] = memoryTypeName(*t);
  // Widths: 0xFFFF is unknown.
  if (auto w = s.wordAt(0x08); w && *w != 0xFFFF && *w != 0) m["total_width_bits"] = *w;
  if (auto w = s.wordAt(0x0A); w && *w != 0xFFFF && *w != 0) m["data_width_bits"] = *w;
  setIf(m, "speed_mts", speed(s, 0x15, 0x54));
  putString(m, "manufacturer", s, 0x17);
  if (auto it = m.find("manufacturer"); it != m.end()) {
    if (auto name = jedecManufacturer(it->get<std::string>())) {
      m["manufacturer_jedec_id"] = *it;
      *it = *name;
    }
  }
  putString(m, "serial_number", s, 0x18);
  putString(m, "asset_tag", s, 0x19);
  putString(m, "part_number", s, 0x1A);
  if (auto a = s.byteAt(0x1B); a && (*a & 0x0F) != 0) m["rank"] = *a & 0x0F;
  setIf(m, "configured_speed_mts", speed(s, 0x20, 0x58));
  if (auto mv = s.wordAt(0x26); mv && *mv != 0) m["configured_voltage_mv"] = *mv;
  return m;
}

Json memoryModulesFromSmbios(std::string_view table, std::vector<std::string>& warnings) {
  SmbiosTable parsed = parseSmbios(table);
  for (const auto& p : parsed.problems) warnings.push_back("memory: SMBIOS table: " + p);
  Json out = Json::object();
  Json modules = Json::array();
  int used = 0;
  for (const SmbiosStructure* s : parsed.ofType(kMemoryDevice)) {
    auto m = decodeMemoryDevice(*s);
    if (!m) {
      warnings.push_back("memory: SMBIOS memory device " + std::to_string(s->handle) +
                         " is too short to decode");
      continue;
    }
    if ((*m)["populated"].get<bool>()) ++used;
    modules.push_back(std::move(*m));
  }
  // Type 16's device count includes slots that firmware does not list as type 17.
  int declared = 0;
  for (const SmbiosStructure* a : parsed.ofType(kPhysicalMemoryArray)) {
    if (auto use = a->byteAt(0x05); use && *use != 0x03) continue;  // 3 = system memory
    if (auto n = a->wordAt(0x0D)) declared += *n;
  }
  out["modules"] = std::move(modules);
  out["slots_total"] = std::max<int>(declared, static_cast<int>(out["modules"].size()));
  out["slots_used"] = used;
  return out;
}

CollectorPtr makeMemoryCollector() {
  return std::make_shared<MemoryCollector>();
}

}  // namespace parc::agent::collectors::linux_
