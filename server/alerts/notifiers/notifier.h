#pragma once
// A notifier delivers one notification on one channel (docs/health.md, "Channels").
// It throws parc::Error when delivery failed (kUnavailable: retried later with backoff;
// the queue keeps the notification, so nothing is lost while a notifier is down).
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/alerts/model.h"

namespace parc::server::alerts::notifiers {

struct Notification {
  std::string event;  // "firing", "acknowledged", "resolved"
  Alert alert;
  HostInfo host;
  std::string consoleUrl;  // e.g. "https://parc.example.fr:8444"; the alert's page is appended
  /// What this channel keeps about this alert between events (GLPI: ticket id). The
  /// notifier may change it; the dispatcher stores it after the send, even a failed one
  /// (what was done outside before the failure, such as a ticket opened, stays known).
  Json ref = Json::object();
  /// What this channel keeps about this host across alerts (GLPI: the Computer id found
  /// by a search); stored by the dispatcher after the send like `ref`.
  Json hostRef = Json::object();
};

/// The test message (test_message.cpp): French wording, the same for every kind.
struct TestMessage {
  std::string subject;  // "Parc : notification de test"
  std::string body;
  std::string requestedBy;  // "user:marie"
  std::string consoleUrl;
};
TestMessage testMessage(const Channel& channel, const std::string& requestedBy,
                        const std::string& consoleUrl, Time now);

/// Outgoing network policy for webhooks and GLPI (the SSRF guard).
struct OutgoingPolicy {
  /// Hosts or CIDR ranges ("10.1.2.0/24", "glpi.interne") allowed although private,
  /// loopback or link-local. Public addresses are always allowed.
  std::vector<std::string> allow;
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual std::string_view kind() const = 0;
  /// kBadRequest when the channel settings are incomplete or wrong.
  virtual void validate(const Json& settings) const = 0;
  virtual void send(const Channel& channel, Notification& n) = 0;
  /// A message that is not about one alert (the daily digest); kBadRequest for kinds
  /// that have none (only e-mail has).
  virtual void sendDigest(const Channel& channel, const std::string& subject,
                          const std::string& body);
  /// A technician's "does this channel work?" (POST /api/v1/channels/{id}/test): one
  /// message about no alert, sent now; throws like send() when it cannot be delivered.
  virtual void sendTest(const Channel& channel, const TestMessage& message) = 0;
};

using NotifierPtr = std::unique_ptr<Notifier>;

NotifierPtr makeEmail(OutgoingPolicy policy);
NotifierPtr makeWebhook(OutgoingPolicy policy);
NotifierPtr makeGlpi(OutgoingPolicy policy);

/// The explicit list (notifiers.cpp).
std::vector<NotifierPtr> allNotifiers(const OutgoingPolicy& policy);

/// Wording shared by the notifiers, in French for the town halls' support desk.
std::string frenchSubject(const Notification& n);
std::string frenchBody(const Notification& n);
std::string alertUrl(const Notification& n);
/// The JSON document a webhook receives.
Json notificationJson(const Notification& n);
/// The daily digest of a channel's commune: open alerts, most severe first (digest.cpp).
std::string digestSubject(const std::string& day, const std::vector<Alert>& open);
std::string digestBody(const std::string& day, std::vector<Alert> open,
                       const std::map<Id, std::string>& hostNames, const std::string& consoleUrl);

/// Lowercase hex HMAC-SHA-256, as in the webhook's X-Parc-Signature.
std::string hmacSha256Hex(std::string_view key, std::string_view data);

}  // namespace parc::server::alerts::notifiers
