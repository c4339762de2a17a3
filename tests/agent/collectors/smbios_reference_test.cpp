// The memory-module decoder against the 60 real dmidecode reports of
// shared/reference/hardware/dmi (linux-hardware.org, CC BY 4.0). Those reports are text
// only, so each type 17 structure is re-encoded here at its reported length with this
// file's own transcription of DSP0134's tables, then decoded by memory.cpp and compared
// with dmidecode's reading. Two independent transcriptions must agree.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "agent/collectors/linux/memory.h"

namespace parc::agent::collectors::linux_ {
namespace {

namespace fs = std::filesystem;

struct Block {
  int length = 0;
  std::map<std::string, std::string> fields;
};

std::vector<Block> memoryDevices(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::vector<Block> out;
  Block* cur = nullptr;
  static const std::regex kHandle(R"(^Handle 0x[0-9A-Fa-f]+, DMI type (\d+), (\d+) bytes)");
  static const std::regex kField(R"(^\t([^\t:][^:]*): ?(.*)$)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_search(line, m, kHandle)) {
      cur = nullptr;
      if (m[1] == "17") {
        out.push_back({std::stoi(m[2]), {}});
        cur = &out.back();
      }
    } else if (cur && std::regex_match(line, m, kField)) {
      cur->fields[m[1]] = m[2];
    }
  }
  return out;
}

// DSP0134 3.7 tables 75 and 76, as dmidecode names the values.
const std::map<std::string, int> kTypes = {
    {"Other", 1},   {"Unknown", 2}, {"DRAM", 3},   {"RAM", 7},     {"Flash", 9},
    {"SDRAM", 15},  {"RDRAM", 17},  {"DDR", 18},   {"DDR2", 19},   {"DDR2 FB-DIMM", 20},
    {"DDR3", 24},   {"DDR4", 26},   {"LPDDR", 27}, {"LPDDR2", 28}, {"LPDDR3", 29},
    {"LPDDR4", 30}, {"DDR5", 34},   {"LPDDR5", 35}};
const std::map<std::string, int> kFormFactors = {
    {"Other", 1},   {"Unknown", 2},  {"SIMM", 3},          {"Chip", 5},
    {"DIMM", 9},    {"TSOP", 10},    {"Row Of Chips", 11}, {"RIMM", 12},
    {"SODIMM", 13}, {"FB-DIMM", 15}, {"Die", 16}};

struct Encoder {
  std::string bytes;
  std::vector<std::string> strings;
  explicit Encoder(int length) : bytes(static_cast<std::size_t>(length), '\0') {
    bytes[0] = 17;
    bytes[1] = static_cast<char>(length);
  }
  void put(std::size_t off, std::uint64_t v, int n) {
    for (int i = 0; i < n && off + i < bytes.size(); ++i)
      bytes[off + i] = static_cast<char>(v >> (8 * i));
  }
  void str(std::size_t off, const std::string& s) {
    if (off >= bytes.size() || s.empty() || s == "Not Specified" || s == "--") return;
    strings.push_back(s);
    bytes[off] = static_cast<char>(strings.size());
  }
  std::string encode() const {
    std::string out = bytes;
    for (const auto& s : strings) out += s + std::string(1, '\0');
    return out + std::string(strings.empty() ? 2 : 1, '\0');
  }
};

std::optional<std::int64_t> leadingNumber(const std::string& s) {
  std::smatch m;
  static const std::regex kNum(R"(^(\d+))");
  if (!std::regex_search(s, m, kNum)) return std::nullopt;
  return std::stoll(m[1]);
}

std::optional<std::int64_t> sizeMiB(const std::string& s) {
  auto n = leadingNumber(s);
  if (!n) return std::nullopt;
  if (s.find(" GB") != std::string::npos) return *n * 1024;
  if (s.find(" TB") != std::string::npos) return *n * 1024 * 1024;
  if (s.find(" MB") != std::string::npos) return *n;
  return std::nullopt;
}

std::string encode(const Block& b) {
  auto f = [&](const char* k) {
    auto it = b.fields.find(k);
    return it == b.fields.end() ? std::string() : it->second;
  };
  Encoder e(b.length);
  e.put(0x08, leadingNumber(f("Total Width")).value_or(0xFFFF), 2);
  e.put(0x0A, leadingNumber(f("Data Width")).value_or(0xFFFF), 2);
  std::string size = f("Size");
  if (auto mib = sizeMiB(size)) {
    if (*mib >= 0x7FFF) {
      e.put(0x0C, 0x7FFF, 2);
      e.put(0x1C, static_cast<std::uint64_t>(*mib), 4);
    } else {
      e.put(0x0C, static_cast<std::uint64_t>(*mib), 2);
    }
  } else {
    e.put(0x0C, size == "No Module Installed" ? 0 : 0xFFFF, 2);
  }
  e.put(0x0E, kFormFactors.count(f("Form Factor")) ? kFormFactors.at(f("Form Factor")) : 0x40, 1);
  e.str(0x10, f("Locator"));
  e.str(0x11, f("Bank Locator"));
  e.put(0x12, kTypes.count(f("Type")) ? kTypes.at(f("Type")) : 0x40, 1);
  e.put(0x15, leadingNumber(f("Speed")).value_or(0), 2);
  e.str(0x17, f("Manufacturer"));
  e.str(0x18, f("Serial Number"));
  e.str(0x19, f("Asset Tag"));
  e.str(0x1A, f("Part Number"));
  e.put(0x1B, leadingNumber(f("Rank")).value_or(0), 1);
  std::string configured = f("Configured Memory Speed").empty() ? f("Configured Clock Speed")
                                                                : f("Configured Memory Speed");
  e.put(0x20, leadingNumber(configured).value_or(0), 2);
  return e.encode();
}

std::string trimRight(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::vector<std::string> compare(const Block& b, const Json& m) {
  std::vector<std::string> diffs;
  auto f = [&](const char* k) {
    auto it = b.fields.find(k);
    return it == b.fields.end() ? std::string() : trimRight(it->second);
  };
  auto expectStr = [&](const char* key, const std::string& want) {
    std::string got = m.value(key, std::string("<absent>"));
    if (got != want) diffs.push_back(std::string(key) + ": got '" + got + "' want '" + want + "'");
  };
  auto expectNum = [&](const char* key, std::optional<std::int64_t> want) {
    std::optional<std::int64_t> got;
    if (m.contains(key)) got = m[key].get<std::int64_t>();
    if (got != want) {
      diffs.push_back(std::string(key) + ": got " + (got ? std::to_string(*got) : "none") +
                      " want " + (want ? std::to_string(*want) : "none"));
    }
  };
  bool populated = f("Size") != "No Module Installed";
  if (m["populated"] != populated) diffs.push_back("populated differs");
  if (f("Locator") != "Not Specified" && !f("Locator").empty()) expectStr("locator", f("Locator"));
  if (!populated) return diffs;
  auto mib = sizeMiB(f("Size"));
  expectNum("size_bytes", mib ? std::optional<std::int64_t>(*mib * 1024 * 1024) : std::nullopt);
  expectStr("type", kTypes.count(f("Type")) ? f("Type") : "Unknown");
  expectStr("form_factor", kFormFactors.count(f("Form Factor")) ? f("Form Factor") : "Unknown");
  if (b.length >= 0x17) expectNum("speed_mts", leadingNumber(f("Speed")));
  if (b.length >= 0x1C) expectNum("rank", leadingNumber(f("Rank")));
  std::string configured = f("Configured Memory Speed").empty() ? f("Configured Clock Speed")
                                                                : f("Configured Memory Speed");
  if (b.length >= 0x22) expectNum("configured_speed_mts", leadingNumber(configured));
  // Manufacturer: the text, or its JEDEC id kept beside the name it was translated to.
  std::string maker = f("Manufacturer");
  if (m.contains("manufacturer_jedec_id")) {
    expectStr("manufacturer_jedec_id", maker);
  } else if (m.contains("manufacturer")) {
    expectStr("manufacturer", maker);
  }
  if (m.contains("part_number")) expectStr("part_number", f("Part Number"));
  return diffs;
}

TEST(SmbiosReference, MemoryModulesOfEveryRealReport) {
  fs::path dir = fs::path(PARC_SHARED_DIR) / "reference/hardware/dmi";
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(it->path());
  }
  if (files.empty()) GTEST_SKIP() << "no reference reports at " << dir;
  std::sort(files.begin(), files.end());
  int modules = 0, populated = 0, agreeing = 0;
  std::ostringstream failures;
  for (const auto& file : files) {
    auto blocks = memoryDevices(file);
    std::string table;
    for (const auto& b : blocks) table += encode(b);
    table += std::string("\x7f\x04\xfe\xff\0\0", 6);
    std::vector<std::string> warnings;
    Json out = memoryModulesFromSmbios(table, warnings);
    EXPECT_TRUE(warnings.empty()) << file << ::testing::PrintToString(warnings);
    ASSERT_EQ(out["modules"].size(), blocks.size()) << file;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      ++modules;
      if (out["modules"][i]["populated"] == true) ++populated;
      auto diffs = compare(blocks[i], out["modules"][i]);
      if (diffs.empty()) {
        ++agreeing;
      } else {
        failures << fs::relative(file, dir).string() << " #" << i << ": "
                 << ::testing::PrintToString(diffs) << "\n";
      }
    }
    EXPECT_EQ(
        out["slots_used"],
        std::count_if(blocks.begin(), blocks.end(),
                      [](const Block& b) { return b.fields.at("Size") != "No Module Installed"; }))
        << file;
  }
  std::cout << "[ SMBIOS   ] " << agreeing << "/" << modules << " memory devices (" << populated
            << " populated) from " << files.size() << " dmidecode reports agree\n";
  EXPECT_EQ(agreeing, modules) << failures.str();
  EXPECT_GE(modules, 200);
  EXPECT_GE(populated, 100);
}

}  // namespace
}  // namespace parc::agent::collectors::linux_
