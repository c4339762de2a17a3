#pragma once
// Blob and pack formats. A blob is one chunk (or a piece of a snapshot's manifest),
// optionally zstd-compressed, then sealed with AES-256-GCM under a key derived from its
// id. A pack is an immutable file of blobs, each behind a small plaintext header, named
// by the SHA-256 of its bytes: the server indexes, verifies and compacts packs without
// any key.
//
//   pack  = "PARCPACK" u32:version  blob*  u32:count "PARCPEND"
//   blob  = id[32] u8:type u8:flags u16:0 u32:plain_len u32:stored_len  stored
//   stored = nonce[12] ciphertext tag[16]     AAD = "PB1" type flags id plain_len
#include <zstd.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/backup/bytes.h"
#include "common/backup/crypto.h"

namespace parc::backup {

enum class BlobType : std::uint8_t { kData = 1, kTree = 2 };
constexpr std::uint8_t kFlagZstd = 1;
constexpr std::size_t kBlobHeaderSize = 44;
constexpr std::uint32_t kPackVersion = 1;
constexpr std::size_t kPackTarget = 8 * 1024 * 1024;
constexpr std::uint32_t kMaxBlobPlain = 16 * 1024 * 1024;

struct BlobHeader {
  ChunkId id{};
  BlobType type = BlobType::kData;
  std::uint8_t flags = 0;
  std::uint32_t plainLen = 0;
  std::uint32_t storedLen = 0;
};

/// A blob inside a pack: its header and where its stored bytes start in the pack.
struct PackEntry {
  BlobHeader header;
  std::uint64_t offset = 0;
};

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

/// Encodes and decodes blobs. One per thread: holds the crypto and zstd contexts.
class BlobCodec {
 public:
  /// compressLevel 0 disables compression.
  BlobCodec(const TenantKeys& keys, int compressLevel = 3);

  ChunkId id(std::string_view plaintext) { return crypto_.id(plaintext); }
  /// Appends header + stored bytes for `plaintext` (whose id is `id`) to `out`.
  BlobHeader encode(const ChunkId& id, BlobType type, std::string_view plaintext, std::string& out);
  /// Decrypts, decompresses and (when verifyId) checks the plaintext against the id.
  /// Throws parc::Error kBadRequest naming the blob when anything does not match.
  void decode(const BlobHeader& h, std::string_view stored, std::string& out, bool verifyId = true);

 private:
  bool worthCompressing(std::string_view plaintext);
  ChunkCrypto crypto_;
  int level_;
  std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx_;
  std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx_;
  std::string scratch_;
  std::string plain_;
};

void appendBlobHeader(std::string& out, const BlobHeader& h);

/// Accumulates blobs into one pack in memory.
class PackWriter {
 public:
  PackWriter();
  /// Appends an already encoded blob (header + stored bytes).
  void addEncoded(std::string_view encodedBlob, std::size_t count = 1);
  std::size_t size() const { return buf_.size(); }
  std::size_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  /// The finished pack; the writer is left empty for the next one.
  std::string finish();

 private:
  std::string buf_;
  std::size_t count_ = 0;
};

/// Parses a whole pack and checks its structure (not the ciphertexts: no key needed).
/// Throws parc::Error kBadRequest with `name` and the offset of the first problem.
std::vector<PackEntry> parsePack(std::string_view pack, const std::string& name);

/// The pack's name: SHA-256 of its bytes, lowercase hex.
std::string packName(std::string_view pack);

}  // namespace parc::backup
