#include "server/forward/zlib_codec.h"

#include <zlib.h>

#include <memory>

#include "common/error.h"

namespace parc::server::forward {

namespace {

struct DeflateEnd {
  void operator()(z_stream* s) const {
    deflateEnd(s);
    delete s;
  }
};
struct InflateEnd {
  void operator()(z_stream* s) const {
    inflateEnd(s);
    delete s;
  }
};

}  // namespace

std::string zlibCompress(std::string_view data, int level) {
  auto* raw = new z_stream{};
  if (deflateInit(raw, level) != Z_OK) {
    delete raw;
    throw Error(ErrorKind::kInternal, "zlib: cannot start compression");
  }
  std::unique_ptr<z_stream, DeflateEnd> s(raw);
  std::string out(deflateBound(s.get(), static_cast<uLong>(data.size())), '\0');
  s->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s->avail_in = static_cast<uInt>(data.size());
  s->next_out = reinterpret_cast<Bytef*>(out.data());
  s->avail_out = static_cast<uInt>(out.size());
  // deflateBound guarantees one call finishes.
  if (deflate(s.get(), Z_FINISH) != Z_STREAM_END)
    throw Error(ErrorKind::kInternal, "zlib: compression did not finish");
  out.resize(s->total_out);
  return out;
}

std::string zlibInflate(std::string_view data, std::size_t maxOutput) {
  auto* raw = new z_stream{};
  // 15 + 32: the largest window, zlib or gzip header detected automatically.
  if (inflateInit2(raw, 15 + 32) != Z_OK) {
    delete raw;
    throw Error(ErrorKind::kInternal, "zlib: cannot start decompression");
  }
  std::unique_ptr<z_stream, InflateEnd> s(raw);
  s->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s->avail_in = static_cast<uInt>(data.size());
  std::string out;
  char chunk[16384];
  for (;;) {
    s->next_out = reinterpret_cast<Bytef*>(chunk);
    s->avail_out = sizeof chunk;
    int rc = inflate(s.get(), Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
      throw Error(ErrorKind::kBadRequest,
                  std::string("corrupt compressed data: ") + (s->msg ? s->msg : "zlib error"));
    std::size_t produced = sizeof chunk - s->avail_out;
    if (out.size() + produced > maxOutput)
      throw Error(ErrorKind::kTooLarge,
                  "compressed data expands past " + std::to_string(maxOutput) + " bytes");
    out.append(chunk, produced);
    if (rc == Z_STREAM_END) return out;
    if (rc == Z_BUF_ERROR || (produced == 0 && s->avail_in == 0))
      throw Error(ErrorKind::kBadRequest, "truncated compressed data");
  }
}

}  // namespace parc::server::forward
