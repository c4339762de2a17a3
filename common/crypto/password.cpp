#include "common/crypto/password.h"

#include <argon2.h>

#include "common/crypto/hash.h"
#include "common/error.h"

namespace parc::crypto {

namespace {
constexpr uint32_t kTimeCost = 3;
constexpr uint32_t kMemoryKiB = 64 * 1024;
constexpr uint32_t kParallelism = 1;
constexpr size_t kSaltLen = 16;
constexpr size_t kHashLen = 32;
}  // namespace

std::string hashPassword(std::string_view password) {
  Bytes salt = randomBytes(kSaltLen);
  size_t encodedLen =
      argon2_encodedlen(kTimeCost, kMemoryKiB, kParallelism, kSaltLen, kHashLen, Argon2_id);
  std::string encoded(encodedLen, '\0');
  int rc =
      argon2id_hash_encoded(kTimeCost, kMemoryKiB, kParallelism, password.data(), password.size(),
                            salt.data(), salt.size(), kHashLen, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    throw Error(ErrorKind::kInternal, std::string("argon2id: ") + argon2_error_message(rc));
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool verifyPassword(std::string_view password, const std::string& encoded) {
  if (encoded.rfind("$argon2id$", 0) != 0) return false;
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

std::string generatePassword() {
  static constexpr char kAlphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  constexpr size_t kAlphabetSize = sizeof(kAlphabet) - 1;
  std::string out;
  while (out.size() < 20) {
    for (auto b : randomBytes(32)) {
      // Rejection sampling keeps the distribution uniform.
      if (b < 256 - (256 % kAlphabetSize) && out.size() < 20) out += kAlphabet[b % kAlphabetSize];
    }
  }
  return out;
}

}  // namespace parc::crypto
