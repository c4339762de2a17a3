#pragma once
// Password hashing with argon2id (RFC 9106), encoded in the PHC string format.
#include <string>
#include <string_view>

namespace parc::crypto {

/// argon2id, t=3, m=64 MiB, p=1 (RFC 9106's second recommended option), 16-byte salt.
std::string hashPassword(std::string_view password);

/// True when the password matches the encoded hash; false for any malformed hash.
bool verifyPassword(std::string_view password, const std::string& encoded);

/// A random password for the initial admin account: 20 characters, no look-alikes.
std::string generatePassword();

}  // namespace parc::crypto
