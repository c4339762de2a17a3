// libFuzzer target: a zstd request body (Content-Encoding: zstd) decompressed with a
// 1 MiB bound. Corrupt input must be kBadRequest, a bomb kTooLarge, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/compress/zstd.h"
#include "common/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t kBound = 1 << 20;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    std::string out = parc::compress::zstdDecompress(input, kBound);
    if (out.size() > kBound) std::abort();  // the bound is the point of the function
  } catch (const parc::Error&) {
  }
  return 0;
}
