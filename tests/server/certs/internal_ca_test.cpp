// The internal CA's trust anchors through a rotation, on real files.
#include "server/ca/internal_ca.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <sstream>

#include "common/crypto/x509.h"
#include "common/error.h"
#include "server/ca/ca_command.h"

namespace parc::server::ca {
namespace {

namespace fs = std::filesystem;

class InternalCaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("parc-ca-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  InternalCa open() { return InternalCa::openOrCreate(dir_, {"localhost", "127.0.0.1"}); }

  static std::vector<std::string> states(const InternalCa& ca) {
    std::vector<std::string> out;
    for (const auto& a : ca.anchors()) out.push_back(a.state);
    return out;
  }
  static std::size_t count(const std::string& bundle) {
    return crypto::certificatesFromPem(bundle).size();
  }
  static ErrorKind kindOf(const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.kind();
    }
    ADD_FAILURE() << "no error";
    return ErrorKind::kInternal;
  }

  fs::path dir_;
};

TEST_F(InternalCaTest, RotationStagesPromotesAndRetires) {
  std::string first = open().fingerprint();
  std::string firstServerPem =
      crypto::certificateToPem(crypto::readCertificate(dir_ / "server.pem").get());

  InternalCa::rotate(dir_);
  InternalCa staged = open();
  EXPECT_EQ(staged.fingerprint(), first);  // staged: announced, not used
  EXPECT_EQ(states(staged), (std::vector<std::string>{"active", "staged"}));
  EXPECT_EQ(count(staged.caBundlePem()), 2u);
  EXPECT_EQ(count(staged.clientTrustPem()), 1u);
  EXPECT_EQ(staged.announcedAnchors().size(), 2u);
  std::string second = staged.anchors()[1].fingerprint;
  EXPECT_NE(second, first);
  EXPECT_EQ(kindOf([&] { InternalCa::rotate(dir_); }), ErrorKind::kConflict);
  EXPECT_EQ(kindOf([&] { InternalCa::retire(dir_, second); }), ErrorKind::kConflict);

  InternalCa::promote(dir_);
  InternalCa promoted = open();
  EXPECT_EQ(promoted.fingerprint(), second);
  EXPECT_EQ(states(promoted), (std::vector<std::string>{"active", "previous"}));
  EXPECT_EQ(count(promoted.clientTrustPem()), 2u);  // old agents' certificates still trusted
  EXPECT_EQ(promoted.announcedAnchors().size(), 1u);
  // The server certificate was re-issued by the new CA.
  auto server = crypto::readCertificate(dir_ / "server.pem");
  auto active = crypto::readCertificate(dir_ / "ca.pem");
  EXPECT_TRUE(crypto::verifyIssuedBy(server.get(), active.get()));
  EXPECT_NE(crypto::certificateToPem(server.get()), firstServerPem);
  EXPECT_EQ(kindOf([&] { InternalCa::promote(dir_); }), ErrorKind::kNotFound);
  EXPECT_EQ(kindOf([&] { InternalCa::retire(dir_, second); }), ErrorKind::kConflict);
  EXPECT_EQ(kindOf([&] { InternalCa::retire(dir_, std::string(64, 'a')); }), ErrorKind::kNotFound);

  InternalCa::retire(dir_, first);
  InternalCa retired = open();
  EXPECT_EQ(states(retired), (std::vector<std::string>{"active"}));
  EXPECT_EQ(count(retired.clientTrustPem()), 1u);
  EXPECT_FALSE(fs::exists(dir_ / "anchors" / (first + ".key")));
}

TEST_F(InternalCaTest, AgentCertificatesFromThePreviousCaStillVerifyAfterPromotion) {
  InternalCa ca = open();
  auto key = crypto::generateKey();
  auto csr = crypto::parseCsr(crypto::makeCsrPem(key.get(), "x"));
  auto issued = ca.issueAgentCertificate(csr.get(), "uid-1", std::chrono::seconds(3600));
  InternalCa::rotate(dir_);
  InternalCa::promote(dir_);
  InternalCa promoted = open();
  auto cert = crypto::certificateFromPem(issued.pem);
  bool trusted = false;
  for (auto& anchor : crypto::certificatesFromPem(promoted.clientTrustPem()))
    trusted = trusted || crypto::verifyIssuedBy(cert.get(), anchor.get());
  EXPECT_TRUE(trusted);
  // New certificates come from the new CA, with the same identity.
  auto renewed = crypto::certificateFromPem(
      promoted.issueAgentCertificate(csr.get(), "uid-1", std::chrono::seconds(3600)).pem);
  EXPECT_TRUE(
      crypto::verifyIssuedBy(renewed.get(), crypto::readCertificate(dir_ / "ca.pem").get()));
  EXPECT_EQ(crypto::subjectCommonName(renewed.get()), "uid-1");
}

TEST_F(InternalCaTest, LifetimeInSecondsIsExact) {
  InternalCa ca = open();
  auto key = crypto::generateKey();
  auto csr = crypto::parseCsr(crypto::makeCsrPem(key.get(), "x"));
  std::int64_t now = std::time(nullptr);
  auto issued = ca.issueAgentCertificate(csr.get(), "uid", std::chrono::seconds(30));
  EXPECT_GE(issued.notAfter, now + 29);
  EXPECT_LE(issued.notAfter, now + 32);
  auto cert = crypto::certificateFromPem(issued.pem);
  EXPECT_TRUE(crypto::verifyIssuedBy(cert.get(), crypto::readCertificate(dir_ / "ca.pem").get()));
  EXPECT_EQ(crypto::fingerprint(cert.get()), issued.fingerprint);
  EXPECT_EQ(kindOf([&] { ca.issueAgentCertificate(csr.get(), "uid", std::chrono::seconds(0)); }),
            ErrorKind::kBadRequest);
}

TEST_F(InternalCaTest, InterruptedPromotionIsFinishedAtStart) {
  open();
  InternalCa::rotate(dir_);
  std::string staged = InternalCa::list(dir_)[1].fingerprint;
  // As if the promotion stopped after moving the key and before the certificate.
  fs::rename(dir_ / "ca-staged.key", dir_ / "ca.key");
  EXPECT_EQ(open().fingerprint(), staged);
  EXPECT_FALSE(fs::exists(dir_ / "ca-staged.pem"));
}

TEST_F(InternalCaTest, MismatchedKeyIsAClearError) {
  open();
  crypto::writePrivateKey(dir_ / "ca.key", crypto::generateKey().get());
  try {
    open();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is not the key of"), std::string::npos) << e.what();
  }
}

TEST_F(InternalCaTest, CommandLine) {
  std::ostringstream out, err;
  EXPECT_EQ(runCaCommand(dir_, {"status"}, out, err), 1);  // no CA yet
  EXPECT_NE(err.str().find("no CA"), std::string::npos) << err.str();
  open();
  EXPECT_EQ(runCaCommand(dir_, {}, out, err), 2);
  EXPECT_EQ(runCaCommand(dir_, {"retire"}, out, err), 2);
  EXPECT_EQ(runCaCommand(dir_, {"rotate"}, out, err), 0);
  EXPECT_NE(out.str().find("staged CA"), std::string::npos);
  out.str("");
  EXPECT_EQ(runCaCommand(dir_, {"status"}, out, err), 0);
  EXPECT_NE(out.str().find("staged"), std::string::npos);
  EXPECT_EQ(runCaCommand(dir_, {"rotate"}, out, err), 1);
  EXPECT_EQ(runCaCommand(dir_, {"promote"}, out, err), 0);
  EXPECT_EQ(runCaCommand(dir_, {"retire", "zz"}, out, err), 1);
}

}  // namespace
}  // namespace parc::server::ca
