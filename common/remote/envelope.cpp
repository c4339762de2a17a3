#include "common/remote/envelope.h"

#include "common/crypto/hash.h"
#include "common/error.h"
#include "common/remote/signing.h"

namespace parc::remote {

namespace {

template <typename T>
T field(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) throw Error(ErrorKind::kBadRequest, std::string("envelope: missing ") + key);
  try {
    return it->get<T>();
  } catch (const Json::exception&) {
    throw Error(ErrorKind::kBadRequest, std::string("envelope: bad ") + key);
  }
}

bool isHex(const std::string& s, std::size_t len) {
  return s.size() == len && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

Json toJson(const ScriptEnvelope& e) {
  return Json{{"v", kEnvelopeVersion},           {"script_name", e.scriptName},
              {"language", e.language},          {"body", e.body},
              {"script_sha256", e.scriptSha256}, {"host_id", e.hostId},
              {"tenant_id", e.tenantId},         {"issued_at", e.issuedAt},
              {"expires_at", e.expiresAt},       {"nonce", e.nonce},
              {"issued_by", e.issuedBy},         {"timeout_seconds", e.timeoutSeconds}};
}

ScriptEnvelope envelopeFromJson(const Json& j) {
  if (!j.is_object()) throw Error(ErrorKind::kBadRequest, "envelope: not an object");
  if (field<int>(j, "v") != kEnvelopeVersion)
    throw Error(ErrorKind::kBadRequest, "envelope: unknown version");
  ScriptEnvelope e;
  e.scriptName = field<std::string>(j, "script_name");
  e.language = field<std::string>(j, "language");
  e.body = field<std::string>(j, "body");
  e.scriptSha256 = field<std::string>(j, "script_sha256");
  e.hostId = field<std::int64_t>(j, "host_id");
  e.tenantId = field<std::int64_t>(j, "tenant_id");
  e.issuedAt = field<std::int64_t>(j, "issued_at");
  e.expiresAt = field<std::int64_t>(j, "expires_at");
  e.nonce = field<std::string>(j, "nonce");
  e.issuedBy = field<std::string>(j, "issued_by");
  e.timeoutSeconds = field<int>(j, "timeout_seconds");
  return e;
}

Json toJson(const SignedScript& s) {
  return Json{{"envelope", s.envelope}, {"signature", s.signature}, {"signer_key", s.signerKey}};
}

SignedScript signedScriptFromJson(const Json& j) {
  if (!j.is_object()) throw Error(ErrorKind::kBadRequest, "script_run: payload is not an object");
  SignedScript s;
  s.envelope = field<std::string>(j, "envelope");
  s.signature = field<std::string>(j, "signature");
  s.signerKey = j.value("signer_key", "");
  return s;
}

Checked checkSignedScript(const SignedScript& s, const Expectation& expect) {
  Checked c;
  auto refuse = [&c](std::string why) {
    c.accepted = false;
    c.reason = std::move(why);
    return c;
  };
  // JSON escaping at most doubles a text body (newlines, quotes); control bytes are refused.
  if (s.envelope.size() > 2 * kMaxScriptBytes + 4096) return refuse("envelope too large");
  if (!verifySignature(expect.pinnedKey, s.envelope, s.signature))
    return refuse("bad signature: not signed by the pinned command-signing key");
  try {
    c.envelope = envelopeFromJson(parseJson(s.envelope));
  } catch (const Error& e) {
    return refuse(e.what());
  }
  const ScriptEnvelope& e = c.envelope;
  if (e.language != "sh") return refuse("unsupported script language '" + e.language + "'");
  if (!isHex(e.scriptSha256, 64) || crypto::sha256Hex(e.body) != e.scriptSha256)
    return refuse("script body does not match its SHA-256");
  if (e.hostId != expect.hostId)
    return refuse("wrong target: envelope is for host " + std::to_string(e.hostId) +
                  ", this is host " + std::to_string(expect.hostId));
  if (e.expiresAt < expect.now) return refuse("envelope expired");
  if (e.expiresAt - expect.now > kMaxEnvelopeLifetime || e.issuedAt > expect.now + 300)
    return refuse("envelope validity out of bounds (clock skew or forged lifetime)");
  if (!isHex(e.nonce, 32)) return refuse("malformed nonce");
  if (e.timeoutSeconds < 1 || e.timeoutSeconds > 3600) return refuse("bad timeout");
  c.accepted = true;
  return c;
}

std::string newNonce() {
  return crypto::toHex(crypto::randomBytes(16));
}

}  // namespace parc::remote
