#pragma once
// parcctl's view of the console REST API.
#include <memory>
#include <string>

#include "cli/session_file.h"
#include "common/json/json.h"
#include "common/net/client.h"
#include "common/text/percent_encoding.h"  // for query parameters

namespace parc::cli {

/// What a request to the server takes from parcctl's session file: its endpoint
/// (kBadRequest "no server: run `parcctl login`…" when none), the TLS trust (pinned CA,
/// optional bundle), and the token — PARC_API_TOKEN's when set.
net::Endpoint endpointOf(const SessionFile& s);
std::shared_ptr<tls::TlsContext> trustFor(const SessionFile& s);
SessionFile withApiToken(SessionFile s);

class ApiClient {
 public:
  explicit ApiClient(const SessionFile& session);

  /// Sends a request; returns the JSON body of a 2xx answer, throws parc::Error with the
  /// server's message otherwise.
  Json call(const std::string& method, const std::string& path, const Json& body = Json()) const;
  /// The same for a non-JSON answer (exports): the body as text.
  std::string callText(const std::string& method, const std::string& path) const;
  /// The raw answer, whatever its status (to read an error code such as totp_required).
  net::Response send(const std::string& method, const std::string& path,
                     const Json& body = Json()) const;

 private:
  SessionFile session_;
  net::HttpsClient client_;
};

}  // namespace parc::cli
