#pragma once
// parcctl's view of the console REST API.
#include <string>

#include "cli/session_file.h"
#include "common/json/json.h"
#include "common/net/client.h"

namespace parc::cli {

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

/// Percent-encodes a query parameter value (RFC 3986 unreserved characters kept).
std::string queryEscape(const std::string& value);

}  // namespace parc::cli
