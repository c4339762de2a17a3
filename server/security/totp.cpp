#include "server/security/totp.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <memory>

#include "common/crypto/hash.h"
#include "common/error.h"
#include "common/text/percent_encoding.h"

namespace parc::server::security {

namespace {

constexpr char kBase32Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

struct MacFree {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

[[noreturn]] void opensslFailure(const std::string& what) {
  std::string detail;
  if (unsigned long code = ERR_get_error(); code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    detail = std::string(": ") + buf;
  }
  ERR_clear_error();
  throw Error(ErrorKind::kInternal, what + detail);
}

const char* digestName(OtpHash hash) {
  switch (hash) {
    case OtpHash::kSha1: return "SHA1";
    case OtpHash::kSha256: return "SHA256";
    case OtpHash::kSha512: return "SHA512";
  }
  throw Error(ErrorKind::kInternal, "unknown OTP hash");
}

std::string hmac(OtpHash hash, std::string_view key, std::string_view data) {
  std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) opensslFailure("EVP_MAC_fetch(HMAC)");
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) opensslFailure("EVP_MAC_CTX_new");
  // OSSL_PARAM wants a mutable char*; the digest name is copied into a local buffer.
  std::string digest = digestName(hash);
  std::array<OSSL_PARAM, 2> params = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest.data(), 0),
      OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   params.data()) != 1) {
    opensslFailure("HMAC init");
  }
  if (EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
      1) {
    opensslFailure("HMAC update");
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  size_t length = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &length, out.size()) != 1) {
    opensslFailure("HMAC final");
  }
  return std::string(reinterpret_cast<const char*>(out.data()), length);
}

int base32Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

void checkDigits(int digits) {
  // RFC 4226 §5.3 allows 6 to 8 digits; fewer is too guessable, more does not fit 31 bits.
  if (digits < 6 || digits > 8) {
    throw Error(ErrorKind::kBadRequest, "one-time passwords have 6 to 8 digits");
  }
}

/// Removes the blanks people type between groups ("123 456"), nothing else.
std::string withoutSpaces(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c != ' ') out.push_back(c);
  }
  return out;
}

bool isDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string base32Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32Alphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

std::string base32Decode(std::string_view text) {
  // Padding is only meaningful at the end; strip it there and refuse it anywhere else.
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  // A quantum of 8 characters holds 5 bytes; 1, 3 or 6 leftover characters cannot
  // come out of any encoder (RFC 4648 §6), so they mean a truncated or mistyped secret.
  std::size_t rest = text.size() % 8;
  if (rest == 1 || rest == 3 || rest == 6) {
    throw Error(ErrorKind::kBadRequest, "invalid base32 length");
  }
  std::string out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = base32Value(c);
    if (v < 0) throw Error(ErrorKind::kBadRequest, "invalid base32 character");
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  return out;
}

std::string hotp(std::string_view key, std::uint64_t counter, int digits, OtpHash hash) {
  checkDigits(digits);
  if (key.empty()) throw Error(ErrorKind::kBadRequest, "empty one-time password secret");
  std::array<char, 8> message{};
  for (int i = 7; i >= 0; --i) {
    message[static_cast<std::size_t>(i)] = static_cast<char>(counter & 0xff);
    counter >>= 8;
  }
  std::string mac = hmac(hash, key, std::string_view(message.data(), message.size()));
  // Dynamic truncation (RFC 4226 §5.3): 31 bits at an offset given by the last nibble.
  auto byte = [&mac](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(mac[i]));
  };
  std::size_t offset = byte(mac.size() - 1) & 0x0f;
  std::uint32_t binary = ((byte(offset) & 0x7f) << 24) | (byte(offset + 1) << 16) |
                         (byte(offset + 2) << 8) | byte(offset + 3);
  std::uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string value = std::to_string(binary % modulus);
  return std::string(static_cast<std::size_t>(digits) - value.size(), '0') + value;
}

std::int64_t totpStep(std::int64_t unixTime, int stepSeconds) {
  if (stepSeconds <= 0) throw Error(ErrorKind::kBadRequest, "TOTP step must be positive");
  std::int64_t step = unixTime / stepSeconds;
  // Floor, not truncation toward zero, so that steps are contiguous around 0.
  if (unixTime % stepSeconds != 0 && unixTime < 0) --step;
  return step;
}

std::string totp(std::string_view key, std::int64_t unixTime, const TotpOptions& options) {
  std::int64_t step = totpStep(unixTime, options.stepSeconds);
  if (step < 0) throw Error(ErrorKind::kBadRequest, "TOTP time before 1970");
  return hotp(key, static_cast<std::uint64_t>(step), options.digits, options.hash);
}

std::string newTotpSecret() {
  crypto::Bytes random = crypto::randomBytes(20);
  return base32Encode(
      std::string_view(reinterpret_cast<const char*>(random.data()), random.size()));
}

bool verifyTotp(std::string_view secretBase32, std::string_view code, std::int64_t unixTime,
                int window, std::optional<std::int64_t>* lastUsedStep, const TotpOptions& options) {
  // A wide window turns a 6-digit code into a guessable one: RFC 6238 §5.2 advises at
  // most one step back; 10 is a hard ceiling against misconfiguration.
  if (window < 0 || window > 10) throw Error(ErrorKind::kInternal, "invalid TOTP window");
  checkDigits(options.digits);
  std::string key = base32Decode(secretBase32);
  std::string typed = withoutSpaces(code);
  if (typed.size() != static_cast<std::size_t>(options.digits) || !isDigits(typed)) return false;

  std::int64_t now = totpStep(unixTime, options.stepSeconds);
  std::optional<std::int64_t> matched;
  // Every step of the window is computed, whatever matches, so that the time taken
  // does not say which step (or whether any) matched.
  for (std::int64_t step = now - window; step <= now + window; ++step) {
    if (step < 0) continue;
    std::string expected =
        hotp(key, static_cast<std::uint64_t>(step), options.digits, options.hash);
    bool fresh = lastUsedStep == nullptr || !lastUsedStep->has_value() || step > **lastUsedStep;
    if (crypto::constantTimeEquals(expected, typed) && fresh && !matched) matched = step;
  }
  if (!matched) return false;
  if (lastUsedStep != nullptr) *lastUsedStep = *matched;
  return true;
}

std::string otpauthUri(std::string_view issuer, std::string_view account,
                       std::string_view secretBase32, const TotpOptions& options) {
  checkDigits(options.digits);
  std::string secret(secretBase32);
  while (!secret.empty() && secret.back() == '=') secret.pop_back();
  for (char& c : secret) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  base32Decode(secret);  // refuses a secret an app could not read
  std::string algorithm = digestName(options.hash);
  // The Key URI format's label is "Issuer:account"; the issuer is repeated as a
  // parameter because some apps read only one of the two.
  return "otpauth://totp/" + percentEncode(issuer) + ":" + percentEncode(account) +
         "?secret=" + secret + "&issuer=" + percentEncode(issuer) + "&algorithm=" + algorithm +
         "&digits=" + std::to_string(options.digits) +
         "&period=" + std::to_string(options.stepSeconds);
}

}  // namespace parc::server::security
