#pragma once
// One-time passwords for the console's second factor: HOTP (RFC 4226), TOTP (RFC 6238)
// and the base32 encoding (RFC 4648) that authenticator apps exchange secrets in.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parc::server::security {

enum class OtpHash { kSha1, kSha256, kSha512 };

/// What authenticator apps assume when the otpauth URI says nothing else.
struct TotpOptions {
  OtpHash hash = OtpHash::kSha1;
  int digits = 6;  // 6 or 8
  int stepSeconds = 30;
};

/// RFC 4648 base32 (A-Z, 2-7) with '=' padding omitted, as authenticator apps expect.
std::string base32Encode(std::string_view bytes);

/// Decodes base32; accepts lower case and missing (or present, trailing) padding.
/// Throws parc::Error kBadRequest on any other character or an impossible length.
std::string base32Decode(std::string_view text);

/// HOTP value of `key` (raw bytes) at `counter`, zero-padded to `digits` (6 or 8).
std::string hotp(std::string_view key, std::uint64_t counter, int digits = 6,
                 OtpHash hash = OtpHash::kSha1);

/// TOTP time step of a Unix time: floor(unixTime / stepSeconds), T0 = 0.
std::int64_t totpStep(std::int64_t unixTime, int stepSeconds = 30);

/// TOTP value of `key` (raw bytes) at a Unix time (seconds).
std::string totp(std::string_view key, std::int64_t unixTime, const TotpOptions& options = {});

/// A fresh secret: 160 random bits (RFC 4226 §4 recommends 160), base32 without padding.
std::string newTotpSecret();

/// Checks a code typed by a person against a base32 secret at `unixTime`, accepting
/// `window` steps of clock drift either side. With `lastUsedStep`, a code is refused
/// when its step is not after the last accepted one (RFC 6238 §5.2: each code once),
/// and on success the matched step is stored there for the caller to persist. The
/// server must always pass it; nullptr exists only for tests and one-off checks.
/// A wrong code is a value (false); a corrupt secret throws kBadRequest.
bool verifyTotp(std::string_view secretBase32, std::string_view code, std::int64_t unixTime,
                int window = 1, std::optional<std::int64_t>* lastUsedStep = nullptr,
                const TotpOptions& options = {});

/// The Key URI that authenticator apps read from a QR code:
/// otpauth://totp/Issuer:account?secret=…&issuer=Issuer&algorithm=SHA1&digits=6&period=30
/// with issuer and account percent-encoded (RFC 3986 unreserved characters kept).
std::string otpauthUri(std::string_view issuer, std::string_view account,
                       std::string_view secretBase32, const TotpOptions& options = {});

}  // namespace parc::server::security
