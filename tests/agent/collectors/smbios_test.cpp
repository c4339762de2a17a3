#include "agent/collectors/linux/smbios.h"

#include <gtest/gtest.h>

#include "agent/collectors/linux/memory.h"

namespace parc::agent::collectors::linux_ {
namespace {

// Builds one raw structure: formatted area of `length` bytes (zero-filled, header set),
// patched by the caller, followed by the string set.
struct RawStructure {
  std::string bytes;
  std::vector<std::string> strings;

  RawStructure(std::uint8_t type, std::uint8_t length, std::uint16_t handle) : bytes(length, '\0') {
    bytes[0] = static_cast<char>(type);
    bytes[1] = static_cast<char>(length);
    bytes[2] = static_cast<char>(handle & 0xFF);
    bytes[3] = static_cast<char>(handle >> 8);
  }
  RawStructure& byte(std::size_t off, std::uint8_t v) {
    bytes[off] = static_cast<char>(v);
    return *this;
  }
  RawStructure& word(std::size_t off, std::uint16_t v) {
    return byte(off, v & 0xFF).byte(off + 1, static_cast<std::uint8_t>(v >> 8));
  }
  RawStructure& dword(std::size_t off, std::uint32_t v) {
    return word(off, v & 0xFFFF).word(off + 2, static_cast<std::uint16_t>(v >> 16));
  }
  RawStructure& str(std::size_t off, const std::string& s) {
    strings.push_back(s);
    return byte(off, static_cast<std::uint8_t>(strings.size()));
  }
  std::string encode() const {
    std::string out = bytes;
    if (strings.empty()) return out + std::string(2, '\0');
    for (const auto& s : strings) out += s + std::string(1, '\0');
    return out + std::string(1, '\0');
  }
};

std::string endOfTable() { return RawStructure(127, 4, 0xFFFE).encode(); }

RawStructure memoryDevice(std::uint16_t handle, std::uint8_t length = 0x28) {
  RawStructure s(17, length, handle);
  s.word(0x08, 64).word(0x0A, 64).byte(0x0E, 0x0D).byte(0x12, 0x22);
  return s;
}

TEST(SmbiosParser, WalksStructuresAndStrings) {
  std::string table = RawStructure(0, 0x18, 0).str(4, "Dell Inc.").str(5, "1.2.3").encode() +
                      RawStructure(32, 0x0B, 0x20).encode() + endOfTable() +
                      RawStructure(1, 0x1B, 1).encode();  // after type 127: ignored
  SmbiosTable t = parseSmbios(table);
  EXPECT_TRUE(t.problems.empty());
  ASSERT_EQ(t.structures.size(), 3u);
  EXPECT_EQ(t.structures[0].type, 0);
  EXPECT_EQ(t.structures[0].stringAt(4), "Dell Inc.");
  EXPECT_EQ(t.structures[0].stringAt(5), "1.2.3");
  EXPECT_EQ(t.structures[0].stringAt(8), std::nullopt);  // string number 0
  EXPECT_EQ(t.structures[1].handle, 0x20);
  EXPECT_TRUE(t.structures[1].strings.empty());
  EXPECT_EQ(t.structures[2].type, 127);
  EXPECT_EQ(t.ofType(32).size(), 1u);
}

TEST(SmbiosParser, FieldsPastTheFormattedAreaAreAbsent) {
  RawStructure s(17, 0x15, 1);  // SMBIOS 2.1 size: no speed, no strings after 0x11
  s.word(0x0C, 512);
  SmbiosTable t = parseSmbios(s.encode());
  ASSERT_EQ(t.structures.size(), 1u);
  EXPECT_EQ(t.structures[0].wordAt(0x0C), 512);
  EXPECT_EQ(t.structures[0].wordAt(0x14), std::nullopt);
  EXPECT_EQ(t.structures[0].dwordAt(0x1C), std::nullopt);
  EXPECT_EQ(t.structures[0].stringAt(0x17), std::nullopt);
  auto m = decodeMemoryDevice(t.structures[0]);
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)["size_bytes"], 512 * 1024 * 1024LL);
  EXPECT_FALSE(m->contains("speed_mts"));
}

TEST(SmbiosParser, StringNumberPastTheSetIsAbsent) {
  RawStructure s(1, 0x1B, 1);
  s.str(4, "Acme").byte(5, 7);
  SmbiosTable t = parseSmbios(s.encode());
  ASSERT_EQ(t.structures.size(), 1u);
  EXPECT_EQ(t.structures[0].stringAt(4), "Acme");
  EXPECT_EQ(t.structures[0].stringAt(5), std::nullopt);
}

TEST(SmbiosParser, TruncatedTablesStopWithAProblem) {
  std::string good = RawStructure(0, 0x18, 0).str(4, "Vendor").encode();
  std::string dev = memoryDevice(2).str(0x10, "DIMM A").encode();
  // Every prefix of a valid table parses without over-reading (ASan would see it).
  std::string table = good + dev + endOfTable();
  for (std::size_t n = 0; n < table.size(); ++n) {
    SmbiosTable t = parseSmbios(std::string_view(table).substr(0, n));
    EXPECT_LE(t.structures.size(), 2u);
    if (n != good.size() && n != good.size() + dev.size() && n != 0) {
      EXPECT_FALSE(t.problems.empty()) << "prefix " << n;
    }
  }
}

TEST(SmbiosParser, InvalidLengthAndUnterminatedStrings) {
  SmbiosTable t1 = parseSmbios(std::string("\x01\x02\x00\x00\x00\x00", 6));
  EXPECT_TRUE(t1.structures.empty());
  ASSERT_EQ(t1.problems.size(), 1u);
  EXPECT_NE(t1.problems[0].find("invalid length"), std::string::npos);
  std::string unterminated = RawStructure(1, 8, 0).encode();
  unterminated.resize(unterminated.size() - 2);
  unterminated += "abc";
  SmbiosTable t2 = parseSmbios(unterminated);
  EXPECT_TRUE(t2.structures.empty());
  EXPECT_NE(t2.problems.at(0).find("not terminated"), std::string::npos);
}

TEST(SmbiosMemoryDevice, SizeEncodings) {
  auto decode = [](RawStructure s) {
    return *decodeMemoryDevice(parseSmbios(s.encode()).structures.at(0));
  };
  EXPECT_EQ(decode(memoryDevice(1).word(0x0C, 0x8000 | 512))["size_bytes"], 512 * 1024);
  EXPECT_EQ(decode(memoryDevice(1).word(0x0C, 0x7FFF).dword(0x1C, 65536))["size_bytes"],
            64LL * 1024 * 1024 * 1024);
  Json unknown = decode(memoryDevice(1).word(0x0C, 0xFFFF));
  EXPECT_EQ(unknown["populated"], true);
  EXPECT_FALSE(unknown.contains("size_bytes"));
  Json empty = decode(memoryDevice(1).word(0x0C, 0));
  EXPECT_EQ(empty["populated"], false);
}

TEST(SmbiosMemoryDevice, ExtendedSpeedOfSmbios33) {
  RawStructure s = memoryDevice(1, 0x5C);
  s.word(0x0C, 32768 - 1).word(0x0C, 0x7FFF).dword(0x1C, 32768);
  s.word(0x15, 0xFFFF).dword(0x54, 70000).word(0x20, 0xFFFF).dword(0x58, 68000);
  s.str(0x17, "Micron Technology").str(0x1A, "MTC20C2085S1EC48BA1 ");
  Json m = *decodeMemoryDevice(parseSmbios(s.encode()).structures.at(0));
  EXPECT_EQ(m["speed_mts"], 70000);
  EXPECT_EQ(m["configured_speed_mts"], 68000);
  EXPECT_EQ(m["type"], "DDR5");
  EXPECT_EQ(m["form_factor"], "SODIMM");
  EXPECT_EQ(m["manufacturer"], "Micron Technology");
  EXPECT_EQ(m["part_number"], "MTC20C2085S1EC48BA1");
}

TEST(SmbiosMemoryDevice, PlaceholderStringsAreDropped) {
  RawStructure s = memoryDevice(1);
  s.word(0x0C, 8192).str(0x17, "Manufacturer00").str(0x18, "SerNum0").str(0x1A, "Unknown");
  Json m = *decodeMemoryDevice(parseSmbios(s.encode()).structures.at(0));
  EXPECT_FALSE(m.contains("manufacturer"));
  EXPECT_FALSE(m.contains("serial_number"));
  EXPECT_FALSE(m.contains("part_number"));
}

TEST(SmbiosMemoryDevice, JedecIdsAreNamed) {
  auto maker = [](const std::string& id) {
    RawStructure s = memoryDevice(1);
    s.word(0x0C, 8192).str(0x17, id);
    return (*decodeMemoryDevice(parseSmbios(s.encode()).structures.at(0)))["manufacturer"];
  };
  EXPECT_EQ(maker("80CE000080CE"), "Samsung");
  EXPECT_EQ(maker("802C0000802C"), "Micron");
  EXPECT_EQ(maker("859B"), "Crucial");
  EXPECT_EQ(maker("04CD"), "G.Skill");
  EXPECT_EQ(maker("0198"), "Kingston");
  EXPECT_EQ(maker("7F7F7F7F"), "7F7F7F7F");  // unknown ids stay as written
}

TEST(SmbiosMemoryDevice, NotType17) {
  EXPECT_FALSE(
      decodeMemoryDevice(parseSmbios(RawStructure(16, 0x17, 1).encode()).structures.at(0)));
}

}  // namespace
}  // namespace parc::agent::collectors::linux_
