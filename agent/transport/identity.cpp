#include "agent/transport/identity.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <ctime>

#include "common/crypto/x509.h"
#include "common/error.h"
#include "common/files/files.h"
#include "common/remote/signing.h"
#include "common/net/client.h"
#include "common/protocol/messages.h"

namespace parc::agent::transport {

namespace {

std::string localHostname() {
  char name[256] = {};
  return gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string("unknown");
}

// The bundle the server returns must contain the certificate we pinned: the pin, not
// the network, decides whom the agent trusts from now on.
void checkBundleHasPin(const std::string& bundlePem, const std::string& pin) {
  for (auto& cert : crypto::certificatesFromPem(bundlePem)) {
    if (crypto::fingerprint(cert.get()) == pin) return;
  }
  throw Error(ErrorKind::kForbidden,
              "server's CA bundle does not contain the pinned CA certificate");
}

}  // namespace

std::shared_ptr<tls::TlsContext> clientTls(const Identity& identity) {
  tls::ClientTlsConfig config;
  config.caBundlePem = identity.caBundlePem;
  config.certificatePem = identity.certificatePem;
  config.privateKeyPem = identity.privateKeyPem;
  return tls::TlsContext::client(config);
}

namespace {

// The renewer switches to a renewed certificate by renaming agent.key.new then
// agent.pem.new; a stop between the two leaves the new key with the old certificate.
void finishInterruptedSwitch(const std::filesystem::path& dataDir) {
  auto pending = dataDir / "agent.pem.new";
  if (!std::filesystem::exists(pending) || std::filesystem::exists(dataDir / "agent.key.new"))
    return;
  auto key = files::tryRead(dataDir / "agent.key");
  if (!key) return;
  try {
    auto cert = crypto::certificateFromPem(files::read(pending));
    if (X509_check_private_key(cert.get(), crypto::privateKeyFromPem(*key).get()) == 1) {
      std::filesystem::rename(pending, dataDir / "agent.pem");
      spdlog::info("finished switching to the renewed certificate");
    }
  } catch (const Error& e) {
    // A damaged leftover must not keep the agent from starting: the renewer starts over.
    spdlog::warn("{} ignored and removed: {}", pending.string(), e.what());
    std::filesystem::remove(pending);
  }
}

}  // namespace

std::optional<Identity> loadIdentity(const std::filesystem::path& dataDir) {
  finishInterruptedSwitch(dataDir);
  auto meta = files::tryRead(dataDir / "identity.json");
  auto cert = files::tryRead(dataDir / "agent.pem");
  auto key = files::tryRead(dataDir / "agent.key");
  auto ca = files::tryRead(dataDir / "ca.pem");
  if (!meta || !cert || !key || !ca) return std::nullopt;
  Json j = parseJson(*meta);
  Identity id;
  id.server = j.at("server").get<std::string>();
  id.hostId = j.at("host_id").get<std::int64_t>();
  id.tenantId = j.at("tenant_id").get<std::int64_t>();
  id.certificatePem = *cert;
  id.privateKeyPem = *key;
  id.caBundlePem = *ca;
  return id;
}

std::string deviceId(const std::filesystem::path& dataDir) {
  auto path = dataDir / "device-id";
  if (auto existing = files::tryRead(path); existing && !existing->empty()) {
    return existing->substr(0, existing->find('\n'));
  }
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d-%H-%M-%S", &tm);
  std::string id = localHostname() + "-" + stamp;
  files::writeAtomic(path, id + "\n", 0644);
  return id;
}

Identity enroll(const AgentConfig& config) {
  if (config.server.empty())
    throw Error(ErrorKind::kBadRequest, "no server URL configured (server = \"https://…\")");
  if (config.caFingerprint.empty())
    throw Error(ErrorKind::kBadRequest, "no CA fingerprint configured (ca_fingerprint)");
  if (config.token.empty())
    throw Error(ErrorKind::kBadRequest, "no enrolment token configured (token)");
  files::ensureDirectory(config.dataDir, 0700);

  std::string pin = crypto::normalizeFingerprint(config.caFingerprint);
  auto key = crypto::generateKey();
  protocol::EnrollRequest request{config.token, crypto::makeCsrPem(key.get(), "parc-agent"),
                                  localHostname(), deviceId(config.dataDir)};

  tls::ClientTlsConfig tlsConfig;
  tlsConfig.pinnedFingerprint = pin;
  net::HttpsClient client(net::parseUrl(config.server), tls::TlsContext::client(tlsConfig));
  net::Request req{
      "POST", "/api/v1/enroll", {{"content-type", "application/json"}}, Json(request).dump(), {},
      {}};
  net::Response res = client.send(req);
  if (res.status != 201) {
    std::string reason = res.body;
    try {
      reason = parseJson(res.body).value("message", res.body);
    } catch (const Error&) {
    }
    throw Error(kindFromHttpStatus(res.status), "enrolment refused by the server: " + reason);
  }
  auto response = fromJson<protocol::EnrollResponse>(parseJson(res.body), "enrolment response");
  checkBundleHasPin(response.caBundlePem, pin);
  auto cert = crypto::certificateFromPem(response.certificatePem);
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    throw Error(ErrorKind::kBadRequest, "server returned a certificate for another key");
  }

  crypto::writePrivateKey(config.dataDir / "agent.key", key.get());
  files::writeAtomic(config.dataDir / "agent.pem", response.certificatePem, 0644);
  files::writeAtomic(config.dataDir / "ca.pem", response.caBundlePem, 0644);
  Json meta{
      {"server", config.server}, {"host_id", response.hostId}, {"tenant_id", response.tenantId}};
  files::writeAtomic(config.dataDir / "identity.json", meta.dump(2) + "\n", 0644);
  // The server's command-signing key comes with the enrolment: it replaces any pinned one.
  std::string signingKey = parseJson(res.body).value("command_signing_key", "");
  if (parc::remote::isPublicKeyHex(signingKey))
    files::writeAtomic(config.dataDir / "command-signing.pub", signingKey + "\n", 0644);
  spdlog::info("enrolled with {} as host {} (tenant {})", config.server, response.hostId,
               response.tenantId);

  return Identity{config.server,
                  response.hostId,
                  response.tenantId,
                  response.certificatePem,
                  crypto::privateKeyToPem(key.get()),
                  response.caBundlePem};
}

}  // namespace parc::agent::transport
