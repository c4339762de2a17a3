#include "server/ca/internal_ca.h"

#include <arpa/inet.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>

#include "common/error.h"
#include "common/files/files.h"

namespace parc::server::ca {

namespace fs = std::filesystem;

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

std::int64_t unixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Anchor describe(X509* cert, const char* state) {
  return {crypto::fingerprint(cert), state, crypto::subjectCommonName(cert),
          unixSeconds(crypto::notAfter(cert)), crypto::certificateToPem(cert)};
}

bool keyMatches(X509* cert, EVP_PKEY* key) {
  return X509_check_private_key(cert, key) == 1;
}

// A new CA gets a distinct subject (its creation date) so that chains never have to
// choose between two anchors of the same name.
crypto::PrivateKey writeNewCa(const fs::path& keyPath, const fs::path& certPath) {
  auto key = crypto::generateKey();
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
  auto cert =
      crypto::makeCaCertificate(key.get(), std::string("Parc internal CA ") + stamp, kCaDays);
  crypto::writePrivateKey(keyPath, key.get());
  files::writeAtomic(certPath, crypto::certificateToPem(cert.get()), 0644);
  return key;
}

// An interrupted `ca promote` can leave ca.key renamed but not ca.pem: finish it.
void finishInterruptedPromotion(const fs::path& dir) {
  auto staged = dir / "ca-staged.pem", key = dir / "ca.key", cert = dir / "ca.pem";
  if (!fs::exists(staged) || fs::exists(dir / "ca-staged.key") || !fs::exists(key)) return;
  auto stagedCert = crypto::readCertificate(staged);
  if (keyMatches(stagedCert.get(), crypto::readPrivateKey(key).get())) {
    fs::rename(staged, cert);
    spdlog::warn("finished an interrupted CA promotion in {}", dir.string());
  }
}

std::vector<crypto::Certificate> previousAnchors(const fs::path& dir) {
  std::vector<crypto::Certificate> out;
  if (!fs::is_directory(dir / "anchors")) return out;
  std::vector<fs::path> paths;
  for (const auto& e : fs::directory_iterator(dir / "anchors")) {
    if (e.path().extension() == ".pem") paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) out.push_back(crypto::readCertificate(p));
  return out;
}

std::vector<Anchor> readAnchors(const fs::path& dir) {
  std::vector<Anchor> out;
  if (fs::exists(dir / "ca.pem"))
    out.push_back(describe(crypto::readCertificate(dir / "ca.pem").get(), "active"));
  if (fs::exists(dir / "ca-staged.pem"))
    out.push_back(describe(crypto::readCertificate(dir / "ca-staged.pem").get(), "staged"));
  for (auto& c : previousAnchors(dir)) out.push_back(describe(c.get(), "previous"));
  return out;
}

void requireCa(const fs::path& dir) {
  if (!fs::exists(dir / "ca.pem") || !fs::exists(dir / "ca.key"))
    throw Error(ErrorKind::kNotFound,
                "no CA in " + dir.string() + " (start parc-server once with this data directory)");
}

}  // namespace

InternalCa InternalCa::openOrCreate(const fs::path& dir,
                                    const std::vector<std::string>& serverNames) {
  files::ensureDirectory(dir, 0700);
  finishInterruptedPromotion(dir);
  InternalCa ca;
  auto caKeyPath = dir / "ca.key", caCertPath = dir / "ca.pem";
  if (fs::exists(caKeyPath) && fs::exists(caCertPath)) {
    ca.caKey_ = crypto::readPrivateKey(caKeyPath);
    ca.caCert_ = crypto::readCertificate(caCertPath);
    if (!keyMatches(ca.caCert_.get(), ca.caKey_.get()))
      throw Error(ErrorKind::kInternal, caKeyPath.string() + " is not the key of " +
                                            caCertPath.string() + ": restore both from backup");
  } else {
    ca.caKey_ = crypto::generateKey();
    ca.caCert_ = crypto::makeCaCertificate(ca.caKey_.get(), "Parc internal CA", kCaDays);
    crypto::writePrivateKey(caKeyPath, ca.caKey_.get());
    files::writeAtomic(caCertPath, crypto::certificateToPem(ca.caCert_.get()), 0644);
    spdlog::info("created internal CA in {}", dir.string());
  }

  // After a promotion the server certificate must come from the new CA: agents that
  // learned it can then drop the old one once it is retired.
  auto keyPath = dir / "server.key", certPath = dir / "server.pem";
  if (fs::exists(keyPath) && fs::exists(certPath)) {
    ca.serverKey_ = crypto::readPrivateKey(keyPath);
    ca.serverCert_ = crypto::readCertificate(certPath);
  }
  if (!ca.serverCert_ || !crypto::verifyIssuedBy(ca.serverCert_.get(), ca.caCert_.get())) {
    ca.serverKey_ = crypto::generateKey();
    ca.serverCert_ =
        makeServerCert(ca.caCert_.get(), ca.caKey_.get(), ca.serverKey_.get(), serverNames);
    crypto::writePrivateKey(keyPath, ca.serverKey_.get());
    files::writeAtomic(certPath, crypto::certificateToPem(ca.serverCert_.get()), 0644);
    spdlog::info("created server certificate for {} name(s) with CA {}", serverNames.size(),
                 crypto::fingerprint(ca.caCert_.get()));
  }
  ca.anchors_ = readAnchors(dir);
  if (ca.anchors_.size() > 1)
    spdlog::info("trust anchors: {} (active {})", ca.anchors_.size(), ca.fingerprint());
  return ca;
}

std::string InternalCa::fingerprint() const {
  return crypto::fingerprint(caCert_.get());
}

std::string InternalCa::caBundlePem() const {
  std::string out;
  for (const auto& pem : announcedAnchors()) out += pem;
  return out;
}

std::vector<std::string> InternalCa::announcedAnchors() const {
  // Previous CAs no longer sign the server's certificate: agents need not trust them.
  std::vector<std::string> out;
  for (const auto& a : anchors_) {
    if (a.state != "previous") out.push_back(a.pem);
  }
  return out;
}

std::string InternalCa::clientTrustPem() const {
  // The staged CA has issued nothing yet: trusting it for clients would only widen the door.
  std::string out;
  for (const auto& a : anchors_) {
    if (a.state != "staged") out += a.pem;
  }
  return out;
}

std::string InternalCa::serverChainPem() const {
  return crypto::certificateToPem(serverCert_.get()) + crypto::certificateToPem(caCert_.get());
}

std::string InternalCa::serverKeyPem() const {
  return crypto::privateKeyToPem(serverKey_.get());
}

IssuedCertificate InternalCa::issueAgentCertificate(X509_REQ* csr, const std::string& commonName,
                                                    std::chrono::seconds lifetime) const {
  if (lifetime.count() < 1) throw Error(ErrorKind::kBadRequest, "certificate lifetime must be > 0");
  auto cert = crypto::signClientCertificate(caCert_.get(), caKey_.get(), csr, commonName, 1);
  // Exact lifetime (tests use seconds), back-dated by a tenth of it (at most the hour
  // crypto uses) for clock differences; then signed again over the new dates.
  long skew = static_cast<long>(std::min<std::int64_t>(3600, lifetime.count() / 10));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -skew);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(lifetime.count()));
  if (X509_sign(cert.get(), caKey_.get(), EVP_sha256()) == 0)
    throw Error(ErrorKind::kInternal, "cannot sign the agent certificate");
  IssuedCertificate out;
  out.pem = crypto::certificateToPem(cert.get());
  out.fingerprint = crypto::fingerprint(cert.get());
  out.serial = crypto::serialHex(cert.get());
  out.notAfter = unixSeconds(crypto::notAfter(cert.get()));
  ++*issued_;
  return out;
}

std::string InternalCa::rotate(const fs::path& dir) {
  requireCa(dir);
  if (fs::exists(dir / "ca-staged.pem"))
    throw Error(ErrorKind::kConflict,
                "a new CA is staged already (" +
                    crypto::fingerprint(crypto::readCertificate(dir / "ca-staged.pem").get()) +
                    "): promote it first");
  writeNewCa(dir / "ca-staged.key", dir / "ca-staged.pem");
  std::string fp = crypto::fingerprint(crypto::readCertificate(dir / "ca-staged.pem").get());
  spdlog::info("staged new CA {} in {}", fp, dir.string());
  return "staged CA " + fp +
         ": restart parc-server so that agents learn it, then promote once they all know it";
}

std::string InternalCa::promote(const fs::path& dir) {
  requireCa(dir);
  auto stagedPem = dir / "ca-staged.pem", stagedKey = dir / "ca-staged.key";
  if (!fs::exists(stagedPem) || !fs::exists(stagedKey))
    throw Error(ErrorKind::kNotFound, "no staged CA: run `parc-server ca rotate` first");
  auto staged = crypto::readCertificate(stagedPem);
  if (!keyMatches(staged.get(), crypto::readPrivateKey(stagedKey).get()))
    throw Error(ErrorKind::kInternal,
                stagedKey.string() + " is not the key of " + stagedPem.string());
  // Keep the old CA as a previous anchor first, so that a crash anywhere below loses
  // nothing: agents' certificates it issued stay trusted until `ca retire`.
  auto old = crypto::readCertificate(dir / "ca.pem");
  std::string oldFp = crypto::fingerprint(old.get());
  files::ensureDirectory(dir / "anchors", 0700);
  files::writeAtomic(dir / "anchors" / (oldFp + ".pem"), crypto::certificateToPem(old.get()), 0644);
  auto oldKey = crypto::readPrivateKey(dir / "ca.key");
  crypto::writePrivateKey(dir / "anchors" / (oldFp + ".key"), oldKey.get());
  fs::rename(stagedKey, dir / "ca.key");
  fs::rename(stagedPem, dir / "ca.pem");  // finishInterruptedPromotion covers a crash here
  std::string fp = crypto::fingerprint(staged.get());
  spdlog::info("promoted CA {} (previous {} still trusted)", fp, oldFp);
  return "active CA is now " + fp + "; " + oldFp +
         " stays trusted for agents' certificates until retired. Restart parc-server.";
}

std::string InternalCa::retire(const fs::path& dir, const std::string& fingerprint) {
  requireCa(dir);
  std::string fp = crypto::normalizeFingerprint(fingerprint);
  for (const auto& a : readAnchors(dir)) {
    if (a.fingerprint != fp) continue;
    if (a.state != "previous")
      throw Error(ErrorKind::kConflict,
                  "CA " + fp + " is the " + a.state + " one: only a previous CA can be retired");
    fs::remove(dir / "anchors" / (fp + ".pem"));
    fs::remove(dir / "anchors" / (fp + ".key"));
    spdlog::info("retired CA {}", fp);
    return "retired CA " + fp +
           ": agents' certificates it issued are refused after parc-server restarts";
  }
  throw Error(ErrorKind::kNotFound, "no trust anchor with fingerprint " + fp);
}

std::vector<Anchor> InternalCa::list(const fs::path& dir) {
  requireCa(dir);
  return readAnchors(dir);
}

}  // namespace parc::server::ca
