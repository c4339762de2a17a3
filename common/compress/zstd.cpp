#include "common/compress/zstd.h"

#include <zstd.h>

#include <memory>

#include "common/error.h"

namespace parc::compress {

std::string zstdCompress(std::string_view data, int level) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  if (ZSTD_isError(n))
    throw Error(ErrorKind::kInternal, std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

std::string zstdDecompress(std::string_view data, std::size_t maxOutput) {
  std::unique_ptr<ZSTD_DStream, decltype(&ZSTD_freeDStream)> stream(ZSTD_createDStream(),
                                                                    ZSTD_freeDStream);
  ZSTD_initDStream(stream.get());
  std::string out;
  std::string chunk(ZSTD_DStreamOutSize(), '\0');
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  for (;;) {
    ZSTD_outBuffer ob{chunk.data(), chunk.size(), 0};
    size_t ret = ZSTD_decompressStream(stream.get(), &ob, &in);
    if (ZSTD_isError(ret)) {
      throw Error(ErrorKind::kBadRequest,
                  std::string("corrupt zstd data: ") + ZSTD_getErrorName(ret));
    }
    if (out.size() + ob.pos > maxOutput) {
      throw Error(ErrorKind::kTooLarge,
                  "decompressed body exceeds " + std::to_string(maxOutput) + " bytes");
    }
    out.append(chunk.data(), ob.pos);
    // All input read and the decoder had no more to give: done, or cut short.
    if (in.pos == in.size && ob.pos < ob.size) {
      if (ret != 0) throw Error(ErrorKind::kBadRequest, "truncated zstd data");
      break;
    }
  }
  return out;
}

}  // namespace parc::compress
