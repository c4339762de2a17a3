#pragma once
// The server's internal certificate authority: it signs agents' certificates and the
// server's own TLS certificate. Its files live in <data>/tls/ (keys 0600).
#include <filesystem>
#include <string>
#include <vector>

#include "common/crypto/x509.h"

namespace parc::server::ca {

struct IssuedCertificate {
  std::string pem;
  std::string fingerprint;
  std::string serial;
  std::int64_t notAfter = 0;  // Unix seconds
};

class InternalCa {
 public:
  /// Loads the CA from `dir`, creating it (and the server certificate) on first start.
  /// `serverNames` are the DNS names and IP addresses the server certificate covers.
  static InternalCa openOrCreate(const std::filesystem::path& dir,
                                 const std::vector<std::string>& serverNames);

  /// SHA-256 of the CA certificate: what agents pin at enrolment.
  std::string fingerprint() const;
  /// The trust anchors agents are given (PEM bundle).
  std::string caBundlePem() const;
  /// Leaf then CA, for the listeners.
  std::string serverChainPem() const;
  std::string serverKeyPem() const;

  /// Issues an agent's client certificate for a verified CSR.
  IssuedCertificate issueAgentCertificate(X509_REQ* csr, const std::string& commonName,
                                          int validDays) const;

  static constexpr int kAgentCertificateDays = 365;

 private:
  crypto::PrivateKey caKey_;
  crypto::Certificate caCert_;
  crypto::PrivateKey serverKey_;
  crypto::Certificate serverCert_;
};

}  // namespace parc::server::ca
