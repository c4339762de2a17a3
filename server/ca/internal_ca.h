#pragma once
// The server's internal certificate authority: it signs agents' certificates and the
// server's own TLS certificate. Several trust anchors coexist so that the CA can be
// rotated without losing the fleet. Files in <data>/tls/ (keys 0600):
//   ca.pem, ca.key                 the active CA: signs agents' and the server's certificates
//   ca-staged.pem, ca-staged.key   a new CA announced to agents, not used yet (`ca rotate`)
//   anchors/<sha256>.pem, .key     previous CAs, still trusted for agents' certificates
//                                  until retired (`ca promote` moves the active one here)
//   server.pem, server.key         the server certificate, re-issued at start when it was
//                                  not signed by the active CA
// The `ca` steps change files only; the running server reads them at start.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
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

/// One trust anchor and its role in a rotation.
struct Anchor {
  std::string fingerprint;
  std::string state;  // "active", "staged" (announced, not used) or "previous" (until retired)
  std::string commonName;
  std::int64_t notAfter = 0;
  std::string pem;
};

class InternalCa {
 public:
  /// Loads the CA from `dir`, creating it (and the server certificate) on first start.
  /// `serverNames` are the DNS names and IP addresses the server certificate covers.
  static InternalCa openOrCreate(const std::filesystem::path& dir,
                                 const std::vector<std::string>& serverNames);

  /// SHA-256 of the active CA certificate: what new agents pin at enrolment.
  std::string fingerprint() const;
  /// The anchors agents are given and told to trust the server with (PEM bundle): the
  /// active CA first, then the staged one, so that agents follow the next promotion.
  std::string caBundlePem() const;
  /// The same anchors, one PEM each (announced to enrolled agents).
  std::vector<std::string> announcedAnchors() const;
  /// The anchors client certificates are verified against: active and previous CAs.
  std::string clientTrustPem() const;
  /// Every anchor, the active one first.
  const std::vector<Anchor>& anchors() const { return anchors_; }
  /// Leaf then CA, for the listeners.
  std::string serverChainPem() const;
  std::string serverKeyPem() const;

  /// Issues an agent's client certificate for a verified CSR with the active CA.
  IssuedCertificate issueAgentCertificate(X509_REQ* csr, const std::string& commonName,
                                          std::chrono::seconds lifetime) const;
  IssuedCertificate issueAgentCertificate(X509_REQ* csr, const std::string& commonName,
                                          int validDays) const {
    return issueAgentCertificate(csr, commonName, std::chrono::hours(24) * validDays);
  }

  static constexpr int kAgentCertificateDays = 365;
  /// Agent certificates signed since start (enrolments and renewals), for /metrics.
  std::uint64_t issuedCount() const { return issued_->load(); }

  // The rotation steps (`parc-server ca …`), on the files of `dir`; each returns a line
  // for the administrator and throws parc::Error (kConflict, kNotFound) when out of order.
  /// Creates a staged CA; refused while one is staged already.
  static std::string rotate(const std::filesystem::path& dir);
  /// The staged CA becomes the active one; the active one is kept as a previous anchor.
  static std::string promote(const std::filesystem::path& dir);
  /// Stops trusting a previous anchor (never the active or the staged one).
  static std::string retire(const std::filesystem::path& dir, const std::string& fingerprint);
  /// The anchors of `dir` without creating anything.
  static std::vector<Anchor> list(const std::filesystem::path& dir);

 private:
  crypto::PrivateKey caKey_;
  crypto::Certificate caCert_;
  crypto::PrivateKey serverKey_;
  crypto::Certificate serverCert_;
  std::vector<Anchor> anchors_;
  std::shared_ptr<std::atomic<std::uint64_t>> issued_ =
      std::make_shared<std::atomic<std::uint64_t>>(0);
};

}  // namespace parc::server::ca
