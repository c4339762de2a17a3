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

// ---- Plain HTTP ------------------------------------------------------------------------
// For services on a town hall's LAN that only speak http:// (a local GLPI): nothing is
// encrypted or authenticated, so Parc uses it only where an administrator configured an
// http:// URL. Beast stays in client.cpp.
namespace parc::net {

class HttpClient {
 public:
  explicit HttpClient(Endpoint server, std::chrono::seconds timeout = std::chrono::seconds(30));

  /// Sends the request (HTTP/1.1, connection closed after) and returns the response,
  /// whatever its status. Throws parc::Error(kUnavailable) when the server cannot be
  /// reached or answers something that is not HTTP.
  Response send(const Request& request) const;

  const Endpoint& server() const { return server_; }

 private:
  Endpoint server_;
  std::chrono::seconds timeout_;
};

}  // namespace parc::net
