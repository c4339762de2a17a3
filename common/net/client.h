#pragma once
// A blocking HTTPS client for the agent and parcctl: one request, one connection, every
// step under a deadline. Beast lives in client.cpp only.
#include <chrono>
#include <memory>

#include "common/net/http.h"
#include "common/tls/tls_context.h"

namespace parc::net {

class HttpsClient {
 public:
  HttpsClient(Endpoint server, std::shared_ptr<tls::TlsContext> tls,
              std::chrono::seconds timeout = std::chrono::seconds(30));

  /// Sends the request and returns the server's response, whatever its status.
  /// Throws parc::Error(kUnavailable) when the server cannot be reached or trusted.
  Response send(const Request& request) const;

  const Endpoint& server() const { return server_; }

 private:
  Endpoint server_;
  std::shared_ptr<tls::TlsContext> tls_;
  std::chrono::seconds timeout_;
};

}  // namespace parc::net
