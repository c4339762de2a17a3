// libFuzzer target: /proc/meminfo ("MemTotal: 16318480 kB" lines; the kB -> bytes
// multiplication is where a signed overflow would hide, which UBSan turns into a crash).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/collectors/linux/memory.h"
#include "common/error.h"

using namespace parc::agent::collectors::linux_;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    // Only numbers reach the inventory (memory.cpp picks known keys), so no serialising.
    std::int64_t sum = 0;
    for (const auto& [key, bytes] : parseMeminfo(text)) sum ^= bytes;
    (void)sum;
  } catch (const parc::Error&) {
  }
  return 0;
}
