#pragma once
// A script execution as the server signs it and the agent checks it (docs/remote-support.md,
// "Scripts and the command-signing key"). The server signs the envelope's exact JSON text;
// the agent verifies those bytes before parsing them, so no canonical form is needed.
//
// The `script_run` control command carries
//   {"envelope": "<JSON text>", "signature": "<hex>", "signer_key": "<hex>"}
#include <cstdint>
#include <string>

#include "common/json/json.h"

namespace parc::remote {

inline constexpr int kEnvelopeVersion = 1;
/// The agent refuses an envelope valid for longer than this: it bounds the nonce cache.
inline constexpr std::int64_t kMaxEnvelopeLifetime = 15 * 60;
inline constexpr std::size_t kMaxScriptBytes = 256 * 1024;

struct ScriptEnvelope {
  std::string scriptName;
  std::string language = "sh";
  std::string body;
  std::string scriptSha256;  // of `body`, hex
  std::int64_t hostId = 0;   // the target: the host id the agent was enrolled as
  std::int64_t tenantId = 0;
  std::int64_t issuedAt = 0;
  std::int64_t expiresAt = 0;
  std::string nonce;     // 128 random bits, hex; never accepted twice by one agent
  std::string issuedBy;  // "user:alice"
  int timeoutSeconds = 60;
};

Json toJson(const ScriptEnvelope& e);
/// kBadRequest when a field is missing or of the wrong type.
ScriptEnvelope envelopeFromJson(const Json& j);

struct SignedScript {
  std::string envelope;  // the JSON text that was signed
  std::string signature;
  std::string signerKey;
};

Json toJson(const SignedScript& s);
SignedScript signedScriptFromJson(const Json& j);

/// What the agent expects of an envelope besides a nonce it has not seen.
struct Expectation {
  std::string pinnedKey;  // hex public key the agent trusts
  std::int64_t hostId = 0;
  std::int64_t now = 0;
};

struct Checked {
  bool accepted = false;
  std::string reason;  // why it was refused, for the reply and the audit
  ScriptEnvelope envelope;
};

/// Signature (by the pinned key), then the envelope's form, body hash, target and
/// validity window. The nonce is the caller's to check: it needs the agent's memory.
Checked checkSignedScript(const SignedScript& s, const Expectation& expect);

/// A fresh nonce (128 random bits in hex).
std::string newNonce();

}  // namespace parc::remote
