// The agent's renewal decisions and anchor updates, without a server.
#include "agent/transport/renewal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/crypto/x509.h"
#include "common/files/files.h"

namespace parc::agent::transport {
namespace {

namespace fs = std::filesystem;

std::string newCaPem(const std::string& name) {
  auto key = crypto::generateKey();
  return crypto::certificateToPem(crypto::makeCaCertificate(key.get(), name, 30).get());
}

TEST(Renewal, DueWhenAThirdOfTheLifetimeRemains) {
  CertificateTimes t{1000, 1300};  // 300 s
  EXPECT_FALSE(renewalDue(t, 1000));
  EXPECT_FALSE(renewalDue(t, 1199));
  EXPECT_TRUE(renewalDue(t, 1201));
  EXPECT_TRUE(renewalDue(t, 5000));  // expired: still try (the server will say no)
  CertificateTimes year{0, 365LL * 86400};
  EXPECT_FALSE(renewalDue(year, 200LL * 86400));
  EXPECT_TRUE(renewalDue(year, 250LL * 86400));
}

TEST(Renewal, CheckIntervalIsATenthOfTheLifetimeWithinBounds) {
  EXPECT_EQ(checkInterval({0, 30}).count(), 3000);
  EXPECT_EQ(checkInterval({0, 5}).count(), 1000);
  EXPECT_EQ(checkInterval({0, 365LL * 86400}).count(), 3600 * 1000);
}

TEST(Renewal, CertificateTimesAreRead) {
  auto key = crypto::generateKey();
  auto ca = crypto::makeCaCertificate(key.get(), "ca", 10);
  auto t = certificateTimes(crypto::certificateToPem(ca.get()));
  EXPECT_EQ(t.notAfter - t.notBefore, 10 * 86400 + 3600);  // back-dated an hour
}

TEST(Renewal, AnnouncedAnchorsNeedContinuity) {
  std::string ca1 = newCaPem("ca1"), ca2 = newCaPem("ca2"), ca3 = newCaPem("ca3");
  // Staged CA announced alongside the current one: learned.
  auto both = acceptAnnouncedAnchors(ca1, {ca1, ca2});
  ASSERT_TRUE(both);
  EXPECT_EQ(anchorFingerprints(*both).size(), 2u);
  // After promotion the old one is no longer announced: dropped.
  auto next = acceptAnnouncedAnchors(*both, {ca2});
  ASSERT_TRUE(next);
  EXPECT_EQ(anchorFingerprints(*next), anchorFingerprints(ca2));
  // Nothing in common with what we trust: ignored. Same set: nothing to do.
  EXPECT_FALSE(acceptAnnouncedAnchors(ca1, {ca3}));
  EXPECT_FALSE(acceptAnnouncedAnchors(ca1, {ca1}));
  EXPECT_FALSE(acceptAnnouncedAnchors(ca1, {}));
  EXPECT_FALSE(acceptAnnouncedAnchors(ca1, {ca1, "not a certificate"}));
}

TEST(Renewal, AnnouncedLeafCertificatesAreRefused) {
  auto caKey = crypto::generateKey();
  auto ca = crypto::makeCaCertificate(caKey.get(), "ca", 30);
  auto key = crypto::generateKey();
  auto leaf = crypto::signClientCertificate(
      ca.get(), caKey.get(), crypto::parseCsr(crypto::makeCsrPem(key.get(), "x")).get(), "x", 30);
  std::string caPem = crypto::certificateToPem(ca.get());
  EXPECT_FALSE(acceptAnnouncedAnchors(caPem, {caPem, crypto::certificateToPem(leaf.get())}));
}

TEST(Renewal, InterruptedSwitchIsFinishedWhenLoading) {
  fs::path dir = fs::temp_directory_path() / ("parc-renewal-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto caKey = crypto::generateKey();
  auto ca = crypto::makeCaCertificate(caKey.get(), "ca", 30);
  auto issue = [&](EVP_PKEY* k) {
    return crypto::certificateToPem(
        crypto::signClientCertificate(ca.get(), caKey.get(),
                                      crypto::parseCsr(crypto::makeCsrPem(k, "x")).get(), "u", 30)
            .get());
  };
  auto oldKey = crypto::generateKey(), newKey = crypto::generateKey();
  files::writeAtomic(dir / "identity.json",
                     R"({"server":"https://127.0.0.1:1","host_id":1,"tenant_id":1})");
  files::writeAtomic(dir / "ca.pem", crypto::certificateToPem(ca.get()));
  files::writeAtomic(dir / "agent.pem", issue(oldKey.get()));
  // Stopped after renaming the key, before the certificate.
  crypto::writePrivateKey(dir / "agent.key", newKey.get());
  std::string renewed = issue(newKey.get());
  files::writeAtomic(dir / "agent.pem.new", renewed);
  auto id = loadIdentity(dir);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->certificatePem, renewed);
  EXPECT_FALSE(fs::exists(dir / "agent.pem.new"));
  // Both pending files present: the renewal is unproven, the current pair stays.
  crypto::writePrivateKey(dir / "agent.key.new", oldKey.get());
  files::writeAtomic(dir / "agent.pem.new", issue(oldKey.get()));
  EXPECT_EQ(loadIdentity(dir)->certificatePem, renewed);
  // A damaged leftover does not keep the agent from starting.
  fs::remove(dir / "agent.key.new");
  files::writeAtomic(dir / "agent.pem.new", "garbage");
  EXPECT_EQ(loadIdentity(dir)->certificatePem, renewed);
  EXPECT_FALSE(fs::exists(dir / "agent.pem.new"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace parc::agent::transport
