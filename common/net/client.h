#pragma once
// A blocking HTTPS client for the agent and parcctl: every step under a deadline.
// Connections are kept alive and reused (a small pool shared by copies of the client);
// a reused connection the server closed while idle is retried once on a fresh one,
// never after response bytes were read. Beast lives in client.cpp only.
#include <chrono>
#include <cstddef>
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
  /// Thread-safe: concurrent calls use different connections.
  Response send(const Request& request) const;

  const Endpoint& server() const { return server_; }

  /// TCP + TLS connections this client (and its copies) opened so far.
  std::size_t connectionsOpened() const;

 private:
  struct Pool;  // up to 4 idle connections, each reused for at most 20 s (client.cpp)
  Endpoint server_;
  // The pool's connections were made with this context only: a client built with a
  // renewed identity (a new TlsContext) starts with an empty pool of its own.
  std::shared_ptr<tls::TlsContext> tls_;
  std::chrono::seconds timeout_;
  std::shared_ptr<Pool> pool_;
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
