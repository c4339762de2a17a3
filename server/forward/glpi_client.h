#pragma once
// One GLPI native-inventory POST and the reading of GLPI's answer. The network goes
// through parc_net's clients (HttpsClient, or HttpClient for an http:// GLPI).
#include <memory>
#include <string>

#include "common/net/http.h"
#include "common/tls/tls_context.h"
#include "server/forward/settings.h"

namespace parc::server::forward {

struct DeliveryOutcome {
  enum class Kind {
    kDelivered,    // GLPI answered {"status":"ok"}
    kRefused,      // GLPI refused this document (4xx about the content): retried later
    kServerFailed  // unreachable, TLS, 5xx, an answer that is not GLPI's: the whole
                   // tenant backs off
  };
  Kind kind = Kind::kServerFailed;
  int httpStatus = 0;  // 0: no HTTP answer
  std::string message;
};

/// The request GLPI's agents send: POST, Content-Type application/json (or
/// application/x-compress-zlib with a zlib body), GLPI-Agent-ID, User-Agent.
net::Request buildGlpiRequest(const GlpiTarget& target, const std::string& glpiJson,
                              const std::string& agentId);

/// Reads GLPI's answer (inflating it when compressed): JSON {"status":"ok"} is a
/// delivery; {"status":"error","message":…} or anything else a failure, classified.
DeliveryOutcome interpretGlpiAnswer(const net::Response& response);

class GlpiClient {
 public:
  /// Builds the TLS context once (the target's CA file, or the system store); throws
  /// parc::Error(kBadRequest) when the CA file cannot be read or parsed.
  explicit GlpiClient(GlpiTarget target);
  /// Never throws for network or protocol failures: they are outcomes.
  DeliveryOutcome send(const std::string& glpiJson, const std::string& agentId) const;
  const GlpiTarget& target() const { return target_; }

 private:
  GlpiTarget target_;
  std::shared_ptr<tls::TlsContext> tls_;
};

}  // namespace parc::server::forward
