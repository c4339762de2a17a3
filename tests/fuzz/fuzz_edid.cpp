// libFuzzer target: /sys/class/drm/*/edid, bytes a monitor hands over (untrusted), then
// the inventory object built from them and its canonical text, as the agent sends it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/collectors/linux/edid.h"
#include "common/error.h"
#include "common/protocol/messages.h"
#include "tests/fuzz/fuzz_support.h"

using namespace parc::agent::collectors::linux_;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    std::vector<std::string> problems;
    if (auto edid = parseEdid(bytes, problems)) {
      parc::fuzz::serialise(edidToJson(*edid));
      (void)diagonalInches(edid->widthCm, edid->heightCm);
      for (std::uint8_t tag : edid->extensionTags) (void)edidExtensionName(tag);
    }
    (void)base64Encode(bytes);
  } catch (const parc::Error&) {
  }
  return 0;
}
