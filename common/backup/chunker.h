#pragma once
// Keyed content-defined chunking (Gear hash, FastCDC-style cut test). The gear table is
// derived from the tenant's chunker key so chunk boundaries, which the server sees as
// blob sizes, do not reveal which well-known file a tenant holds.
#include <array>
#include <cstddef>
#include <cstdint>

#include "common/backup/crypto.h"

namespace parc::backup {

struct ChunkerParams {
  std::size_t minSize = 512 * 1024;  // restic's and borg's proven minimum
  // 4 MiB, not restic's 8: it bounds each worker's buffers (RSS target 100 MiB) and
  // only long runs of identical bytes (zeros) ever reach it.
  std::size_t maxSize = 4 * 1024 * 1024;
  int maskBits = 19;  // cut chance 2^-19 per byte past min: ~1 MiB mean
};

class Chunker {
 public:
  explicit Chunker(const Key& chunkerKey, ChunkerParams params = {});

  /// Length of the next chunk at the start of `data`. The caller passes at least
  /// maxSize() bytes, or everything left at the end of the file.
  std::size_t cut(const std::uint8_t* data, std::size_t size) const;
  std::size_t maxSize() const { return params_.maxSize; }
  std::size_t minSize() const { return params_.minSize; }

 private:
  ChunkerParams params_;
  std::uint64_t mask_;
  std::array<std::uint64_t, 256> gear_{};
};

}  // namespace parc::backup
