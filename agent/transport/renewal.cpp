#include "agent/transport/renewal.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <ctime>
#include <random>
#include <set>

#include "common/compress/zstd.h"
#include "common/crypto/x509.h"
#include "common/error.h"
#include "common/files/files.h"
#include "common/net/client.h"
#include "common/thread/thread_name.h"

namespace parc::agent::transport {

namespace fs = std::filesystem;

namespace {

std::int64_t asn1Seconds(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1)
    throw Error(ErrorKind::kBadRequest, "certificate with an unreadable validity date");
  return static_cast<std::int64_t>(timegm(&tm));
}

bool isSelfSignedCa(X509* cert) {
  return X509_check_ca(cert) > 0 && X509_check_issued(cert, cert) == X509_V_OK &&
         crypto::verifyIssuedBy(cert, cert);
}

// POST with the agent's certificate; the JSON answer of a 2xx, else parc::Error with
// the server's reason (kUnavailable when it cannot be reached).
Json post(const Identity& identity, const std::string& path, const Json& body) {
  net::HttpsClient client(net::parseUrl(identity.server), clientTls(identity),
                          std::chrono::seconds(30));
  net::Request req;
  req.method = "POST";
  req.target = path;
  req.headers = {{"content-type", "application/json"}, {"content-encoding", "zstd"}};
  req.body = compress::zstdCompress(body.dump());
  net::Response res = client.send(req);
  Json answer = Json::object();
  try {
    answer = parseJson(res.body);
  } catch (const Error&) {
    answer = Json::object();  // a proxy's HTML page: the status says what happened
  }
  if (res.status / 100 != 2) {
    std::string reason = answer.is_object() ? answer.value("message", res.body) : res.body;
    throw Error(kindFromHttpStatus(res.status),
                "server refused " + path + " (" + std::to_string(res.status) + "): " + reason);
  }
  if (!answer.is_object()) throw Error(ErrorKind::kBadRequest, "server answer is not an object");
  return answer;
}

std::vector<std::string> pemList(const Json& answer) {
  std::vector<std::string> out;
  auto list = answer.find("trust_anchors");
  if (list == answer.end() || !list->is_array()) return out;
  for (const auto& pem : *list) {
    if (pem.is_string()) out.push_back(pem.get<std::string>());
  }
  return out;
}

bool issuedByOneOf(const std::string& certPem, const std::vector<std::string>& anchors) {
  auto cert = crypto::certificateFromPem(certPem);
  for (const auto& pem : anchors) {
    try {
      if (crypto::verifyIssuedBy(cert.get(), crypto::certificateFromPem(pem).get())) return true;
    } catch (const Error&) {
      // Not a certificate: it issued nothing of ours (acceptAnnouncedAnchors ignores it).
    }
  }
  return false;
}

void writeMeta(const fs::path& dataDir, const Identity& id) {
  Json meta{{"server", id.server}, {"host_id", id.hostId}, {"tenant_id", id.tenantId}};
  files::writeAtomic(dataDir / "identity.json", meta.dump(2) + "\n", 0644);
}

}  // namespace

CertificateTimes certificateTimes(const std::string& pem) {
  auto cert = crypto::certificateFromPem(pem);
  return {asn1Seconds(X509_get0_notBefore(cert.get())),
          asn1Seconds(X509_get0_notAfter(cert.get()))};
}

bool renewalDue(const CertificateTimes& t, std::int64_t now) {
  std::int64_t lifetime = std::max<std::int64_t>(1, t.notAfter - t.notBefore);
  return (t.notAfter - now) * 3 < lifetime;
}

std::chrono::milliseconds checkInterval(const CertificateTimes& t) {
  std::int64_t tenthMs = std::max<std::int64_t>(0, t.notAfter - t.notBefore) * 100;
  return std::chrono::milliseconds(std::clamp<std::int64_t>(tenthMs, 1000, 3600 * 1000));
}

std::vector<std::string> anchorFingerprints(const std::string& bundlePem) {
  std::vector<std::string> out;
  for (auto& cert : crypto::certificatesFromPem(bundlePem))
    out.push_back(crypto::fingerprint(cert.get()));
  return out;
}

std::optional<std::string> acceptAnnouncedAnchors(const std::string& current,
                                                  const std::vector<std::string>& announced) {
  if (announced.empty() || announced.size() > 8) return std::nullopt;
  auto known = anchorFingerprints(current);
  std::set<std::string> before(known.begin(), known.end()), after;
  bool continuity = false;
  std::string bundle;
  for (const auto& pem : announced) {
    crypto::Certificate cert;
    try {
      cert = crypto::certificateFromPem(pem);
    } catch (const Error&) {
      return std::nullopt;
    }
    if (!isSelfSignedCa(cert.get())) return std::nullopt;
    std::string fp = crypto::fingerprint(cert.get());
    if (!after.insert(fp).second) continue;
    continuity = continuity || before.count(fp) > 0;
    bundle += crypto::certificateToPem(cert.get());
  }
  // An announcement must keep one anchor we trust: a rotation goes through a stage in
  // which both CAs are announced, so a set with nothing in common is not one.
  if (!continuity || after == before) return std::nullopt;
  return bundle;
}

Renewer::Renewer(fs::path dataDir, Identity identity, std::function<void(const Identity&)> onChange)
    : dataDir_(std::move(dataDir)),
      onChange_(std::move(onChange)),
      identity_(std::move(identity)) {}

Renewer::~Renewer() {
  stop();
}

void Renewer::start() {
  thread_ = namedThread("cert-renewal", [this] { loop(); });
}

void Renewer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Identity Renewer::identity() {
  std::lock_guard lock(mutex_);
  return identity_;
}

void Renewer::adopt(Identity next, const char* why) {
  {
    std::lock_guard lock(mutex_);
    identity_ = next;
  }
  spdlog::info("identity updated: {}", why);
  if (onChange_) onChange_(next);
}

Json Renewer::checkIn(const Identity& identity) {
  return post(identity, "/api/v1/agent/trust",
              Json{{"known_anchors", anchorFingerprints(identity.caBundlePem)}});
}

// A renewed certificate is used only once the server has accepted it: the check-in with
// it is also what tells the server the overlap is over.
bool Renewer::tryPending() {
  auto key = files::tryRead(dataDir_ / "agent.key.new");
  auto cert = files::tryRead(dataDir_ / "agent.pem.new");
  if (!key || !cert) return false;
  Identity next = identity();
  next.certificatePem = *cert;
  next.privateKeyPem = *key;
  try {
    checkIn(next);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kUnavailable) throw;  // try again later
    spdlog::warn("renewed certificate refused by the server ({}): discarded", e.what());
    fs::remove(dataDir_ / "agent.key.new");
    fs::remove(dataDir_ / "agent.pem.new");
    return false;
  }
  // Key first: loadIdentity finishes an interrupted switch from agent.pem.new.
  fs::rename(dataDir_ / "agent.key.new", dataDir_ / "agent.key");
  fs::rename(dataDir_ / "agent.pem.new", dataDir_ / "agent.pem");
  auto times = certificateTimes(next.certificatePem);
  adopt(std::move(next),
        ("renewed certificate in use, valid until " + std::to_string(times.notAfter)).c_str());
  return true;
}

void Renewer::renew() {
  Identity current = identity();
  auto key = crypto::generateKey();
  auto currentCert = crypto::certificateFromPem(current.certificatePem);
  Json answer = post(current, "/api/v1/agent/renew",
                     Json{{"csr", crypto::makeCsrPem(key.get(), "parc-agent")},
                          {"known_anchors", anchorFingerprints(current.caBundlePem)}});
  if (!answer.contains("certificate") || !answer["certificate"].is_string())
    throw Error(ErrorKind::kBadRequest, "renewal answer without a certificate");
  std::string pem = answer["certificate"].get<std::string>();
  auto cert = crypto::certificateFromPem(pem);
  if (X509_check_private_key(cert.get(), key.get()) != 1)
    throw Error(ErrorKind::kBadRequest, "server renewed a certificate for another key");
  if (crypto::subjectCommonName(cert.get()) != crypto::subjectCommonName(currentCert.get()))
    throw Error(ErrorKind::kBadRequest, "server renewed a certificate for another identity");
  crypto::writePrivateKey(dataDir_ / "agent.key.new", key.get());
  files::writeAtomic(dataDir_ / "agent.pem.new", pem, 0600);
  spdlog::info("certificate renewed (valid until {}); switching to it",
               answer.value("not_after", std::int64_t{0}));
  if (auto bundle = acceptAnnouncedAnchors(current.caBundlePem, pemList(answer))) {
    files::writeAtomic(dataDir_ / "ca.pem", *bundle, 0644);
    current.caBundlePem = *bundle;
    adopt(current, "trust anchors announced with the renewal");
  }
}

void Renewer::checkOnce(std::int64_t now) {
  if (tryPending()) return;
  Identity current = identity();
  Json answer = checkIn(current);
  bool changed = false;
  std::string why;
  if (auto bundle = acceptAnnouncedAnchors(current.caBundlePem, pemList(answer))) {
    files::writeAtomic(dataDir_ / "ca.pem", *bundle, 0644);
    current.caBundlePem = *bundle;
    changed = true;
    why = "trust anchors now " + std::to_string(anchorFingerprints(*bundle).size());
  }
  // A technician merged this re-installed PC into its previous host.
  if (auto id = answer.find("host_id");
      id != answer.end() && id->is_number_integer() && id->get<std::int64_t>() != current.hostId) {
    current.hostId = id->get<std::int64_t>();
    writeMeta(dataDir_, current);
    changed = true;
    why += (why.empty() ? "" : "; ") + std::string("now host ") + std::to_string(current.hostId);
  }
  if (changed) adopt(current, why.c_str());
  // After a CA promotion the server no longer announces the CA that issued our
  // certificate: move to the new one now rather than at the next due date.
  auto announced = pemList(answer);
  bool orphaned = !announced.empty() && !issuedByOneOf(current.certificatePem, announced);
  if (orphaned) spdlog::info("certificate issued by a CA the server no longer announces: renewing");
  if (orphaned || renewalDue(certificateTimes(current.certificatePem), now)) {
    renew();
    tryPending();
  }
}

void Renewer::loop() {
  static thread_local std::mt19937_64 gen{std::random_device{}()};
  int failures = 0;
  for (;;) {
    std::chrono::milliseconds wait, cap = std::chrono::hours(1);
    try {
      cap = checkInterval(certificateTimes(identity().certificatePem));
      checkOnce(std::time(nullptr));
      failures = 0;
      wait = checkInterval(certificateTimes(identity().certificatePem));
    } catch (const std::exception& e) {
      // Full jitter up to the check interval: a fleet whose server was down does not
      // come back to renew in the same second.
      auto ceiling = std::min<std::int64_t>(cap.count(), 1000LL << std::min(failures++, 12));
      wait = std::chrono::milliseconds(
          std::uniform_int_distribution<std::int64_t>(ceiling / 2, ceiling)(gen));
      spdlog::warn("certificate check failed: {} (retrying in {:.1f} s)", e.what(),
                   wait.count() / 1000.0);
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, wait, [this] { return stopping_; })) return;
  }
}

}  // namespace parc::agent::transport
