#pragma once
// Byte-level helpers shared by the backup formats: fixed-size ids and little-endian
// integers, so every format is byte-for-byte the same on every platform.
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

namespace parc::backup {

/// HMAC-SHA-256 of a chunk's plaintext under the tenant's id key: a chunk's name.
using ChunkId = std::array<std::uint8_t, 32>;

std::string toHex(const ChunkId& id);
/// Throws parc::Error kBadRequest unless `hex` is 64 hexadecimal digits.
ChunkId chunkIdFromHex(std::string_view hex);

struct ChunkIdHash {
  std::size_t operator()(const ChunkId& id) const {
    std::size_t h;  // the id is a MAC output: its first bytes are already uniform
    std::memcpy(&h, id.data(), sizeof h);
    return h;
  }
};

inline void putU32(std::string& out, std::uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out.append(b, 4);
}
inline void putU64(std::string& out, std::uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out.append(b, 8);
}
inline void putBytes(std::string& out, std::string_view bytes) {
  putU32(out, static_cast<std::uint32_t>(bytes.size()));
  out.append(bytes);
}
inline void putId(std::string& out, const ChunkId& id) {
  out.append(reinterpret_cast<const char*>(id.data()), id.size());
}

/// Reads a buffer front to back; any read past the end throws parc::Error kBadRequest
/// naming `what`, so a truncated or hostile object never reads out of bounds.
class Reader {
 public:
  Reader(std::string_view data, std::string what) : data_(data), what_(std::move(what)) {}
  std::uint8_t u8();
  std::uint32_t u32();
  std::uint64_t u64();
  std::string_view take(std::size_t n);
  std::string_view bytes() { return take(u32()); }
  ChunkId id();
  std::size_t remaining() const { return data_.size() - pos_; }
  std::size_t position() const { return pos_; }
  [[noreturn]] void fail(const std::string& why) const;

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
  std::string what_;
};

}  // namespace parc::backup
