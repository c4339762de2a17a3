// libFuzzer target: /etc/os-release (writable by the PC's administrator), /proc/uptime
// and /proc/stat; the fields the os collector keeps, as the inventory's canonical text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/collectors/linux/os.h"
#include "common/error.h"
#include "tests/fuzz/fuzz_support.h"

using namespace parc::agent::collectors::linux_;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto fields = parseOsRelease(text);
    parc::Json os = parc::Json::object();
    // The keys agent/collectors/linux/os.cpp copies into the inventory.
    for (const char* key :
         {"ID", "ID_LIKE", "NAME", "VERSION", "VERSION_ID", "VERSION_CODENAME", "PRETTY_NAME"}) {
      if (auto it = fields.find(key); it != fields.end()) os[key] = it->second;
    }
    parc::fuzz::serialise(os);
    (void)parseUptime(text);
    (void)parseBootTime(text);
  } catch (const parc::Error&) {
  }
  return 0;
}
