#pragma once
// The backup's cryptography, all OpenSSL 3 EVP: HKDF key derivation, HMAC-SHA-256 chunk
// ids, AES-256-GCM sealing, and X25519 wrapping of the tenant key for offline recovery.
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/backup/bytes.h"

namespace parc::backup {

using Key = std::array<std::uint8_t, 32>;
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;

/// HKDF-SHA-256 (RFC 5869) output of `length` bytes.
std::string hkdfSha256(std::string_view ikm, std::string_view salt, std::string_view info,
                       std::size_t length);
ChunkId hmacSha256(const Key& key, std::string_view data);
/// AES-256-GCM: returns ciphertext followed by the 16-byte tag.
std::string aesGcmSeal(const Key& key, std::string_view nonce, std::string_view aad,
                       std::string_view plaintext);
/// nullopt when the tag does not verify (wrong key, tampered data): an expected outcome.
std::optional<std::string> aesGcmOpen(const Key& key, std::string_view nonce, std::string_view aad,
                                      std::string_view sealed);

/// The tenant's master key and the independent keys derived from it, so that the chunk
/// ids, the chunker and the ciphertexts never share a key.
struct TenantKeys {
  Key master{};
  Key id{};       // chunk ids (HMAC)
  Key enc{};      // per-chunk encryption keys are HMAC(enc, chunk id)
  Key chunker{};  // seeds the gear table: boundaries do not reveal content to the server
  Key meta{};     // key check and snapshot metadata

  static TenantKeys derive(const Key& master);
  static TenantKeys generate();
  /// A public value that tells whether a key matches a repository (HMAC of a label).
  std::string keyCheck() const;
};

/// The agent's key file: the tenant key in hex with a version line. 0600 on disk.
std::string encodeKeyFile(const Key& master);
/// Throws parc::Error kBadRequest for anything that is not a key file.
Key decodeKeyFile(std::string_view text);

/// Offline recovery key pair (X25519), PEM. The private half stays with the cooperative.
struct RecoveryKeyPair {
  std::string privatePem;
  std::string publicPem;
};
RecoveryKeyPair generateRecoveryKey();
/// ECIES: ephemeral X25519 + HKDF + AES-256-GCM; output is self-contained (hex text).
std::string wrapForRecovery(const Key& master, std::string_view recoveryPublicPem);
/// Throws parc::Error kUnauthorized when the private key does not open the wrap.
Key unwrapWithRecovery(std::string_view wrapped, std::string_view recoveryPrivatePem);

struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

/// Per-thread crypto state for chunks (not thread-safe; one per worker): the HMAC and
/// cipher contexts are kept between chunks instead of being fetched every time.
class ChunkCrypto {
 public:
  explicit ChunkCrypto(const TenantKeys& keys);
  ChunkId id(std::string_view plaintext);
  /// nonce || AES-256-GCM(HMAC(enc, id), aad, payload) || tag, appended to `out`.
  void seal(const ChunkId& id, std::string_view aad, std::string_view payload, std::string& out);
  /// False when the tag does not verify.
  bool open(const ChunkId& id, std::string_view aad, std::string_view stored, std::string& out);

 private:
  Key chunkKey(const ChunkId& id);
  const TenantKeys& keys_;
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> idMac_;
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> encMac_;
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> cipher_;
};

}  // namespace parc::backup
