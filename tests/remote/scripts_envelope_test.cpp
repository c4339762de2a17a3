// Envelopes of signed scripts: every way of getting one wrong is refused with its reason.
#include <gtest/gtest.h>

#include "common/crypto/hash.h"
#include "common/remote/envelope.h"
#include "common/remote/signing.h"

namespace parc::remote {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;

class Envelope : public ::testing::Test {
 protected:
  ScriptEnvelope envelope() const {
    ScriptEnvelope e;
    e.scriptName = "vider-cache";
    e.body = "echo bonjour\n";
    e.scriptSha256 = crypto::sha256Hex(e.body);
    e.hostId = 7;
    e.tenantId = 1;
    e.issuedAt = kNow;
    e.expiresAt = kNow + 120;
    e.nonce = newNonce();
    e.issuedBy = "user:alice";
    e.timeoutSeconds = 30;
    return e;
  }
  SignedScript sign(const ScriptEnvelope& e, const SigningKey& k) const {
    SignedScript s;
    s.envelope = toJson(e).dump();
    s.signature = k.sign(s.envelope);
    s.signerKey = k.publicKeyHex();
    return s;
  }
  Checked check(const SignedScript& s, std::int64_t now = kNow) const {
    return checkSignedScript(s, {key.publicKeyHex(), 7, now});
  }
  SigningKey key = SigningKey::generate();
};

TEST_F(Envelope, ValidEnvelopeIsAccepted) {
  auto c = check(sign(envelope(), key));
  EXPECT_TRUE(c.accepted) << c.reason;
  EXPECT_EQ(c.envelope.body, "echo bonjour\n");
  EXPECT_EQ(c.envelope.issuedBy, "user:alice");
}

TEST_F(Envelope, KeysRoundTripThroughPem) {
  SigningKey again = SigningKey::fromPem(key.privatePem());
  EXPECT_EQ(again.publicKeyHex(), key.publicKeyHex());
  EXPECT_TRUE(check(sign(envelope(), again)).accepted);
  EXPECT_EQ(key.publicKeyHex().size(), 64u);
  EXPECT_TRUE(isPublicKeyHex(key.publicKeyHex()));
}

TEST_F(Envelope, SignatureByAnotherKeyIsRefused) {
  SigningKey other = SigningKey::generate();
  auto s = sign(envelope(), other);
  s.signerKey = key.publicKeyHex();  // claiming to be the pinned key changes nothing
  auto c = check(s);
  EXPECT_FALSE(c.accepted);
  EXPECT_NE(c.reason.find("bad signature"), std::string::npos) << c.reason;
}

TEST_F(Envelope, TamperedEnvelopeIsRefused) {
  auto s = sign(envelope(), key);
  auto at = s.envelope.find("bonjour");
  s.envelope.replace(at, 7, "rm -rf");  // a different body under the same signature
  EXPECT_FALSE(check(s).accepted);
  auto flipped = sign(envelope(), key);
  flipped.signature[10] = flipped.signature[10] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(check(flipped).accepted);
  auto garbage = sign(envelope(), key);
  garbage.signature = "zz";
  EXPECT_FALSE(check(garbage).accepted);
}

TEST_F(Envelope, BodyNotMatchingItsHashIsRefused) {
  auto e = envelope();
  e.body = "echo autre chose\n";  // signed, but the hash names another body
  auto c = check(sign(e, key));
  EXPECT_FALSE(c.accepted);
  EXPECT_NE(c.reason.find("SHA-256"), std::string::npos) << c.reason;
}

TEST_F(Envelope, WrongTargetIsRefused) {
  auto e = envelope();
  e.hostId = 8;
  auto c = check(sign(e, key));
  EXPECT_FALSE(c.accepted);
  EXPECT_NE(c.reason.find("wrong target"), std::string::npos) << c.reason;
}

TEST_F(Envelope, ExpiredEnvelopeIsRefused) {
  auto c = check(sign(envelope(), key), kNow + 121);
  EXPECT_FALSE(c.accepted);
  EXPECT_EQ(c.reason, "envelope expired");
}

TEST_F(Envelope, OverlongLifetimeIsRefused) {
  auto e = envelope();
  e.expiresAt = kNow + kMaxEnvelopeLifetime + 60;  // would outlive the nonce memory
  EXPECT_FALSE(check(sign(e, key)).accepted);
}

TEST_F(Envelope, OtherLanguagesAndMalformedNoncesAreRefused) {
  auto e = envelope();
  e.language = "powershell";
  EXPECT_FALSE(check(sign(e, key)).accepted);
  e = envelope();
  e.nonce = "1234";
  EXPECT_FALSE(check(sign(e, key)).accepted);
}

TEST_F(Envelope, MalformedKeysAreNotValidNotThrown) {
  EXPECT_FALSE(verifySignature("", "x", ""));
  EXPECT_FALSE(verifySignature(std::string(64, 'g'), "x", std::string(128, '0')));
  EXPECT_FALSE(isPublicKeyHex("abc"));
}

}  // namespace
}  // namespace parc::remote
