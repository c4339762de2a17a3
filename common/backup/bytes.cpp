#include "common/backup/bytes.h"

#include "common/error.h"

namespace parc::backup {

std::string toHex(const ChunkId& id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (auto b : id) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

ChunkId chunkIdFromHex(std::string_view hex) {
  auto nibble = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw Error(ErrorKind::kBadRequest, "not a chunk id: " + std::string(hex.substr(0, 80)));
  };
  if (hex.size() != 64) {
    throw Error(ErrorKind::kBadRequest, "not a chunk id: " + std::string(hex.substr(0, 80)));
  }
  ChunkId id;
  for (std::size_t i = 0; i < 32; ++i) {
    id[i] = static_cast<std::uint8_t>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  }
  return id;
}

void Reader::fail(const std::string& why) const {
  throw Error(ErrorKind::kBadRequest, what_ + ": " + why + " at byte " + std::to_string(pos_));
}

std::string_view Reader::take(std::size_t n) {
  if (n > remaining()) fail("truncated");
  auto out = data_.substr(pos_, n);
  pos_ += n;
  return out;
}

std::uint8_t Reader::u8() {
  return static_cast<std::uint8_t>(take(1)[0]);
}

std::uint32_t Reader::u32() {
  auto b = take(4);
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<std::uint8_t>(b[i]);
  return v;
}

std::uint64_t Reader::u64() {
  auto b = take(8);
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | static_cast<std::uint8_t>(b[i]);
  return v;
}

ChunkId Reader::id() {
  auto b = take(32);
  ChunkId id;
  std::memcpy(id.data(), b.data(), 32);
  return id;
}

}  // namespace parc::backup
