#pragma once
// A CA of the test's own and a certificate for localhost / 127.0.0.1: the identity of the
// local TLS servers tests start (SMTP, webhook receivers, echo servers). Header-only, so
// any test target can share it.
#include <string>

#include "common/crypto/x509.h"

namespace parc::testing {

struct TestPki {
  std::string caPem, certPem, keyPem;
  TestPki() {
    auto caKey = crypto::generateKey();
    auto ca = crypto::makeCaCertificate(caKey.get(), "Parc test CA", 2);
    auto key = crypto::generateKey();
    auto cert = crypto::makeServerCertificate(ca.get(), caKey.get(), key.get(), "localhost",
                                              {"localhost"}, {"127.0.0.1"}, 2);
    caPem = crypto::certificateToPem(ca.get());
    certPem = crypto::certificateToPem(cert.get());
    keyPem = crypto::privateKeyToPem(key.get());
  }
};

/// One per test process: key generation is not free.
inline const TestPki& testPki() {
  static const TestPki pki;
  return pki;
}

}  // namespace parc::testing
