#include "common/backup/chunker.h"

#include <cstring>
#include <string>

#include "common/error.h"

namespace parc::backup {

Chunker::Chunker(const Key& chunkerKey, ChunkerParams params) : params_(params) {
  if (params_.minSize < 64 || params_.maxSize <= params_.minSize || params_.maskBits < 1 ||
      params_.maskBits > 48) {
    throw Error(ErrorKind::kBadRequest, "invalid chunker parameters");
  }
  auto table = hkdfSha256({reinterpret_cast<const char*>(chunkerKey.data()), chunkerKey.size()},
                          "parc backup", "gear table v1", sizeof gear_);
  std::memcpy(gear_.data(), table.data(), sizeof gear_);
  for (auto& g : gear_) g = le64toh(g);
  // The top bits of a Gear hash depend on the last 64 bytes only: test those.
  mask_ = ~std::uint64_t{0} << (64 - params_.maskBits);
}

std::size_t Chunker::cut(const std::uint8_t* data, std::size_t size) const {
  if (size <= params_.minSize) return size;
  const std::size_t end = size < params_.maxSize ? size : params_.maxSize;
  // Start 64 bytes before the minimum so the hash at `min` is a full window: a boundary
  // then depends on content only, not on where the previous chunk started.
  std::size_t i = params_.minSize - 64;
  std::uint64_t h = 0;
  for (; i < params_.minSize; ++i) h = (h << 1) + gear_[data[i]];
  for (; i < end; ++i) {
    h = (h << 1) + gear_[data[i]];
    if ((h & mask_) == 0) return i + 1;
  }
  return end;
}

}  // namespace parc::backup
