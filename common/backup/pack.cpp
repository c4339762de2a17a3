#include "common/backup/pack.h"

#include <openssl/evp.h>

#include "common/error.h"

namespace parc::backup {
namespace {

constexpr std::string_view kPackMagic = "PARCPACK";
constexpr std::string_view kPackEnd = "PARCPEND";
constexpr std::size_t kSample = 32 * 1024;

std::string aadFor(const BlobHeader& h) {
  std::string aad = "PB1";
  aad.push_back(static_cast<char>(h.type));
  aad.push_back(static_cast<char>(h.flags));
  putId(aad, h.id);
  putU32(aad, h.plainLen);
  return aad;
}

}  // namespace

void appendBlobHeader(std::string& out, const BlobHeader& h) {
  putId(out, h.id);
  out.push_back(static_cast<char>(h.type));
  out.push_back(static_cast<char>(h.flags));
  out.append(2, '\0');
  putU32(out, h.plainLen);
  putU32(out, h.storedLen);
}

BlobCodec::BlobCodec(const TenantKeys& keys, int compressLevel)
    : crypto_(keys), level_(compressLevel), cctx_(ZSTD_createCCtx()), dctx_(ZSTD_createDCtx()) {
  if (!cctx_ || !dctx_) throw Error(ErrorKind::kInternal, "zstd: out of memory");
}

bool BlobCodec::worthCompressing(std::string_view plaintext) {
  // Scans, photos and office documents (zip inside) are already compressed: try four
  // samples spread over the chunk at the fastest level and skip the chunk if together
  // they gain < 3 %. Spread samples catch a mailbox's text between attachments.
  if (plaintext.size() < 256) return false;
  std::size_t in = 0, out = 0;
  const std::size_t step = plaintext.size() / 4;
  for (int i = 0; i < 4; ++i) {
    auto sample = plaintext.size() <= kSample ? plaintext : plaintext.substr(i * step, kSample / 4);
    scratch_.resize(ZSTD_compressBound(sample.size()));
    auto n = ZSTD_compressCCtx(cctx_.get(), scratch_.data(), scratch_.size(), sample.data(),
                               sample.size(), 1);
    if (ZSTD_isError(n)) return false;
    in += sample.size();
    out += n;
    if (plaintext.size() <= kSample) break;
  }
  return out < in * 97 / 100;
}

BlobHeader BlobCodec::encode(const ChunkId& id, BlobType type, std::string_view plaintext,
                             std::string& out) {
  if (plaintext.size() > kMaxBlobPlain) throw Error(ErrorKind::kInternal, "blob too large");
  BlobHeader h;
  h.id = id;
  h.type = type;
  h.plainLen = static_cast<std::uint32_t>(plaintext.size());
  std::string_view payload = plaintext;
  if (level_ > 0 && worthCompressing(plaintext)) {
    scratch_.resize(ZSTD_compressBound(plaintext.size()));
    auto n = ZSTD_compressCCtx(cctx_.get(), scratch_.data(), scratch_.size(), plaintext.data(),
                               plaintext.size(), level_);
    // Keep raw data unless compression saves at least 5 % (Kopia's rule).
    if (!ZSTD_isError(n) && n < plaintext.size() * 95 / 100) {
      h.flags |= kFlagZstd;
      payload = std::string_view(scratch_.data(), n);
    }
  }
  h.storedLen = static_cast<std::uint32_t>(kNonceSize + payload.size() + kTagSize);
  appendBlobHeader(out, h);
  crypto_.seal(id, aadFor(h), payload, out);
  return h;
}

void BlobCodec::decode(const BlobHeader& h, std::string_view stored, std::string& out,
                       bool verifyId) {
  auto name = toHex(h.id);
  if (stored.size() != h.storedLen || h.plainLen > kMaxBlobPlain) {
    throw Error(ErrorKind::kBadRequest, "blob " + name + ": bad length");
  }
  auto& payload = (h.flags & kFlagZstd) ? plain_ : out;
  if (!crypto_.open(h.id, aadFor(h), stored, payload)) {
    throw Error(ErrorKind::kBadRequest,
                "blob " + name + " does not decrypt: wrong key or corrupt data");
  }
  if (h.flags & kFlagZstd) {
    out.resize(h.plainLen);
    auto n = ZSTD_decompressDCtx(dctx_.get(), out.data(), out.size(), plain_.data(), plain_.size());
    if (ZSTD_isError(n) || n != h.plainLen) {
      throw Error(ErrorKind::kBadRequest, "blob " + name + ": corrupt compressed data");
    }
  }
  if (out.size() != h.plainLen) throw Error(ErrorKind::kBadRequest, "blob " + name + ": length");
  if (verifyId && crypto_.id(out) != h.id) {
    throw Error(ErrorKind::kBadRequest, "blob " + name + ": content does not match its id");
  }
}

PackWriter::PackWriter() {
  // One allocation for the pack's life: growth by doubling would touch twice the memory.
  buf_.reserve(kPackTarget + kMaxBlobPlain / 4 + 4096);
  buf_.append(kPackMagic);
  putU32(buf_, kPackVersion);
}

void PackWriter::addEncoded(std::string_view encodedBlob, std::size_t count) {
  buf_.append(encodedBlob);
  count_ += count;
}

std::string PackWriter::finish() {
  putU32(buf_, static_cast<std::uint32_t>(count_));
  buf_.append(kPackEnd);
  std::string out;
  out.swap(buf_);
  count_ = 0;
  buf_.reserve(kPackTarget + kMaxBlobPlain / 4 + 4096);
  buf_.append(kPackMagic);
  putU32(buf_, kPackVersion);
  return out;
}

std::vector<PackEntry> parsePack(std::string_view pack, const std::string& name) {
  Reader r(pack, "pack " + name);
  if (r.take(8) != kPackMagic) r.fail("not a pack");
  if (r.u32() != kPackVersion) r.fail("unknown pack version");
  std::vector<PackEntry> entries;
  while (r.remaining() > 12) {
    PackEntry e;
    e.header.id = r.id();
    auto type = r.u8();
    if (type != 1 && type != 2) r.fail("unknown blob type");
    e.header.type = static_cast<BlobType>(type);
    e.header.flags = r.u8();
    if (e.header.flags & ~kFlagZstd) r.fail("unknown blob flags");
    r.take(2);
    e.header.plainLen = r.u32();
    e.header.storedLen = r.u32();
    if (e.header.storedLen < kNonceSize + kTagSize) r.fail("blob too short");
    e.offset = r.position();
    r.take(e.header.storedLen);
    entries.push_back(e);
  }
  if (r.u32() != entries.size()) r.fail("blob count does not match");
  if (r.take(8) != kPackEnd || r.remaining() != 0) r.fail("bad pack trailer");
  return entries;
}

std::string packName(std::string_view pack) {
  unsigned char md[32];
  unsigned int len = 0;
  if (EVP_Digest(pack.data(), pack.size(), md, &len, EVP_sha256(), nullptr) != 1) {
    throw Error(ErrorKind::kInternal, "sha256 failed");
  }
  ChunkId id;
  std::copy(md, md + 32, id.begin());
  return toHex(id);
}

}  // namespace parc::backup
