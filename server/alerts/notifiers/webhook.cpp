// Signed JSON webhooks: the body is notificationJson(), and
//   X-Parc-Timestamp: <unix seconds>
//   X-Parc-Signature: sha256=<hex HMAC-SHA-256(secret, timestamp + "." + body)>
// so a receiver can check both origin and freshness (docs/health.md, "Webhooks").
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ctime>

#include "common/crypto/hash.h"
#include "common/error.h"
#include "server/alerts/notifiers/notifier.h"
#include "server/alerts/notifiers/outgoing.h"

namespace parc::server::alerts::notifiers {

std::string hmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len)) {
    throw Error(ErrorKind::kInternal, "HMAC-SHA-256 failed");
  }
  return crypto::toHex(crypto::Bytes(out, out + len));
}

namespace {

class Webhook : public Notifier {
 public:
  explicit Webhook(OutgoingPolicy policy) : policy_(std::move(policy)) {}
  std::string_view kind() const override { return "webhook"; }

  void validate(const Json& s) const override {
    if (!s.contains("url") || !s["url"].is_string()) {
      throw Error(ErrorKind::kBadRequest, "webhook channel needs \"url\"");
    }
    HttpsUrl u = parseHttpsUrl(s["url"].get<std::string>());
    checkOutgoingAtValidation(u.endpoint, policy_);
    if (!s.contains("secret") || !s["secret"].is_string() ||
        s["secret"].get<std::string>().size() < 16) {
      throw Error(ErrorKind::kBadRequest, "webhook channel needs a \"secret\" of 16+ characters");
    }
  }

  void send(const Channel& channel, Notification& n) override {
    post(channel.settings, n.event, notificationJson(n).dump());
  }

  // Signed like an alert, with "event": "test" and no "alert", so that a receiver can
  // check its signature code and then ignore it.
  void sendTest(const Channel& channel, const TestMessage& m) override {
    Json doc{{"version", 1},
             {"event", "test"},
             {"tenant_id", channel.tenantId},
             {"channel", channel.name},
             {"subject", m.subject},
             {"text", m.body},
             {"requested_by", m.requestedBy},
             {"url", m.consoleUrl}};
    post(channel.settings, "test", doc.dump());
  }

 private:
  void post(const Json& s, const std::string& event, const std::string& body) {
    std::string timestamp = std::to_string(std::time(nullptr));
    std::string signature =
        "sha256=" + hmacSha256Hex(s.value("secret", ""), timestamp + "." + body);
    auto response = httpsRequest(policy_, "POST", s.value("url", ""),
                                 {{"x-parc-timestamp", timestamp},
                                  {"x-parc-signature", signature},
                                  {"x-parc-event", event},
                                  {"user-agent", "parc-server"}},
                                 body, s.value("ca_pem", ""));
    if (response.status < 200 || response.status >= 300) {
      throw Error(ErrorKind::kUnavailable,
                  "webhook answered HTTP " + std::to_string(response.status));
    }
  }

  OutgoingPolicy policy_;
};

}  // namespace

NotifierPtr makeWebhook(OutgoingPolicy policy) {
  return std::make_unique<Webhook>(std::move(policy));
}

}  // namespace parc::server::alerts::notifiers
