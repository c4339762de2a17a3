// libFuzzer target: base32 TOTP secrets (server/security/totp.h). Beyond not crashing:
// whatever decodes must re-encode to a text that decodes to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/error.h"
#include "server/security/totp.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace parc::server::security;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    std::string bytes = base32Decode(text);
    if (base32Decode(base32Encode(bytes)) != bytes) std::abort();
  } catch (const parc::Error&) {
  }
  // Encoding never fails and always decodes back.
  if (base32Decode(base32Encode(text)) != text) std::abort();
  return 0;
}
