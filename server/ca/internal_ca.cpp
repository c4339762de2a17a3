#include "server/ca/internal_ca.h"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include "common/files/files.h"

namespace parc::server::ca {

namespace {

constexpr int kCaDays = 3650;
constexpr int kServerDays = 825;

bool isIpAddress(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

crypto::Certificate makeServerCert(X509* ca, EVP_PKEY* caKey, EVP_PKEY* key,
                                   const std::vector<std::string>& names) {
  std::vector<std::string> dns, ips;
  for (const auto& n : names) (isIpAddress(n) ? ips : dns).push_back(n);
  std::string cn = dns.empty() ? "parc-server" : dns.front();
  return crypto::makeServerCertificate(ca, caKey, key, cn, dns, ips, kServerDays);
}

}  // namespace

InternalCa InternalCa::openOrCreate(const std::filesystem::path& dir,
                                    const std::vector<std::string>& serverNames) {
  files::ensureDirectory(dir, 0700);
  InternalCa ca;
  auto caKeyPath = dir / "ca.key", caCertPath = dir / "ca.pem";
  if (std::filesystem::exists(caKeyPath) && std::filesystem::exists(caCertPath)) {
    ca.caKey_ = crypto::readPrivateKey(caKeyPath);
    ca.caCert_ = crypto::readCertificate(caCertPath);
  } else {
    ca.caKey_ = crypto::generateKey();
    ca.caCert_ = crypto::makeCaCertificate(ca.caKey_.get(), "Parc internal CA", kCaDays);
    crypto::writePrivateKey(caKeyPath, ca.caKey_.get());
    files::writeAtomic(caCertPath, crypto::certificateToPem(ca.caCert_.get()), 0644);
    spdlog::info("created internal CA in {}", dir.string());
  }

  auto keyPath = dir / "server.key", certPath = dir / "server.pem";
  if (std::filesystem::exists(keyPath) && std::filesystem::exists(certPath)) {
    ca.serverKey_ = crypto::readPrivateKey(keyPath);
    ca.serverCert_ = crypto::readCertificate(certPath);
  } else {
    ca.serverKey_ = crypto::generateKey();
    ca.serverCert_ =
        makeServerCert(ca.caCert_.get(), ca.caKey_.get(), ca.serverKey_.get(), serverNames);
    crypto::writePrivateKey(keyPath, ca.serverKey_.get());
    files::writeAtomic(certPath, crypto::certificateToPem(ca.serverCert_.get()), 0644);
    spdlog::info("created server certificate for {} name(s)", serverNames.size());
  }
  return ca;
}

std::string InternalCa::fingerprint() const {
  return crypto::fingerprint(caCert_.get());
}

std::string InternalCa::caBundlePem() const {
  return crypto::certificateToPem(caCert_.get());
}

std::string InternalCa::serverChainPem() const {
  return crypto::certificateToPem(serverCert_.get()) + crypto::certificateToPem(caCert_.get());
}

std::string InternalCa::serverKeyPem() const {
  return crypto::privateKeyToPem(serverKey_.get());
}

IssuedCertificate InternalCa::issueAgentCertificate(X509_REQ* csr, const std::string& commonName,
                                                    int validDays) const {
  auto cert =
      crypto::signClientCertificate(caCert_.get(), caKey_.get(), csr, commonName, validDays);
  IssuedCertificate out;
  out.pem = crypto::certificateToPem(cert.get());
  out.fingerprint = crypto::fingerprint(cert.get());
  out.serial = crypto::serialHex(cert.get());
  out.notAfter = std::chrono::duration_cast<std::chrono::seconds>(
                     crypto::notAfter(cert.get()).time_since_epoch())
                     .count();
  return out;
}

}  // namespace parc::server::ca
