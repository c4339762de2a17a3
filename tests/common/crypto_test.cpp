#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <regex>
#include <set>

#include "common/crypto/hash.h"
#include "common/crypto/password.h"
#include "common/crypto/x509.h"
#include "common/error.h"

namespace parc::crypto {
namespace {

TEST(Hash, Sha256KnownVector) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hash, Base64UrlHasNoPaddingAndRoundsAllLengths) {
  EXPECT_EQ(base64UrlEncode({}), "");
  EXPECT_EQ(base64UrlEncode({0xfb}), "-w");
  EXPECT_EQ(base64UrlEncode({0xfb, 0xff}), "-_8");
  EXPECT_EQ(base64UrlEncode({'a', 'b', 'c'}), "YWJj");
}

TEST(Hash, SecretsAreDistinctPrefixedAndHashedStably) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(generateSecret("parc_enr"));
  EXPECT_EQ(seen.size(), 100u);
  auto s = *seen.begin();
  EXPECT_EQ(s.rfind("parc_enr_", 0), 0u);
  EXPECT_EQ(s.size(), 9u + 43u);  // 32 bytes in base64url
  EXPECT_EQ(hashSecret(s), hashSecret(s));
  EXPECT_NE(hashSecret(s), s);
}

TEST(Hash, Uuid4Format) {
  std::regex re("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(std::regex_match(uuid4(), re));
}

TEST(Hash, ConstantTimeEquals) {
  EXPECT_TRUE(constantTimeEquals("abc", "abc"));
  EXPECT_FALSE(constantTimeEquals("abc", "abd"));
  EXPECT_FALSE(constantTimeEquals("abc", "abcd"));
}

TEST(Password, Argon2idRoundTrip) {
  std::string hash = hashPassword("correct horse battery staple");
  EXPECT_EQ(hash.rfind("$argon2id$v=19$m=65536,t=3,p=1$", 0), 0u) << hash;
  EXPECT_TRUE(verifyPassword("correct horse battery staple", hash));
  EXPECT_FALSE(verifyPassword("correct horse battery stapl", hash));
  EXPECT_NE(hashPassword("same"), hashPassword("same"));  // salted
}

TEST(Password, MalformedHashesNeverVerify) {
  EXPECT_FALSE(verifyPassword("x", ""));
  EXPECT_FALSE(verifyPassword("x", "$argon2i$v=19$m=65536,t=3,p=1$AAAA$AAAA"));
  EXPECT_FALSE(verifyPassword("x", "$argon2id$garbage"));
}

TEST(Password, GeneratedPasswordsAreLongAndVaried) {
  auto a = generatePassword(), b = generatePassword();
  EXPECT_EQ(a.size(), 20u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_of("0O1lI"), std::string::npos);
}

class Pki : public ::testing::Test {
 protected:
  PrivateKey caKey = generateKey();
  Certificate ca = makeCaCertificate(caKey.get(), "Test CA", 30);
};

TEST_F(Pki, CaIsSelfSignedWithCaConstraint) {
  EXPECT_EQ(subjectCommonName(ca.get()), "Test CA");
  EXPECT_TRUE(verifyIssuedBy(ca.get(), ca.get()));
  EXPECT_EQ(X509_check_ca(ca.get()), 1);
}

TEST_F(Pki, ServerCertificateCarriesNamesAndVerifies) {
  auto key = generateKey();
  auto cert = makeServerCertificate(ca.get(), caKey.get(), key.get(), "parc.example.fr",
                                    {"parc.example.fr", "localhost"}, {"127.0.0.1", "::1"}, 30);
  EXPECT_TRUE(verifyIssuedBy(cert.get(), ca.get()));
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "evil.example", 0, 0, nullptr), 0);
}

TEST_F(Pki, CsrIsSignedWithTheCaChosenNameNotTheRequested) {
  auto agentKey = generateKey();
  auto csr = parseCsr(makeCsrPem(agentKey.get(), "admin"));
  auto cert = signClientCertificate(ca.get(), caKey.get(), csr.get(), "host-uid-1", 365);
  EXPECT_EQ(subjectCommonName(cert.get()), "host-uid-1");
  EXPECT_TRUE(verifyIssuedBy(cert.get(), ca.get()));
  EXPECT_EQ(X509_check_private_key(cert.get(), agentKey.get()), 1);
  EXPECT_EQ(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_CLIENT, 0), 1);
  EXPECT_EQ(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_SERVER, 0), 0);
}

TEST_F(Pki, CertificateFromAnotherCaDoesNotVerify) {
  auto otherKey = generateKey();
  auto other = makeCaCertificate(otherKey.get(), "Other CA", 30);
  auto key = generateKey();
  auto cert = signClientCertificate(other.get(), otherKey.get(),
                                    parseCsr(makeCsrPem(key.get(), "x")).get(), "x", 30);
  EXPECT_FALSE(verifyIssuedBy(cert.get(), ca.get()));
}

TEST_F(Pki, TamperedOrForeignCsrIsRefused) {
  auto key = generateKey();
  std::string pem = makeCsrPem(key.get(), "agent");
  // Flip one character inside the base64 body: the signature no longer verifies
  // (or the DER no longer parses); either way, a clear bad-request error.
  std::string tampered = pem;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_THROW(parseCsr(tampered), Error);
  EXPECT_THROW(parseCsr("not a csr"), Error);
  try {
    parseCsr("");
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadRequest);
  }
}

TEST_F(Pki, RsaCsrIsRefused) {
  PrivateKey rsa(EVP_RSA_gen(2048));
  ASSERT_TRUE(rsa);
  try {
    parseCsr(makeCsrPem(rsa.get(), "agent"));
    FAIL() << "RSA key accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("P-256"), std::string::npos);
  }
}

TEST_F(Pki, PemRoundTripsAndFingerprints) {
  std::string pem = certificateToPem(ca.get());
  auto back = certificateFromPem(pem);
  EXPECT_EQ(fingerprint(back.get()), fingerprint(ca.get()));
  EXPECT_EQ(fingerprint(ca.get()).size(), 64u);
  auto bundle = certificatesFromPem(pem + pem);
  EXPECT_EQ(bundle.size(), 2u);
  EXPECT_THROW(certificatesFromPem("garbage"), Error);
  auto keyBack = privateKeyFromPem(privateKeyToPem(caKey.get()));
  EXPECT_EQ(X509_check_private_key(ca.get(), keyBack.get()), 1);
}

TEST(Fingerprint, NormalizationAcceptsColonsAndCase) {
  EXPECT_EQ(normalizeFingerprint("AB:cd:EF"), "abcdef");
  EXPECT_EQ(normalizeFingerprint("ab cd"), "abcd");
}

TEST(PrivateKeyFile, IsWrittenOwnerOnly) {
  auto path = std::filesystem::temp_directory_path() / ("parc-key-" + std::to_string(::getpid()));
  auto key = generateKey();
  writePrivateKey(path, key.get());
  auto perms = std::filesystem::status(path).permissions();
  EXPECT_EQ(perms & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto back = readPrivateKey(path);
  EXPECT_EQ(privateKeyToPem(back.get()), privateKeyToPem(key.get()));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace parc::crypto
