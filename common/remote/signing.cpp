#include "common/remote/signing.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <optional>
#include <vector>

#include "common/crypto/x509.h"
#include "common/error.h"
#include "common/files/files.h"

namespace parc::remote {

namespace {

constexpr std::size_t kPublicKeyBytes = 32;
constexpr std::size_t kSignatureBytes = 64;

[[noreturn]] void fail(const std::string& what) {
  unsigned long code = ERR_get_error();
  std::string detail;
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    detail = std::string(": ") + buf;
  }
  ERR_clear_error();
  throw Error(ErrorKind::kInternal, what + detail);
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::string hex(const unsigned char* data, std::size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xf]);
  }
  return out;
}

std::optional<std::vector<unsigned char>> unhex(std::string_view text, std::size_t bytes) {
  if (text.size() != bytes * 2) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<unsigned char> out(bytes);
  for (std::size_t i = 0; i < bytes; ++i) {
    int hi = digit(text[2 * i]), lo = digit(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return out;
}

}  // namespace

SigningKey SigningKey::generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!key) fail("cannot generate the Ed25519 command-signing key");
  return SigningKey(key);
}

SigningKey SigningKey::fromPem(std::string_view pem) {
  crypto::PrivateKey key = crypto::privateKeyFromPem(pem);
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519)
    throw Error(ErrorKind::kBadRequest, "the command-signing key is not an Ed25519 key");
  return SigningKey(key.release());
}

SigningKey SigningKey::loadOrCreate(const std::filesystem::path& path) {
  if (auto pem = files::tryRead(path)) {
    try {
      return fromPem(*pem);
    } catch (const Error& e) {
      throw Error(ErrorKind::kInternal,
                  "command-signing key " + path.string() + " is unreadable: " + e.what());
    }
  }
  SigningKey key = generate();
  crypto::writePrivateKey(path, key.key_.get());  // 0600 from the moment it exists
  return key;
}

std::string SigningKey::privatePem() const {
  return crypto::privateKeyToPem(key_.get());
}

std::string SigningKey::publicKeyHex() const {
  unsigned char raw[kPublicKeyBytes];
  std::size_t len = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key_.get(), raw, &len) != 1 || len != kPublicKeyBytes)
    fail("cannot read the command-signing public key");
  return hex(raw, len);
}

std::string SigningKey::sign(std::string_view message) const {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx) fail("EVP_MD_CTX_new");
  // Ed25519 is a one-shot signature: no digest is named, the message is signed whole.
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1)
    fail("EVP_DigestSignInit");
  unsigned char sig[kSignatureBytes];
  std::size_t len = sizeof sig;
  if (EVP_DigestSign(ctx.get(), sig, &len, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1)
    fail("cannot sign the command");
  return hex(sig, len);
}

bool isPublicKeyHex(std::string_view text) {
  return unhex(text, kPublicKeyBytes).has_value();
}

bool verifySignature(std::string_view publicKeyHex, std::string_view message,
                     std::string_view signatureHex) {
  auto raw = unhex(publicKeyHex, kPublicKeyBytes);
  auto sig = unhex(signatureHex, kSignatureBytes);
  if (!raw || !sig) return false;
  crypto::PrivateKey key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw->data(), raw->size()));
  MdCtx ctx(EVP_MD_CTX_new());
  bool ok =
      key && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), sig->data(), sig->size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  ERR_clear_error();  // a bad signature leaves an error queued: not ours to report
  return ok;
}

}  // namespace parc::remote
