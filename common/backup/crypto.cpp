#include "common/backup/crypto.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "common/error.h"

namespace parc::backup {
namespace {

struct KdfFree {
  void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* k) const { EVP_KDF_CTX_free(k); }
};
struct MacFree {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

// OpenSSL reports through a thread-local queue: drain it into the message.
[[noreturn]] void fail(const std::string& what) {
  std::string detail;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    detail += detail.empty() ? ": " : "; ";
    detail += buf;
  }
  throw Error(ErrorKind::kInternal, what + detail);
}

const unsigned char* u8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string_view view(const Key& k) {
  return {reinterpret_cast<const char*>(k.data()), k.size()};
}

Key toKey(std::string_view s) {
  Key k;
  std::copy(s.begin(), s.begin() + 32, k.begin());
  return k;
}

std::unique_ptr<EVP_MAC_CTX, MacCtxFree> newHmac(const Key& key) {
  std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) fail("HMAC unavailable");
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(mac.get()));
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1) fail("HMAC init");
  return ctx;
}

ChunkId macOnce(EVP_MAC_CTX* ctx, std::string_view data) {
  // Re-initialising with a null key keeps the key already set: no per-chunk fetch.
  ChunkId out;
  std::size_t len = 0;
  if (EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(ctx, u8(data), data.size()) != 1 ||
      EVP_MAC_final(ctx, out.data(), &len, out.size()) != 1 || len != 32) {
    fail("HMAC-SHA-256");
  }
  return out;
}

void gcm(EVP_CIPHER_CTX* ctx, bool encrypt, const Key& key, std::string_view nonce,
         std::string_view aad, std::string_view in, unsigned char* out) {
  int len = 0;
  if (EVP_CipherInit_ex2(ctx, EVP_aes_256_gcm(), key.data(), u8(nonce), encrypt ? 1 : 0, nullptr) !=
          1 ||
      EVP_CipherUpdate(ctx, nullptr, &len, u8(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_CipherUpdate(ctx, out, &len, u8(in), static_cast<int>(in.size())) != 1) {
    fail("AES-256-GCM");
  }
}

std::unique_ptr<EVP_PKEY, PkeyFree> readPem(std::string_view pem, bool isPrivate) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* k = isPrivate ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                          : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  ERR_clear_error();
  if (!k || EVP_PKEY_get_id(k) != EVP_PKEY_X25519) {
    EVP_PKEY_free(k);
    throw Error(ErrorKind::kBadRequest,
                std::string("not an X25519 ") + (isPrivate ? "private" : "public") + " key (PEM)");
  }
  return std::unique_ptr<EVP_PKEY, PkeyFree>(k);
}

std::string rawPublic(EVP_PKEY* k) {
  std::string out(32, '\0');
  std::size_t len = 32;
  if (EVP_PKEY_get_raw_public_key(k, reinterpret_cast<unsigned char*>(out.data()), &len) != 1)
    fail("X25519 public key");
  return out;
}

std::string x25519(EVP_PKEY* mine, EVP_PKEY* peer) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new(mine, nullptr));
  std::size_t len = 32;
  std::string shared(32, '\0');
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer) != 1 ||
      EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(shared.data()), &len) != 1) {
    fail("X25519 key agreement");
  }
  return shared;
}

std::string hex(std::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

std::optional<std::string> unhex(std::string_view h) {
  if (h.size() % 2) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < h.size(); i += 2) {
    int v = 0;
    for (char c : h.substr(i, 2)) {
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= c - '0';
      else if (c >= 'a' && c <= 'f')
        v |= c - 'a' + 10;
      else
        return std::nullopt;
    }
    out.push_back(static_cast<char>(v));
  }
  return out;
}

constexpr std::string_view kRecoveryInfo = "parc backup recovery wrap v1";
constexpr std::string_view kKeyFileHeader = "parc-backup-key v1\n";

}  // namespace

std::string hkdfSha256(std::string_view ikm, std::string_view salt, std::string_view info,
                       std::size_t length) {
  std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) fail("HKDF unavailable");
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf.get()));
  char digest[] = "SHA256";
  OSSL_PARAM params[5];
  int n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(ikm.data()),
                                                  ikm.size());
  if (!salt.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                                    const_cast<char*>(salt.data()), salt.size());
  }
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                                  const_cast<char*>(info.data()), info.size());
  params[n] = OSSL_PARAM_construct_end();
  std::string out(length, '\0');
  if (!ctx ||
      EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), length, params) != 1)
    fail("HKDF-SHA-256");
  return out;
}

ChunkId hmacSha256(const Key& key, std::string_view data) {
  auto ctx = newHmac(key);
  return macOnce(ctx.get(), data);
}

std::string aesGcmSeal(const Key& key, std::string_view nonce, std::string_view aad,
                       std::string_view plaintext) {
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
  std::string out(plaintext.size() + kTagSize, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  gcm(ctx.get(), true, key, nonce, aad, plaintext, o);
  int len = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), o + plaintext.size(), &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, o + plaintext.size()) != 1)
    fail("AES-256-GCM");
  return out;
}

std::optional<std::string> aesGcmOpen(const Key& key, std::string_view nonce, std::string_view aad,
                                      std::string_view sealed) {
  if (sealed.size() < kTagSize) return std::nullopt;
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
  auto body = sealed.substr(0, sealed.size() - kTagSize);
  std::string out(body.size(), '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  gcm(ctx.get(), false, key, nonce, aad, body, o);
  std::string tag(sealed.substr(body.size()));
  int len = 0;
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) != 1)
    fail("AES-256-GCM");
  if (EVP_DecryptFinal_ex(ctx.get(), o + body.size(), &len) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  return out;
}

TenantKeys TenantKeys::derive(const Key& master) {
  TenantKeys k;
  k.master = master;
  auto sub = [&](std::string_view label) {
    return toKey(hkdfSha256(view(master), "parc backup", label, 32));
  };
  k.id = sub("chunk id");
  k.enc = sub("chunk encryption");
  k.chunker = sub("chunker gear table");
  k.meta = sub("metadata");
  return k;
}

TenantKeys TenantKeys::generate() {
  Key master;
  if (RAND_bytes(master.data(), 32) != 1) fail("random generator");
  return derive(master);
}

std::string TenantKeys::keyCheck() const {
  return toHex(hmacSha256(meta, "parc backup key check v1"));
}

std::string encodeKeyFile(const Key& master) {
  return std::string(kKeyFileHeader) + hex(view(master)) + "\n";
}

Key decodeKeyFile(std::string_view text) {
  if (text.substr(0, kKeyFileHeader.size()) != kKeyFileHeader) {
    throw Error(ErrorKind::kBadRequest, "not a Parc backup key file");
  }
  auto body = text.substr(kKeyFileHeader.size());
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.remove_suffix(1);
  auto raw = unhex(body);
  if (!raw || raw->size() != 32) throw Error(ErrorKind::kBadRequest, "corrupt backup key file");
  return toKey(*raw);
}

RecoveryKeyPair generateRecoveryKey() {
  std::unique_ptr<EVP_PKEY, PkeyFree> k(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  if (!k) fail("X25519 key generation");
  RecoveryKeyPair out;
  for (bool priv : {true, false}) {
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    int ok =
        priv ? PEM_write_bio_PrivateKey(bio.get(), k.get(), nullptr, nullptr, 0, nullptr, nullptr)
             : PEM_write_bio_PUBKEY(bio.get(), k.get());
    if (ok != 1) fail("PEM encoding");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    (priv ? out.privatePem : out.publicPem).assign(data, static_cast<std::size_t>(len));
  }
  return out;
}

std::string wrapForRecovery(const Key& master, std::string_view recoveryPublicPem) {
  auto recipient = readPem(recoveryPublicPem, false);
  std::unique_ptr<EVP_PKEY, PkeyFree> eph(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  if (!eph) fail("X25519 key generation");
  auto ephPub = rawPublic(eph.get());
  auto context = ephPub + rawPublic(recipient.get());
  auto kek = toKey(hkdfSha256(x25519(eph.get(), recipient.get()), context, kRecoveryInfo, 32));
  std::string nonce(kNonceSize, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), kNonceSize) != 1)
    fail("random generator");
  return hex(ephPub + nonce + aesGcmSeal(kek, nonce, kRecoveryInfo, view(master)));
}

Key unwrapWithRecovery(std::string_view wrapped, std::string_view recoveryPrivatePem) {
  auto me = readPem(recoveryPrivatePem, true);
  auto raw = unhex(wrapped);
  if (!raw || raw->size() != 32 + kNonceSize + 32 + kTagSize) {
    throw Error(ErrorKind::kBadRequest, "corrupt recovery wrap");
  }
  std::string_view r(*raw);
  auto ephPub = r.substr(0, 32);
  std::unique_ptr<EVP_PKEY, PkeyFree> eph(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, u8(ephPub), ephPub.size()));
  if (!eph) fail("X25519 public key");
  auto context = std::string(ephPub) + rawPublic(me.get());
  auto kek = toKey(hkdfSha256(x25519(me.get(), eph.get()), context, kRecoveryInfo, 32));
  auto master = aesGcmOpen(kek, r.substr(32, kNonceSize), kRecoveryInfo, r.substr(32 + kNonceSize));
  if (!master) throw Error(ErrorKind::kUnauthorized, "the recovery key does not open this wrap");
  return toKey(*master);
}

ChunkCrypto::ChunkCrypto(const TenantKeys& keys)
    : keys_(keys),
      idMac_(newHmac(keys.id)),
      encMac_(newHmac(keys.enc)),
      cipher_(EVP_CIPHER_CTX_new()) {
  if (!cipher_) fail("cipher context");
}

ChunkId ChunkCrypto::id(std::string_view plaintext) {
  return macOnce(idMac_.get(), plaintext);
}

Key ChunkCrypto::chunkKey(const ChunkId& id) {
  // Kopia's scheme: a key per chunk, so a random 96-bit nonce never nears GCM's limits.
  return macOnce(encMac_.get(), {reinterpret_cast<const char*>(id.data()), id.size()});
}

void ChunkCrypto::seal(const ChunkId& id, std::string_view aad, std::string_view payload,
                       std::string& out) {
  auto key = chunkKey(id);
  auto start = out.size();
  out.resize(start + kNonceSize + payload.size() + kTagSize);
  auto* o = reinterpret_cast<unsigned char*>(out.data()) + start;
  if (RAND_bytes(o, kNonceSize) != 1) fail("random generator");
  std::string_view nonce(reinterpret_cast<const char*>(o), kNonceSize);
  gcm(cipher_.get(), true, key, nonce, aad, payload, o + kNonceSize);
  int len = 0;
  auto* tag = o + kNonceSize + payload.size();
  if (EVP_EncryptFinal_ex(cipher_.get(), tag, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(cipher_.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, tag) != 1)
    fail("AES-256-GCM");
}

bool ChunkCrypto::open(const ChunkId& id, std::string_view aad, std::string_view stored,
                       std::string& out) {
  if (stored.size() < kNonceSize + kTagSize) return false;
  auto key = chunkKey(id);
  auto nonce = stored.substr(0, kNonceSize);
  auto body = stored.substr(kNonceSize, stored.size() - kNonceSize - kTagSize);
  std::string tag(stored.substr(stored.size() - kTagSize));
  out.resize(body.size());
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  gcm(cipher_.get(), false, key, nonce, aad, body, o);
  int len = 0;
  if (EVP_CIPHER_CTX_ctrl(cipher_.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) != 1)
    fail("AES-256-GCM");
  if (EVP_DecryptFinal_ex(cipher_.get(), o + body.size(), &len) != 1) {
    ERR_clear_error();
    return false;
  }
  return true;
}

}  // namespace parc::backup
