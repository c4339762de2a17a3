#pragma once
// Digests, randomness and encodings, all from OpenSSL.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parc::crypto {

using Bytes = std::vector<std::uint8_t>;

/// Cryptographically secure random bytes (RAND_bytes); throws if the generator fails.
Bytes randomBytes(size_t n);

Bytes sha256(std::string_view data);
std::string sha256Hex(std::string_view data);

std::string toHex(const Bytes& bytes);
std::string base64UrlEncode(const Bytes& bytes);

/// Compares in time independent of where the inputs differ.
bool constantTimeEquals(std::string_view a, std::string_view b);

/// A fresh bearer secret: `<prefix>_` followed by 256 random bits in base64url.
std::string generateSecret(std::string_view prefix);

/// What the server stores for a high-entropy secret (SHA-256, hex): the secret
/// itself is never stored, so a stolen database does not give working tokens.
std::string hashSecret(std::string_view secret);

/// A fresh UUID version 4, lowercase with hyphens.
std::string uuid4();

}  // namespace parc::crypto
