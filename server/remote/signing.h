#pragma once
// The server's command-signing key (Ed25519), created on first start beside the CA files
// (`<data>/tls/command-signing.key`, 0600). Agents pin its public key; every script run
// is an envelope signed with it (common/remote/envelope.h).
#include <filesystem>
#include <string>

#include "common/remote/envelope.h"
#include "common/remote/signing.h"

namespace parc::server::remote {

class CommandSigner {
 public:
  explicit CommandSigner(const std::filesystem::path& keyFile);
  const std::string& publicKeyHex() const { return publicKey_; }
  /// The envelope as JSON text, signed, with the public key for agents to pin.
  parc::remote::SignedScript sign(const parc::remote::ScriptEnvelope& envelope) const;

 private:
  parc::remote::SigningKey key_;
  std::string publicKey_;
};

}  // namespace parc::server::remote
