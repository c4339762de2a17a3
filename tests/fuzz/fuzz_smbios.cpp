// libFuzzer target: /sys/firmware/dmi/tables/DMI (firmware-provided SMBIOS structures),
// every accessor at every offset, and the memory modules decoded from it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/collectors/linux/memory.h"
#include "agent/collectors/linux/smbios.h"
#include "common/error.h"
#include "common/protocol/messages.h"
#include "tests/fuzz/fuzz_support.h"

using namespace parc::agent::collectors::linux_;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view table(reinterpret_cast<const char*>(data), size);
  try {
    SmbiosTable parsed = parseSmbios(table);
    for (const SmbiosStructure& s : parsed.structures) {
      for (std::size_t offset = 0; offset <= s.formatted.size() + 8; ++offset) {
        (void)s.byteAt(offset);
        (void)s.wordAt(offset);
        (void)s.dwordAt(offset);
        (void)s.qwordAt(offset);
        (void)s.stringAt(offset);
      }
      if (auto module = decodeMemoryDevice(s)) parc::fuzz::serialise(*module);
    }
    (void)parsed.ofType(17);
    std::vector<std::string> warnings;
    parc::fuzz::serialise(memoryModulesFromSmbios(table, warnings));
  } catch (const parc::Error&) {
  }
  return 0;
}
