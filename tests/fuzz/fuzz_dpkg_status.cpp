// libFuzzer target: /var/lib/dpkg/status (package metadata written from .deb files of
// any origin), and the software list as the inventory's canonical text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/collectors/linux/software.h"
#include "common/error.h"
#include "common/protocol/messages.h"
#include "tests/fuzz/fuzz_support.h"

using namespace parc::agent::collectors::linux_;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    std::vector<std::string> problems;
    parc::fuzz::serialise(parseDpkgStatus(text, problems));
  } catch (const parc::Error&) {
  }
  return 0;
}
