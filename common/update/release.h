#pragma once
// Signed agent releases (docs/operations.md, "Agent self-update"). A release manifest
// names one package file by version, architecture, size and SHA-256; it is signed with
// an offline Ed25519 release key — never a key the server holds — so that a compromised
// server can only offer packages the cooperative released. Several keys may be trusted
// at once (rotation). The signature covers the manifest's exact JSON text, which travels
// as a string: no canonical form is needed.
//
//   {"manifest": "{\"v\":1,\"package\":\"parc-agent\",\"version\":\"0.2.0\",…}",
//    "signatures": [{"key": "<ed25519 public key, hex>", "signature": "<hex>"}]}
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json/json.h"

namespace parc::remote {
class SigningKey;
}

namespace parc::update {

struct Release {
  std::string package = "parc-agent";
  std::string version;
  std::string architecture;  // Debian's: amd64, arm64, i386
  std::string sha256;        // of the package file, hex
  std::int64_t size = 0;
  std::int64_t releasedAt = 0;
};

struct Signature {
  std::string key;  // Ed25519 public key, hex
  std::string signature;
};

struct SignedRelease {
  std::string manifest;  // the exact signed text
  std::vector<Signature> signatures;
  Release release;  // parsed from `manifest`
};

/// Signs a release with one key (more signatures may be appended by other keys).
SignedRelease signRelease(const Release& release, const remote::SigningKey& key);
/// Adds `key`'s signature over the same manifest text.
void addSignature(SignedRelease& signedRelease, const remote::SigningKey& key);

Json toJson(const SignedRelease& r);
/// Reads a signed release; kBadRequest when malformed (the manifest is parsed and its
/// fields checked, signatures are NOT verified here: see trustedSigner).
SignedRelease parseSignedRelease(const Json& j);

/// The first trusted key whose signature over the manifest is valid; nullopt when no
/// signature by a trusted key verifies (unsigned, unknown key, tampered manifest).
std::optional<std::string> trustedSigner(const SignedRelease& r,
                                         const std::vector<std::string>& trustedKeys);

/// Compares versions "1.2.10" > "1.2.9", numerically per dot-separated part; a suffix
/// after '~' sorts before the release ("1.0~rc1" < "1.0"), as in Debian.
int compareVersions(const std::string& a, const std::string& b);
/// Versions made of digits, dots, and an optional "~" suffix of [a-z0-9.]: what a
/// manifest may carry (it ends up in file names and command lines).
bool isValidVersion(const std::string& v);

/// The Debian architecture this build runs on ("amd64", "arm64", …).
std::string hostArchitecture();

}  // namespace parc::update
