#pragma once
// Ed25519 command signing (OpenSSL 3, EVP_PKEY_ED25519), shared by the server, which
// holds the private key, and the agents, which pin its public key. Keys and signatures
// travel as lowercase hex: 32-byte public keys, 64-byte signatures.
#include <openssl/evp.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace parc::remote {

class SigningKey {
 public:
  /// A fresh random key.
  static SigningKey generate();
  /// Reads the PEM (PKCS#8) key at `path`, creating it (mode 0600) when absent.
  static SigningKey loadOrCreate(const std::filesystem::path& path);
  static SigningKey fromPem(std::string_view pem);

  std::string privatePem() const;
  /// The raw 32-byte public key in hex: what agents pin.
  std::string publicKeyHex() const;
  /// Signature over exactly these bytes, in hex.
  std::string sign(std::string_view message) const;

 private:
  struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  };
  explicit SigningKey(EVP_PKEY* key) : key_(key) {}
  std::unique_ptr<EVP_PKEY, Free> key_;
};

/// True when `signatureHex` is a valid Ed25519 signature of `message` by `publicKeyHex`.
/// Malformed keys or signatures are simply not valid (false), never a throw.
bool verifySignature(std::string_view publicKeyHex, std::string_view message,
                     std::string_view signatureHex);

/// A well-formed Ed25519 public key in hex (64 hex digits).
bool isPublicKeyHex(std::string_view text);

}  // namespace parc::remote
