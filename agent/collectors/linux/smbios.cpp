#include "agent/collectors/linux/smbios.h"

namespace parc::agent::collectors::linux_ {

namespace {

constexpr std::size_t kHeaderSize = 4;
constexpr std::uint8_t kEndOfTable = 127;

std::string hex(std::size_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), kDigits[v % 16]);
    v /= 16;
  } while (v != 0);
  return "0x" + s;
}

}  // namespace

std::optional<std::uint8_t> SmbiosStructure::byteAt(std::size_t offset) const {
  if (offset + 1 > formatted.size()) return std::nullopt;
  return static_cast<std::uint8_t>(formatted[offset]);
}

std::optional<std::uint16_t> SmbiosStructure::wordAt(std::size_t offset) const {
  if (offset + 2 > formatted.size()) return std::nullopt;
  return static_cast<std::uint16_t>(*byteAt(offset) | (*byteAt(offset + 1) << 8));
}

std::optional<std::uint32_t> SmbiosStructure::dwordAt(std::size_t offset) const {
  if (offset + 4 > formatted.size()) return std::nullopt;
  return static_cast<std::uint32_t>(*wordAt(offset)) |
         (static_cast<std::uint32_t>(*wordAt(offset + 2)) << 16);
}

std::optional<std::uint64_t> SmbiosStructure::qwordAt(std::size_t offset) const {
  if (offset + 8 > formatted.size()) return std::nullopt;
  return static_cast<std::uint64_t>(*dwordAt(offset)) |
         (static_cast<std::uint64_t>(*dwordAt(offset + 4)) << 32);
}

std::optional<std::string> SmbiosStructure::stringAt(std::size_t offset) const {
  auto number = byteAt(offset);
  if (!number || *number == 0 || *number > strings.size()) return std::nullopt;
  std::string s = strings[*number - 1];
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  if (s.empty()) return std::nullopt;
  return s;
}

std::vector<const SmbiosStructure*> SmbiosTable::ofType(std::uint8_t type) const {
  std::vector<const SmbiosStructure*> out;
  for (const auto& s : structures) {
    if (s.type == type) out.push_back(&s);
  }
  return out;
}

SmbiosTable parseSmbios(std::string_view data) {
  SmbiosTable table;
  std::size_t pos = 0;
  while (pos < data.size()) {
    if (data.size() - pos < kHeaderSize) {
      table.problems.push_back("truncated structure header at offset " + hex(pos));
      break;
    }
    SmbiosStructure s;
    s.type = static_cast<std::uint8_t>(data[pos]);
    auto length = static_cast<std::uint8_t>(data[pos + 1]);
    s.handle = static_cast<std::uint16_t>(static_cast<std::uint8_t>(data[pos + 2]) |
                                          (static_cast<std::uint8_t>(data[pos + 3]) << 8));
    // A length below the header size would make the walk loop or go backwards.
    if (length < kHeaderSize) {
      table.problems.push_back("structure at offset " + hex(pos) + " has invalid length " +
                               std::to_string(length));
      break;
    }
    if (data.size() - pos < length) {
      table.problems.push_back("structure type " + std::to_string(s.type) + " at offset " +
                               hex(pos) + " is cut short");
      break;
    }
    s.formatted = std::string(data.substr(pos, length));
    // The string set ends with two NULs; a structure with no strings is just "\0\0".
    std::size_t strStart = pos + length;
    std::size_t end = data.find(std::string_view("\0\0", 2), strStart);
    if (end == std::string_view::npos) {
      table.problems.push_back("string set of structure type " + std::to_string(s.type) +
                               " at offset " + hex(pos) + " is not terminated");
      break;
    }
    std::string_view set = data.substr(strStart, end - strStart);
    while (!set.empty()) {
      auto nul = set.find('\0');
      s.strings.emplace_back(set.substr(0, nul));
      if (nul == std::string_view::npos) break;
      set.remove_prefix(nul + 1);
    }
    pos = end + 2;
    bool last = s.type == kEndOfTable;
    table.structures.push_back(std::move(s));
    if (last) break;
  }
  return table;
}

}  // namespace parc::agent::collectors::linux_
